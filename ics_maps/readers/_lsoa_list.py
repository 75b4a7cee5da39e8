"""Read a CSV that assigns LSOA codes to units: a boundary layer made of whole LSOAs.

Why: many footprints (neighbourhoods, localities) are defined as lists of LSOAs; with them every
figure is an exact sum over LSOA atoms, with no area apportioning. One row per LSOA: an LSOA
column, a unit code column and optionally a unit name column (named by the user or guessed, the
guess reported). LSOA 2021 codes are used as they are; LSOA 2011 codes follow one rule: a 2011
code that still exists in 2021 is the same area and maps to itself; the others (split, merged or
redrawn in 2021) are listed and refused, or dropped and listed with ``drop_unknown``.

``known`` is the set of LSOA 2021 codes the codes are checked against (the atlas's); without it
any code shaped like one (``E01000001``) is accepted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection

import numpy as np
import pandas as pd

from ics_maps.readers._user_columns import (
    CODE_HINTS,
    NAME_HINT,
    UNIT_HINT,
    check_given,
    code_hint,
)
from ics_maps.readers._user_types import LayerError, Limits, UserFile

_LSOA_CODE = re.compile(r"^[EW]01\d{6}$")


def read_lsoa_csv(data: bytes, name: str, **options) -> UserFile:
    """The CSV's (LSOA, unit, name) rows, checked, or :class:`LayerError` (with the CSV's columns
    once they are read); ``options``: those of :func:`_read_lsoa_csv`."""
    columns: list[str] = []
    try:
        return _read_lsoa_csv(data, name, columns=columns, **options)
    except LayerError as e:
        raise LayerError(str(e), columns=columns) from None


def _read_lsoa_csv(
    data: bytes,
    name: str,
    *,
    known: Collection[str] | None,
    code_column: str | None,
    name_column: str | None,
    lsoa_column: str | None,
    lsoa_year: int | None,
    drop_unknown: bool,
    limits: Limits,
    columns: list[str],
) -> UserFile:
    notes: list[str] = []
    table = _csv_table(data, name, limits, notes)
    known = set(known) if known is not None else None
    lsoa_col = lsoa_column or _guess_lsoa_column(table, known)
    if lsoa_col is None or lsoa_col not in table:
        if lsoa_column is not None:
            raise LayerError(
                f"{name} has no column {lsoa_column!r}: its columns are "
                f"{', '.join(map(repr, table.columns))}"
            )
        raise LayerError(
            f"{name} has no column of LSOA codes (such as E01000001): a CSV must assign LSOA 2021 "
            "codes to units, one row per LSOA; drawn boundaries go in GeoJSON, GeoPackage or a "
            "zipped shapefile"
        )
    if lsoa_column is None:
        notes.append(f"LSOA column guessed: {lsoa_col!r}")
    year = lsoa_year or (2011 if re.search(r"11", lsoa_col) else 2021)
    if year not in (2011, 2021):
        raise LayerError(f"lsoa_year must be 2011 or 2021, not {year}")
    if lsoa_year is None:
        notes.append(
            f"LSOA codes read as LSOA {year} codes"
            + (" (from the column's name)" if year == 2011 else "")
        )
    rest = table.drop(columns=[lsoa_col])
    columns += [str(c) for c in rest.columns]  # errors until the unit checks offer them
    check_given(rest, code_column, name_column, name)
    code_col = code_column or _guess_unit_column(rest)
    if code_col is None:
        raise LayerError(f"{name} needs a column naming each LSOA's unit besides {lsoa_col!r}")
    if code_column is None:
        notes.append(f"unit code column guessed: {code_col!r}")
    name_col = name_column or _guess_unit_name(rest, code_col)
    if name_column is None:
        notes.append(
            f"unit name column guessed: {name_col!r}"
            if name_col
            else "no unit name column: units are named by their code"
        )
    lsoas = np.array([v.strip() for v in table[lsoa_col]], dtype=object)
    units = np.array([v.strip() for v in table[code_col]], dtype=object)
    names = np.array([v.strip() for v in table[name_col]], dtype=object) if name_col else units
    for col, vals in ((lsoa_col, lsoas), (code_col, units)):
        blank = vals == ""
        if blank.any():
            raise LayerError(f"{name}: column {col!r} is empty on {_lines(blank)}")
    columns.clear()  # an unknown LSOA code is not a matter of choosing another column
    if known is not None:
        unknown = ~pd.Series(lsoas).isin(known).to_numpy()  # hashed: np.isin on text is quadratic
    else:
        unknown = ~pd.Series(lsoas).str.match(_LSOA_CODE.pattern).to_numpy()
    if unknown.any():
        bad = pd.unique(lsoas[unknown])
        why = (
            f"{len(bad):,} LSOA 2011 code(s) do not exist in 2021 (the LSOA was split, merged or "
            "redrawn, so it has no one-to-one 2021 code; recode those rows with ONS's LSOA 2011 "
            "to 2021 lookup)"
            if year == 2011
            else f"{len(bad):,} code(s) are not LSOA 2021 codes of England"
        )
        listed = ", ".join(map(str, bad[:8])) + (" …" if len(bad) > 8 else "")
        if not drop_unknown:
            raise LayerError(f"{name}: {why}: {listed} (on {_lines(unknown)})")
        notes.append(f"dropped {int(unknown.sum()):,} row(s): {why}: {listed}")
        lsoas, units, names = lsoas[~unknown], units[~unknown], names[~unknown]
        if len(lsoas) == 0:
            raise LayerError(f"{name}: no row is left once unknown LSOAs are dropped")
    if year == 2011:
        notes.append(
            "LSOA 2011 codes that still exist in 2021 are the same areas and were used as 2021 "
            "codes"
        )
    columns += [str(c) for c in rest.columns]  # an LSOA in two units: maybe the wrong column
    pairs = _checked_pairs(lsoas, units, names, name, limits, notes)
    return UserFile(
        file_name=name,
        kind="lsoas",
        columns=tuple(str(c) for c in rest.columns),
        code_column=code_col,
        name_column=name_col,
        crs=f"LSOA {year} codes",
        notes=notes,
        pairs=pairs,
        lsoa_column=lsoa_col,
        lsoa_year=year,
    )


def _checked_pairs(lsoas, units, names, name: str, limits: Limits, notes: list[str]):
    pairs = pd.DataFrame({"lsoa": lsoas, "unit": units, "name": names})
    dups = pairs.duplicated(["lsoa", "unit"])
    if dups.any():
        notes.append(f"{int(dups.sum())} repeated row(s) (same LSOA and unit) ignored")
        pairs = pairs[~dups]
    multi = pairs.groupby("lsoa")["unit"].nunique()
    multi = multi[multi > 1]
    if len(multi):
        ex = pairs[pairs["lsoa"] == multi.index[0]]["unit"].tolist()
        raise LayerError(
            f"{name}: {len(multi):,} LSOA(s) are given to more than one unit (e.g. "
            f"{multi.index[0]} to {', '.join(map(repr, ex))}): each LSOA may belong to one unit "
            "only"
        )
    n_units = pairs["unit"].nunique()
    if n_units > limits.max_features:
        raise LayerError(f"{name} has {n_units:,} units, over the limit of {limits.max_features:,}")
    clash = pairs.groupby("unit")["name"].nunique()
    if (clash > 1).any():
        notes.append(
            f"{int((clash > 1).sum())} unit(s) have several names: the first is used (e.g. "
            f"{clash[clash > 1].index[0]!r})"
        )
    return pairs.reset_index(drop=True)


def _csv_table(data: bytes, name: str, limits: Limits, notes: list[str]) -> pd.DataFrame:
    text = None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            if enc != "utf-8-sig":
                notes.append(f"{name} is not UTF-8: read as Windows-1252")
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise LayerError(f"{name} is not a text CSV file")
    try:
        table = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            sep=_delimiter(text),
            nrows=limits.max_csv_rows + 1,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as e:
        raise LayerError(f"{name} could not be read as a CSV table: {e}") from None
    if table.empty:
        raise LayerError(f"{name} has no rows: the layer is empty")
    if len(table) > limits.max_csv_rows:
        raise LayerError(
            f"{name} has more than {limits.max_csv_rows:,} rows, over the limit (England has "
            "33,755 LSOAs)"
        )
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _delimiter(text: str) -> str:
    """Comma unless the first lines say semicolon, tab or bar (spreadsheets in some locales)."""
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _guess_lsoa_column(table: pd.DataFrame, known: set | None) -> str | None:
    best, best_key = None, None
    for col in table.columns:
        vals = [v.strip() for v in table[col] if v.strip()]
        if not vals:
            continue
        hit = np.mean(
            [(known is not None and v in known) or bool(_LSOA_CODE.match(v)) for v in vals]
        )
        if hit < 0.5:
            continue
        key = (-hit, "lsoa" not in col.lower())
        if best_key is None or key < best_key:
            best, best_key = col, key
    return best


def _guess_unit_column(rest: pd.DataFrame) -> str | None:
    best, best_key = None, None
    for col in rest.columns:
        vals = np.array([v.strip() for v in rest[col]], dtype=object)
        if (vals == "").all():
            continue
        hint = min(code_hint(col), 0 if UNIT_HINT.search(col) else len(CODE_HINTS))
        key = (
            (vals == "").any(),
            hint,
            bool(NAME_HINT.search(col)),
            float(np.mean([len(v) for v in vals])),
        )
        if best_key is None or key < best_key:
            best, best_key = col, key
    return best


def _guess_unit_name(rest: pd.DataFrame, code_col: str) -> str | None:
    best, best_key = None, None
    for col in rest.columns:
        if col == code_col:
            continue
        per_unit = rest.groupby(rest[code_col].str.strip())[col].nunique()
        if (per_unit > 1).any() or (rest[col].str.strip() == "").all():
            continue  # not one name per unit
        key = (not NAME_HINT.search(col), -float(rest[col].str.len().mean()))
        if best_key is None or key < best_key:
            best, best_key = col, key
    return best


def _lines(mask: np.ndarray, limit: int = 5) -> str:
    """'lines 3, 7' of a CSV (the header is line 1) for the True entries of ``mask``."""
    idx = np.flatnonzero(mask) + 2
    more = f" and {len(idx) - limit} more" if len(idx) > limit else ""
    return f"line{'s' if len(idx) > 1 else ''} {', '.join(map(str, idx[:limit]))}{more}"
