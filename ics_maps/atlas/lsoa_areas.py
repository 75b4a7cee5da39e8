"""How much of each LSOA lies in each polygon of a tier: the LSOA × tier area table.

Why: a user's own layer is weighed against the official tiers by area as well as by residents
(:mod:`ics_maps.analysis.custom_tier`). Overlaying 2,000 user polygons with every official tier
takes several seconds; the user's polygons are already cut into LSOA pieces (their LSOA weights),
so with this table, made once at build time and stored with the atlas, every area table is a sum
over LSOA pieces. ``area_m2`` is the area of the LSOA inside the polygon (EPSG:27700), so a unit's
area in a polygon is Σ over its LSOA pieces of ``share × area_m2``: exact for LSOAs wholly inside
the unit, and for LSOAs that lie in one polygon of the tier (most of them); an LSOA cut by both
the unit and the tier's boundary is apportioned by the unit's share of it.

How: a tier whose polygons are the union of their best-fit LSOAs (sub-ICB locations dissolved from
LSOAs, PCN footprints: checked, not assumed) gives each LSOA wholly to its code. Otherwise only the
LSOAs crossed by a polygon's boundary, and those of several parts, are intersected with the
polygons they touch; every other LSOA lies wholly inside the polygon holding its inside point (or
outside them all, at the coast).
Pieces under 1 m² (edges digitised twice) are dropped, as in
:func:`ics_maps.analysis.overlap.area_overlaps`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

AREA_COLUMNS: tuple[str, ...] = ("lsoa", "code", "area_m2")
MIN_PIECE_M2 = 1.0


def lsoa_areas(lsoa: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, tier: str) -> pd.DataFrame:
    """``lsoa, code, area_m2``: the area of each LSOA inside each polygon of ``tier`` it overlaps
    (both in EPSG:27700), sorted by LSOA then code."""
    for what, gdf in (("lsoa", lsoa), (tier, polygons)):
        if gdf.crs is None or gdf.crs.to_epsg() != 27700:
            raise ValueError(f"the {what} polygons must be in EPSG:27700, not {gdf.crs}")
    lg = _polys(lsoa, repair=False)  # the LSOA reader made them valid
    tg = _polys(polygons)
    tcodes = polygons["code"].to_numpy(dtype=object)
    l_area = shapely.area(lg)
    if made_of_lsoas(lsoa, polygons, tier, l_area):
        codes = lsoa[tier].to_numpy(dtype=object)
        keep = pd.notna(codes) & (l_area >= MIN_PIECE_M2)
        return _frame(lsoa["code"].to_numpy(dtype=object)[keep], codes[keep], l_area[keep])
    tree = shapely.STRtree(lg)
    _, crossed = tree.query(shapely.boundary(tg), predicate="intersects")
    cut = np.zeros(len(lg), dtype=bool)
    cut[crossed] = True
    # an LSOA of several parts (islands, forts in the Solent) may have a part beyond the coast no
    # boundary crosses: intersect those too
    cut |= shapely.get_num_geometries(lg) > 1
    # single-part LSOAs no boundary crosses: wholly in the polygon holding their inside point, or
    # in none
    whole = np.flatnonzero(~cut & (l_area > 0))
    pi, ti = shapely.STRtree(tg).query(shapely.point_on_surface(lg[whole]), predicate="within")
    first = pd.DataFrame({"p": pi, "t": ti}).drop_duplicates("p")
    w_rows, w_codes = whole[first["p"].to_numpy()], tcodes[first["t"].to_numpy()]
    # LSOAs a boundary crosses: intersected with each polygon they touch
    ci = np.flatnonzero(cut)
    li, ti = shapely.STRtree(tg).query(lg[ci], predicate="intersects")
    area = shapely.area(shapely.intersection(lg[ci[li]], tg[ti]))
    keep = area >= MIN_PIECE_M2
    codes = lsoa["code"].to_numpy(dtype=object)
    return _frame(
        np.concatenate([codes[w_rows], codes[ci[li[keep]]]]),
        np.concatenate([w_codes, tcodes[ti[keep]]]),
        np.concatenate([l_area[w_rows], area[keep]]),
    )


def made_of_lsoas(
    lsoa: gpd.GeoDataFrame,
    polygons: gpd.GeoDataFrame,
    tier: str,
    lsoa_area_m2: np.ndarray | None = None,
) -> bool:
    """True when every polygon of ``tier`` has the area of its best-fit LSOAs (to 1e-6): then it is
    their union (the build dissolved it from them)."""
    if tier not in lsoa.columns:
        return False
    if lsoa_area_m2 is None:
        lsoa_area_m2 = shapely.area(_polys(lsoa, repair=False))
    of_code = pd.Series(lsoa_area_m2).groupby(lsoa[tier].to_numpy()).sum()
    area = shapely.area(_polys(polygons, repair=False))
    land = of_code.reindex(polygons["code"].to_numpy()).to_numpy(dtype=float)
    has = area > 0
    if not has.any() or np.isnan(land[has]).any():
        return False
    return bool(np.allclose(area[has], land[has], rtol=1e-6, atol=1.0))


def _polys(gdf: gpd.GeoDataFrame, repair: bool = True) -> np.ndarray:
    """The geometries as an array, missing ones empty and (with ``repair``) invalid ones made
    valid."""
    g = np.asarray(gdf.geometry.values, dtype=object)
    g = np.where(shapely.is_missing(g), shapely.Polygon(), g)
    if repair:
        bad = ~shapely.is_valid(g)
        if bad.any():
            g[bad] = shapely.make_valid(g[bad])
    return g


def _frame(lsoas: np.ndarray, codes: np.ndarray, area: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame({"lsoa": lsoas, "code": codes, "area_m2": area.astype(float)})
    out = out.groupby(["lsoa", "code"], as_index=False, sort=True)["area_m2"].sum()
    return out[list(AREA_COLUMNS)]
