"""The overlap core: plain arrays in, pair sums, shares and relationships out (no atlas, no names).

Every nesting table, official or a user's own, goes through these functions: integer-coded atoms
(or atom fragments) with a child code, a parent code and a weight are summed per (child, parent)
pair with ``np.bincount``; shares are of each side's total; each child gets a relationship.

Relationship rule (per child, with tolerance ``t``, compared with a 1e-9 allowance for float noise)
-------------------------------------------------------------------------------------------------
* ``coterminous``: some parent P has share_of_child ≥ 1 − t *and* share_of_parent ≥ 1 − t;
* ``nested``: otherwise, the largest share_of_child ≥ 1 − t (or the child touches one parent only);
* ``combines``: otherwise, the child is made of whole parents: the parents with
  share_of_parent ≥ 1 − t hold together ≥ 1 − t of the child (a sub-ICB location that is exactly
  three districts; an ICB that is four whole upper-tier councils). Coterminous is the one-parent
  case of this;
* ``split``: otherwise (more than t of the child lies outside its main parent, and its parents are
  not all whole inside it: it cuts across a parent's boundary).

Slivers: every overlapping pair keeps its row (nothing is hidden from the table); a sliver below the
tolerance only stops counting towards the child's relationship, because the rule looks at the
largest share alone. Every row of a child carries that child's relationship.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CORE_COLUMNS: tuple[str, ...] = (
    "child_code",
    "parent_code",
    "overlap",
    "child_total",
    "parent_total",
    "share_of_child",
    "share_of_parent",
    "overlap_area",
)


WEIGHTS: tuple[str, ...] = ("population", "area")


RELATIONSHIPS: tuple[str, ...] = ("coterminous", "nested", "combines", "split")


EPS = 1e-9  # float noise allowance when comparing shares with 1 − t


DENSE_LIMIT = 20_000_000  # child × parent bins summed densely below this; sorted unique keys above


def factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 for missing) and the sorted distinct values, as a plain object array."""
    codes, uniques = pd.factorize(
        values if isinstance(values, pd.Series) else pd.Series(values), sort=True
    )
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def pair_sums(
    ci: np.ndarray,
    n_child: int,
    pi: np.ndarray,
    n_parent: int,
    w: np.ndarray,
    area: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Sum weights (and areas) per (child, parent) pair from integer-coded atoms.

    Returns aligned arrays ``child, parent`` (codes), ``overlap``, ``area`` for every pair with a
    weight or an area, sorted by child then parent code, plus ``child_total`` and ``parent_total``
    per code (every atom of a unit counts, also atoms with no code on the other side).
    """
    has_c, has_p = ci >= 0, pi >= 0
    child_total = np.bincount(ci[has_c], weights=w[has_c], minlength=n_child)
    parent_total = np.bincount(pi[has_p], weights=w[has_p], minlength=n_parent)
    both = has_c & has_p
    key = ci[both] * max(n_parent, 1) + pi[both]
    a = area[both] if area is not None else np.zeros(int(both.sum()))
    if n_child * n_parent <= DENSE_LIMIT:
        overlap = np.bincount(key, weights=w[both], minlength=n_child * n_parent)
        o_area = np.bincount(key, weights=a, minlength=n_child * n_parent)
        key = np.flatnonzero((overlap > 0) | (o_area > 0))
        overlap, o_area = overlap[key], o_area[key]
    else:
        key, inv = np.unique(key, return_inverse=True)
        overlap = np.bincount(inv, weights=w[both], minlength=len(key))
        o_area = np.bincount(inv, weights=a, minlength=len(key))
        keep = (overlap > 0) | (o_area > 0)
        key, overlap, o_area = key[keep], overlap[keep], o_area[keep]
    return {
        "child": key // max(n_parent, 1),
        "parent": key % max(n_parent, 1),
        "overlap": overlap,
        "area": o_area if area is not None else np.full(len(key), np.nan),
        "child_total": child_total,
        "parent_total": parent_total,
    }


def shares(overlap: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, overlap / np.where(total > 0, total, 1), np.nan)


def weights_table(
    atoms: pd.DataFrame,
    child_col: str,
    parent_col: str,
    weight_col: str = "residents",
    area_col: str | None = None,
) -> pd.DataFrame:
    """Overlap of every (child, parent) pair from a plain atom table: pair sums, totals and shares.

    ``atoms`` holds one row per atom (or atom fragment) with the child code, the parent code and a
    weight. Returns :data:`CORE_COLUMNS` (``overlap_area`` NaN without ``area_col``). Pairs with
    neither weight nor area are not overlaps and get no row.
    """
    for col in (child_col, parent_col, weight_col, area_col):
        if col is not None and col not in atoms:
            raise KeyError(f"atoms table has no column {col!r}: columns are {list(atoms.columns)}")
    ci, cu = factorize(atoms[child_col])
    pi, pu = factorize(atoms[parent_col])
    w = pd.to_numeric(atoms[weight_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    area = (
        pd.to_numeric(atoms[area_col], errors="coerce").fillna(0).to_numpy(dtype=float)
        if area_col
        else None
    )
    return _core_frame(pair_sums(ci, len(cu), pi, len(pu), w, area), cu, pu)


def pair_rows(ps: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The :data:`CORE_COLUMNS` after the codes, one value per pair of :func:`pair_sums`."""
    c, p = ps["child"], ps["parent"]
    ct, pt = ps["child_total"][c], ps["parent_total"][p]
    return {
        "overlap": ps["overlap"],
        "child_total": ct,
        "parent_total": pt,
        "share_of_child": shares(ps["overlap"], ct),
        "share_of_parent": shares(ps["overlap"], pt),
        "overlap_area": ps["area"],
    }


def _core_frame(ps: dict[str, np.ndarray], cu: np.ndarray, pu: np.ndarray) -> pd.DataFrame:
    codes = {"child_code": cu[ps["child"]], "parent_code": pu[ps["parent"]]}
    return pd.DataFrame({**codes, **pair_rows(ps)})


def area_overlaps(
    child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame, min_overlap_m2: float = 1.0
) -> pd.DataFrame:
    """Polygon overlay by STRtree: ``child_code, parent_code, overlap_m2`` for every intersecting
    pair.

    Both layers must be in EPSG:27700. Overlaps smaller than ``min_overlap_m2`` are noise from
    edges digitised twice and are dropped.
    """
    _check_metric(child, "child")
    _check_metric(parent, "parent")
    cg, pg = _valid_polys(child), _valid_polys(parent)
    ci, pi = shapely.STRtree(pg).query(cg, predicate="intersects")
    area = shapely.area(shapely.intersection(cg[ci], pg[pi]))
    keep = area >= min_overlap_m2
    out = pd.DataFrame(
        {
            "child_code": child["code"].to_numpy(dtype=object)[ci[keep]],
            "parent_code": parent["code"].to_numpy(dtype=object)[pi[keep]],
            "overlap_m2": area[keep],
        }
    )
    return out.groupby(["child_code", "parent_code"], as_index=False, sort=True)["overlap_m2"].sum()


def _check_metric(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None or gdf.crs.to_epsg() != 27700:
        raise ValueError(f"{what} layer must be in EPSG:27700 for an area overlay, not {gdf.crs}")


def _valid_polys(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Geometries ready for intersection: missing ones empty, invalid ones repaired."""
    g = np.asarray(gdf.geometry.values, dtype=object)
    g = np.where(pd.isna(g), shapely.Polygon(), g)
    bad = ~shapely.is_valid(g)
    if bad.any():
        g[bad] = shapely.make_valid(g[bad])
    return g


def area_table(overlaps: pd.DataFrame) -> pd.DataFrame:
    """Shares by area from :func:`area_overlaps`, normalised by the area the other layer covers."""
    return weights_table(
        overlaps.assign(area=overlaps["overlap_m2"]),
        "child_code",
        "parent_code",
        "overlap_m2",
        "area",
    )


def relationships(
    child: np.ndarray,
    n_child: int,
    share_of_child: np.ndarray,
    share_of_parent: np.ndarray,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Per-row relationship of the row's child, from integer child codes (rule: module
    docstring)."""
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    floor = 1.0 - tolerance - EPS
    soc = np.nan_to_num(np.asarray(share_of_child, dtype=float), nan=-np.inf)
    sop = np.nan_to_num(np.asarray(share_of_parent, dtype=float), nan=-np.inf)
    largest = np.full(n_child, -np.inf)
    np.maximum.at(largest, child, soc)
    whole_parent = sop >= floor
    cot = (
        np.bincount(child, weights=((soc >= floor) & whole_parent).astype(float), minlength=n_child)
        > 0
    )
    one_parent = np.bincount(child, minlength=n_child) == 1
    in_whole_parents = np.bincount(
        child, weights=np.where(whole_parent, np.maximum(soc, 0.0), 0.0), minlength=n_child
    )
    per_child = np.select(
        [cot, (largest >= floor) | one_parent, in_whole_parents >= floor],
        ["coterminous", "nested", "combines"],
        "split",
    )
    return per_child[child].astype(object)


def label_relationships(table: pd.DataFrame, tolerance: float = 0.0) -> pd.Series:
    """Relationship of each row's child in a table with child_code and both shares."""
    ci, cu = factorize(table["child_code"])
    rel = relationships(
        ci,
        len(cu),
        table["share_of_child"].to_numpy(dtype=float),
        table["share_of_parent"].to_numpy(dtype=float),
        tolerance,
    )
    return pd.Series(rel, index=table.index, dtype=object)
