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
    tiers come from different generalisations (BUC/BSC, dissolved LSOAs), so coastlines do not
    match: normalising by covered area keeps a coastal district whose only parent is one ICB
    "nested" instead of "split" with the sea. Inland boundary slivers remain and are what
    ``tolerance`` is for. Residents columns are areal interpolation: ``overlap_residents =
    child_residents × share_of_child``. Overlaps under ``min_overlap_m2`` (1 m²: shared edges
    digitised twice) are dropped.

The relationship rule is in :mod:`ics_maps.analysis.overlap`.

``practice`` may be a child only: each practice belongs to the parent of the LSOA its point stands
in (or, for pcn/sicbl/icb/region, its own ODS-derived code when it has no location); its residents
columns are empty (a practice has no residents), share_of_child is 1 and it is always ``nested``.
``lsoa`` as a child is trivially nested (except against PCNs, which share LSOAs fractionally).

Speed: the atoms are integer-coded once per loaded atlas (:mod:`ics_maps.analysis.atoms`); each
table is then a ``np.bincount`` over at most 240,000 atom fragments, 2–15 ms on the real atlas
(bench/coterminosity.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_maps.analysis.atoms import AtomIndex, atom_index
from ics_maps.analysis.overlap import (
    CORE_COLUMNS,
    RELATIONSHIPS,
    WEIGHTS,
    area_overlaps,
    area_table,
    factorize,
    pair_rows,
    pair_sums,
    relationships,
)
from ics_maps.tiers import TIERS, check_tier

COLUMNS: tuple[str, ...] = (
    "child_code",
    "child_name",
    "parent_code",
    "parent_name",
    "overlap_residents",
    "child_residents",
    "parent_residents",
    "share_of_child",
    "share_of_parent",
    "overlap_km2",
    "relationship",
)


# ---------------------------------------------------------------------------- plain-array core


# ---------------------------------------------------------------------------- the atom index


def population_pairs(
    index: AtomIndex, child: str, parent: str
) -> tuple[dict, np.ndarray, np.ndarray]:
    """Pair sums for two tiers from the index: whole atoms, or PCN fragments if a PCN is
    involved."""
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
        raise ValueError(
            f"child and parent are the same tier ({child!r}): choose two different tiers"
        )
    if parent == "practice":
        raise ValueError(
            "practice can only be a child tier (a point holds nothing): choose a parent among "
            + ", ".join(t for t in TIERS if t != "practice")
        )
    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}: expected one of {', '.join(WEIGHTS)}")
    if child == "practice" and weight == "area":
        raise ValueError(
            "practices are points and have no area: area weighting cannot apply to them "
            "(each practice lies in one parent); use population weighting"
        )


def _lookup(atlas, tier: str, column: str, codes: np.ndarray) -> np.ndarray:
    """``column`` of ``tier`` for each code: float for residents (NaN if unknown), else object
    (None)."""
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
    out = pd.DataFrame(
        {
            "child_code": prac["code"].to_numpy(dtype=object),
            "parent_code": code.to_numpy(dtype=object, na_value=None),
        }
    )
    out = out[out["parent_code"].notna()].reset_index(drop=True)
    n = len(out)
    return out.assign(
        overlap=np.nan,
        child_total=np.nan,
        parent_total=_lookup(atlas, parent, "residents", out["parent_code"].to_numpy()),
        share_of_child=np.ones(n),
        share_of_parent=np.nan,
        overlap_area=np.zeros(n),
    )


def area_pairs(atlas, child: str, parent: str, min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """Area-weighted core table from a polygon overlay; residents by areal interpolation."""
    t = area_table(area_overlaps(atlas.tier(child), atlas.tier(parent), min_overlap_m2))
    t["overlap_area"] = t["overlap_area"] / 1e6
    t["child_total"] = _lookup(atlas, child, "residents", t["child_code"].to_numpy())
    t["parent_total"] = _lookup(atlas, parent, "residents", t["parent_code"].to_numpy())
    t["overlap"] = t["child_total"] * t["share_of_child"]
    return t


def coterminosity(
    atlas,
    child: str,
    parent: str,
    weight: str = "population",
    tolerance: float = 0.0,
    min_overlap_m2: float = 1.0,
) -> pd.DataFrame:
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
    core = (
        practice_pairs(atlas, parent)
        if child == "practice"
        else area_pairs(atlas, child, parent, min_overlap_m2)
    )
    return finish_table(atlas, child, parent, core, tolerance)


def finish_table(
    atlas, child: str, parent: str, core: pd.DataFrame, tolerance: float = 0.0
) -> pd.DataFrame:
    """A core table (:data:`CORE_COLUMNS`) → the public columns, with names and relationships."""
    ci, cu = factorize(core["child_code"])
    pi, pu = factorize(core["parent_code"])
    rows = {k: core[k].to_numpy(dtype=float) for k in CORE_COLUMNS[2:]}
    return _public(atlas, child, parent, ci, cu, pi, pu, rows, tolerance)


def finish_pairs(
    atlas, child: str, parent: str, ps: dict, cu: np.ndarray, pu: np.ndarray, tolerance: float = 0.0
) -> pd.DataFrame:
    """:func:`pair_sums` output → the public columns."""
    rows = pair_rows(ps)
    return _public(atlas, child, parent, ps["child"], cu, ps["parent"], pu, rows, tolerance)


def _public(atlas, child, parent, ci, cu, pi, pu, rows: dict, tolerance: float) -> pd.DataFrame:
    """Names, relationship, sort: child code, largest share first, parent code (codes sorted in
    cu/pu)."""
    rel = relationships(ci, len(cu), rows["share_of_child"], rows["share_of_parent"], tolerance)
    order = np.lexsort((pi, -np.nan_to_num(rows["share_of_child"], nan=-np.inf), ci))
    ci, pi = ci[order], pi[order]
    c_names, p_names = _lookup(atlas, child, "name", cu), _lookup(atlas, parent, "name", pu)
    return pd.DataFrame(
        {
            "child_code": cu[ci],
            "child_name": c_names[ci],
            "parent_code": pu[pi],
            "parent_name": p_names[pi],
            "overlap_residents": rows["overlap"][order],
            "child_residents": rows["child_total"][order],
            "parent_residents": rows["parent_total"][order],
            "share_of_child": rows["share_of_child"][order],
            "share_of_parent": rows["share_of_parent"][order],
            "overlap_km2": rows["overlap_area"][order],
            "relationship": rel[order],
        },
        columns=list(COLUMNS),
    )


# ---------------------------------------------------------------------------- reading a table

# Tiers whose codes are ONS codes and whose units also have an ODS code (what NHS staff quote:
# QOP for Greater Manchester ICB, 01G for one of its sub-ICB locations, Y62 for the North West);
# a PCN's or a practice's code already is its ODS code, and councils have none in the sources.
ODS_TIERS: tuple[str, ...] = ("region", "icb", "sicbl")


def with_ods_codes(table: pd.DataFrame, atlas, child: str, parent: str) -> pd.DataFrame:
    """``table`` with ``child_ods`` after ``child_code`` and ``parent_ods`` after ``parent_code``
    for tiers in :data:`ODS_TIERS` (missing for the five ICBs new in April 2026, which have no ODS
    code in the sources); other tables are returned as they are."""
    out = table
    for side, tier in (("child", child), ("parent", parent)):
        if tier not in ODS_TIERS or f"{side}_ods" in out:
            continue
        ods = _lookup(atlas, tier, "ods_code", out[f"{side}_code"].to_numpy(dtype=object))
        out = out.copy() if out is table else out
        out.insert(out.columns.get_loc(f"{side}_code") + 1, f"{side}_ods", ods)
    return out


def children(table: pd.DataFrame) -> pd.DataFrame:
    """One row per child: its main parent (largest share), that share, number of parents,
    relationship."""
    if table.empty:
        return pd.DataFrame(
            columns=[
                "child_code",
                "child_name",
                "main_parent",
                "main_parent_name",
                "main_share",
                "n_parents",
                "child_residents",
                "relationship",
            ]
        )
    first = table.sort_values(
        ["child_code", "share_of_child"], ascending=[True, False], kind="mergesort"
    )
    # each child's first row is its main parent: every field is read from that one row (a
    # groupby's "first" skips missing values, so it could mix fields of two rows), and it is
    # a third of the time of one
    lead = ~first["child_code"].duplicated().to_numpy()
    out = first.loc[
        lead,
        [
            "child_code",
            "child_name",
            "parent_code",
            "parent_name",
            "share_of_child",
            "child_residents",
            "relationship",
        ],
    ].rename(
        columns={
            "parent_code": "main_parent",
            "parent_name": "main_parent_name",
            "share_of_child": "main_share",
        }
    )
    out.insert(5, "n_parents", np.diff(np.append(np.flatnonzero(lead), len(first))))
    return out.reset_index(drop=True)


def relationship_summary(
    table: pd.DataFrame, per_child: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Children per relationship (coterminous, nested, combines, split) with their residents: the
    headline. ``per_child``: :func:`children` of ``table``, when the caller has it already."""
    per = children(table) if per_child is None else per_child
    g = per.groupby("relationship")
    out = pd.DataFrame({"children": g.size(), "residents": g["child_residents"].sum(min_count=1)})
    out = out.reindex(list(RELATIONSHIPS)).fillna({"children": 0})
    out["children"] = out["children"].astype("int64")
    out["share_of_children"] = out["children"] / max(len(per), 1)
    return out.rename_axis("relationship").reset_index()


def outside_main_parent(table: pd.DataFrame) -> pd.Series:
    """Per child (indexed by code): the share of it outside its main parent, 1 − its largest
    share_of_child.

    What the tolerance is compared with; small values under area weighting are slivers where two
    differently generalised boundaries do not line up, not a real split.
    """
    return 1 - table.groupby("child_code")["share_of_child"].max()


def split_units(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of split children only, largest share first within each child: what users look
    for."""
    return table[table["relationship"] == "split"].reset_index(drop=True)
