"""Catalogue entries: ONS lookups: LSOA and sub-ICB codes to their parents, for each vintage."""

from __future__ import annotations

from ics_maps.sources.dataset import (
    ONS_OGL,
    Dataset,
)

LOOKUPS: list[Dataset] = [
    Dataset(
        "lsoa21_sicbl24_lookup",
        "LSOA (2021) to Sub ICB Locations to ICB to LAD (April 2024) Lookup in England",
        "ONS Open Geography Portal",
        "April 2024",
        ONS_OGL.format(year=2024),
        "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
        "LSOA21_SICBL24_ICB24_CAL24_LAD24_EN_LU/FeatureServer/0/query?where=1%3D1&outFields=*&f=json",
        "lookup_lsoa21_sicbl24_icb24_lad24/LSOA21_SICBL24_ICB24_LAD24_EN_LU_derived.csv",
        "csv",
        (
            "LSOA21CD",
            "SICBL24CD",
            "SICBL24CDH",
            "SICBL24NM",
            "ICB24CD",
            "ICB24CDH",
            "ICB24NM",
            "LAD24CD",
            "LAD24NM",
        ),
        (33755, 33755),
        "arcgis",
        note="Mirror copy joins ONS LSOA21_SICBL24_ICB24_CAL24_LAD24_EN_LU with "
        "LSOA21_WD24_LAD24_EW_LU (geographr).",
    ),
    Dataset(
        "lsoa21_sicbl26_lookup",
        "LSOA (2021) to SICBL to ICB to NHSER to LAD (April 2026) Lookup in EN",
        "ONS Open Geography Portal",
        "April 2026",
        ONS_OGL.format(year=2026),
        "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
        "LSOA21_SICBL26_ICB26_NHSER26_LAD26/FeatureServer/0/query?where=1%3D1&outFields=*&f=json",
        "lookup_lsoa21_sicbl26_icb26_2026/LSOA21_SICBL26_ICB26_NHSER_EN_LU_derived.csv",
        "csv",
        (
            "LSOA21CD",
            "SICBL26CD",
            "SICBL26CDH",
            "SICBL26NM",
            "ICB26CD",
            "ICB26NM",
            "NHSER23CD",
            "NHSER23CDH",
            "NHSER26NM",
        ),
        (33755, 33755),
        "arcgis",
        derived=True,
        aliases=(("NHSER26CD", "NHSER23CD"), ("NHSER26CDH", "NHSER23CDH")),
        note="Mirror copy is a reconstruction of the ONS April 2026 lookup (see SOURCES.md "
        "10b): labelled derived.",
    ),
    Dataset(
        "sicbl23_icb23_nhser23_lookup",
        "Sub ICB Locations to Integrated Care Boards to NHS England (Region) (April 2023) "
        "Lookup in England",
        "ONS Open Geography Portal",
        "April 2023",
        ONS_OGL.format(year=2023),
        "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
        "SICBL23_ICB23_NHSER23_EN_LU/FeatureServer/0/query?where=1%3D1&outFields=*&f=json",
        "lookup_sicbl23_icb23_nhser23/Sub_ICB_Locations_to_Integrated_Care_Boards_to_NHS_England_"
        "(Region)_(April_2023)_Lookup_in_England.csv",
        "csv",
        (
            "SICBL23CD",
            "SICBL23CDH",
            "ICB23CD",
            "ICB23CDH",
            "NHSER23CD",
            "NHSER23CDH",
            "NHSER23NM",
        ),
        (106, 106),
        "arcgis",
    ),
    Dataset(
        "lsoa11_sicbl22_lookup",
        "LSOA (2011) to Sub ICB Locations to Integrated Care Boards (July 2022) Lookup in England",
        "ONS Open Geography Portal",
        "July 2022",
        ONS_OGL.format(year=2022),
        "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
        "LSOA11_SICBL22_ICB22_LAD22_EN_LU/FeatureServer/0/query?where=1%3D1&outFields=*&f=json",
        "lookup_lsoa11_sicbl22_icb22_lad22/geographr_lookup_lsoa11_sicbl22_icb22_ltla22.csv",
        "csv",
        (
            "sicbl22_code",
            "sicbl22_code_h",
            "sicbl22_name",
            "icb22_code",
            "icb22_code_h",
            "icb22_name",
        ),
        (32844, 32844),
        "arcgis",
        aliases=(
            ("SICBL22CD", "sicbl22_code"),
            ("SICBL22CDH", "sicbl22_code_h"),
            ("SICBL22NM", "sicbl22_name"),
            ("ICB22CD", "icb22_code"),
            ("ICB22CDH", "icb22_code_h"),
            ("ICB22NM", "icb22_name"),
        ),
    ),
    Dataset(
        "lsoa11_ccg21_lookup",
        "Lower Layer Super Output Area (2011) to Clinical Commissioning Group to Local Authority "
        "District (April 2021) Lookup in England",
        "ONS Open Geography Portal",
        "April 2021",
        ONS_OGL.format(year=2021),
        "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
        "LSOA11_CCG21_LAD21_EN_LU/FeatureServer/0/query?where=1%3D1&outFields=*&f=json",
        "lookup_lsoa11_ccg21_lad21/Lower_Layer_Super_Output_Area_(2011)_to_Clinical_Commissioning_"
        "Group_to_Local_Authority_District_(April_2021)_Lookup_in_England.csv",
        "csv",
        ("LSOA11CD", "LSOA11NM", "CCG21CD", "CCG21CDH", "CCG21NM", "LAD21CD"),
        (32844, 32844),
        "arcgis",
        note="ONS item b6ad2e7a1bd74f88992e94126570be36 (LSOA11_CCG21_LAD21_EN_LU); mirror copy is "
        "the original CSV (SOURCES.md 9e).",
    ),
    Dataset(
        "ccg21_stp21_nhser21_lookup",
        "Clinical Commissioning Group to STP and NHS England (Region) (April 2021) Lookup in "
        "England",
        "ONS Open Geography Portal",
        "April 2021",
        ONS_OGL.format(year=2021),
        "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
        "CCG21_STP21_NHSER21_EN_LU_90cfdfd508a04c2e9a40afdf0147ed51/FeatureServer/0/query"
        "?where=1%3D1&outFields=*&f=json",
        "lookup_ccg21_stp21_nhser21/Clinical_Commissioning_Group_to_STP_and_NHS_England_(Region)_(April_2021)_"
        "Lookup_in_England.csv",
        "csv",
        (
            "CCG21CD",
            "CCG21CDH",
            "CCG21NM",
            "STP21CD",
            "STP21CDH",
            "STP21NM",
            "NHSER21CD",
            "NHSER21NM",
        ),
        (106, 106),
        "arcgis",
    ),
]
