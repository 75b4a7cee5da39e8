"""Pure tables the People view and the rankings draw from a profile table (tables in, tables out).

* :func:`age_shares`: a unit's residents by five-year band as shares, beside England's;
* :func:`decile_shares`: a unit's residents by national IMD decile as shares, beside England's;
* :func:`ranking`: every unit of a tier ranked by one measure, nationally, optionally narrowed to
  the units in view (the rank stays the national one).

Profile tables come from :mod:`ics_maps.analysis.profiles`; a unit with no residents has NaN shares
here too (the page shows "–", the charts say there is no one to draw).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ics_maps.analysis.profiles import DECILE_SHARES
from ics_maps.readers.people import AGE_BANDS, BAND_STARTS

# "0–4" … "80–84", "85+": the Census bands as a chart's axis says them.
AGE_LABELS: tuple[str, ...] = tuple(f"{a}–{a + 4}" for a in BAND_STARTS[:-1]) + (
    f"{BAND_STARTS[-1]}+",
)


def _values(row: pd.Series, columns) -> np.ndarray:
    """Floats of ``columns`` from a profile row (one lookup each: indexing a mixed-type row with a
    list of labels costs milliseconds)."""
    return np.array([row[c] for c in columns], dtype=float)


def _shares(values: np.ndarray, total: float) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if not np.isfinite(total) or total <= 0:
        return np.full(values.shape, np.nan)
    return values / total


def age_shares(unit: pd.Series, england: pd.Series) -> pd.DataFrame:
    """One row per Census band, youngest first: ``band`` (column), ``label`` ("0–4" … "85+"),
    ``residents`` (the unit's), ``share`` (of the unit's residents) and ``england`` (England's
    share). Shares are NaN for a unit with no residents."""
    residents = _values(unit, AGE_BANDS)
    eng = _values(england, AGE_BANDS)
    return pd.DataFrame(
        {
            "band": list(AGE_BANDS),
            "label": list(AGE_LABELS),
            "residents": residents,
            "share": _shares(residents, float(unit["residents"])),
            "england": _shares(eng, float(england["residents"])),
        }
    )


def decile_shares(unit: pd.Series, england: pd.Series) -> pd.DataFrame:
    """One row per national IMD decile, 1 (most deprived tenth of England's neighbourhoods) to 10:
    ``decile``, ``share`` (of the unit's residents living in LSOAs of that decile), ``residents``
    (those residents) and ``england`` (England's residents in that decile: close to a tenth, since
    each decile is a tenth of the LSOAs, not of the people)."""
    share = _values(unit, DECILE_SHARES)
    res = float(unit["residents"]) if pd.notna(unit["residents"]) else 0.0
    return pd.DataFrame(
        {
            "decile": np.arange(1, 11),
            "share": share,
            "residents": share * res,
            "england": _values(england, DECILE_SHARES),
        }
    )


def ranking(
    profile: pd.DataFrame, measure: str, codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Units ranked by ``measure``, highest first: ``rank`` (1 = highest value among the tier's
    units with a value; ties share the better rank), ``code``, ``name``, the measure, ``residents``
    and ``method`` where the table has it (PCNs). Units without a value (no residents) come last,
    unranked.

    ``codes``: keep only these units (the filtered view); their ranks stay national, so a table of
    one region's systems still says where each stands in England.
    """
    if measure not in profile.columns:
        raise ValueError(f"no measure {measure!r} in the profile table")
    value = pd.to_numeric(profile[measure], errors="coerce")
    keep = ["code", "name", measure, "residents", *(["method"] if "method" in profile else [])]
    out = profile[keep].copy()
    out.insert(0, "rank", value.rank(ascending=False, method="min").astype("Int64"))
    if codes is not None:
        out = out[out["code"].isin(set(codes))]
    order = np.lexsort((out["name"].astype(str).to_numpy(), out["rank"].fillna(10**9).to_numpy()))
    return out.iloc[order].reset_index(drop=True)
