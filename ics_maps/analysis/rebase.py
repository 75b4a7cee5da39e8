"""Re-base a user's figures from the units of one vintage to the units of another.

Analysts hold time series published for old units (42 ICBs); :func:`rebase` turns them into figures
for the new units (36 ICBs) by the residents' shares of a crosswalk
(:mod:`ics_maps.analysis.crosswalk`):

* a **count** of old unit F adds ``value × share_of_from(F → T)`` to new unit T. Totals are kept
  (the shares of each old unit sum to 1). Where an old unit was split, its count is divided in
  proportion to residents, which assumes the counted thing is spread like the residents: that
  part is an estimate, and each output value says how much of it was apportioned so
  (``<col>_apportioned_share``: the share of the value, by absolute size, that came from old units
  that were divided; 0 means every part moved whole and the figure is exact);
* a **rate** (per cent, per 1,000, a mean) cannot be summed. Given its denominator column it is
  re-weighted, ``rate_T = Σ rate·denominator·share / Σ denominator·share``; without one it is
  refused. A column whose name looks like a rate (rate, per, %, percent, proportion, ratio, share,
  mean, average, median, score, prevalence) must be declared: a rate with its denominator, or a
  count.

Each output row also carries ``residents_covered_share`` (the share of the new unit's residents
whose old unit is in the input: below 1 when the input misses an old unit) and ``from_codes`` (the
new unit's predecessors with the share of each that went into it).

Bad input raises ``ValueError`` with the file, the column and the lines; nothing is written until
all checks pass. Lines are numbered as in the file (the header is line 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ics_maps.analysis._rebase_input import (
    MAX_BYTES,
    RATE_WORDS,
    CodeSets,
    check_codes,
    check_rates,
    read_table,
    row_keys,
    value_columns,
)

APPORTIONED = "_apportioned_share"
__all__ = [
    "APPORTIONED",
    "MAX_BYTES",
    "guess_code_column",
    "known_codes",
    "parse_rates",
    "rate_like",
    "read_table",
    "rebase",
    "value_columns",
]


# ---------------------------------------------------------------------------- re-basing


def rebase(
    table: pd.DataFrame,
    crosswalk: pd.DataFrame,
    code_column: str,
    *,
    by: Sequence[str] = (),
    rates: Mapping[str, str] | None = None,
    counts: Sequence[str] = (),
    label: str = "the input",
    what: str = "old-vintage",
    other_codes: Callable[[], CodeSets] | None = None,
) -> pd.DataFrame:
    """Figures for old units (one row per code, or per code and ``by`` values) for the new units.

    ``crosswalk``: rows ``from_code, to_code, to_name, residents, share_of_from`` (as from
    :func:`ics_maps.analysis.crosswalk.crosswalk`). ``rates`` maps a rate column to its denominator
    column; ``counts`` declares columns that look like rates but are counts. Text columns other
    than the code and ``by`` columns are dropped (they cannot be apportioned). Output: ``by...,
    to_code, to_name``, the re-based columns, ``<col>_apportioned_share`` for each,
    ``residents_covered_share``, ``from_codes``.
    """
    rates = dict(rates or {})
    by = list(by)
    codes = check_codes(
        table, code_column, by, set(crosswalk["from_code"]), what, label, other_codes
    )
    numeric, _text = value_columns(table, [code_column, *by], label)
    check_rates(numeric, rates, counts, label)
    if not numeric:
        raise ValueError(f"{label}: no numeric column to re-base besides {code_column!r}")
    values = numeric

    # Each input row becomes one row per new unit its old unit went to (crosswalk rows by old code).
    xw = crosswalk.sort_values("from_code", kind="stable")
    fcodes, start, n_to = np.unique(
        xw["from_code"].to_numpy(dtype=object), return_index=True, return_counts=True
    )
    k = pd.Index(fcodes).get_indexer(codes)
    n_each = n_to[k]
    r = np.repeat(np.arange(len(table)), n_each)
    first = np.cumsum(n_each) - n_each
    at = np.repeat(start[k], n_each) + np.arange(len(r)) - np.repeat(first, n_each)
    share = xw["share_of_from"].to_numpy(dtype=float)[at]
    t_idx, t_codes = pd.factorize(xw["to_code"], sort=True)
    split = n_each[r] > 1  # the old unit was divided: its part is apportioned

    # Group by (by..., new unit) with integer keys; sums by bincount.
    by_codes = [pd.factorize(table[c], sort=True) for c in by]
    key = row_keys([bc[0][r] for bc in by_codes] + [t_idx[at]])
    ukey, g = np.unique(key, return_inverse=True)
    sums = lambda w: np.bincount(g, weights=w, minlength=len(ukey))  # noqa: E731

    out = {}
    rest = ukey
    nt = len(t_codes)
    to_pos = rest % nt
    rest = rest // nt
    for c, (_, uniq) in zip(reversed(by), reversed(by_codes), strict=True):
        n = len(uniq)
        out[c] = np.asarray(uniq, dtype=object)[rest % n]
        rest = rest // n
    out = {c: out[c] for c in by}
    out["to_code"] = np.asarray(t_codes, dtype=object)[to_pos]
    names = xw.drop_duplicates("to_code").set_index("to_code")
    out["to_name"] = (
        pd.Series(out["to_code"]).map(names["to_name"]).to_numpy() if "to_name" in names else pd.NA
    )
    apportioned = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for col in numeric:
            if col in rates:
                weight = values[rates[col]][r] * share
                w = sums(weight)
                out[col] = np.where(
                    w != 0, sums(values[col][r] * weight) / np.where(w != 0, w, 1), np.nan
                )
                base = np.abs(weight)
            else:
                base = values[col][r] * share
                out[col] = sums(base)
                base = np.abs(base)
            tot = sums(base)
            apportioned[col + APPORTIONED] = np.where(
                tot > 0, sums(np.where(split, base, 0.0)) / np.where(tot > 0, tot, 1), 0.0
            )
    out.update(apportioned)
    covered = sums(xw["residents"].to_numpy(dtype=float)[at])
    to_res = xw.groupby("to_code")["residents"].sum()
    out["residents_covered_share"] = covered / pd.Series(out["to_code"]).map(to_res).to_numpy(
        dtype=float
    )
    out["from_codes"] = pd.Series(out["to_code"]).map(_predecessors(crosswalk)).to_numpy()
    result = pd.DataFrame(out)
    result.attrs["dropped_text_columns"] = _text
    return result


def _predecessors(crosswalk: pd.DataFrame) -> pd.Series:
    """Per new unit: its old units and the share of each that went into it ("E54000023 65.4%")."""
    t = crosswalk.sort_values(["to_code", "residents"], ascending=[True, False])
    text = t["from_code"] + " " + (t["share_of_from"] * 100).map(lambda x: f"{x:.1f}%")
    return text.groupby(t["to_code"]).agg("; ".join)


def parse_rates(items: Sequence[str]) -> dict[str, str]:
    """``RATE=DENOMINATOR`` texts (the CLI's ``--rate``) as ``{rate: denominator}``."""
    out = {}
    for item in items:
        rate, sep, den = item.partition("=")
        if not sep or not rate.strip() or not den.strip():
            raise ValueError(f"--rate {item!r}: expected RATE_COLUMN=DENOMINATOR_COLUMN")
        out[rate.strip()] = den.strip()
    return out


def known_codes(atlases: Mapping[str, object], tiers: Sequence[str]) -> CodeSets:
    """GSS and ODS codes of ``tiers`` in each atlas (vintage -> atlas), to say what unknown codes
    in a user's file are ("icb 2026 GSS codes")."""
    out: dict[str, set] = {}
    for vid, atlas in atlases.items():
        for t in tiers:
            units = atlas.tier(t)
            out[f"{t} {vid} GSS codes"] = set(units["code"])
            if "ods_code" in units:
                out[f"{t} {vid} ODS codes"] = set(units["ods_code"].dropna())
    return out


def guess_code_column(table: pd.DataFrame, codes: set) -> str | None:
    """The column of ``table`` whose cells are most often one of ``codes`` (None if no cell is)."""
    best, hits = None, 0
    for col in table.columns:
        n = int(table[col].astype(str).str.strip().isin(codes).sum())
        if n > hits:
            best, hits = col, n
    return best


def rate_like(columns: Sequence[str]) -> list[str]:
    """The columns whose names look like rates (they must be declared: a rate with its
    denominator, or a count)."""
    return [c for c in columns if RATE_WORDS.search(str(c))]
