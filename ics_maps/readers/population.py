"""Census 2021 residents per LSOA 2021 (the atoms' people)."""

from __future__ import annotations

import pandas as pd

from ics_maps.readers._checks import check_counts, check_rows, check_unique, read_csv
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.fetch import Progress

# An LSOA holds about 1,000–3,000 residents (the largest in 2021: 9,900); 50,000 is no LSOA.
MAX_LSOA_RESIDENTS = 50_000


def read_census_population(progress: Progress | None = None) -> pd.DataFrame:
    """Census 2021 usual residents per English LSOA: ``code, residents``.

    The Nomis export has 4 title lines before the header and notes/blank lines after the data.
    """
    ds = dataset("census21_lsoa_population")
    df = read_csv(ds, progress, skip_blank_lines=True, on_bad_lines="skip")
    df = df[df["mnemonic"].notna() & df["mnemonic"].str.match(r"^[EW]\d{8}$", na=False)]
    check_rows(ds, len(df))
    residents = check_counts(
        ds, df, "Total", MAX_LSOA_RESIDENTS, "number of LSOA residents", key="mnemonic"
    )
    out = pd.DataFrame({"code": df["mnemonic"].values, "residents": residents.values})
    out = out[out["code"].str.startswith("E01")].reset_index(drop=True)
    check_unique(ds, out["code"], "LSOA")
    return out
