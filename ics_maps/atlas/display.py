"""Geometry for the web: each tier simplified and reprojected once, so maps stay light and fast.

Display layers are made at build time (:func:`web_layers`, stored with the atlas) rather than on
every server start: reprojecting and coverage-simplifying is cheap once but would otherwise fall on
the first visitor. :func:`simplify_for_web` is the one rule for all of them: simplify in EPSG:27700
(metres) with a per-tier tolerance invisible at the zoom the layer is meant for, keep shared edges
shared where a tier tiles the country, then EPSG:4326 rounded to 5 decimals (~1 m).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ics_maps.crs import BNG, WGS84

PRECISION = 5  # decimal places of a degree: 1e-5° ≈ 1.1 m north–south, 0.7 m east–west in England

# Display tolerance (metres) per tier: invisible at the zoom each layer is meant for.
TOLERANCE_M: dict[str, float] = {
    "region": 400.0,
    "icb": 200.0,
    "sicbl": 120.0,
    "utla": 120.0,
    "lad": 80.0,
    "pcn": 40.0,
    "lsoa": 10.0,
    "practice": 0.0,
}
DEFAULT_TOLERANCE_M = 100.0
# Tiers that tile England without overlaps: simplified as a coverage (shared edges stay shared).
COVERAGE_TIERS = frozenset({"region", "icb", "sicbl", "utla", "lad", "lsoa"})
# Coarser tolerances for a tier drawn for all of England at once (hundreds of units on one map).
NATIONAL_TOLERANCE_M: dict[str, float] = {"pcn": 150.0, "sicbl": 250.0, "lad": 150.0, "utla": 200.0}
# The tiers the app draws (LSOAs are the atoms behind every figure, never drawn).
WEB_TIERS = ("region", "icb", "sicbl", "utla", "lad", "pcn", "practice")


def simplify_for_web(
    gdf: gpd.GeoDataFrame,
    tolerance_m: float | None = None,
    *,
    tier: str | None = None,
    coverage: bool | None = None,
    precision: int = PRECISION,
) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` in EPSG:4326, simplified in EPSG:27700 and rounded to ``precision``
    decimals.

    ``tolerance_m`` defaults to :data:`TOLERANCE_M` of ``tier`` (else 100 m). Layers that tile the
    country (``coverage``: by default the tiers in :data:`COVERAGE_TIERS`, or any polygon set that
    :func:`shapely.coverage_is_valid` accepts) are simplified with
    :func:`shapely.coverage_simplify`,
    so neighbours keep one shared edge with no gaps or slivers; other polygons with a topology-
    preserving Douglas–Peucker. Points are only reprojected and rounded; rows without geometry are
    kept. ``attrs["web"]`` records the tolerance, the method and the vertex counts before and after.
    """
    if gdf.crs is None:
        raise ValueError(
            "simplify_for_web needs a GeoDataFrame with a CRS (the atlas uses EPSG:27700)"
        )
    tol = float(TOLERANCE_M.get(tier, DEFAULT_TOLERANCE_M) if tolerance_m is None else tolerance_m)
    out = gdf.copy()
    geoms = np.asarray(out.geometry.to_crs(BNG).array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    polygonal = present & np.isin(shapely.get_type_id(geoms), (3, 6))
    n_in = int(shapely.get_num_coordinates(geoms[present]).sum())
    method = "none"
    if tol > 0 and polygonal.any():
        polys = geoms[polygonal]
        use_cov = coverage
        if use_cov is None:
            use_cov = tier in COVERAGE_TIERS or (
                tier is None and len(polys) <= 5000 and bool(shapely.coverage_is_valid(polys))
            )
        simplified = None
        if use_cov:
            try:
                simplified = shapely.coverage_simplify(polys, tol)
                method = "coverage"
            # noqa: BLE001 - non-polygonal parts or a GEOS without coverage support
            except Exception:
                simplified = None
        if simplified is None:
            simplified = shapely.simplify(polys, tol, preserve_topology=True)
            method = "simplify"
        geoms = geoms.copy()
        geoms[polygonal] = simplified
    web = gpd.GeoSeries(geoms, crs=BNG, index=out.index).to_crs(WGS84)
    arr = np.asarray(web.array, dtype=object)
    if present.any():
        rounded = shapely.transform(arr[present], lambda xy: np.round(xy, precision))
        try:
            rounded = shapely.remove_repeated_points(rounded, 0.0)
        except Exception:  # noqa: BLE001 - a ring rounded away; keep the rounded geometry
            pass
        arr = arr.copy()
        arr[present] = rounded
    out = out.set_geometry(gpd.GeoSeries(arr, crs=WGS84, index=out.index))
    if out.geometry.name != gdf.geometry.name:  # keep the caller's geometry column name
        out = out.rename_geometry(gdf.geometry.name)
    out.attrs = dict(gdf.attrs)
    out.attrs["web"] = {
        "tolerance_m": tol,
        "method": method,
        "precision": precision,
        "vertices_in": n_in,
        "vertices_out": int(shapely.get_num_coordinates(arr[present]).sum()),
        "tier": tier,
    }
    return out


def web_key(tier: str, national: bool = False) -> str:
    """Name of a display layer: ``icb``, or ``lad@national`` for the coarser all-England version."""
    return f"{tier}@national" if national and tier in NATIONAL_TOLERANCE_M else tier


def web_layers(tiers) -> dict[str, gpd.GeoDataFrame]:
    """Every display layer of an atlas's tiers (``tier`` and ``tier@national``), as stored with
    it."""
    out = {}
    for tier in WEB_TIERS:
        out[web_key(tier)] = simplify_for_web(tiers[tier], tier=tier)
        if tier in NATIONAL_TOLERANCE_M:
            out[web_key(tier, True)] = simplify_for_web(
                tiers[tier], NATIONAL_TOLERANCE_M[tier], tier=tier
            )
    return out
