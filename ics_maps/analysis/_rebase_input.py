"""Reading and checking a user's table before re-basing (:mod:`ics_maps.analysis.rebase`).

A user's CSV (a file or the bytes of an upload) is read as text cells, after its size is checked;
numbers are parsed per column. Each check raises ``ValueError`` with the file, the column and the
lines concerned (numbered as in the file: the header is line 1), before anything is computed or
written.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MAX_BYTES = 50 * 1024 * 1024  # uploads and files above this are refused before being read
RATE_WORDS = re.compile(
    r"(rate|per[\s_-]|per$|percent|pct|%|proportion|ratio|share|mean|average|avg|median|"
    r"score|prevalence)",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

CodeSets = Mapping[str, set]  # label ("icb 2026 GSS codes") -> codes


# ---------------------------------------------------------------------------- reading


def read_table(
    source: str | os.PathLike | bytes | io.IOBase,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> pd.DataFrame:
    """A user's CSV as text cells (numbers are checked later, per column), refusing big files first.

    ``source`` is a path, the bytes of an upload or a binary file object; ``name`` is for messages.
    """
    if isinstance(source, (bytes, bytearray)):
        size, label = len(source), name or "the upload"
        opener = lambda: io.BytesIO(source)  # noqa: E731
    elif isinstance(source, io.IOBase):
        pos = source.tell()
        size = source.seek(0, io.SEEK_END) - pos
        source.seek(pos)
        label, opener = name or "the upload", (lambda: source)
    else:
        path = Path(source)
        label = name or str(path)
        if not path.is_file():
            raise ValueError(f"{label}: no such file")
        size = path.stat().st_size
        opener = lambda: open(path, "rb")  # noqa: E731
    if size > max_bytes:
        raise ValueError(
            f"{label} is {size / 1024 / 1024:.1f} MB: files over {max_bytes / 1024 / 1024:.0f} MB "
            "are refused (split it, or keep only the columns to re-base)"
        )
    fh = opener()
    try:
        df = pd.read_csv(
            fh, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{label} is not a readable UTF-8 CSV with a header row: {exc}") from None
    finally:
        if fh is not source:
            fh.close()
    df.columns = [str(c).strip() for c in df.columns]
    return df


# ---------------------------------------------------------------------------- checks


def _lines(mask: np.ndarray, limit: int = 8) -> str:
    """File line numbers of the rows in ``mask`` (header is line 1), at most ``limit`` shown."""
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r + 2) for r in rows[:limit])
    return shown + (f" … ({len(rows):,} in all)" if len(rows) > limit else "")


def to_number(col: pd.Series) -> np.ndarray:
    """Numbers from text cells as floats: blanks, text and non-finite values become NaN; '1,234' is
    1234.

    The common case (every cell a plain number) is one Arrow cast; anything else takes the slow path
    that finds the bad cells."""
    if pd.api.types.is_numeric_dtype(col):
        out = col.to_numpy(dtype=float)
    else:
        try:
            arr = pc.utf8_trim_whitespace(pa.array(col.astype(str), type=pa.string()))
            out = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            t = col.astype(str).str.strip()
            t = t.where(~t.str.match(_THOUSANDS), t.str.replace(",", "", regex=False))
            out = pd.to_numeric(t, errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


def value_columns(
    table: pd.DataFrame, skip: Sequence[str], label: str
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Numeric columns (name -> values) to re-base and text columns to drop; mixed is an error."""
    numeric, text = {}, []
    for col in table.columns:
        if col in skip:
            continue
        num = to_number(table[col])
        bad = np.isnan(num)
        if not bad.any():
            numeric[col] = num
        elif bad.all():
            text.append(col)
        else:
            examples = ", ".join(repr(v) for v in table.loc[bad, col].head(3))
            raise ValueError(
                f"{label}: column {col!r} has non-numeric or empty values at line(s) "
                f"{_lines(bad)} (e.g. {examples}): expected a number in every row"
            )
    return numeric, text


def row_keys(columns: Sequence[np.ndarray]) -> np.ndarray:
    """One int64 key per row from integer-coded columns, in the columns' (lexicographic) order."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for c in columns:
        n = int(c.max()) + 1 if len(c) else 1
        if key.max(initial=0) > (2**62) // max(n, 1):  # would overflow: re-number the keys so far
            key = pd.factorize(key, sort=True)[0].astype(np.int64)
        key = key * n + c
    return key


def check_codes(
    table: pd.DataFrame,
    code_column: str,
    by: Sequence[str],
    known: set,
    what: str,
    label: str,
    other_codes: Callable[[], CodeSets] | None = None,
) -> pd.Series:
    """The stripped code column, checked: present, unique (per ``by``), naming ``known`` units."""
    for col in (code_column, *by):
        if col not in table.columns:
            raise ValueError(
                f"{label} has no column {col!r}: its columns are {list(table.columns)}"
            )
    codes = table[code_column].astype(str).str.strip()
    empty = (codes == "").to_numpy()
    if empty.any():
        raise ValueError(f"{label}: column {code_column!r} is empty at line(s) {_lines(empty)}")
    key = row_keys([pd.factorize(table[c])[0] for c in by] + [pd.factorize(codes)[0]])
    _, inv, n = np.unique(key, return_inverse=True, return_counts=True)
    dup = n[inv] > 1
    if dup.any():
        first = codes[dup].iloc[0]
        key = f"{code_column} and {', '.join(by)}" if by else code_column
        raise ValueError(
            f"{label}: {int(dup.sum()):,} rows repeat the same {key} (e.g. {first!r}) at line(s) "
            f"{_lines(dup)}: expected one row per {'combination' if by else 'code'}"
        )
    unknown = ~codes.isin(known).to_numpy()
    if unknown.any():
        odd = codes[unknown]
        msg = (
            f"{label}: {int(unknown.sum()):,} of {len(codes):,} rows have codes that are not "
            f"{what} codes "
            f"(e.g. {', '.join(repr(c) for c in odd.unique()[:3])} at line(s) {_lines(unknown)})"
        )
        if other_codes is not None:
            matches = [(k, int(odd.isin(v).sum())) for k, v in other_codes().items()]
            matches = sorted([m for m in matches if m[1]], key=lambda m: -m[1])
            if matches:
                msg += "; they match " + "; ".join(f"{k} ({n:,} rows)" for k, n in matches)
            else:
                msg += "; they match no tier of any vintage"
        raise ValueError(msg)
    return codes


def check_rates(
    numeric: Sequence[str], rates: Mapping[str, str], counts: Sequence[str], label: str
) -> None:
    """Every rate has a numeric denominator; every rate-like column is declared (see the module)."""
    for rate, den in rates.items():
        for col, role in ((rate, "rate"), (den, "denominator")):
            if col not in numeric:
                raise ValueError(
                    f"{label}: {role} column {col!r} is not a numeric column of the file "
                    f"(numeric columns: {list(numeric)})"
                )
        if rate == den:
            raise ValueError(f"{label}: rate {rate!r} cannot be its own denominator")
        if den in rates:
            raise ValueError(
                f"{label}: denominator {den!r} is itself declared a rate: it must be a count"
            )
    for col in numeric:
        if col in rates or col in counts:
            continue
        if RATE_WORDS.search(col):
            raise ValueError(
                f"{label}: column {col!r} looks like a rate, and rates cannot be summed across "
                f"units. Give its denominator (--rate {col}=DENOMINATOR_COLUMN) to re-weight it, "
                f"or declare it a count (--count {col}) if it is one"
            )
