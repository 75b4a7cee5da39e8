"""Boundary files: any catalogued vector file to tidy polygons ``code, name, ods_code, geometry`` in
EPSG:27700, with its CRS, columns, feature count and extent checked."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from ics_maps.crs import BNG
from ics_maps.errors import DataError
from ics_maps.readers._checks import ONS_CODE, check_codes, check_columns, check_rows, check_unique
from ics_maps.sources.catalogue import Dataset, dataset
from ics_maps.sources.fetch import Progress, resolve

# The UK in British National Grid metres (with Northern Ireland and Shetland), with a margin.
_UK_BNG = (-250_000, -50_000, 700_000, 1_300_000)
_MIN_NORTHING_M = 1_000  # all of Great Britain lies north of this; lon/lat read as metres does not


def read_vector(dataset_id: str, progress: Progress | None = None) -> gpd.GeoDataFrame:
    """Read a boundary file, check its CRS and columns, return it in EPSG:27700 with valid
    geometry."""
    ds = dataset(dataset_id)
    path = resolve(ds.id, progress)
    # here, not at the top: the app loads built atlases and never reads boundary files
    import pyogrio

    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise DataError(ds, f"cannot read {path}: {exc}") from exc
    gdf = gdf.rename(columns={pub: ours for pub, ours in ds.aliases if ours not in gdf.columns})
    check_columns(ds, gdf.columns)
    check_rows(ds, len(gdf))
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise DataError(
            ds,
            f"{int(empty.sum())} of {len(gdf)} features in {path} have no geometry: "
            "the file is truncated or corrupt",
        )
    if gdf.crs is None:
        raise DataError(ds, f"{path} has no CRS; expected EPSG:27700 or EPSG:4326")
    gdf = gdf.to_crs(BNG)
    _check_bounds(ds, gdf)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
        gdf.geometry = gdf.geometry.apply(_polygonal)
    return gdf


def _polygonal(geom):
    """make_valid can return collections with stray lines: keep the polygonal part."""
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else geom


def _check_bounds(ds: Dataset, gdf: gpd.GeoDataFrame) -> None:
    x0, y0, x1, y1 = gdf.total_bounds
    bx0, by0, bx1, by1 = _UK_BNG
    inside = x0 >= bx0 and y0 >= by0 and x1 <= bx1 and y1 <= by1
    if not inside or y1 < _MIN_NORTHING_M:
        raise DataError(
            ds,
            f"coordinates fall outside Great Britain after reprojection to EPSG:27700 "
            f"(bounds {x0:.0f},{y0:.0f},{x1:.0f},{y1:.0f}): the declared CRS {gdf.crs} "
            f"is probably wrong",
        )


def tidy_polygons(
    gdf: gpd.GeoDataFrame,
    ds: Dataset,
    code: str,
    name: str,
    ods: str | None = None,
    prefix: tuple[str, ...] | None = None,
) -> gpd.GeoDataFrame:
    """Rename to the shared tier schema, keep England (by code prefix), check codes are unique."""
    out = gpd.GeoDataFrame(
        {
            "code": gdf[code].astype(str).str.strip(),
            "name": gdf[name].astype(str).str.strip(),
            "ods_code": gdf[ods].astype("string")
            if ods
            else pd.Series(pd.NA, index=gdf.index, dtype="string"),
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    out.attrs["path"] = f"{ds.filename} (feature order)"
    check_codes(ds, out, "code", ONS_CODE, "an ONS area code")
    if prefix:
        out = out[out["code"].str.startswith(prefix)].reset_index(drop=True)
    check_unique(ds, out["code"], "area")
    return out


# ---------------------------------------------------------------------------- boundaries


def read_boundaries(
    dataset_id: str,
    code: str,
    name: str,
    prefix: tuple[str, ...] | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    ds = dataset(dataset_id)
    return tidy_polygons(read_vector(dataset_id, progress), ds, code, name, prefix=prefix)


def read_lsoa_boundaries(progress: Progress | None = None) -> gpd.GeoDataFrame:
    """English LSOA 2021 polygons (the atom), EPSG:27700."""
    return read_boundaries(
        "lsoa21_bsc", "lsoa21_code", "lsoa21_name", prefix=("E01",), progress=progress
    )


# ---------------------------------------------------------------------------- population


# ---------------------------------------------------------------------------- lookups


# ---------------------------------------------------------------------------- primary care


# ---------------------------------------------------------------------------- facts
