"""Who lives there: age and deprivation profiles of any units made of LSOA 2021 atoms.

Every profile is a weighted sum over atoms. The weights table has one row per (unit, LSOA) with
``share``, the fraction of the LSOA's residents that belong to the unit: 1 for the ONS best-fit
tiers (region, ICB, sub-ICB, county/unitary, district), ``atlas.pcn_lsoa``'s share for PCNs (the
same weights as the coterminosity tables), and whatever a user-drawn tier gives.
:func:`profile_table` is the generic entry point; :func:`tier_profile` and
:func:`england_profile` build the weights of a tier and of England.

Age (Census 2021, TS007A five-year bands)
    ``age_0_4`` … ``age_85_plus``: residents per band. Groups: ``age_0_17`` = bands 0–4, 5–9,
    10–14 and 3/5 of 15–19 (the band's residents are spread evenly over its five ages, so ages 15,
    16 and 17 hold 3/5 of it); ``age_18_64`` = the other 2/5 of 15–19 and bands 20–24 … 60–64;
    ``age_65_plus`` = bands 65–69 … 85+; ``age_85_plus`` is the last band. ``*_share`` columns are
    those counts over ``residents``. ``median_age`` is interpolated within the band holding the
    middle resident, ages spread evenly within each band (a band "5 to 9" spans ages 5.0–10.0);
    the open 85+ band is taken as 85–90, which matters only where half the residents are 85+.
Deprivation (IoD2025, MHCLG's definitions for higher areas)
    ``imd_avg_score``: population-weighted mean of the LSOAs' IMD scores (MHCLG's "average
    score"; it weights by its mid-2022 denominators, Census 2021 here, so published figures differ
    by about 0.1). ``imd_avg_score_rank``: the unit's rank among the rows of the table by that
    score, 1 = most deprived, ``imd_avg_score_rank_of`` = N (units with residents).
    ``imd_avg_rank``: population-weighted mean of the LSOAs' IMD ranks (MHCLG's "average rank";
    lower = more deprived). ``n_lsoas``: LSOAs in the unit; ``imd_lsoas_decile1``: those in the
    most deprived national decile; ``imd_prop_lsoas_decile1`` = the second over the first
    (for PCNs each LSOA counts by its share, so both are fractional). ``imd_quintile{q}_share``
    / ``imd_decile{d}_share``: share of residents living in LSOAs of national quintile q
    (deciles 2q−1 and 2q) / decile d, 1 = most deprived. ``<domain>_avg_score``: the same
    population-weighted mean for each of the seven domains (income and employment are rates).

A unit with no residents gets counts of 0 and NaN for every share, average, median and rank
(never a division error); the dashboard shows those as "–".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ics_maps.analysis._people_matrix import (
    BANDS,
    DEC1,
    DECILES,
    DOMAIN_FEATURES,
    IMD,
    LSOAS,
    N_BANDS,
    RANK,
    RES,
    PeopleMatrix,
    Weights,
    as_matrix,
    atlas_cache,
    make_weights,
    tier_matrix,
)
from ics_maps.readers.people import AGE_BANDS, BAND_STARTS, DOMAINS

PROFILE_TIERS: tuple[str, ...] = ("region", "icb", "sicbl", "utla", "lad", "pcn")
ENGLAND_CODE, ENGLAND_NAME = "E92000001", "England"
BAND_YEARS = 5.0  # every band is five years wide; the open 85+ band is taken as 85-90

GROUP_COUNTS: tuple[str, ...] = ("age_0_17", "age_18_64", "age_65_plus")
GROUP_SHARES: tuple[str, ...] = (
    "age_0_17_share",
    "age_18_64_share",
    "age_65_plus_share",
    "age_85_plus_share",
)
QUINTILE_SHARES: tuple[str, ...] = tuple(f"imd_quintile{q}_share" for q in range(1, 6))
DECILE_SHARES: tuple[str, ...] = tuple(f"imd_decile{d}_share" for d in range(1, 11))
DOMAIN_SCORES: tuple[str, ...] = tuple(f"{d}_avg_score" for d in DOMAINS)
PROFILE_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "residents",
    *AGE_BANDS,
    *GROUP_COUNTS,
    *GROUP_SHARES,
    "median_age",
    "n_lsoas",
    "imd_avg_score",
    "imd_avg_score_rank",
    "imd_avg_score_rank_of",
    "imd_avg_rank",
    "imd_lsoas_decile1",
    "imd_prop_lsoas_decile1",
    *QUINTILE_SHARES,
    *DECILE_SHARES,
    *DOMAIN_SCORES,
)

# ---------------------------------------------------------------------------- pure arithmetic


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (a unit with no residents or no LSOAs)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    if num.ndim == 2 and den.ndim == 1:
        den = den[:, None]
    den = np.broadcast_to(den, num.shape)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def median_age(bands: np.ndarray) -> np.ndarray:
    """Median age of each row of 18 band counts, interpolated in the band of the middle resident.

    Ages are spread evenly within a band, so with F residents below band [L, L+5) holding f, the
    median is L + 5 (N/2 − F) / f. The open 85+ band is taken as 85–90. NaN for an empty row.
    """
    bands = np.atleast_2d(np.asarray(bands, dtype=float))
    total = bands.sum(axis=1)
    cum = np.cumsum(bands, axis=1)
    half = total / 2
    j = np.argmax(cum >= half[:, None], axis=1)  # first band reaching the middle resident
    rows = np.arange(len(bands))
    f = bands[rows, j]
    before = cum[rows, j] - f
    out = np.asarray(BAND_STARTS, dtype=float)[j] + BAND_YEARS * _ratio(half - before, f)
    out[total <= 0] = np.nan
    return out


def _rank_desc(values: np.ndarray) -> pd.Series:
    """1 = the largest value (most deprived score); ties share the smaller rank; NaN stays NA."""
    return pd.Series(values).rank(ascending=False, method="min").astype("Int64")


def _columns(agg: np.ndarray, whole: bool, rank: bool) -> dict[str, object]:
    """Profile columns from the weighted sums ``agg`` (unit × feature)."""
    res = agg[:, RES]
    bands = agg[:, BANDS]
    b = {name: bands[:, i] for i, name in enumerate(AGE_BANDS)}
    age_0_17 = b["age_0_4"] + b["age_5_9"] + b["age_10_14"] + 0.6 * b["age_15_19"]
    age_65_plus = bands[:, BAND_STARTS.index(65) :].sum(axis=1)
    working = slice(BAND_STARTS.index(20), BAND_STARTS.index(65))
    age_18_64 = 0.4 * b["age_15_19"] + bands[:, working].sum(axis=1)
    counts = np.column_stack([res, bands, agg[:, LSOAS], agg[:, DEC1]])
    if whole:  # best-fit tiers: every count is a whole number of people or LSOAs
        counts = np.rint(counts).astype(np.int64)
    cols: dict[str, object] = {"residents": counts[:, 0]}
    cols.update({name: counts[:, 1 + i] for i, name in enumerate(AGE_BANDS)})
    cols.update(age_0_17=age_0_17, age_18_64=age_18_64, age_65_plus=age_65_plus)
    shares = _ratio(np.column_stack([age_0_17, age_18_64, age_65_plus, b["age_85_plus"]]), res)
    cols.update(zip(GROUP_SHARES, shares.T, strict=True))
    cols["median_age"] = median_age(bands)
    cols["n_lsoas"] = counts[:, 1 + N_BANDS]
    score = _ratio(agg[:, IMD], res)
    cols["imd_avg_score"] = score
    ranks = _rank_desc(score) if rank else pd.Series(pd.NA, index=range(len(res)), dtype="Int64")
    cols["imd_avg_score_rank"] = ranks.array
    n_ranked = int(np.isfinite(score).sum()) if rank else None
    cols["imd_avg_score_rank_of"] = pd.array([n_ranked] * len(res), dtype="Int64")
    cols["imd_avg_rank"] = _ratio(agg[:, RANK], res)
    cols["imd_lsoas_decile1"] = counts[:, 2 + N_BANDS]
    cols["imd_prop_lsoas_decile1"] = _ratio(agg[:, DEC1], agg[:, LSOAS])
    deciles = _ratio(agg[:, DECILES], res)
    quintiles = deciles[:, 0::2] + deciles[:, 1::2]
    cols.update(zip(QUINTILE_SHARES, quintiles.T, strict=True))
    cols.update(zip(DECILE_SHARES, deciles.T, strict=True))
    cols.update(zip(DOMAIN_SCORES, _ratio(agg[:, DOMAIN_FEATURES], res).T, strict=True))
    return cols


# ---------------------------------------------------------------------------- tables


def _table(pm: PeopleMatrix, w: Weights, rank: bool = True) -> pd.DataFrame:
    """The profile rows of ``w``'s units: one sparse product, then ratios."""
    cols = _columns(np.asarray(w.matrix @ pm.x), w.whole, rank)
    frame = w.frame
    out = pd.DataFrame(
        {"code": frame["code"].to_numpy(), "name": frame["name"].to_numpy(), **cols},
        columns=list(PROFILE_COLUMNS),
    )
    carried = [c for c in frame.columns if c not in ("code", "name")]
    for c in carried:
        out[c] = frame[c].to_numpy()
    return out


def profile_table(people, weights: pd.DataFrame, names=None) -> pd.DataFrame:
    """Profiles of any units: one row per unit, columns :data:`PROFILE_COLUMNS` (see the module).

    ``people``: an atlas, its LSOA table (``code``, ``residents`` and the people columns) or a
    :class:`PeopleMatrix`. ``weights``: ``unit, lsoa, share`` with share in [0, 1] the fraction
    of the LSOA's residents in the unit (rows of one unit and LSOA add up). ``names``: optional
    frame ``code, name[, extra columns]`` or mapping code -> name; its units come first, in its
    order (those with no weights get 0 residents and NaN), then any other weighted unit.
    """
    pm = as_matrix(people)
    if not isinstance(weights, pd.DataFrame):
        raise ValueError("weights must be a DataFrame with columns unit, lsoa, share")
    missing = [c for c in ("unit", "lsoa", "share") if c not in weights.columns]
    if missing:
        raise ValueError(f"weights lacks column(s) {missing}: expected unit, lsoa, share")
    share = pd.to_numeric(weights["share"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(share) | (share < 0) | (share > 1 + 1e-9)
    if bad.any():
        rows = weights.loc[bad, ["unit", "lsoa", "share"]].head(5).to_dict("records")
        raise ValueError(
            f"weights: share must be a number in [0, 1] (the fraction of the LSOA's "
            f"residents in the unit); {int(bad.sum()):,} row(s) are not: {rows}"
        )
    if weights["unit"].isna().any():
        raise ValueError(f"weights: {int(weights['unit'].isna().sum()):,} row(s) have no unit code")
    pos = pm.codes.get_indexer(weights["lsoa"].astype(str))
    if (pos < 0).any():
        unknown = weights.loc[pos < 0, "lsoa"].drop_duplicates().head(5).tolist()
        raise ValueError(
            f"weights: {int((pos < 0).sum()):,} row(s) name LSOAs that are not atoms "
            f"of this atlas (LSOA 2021 codes expected), e.g. {unknown}"
        )
    keep = share > 0
    w = make_weights(len(pm.codes), weights["unit"].to_numpy()[keep], pos[keep], share[keep], names)
    return _table(pm, w)


def tier_weights(atlas, tier: str) -> pd.DataFrame:
    """``unit, lsoa, share`` of a tier: 1 per atom for ONS tiers, ``atlas.pcn_lsoa`` for PCNs."""
    _check_tier(tier)
    if tier == "pcn":
        pl = atlas.pcn_lsoa
        return pd.DataFrame(
            {
                "unit": pl["pcn"].to_numpy(),
                "lsoa": pl["lsoa"].to_numpy(),
                "share": pl["share"].to_numpy(dtype=float),
            }
        )
    lsoa = atlas.lsoa
    have = lsoa[tier].notna().to_numpy()
    return pd.DataFrame(
        {"unit": lsoa[tier].to_numpy()[have], "lsoa": lsoa["code"].to_numpy()[have], "share": 1.0}
    )


def _check_tier(tier: str) -> None:
    if tier not in PROFILE_TIERS:
        raise ValueError(
            f"no profiles for tier {tier!r}: expected one of {', '.join(PROFILE_TIERS)}"
        )


def tier_profile(atlas, tier: str) -> pd.DataFrame:
    """Profiles of every unit of ``tier`` (one row each, also units with no residents).

    PCN rows go through ``atlas.pcn_lsoa`` shares and carry ``method`` (``registrations`` where
    the catchment comes from practice × LSOA registrations, ``modelled`` elsewhere).
    """
    _check_tier(tier)
    cache = atlas_cache(atlas)
    return _table(cache.people, tier_matrix(atlas, tier, cache))


def england_profile(people) -> pd.DataFrame:
    """England as one row (code E92000001): the comparator of every profile; no rank."""
    cache = atlas_cache(people) if hasattr(people, "tiers") else None
    pm = cache.people if cache else as_matrix(people)
    w = cache.tiers.get(ENGLAND_CODE) if cache else None
    if w is None:
        n = len(pm.codes)
        w = make_weights(
            n,
            np.full(n, ENGLAND_CODE, dtype=object),
            np.arange(n),
            np.ones(n),
            {ENGLAND_CODE: ENGLAND_NAME},
        )
        if cache:
            cache.tiers[ENGLAND_CODE] = w
    return _table(pm, w, rank=False)
