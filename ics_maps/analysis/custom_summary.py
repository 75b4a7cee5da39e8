"""Per-unit answers for a user's layer: a summary row per unit, the PCNs its units cut, and the
layer back with those figures.

* :func:`unit_summary`: residents, area, and the ICSs, sub-ICB locations, councils and PCNs each
  unit touches (from :func:`ics_maps.analysis.custom_tier.coterminosity`), with GP practices
  located in it;
* :func:`cut_pcns`: PCNs whose registered patients fall in more than one unit, or partly outside
  the layer, one row per piece with its share of the PCN's patients;
* :func:`layer_with_summary`: the units' polygons with the summary's columns (for GeoJSON).
"""

from __future__ import annotations

import weakref

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ics_maps.analysis.custom_tier import coterminosity, prepared
from ics_maps.analysis.overlap import factorize, pair_sums
from ics_maps.analysis.own_layer import UserLayer

# a PCN "serves" a unit when it holds ≥ 1 % of the unit's residents (as summaries.la_summary)
PCN_MIN_SHARE = 0.01
OUTSIDE = "(outside the layer)"
MIN_PIECE = 1e-5  # pieces of a PCN under this share are crumbs of boundary rounding, not a cut


SUMMARY_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "residents",
    "area_km2",
    "outside_km2",
    "n_lsoa_whole",
    "n_lsoa_part",
    "n_icb",
    "main_icb",
    "main_icb_name",
    "main_icb_share",
    "relationship_to_icb",
    "n_sicbl",
    "relationship_to_sicbl",
    "n_utla",
    "main_utla",
    "main_utla_name",
    "relationship_to_utla",
    "n_lad",
    "main_lad",
    "main_lad_name",
    "main_lad_share",
    "relationship_to_lad",
    "n_pcn",
    "n_pcn_any",
    "n_practices",
    "registered",
)


def unit_summary(atlas, layer: UserLayer, tolerance: float = 0.0) -> pd.DataFrame:
    """One row per unit: residents, area, the ICSs, sub-ICBs, councils and PCNs it touches...

    ``n_icb`` etc. count official units holding any of the unit's residents; ``main_*`` is the one
    holding most (``main_*_share`` of them); ``relationship_to_*`` is the unit as a child of that
    tier (population-weighted, under ``tolerance``). ``n_pcn``: PCNs holding ≥ 1 % of its residents
    (``n_pcn_any``: any). ``n_practices`` / ``registered``: GP practices whose location lies in the
    unit and their April 2025 list sizes.
    """
    pr = prepared(atlas, layer)
    codes, unit = pr.codes, pr.unit
    out = pd.DataFrame({"code": codes, "name": pr.names})
    out["residents"] = pr.residents
    geo = layer.units.set_index("code")
    out["area_km2"] = geo["area_km2"].reindex(codes).to_numpy(dtype=float)
    out["outside_km2"] = geo["outside_km2"].reindex(codes).to_numpy(dtype=float)
    whole = pr.share >= 1 - 1e-9
    out["n_lsoa_whole"] = np.bincount(unit[whole], minlength=len(codes))
    out["n_lsoa_part"] = np.bincount(unit[~whole], minlength=len(codes))
    for tier in ("icb", "sicbl", "utla", "lad", "pcn"):
        t = coterminosity(atlas, layer, tier, tolerance=tolerance)
        g = t.groupby("child_code", sort=True)
        first = g.head(1).set_index("child_code")  # rows are sorted largest share first
        if tier == "pcn":
            big = t[t["share_of_child"] >= PCN_MIN_SHARE].groupby("child_code").size()
            out["n_pcn"] = out["code"].map(big).fillna(0).astype("int64")
            out["n_pcn_any"] = out["code"].map(g.size()).fillna(0).astype("int64")
            continue
        out[f"n_{tier}"] = out["code"].map(g.size()).fillna(0).astype("int64")
        if tier in ("icb", "utla", "lad"):
            out[f"main_{tier}"] = out["code"].map(first["parent_code"])
            out[f"main_{tier}_name"] = out["code"].map(first["parent_name"])
        if tier in ("icb", "lad"):
            out[f"main_{tier}_share"] = out["code"].map(first["share_of_child"])
        out[f"relationship_to_{tier}"] = out["code"].map(first["relationship"])
    n, reg = _practices(atlas, layer, codes)
    out["n_practices"], out["registered"] = n, reg
    return out[list(SUMMARY_COLUMNS)]


def _practices(atlas, layer: UserLayer, codes: np.ndarray) -> tuple[np.ndarray, pd.array]:
    """Practices located in each unit (the first whose polygon covers the point) and their lists."""
    prac = atlas.practices
    pts = np.asarray(prac.geometry.values, dtype=object)
    ok = ~shapely.is_missing(pts) & ~shapely.is_empty(pts)
    polys = np.asarray(layer.units.geometry.values, dtype=object)
    pi, ui = shapely.STRtree(polys).query(pts[ok], predicate="covered_by")
    first = pd.DataFrame({"p": pi, "u": ui}).drop_duplicates("p")
    where = pd.Index(codes).get_indexer(
        layer.units["code"].to_numpy(dtype=object)[first["u"].to_numpy()]
    )
    size = pd.to_numeric(prac["list_size"], errors="coerce").to_numpy(dtype=float)[
        np.flatnonzero(ok)
    ]
    size = size[first["p"].to_numpy()]
    n = np.bincount(where, minlength=len(codes))
    reg = np.bincount(where, weights=np.nan_to_num(size), minlength=len(codes))
    return n, pd.array(np.round(reg).astype("int64"), dtype="Int64")


# ---------------------------------------------------------------------------- cut PCNs


CUT_COLUMNS: tuple[str, ...] = (
    "pcn_code",
    "pcn_name",
    "pcn_patients",
    "unit_code",
    "unit_name",
    "patients",
    "share_of_pcn",
    "main_share",
    "n_units",
    "share_outside",
)


_PATIENTS: dict[int, tuple] = {}


def _patients(atlas) -> tuple[np.ndarray, ...]:
    """``atlas.pcn_lsoa`` patients grouped by atom (CSR: starts per atlas.lsoa row), with each
    fragment's PCN position, the PCN codes and every PCN's patients in all; cached per atlas."""
    hit = _PATIENTS.get(id(atlas))
    if hit and hit[0]() is atlas and hit[1] == id(atlas.pcn_lsoa):
        return hit[2]
    pl = atlas.pcn_lsoa
    patients = pd.to_numeric(pl["patients"], errors="coerce").fillna(0).to_numpy(dtype=float)
    row = pd.Index(atlas.lsoa["code"]).get_indexer(pl["lsoa"])
    keep = (patients > 0) & (row >= 0)
    pcn, codes = factorize(pl["pcn"][keep])
    row, patients = row[keep], patients[keep]
    order = np.argsort(row, kind="stable")
    starts = np.searchsorted(row[order], np.arange(len(atlas.lsoa) + 1))
    out = (
        starts,
        pcn[order],
        patients[order],
        codes,
        np.bincount(pcn, weights=patients, minlength=len(codes)),
    )
    if hit is None:
        weakref.finalize(atlas, _PATIENTS.pop, id(atlas), None)
    _PATIENTS[id(atlas)] = (weakref.ref(atlas), id(atlas.pcn_lsoa), out)
    return out


def cut_pcns(
    atlas, layer: UserLayer, tolerance: float = 0.0, min_share: float = MIN_PIECE
) -> pd.DataFrame:
    """PCNs whose registered patients fall in more than one unit, or partly outside the layer.

    A PCN's patients by LSOA come from ``atlas.pcn_lsoa`` (``patients``: registrations where known,
    modelled elsewhere); those of an LSOA are given to the units by the layer's weights. A PCN with
    some patients in the layer is *cut* when its largest piece (a unit, or outside the layer) holds
    less than ``1 − tolerance`` of them. Pieces under ``min_share`` of a PCN's patients (1e-5: a
    boundary reprojected twice leaves such crumbs) are neither listed nor counted. One row per
    piece, ``unit_code`` empty and ``unit_name`` ``(outside the layer)`` for the outside piece;
    largest pieces first within each PCN, PCNs by their largest piece (the most evenly cut first).
    """
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    pr = prepared(atlas, layer)
    starts, pcn, patients, pcn_codes, total = _patients(atlas)
    n = starts[pr.atom + 1] - starts[pr.atom]
    rep = np.repeat(np.arange(len(pr.atom)), n)
    frag = starts[pr.atom[rep]] + np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
    ps = pair_sums(
        pcn[frag], len(pcn_codes), pr.unit[rep], len(pr.codes), patients[frag] * pr.share[rep]
    )
    total = pd.Series(total, index=pcn_codes)
    pieces = pd.DataFrame(
        {"pcn": pcn_codes[ps["child"]], "unit": pr.codes[ps["parent"]], "inside": ps["overlap"]}
    )
    pieces["pcn_patients"] = pieces["pcn"].map(total)
    inside = pieces.groupby("pcn")["inside"].sum()
    pieces = pieces[pieces["inside"] >= min_share * pieces["pcn_patients"]]
    if pieces.empty:
        return pd.DataFrame(columns=list(CUT_COLUMNS))
    outside = (total.reindex(inside.index) - inside).clip(lower=0)
    outside = outside[
        (outside >= min_share * total.reindex(outside.index))
        & (pd.Index(pd.unique(pieces["pcn"])).get_indexer(outside.index) >= 0)  # hashed isin
    ]
    out_rows = pd.DataFrame(
        {
            "pcn": outside.index,
            "unit": None,
            "inside": outside.to_numpy(),
            "pcn_patients": total.reindex(outside.index).to_numpy(),
        }
    )
    rows = pd.concat([pieces, out_rows], ignore_index=True) if len(out_rows) else pieces
    rows["share_of_pcn"] = rows["inside"] / rows["pcn_patients"]
    g = rows.groupby("pcn")
    rows["main_share"] = g["share_of_pcn"].transform("max")
    rows["n_units"] = g["unit"].transform("count")
    rows["share_outside"] = rows["pcn"].map(outside / total.reindex(outside.index)).fillna(0.0)
    rows = rows[rows["main_share"] < 1 - tolerance - 1e-9]
    unit_names = layer.units.set_index("code")["name"]
    pcn_names = atlas.tier("pcn").drop_duplicates("code").set_index("code")["name"]
    rows = rows.sort_values(
        ["main_share", "pcn", "share_of_pcn"], ascending=[True, True, False], kind="mergesort"
    )
    return pd.DataFrame(
        {
            "pcn_code": rows["pcn"].to_numpy(dtype=object),
            "pcn_name": rows["pcn"].map(pcn_names).to_numpy(dtype=object),
            "pcn_patients": rows["pcn_patients"].to_numpy(dtype=float),
            "unit_code": rows["unit"]
            .astype(object)
            .where(rows["unit"].notna(), None)
            .to_numpy(dtype=object),
            "unit_name": rows["unit"].map(unit_names).fillna(OUTSIDE).to_numpy(dtype=object),
            "patients": rows["inside"].to_numpy(dtype=float),
            "share_of_pcn": rows["share_of_pcn"].to_numpy(dtype=float),
            "main_share": rows["main_share"].to_numpy(dtype=float),
            "n_units": rows["n_units"].to_numpy(dtype="int64"),
            "share_outside": rows["share_outside"].to_numpy(dtype=float),
        },
        columns=list(CUT_COLUMNS),
    )


# ---------------------------------------------------------------------------- the layer back


def layer_with_summary(atlas, layer: UserLayer, tolerance: float = 0.0) -> gpd.GeoDataFrame:
    """The units (EPSG:27700) with :func:`unit_summary`'s columns."""
    summ = unit_summary(atlas, layer, tolerance)
    geo = layer.units.set_index("code").geometry.reindex(summ["code"]).to_numpy()
    return gpd.GeoDataFrame(summ, geometry=list(geo), crs=layer.units.crs)
