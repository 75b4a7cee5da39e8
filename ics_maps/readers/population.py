"""Census 2021 residents per LSOA 2021 (the atoms' people)."""

from __future__ import annotations

import pandas as pd

from ics_maps.errors import DataError
from ics_maps.readers._checks import check_rows, check_unique, read_csv
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.fetch import Progress


def read_census_population(progress: Progress | None = None) -> pd.DataFrame:
    """Census 2021 usual residents per English LSOA: ``code, residents``.

    The Nomis export has 4 title lines before the header and notes/blank lines after the data.
    """
    ds = dataset("census21_lsoa_population")
    df = read_csv(ds, progress, skip_blank_lines=True, on_bad_lines="skip")
    df = df[df["mnemonic"].notna() & df["mnemonic"].str.match(r"^[EW]\d{8}$", na=False)]
    check_rows(ds, len(df))
    residents = pd.to_numeric(df["Total"], errors="coerce")
    if residents.isna().any():
        bad = df.loc[residents.isna(), "mnemonic"].head(3).tolist()
        raise DataError(
            ds, f"non-numeric 'Total' for LSOA(s) {bad}: expected whole numbers of residents"
        )
    out = pd.DataFrame(
        {"code": df["mnemonic"].values, "residents": residents.astype("int64").values}
    )
    out = out[out["code"].str.startswith("E01")].reset_index(drop=True)
    check_unique(ds, out["code"], "LSOA")
    return out
