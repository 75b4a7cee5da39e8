"""Catalogue entries: who lives where: Census 2021 residents by age band and the Indices of
Deprivation 2025, by LSOA 2021."""

from __future__ import annotations

from ics_maps.sources.dataset import (
    CENSUS_OGL,
    Dataset,
)

IMD_OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(MHCLG, English Indices of Deprivation 2025)."
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
    Dataset(
        "imd2025_lsoa21",
        "English Indices of Deprivation 2025, File 7: all ranks, scores and deciles, LSOA 2021",
        "Ministry of Housing, Communities and Local Government",
        "30 October 2025",
        IMD_OGL,
        "https://assets.publishing.service.gov.uk/media/68ff5daabcb10f6bf9bef911/"
        "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
        "imd2025_lsoa21/IoD2025_LSOA21_scores_ranks_deciles_derived.csv",
        "csv",
        ("LSOA code (2021)", "Index of Multiple Deprivation (IMD) Score"),
        (33755, 33755),
        note="Mirror copy keeps File 7's LSOA code and the IMD and domain score/rank/decile "
        "columns (the publisher's file adds names, districts and population denominators).",
    ),
]
