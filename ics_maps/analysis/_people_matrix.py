"""The atoms' people as one matrix, and weights tables as sparse matrices: a profile of any units
is one sparse product (units × LSOAs) @ (LSOAs × features), then ratios
(:mod:`ics_maps.analysis.profiles`).

Both are made once per loaded atlas and kept beside it (a weak reference, so a dropped atlas frees
them): turning 33,755 LSOA codes and a tier's codes into positions is the slow part, the product
takes milliseconds.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ics_maps.readers.people import AGE_BANDS, DOMAINS, PEOPLE_COLUMNS

# Columns of the per-LSOA feature matrix that profiles sum (each weighted by the unit's share).
N_BANDS = len(AGE_BANDS)
LSOAS, RES = 0, 1
BANDS = slice(2, 2 + N_BANDS)
IMD, RANK, DEC1 = 2 + N_BANDS, 3 + N_BANDS, 4 + N_BANDS
DECILES = slice(5 + N_BANDS, 15 + N_BANDS)
DOMAIN_FEATURES = slice(15 + N_BANDS, 15 + N_BANDS + len(DOMAINS))
N_FEATURES = 15 + N_BANDS + len(DOMAINS)


@dataclass(frozen=True)
class PeopleMatrix:
    """The atoms' people as one float matrix (LSOA × feature), so any profile is one product.

    Rows follow ``codes``; features: 1 (the LSOA itself), residents, the 18 bands, residents ×
    IMD score, residents × IMD rank, 1 if IMD decile 1, residents in each IMD decile, residents ×
    each domain score.
    """

    codes: pd.Index
    x: np.ndarray


def people_matrix(people: pd.DataFrame) -> PeopleMatrix:
    """Build the feature matrix from a table with ``code``, ``residents`` and the people columns."""
    need = ["code", "residents", *PEOPLE_COLUMNS]
    missing = [c for c in need if c not in people.columns]
    if missing:
        raise ValueError(
            f"the LSOA table lacks people column(s) {missing[:5]}: rebuild the atlas "
            "(`ics-maps build --force`) so its atoms carry age bands and IMD"
        )
    codes = pd.Index(people["code"].astype(str))
    if codes.has_duplicates:
        raise ValueError(f"LSOA code(s) listed twice: {list(codes[codes.duplicated()][:5])}")
    num = people[need[1:]].apply(pd.to_numeric, errors="coerce")
    bad = num.isna().any(axis=1).to_numpy()
    if bad.any():
        raise ValueError(f"LSOA(s) {list(codes[bad][:5])} lack residents, bands or IMD values")
    res = num["residents"].to_numpy(dtype=float)
    decile = num["imd_decile"].to_numpy()
    x = np.empty((len(codes), N_FEATURES))
    x[:, LSOAS] = 1.0
    x[:, RES] = res
    x[:, BANDS] = num[list(AGE_BANDS)].to_numpy(dtype=float)
    x[:, IMD] = res * num["imd_score"].to_numpy(dtype=float)
    x[:, RANK] = res * num["imd_rank"].to_numpy(dtype=float)
    x[:, DEC1] = decile == 1
    x[:, DECILES] = res[:, None] * (decile[:, None] == np.arange(1, 11)[None, :])
    x[:, DOMAIN_FEATURES] = res[:, None] * num[[f"{d}_score" for d in DOMAINS]].to_numpy(
        dtype=float
    )
    return PeopleMatrix(codes=codes, x=x)


@dataclass(frozen=True)
class Weights:
    """A weights table ready to multiply: units (rows of the profile) × LSOA atoms, sparse.

    ``frame`` holds the units in output order (``code``, ``name`` and carried columns such as a
    PCN's ``method``); ``whole`` is True when every share is 1 (the counts are whole numbers).
    """

    frame: pd.DataFrame
    matrix: object  # scipy.sparse.csc_matrix
    whole: bool


class AtlasCache:
    """Per loaded atlas: its :class:`PeopleMatrix` and each tier's :class:`Weights`."""

    def __init__(self, atlas, stamp):
        self.ref = weakref.ref(atlas)
        self.stamp = stamp
        self.people = people_matrix(atlas.lsoa)
        self.tiers: dict[str, Weights] = {}


_CACHE: dict[int, AtlasCache] = {}


def atlas_cache(atlas) -> AtlasCache:
    key = id(atlas)
    stamp = (id(atlas.lsoa), len(atlas.lsoa), id(atlas.pcn_lsoa), len(atlas.pcn_lsoa))
    hit = _CACHE.get(key)
    if hit is not None and hit.ref() is atlas and hit.stamp == stamp:
        return hit
    if hit is None:
        weakref.finalize(atlas, _CACHE.pop, key, None)
    _CACHE[key] = entry = AtlasCache(atlas, stamp)
    return entry


def atlas_people(atlas) -> PeopleMatrix:
    """The atlas's :class:`PeopleMatrix`, made once per loaded atlas (the app shares one atlas)."""
    return atlas_cache(atlas).people


def as_matrix(source) -> PeopleMatrix:
    if isinstance(source, PeopleMatrix):
        return source
    if isinstance(source, pd.DataFrame):
        return people_matrix(source)
    if hasattr(source, "tiers"):
        return atlas_people(source)
    raise TypeError(
        f"expected an Atlas, a people table or a PeopleMatrix, not {type(source).__name__}"
    )


def names_frame(names) -> pd.DataFrame | None:
    """``names`` as a frame with ``code``, ``name`` (and any extra columns to carry)."""
    if names is None:
        return None
    if isinstance(names, pd.DataFrame):
        if "code" not in names or "name" not in names:
            raise ValueError(
                f"names must have columns 'code' and 'name', not {list(names.columns)}"
            )
        frame = pd.DataFrame(names).reset_index(drop=True)
    elif isinstance(names, (pd.Series, Mapping)):
        s = pd.Series(names)
        frame = pd.DataFrame({"code": s.index.to_numpy(), "name": s.to_numpy()})
    else:
        raise ValueError("names must be a DataFrame with code and name, or a mapping code -> name")
    dup = frame["code"].duplicated()
    if dup.any():
        twice = frame.loc[dup, "code"].head(5).tolist()
        raise ValueError(f"names lists unit code(s) twice: {twice}")
    return frame


def make_weights(n_lsoa: int, units, lsoa_pos: np.ndarray, share: np.ndarray, names) -> Weights:
    """The sparse unit × LSOA matrix of a weights table given as LSOA positions (inputs checked)."""
    from scipy import sparse

    frame = names_frame(names)
    unit_idx, uniques = pd.factorize(np.asarray(units, dtype=object))
    if frame is None:
        no_name = pd.array([pd.NA] * len(uniques), dtype="string")
        frame = pd.DataFrame({"code": uniques, "name": no_name})
    else:
        extra = pd.Index(uniques).difference(pd.Index(frame["code"]), sort=False)
        if len(extra):  # units with weights but no name: kept, never dropped silently
            frame = pd.concat([frame, pd.DataFrame({"code": extra})], ignore_index=True)
    row = pd.Index(frame["code"]).get_indexer(pd.Index(uniques))[unit_idx]
    # column-major: the product then walks the atoms in order, adding each LSOA's feature row to its
    # units' rows, which stay in cache (5x faster than row-major for the 1,297 PCNs)
    matrix = sparse.csc_matrix((share, (row, lsoa_pos)), shape=(len(frame), n_lsoa))
    return Weights(frame=frame, matrix=matrix, whole=bool(np.all(share == 1.0)))


def tier_matrix(atlas, tier: str, cache: AtlasCache) -> Weights:
    """A tier's :class:`Weights`, made once per loaded atlas (string codes are the slow part)."""
    w = cache.tiers.get(tier)
    if w is not None:
        return w
    t = atlas.tier(tier)
    names = pd.DataFrame(t[["code", "name", *(["method"] if tier == "pcn" else [])]])
    n = len(cache.people.codes)
    if tier == "pcn":
        pl = atlas.pcn_lsoa
        pl = pl[pl["share"] > 0]
        pos = cache.people.codes.get_indexer(pl["lsoa"].astype(str))
        known = pos >= 0  # every pcn_lsoa LSOA is an atom; guard anyway
        w = make_weights(
            n,
            pl["pcn"].to_numpy()[known],
            pos[known],
            pl["share"].to_numpy(dtype=float)[known],
            names,
        )
    else:
        units = atlas.lsoa[tier].to_numpy()
        have = pd.notna(units)
        pos = np.arange(len(units))[have]  # the people matrix keeps the atlas's LSOA order
        w = make_weights(n, units[have], pos, np.ones(len(pos)), names)
    cache.tiers[tier] = w
    return w
