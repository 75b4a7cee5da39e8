"""Checks every reader shares: columns, row counts, unique codes, code patterns, plausible counts,
complete files, and reading a catalogued CSV.

A failed check raises :class:`~ics_maps.errors.DataError` naming the dataset, the file, the data
row (counted from 1 after the header) and the rule, so a bad file stops the build before anything
is saved and the previous atlas stays in place.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ics_maps.errors import DataError
from ics_maps.sources.catalogue import Dataset
from ics_maps.sources.fetch import Progress, resolve


def check_columns(ds: Dataset, columns, required=None) -> None:
    missing = [c for c in (required or ds.required) if c not in columns]
    if missing:
        raise DataError(
            ds,
            f"missing column(s) {missing}; expected {list(required or ds.required)}, "
            f"found {list(columns)[:15]}",
        )


def check_rows(ds: Dataset, n: int) -> None:
    if ds.expect_rows and not (ds.expect_rows[0] <= n <= ds.expect_rows[1]):
        lo, hi = ds.expect_rows
        want = f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"
        raise DataError(ds, f"has {n:,} rows/features, expected {want} (truncated or wrong file?)")


def check_unique(ds: Dataset, codes: pd.Series, what: str) -> None:
    dup = codes[codes.duplicated()]
    if len(dup):
        raise DataError(
            ds, f"duplicate {what} code(s): {sorted(dup.unique())[:5]} ({len(dup)} duplicates)"
        )


# Code patterns (the publishers' own formats).
ONS_CODE = r"[EWSNLK]\d{8}"  # any ONS GSS code: E01 LSOA, E38 sub-ICB, E54 ICB, E40 region...
PRACTICE_CODE = r"[A-Z]\d{5}"  # ODS GP practice, e.g. A81001
PCN_CODE = r"U(\d{5})?"  # ODS PCN U00203; "U" alone marks a practice in no PCN


def ons(prefix: str) -> str:
    """The pattern of ONS codes of one entity, e.g. ``ons("E54")`` for ICBs."""
    return re.escape(prefix) + r"\d{%d}" % (9 - len(prefix))


def where(df: pd.DataFrame, index, key: str | None = None) -> str:
    """Where a row of a read CSV came from: its file and data row (1 = first after the header),
    and the record's ``key`` (e.g. its LSOA code) when given."""
    path = df.attrs.get("path", "the file")
    record = f" ({key} {df.at[index, key]})" if key and key in df.columns else ""
    return f"{path}, data row {int(index) + 1:,}{record}"


def check_codes(ds: Dataset, df: pd.DataFrame, column: str, pattern: str, what: str) -> None:
    """Every value of ``column`` matches ``pattern`` (a cut line leaves e.g. PCN "U53")."""
    values = df[column].astype("string").str.strip()
    bad = ~values.str.fullmatch(pattern).fillna(False).astype(bool)
    if bad.any():
        i = bad[bad].index[0]
        raise DataError(
            ds,
            f"{where(df, i)}: {column} = {str(df.at[i, column])[:40]!r} is not {what} "
            f"(rule: codes match {pattern}); {int(bad.sum()):,} row(s) break it",
        )


def check_counts(
    ds: Dataset,
    df: pd.DataFrame,
    column: str,
    hi: int,
    what: str,
    lo: int = 0,
    key: str | None = None,
) -> pd.Series:
    """``column`` as whole numbers, each within [lo, hi]; returns them (int64)."""
    n = pd.to_numeric(df[column], errors="coerce")
    bad = n.isna() | (n < lo) | (n > hi) | (n != n.round())
    if bad.any():
        i = bad[bad].index[0]
        raise DataError(
            ds,
            f"{where(df, i, key)}: {column} = {str(df.at[i, column])[:40]!r} is not a plausible "
            f"{what} (rule: a whole number from {lo:,} to {hi:,}); {int(bad.sum()):,} row(s) "
            "break it",
        )
    return n.astype("int64")


def check_complete(ds: Dataset, path) -> None:
    """A text file must end with a line break: one that stops mid-line was cut short."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            if fh.tell() == 0:
                raise DataError(ds, f"{path} is empty")
            fh.seek(-1, 2)
            last = fh.read(1)
    except OSError as exc:
        raise DataError(ds, f"cannot open {path}: {exc}") from exc
    if last not in (b"\n", b"\r"):
        raise DataError(
            ds,
            f"{path} ends in the middle of a line (rule: a complete file ends with a line "
            "break): it was cut short, e.g. by an interrupted copy or download",
        )


def header_line(ds: Dataset, path) -> int:
    """Index of the header line: exports differ (a Nomis query export has title lines, the bulk file
    none)."""
    names = (
        {ds.required[0], *(pub for pub, ours in ds.aliases if ours == ds.required[0])}
        if ds.required
        else set()
    )
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            for i, line in zip(range(12), fh, strict=False):
                cells = {c.strip().strip('"') for c in line.split(",")}
                if names & cells:
                    return i
    except OSError as exc:
        raise DataError(ds, f"cannot open {path}: {exc}") from exc
    return 0


def read_csv(ds: Dataset, progress: Progress | None = None, **kw) -> pd.DataFrame:
    """A catalogued CSV as text columns (renamed by the catalogue's aliases), checked complete and
    with the required columns; ``df.attrs["path"]`` names the file for row-level errors."""
    path = resolve(ds.id, progress)
    check_complete(ds, path)
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            encoding="utf-8-sig",
            skiprows=header_line(ds, path),
            keep_default_na=False,
            na_values=[""],
            **kw,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(ds, f"cannot parse {path}: {exc}") from exc
    df = df.rename(columns={pub: ours for pub, ours in ds.aliases if ours not in df.columns})
    check_columns(ds, df.columns)
    df.attrs["path"] = str(Path(path))
    return df
