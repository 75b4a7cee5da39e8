"""A user's polygons made fit for overlays: polygons only, in British National Grid, valid.

* :func:`check_polygons`: every feature has a geometry, and it is an area (points and lines are
  refused, naming the features);
* :func:`to_bng`: reprojected to EPSG:27700 from the CRS the file declares; with no CRS the
  coordinates' range decides between WGS84 longitude/latitude and British National Grid metres
  (and the note says so); a CRS that cannot be read, or whose area of use or coordinates do not fit
  England, is refused;
* :func:`repair`: ``shapely.make_valid`` where needed (its reason reported), keeping the
  polygonal parts (:func:`polygonal`).
"""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ics_maps.readers._user_columns import rows
from ics_maps.readers._user_types import LayerError

ENGLAND_LONLAT = (-6.5, 49.8, 2.1, 55.9)  # west, south, east, north: a box around England
WIDE_LONLAT = (-10.0, 48.0, 4.0, 57.0)  # lon/lat near the British Isles
BNG_RANGE = (-10_000.0, -10_000.0, 700_000.0, 1_300_000.0)  # British National Grid's valid extent
_TYPE_NAMES = (
    "points",
    "lines",
    "rings",
    "polygons",
    "multipoints",
    "multilines",
    "multipolygons",
    "collections",
)  # by shapely type id


def polygonal(geom):
    """The polygonal part of a geometry (a repair or an intersection can leave lines and points)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def check_polygons(geoms: np.ndarray, codes: np.ndarray, name: str) -> None:
    """Every feature has a geometry holding an area, else :class:`LayerError` naming them."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise LayerError(
            f"{name}: {int(missing.sum())} feature(s) have no geometry: {rows(missing, codes)}"
        )
    types = shapely.get_type_id(geoms)
    # 3 Polygon, 6 MultiPolygon, 7 GeometryCollection (checked for polygons inside)
    ok = np.isin(types, (3, 6))
    coll = types == 7
    if coll.any():
        ok[coll] = [
            any(p.geom_type in ("Polygon", "MultiPolygon") for p in shapely.get_parts(g))
            for g in geoms[coll]
        ]
    if not ok.all():
        kinds = pd.Series(_TYPE_NAMES)[types[~ok]].value_counts()
        what = ", ".join(f"{n} {k if n != 1 else k[:-1]}" for k, n in kinds.items())
        raise LayerError(
            f"{name} holds {what} where polygons were expected ({rows(~ok, codes)}): a "
            "boundary layer needs areas (Polygon or MultiPolygon), not points or lines"
        )


def to_bng(geoms: np.ndarray, declared: CRS | None, how: str, name: str) -> tuple[np.ndarray, str]:
    """Reproject to EPSG:27700; infer WGS84 or BNG from the coordinates when nothing is declared.

    Returns the geometries and a note saying how the coordinates were read.
    """
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    span = f"x {x0:,.6g} to {x1:,.6g}, y {y0:,.6g} to {y1:,.6g}"
    if declared is None:
        crs, note = _inferred((x0, y0, x1, y1), span, name)
    else:
        crs = declared
        _check_declared(crs, (x0, y0, x1, y1), span, name)
        note = (
            f"coordinates in {crs_label(crs)} ({how}), reprojected to British National Grid "
            "(EPSG:27700)"
        )
        if crs.to_epsg() == 27700:
            note = f"coordinates in British National Grid (EPSG:27700, {how})"
    if crs.to_epsg() != 27700:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            geoms = gpd.GeoSeries(geoms, crs=crs).to_crs(27700).values
        geoms = np.asarray(geoms, dtype=object)
    bx = shapely.total_bounds(geoms)
    if not np.isfinite(bx).all() or not _in_box(tuple(bx), BNG_RANGE):
        raise LayerError(
            f"{name}: its coordinates ({span}) read as {crs_label(crs)} do not fall in Great "
            "Britain: the boundaries lie outside England, or the file's CRS is wrong"
        )
    return geoms, note


def _inferred(b: tuple, span: str, name: str) -> tuple[CRS, str]:
    if _in_box(b, (-180, -90, 180, 90)) and _overlaps(b, WIDE_LONLAT):
        return CRS.from_epsg(4326), (
            f"no CRS declared: the coordinates ({span}) are longitude/latitude, read as WGS84 "
            "(EPSG:4326)"
        )
    if _in_box(b, BNG_RANGE) and max(b[2], b[3]) > 1_000:
        return CRS.from_epsg(27700), (
            f"no CRS declared: the coordinates ({span}) are metres on the British National Grid, "
            "read as EPSG:27700"
        )
    raise LayerError(
        f"{name} declares no CRS and its coordinates ({span}) are neither longitude/latitude in "
        "England nor British National Grid metres: save it with its CRS"
    )


def _check_declared(crs: CRS, b: tuple, span: str, name: str) -> None:
    if not (crs.is_geographic or crs.is_projected):
        raise LayerError(
            f"{name} declares a CRS that is not a map projection ({crs.name}): save it in "
            "EPSG:27700 or EPSG:4326"
        )
    area = crs.area_of_use
    if area is not None and not _overlaps(
        (area.west, area.south, area.east, area.north), ENGLAND_LONLAT
    ):
        raise LayerError(
            f"{name} declares {crs_label(crs)}, made for {area.name}, not England: check the "
            "file's CRS"
        )
    if crs.is_geographic and not _in_box(b, (-180, -90, 180, 90)):
        raise LayerError(
            f"{name} declares {crs_label(crs)} (longitude/latitude) but its coordinates ({span}) "
            "are not degrees: they may be metres, so fix the file's CRS"
        )


def crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _in_box(b: tuple, box: tuple) -> bool:
    return b[0] >= box[0] and b[1] >= box[1] and b[2] <= box[2] and b[3] <= box[3]


def _overlaps(b: tuple, box: tuple) -> bool:
    return b[0] <= box[2] and b[2] >= box[0] and b[1] <= box[3] and b[3] >= box[1]


def repair(geoms: np.ndarray, codes: np.ndarray, name: str, notes: list[str]) -> np.ndarray:
    """make_valid where needed (reasons reported), keeping the polygonal parts only."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        reasons = shapely.is_valid_reason(geoms[bad])
        fixed = shapely.make_valid(geoms[bad])
        geoms = geoms.copy()
        geoms[bad] = [polygonal(g) for g in fixed]
        first = re.sub(r"\[.*", "", str(reasons[0]))
        notes.append(
            f"{int(bad.sum())} invalid polygon(s) repaired with make_valid ({rows(bad, codes)}; "
            f"e.g. {first})"
        )
    coll = shapely.get_type_id(geoms) == 7
    if coll.any():
        geoms = geoms.copy()
        geoms[coll] = [polygonal(g) for g in geoms[coll]]
        notes.append(
            f"points or lines mixed into {rows(coll, codes)} were dropped; their polygons kept"
        )
    empty = shapely.is_empty(geoms) | (shapely.area(geoms) <= 0)
    if empty.any():
        raise LayerError(
            f"{name}: {rows(empty, codes)} have no area (after repair): remove or fix them"
        )
    return geoms
