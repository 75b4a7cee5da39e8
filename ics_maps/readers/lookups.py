"""ONS lookups: LSOA → sub-ICB → ICB → region → district, and the historic sub-ICB/CCG parents."""

from __future__ import annotations

import pandas as pd

from ics_maps.errors import DataError
from ics_maps.readers._checks import (
    check_codes,
    check_columns,
    check_rows,
    check_unique,
    ons,
    read_csv,
)
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.fetch import Progress


def read_lsoa_lookup(dataset_id: str, progress: Progress | None = None) -> pd.DataFrame:
    """An LSOA 2021 → sub-ICB → ICB (→ region) → LAD lookup in a common form.

    Columns: ``lsoa, sicbl, sicbl_ods, sicbl_name, icb, icb_ods, icb_name, lad, lad_name`` and,
    where the file has them, ``region, region_ods, region_name``.
    """
    ds = dataset(dataset_id)
    df = read_csv(ds, progress)
    check_rows(ds, len(df))
    yy = "26" if "SICBL26CD" in df.columns else "24"
    _codes(
        ds,
        df,
        {
            "LSOA21CD": ("E01", "an LSOA 2021 code"),
            f"SICBL{yy}CD": ("E38", "a sub-ICB location code"),
            f"ICB{yy}CD": ("E54", "an ICB code"),
            "NHSER23CD": ("E40", "an NHS England region code"),
        },
    )
    out = pd.DataFrame(
        {
            "lsoa": df["LSOA21CD"],
            "sicbl": df[f"SICBL{yy}CD"],
            "sicbl_ods": df[f"SICBL{yy}CDH"],
            "sicbl_name": df[f"SICBL{yy}NM"],
            "icb": df[f"ICB{yy}CD"],
            "icb_ods": df.get(f"ICB{yy}CDH", pd.Series(pd.NA, index=df.index, dtype="string")),
            "icb_name": df[f"ICB{yy}NM"],
            "lad": df.get("LAD24CD", df.get("LAD26CD")),
            "lad_name": df.get("LAD24NM", df.get("LAD26NM")),
        }
    )
    if "NHSER23CD" in df.columns:
        out["region"] = df["NHSER23CD"]
        out["region_ods"] = df["NHSER23CDH"]
        out["region_name"] = df["NHSER26NM"]
    nulls = out[["lsoa", "sicbl", "icb"]].isna().sum()
    if nulls.any():
        raise DataError(
            ds,
            f"empty codes in {nulls[nulls > 0].to_dict()}: every LSOA needs a sub-ICB, ICB and LAD",
        )
    check_unique(ds, out["lsoa"], "LSOA")
    return out


def _codes(ds, df: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> None:
    """ONS code patterns of the columns present (a cut or garbled row stops the build)."""
    for col, (prefix, what) in columns.items():
        if col in df.columns:
            check_codes(ds, df, col, ons(prefix), what)


_ONS_PREFIX = {"sicbl": "E38", "icb": "E54", "region": "E40"}


def _code_table(
    dataset_id: str, key: str, what: str, columns: dict[str, str], progress: Progress | None = None
) -> pd.DataFrame:
    """A lookup with one row per ``key`` code: read, check, keep and rename ``columns``."""
    ds = dataset(dataset_id)
    df = read_csv(ds, progress)
    check_rows(ds, len(df))
    _codes(
        ds,
        df,
        {
            pub: (_ONS_PREFIX[ours], f"a {ours} code")
            for pub, ours in columns.items()
            if ours in _ONS_PREFIX
        },
    )
    check_unique(ds, df[key], what)
    return df[list(columns)].rename(columns=columns).reset_index(drop=True)


def read_sicbl_region_lookup(progress: Progress | None = None) -> pd.DataFrame:
    """April 2023 sub-ICB → ICB → NHS region: ``sicbl, icb, icb_ods, region, region_ods,
    region_name``."""
    return _code_table(
        "sicbl23_icb23_nhser23_lookup",
        "SICBL23CD",
        "sub-ICB",
        {
            "SICBL23CD": "sicbl",
            "ICB23CD": "icb",
            "ICB23CDH": "icb_ods",
            "NHSER23CD": "region",
            "NHSER23CDH": "region_ods",
            "NHSER23NM": "region_name",
        },
        progress,
    )


def read_sicbl22_lookup(progress: Progress | None = None) -> pd.DataFrame:
    """July 2022 sub-ICB → ICB with ODS codes, from the LSOA 2011 lookup (one row per sub-ICB)."""
    ds = dataset("lsoa11_sicbl22_lookup")
    df = read_csv(ds, progress)
    check_rows(ds, len(df))
    _codes(
        ds,
        df,
        {
            "lsoa11_code": ("E01", "an LSOA 2011 code"),
            "sicbl22_code": ("E38", "a sub-ICB location code"),
            "icb22_code": ("E54", "an ICB code"),
        },
    )
    out = df[
        [
            "sicbl22_code",
            "sicbl22_code_h",
            "sicbl22_name",
            "icb22_code",
            "icb22_code_h",
            "icb22_name",
        ]
    ]
    out = out.drop_duplicates().set_axis(
        ["sicbl", "sicbl_ods", "sicbl_name", "icb", "icb_ods", "icb_name"], axis=1
    )
    check_unique(ds, out["sicbl"], "sub-ICB (each must sit in one ICB)")
    return out.reset_index(drop=True)


def read_ccg_stp_lookup(progress: Progress | None = None) -> pd.DataFrame:
    """April 2021 CCG → STP → region: ``sicbl, sicbl_ods, sicbl_name, icb, icb_ods, icb_name,
    region21, region_name``."""
    return _code_table(
        "ccg21_stp21_nhser21_lookup",
        "CCG21CD",
        "CCG",
        {
            "CCG21CD": "sicbl",
            "CCG21CDH": "sicbl_ods",
            "CCG21NM": "sicbl_name",
            "STP21CD": "icb",
            "STP21CDH": "icb_ods",
            "STP21NM": "icb_name",
            "NHSER21CD": "region21",
            "NHSER21NM": "region_name",
        },
        progress,
    )


# The columns of each ONS LSOA 2011 lookup that places a historic vintage: LSOA code, name, unit.
LSOA11_COLUMNS: dict[str, tuple[str, str, str]] = {
    "lsoa11_sicbl22_lookup": ("lsoa11_code", "lsoa11_name", "sicbl22_code"),
    "lsoa11_ccg21_lookup": ("LSOA11CD", "LSOA11NM", "CCG21CD"),
}


def read_lsoa11_units(dataset_id: str, progress: Progress | None = None) -> pd.DataFrame:
    """An ONS LSOA 2011 → sub-ICB/CCG lookup as ``lsoa11, lsoa11_name, unit`` (one row per LSOA
    2011, checked)."""
    if dataset_id not in LSOA11_COLUMNS:
        raise ValueError(
            f"{dataset_id!r} is not an LSOA 2011 lookup: expected one of {list(LSOA11_COLUMNS)}"
        )
    code, name, unit = LSOA11_COLUMNS[dataset_id]
    ds = dataset(dataset_id)
    df = read_csv(ds, progress)
    check_columns(ds, df.columns, [code, name, unit])
    check_rows(ds, len(df))
    check_unique(ds, df[code], "LSOA 2011")
    out = pd.DataFrame(
        {"lsoa11": df[code].str.strip(), "lsoa11_name": df[name], "unit": df[unit].str.strip()}
    )
    empty = out["lsoa11"].isna() | out["unit"].isna()
    if empty.any():
        raise DataError(
            ds,
            f"{int(empty.sum())} row(s) without an LSOA or unit code (e.g. line "
            f"{int(empty.to_numpy().nonzero()[0][0]) + 2}): every LSOA 2011 needs its unit",
        )
    return out
