"""Hand-built boundary files over the toy atlas (tests/toy_atlas.py), in every format a user
may upload.

Layers (km from the toy origin; LSOAs are 1 km squares, x 0–4, y 0–2):

* HALVES: A = x 0–1.5 (L1, L5 whole; half of L2, L6), B = x 1.5–4 (the rest). Residents: A = 100 +
  500 + 200/2 + 600/2 = 1000, B = 2600.
* WHOLE: W = x 0–2 (L1 L2 L5 L6, = ICB I1), E = x 2–4 (L3 L4 L7 L8, = ICB I2).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import box
from toy_atlas import KM, X0, Y0


def km_box(x0: float, y0: float, x1: float, y1: float):
    return box(X0 + x0 * KM, Y0 + y0 * KM, X0 + x1 * KM, Y0 + y1 * KM)


def layer(rows: list[tuple], columns=("code", "name")) -> gpd.GeoDataFrame:
    """rows: (code, name, geometry) in EPSG:27700."""
    return gpd.GeoDataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(columns)},
        geometry=[r[-1] for r in rows],
        crs=27700,
    )


HALVES = [("A", "West half", km_box(0, 0, 1.5, 2)), ("B", "East part", km_box(1.5, 0, 4, 2))]
WHOLE = [("W", "West", km_box(0, 0, 2, 2)), ("E", "East", km_box(2, 0, 4, 2))]
HALVES_WEIGHTS = {
    ("A", "L1"): 1,
    ("A", "L5"): 1,
    ("A", "L2"): 0.5,
    ("A", "L6"): 0.5,
    ("B", "L2"): 0.5,
    ("B", "L6"): 0.5,
    ("B", "L3"): 1,
    ("B", "L4"): 1,
    ("B", "L7"): 1,
    ("B", "L8"): 1,
}
WHOLE_CSV = (
    b"lsoa21cd,unit_code,unit_name\nL1,W,West\nL2,W,West\nL5,W,West\nL6,W,West\n"
    b"L3,E,East\nL4,E,East\nL7,E,East\nL8,E,East\n"
)


def geojson(gdf: gpd.GeoDataFrame, to: int = 4326, declare: bool = False) -> bytes:
    """GeoJSON text of the layer in EPSG ``to``; with ``declare`` an old-style ``crs`` member."""
    doc = json.loads(gdf.to_crs(to).to_json(drop_id=True))
    doc.pop("crs", None)
    if declare:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{to}"}}
    return json.dumps(doc).encode()


def gpkg(gdf: gpd.GeoDataFrame, layer_name: str = "units") -> bytes:
    buf = io.BytesIO()
    pyogrio.write_dataframe(gdf, buf, driver="GPKG", layer=layer_name)
    return buf.getvalue()


def shapefile_zip(
    gdf: gpd.GeoDataFrame, tmp: Path, prj: str | None = "keep", folder: str = ""
) -> bytes:
    """A zipped shapefile (.shp .shx .dbf [.prj]); ``prj``: "keep", None (dropped) or new text."""
    d = tmp / "shp"
    d.mkdir(exist_ok=True)
    pyogrio.write_dataframe(gdf, d / "units.shp", driver="ESRI Shapefile")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(d.iterdir()):
            if p.suffix == ".prj" and prj != "keep":
                if prj is not None:
                    zf.writestr(folder + p.name, prj)
                continue
            zf.write(p, folder + p.name)
    return buf.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def weights_dict(weights) -> dict:
    return {
        (u, lsoa): s for u, lsoa, s in weights[["unit", "lsoa", "share"]].itertuples(index=False)
    }
