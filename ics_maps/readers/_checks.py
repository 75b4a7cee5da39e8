"""Checks every reader shares: columns, row counts, unique codes, and reading a catalogued CSV."""

from __future__ import annotations

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
    path = resolve(ds.id, progress)
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
    return df
