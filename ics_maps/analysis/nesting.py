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
* ``combines``: otherwise, the child is made of whole parents: the parents with share_of_parent ≥ 1 − t
  hold together ≥ 1 − t of the child (a sub-ICB location that is exactly three districts; an ICB
  that is four whole upper-tier councils). Coterminous is the one-parent case of this;
* ``split``: otherwise (more than t of the child lies outside its main parent, and its parents are
  not all whole inside it: it cuts across a parent's boundary).

Slivers: every overlapping pair keeps its row (nothing is hidden from the table); a sliver below the
tolerance only stops counting towards the child's relationship, because the rule looks at the
largest share alone. Every row of a child carries that child's relationship.

``practice`` may be a child only: each practice belongs to the parent of the LSOA its point stands
in (or, for pcn/sicbl/icb/region, its own ODS-derived code when it has no location); its residents
columns are empty (a practice has no residents), share_of_child is 1 and it is always ``nested``.
``lsoa`` as a child is trivially nested (except against PCNs, which share LSOAs fractionally).

Speed: the atoms are integer-coded once per loaded atlas (:func:`atom_index`, ~0.03 s, cached while
the atlas object and its LSOA / PCN-share tables are unchanged); each table is then a ``np.bincount``
over at most 240,000 atom fragments, 2–15 ms on the real atlas (bench/coterminosity.py).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .tiers import TIERS, check_tier

COLUMNS: tuple[str, ...] = (
    "child_code", "child_name", "parent_code", "parent_name", "overlap_residents", "child_residents",
    "parent_residents", "share_of_child", "share_of_parent", "overlap_km2", "relationship",
)
CORE_COLUMNS: tuple[str, ...] = ("child_code", "parent_code", "overlap", "child_total", "parent_total",
                                 "share_of_child", "share_of_parent", "overlap_area")
WEIGHTS: tuple[str, ...] = ("population", "area")
RELATIONSHIPS: tuple[str, ...] = ("coterminous", "nested", "combines", "split")
EPS = 1e-9  # float noise allowance when comparing shares with 1 − t
DENSE_LIMIT = 20_000_000  # child × parent bins summed densely below this; sorted unique keys above


# ---------------------------------------------------------------------------- plain-array core


def factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 for missing) and the sorted distinct values, as a plain object array."""
    codes, uniques = pd.factorize(values if isinstance(values, pd.Series) else pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def pair_sums(ci: np.ndarray, n_child: int, pi: np.ndarray, n_parent: int, w: np.ndarray,
              area: np.ndarray | None = None) -> dict[str, np.ndarray]:
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
    return {"child": key // max(n_parent, 1), "parent": key % max(n_parent, 1), "overlap": overlap,
            "area": o_area if area is not None else np.full(len(key), np.nan),
            "child_total": child_total, "parent_total": parent_total}


def _shares(overlap: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, overlap / np.where(total > 0, total, 1), np.nan)


def weights_table(atoms: pd.DataFrame, child_col: str, parent_col: str, weight_col: str = "residents",
                  area_col: str | None = None) -> pd.DataFrame:
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
    area = pd.to_numeric(atoms[area_col], errors="coerce").fillna(0).to_numpy(dtype=float) if area_col else None
    return _core_frame(pair_sums(ci, len(cu), pi, len(pu), w, area), cu, pu)


def _core_frame(ps: dict[str, np.ndarray], cu: np.ndarray, pu: np.ndarray) -> pd.DataFrame:
    c, p = ps["child"], ps["parent"]
    ct, pt = ps["child_total"][c], ps["parent_total"][p]
    return pd.DataFrame({"child_code": cu[c], "parent_code": pu[p], "overlap": ps["overlap"], "child_total": ct,
                         "parent_total": pt, "share_of_child": _shares(ps["overlap"], ct),
                         "share_of_parent": _shares(ps["overlap"], pt), "overlap_area": ps["area"]})


def area_overlaps(child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame, min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """Polygon overlay by STRtree: ``child_code, parent_code, overlap_m2`` for every intersecting pair.

    Both layers must be in EPSG:27700. Overlaps smaller than ``min_overlap_m2`` are noise from
    edges digitised twice and are dropped.
    """
    _check_metric(child, "child")
    _check_metric(parent, "parent")
    cg, pg = _valid_polys(child), _valid_polys(parent)
    ci, pi = shapely.STRtree(pg).query(cg, predicate="intersects")
    area = shapely.area(shapely.intersection(cg[ci], pg[pi]))
    keep = area >= min_overlap_m2
    out = pd.DataFrame({"child_code": child["code"].to_numpy(dtype=object)[ci[keep]],
                        "parent_code": parent["code"].to_numpy(dtype=object)[pi[keep]], "overlap_m2": area[keep]})
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
    return weights_table(overlaps.assign(area=overlaps["overlap_m2"]), "child_code", "parent_code", "overlap_m2",
                         "area")


def relationships(child: np.ndarray, n_child: int, share_of_child: np.ndarray, share_of_parent: np.ndarray,
                  tolerance: float = 0.0) -> np.ndarray:
    """Per-row relationship of the row's child, from integer child codes (rule: module docstring)."""
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    floor = 1.0 - tolerance - EPS
    soc = np.nan_to_num(np.asarray(share_of_child, dtype=float), nan=-np.inf)
    sop = np.nan_to_num(np.asarray(share_of_parent, dtype=float), nan=-np.inf)
    largest = np.full(n_child, -np.inf)
    np.maximum.at(largest, child, soc)
    whole_parent = sop >= floor
    cot = np.bincount(child, weights=((soc >= floor) & whole_parent).astype(float), minlength=n_child) > 0
    one_parent = np.bincount(child, minlength=n_child) == 1
    in_whole_parents = np.bincount(child, weights=np.where(whole_parent, np.maximum(soc, 0.0), 0.0),
                                   minlength=n_child)
    per_child = np.select([cot, (largest >= floor) | one_parent, in_whole_parents >= floor],
                          ["coterminous", "nested", "combines"], "split")
    return per_child[child].astype(object)


def label_relationships(table: pd.DataFrame, tolerance: float = 0.0) -> pd.Series:
    """Relationship of each row's child in a table with child_code and both shares."""
    ci, cu = factorize(table["child_code"])
    rel = relationships(ci, len(cu), table["share_of_child"].to_numpy(dtype=float),
                        table["share_of_parent"].to_numpy(dtype=float), tolerance)
    return pd.Series(rel, index=table.index, dtype=object)


# ---------------------------------------------------------------------------- the atom index


@dataclass
class AtomIndex:
    """LSOA atoms of one atlas as integer-coded arrays, built once and reused by every table.

    ``codes[tier]`` / ``uniques[tier]`` code each atom's unit in every ONS tier (and ``lsoa``
    itself); the ``frag_*`` arrays are the atoms split by PCN (``atlas.pcn_lsoa``): the atom's
    position, the PCN code, residents × share and area × share.
    """

    residents: np.ndarray
    area_km2: np.ndarray
    codes: dict[str, np.ndarray]
    uniques: dict[str, np.ndarray]
    frag_atom: np.ndarray
    frag_pcn: np.ndarray
    pcn_uniques: np.ndarray
    frag_residents: np.ndarray
    frag_area_km2: np.ndarray


_INDEX: dict[int, tuple] = {}


def atom_index(atlas) -> AtomIndex:
    """The atlas's :class:`AtomIndex`, cached while the atlas lives and its atom tables are unchanged."""
    key = id(atlas)
    hit = _INDEX.get(key)
    stamp = (id(atlas.lsoa), id(atlas.pcn_lsoa), len(atlas.lsoa), len(atlas.pcn_lsoa))
    if hit and hit[0]() is atlas and hit[1] == stamp:
        return hit[2]
    index = build_atom_index(atlas.lsoa, atlas.pcn_lsoa)
    if hit is None:
        weakref.finalize(atlas, _INDEX.pop, key, None)
    _INDEX[key] = (weakref.ref(atlas), stamp, index)
    return index


def build_atom_index(lsoa: pd.DataFrame, pcn_lsoa: pd.DataFrame) -> AtomIndex:
    """Integer-code the atoms and split them by PCN share (an LSOA no PCN is given stays whole)."""
    n = len(lsoa)
    codes, uniques = {}, {}
    for tier in ("region", "icb", "sicbl", "utla", "lad", "pcn"):
        if tier in lsoa:
            codes[tier], uniques[tier] = factorize(lsoa[tier])
    codes["lsoa"], uniques["lsoa"] = factorize(lsoa["code"])
    residents = pd.to_numeric(lsoa["residents"], errors="coerce").fillna(0).to_numpy(dtype=float)
    geoms = lsoa.geometry.values if isinstance(lsoa, gpd.GeoDataFrame) else np.full(n, None)
    area = np.nan_to_num(shapely.area(np.asarray(geoms, dtype=object))) / 1e6
    pl = pcn_lsoa[pcn_lsoa["share"] > 0]
    pos = _positions(lsoa["code"], pl["lsoa"])
    pl, pos = pl[pos >= 0], pos[pos >= 0]
    pcn_codes, pcn_uniques = factorize(pl["pcn"])
    rest = np.flatnonzero(np.bincount(pos, minlength=n) == 0)
    frag_atom = np.concatenate([pos, rest]).astype(np.int64)
    share = np.concatenate([pl["share"].to_numpy(dtype=float), np.ones(len(rest))])
    return AtomIndex(residents=residents, area_km2=area, codes=codes, uniques=uniques, frag_atom=frag_atom,
                     frag_pcn=np.concatenate([pcn_codes, np.full(len(rest), -1)]), pcn_uniques=pcn_uniques,
                     frag_residents=residents[frag_atom] * share, frag_area_km2=area[frag_atom] * share)


def _positions(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Position of each value in ``keys`` (−1 if absent): one factorize of both, faster than get_indexer."""
    codes, _ = pd.factorize(pd.concat([keys, values], ignore_index=True))
    n = len(keys)
    if not np.array_equal(codes[:n], np.arange(n)):  # duplicate keys: fall back to the index lookup
        return pd.Index(keys).get_indexer(values)
    pos = codes[n:].astype(np.int64)
    return np.where(pos < n, pos, -1)


def population_pairs(index: AtomIndex, child: str, parent: str) -> tuple[dict, np.ndarray, np.ndarray]:
    """Pair sums for two tiers from the index: whole atoms, or PCN fragments if a PCN is involved."""
    if "pcn" in (child, parent):
        def coded(tier):
            if tier == "pcn":
                return index.frag_pcn, index.pcn_uniques
            return index.codes[tier][index.frag_atom], index.uniques[tier]
        w, area = index.frag_residents, index.frag_area_km2
    else:
        def coded(tier):
            return index.codes[tier], index.uniques[tier]
        w, area = index.residents, index.area_km2
    (ci, cu), (pi, pu) = coded(child), coded(parent)
    return pair_sums(ci, len(cu), pi, len(pu), w, area), cu, pu


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


def lsoa_atoms(atlas, with_pcn: bool = False, tiers: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The atoms as a plain table (code, residents, area_km2 and tier codes), split by PCN if asked.

    With ``with_pcn`` each LSOA is repeated once per PCN in ``atlas.pcn_lsoa`` with residents and
    area multiplied by that PCN's share (shares sum to 1 per LSOA, so totals are kept). ``tiers``
    limits the tier code columns carried (all by default).
    """
    ix = atom_index(atlas)
    atom = ix.frag_atom if with_pcn else np.arange(len(ix.residents))
    cols = {"lsoa": ix.uniques["lsoa"][ix.codes["lsoa"][atom]],
            "residents": ix.frag_residents if with_pcn else ix.residents,
            "area_km2": ix.frag_area_km2 if with_pcn else ix.area_km2}
    for tier in ("region", "icb", "sicbl", "utla", "lad"):
        if tier in ix.codes and (tiers is None or tier in tiers):
            cols[tier] = _decode(ix.codes[tier][atom], ix.uniques[tier])
    if with_pcn:
        cols["pcn"] = _decode(ix.frag_pcn, ix.pcn_uniques)
    elif "pcn" in ix.codes:
        cols["pcn"] = _decode(ix.codes["pcn"], ix.uniques["pcn"])
    return pd.DataFrame(cols)


def _decode(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    return np.append(uniques, None)[codes]  # code −1 reads the appended None


def _lookup(atlas, tier: str, column: str, codes: np.ndarray) -> np.ndarray:
    """``column`` of ``tier`` for each code: float for residents (NaN if unknown), else object (None)."""
    t = atlas.tier(tier)
    numeric = column == "residents"
    missing = np.nan if numeric else None
    if column not in t or len(t) == 0:
        return np.full(len(codes), missing, dtype=float if numeric else object)
    pos = pd.Index(t["code"]).get_indexer(codes)
    vals = t[column].to_numpy(dtype=float if numeric else object, na_value=missing)
    return np.where(pos >= 0, vals[pos], missing)


def practice_pairs(atlas, parent: str) -> pd.DataFrame:
    """Each practice in one parent: the parent of its LSOA, else its own code for that tier."""
    prac = atlas.practices
    lsoa = atlas.lsoa.set_index("code")
    where = prac["lsoa"] if "lsoa" in prac else pd.Series(None, index=prac.index, dtype=object)
    code = where if parent == "lsoa" else where.map(lsoa[parent])
    if parent in prac:
        own = prac[parent].where(prac[parent] != "U")  # "U": the unallocated-PCN placeholder
        code = own if parent == "pcn" else code.fillna(own)  # PCN membership is the practice's own
    out = pd.DataFrame({"child_code": prac["code"].to_numpy(dtype=object),
                        "parent_code": code.to_numpy(dtype=object, na_value=None)})
    out = out[out["parent_code"].notna()].reset_index(drop=True)
    n = len(out)
    return out.assign(overlap=np.nan, child_total=np.nan,
                      parent_total=_lookup(atlas, parent, "residents", out["parent_code"].to_numpy()),
                      share_of_child=np.ones(n), share_of_parent=np.nan, overlap_area=np.zeros(n))


def area_pairs(atlas, child: str, parent: str, min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """Area-weighted core table from a polygon overlay; residents by areal interpolation."""
    t = area_table(area_overlaps(atlas.tier(child), atlas.tier(parent), min_overlap_m2))
    t["overlap_area"] = t["overlap_area"] / 1e6
    t["child_total"] = _lookup(atlas, child, "residents", t["child_code"].to_numpy())
    t["parent_total"] = _lookup(atlas, parent, "residents", t["parent_code"].to_numpy())
    t["overlap"] = t["child_total"] * t["share_of_child"]
    return t


def coterminosity(atlas, child: str, parent: str, weight: str = "population", tolerance: float = 0.0,
                  min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """One row per overlapping (child, parent) pair with shares and the child's relationship.

    See the module docstring for the weightings, the relationship rule and slivers. Columns are
    :data:`COLUMNS`; rows are sorted by child code, then largest share first, then parent code.
    """
    check_pair(child, parent, weight)
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    if child != "practice" and weight == "population":
        ps, cu, pu = population_pairs(atom_index(atlas), child, parent)
        return finish_pairs(atlas, child, parent, ps, cu, pu, tolerance)
    core = practice_pairs(atlas, parent) if child == "practice" else area_pairs(atlas, child, parent, min_overlap_m2)
    return finish_table(atlas, child, parent, core, tolerance)


def finish_table(atlas, child: str, parent: str, core: pd.DataFrame, tolerance: float = 0.0) -> pd.DataFrame:
    """A core table (:data:`CORE_COLUMNS`) → the public columns, with names and relationships."""
    ci, cu = factorize(core["child_code"])
    pi, pu = factorize(core["parent_code"])
    rows = {k: core[k].to_numpy(dtype=float) for k in CORE_COLUMNS[2:]}
    return _public(atlas, child, parent, ci, cu, pi, pu, rows, tolerance)


def finish_pairs(atlas, child: str, parent: str, ps: dict, cu: np.ndarray, pu: np.ndarray,
                 tolerance: float = 0.0) -> pd.DataFrame:
    """:func:`pair_sums` output → the public columns."""
    c, p = ps["child"], ps["parent"]
    ct, pt = ps["child_total"][c], ps["parent_total"][p]
    rows = {"overlap": ps["overlap"], "child_total": ct, "parent_total": pt,
            "share_of_child": _shares(ps["overlap"], ct), "share_of_parent": _shares(ps["overlap"], pt),
            "overlap_area": ps["area"]}
    return _public(atlas, child, parent, c, cu, p, pu, rows, tolerance)


def _public(atlas, child, parent, ci, cu, pi, pu, rows: dict, tolerance: float) -> pd.DataFrame:
    """Names, relationship, sort: child code, largest share first, parent code (codes sorted in cu/pu)."""
    rel = relationships(ci, len(cu), rows["share_of_child"], rows["share_of_parent"], tolerance)
    order = np.lexsort((pi, -np.nan_to_num(rows["share_of_child"], nan=-np.inf), ci))
    ci, pi = ci[order], pi[order]
    c_names, p_names = _lookup(atlas, child, "name", cu), _lookup(atlas, parent, "name", pu)
    return pd.DataFrame({
        "child_code": cu[ci], "child_name": c_names[ci], "parent_code": pu[pi], "parent_name": p_names[pi],
        "overlap_residents": rows["overlap"][order], "child_residents": rows["child_total"][order],
        "parent_residents": rows["parent_total"][order], "share_of_child": rows["share_of_child"][order],
        "share_of_parent": rows["share_of_parent"][order], "overlap_km2": rows["overlap_area"][order],
        "relationship": rel[order],
    }, columns=list(COLUMNS))


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
    """Children per relationship (coterminous, nested, combines, split) with their residents: the headline."""
    per = children(table)
    g = per.groupby("relationship")
    out = pd.DataFrame({"children": g.size(), "residents": g["child_residents"].sum(min_count=1)})
    out = out.reindex(list(RELATIONSHIPS)).fillna({"children": 0})
    out["children"] = out["children"].astype("int64")
    out["share_of_children"] = out["children"] / max(len(per), 1)
    return out.rename_axis("relationship").reset_index()


def outside_main_parent(table: pd.DataFrame) -> pd.Series:
    """Per child (indexed by code): the share of it outside its main parent, 1 − its largest share_of_child.

    What the tolerance is compared with; small values under area weighting are slivers where two
    differently generalised boundaries do not line up, not a real split.
    """
    return 1 - table.groupby("child_code")["share_of_child"].max()


def split_units(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of split children only, largest share first within each child: what users look for."""
    return table[table["relationship"] == "split"].reset_index(drop=True)
