"""Nesting and coterminosity of any two tiers: who sits inside whom, and by how much.

For an ordered pair of tiers (child, parent) :func:`coterminosity` returns one row per overlapping
(child, parent) pair with the columns of :data:`COLUMNS`.

Weightings
----------
``population`` (the default, and what users mostly want)
    Sums over LSOA 2021 atoms. Every atom carries its code in every ONS best-fit tier (region,
    ICB, sub-ICB, UTLA, LAD), so those tables are *exact* sums of Census 2021 residents. When either
    side is ``pcn`` each atom is split between PCNs by ``atlas.pcn_lsoa`` (residents × share), so
    PCN figures are fractional. ``overlap_km2`` is the area of the atoms in both units (LSOA BSC
    polygon areas, × the PCN share where a PCN is involved): a best-fit area, not a polygon overlay.
    Child and parent totals include every atom of the unit, also atoms with no code on the other
    side (so shares only sum below 1 when some residents have no parent at all).
``area``
    A real polygon overlay in EPSG:27700 (shapely STRtree + intersection). Shares are of the area
    that the other layer covers: ``share_of_child = overlap / (child area inside any parent)``. The
    tiers come from different generalisations (BUC/BSC, dissolved LSOAs), so coastlines do not match:
    normalising by covered area keeps a coastal district whose only parent is one ICB "nested"
    instead of "split" with the sea. Inland boundary slivers remain and are what ``tolerance`` is for.
    Residents columns are areal interpolation: ``overlap_residents = child_residents × share_of_child``.
    Overlaps under ``min_overlap_m2`` (1 m²: shared edges digitised twice) are dropped.

Relationship rule (per child, with tolerance ``t``, compared with a 1e-9 allowance for float noise)
-------------------------------------------------------------------------------------------------
* ``coterminous``: some parent P has share_of_child ≥ 1 − t *and* share_of_parent ≥ 1 − t;
* ``nested``: otherwise, the largest share_of_child ≥ 1 − t (or the child touches one parent only);
* ``split``: otherwise (more than t of the child lies outside its main parent).

Slivers: every overlapping pair keeps its row (nothing is hidden from the table); a sliver below the
tolerance only stops counting towards the child's relationship, because the rule looks at the
largest share alone. Every row of a child carries that child's relationship.

``practice`` may be a child only: each practice belongs to the parent of the LSOA its point stands
in (or, for pcn/sicbl/icb/region, its own ODS-derived code when it has no location); its residents
columns are empty (a practice has no residents), share_of_child is 1 and it is always ``nested``.
``lsoa`` as a child is trivially nested (except against PCNs, which share LSOAs fractionally).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .tiers import TIERS, check_tier

COLUMNS: tuple[str, ...] = (
    "child_code", "child_name", "parent_code", "parent_name", "overlap_residents", "child_residents",
    "parent_residents", "share_of_child", "share_of_parent", "overlap_km2", "relationship",
)
WEIGHTS: tuple[str, ...] = ("population", "area")
RELATIONSHIPS: tuple[str, ...] = ("coterminous", "nested", "split")
EPS = 1e-9  # float noise allowance when comparing shares with 1 − t

# ---------------------------------------------------------------------------- plain-table core


def weights_table(atoms: pd.DataFrame, child_col: str, parent_col: str, weight_col: str = "residents",
                  area_col: str | None = None) -> pd.DataFrame:
    """Overlap of every (child, parent) pair from atoms: pair sums, unit totals and both shares.

    ``atoms`` is any table with one row per atom (or atom fragment) holding the child code, the
    parent code and a weight. Returns ``child_code, parent_code, overlap, child_total, parent_total,
    share_of_child, share_of_parent, overlap_area`` (``overlap_area`` NaN without ``area_col``).
    Pairs with neither weight nor area are not overlaps and are dropped.
    """
    for col in (child_col, parent_col, weight_col, area_col):
        if col is not None and col not in atoms:
            raise KeyError(f"atoms table has no column {col!r}: columns are {list(atoms.columns)}")
    a = pd.DataFrame({
        "child_code": atoms[child_col].to_numpy(dtype=object),
        "parent_code": atoms[parent_col].to_numpy(dtype=object),
        "w": pd.to_numeric(atoms[weight_col], errors="coerce").fillna(0).to_numpy(dtype=float),
        "area": (pd.to_numeric(atoms[area_col], errors="coerce").fillna(0).to_numpy(dtype=float)
                 if area_col else np.zeros(len(atoms))),
    })
    child_total = a.groupby("child_code", sort=False)["w"].sum()
    parent_total = a.groupby("parent_code", sort=False)["w"].sum()
    pairs = a.dropna(subset=["child_code", "parent_code"]).groupby(["child_code", "parent_code"], sort=True)
    out = pairs.agg(overlap=("w", "sum"), overlap_area=("area", "sum")).reset_index()
    out = out[(out["overlap"] > 0) | (out["overlap_area"] > 0)].reset_index(drop=True)
    if not area_col:
        out["overlap_area"] = np.nan
    return _with_shares(out, child_total, parent_total)


def _with_shares(out: pd.DataFrame, child_total: pd.Series, parent_total: pd.Series) -> pd.DataFrame:
    out["child_total"] = out["child_code"].map(child_total).astype(float)
    out["parent_total"] = out["parent_code"].map(parent_total).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_of_child"] = (out["overlap"] / out["child_total"].where(out["child_total"] > 0))
        out["share_of_parent"] = (out["overlap"] / out["parent_total"].where(out["parent_total"] > 0))
    return out[["child_code", "parent_code", "overlap", "child_total", "parent_total", "share_of_child",
                "share_of_parent", "overlap_area"]]


def area_overlaps(child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame, min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """Polygon overlay by STRtree: ``child_code, parent_code, overlap_m2`` for every intersecting pair.

    Both layers must be in a metric CRS (EPSG:27700). Overlaps smaller than ``min_overlap_m2`` are
    noise from edges digitised twice and are dropped.
    """
    _check_metric(child, "child")
    _check_metric(parent, "parent")
    cg = _valid_polys(child)
    pg = _valid_polys(parent)
    tree = shapely.STRtree(pg)
    ci, pi = tree.query(cg, predicate="intersects")
    inter = shapely.intersection(cg[ci], pg[pi])
    area = shapely.area(inter)
    keep = area >= min_overlap_m2
    out = pd.DataFrame({
        "child_code": child["code"].to_numpy(dtype=object)[ci[keep]],
        "parent_code": parent["code"].to_numpy(dtype=object)[pi[keep]],
        "overlap_m2": area[keep],
    })
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
    o = overlaps.rename(columns={"overlap_m2": "overlap"}).copy()
    child_total = o.groupby("child_code")["overlap"].sum()
    parent_total = o.groupby("parent_code")["overlap"].sum()
    o["overlap_area"] = o["overlap"]
    return _with_shares(o, child_total, parent_total)


def label_relationships(table: pd.DataFrame, tolerance: float = 0.0) -> pd.Series:
    """Relationship of each row's child (the rule is in the module docstring)."""
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    if table.empty:
        return pd.Series([], dtype=object, index=table.index)
    floor = 1.0 - tolerance - EPS
    soc = table["share_of_child"].astype(float)
    sop = table["share_of_parent"].astype(float)
    cot = ((soc >= floor) & (sop >= floor)).groupby(table["child_code"]).transform("any")
    by_child = soc.groupby(table["child_code"])
    nested = (by_child.transform("max") >= floor) | (table.groupby("child_code")["parent_code"].transform("size") == 1)
    rel = np.where(cot, "coterminous", np.where(nested, "nested", "split"))
    return pd.Series(rel, index=table.index, dtype=object)


# ---------------------------------------------------------------------------- atlas wrappers


def check_pair(child: str, parent: str, weight: str = "population") -> None:
    """Reject pairs the engine cannot compare, naming what is valid."""
    check_tier(child)
    check_tier(parent)
    if child == parent:
        raise ValueError(f"child and parent are the same tier ({child!r}): choose two different tiers")
    if parent == "practice":
        raise ValueError("practice can only be a child tier (a point holds nothing): choose a parent among "
                         + ", ".join(t for t in TIERS if t != "practice"))
    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}: expected one of {', '.join(WEIGHTS)}")


def lsoa_atoms(atlas, with_pcn: bool = False) -> pd.DataFrame:
    """The atom table: LSOA code, residents, area and every tier code, exploded by PCN share if asked.

    With ``with_pcn`` each LSOA is repeated once per PCN in ``atlas.pcn_lsoa`` and its residents and
    area are multiplied by that PCN's share (shares sum to 1 per LSOA, so totals are preserved).
    """
    lsoa = atlas.lsoa
    cols = [c for c in ("region", "icb", "sicbl", "utla", "lad") if c in lsoa]
    atoms = pd.DataFrame(lsoa[["code", "residents", *cols]])
    atoms["residents"] = atoms["residents"].astype(float)
    atoms["area_km2"] = lsoa.geometry.area.to_numpy() / 1e6
    atoms["lsoa"] = atoms["code"]
    if not with_pcn:
        atoms["pcn"] = lsoa["pcn"].to_numpy() if "pcn" in lsoa else None
        return atoms
    pl = atlas.pcn_lsoa[["pcn", "lsoa", "share"]]
    pl = pl[pl["share"] > 0]
    out = atoms.merge(pl, on="lsoa", how="left")
    share = out["share"].fillna(1.0)  # an LSOA nobody is attributed to stays whole, with no PCN
    out["residents"] = out["residents"] * share
    out["area_km2"] = out["area_km2"] * share
    return out.drop(columns=["share"])


def _names(atlas, tier: str) -> pd.Series:
    t = atlas.tier(tier)
    return pd.Series(t["name"].to_numpy(), index=t["code"].to_numpy()).groupby(level=0).first()


def _tier_residents(atlas, tier: str) -> pd.Series:
    t = atlas.tier(tier)
    if "residents" not in t:
        return pd.Series(dtype=float)
    return pd.Series(t["residents"].to_numpy(dtype=float), index=t["code"].to_numpy()).groupby(level=0).first()


def _atom_col(tier: str) -> str:
    return "lsoa" if tier == "lsoa" else tier


def population_table(atlas, child: str, parent: str) -> pd.DataFrame:
    """Population-weighted pair table (core columns) from the LSOA atoms."""
    atoms = lsoa_atoms(atlas, with_pcn="pcn" in (child, parent))
    return weights_table(atoms, _atom_col(child), _atom_col(parent), "residents", "area_km2")


def practice_table(atlas, parent: str) -> pd.DataFrame:
    """Each practice in one parent: the parent of its LSOA, else its own code for that tier."""
    prac = atlas.practices
    lsoa = atlas.lsoa.set_index("code")
    if parent == "lsoa":
        code = prac["lsoa"] if "lsoa" in prac else pd.Series(pd.NA, index=prac.index)
    else:
        code = prac["lsoa"].map(lsoa[parent]) if "lsoa" in prac else pd.Series(pd.NA, index=prac.index)
        if parent in prac:
            own = prac[parent].where(prac[parent] != "U")  # "U": the unallocated-PCN placeholder
            code = own if parent == "pcn" else code.fillna(own)  # PCN membership is the practice's own
    out = pd.DataFrame({"child_code": prac["code"].to_numpy(dtype=object), "parent_code": code.to_numpy(dtype=object)})
    out = out.dropna(subset=["parent_code"]).reset_index(drop=True)
    out["overlap"] = np.nan
    out["child_total"] = np.nan
    out["parent_total"] = np.nan
    out["share_of_child"] = 1.0
    out["share_of_parent"] = np.nan
    out["overlap_area"] = 0.0
    return out


def area_weighted_table(atlas, child: str, parent: str, min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """Area-weighted pair table (core columns) from a polygon overlay of the two tiers."""
    t = area_table(area_overlaps(atlas.tier(child), atlas.tier(parent), min_overlap_m2))
    t["overlap_area"] = t["overlap_area"] / 1e6
    res_c = _tier_residents(atlas, child)
    res_p = _tier_residents(atlas, parent)
    t["child_total"] = t["child_code"].map(res_c).astype(float)
    t["parent_total"] = t["parent_code"].map(res_p).astype(float)
    t["overlap"] = t["child_total"] * t["share_of_child"]
    return t


def coterminosity(atlas, child: str, parent: str, weight: str = "population", tolerance: float = 0.0,
                  min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """One row per overlapping (child, parent) pair with shares and the child's relationship.

    See the module docstring for the weightings, the relationship rule and slivers. Columns are
    :data:`COLUMNS`; rows are sorted by child code, then largest share first.
    """
    check_pair(child, parent, weight)
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    if child == "practice":
        core = practice_table(atlas, parent)
    elif weight == "population":
        core = population_table(atlas, child, parent)
    else:
        core = area_weighted_table(atlas, child, parent, min_overlap_m2)
    return finish_table(core, _names(atlas, child), _names(atlas, parent), tolerance,
                        parent_residents=_tier_residents(atlas, parent) if child == "practice" else None)


def finish_table(core: pd.DataFrame, child_names: pd.Series, parent_names: pd.Series, tolerance: float = 0.0,
                 parent_residents: pd.Series | None = None) -> pd.DataFrame:
    """Core pair table → the public columns: names, km², residents and the relationship label."""
    out = pd.DataFrame({
        "child_code": core["child_code"].to_numpy(dtype=object),
        "child_name": core["child_code"].map(child_names).to_numpy(dtype=object),
        "parent_code": core["parent_code"].to_numpy(dtype=object),
        "parent_name": core["parent_code"].map(parent_names).to_numpy(dtype=object),
        "overlap_residents": core["overlap"].to_numpy(dtype=float),
        "child_residents": core["child_total"].to_numpy(dtype=float),
        "parent_residents": (core["parent_code"].map(parent_residents).to_numpy(dtype=float)
                             if parent_residents is not None else core["parent_total"].to_numpy(dtype=float)),
        "share_of_child": core["share_of_child"].to_numpy(dtype=float),
        "share_of_parent": core["share_of_parent"].to_numpy(dtype=float),
        "overlap_km2": core["overlap_area"].to_numpy(dtype=float),
    })
    out["relationship"] = label_relationships(out, tolerance)
    out = out.sort_values(["child_code", "share_of_child", "parent_code"], ascending=[True, False, True],
                          kind="mergesort").reset_index(drop=True)
    return out[list(COLUMNS)]


# ---------------------------------------------------------------------------- reading a table


def children(table: pd.DataFrame) -> pd.DataFrame:
    """One row per child: its main parent (largest share), that share, number of parents, relationship."""
    if table.empty:
        return pd.DataFrame(columns=["child_code", "child_name", "main_parent", "main_parent_name", "main_share",
                                     "n_parents", "child_residents", "relationship"])
    first = table.sort_values(["child_code", "share_of_child"], ascending=[True, False], kind="mergesort")
    g = first.groupby("child_code", sort=True)
    out = g.agg(child_name=("child_name", "first"), main_parent=("parent_code", "first"),
                main_parent_name=("parent_name", "first"), main_share=("share_of_child", "first"),
                n_parents=("parent_code", "size"), child_residents=("child_residents", "first"),
                relationship=("relationship", "first"))
    return out.reset_index()


def relationship_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Children per relationship (coterminous, nested, split) with their residents: the headline."""
    per = children(table)
    g = per.groupby("relationship")
    out = pd.DataFrame({"children": g.size(), "residents": g["child_residents"].sum(min_count=1)})
    out = out.reindex(list(RELATIONSHIPS)).fillna({"children": 0})
    out["children"] = out["children"].astype("int64")
    out["share_of_children"] = out["children"] / max(len(per), 1)
    return out.rename_axis("relationship").reset_index()


def split_units(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of split children only, largest share first within each child: what users look for."""
    return table[table["relationship"] == "split"].reset_index(drop=True)
