"""Readers of who lives in each LSOA: Census 2021 age bands and the Indices of Deprivation 2025.

Both return one row per English LSOA 2021 and check what later sums rely on, so a bad file stops
the build with the file, the column and the first offending rows named instead of giving wrong
profiles:

* :func:`read_age_bands` (Nomis TS007A, the file the build already reads the total from): the 18
  five-year bands are whole, non-negative numbers and add up to the file's own total;
* :func:`read_imd` (MHCLG IoD2025 File 7): 33,755 LSOAs, none missing or twice, ranks 1..33,755 once
  each, deciles 1..10 in rank order, scores in the range their definition allows.

:func:`attach_people` joins both to the LSOA atoms (the build's hook).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ics_maps.errors import DataError
from ics_maps.readers._checks import (
    check_columns,
    check_complete,
    check_rows,
    check_unique,
    header_line,
)
from ics_maps.readers.population import MAX_LSOA_RESIDENTS
from ics_maps.sources.catalogue import Dataset, dataset
from ics_maps.sources.fetch import Progress, resolve

CENSUS_ID = "census21_lsoa_population"
IMD_ID = "imd2025_lsoa21"
N_LSOA = 33_755  # English LSOAs 2021: the IoD ranks them all

# The 18 Census bands by lower age; the last is open ("85 years and over").
BAND_STARTS: tuple[int, ...] = tuple(range(0, 90, 5))
AGE_BANDS: tuple[str, ...] = tuple(f"age_{a}_{a + 4}" for a in BAND_STARTS[:-1]) + ("age_85_plus",)

# IoD2025 indices: our short name -> the start of MHCLG's column names in File 7.
DOMAINS: dict[str, str] = {
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_environment": "Living Environment",
}
_INDICES: dict[str, str] = {"imd": "Index of Multiple Deprivation (IMD)", **DOMAINS}
_RATES = ("income", "employment")  # their scores are shares of people: 0..1
_NON_NEGATIVE = ("imd", "education", "barriers", "living_environment")  # 0..100 by construction
_STANDARDISED_LIMIT = 10.0  # health and crime are standardised (mean 0, sd ~1): |score| <= 10

_MEASURES = ("score", "rank", "decile")
IMD_COLUMNS: tuple[str, ...] = tuple(f"{i}_{m}" for i in _INDICES for m in _MEASURES)
PEOPLE_COLUMNS: tuple[str, ...] = AGE_BANDS + IMD_COLUMNS


def _publisher_name(index: str, measure: str) -> str:
    """File 7's column name for an index's score / rank / decile."""
    head = _INDICES[index]
    if measure == "score":
        return f"{head} Score (rate)" if index in _RATES else f"{head} Score"
    if measure == "rank":
        return f"{head} Rank (where 1 is most deprived)"
    return f"{head} Decile (where 1 is most deprived 10% of LSOAs)"


IMD_SOURCE_COLUMNS: dict[str, str] = {
    "LSOA code (2021)": "code",
    **{_publisher_name(i, m): f"{i}_{m}" for i in _INDICES for m in _MEASURES},
}


def _read_table(ds: Dataset, progress: Progress | None = None, **kw) -> pd.DataFrame:
    """A CSV with pandas' own number parsing (5x faster here than text then :func:`pd.to_numeric`).

    Reuses the readers' header detection (a Nomis query export has title lines first) and column
    aliases; a column with a bad cell arrives as text and is then named by the checks.
    """
    path = resolve(ds.id, progress)
    check_complete(ds, path)  # a copy cut mid-line would otherwise lose or garble its last row
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", skiprows=header_line(ds, path), **kw)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(ds, f"cannot parse {path}: {exc}") from exc
    df = df.rename(columns={pub: ours for pub, ours in ds.aliases if ours not in df.columns})
    check_columns(ds, df.columns)
    return df


def _numbers(column: pd.Series) -> pd.Series:
    """Numbers as floats; cells that are not numbers become NaN (to be named by the caller)."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    return pd.to_numeric(column.astype(str).str.strip(), errors="coerce")


def _some(values, n: int = 5) -> str:
    values = list(values)
    more = f" and {len(values) - n:,} more" if len(values) > n else ""
    return ", ".join(str(v) for v in values[:n]) + more


# ---------------------------------------------------------------------------- Census age bands

_BAND_HEADER = re.compile(
    r"^(?:Age: )?Aged "
    r"(?:(\d+) years and under|(\d+) to (\d+) years|(\d+) years and over)$"
)


def _band_name(header: str) -> str | None:
    """Our name of a TS007A age-band column ('Aged 5 to 9 years' -> 'age_5_9'), None if not one."""
    m = _BAND_HEADER.match(header.strip())
    if not m:
        return None
    under, lo, hi, over = m.groups()
    if under is not None:
        return f"age_0_{under}"
    if over is not None:
        return f"age_{over}_plus"
    return f"age_{lo}_{hi}"


def _whole_numbers(ds: Dataset, df: pd.DataFrame, column: str, codes: pd.Series) -> np.ndarray:
    """A count column as int64; non-numeric, negative, fractional or implausibly large cells (an
    LSOA holds about 1,500 people; none has :data:`MAX_LSOA_RESIDENTS`) named with their LSOA."""
    values = _numbers(df[column])
    bad = values.isna() | (values < 0) | (values != values.round()) | (values > MAX_LSOA_RESIDENTS)
    if bad.any():
        rows = [f"{c} ({v!r})" for c, v in zip(codes[bad], df.loc[bad, column], strict=True)]
        raise DataError(
            ds,
            f"{ds.filename}: column {column!r} must hold whole numbers from 0 to "
            f"{MAX_LSOA_RESIDENTS:,} (residents of one LSOA); "
            f"{int(bad.sum()):,} row(s) do not: {_some(rows)}",
        )
    return values.to_numpy(dtype=np.int64)


def read_age_bands(progress: Progress | None = None) -> pd.DataFrame:
    """Census 2021 usual residents of each English LSOA by five-year age band.

    Columns ``code``, the 18 :data:`AGE_BANDS` and ``residents`` (the file's own total, the same
    figure :func:`ics_maps.readers.read_census_population` gives). The bands must add up to it.
    """
    ds = dataset(CENSUS_ID)
    df = _read_table(ds, progress, skip_blank_lines=True, on_bad_lines="skip")
    df = df[df["mnemonic"].astype("string").str.match(r"^[EW]\d{8}$", na=False)]
    check_rows(ds, len(df))
    names = {col: _band_name(str(col)) for col in df.columns}
    bands = {name: col for col, name in names.items() if name}
    missing = [b for b in AGE_BANDS if b not in bands]
    if missing or len(bands) != len(AGE_BANDS):
        raise DataError(
            ds,
            f"{ds.filename}: expected the 18 five-year age-band columns 'Aged 4 "
            f"years and under' … 'Aged 85 years and over'; missing {missing}, "
            f"found {[c for c, n in names.items() if n]}",
        )
    df = df[df["mnemonic"].str.startswith("E01")].reset_index(drop=True)
    codes = df["mnemonic"].astype(str).str.strip()
    check_unique(ds, codes, "LSOA")
    out = pd.DataFrame({"code": codes.to_numpy()})
    for band in AGE_BANDS:
        out[band] = _whole_numbers(ds, df, bands[band], codes)
    out["residents"] = _whole_numbers(ds, df, "Total", codes)
    gap = out[list(AGE_BANDS)].sum(axis=1) - out["residents"]
    if gap.any():
        bad = out.loc[gap != 0]
        rows = [
            f"{c} (bands {t + g:,}, total {t:,})"
            for c, t, g in zip(bad["code"], bad["residents"], gap[gap != 0], strict=True)
        ]
        raise DataError(
            ds,
            f"{ds.filename}: the 18 age bands do not add up to 'Total' in "
            f"{len(bad):,} LSOA(s): {_some(rows)}",
        )
    return out


# ------------------------------------------------------------------------ Indices of Deprivation


def _line(idx) -> list[str]:
    """File line numbers of data rows (line 1 is the header)."""
    return [f"line {i + 2}" for i in idx]


def read_imd(
    lsoa_codes: Iterable[str] | None = None, progress: Progress | None = None
) -> pd.DataFrame:
    """IoD2025 scores, ranks and deciles of the IMD and its seven domains, one row per LSOA 2021.

    Columns ``code`` and :data:`IMD_COLUMNS` (``imd_score, imd_rank, imd_decile``, then
    ``<domain>_score/_rank/_decile`` for each of :data:`DOMAINS`). Rank 1 and decile 1 are the most
    deprived. With ``lsoa_codes`` (the atoms) the file must hold exactly those LSOAs.
    """
    ds = dataset(IMD_ID)
    df = _read_table(ds, progress)
    check_columns(ds, df.columns, tuple(IMD_SOURCE_COLUMNS))
    df = df[list(IMD_SOURCE_COLUMNS)].rename(columns=IMD_SOURCE_COLUMNS)
    codes = df["code"].astype("string").fillna("").str.strip()
    df["code"] = codes
    bad = ~codes.str.match(r"^E01\d{6}$")
    if bad.any():
        rows = [f"{ln} ({c!r})" for ln, c in zip(_line(df.index[bad]), codes[bad], strict=True)]
        raise DataError(
            ds,
            f"{ds.filename}: column 'LSOA code (2021)' must hold English LSOA 2021 "
            f"codes (E01…); {_some(rows)}",
        )
    dup = codes.duplicated(keep=False)
    if dup.any():
        rows = [f"{c} ({ln})" for c, ln in zip(codes[dup], _line(df.index[dup]), strict=True)]
        raise DataError(
            ds,
            f"{ds.filename}: LSOA(s) listed more than once, expected one row each: "
            f"{_some(rows, 6)}",
        )
    if lsoa_codes is not None:
        want = set(lsoa_codes)
        missing, extra = sorted(want - set(codes)), sorted(set(codes) - want)
        if missing or extra:
            found = [
                f"{what} {len(v):,} ({_some(v)})"
                for what, v in (("missing", missing), ("unknown", extra))
                if v
            ]
            raise DataError(
                ds,
                f"{ds.filename}: expected one row for each of the {len(want):,} "
                f"English LSOAs; {', '.join(found)}",
            )
    out = pd.DataFrame({"code": codes.to_numpy()})
    for col in IMD_COLUMNS:
        values = _numbers(df[col])
        if values.isna().any():
            bad = values.isna()
            raise DataError(
                ds,
                f"{ds.filename}: column {_source(col)!r} has {int(bad.sum()):,} "
                f"empty or non-numeric cell(s): {_rows(df, bad)}",
            )
        out[col] = values.to_numpy()
    _check_ranks(ds, df, out)
    _check_scores(ds, df, out)
    whole = [c for c in IMD_COLUMNS if not c.endswith("_score")]
    out[whole] = out[whole].astype("int64")
    if len(out) != N_LSOA:  # after the checks above, which name missing LSOAs when they can
        lost = np.setdiff1d(np.arange(1, N_LSOA + 1), out["imd_rank"].to_numpy())
        raise DataError(
            ds,
            f"{ds.filename}: has {len(out):,} LSOAs, expected {N_LSOA:,} (IMD "
            f"rank(s) {_some(lost)} belong to no row: a missing LSOA)",
        )
    return out


def _source(col: str) -> str:
    return next(pub for pub, ours in IMD_SOURCE_COLUMNS.items() if ours == col)


def _rows(df: pd.DataFrame, bad: pd.Series, col: str | None = None) -> str:
    values = df.loc[bad, col or "code"]
    items = [
        f"{c} ({ln}{'' if col is None else f': {v}'})"
        for c, ln, v in zip(df.loc[bad, "code"], _line(df.index[bad]), values, strict=True)
    ]
    return _some(items)


def _check_ranks(ds: Dataset, df: pd.DataFrame, out: pd.DataFrame) -> None:
    """Ranks are whole numbers 1..33,755 (the IMD's each once); deciles 1..10 in rank order.

    MHCLG gives LSOAs with tied domain scores the same domain rank (File 7 has three tied pairs on
    income, one on education and one on barriers), so only the IMD's ranks must be unique.
    """
    for index in _INDICES:
        rank_col, dec_col = f"{index}_rank", f"{index}_decile"
        rank, decile = out[rank_col], out[dec_col]
        where = f"{ds.filename}: column {_source(rank_col)!r}"
        bad = (rank != rank.round()) | (rank < 1) | (rank > N_LSOA)
        if bad.any():
            raise DataError(
                ds,
                f"{where} must hold whole ranks 1..{N_LSOA:,}; "
                f"{int(bad.sum()):,} row(s) do not: {_rows(df, bad, rank_col)}",
            )
        dup = rank.duplicated(keep=False)
        if index == "imd" and dup.any():
            raise DataError(
                ds,
                f"{where} gives the same rank to several LSOAs (each rank "
                f"1..{N_LSOA:,} once): {_rows(df, dup, rank_col)}",
            )
        where = f"{ds.filename}: column {_source(dec_col)!r}"
        bad = ~decile.isin(range(1, 11))
        if bad.any():
            raise DataError(
                ds,
                f"{where} must hold deciles 1..10; {int(bad.sum()):,} row(s) do "
                f"not: {_rows(df, bad, dec_col)}",
            )
        order = np.argsort(rank.to_numpy(), kind="stable")
        falls = np.flatnonzero(np.diff(decile.to_numpy()[order]) < 0)
        if len(falls):
            bad = pd.Series(out.index.isin(out.index[order[falls + 1]]), index=df.index)
            raise DataError(
                ds,
                f"{where} does not follow the ranks (a less deprived rank has a "
                f"more deprived decile): {_rows(df, bad, dec_col)}",
            )


def _check_scores(ds: Dataset, df: pd.DataFrame, out: pd.DataFrame) -> None:
    """Each score in the range its definition allows (rates 0..1, others as MHCLG builds them)."""
    for index in _INDICES:
        col = f"{index}_score"
        s = out[col]
        if index in _RATES:
            lo, hi, what = 0.0, 1.0, "a rate between 0 and 1"
        elif index in _NON_NEGATIVE:
            lo, hi, what = 0.0, 100.0, "a score between 0 and 100"
        else:
            lim = _STANDARDISED_LIMIT
            lo, hi, what = -lim, lim, f"a standardised score between -{lim:g} and {lim:g}"

        bad = ~np.isfinite(s) | (s < lo) | (s > hi)
        if bad.any():
            raise DataError(
                ds,
                f"{ds.filename}: column {_source(col)!r} must be {what}; "
                f"{int(bad.sum()):,} row(s) are not: {_rows(df, bad, col)}",
            )


# ---------------------------------------------------------------------------- the build's hook


def attach_people(lsoa: pd.DataFrame, progress: Progress | None = None) -> pd.DataFrame:
    """The LSOA atoms with their age bands and IoD2025 columns (:data:`PEOPLE_COLUMNS`) added.

    ``lsoa`` must carry ``code`` and ``residents`` (read from the same Census file): the bands of
    every atom must add up to its residents, and every atom must have IoD2025 values. An atom the
    Census file lacks (the build counts it as 0 residents) gets bands of 0.
    """
    ages = read_age_bands(progress)
    imd = read_imd(lsoa["code"], progress)
    out = lsoa.merge(ages.drop(columns="residents"), on="code", how="left", validate="1:1")
    out[list(AGE_BANDS)] = out[list(AGE_BANDS)].fillna(0).astype("int64")
    gap = out[list(AGE_BANDS)].sum(axis=1).to_numpy() - out["residents"].to_numpy()
    if gap.any():
        bad = out.loc[gap != 0, "code"]
        raise DataError(
            dataset(CENSUS_ID),
            f"age bands do not add up to the residents of {len(bad):,} atom(s): {_some(bad)}",
        )
    return out.merge(imd, on="code", how="left", validate="1:1")
