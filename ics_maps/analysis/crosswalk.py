"""Crosswalks: where the residents of each unit of one vintage are in another vintage.

Every vintage is built on the same 33,755 LSOA 2021 atoms with their Census 2021 residents, so a
crosswalk between two vintages of a tier (``icb``, ``sicbl``, ``region``) is a sum over atoms: for
each atom, its unit in the old vintage and in the new one. :func:`crosswalk` returns one row per
(old unit, new unit) pair that shares residents:

``from_code, from_name, to_code, to_name, residents, share_of_from, share_of_to, change``

``share_of_from`` is the share of the old unit's residents that went to the new unit (what
re-basing uses, :mod:`ics_maps.analysis.rebase`); ``share_of_to`` is the share of the new unit's
residents that came from the old one.

``change`` describes the old unit (every row of an old unit carries its label). Rules, in order:

1. ``unchanged``: the old unit went whole into one new unit that holds no one else (same people),
   with the same GSS code and the same name (names compared without case, "NHS", "Integrated Care
   Board"/"ICB", "&"/"and" and punctuation, so "Isle Of Wight" = "Isle of Wight");
2. ``recoded``: the same people, but a new GSS code or a new name (e.g. every sub-ICB location of
   a merged ICB is renamed after the new ICB in 2026);
3. ``boundary``: the old unit continues, a new unit that shares some of its residents keeps its
   GSS code, its ODS code or its name, but it lost residents to, or gained residents from, other
   units (Surrey Heartlands and Sussex, July 2022 -> April 2024; Hampshire and Isle of Wight,
   2024 -> 2026, which gained part of Frimley and a new GSS code but kept its ODS code and name);
4. ``merged``: the old unit does not continue and went whole into one new unit with others
   (Norfolk and Waveney into Norfolk and Suffolk, 2026);
5. ``split``: the old unit does not continue and its residents went to several new units
   (Frimley, 2026).

No tolerance: the atoms are whole LSOAs (the smallest has 999 residents), so every row is a real
reassignment of at least one LSOA in the published lookups, never float or generalisation noise. A
tolerance of "a handful of residents" would change nothing; a larger one would hide real moves such
as the 4 LSOAs (6,696 residents, 0.7 % of Surrey Heartlands) that moved to Sussex in April 2023.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ics_maps.atlas import Atlas

TIERS: tuple[str, ...] = ("icb", "sicbl", "region")
COLUMNS: tuple[str, ...] = (
    "from_code",
    "from_name",
    "to_code",
    "to_name",
    "residents",
    "share_of_from",
    "share_of_to",
    "change",
)
CHANGES: tuple[str, ...] = ("unchanged", "recoded", "boundary", "merged", "split")


def check_tier(tier: str) -> str:
    if tier not in TIERS:
        raise ValueError(f"no crosswalk for tier {tier!r}: expected one of {', '.join(TIERS)}")
    return tier


_DROP = re.compile(r"\b(nhs|integrated care board|icb|ccg|stp)\b")


def normalise_name(name) -> str:
    """A unit name to compare across vintages: lower case, '&' = 'and', no NHS/ICB/punctuation."""
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    s = str(name).casefold().replace("&", " and ")
    s = _DROP.sub(" ", s)
    s = re.sub(r"[^\w]+", " ", s)
    return " ".join(s.split())


# ---------------------------------------------------------------------------- the pure core


def crosswalk_table(
    old_atoms: pd.DataFrame,
    new_atoms: pd.DataFrame,
    old_units: pd.DataFrame,
    new_units: pd.DataFrame,
) -> pd.DataFrame:
    """The crosswalk of two codings of the same atoms (rules: module docstring).

    ``old_atoms``: ``code, unit, residents``; ``new_atoms``: ``code, unit`` (the same atom codes);
    ``old_units`` / ``new_units``: ``code, name`` and optionally ``ods_code``. Returns
    :data:`COLUMNS`.
    """
    pos = pd.Index(new_atoms["code"]).get_indexer(old_atoms["code"])
    if len(new_atoms) != len(old_atoms) or (pos < 0).any():
        _not_same_atoms(len(old_atoms), len(new_atoms), old_atoms["code"].to_numpy()[pos < 0])
    fi, fu = pd.factorize(old_atoms["unit"], sort=True)
    ti, tu = pd.factorize(new_atoms["unit"].to_numpy()[pos], sort=True)
    w = pd.to_numeric(old_atoms["residents"]).to_numpy(dtype=float)
    return _table(
        fi,
        np.asarray(fu, dtype=object),
        ti,
        np.asarray(tu, dtype=object),
        w,
        _units(old_units),
        _units(new_units),
    )


def _not_same_atoms(n_old: int, n_new: int, missing) -> None:
    raise ValueError(
        f"the two vintages are not built on the same atoms ({n_old:,} and {n_new:,} LSOAs; "
        f"e.g. {list(missing[:3])} missing from the new one)"
    )


def _table(
    fi: np.ndarray,
    fu: np.ndarray,
    ti: np.ndarray,
    tu: np.ndarray,
    w: np.ndarray,
    old_u: dict,
    new_u: dict,
) -> pd.DataFrame:
    """The crosswalk from integer-coded atoms: ``fi``/``ti`` index ``fu``/``tu`` (old/new codes)."""
    if (fi < 0).any() or (ti < 0).any():
        raise ValueError(
            "some atoms have no unit in one of the vintages: expected every LSOA to have one"
        )
    nf, nt = len(fu), len(tu)
    key = fi * nt + ti
    pair = np.bincount(key, weights=w, minlength=nf * nt)
    key = np.flatnonzero(np.bincount(key, minlength=nf * nt))
    f, t, r = key // nt, key % nt, pair[key]
    from_total = np.bincount(fi, weights=w, minlength=nf)
    to_total = np.bincount(ti, weights=w, minlength=nt)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_from = np.where(from_total[f] > 0, r / from_total[f], 0.0)
        s_to = np.where(to_total[t] > 0, r / to_total[t], 0.0)
    old_i = [old_u.get(c, ("", None, "")) for c in fu.tolist()]
    new_i = [new_u.get(c, ("", None, "")) for c in tu.tolist()]
    change, cont = _labels(f, t, fu.tolist(), tu.tolist(), old_i, new_i)
    names_f = np.array([x[0] for x in old_i], dtype=object)
    names_t = np.array([x[0] for x in new_i], dtype=object)
    order = np.lexsort((-r, f))  # by old code (fu is sorted), then largest part first
    f, t, r, s_from, s_to = f[order], t[order], r[order], s_from[order], s_to[order]
    out = pd.DataFrame(
        {
            "from_code": fu[f],
            "from_name": names_f[f],
            "to_code": tu[t],
            "to_name": names_t[t],
            "residents": r.round().astype(np.int64),
            "share_of_from": s_from,
            "share_of_to": s_to,
            "change": change[f],
        }
    )
    out.attrs["continuations"] = {fu[a]: tu[b] for a, b in enumerate(cont) if b >= 0}
    return out


def _units(units: pd.DataFrame) -> dict:
    """code -> (name, ODS code or None, normalised name)."""
    ods = (
        units["ods_code"].astype(object).where(units["ods_code"].notna(), None).tolist()
        if "ods_code" in units
        else [None] * len(units)
    )
    names = units["name"].astype(object).tolist()
    codes = units["code"].tolist()
    return {c: (n, o, normalise_name(n)) for c, n, o in zip(codes, names, ods, strict=True)}


def _labels(
    f: np.ndarray, t: np.ndarray, fu: list, tu: list, old_i: list, new_i: list
) -> tuple[np.ndarray, np.ndarray]:
    """The change label of each old unit (rules 1-5 of the module docstring) and the position of
    the new unit it continues as (-1 for merged and split units)."""
    nf, nt = len(fu), len(tu)
    n_from = np.bincount(t, minlength=nt).tolist()  # predecessors of each new unit
    labels = np.empty(nf, dtype=object)
    cont = np.full(nf, -1, dtype=np.int64)
    succ: list[list[int]] = [[] for _ in range(nf)]
    for a, b in zip(f.tolist(), t.tolist(), strict=True):
        succ[a].append(b)
    for a in range(nf):
        to = succ[a]
        if len(to) == 1 and n_from[to[0]] == 1:
            same = fu[a] == tu[to[0]] and old_i[a][2] == new_i[to[0]][2]
            labels[a], cont[a] = ("unchanged" if same else "recoded"), to[0]
            continue
        cont[a] = _continuation(fu[a], old_i[a], to, tu, new_i)
        labels[a] = "boundary" if cont[a] >= 0 else "merged" if len(to) == 1 else "split"
    return labels, cont


def _continuation(code: str, info: tuple, to: list[int], tu: list, new_i: list) -> int:
    """The successor keeping the old unit's GSS code, else ODS code, else name (-1: none)."""
    _, ods, norm = info
    tests = (
        lambda b: tu[b] == code,
        lambda b: isinstance(ods, str) and bool(ods) and new_i[b][1] == ods,
        lambda b: bool(norm) and new_i[b][2] == norm,
    )
    for test in tests:
        for b in to:
            if test(b):
                return b
    return -1


# ---------------------------------------------------------------------------- atlas wrappers

_CODED: dict[int, tuple] = {}


def _coded(atlas: Atlas, tier: str) -> dict:
    """The atlas's atoms integer-coded once (kept while the atlas lives and its LSOA table is the
    same): ``rank`` (of each atom's code among the sorted codes), ``codes`` (sorted), ``residents``,
    and, once asked for, per tier ``(unit index per atom, sorted unit codes, unit info)``."""
    key = id(atlas)
    hit = _CODED.get(key)
    lsoa = atlas.lsoa
    if hit and hit[0]() is atlas and hit[1] is lsoa:
        data = hit[2]
    else:
        rank, codes = pd.factorize(lsoa["code"], sort=True)
        data = {
            "rank": rank,
            "codes": np.asarray(codes, dtype=object),
            "residents": pd.to_numeric(lsoa["residents"]).to_numpy(dtype=float),
        }
        if hit is None:
            weakref.finalize(atlas, _CODED.pop, key, None)
        _CODED[key] = (weakref.ref(atlas), lsoa, data)
    if tier not in data:
        i, u = pd.factorize(lsoa[tier], sort=True)
        t = atlas.tier(tier)
        cols = {c: t[c] for c in ("code", "name", "ods_code") if c in t}
        data[tier] = (i, np.asarray(u, dtype=object), _units(pd.DataFrame(cols)))
    return data


def _aligned(old_atlas: Atlas, new_atlas: Atlas, tier: str):
    """Both atlases' coded atoms, with the new unit index of each old atom (same atoms checked)."""
    check_tier(tier)
    old, new = _coded(old_atlas, tier), _coded(new_atlas, tier)
    if len(old["codes"]) != len(new["codes"]) or not np.array_equal(old["codes"], new["codes"]):
        _not_same_atoms(
            len(old["codes"]),
            len(new["codes"]),
            np.setdiff1d(old["codes"].astype(str), new["codes"].astype(str)),
        )
    at = np.empty(len(new["rank"]), dtype=np.int64)
    at[new["rank"]] = np.arange(len(new["rank"]))  # position in the new atlas of each sorted code
    return old, new, new[tier][0][at[old["rank"]]]


def crosswalk(old_atlas: Atlas, new_atlas: Atlas, tier: str) -> pd.DataFrame:
    """One row per (old unit, new unit) pair of ``tier`` sharing residents (module docstring).

    Each atlas's atoms are integer-coded on first use and kept, so a crosswalk between loaded
    atlases is a few bincounts (about 5 ms; bench/crosswalk.py)."""
    old, new, ti = _aligned(old_atlas, new_atlas, tier)
    fi, fu, old_u = old[tier]
    _, tu, new_u = new[tier]
    out = _table(fi, fu, ti, tu, old["residents"], old_u, new_u)
    out.attrs.update(tier=tier, from_vintage=old_atlas.vintage, to_vintage=new_atlas.vintage)
    return out


def changed_lsoas(
    old_atlas: Atlas, new_atlas: Atlas, tier: str, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """LSOAs whose ``tier`` code differs between the vintages (for a map of where units changed):
    ``code, name, residents, from_code, to_code, change`` (``change`` is the old unit's label)."""
    old, new, ti = _aligned(old_atlas, new_atlas, tier)
    fi, fu, _ = old[tier]
    from_codes, to_codes = fu[fi], new[tier][1][ti]
    moved = np.flatnonzero(from_codes != to_codes)
    table = crosswalk(old_atlas, new_atlas, tier) if table is None else table
    label = table.drop_duplicates("from_code").set_index("from_code")["change"]
    lsoa = old_atlas.lsoa
    out = pd.DataFrame(
        {
            "code": lsoa["code"].to_numpy()[moved],
            "name": lsoa["name"].to_numpy()[moved],
            "residents": lsoa["residents"].to_numpy()[moved],
            "from_code": from_codes[moved],
            "to_code": to_codes[moved],
        }
    )
    out["change"] = out["from_code"].map(label)
    return out


def summarise(table: pd.DataFrame) -> dict:
    """Headline counts: units each side, old units by change label, and new units that continue no
    old unit (e.g. Norfolk and Suffolk, 2026)."""
    per_old = table.drop_duplicates("from_code")["change"].value_counts()
    to_units = set(table["to_code"])
    out = {
        "tier": table.attrs.get("tier"),
        "from_vintage": table.attrs.get("from_vintage"),
        "to_vintage": table.attrs.get("to_vintage"),
        "from_units": int(table["from_code"].nunique()),
        "to_units": len(to_units),
    }
    out.update({c: int(per_old.get(c, 0)) for c in CHANGES})
    out["new_units"] = len(to_units - set(table.attrs.get("continuations", {}).values()))
    out["residents_in_other_code"] = int(
        table.loc[table["from_code"] != table["to_code"], "residents"].sum()
    )
    return out
