"""A user's layer as a tier: coterminosity against every official tier, in both directions.

Why: a neighbourhood or locality layer should get every answer an official tier gets, computed the
same way, so the two can be read side by side (:mod:`ics_maps.analysis.nesting` gives the columns,
:mod:`ics_maps.analysis.overlap` the pair sums and the relationship rule; nothing here changes
them).

Weights: :func:`lsoa_weights` is the table ``unit, lsoa, share``: the share of each LSOA's Census
2021 residents living in each unit (:mod:`ics_maps.analysis.own_layer`: the LSOA's area share for
polygon uploads, exactly 1 for LSOA lists). The same table feeds people profiles.

Coterminosity (:func:`coterminosity`), with the columns of
:data:`ics_maps.analysis.nesting.COLUMNS`:

``population``
    Sums over LSOA pieces: residents × unit share. Against PCNs each piece is split again by
    ``atlas.pcn_lsoa``: residents × unit share × PCN share. The official unit's total is all of its
    residents (also those outside the layer), the custom unit's total is its apportioned residents.
    ``overlap_km2`` is LSOA area × the same shares (a best-fit area, as in nesting).
``area``
    Sums over LSOA pieces too, of the area of each LSOA inside each official polygon
    (:meth:`ics_maps.atlas.model.Atlas.lsoa_areas`, made at build time): the unit's area in a
    polygon is Σ share × area(LSOA ∩ polygon). The custom unit's share is of its area the tier
    covers (as nesting normalises by covered area: the official tiers tile England, so the rest is
    coastline generalisation); the official unit's share is of its land (its area inside the
    LSOAs), so an official unit at the edge of a regional layer is not called wholly inside it.
    Residents by areal interpolation of the child's residents, as nesting does. ``overlay=
    "polygons"`` overlays the unit polygons with the tier's instead (the reference the bench and the
    tests compare with: the two differ only where an LSOA is cut both by a unit and by the tier's
    boundary, where the LSOA table apportions by the unit's share of the LSOA).

Relationships follow :func:`ics_maps.analysis.overlap.relationships` (coterminous, nested,
combines, split, under ``tolerance``) for whichever side is the child.

Everything is computed from the session's :class:`~ics_maps.analysis.own_layer.UserLayer` and the
shared, read-only atlas: the only state kept is per-atlas integer arrays (shared, never modified)
and per-layer arrays in the layer's own ``cache``, so sessions cannot see each other's layers.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ics_maps.analysis.atoms import atom_index
from ics_maps.analysis.nesting import COLUMNS
from ics_maps.analysis.overlap import (
    area_overlaps,
    factorize,
    pair_sums,
    relationships,
    shares,
)
from ics_maps.analysis.own_layer import UserLayer
from ics_maps.tiers import AREA_TIERS

OFFICIAL: tuple[str, ...] = AREA_TIERS
SIDES: tuple[str, ...] = ("child", "parent")
OVERLAYS: tuple[str, ...] = ("lsoa_areas", "polygons")


def check_tier(tier: str) -> str:
    """An official tier a custom layer can be compared with, else ValueError naming them."""
    if tier not in OFFICIAL:
        raise ValueError(
            f"a custom layer is compared with an official tier: one of {', '.join(OFFICIAL)}, "
            f"not {tier!r}"
        )
    return tier


def lsoa_weights(layer: UserLayer) -> pd.DataFrame:
    """``unit, lsoa, share``: the share of each LSOA's residents in each unit (a copy to modify)."""
    return layer.weights[["unit", "lsoa", "share"]].copy()


# ---------------------------------------------------------------------------- per-layer arrays


@dataclass
class Prepared:
    """A layer's weights as integer arrays for one atlas (made once, kept in ``layer.cache``)."""

    codes: np.ndarray  # unit codes, sorted
    names: np.ndarray
    unit: np.ndarray  # per weights row: position in ``codes``
    atom: np.ndarray  # per weights row: row in ``atlas.lsoa``
    share: np.ndarray
    residents: np.ndarray  # per unit


def prepared(atlas, layer: UserLayer) -> Prepared:
    """The layer's :class:`Prepared` arrays for ``atlas``."""
    key = ("prepared", id(atlas), id(atlas.lsoa))
    hit = layer.cache.get(key)
    if hit is not None and hit[0]() is atlas:
        return hit[1]
    ix = atom_index(atlas)
    idx, codes = factorize(layer.units["code"])
    names = np.empty(len(codes), dtype=object)
    names[idx] = layer.units["name"].to_numpy(dtype=object)
    unit = pd.Index(codes).get_indexer(layer.weights["unit"])
    lsoa = layer.weights["lsoa"]
    pos = pd.Index(ix.uniques["lsoa"]).get_indexer(lsoa)
    if (pos < 0).any() or (unit < 0).any():
        raise ValueError(
            f"the layer's weights name LSOAs or units this atlas or layer lacks (e.g. "
            f"{(lsoa[pos < 0] if (pos < 0).any() else layer.weights['unit'][unit < 0]).iloc[0]})"
        )
    atom = _rows_of_sorted(ix)[pos]
    share = layer.weights["share"].to_numpy(dtype=float)
    residents = np.bincount(unit, weights=ix.residents[atom] * share, minlength=len(codes))
    out = Prepared(codes, names, unit.astype(np.int64), atom, share, residents)
    layer.cache[key] = (weakref.ref(atlas), out)
    return out


def _rows_of_sorted(ix) -> np.ndarray:
    """Atlas row of each LSOA code's position among the sorted codes."""
    row_of = np.empty(len(ix.uniques["lsoa"]), dtype=np.int64)
    row_of[ix.codes["lsoa"]] = np.arange(len(ix.codes["lsoa"]))
    return row_of


# ---------------------------------------------------------------------------- per-atlas arrays

_SHARED: dict[tuple, tuple] = {}


def _cached(atlas, name: str, make):
    """``make()`` once per loaded atlas (kept while it lives; shared, read-only)."""
    key = (id(atlas), name)
    hit = _SHARED.get(key)
    if hit and hit[0]() is atlas:
        return hit[1]
    out = make()
    if hit is None:
        weakref.finalize(atlas, _SHARED.pop, key, None)
    _SHARED[key] = (weakref.ref(atlas), out)
    return out


def clear_shared() -> None:
    """Forget the per-atlas arrays (for benchmarks that time them cold)."""
    _SHARED.clear()


def pcn_csr(atlas) -> tuple[np.ndarray, np.ndarray]:
    """PCN pieces of the atom index grouped by atom: (order, starts)."""

    def make():
        ix = atom_index(atlas)
        order = np.argsort(ix.frag_atom, kind="stable")
        starts = np.searchsorted(ix.frag_atom[order], np.arange(len(ix.residents) + 1))
        return order, starts

    return _cached(atlas, "pcn_csr", make)


@dataclass
class AreaIndex:
    """One tier's LSOA area table as arrays grouped by atlas row (CSR)."""

    starts: np.ndarray  # per atlas row + 1
    code: np.ndarray  # per piece: position in ``uniques``
    area_m2: np.ndarray
    uniques: np.ndarray  # sorted codes
    land_m2: np.ndarray  # per code: its area inside the LSOAs


def area_index(atlas, tier: str) -> AreaIndex:
    """:class:`AreaIndex` of ``atlas.lsoa_areas(tier)``."""

    def make():
        t = atlas.lsoa_areas(check_tier(tier))
        ix = atom_index(atlas)
        pos = pd.Index(ix.uniques["lsoa"]).get_indexer(t["lsoa"])
        keep = pos >= 0
        row = _rows_of_sorted(ix)[pos[keep]]
        code, uniques = factorize(t["code"][keep])
        area = t["area_m2"].to_numpy(dtype=float)[keep]
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], np.arange(len(ix.residents) + 1))
        land = np.bincount(code, weights=area, minlength=len(uniques))
        return AreaIndex(starts, code[order], area[order], uniques, land)

    return _cached(atlas, f"areas:{tier}", make)


def _expand(starts: np.ndarray, atom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR ``starts`` and per-row atoms: (row index repeated per piece, piece position)."""
    n = starts[atom + 1] - starts[atom]
    rep = np.repeat(np.arange(len(atom)), n)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    return rep, starts[atom[rep]] + offset


def _fragments(atlas, layer: UserLayer, tier: str) -> dict[str, np.ndarray]:
    """One entry per (unit, LSOA[, PCN]) piece: unit position, tier code, residents, km²."""
    ix = atom_index(atlas)
    pr = prepared(atlas, layer)
    unit, atom, share = pr.unit, pr.atom, pr.share
    if tier != "pcn":
        return {
            "unit": unit,
            "tier": ix.codes[tier][atom],
            "w": ix.residents[atom] * share,
            "area": ix.area_km2[atom] * share,
        }
    order, starts = pcn_csr(atlas)
    rep, piece = _expand(starts, atom)
    frag = order[piece]
    return {
        "unit": unit[rep],
        "tier": ix.frag_pcn[frag],
        "w": ix.frag_residents[frag] * share[rep],
        "area": ix.frag_area_km2[frag] * share[rep],
    }


def tier_residents(atlas, tier: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted codes of an official tier and their residents (PCNs: residents × pcn_lsoa share)."""
    ix = atom_index(atlas)
    if tier == "pcn":
        c, w, u = ix.frag_pcn, ix.frag_residents, ix.pcn_uniques
    else:
        c, w, u = ix.codes[check_tier(tier)], ix.residents, ix.uniques[tier]
    ok = c >= 0
    return u, np.bincount(c[ok], weights=w[ok], minlength=len(u))


def unit_residents(atlas, layer: UserLayer) -> pd.Series:
    """Apportioned residents of each unit (indexed by code, sorted)."""
    pr = prepared(atlas, layer)
    return pd.Series(pr.residents, index=pd.Index(pr.codes, name="code"))


# ---------------------------------------------------------------------------- coterminosity


def coterminosity(
    atlas,
    layer: UserLayer,
    tier: str,
    custom_as: str = "child",
    weight: str = "population",
    tolerance: float = 0.0,
    overlay: str = "lsoa_areas",
    min_overlap_m2: float = 1.0,
) -> pd.DataFrame:
    """The custom layer against an official tier: one row per overlapping pair, nesting's columns.

    ``custom_as`` is ``"child"`` (each unit against the tier's units) or ``"parent"`` (each official
    unit against the custom units). See the module docstring for both weightings and ``overlay``.
    """
    check_tier(tier)
    if custom_as not in SIDES:
        raise ValueError(f"custom_as must be 'child' or 'parent', not {custom_as!r}")
    if weight not in ("population", "area"):
        raise ValueError(f"unknown weight {weight!r}: expected population or area")
    if overlay not in OVERLAYS:
        raise ValueError(f"overlay must be one of {', '.join(OVERLAYS)}, not {overlay!r}")
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    pr = prepared(atlas, layer)
    tcodes, ttotal = tier_residents(atlas, tier)
    custom = (pr.codes, pr.names, pr.residents)
    official = (tcodes, _names(atlas, tier, tcodes), ttotal)
    child, parent = (custom, official) if custom_as == "child" else (official, custom)
    if weight == "population":
        f = _fragments(atlas, layer, tier)
        ci, pi = (f["unit"], f["tier"]) if custom_as == "child" else (f["tier"], f["unit"])
        ps = pair_sums(ci, len(child[0]), pi, len(parent[0]), f["w"], f["area"])
        c, p, overlap, area = ps["child"], ps["parent"], ps["overlap"], ps["area"]
        ct, pt = child[2][c], parent[2][p]
        soc, sop = shares(overlap, ct), shares(overlap, pt)
        return _table(child, parent, c, p, overlap, ct, pt, soc, sop, area, tolerance)
    return _area_table(
        atlas, layer, tier, custom_as, overlay, min_overlap_m2, custom, official, tolerance
    )


def _area_table(
    atlas, layer, tier, custom_as, overlay, min_overlap_m2, custom, official, tolerance
) -> pd.DataFrame:
    """The area-weighted table, in integer codes throughout (module docstring)."""
    ai = area_index(atlas, tier)
    if overlay == "lsoa_areas":
        pr = prepared(atlas, layer)
        rep, piece = _expand(ai.starts, pr.atom)
        ui, m2 = pr.unit[rep], ai.area_m2[piece] * pr.share[rep]
        oi, official = _add_codes(official, ai.uniques)
        oi = oi[ai.code[piece]]
    else:
        ov = unit_overlaps(
            layer.units[["code", "geometry"]],
            atlas.tier(tier)[["code", "geometry"]],
            min_overlap_m2,
        )
        ui = pd.Index(custom[0]).get_indexer(ov["child_code"])
        oi, official = _add_codes(official, ov["parent_code"].to_numpy(dtype=object))
        m2 = ov["overlap_m2"].to_numpy(dtype=float)
    land, lpos = np.full(len(official[0]), np.nan), _add_codes(official, ai.uniques)[0]
    land[lpos] = ai.land_m2
    n_u, n_o = len(custom[0]), len(official[0])
    if custom_as == "child":
        child, parent = custom, official
        ps = pair_sums(ui, n_u, oi, n_o, m2)
    else:
        child, parent = official, custom
        ps = pair_sums(oi, n_o, ui, n_u, m2)
    keep = ps["overlap"] >= min_overlap_m2  # edges digitised twice, as area_overlaps drops them
    c, p, o = ps["child"][keep], ps["parent"][keep], ps["overlap"][keep]
    ctot = np.bincount(c, weights=o, minlength=len(child[0]))  # area the other layer covers
    ptot = np.bincount(p, weights=o, minlength=len(parent[0]))
    if custom_as == "child":  # the official side: a share of its land, not of what is covered
        soc, sop = shares(o, ctot[c]), shares(o, np.fmax(land[p], ptot[p]))
    else:
        soc, sop = shares(o, np.fmax(land[c], ctot[c])), shares(o, ptot[p])
    ct, pt = child[2][c], parent[2][p]
    return _table(child, parent, c, p, ct * soc, ct, pt, soc, sop, o / 1e6, tolerance)


def _add_codes(side: tuple, codes: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Positions of ``codes`` in a side's codes, appending those it lacks (no residents: NaN)."""
    known, names, total = side
    pos = pd.Index(known).get_indexer(codes)
    missing = pos < 0
    if missing.any():
        extra = pd.unique(codes[missing])
        known = np.concatenate([known, extra])
        names = np.concatenate([names, np.full(len(extra), None, dtype=object)])
        total = np.concatenate([total, np.full(len(extra), np.nan)])
        pos = pd.Index(known).get_indexer(codes)
    return pos, (known, names, total)


def unit_overlaps(
    units: gpd.GeoDataFrame, other: gpd.GeoDataFrame, min_overlap_m2: float = 1.0
) -> pd.DataFrame:
    """:func:`ics_maps.analysis.overlap.area_overlaps` of the units with an official tier, with a
    shortcut: a unit properly inside one official polygon overlaps it by its own area, so only the
    others are intersected."""
    ug = np.asarray(units.geometry.values, dtype=object)
    og = np.asarray(other.geometry.values, dtype=object)
    og = np.where(shapely.is_missing(og), shapely.Polygon(), og)
    ui, oi = shapely.STRtree(og).query(ug)  # bounding boxes
    inside = shapely.contains_properly(og[oi], ug[ui])  # shared polygons stay unprepared
    whole = pd.DataFrame(
        {
            "child_code": units["code"].to_numpy(dtype=object)[ui[inside]],
            "parent_code": other["code"].to_numpy(dtype=object)[oi[inside]],
            "overlap_m2": shapely.area(ug[ui[inside]]),
        }
    )
    rest = ~np.isin(np.arange(len(units)), ui[inside])
    cut = area_overlaps(units[rest], other, min_overlap_m2) if rest.any() else whole.iloc[:0]
    return pd.concat([whole, cut], ignore_index=True)


def _names(atlas, tier: str, codes: np.ndarray) -> np.ndarray:
    t = atlas.tier(tier)
    names = pd.Series(t["name"].to_numpy(dtype=object), index=t["code"].to_numpy(dtype=object))
    names = names[~names.index.duplicated()]
    return names.reindex(codes).to_numpy(dtype=object)


def _table(child, parent, c, p, overlap, ct, pt, soc, sop, area, tolerance) -> pd.DataFrame:
    """Nesting's public columns, relationships and order (child, largest share first, parent)."""
    rel = relationships(c, len(child[0]), soc, sop, tolerance)
    order = np.lexsort((p, -np.nan_to_num(soc, nan=-np.inf), c))
    c, p = c[order], p[order]
    return pd.DataFrame(
        {
            "child_code": child[0][c],
            "child_name": child[1][c],
            "parent_code": parent[0][p],
            "parent_name": parent[1][p],
            "overlap_residents": overlap[order],
            "child_residents": ct[order],
            "parent_residents": pt[order],
            "share_of_child": soc[order],
            "share_of_parent": sop[order],
            "overlap_km2": area[order],
            "relationship": rel[order],
        },
        columns=list(COLUMNS),
    )
