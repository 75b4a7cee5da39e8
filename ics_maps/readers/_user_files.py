"""Open a user's vector file (GeoJSON, GeoPackage, or a shapefile from a zip) and find its declared
CRS, counting features before reading them all.

GDAL parses a whole GeoJSON each time it opens one, so a GeoJSON is opened once, reading at most
one feature more than the limit; the other formats are counted before they are read. GDAL reports
EPSG:4326 for every GeoJSON, also one in metres with no ``crs`` member, so a GeoJSON's old-style
``crs`` member is read here (RFC 7946 has none).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from ics_maps.readers._user_types import LayerError, Limits

_CRS_KEY = re.compile(rb'"crs"\s*:')


def read_vector(
    source, name: str, fmt: str, layer: str | None, limits: Limits, notes: list[str]
) -> tuple[gpd.GeoDataFrame, CRS | None, str]:
    """A GeoJSON / GeoPackage / shapefile (bytes or path), its declared CRS (None if none) and
    where the CRS was declared."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if fmt == "GeoJSON":
                gdf = pyogrio.read_dataframe(source, max_features=limits.max_features + 1)
                n = len(gdf)
            else:
                chosen = _choose_layer(pyogrio.list_layers(source), layer, name, notes)
                n = int(pyogrio.read_info(source, layer=chosen).get("features") or 0)
                if 0 < n <= limits.max_features:
                    gdf = pyogrio.read_dataframe(source, layer=chosen)
        except LayerError:
            raise
        except Exception as e:  # noqa: BLE001 - GDAL's many errors all mean "not readable"
            raise LayerError(
                f"{name} could not be read as {fmt} (GDAL: {_gdal_message(e)}): is it a "
                "geographic file?"
            ) from None
    if n == 0:
        raise LayerError(f"{name} has no features: the layer is empty")
    if n > limits.max_features:
        more = "more than " if fmt == "GeoJSON" else ""
        shown = min(n, limits.max_features) if more else n
        raise LayerError(
            f"{name} has {more}{shown:,} features, over the limit of {limits.max_features:,} units"
        )
    if fmt == "GeoJSON":
        declared, how = _geojson_crs(source, name) if isinstance(source, bytes) else (None, "")
    else:
        declared, how = _declared(gdf.crs, name)
    return gdf, declared, how


def _gdal_message(e: Exception) -> str:
    """GDAL's message without the in-memory file names it invents."""
    msg = re.sub(r"'?/vsimem/[^\s']*'?\s*", "", str(e).split(";")[0]).strip().rstrip(".")
    return msg or type(e).__name__


def _choose_layer(layers: np.ndarray, layer: str | None, name: str, notes: list[str]) -> int:
    """Index of the layer to read: the one asked for, else the first polygon layer (noted)."""
    names = [str(x) for x in layers[:, 0]]
    if layer is not None:
        if layer not in names:
            raise LayerError(
                f"{name} has no layer {layer!r}: its layers are {', '.join(map(repr, names))}"
            )
        return names.index(layer)
    if len(names) > 1:
        kinds = [str(t) for t in layers[:, 1]]
        pick = next((i for i, t in enumerate(kinds) if "Polygon" in t), 0)
        notes.append(
            f"{name} has {len(names)} layers ({', '.join(names)}): read {names[pick]!r} "
            "(choose another with the layer option)"
        )
        return pick
    return 0


def _geojson_crs(data: bytes, name: str) -> tuple[CRS | None, str]:
    """The CRS in a GeoJSON's ``crs`` member, else None: the JSON is parsed only when the text holds
    ``"crs":``."""
    if not _CRS_KEY.search(data):
        return None, ""
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise LayerError(f"{name} is not valid JSON: {e}") from None
    member = doc.get("crs") if isinstance(doc, dict) else None
    if member is None:
        return None, ""
    props = member.get("properties") if isinstance(member, dict) else None
    text = props.get("name") if isinstance(props, dict) else None
    if not isinstance(text, str):
        raise LayerError(
            f"{name} declares a CRS this reader does not understand ({json.dumps(member)[:120]}): "
            "use a named CRS such as EPSG:27700, or none for longitude/latitude"
        )
    return parse_crs(text, name), "declared in the file"


def parse_crs(text: str, name: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise LayerError(
            f"{name} declares an unknown CRS {text[:120]!r}: save it in British National Grid "
            "(EPSG:27700) or WGS84 longitude/latitude (EPSG:4326)"
        ) from None


def _declared(crs, name: str) -> tuple[CRS | None, str]:
    if crs is None:
        return None, ""
    text = crs.to_wkt() if hasattr(crs, "to_wkt") else str(crs)
    return parse_crs(text, name), "declared in the file"


def read_zip_folder(
    folder: Path, name: str, layer: str | None, limits: Limits, notes: list[str]
) -> tuple[gpd.GeoDataFrame, CRS | None, str]:
    """The shapefile (or else GeoPackage / GeoJSON) of an extracted zip, as :func:`read_vector`."""
    shps = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".shp")
    if not shps:
        others = sorted(
            p for p in folder.rglob("*") if p.suffix.lower() in (".gpkg", ".geojson", ".json")
        )
        if not others:
            raise LayerError(
                f"{name} holds no shapefile (.shp) nor GeoPackage/GeoJSON: nothing to read"
            )
        fmt = "GeoPackage" if others[0].suffix.lower() == ".gpkg" else "GeoJSON"
        inner = f"{name}/{others[0].name}"
        chosen = layer if fmt == "GeoPackage" else None
        return read_vector(others[0].read_bytes(), inner, fmt, chosen, limits, notes)
    if layer is not None:
        match = [p for p in shps if p.stem == layer]
        if not match:
            raise LayerError(
                f"{name} has no shapefile {layer!r}: it holds {', '.join(p.stem for p in shps)}"
            )
        shp = match[0]
    else:
        shp = shps[0]
        if len(shps) > 1:
            notes.append(
                f"{name} holds {len(shps)} shapefiles ({', '.join(p.stem for p in shps)}): read "
                f"{shp.stem!r} (choose another with the layer option)"
            )
    missing = [ext for ext in (".shx", ".dbf") if not _sidecar(shp, ext)]
    if missing:
        raise LayerError(
            f"{name}: the shapefile {shp.name} lacks its {' and '.join(missing)} file: zip all its "
            "parts together"
        )
    label = f"{name}/{shp.name}"
    prj = _sidecar(shp, ".prj")
    declared, how = None, ""
    if prj is not None:
        declared = parse_crs(prj.read_text(errors="replace").strip(), label)
        how = "declared in the .prj"
    gdf, _, _ = read_vector(str(shp), label, "shapefile", None, limits, notes)
    return gdf, declared, how


def _sidecar(shp: Path, ext: str) -> Path | None:
    for p in shp.parent.iterdir():
        if p.stem == shp.stem and p.suffix.lower() == ext:
            return p
    return None
