"""Which columns of a user's file hold the unit codes and names: the user's choice, or a guess that
is reported.

Code: a column of unique, non-empty values, preferring a name like ``code``/``id``, then the
shortest values (a column named like a code wins even with duplicates: they are then refused,
clearly). Name: a text column preferring ``name``/``label``, then the longest values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ics_maps.readers._user_types import LayerError

CODE_HINTS = (
    re.compile(r"code", re.I),
    re.compile(r"(cd$|^ods|^gss)", re.I),
    re.compile(r"(^id$|_id$|^id_|^fid$)", re.I),
)  # best first: GDAL reads GeoJSON ids as "id"
UNIT_HINT = re.compile(r"unit|neighbourhood|locality|area|group|place", re.I)
NAME_HINT = re.compile(r"(name|nm$|label|title)", re.I)


def rows(mask: np.ndarray, codes: np.ndarray | None = None, limit: int = 5) -> str:
    """'features 2 (A), 5 (B) and 3 more' for the True entries of ``mask`` (1-based)."""
    idx = np.flatnonzero(mask)
    shown = [
        f"{i + 1} ({codes[i]})" if codes is not None and codes[i] not in (None, "") else str(i + 1)
        for i in idx[:limit]
    ]
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return f"feature{'s' if len(idx) > 1 else ''} {', '.join(shown)}{more}"


def as_text(values: pd.Series) -> np.ndarray:
    """Cells as text: whole floats without '.0', missing as ''; the user's text kept as it is."""

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    return np.array([one(v) for v in values], dtype=object)


def choose_columns(
    attrs: pd.DataFrame,
    code_column: str | None,
    name_column: str | None,
    name: str,
    notes: list[str],
) -> tuple[str | None, str | None]:
    """The code and name columns: the ones given (checked), else guessed (and noted)."""
    check_given(attrs, code_column, name_column, name)
    code_col = code_column or guess_code(attrs)
    if code_col is None:
        notes.append(
            f"{name} has no column of unique codes: units are numbered 1 to {len(attrs)} in file "
            "order"
        )
    elif code_column is None:
        notes.append(
            f"code column guessed: {code_col!r} (unique values; choose another with the code "
            "option)"
        )
    name_col = name_column or guess_name(attrs, code_col)
    if name_column is None:
        notes.append(
            f"name column guessed: {name_col!r}"
            if name_col
            else "no name column: units are named by their code"
        )
    return code_col, name_col


def check_given(
    attrs: pd.DataFrame, code_column: str | None, name_column: str | None, name: str
) -> None:
    cols = [str(c) for c in attrs.columns]
    for given, what in ((code_column, "code"), (name_column, "name")):
        if given is not None and given not in cols:
            raise LayerError(
                f"{name} has no column {given!r} for the {what}: its columns are "
                f"{', '.join(map(repr, cols)) or 'none'}"
            )


def guess_code(attrs: pd.DataFrame) -> str | None:
    best, best_key = None, None
    for col in attrs.columns:
        vals = as_text(attrs[col])
        if (vals == "").any():
            continue
        unique = len(set(vals)) == len(vals)
        hint = code_hint(str(col))
        if not unique and hint == len(CODE_HINTS):
            continue
        key = (
            hint,
            not unique,
            bool(NAME_HINT.search(str(col))),
            float(np.mean([len(v) for v in vals])),
        )
        if best_key is None or key < best_key:
            best, best_key = str(col), key
    return best


def code_hint(col: str) -> int:
    """Rank of a column name as a code column: 0 'code', 1 'cd'/'ods'/'gss', 2 'id', 3 none."""
    return next((i for i, rx in enumerate(CODE_HINTS) if rx.search(col)), len(CODE_HINTS))


def guess_name(attrs: pd.DataFrame, code_col: str | None) -> str | None:
    best, best_key = None, None
    for col in attrs.columns:
        if str(col) == code_col:
            continue
        s = attrs[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        vals = as_text(s)
        if (vals == "").all():
            continue
        key = (not NAME_HINT.search(str(col)), -float(np.mean([len(v) for v in vals])))
        if best_key is None or key < best_key:
            best, best_key = str(col), key
    return best


def unit_codes(attrs: pd.DataFrame, code_col: str | None, name: str) -> np.ndarray:
    """Each feature's code (its column's text, or 1, 2, … with no code column)."""
    if code_col is None:
        return np.array([str(i + 1) for i in range(len(attrs))], dtype=object)
    codes = as_text(attrs[code_col])
    blank = codes == ""
    if blank.any():
        raise LayerError(
            f"{name}: the code column {code_col!r} is empty in {rows(blank)}: every unit needs a "
            "code"
        )
    return codes


def check_unique(codes: np.ndarray, name: str, code_col: str | None) -> None:
    s = pd.Series(codes)
    dup = s[s.duplicated(keep=False)]
    if len(dup):
        groups = dup.groupby(dup).groups
        shown = "; ".join(
            f"{k!r} (features {', '.join(str(i + 1) for i in v[:4])})"
            for k, v in list(groups.items())[:5]
        )
        raise LayerError(
            f"{name}: the code column {code_col!r} has duplicate codes: {shown}"
            f"{' and more' if len(groups) > 5 else ''}. Each unit must be one feature with its own "
            "code: choose another code column, or merge the features"
        )
