"""Catalogue entries: Who lives where: Census 2021 residents by LSOA."""

from __future__ import annotations

from ics_maps.sources.dataset import (
    CENSUS_OGL,
    Dataset,
)

PEOPLE: list[Dataset] = [
    Dataset(
        "census21_lsoa_population",
        "Census 2021 TS007A Age by five-year age bands (usual residents), LSOA 2021",
        "ONS via Nomis",
        "Census day 21 March 2021",
        CENSUS_OGL,
        "https://www.nomisweb.co.uk/output/census/2021/census2021-ts007a.zip",
        "lsoa21_population_census2021/TS007A_age_by_five_year_age_bands_lsoa21_nomis.csv",
        "csv",
        ("mnemonic", "Total"),
        (35672, 35672),
        "zip:census2021-ts007a-lsoa.csv",
        aliases=(("geography code", "mnemonic"), ("Age: Total", "Total")),
        note="Mirror copy is a Nomis query export (4 title lines); the bulk zip has the "
        "header on line 1.",
    ),
]
