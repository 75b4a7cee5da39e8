"""Catalogue entries: Primary care: practice → PCN maps, list sizes, registrations, locations."""

from __future__ import annotations

from ics_maps.sources.dataset import (
    NHS_OGL,
    ONS_OGL,
    ONSPD_OGL,
    Dataset,
)

PRIMARY_CARE: list[Dataset] = [
    Dataset(
        "gp_map_2025_10",
        "Patients Registered at a GP Practice, October 2025: mapping (practice → PCN → "
        "sub-ICB → ICB)",
        "NHS England",
        "1 October 2025",
        NHS_OGL,
        "https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice/"
        "october-2025",
        "nhsd_gp_reg_pat_prac_map_2025-10/gp-reg-pat-prac-map.csv",
        "csv",
        (
            "PRACTICE_CODE",
            "PRACTICE_NAME",
            "PRACTICE_POSTCODE",
            "PCN_CODE",
            "PCN_NAME",
            "ONS_SUB_ICB_LOCATION_CODE",
            "SUB_ICB_LOCATION_CODE",
            "ONS_ICB_CODE",
            "ICB_CODE",
            "ONS_COMM_REGION_CODE",
        ),
        (5500, 7000),
        r"page:https://files\.digital\.nhs\.uk/[^\"']+/gp-reg-pat-prac-map\.csv",
        note="URL is the publication page: the file link "
        "(files.digital.nhs.uk/<hex>/<hex>/gp-reg-pat-prac-map.csv) "
        "changes every month, so fetch reads it off that page.",
    ),
    Dataset(
        "gp_map_2024_10",
        "Patients Registered at a GP Practice, October 2024: mapping (practice → PCN → "
        "sub-ICB → ICB)",
        "NHS England",
        "1 October 2024",
        NHS_OGL,
        "https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice/"
        "october-2024",
        "nhsd_gp_reg_pat_prac_map_2024-10/gp-reg-pat-prac-map.csv",
        "csv",
        (
            "PRACTICE_CODE",
            "PRACTICE_NAME",
            "PRACTICE_POSTCODE",
            "PCN_CODE",
            "PCN_NAME",
            "ONS_SUB_ICB_LOCATION_CODE",
            "SUB_ICB_LOCATION_CODE",
            "ONS_ICB_CODE",
            "ICB_CODE",
            "ONS_COMM_REGION_CODE",
        ),
        (5500, 7000),
        r"page:https://files\.digital\.nhs\.uk/[^\"']+/gp-reg-pat-prac-map\.csv",
        note="URL is the publication page: the file link "
        "(files.digital.nhs.uk/<hex>/<hex>/gp-reg-pat-prac-map.csv) "
        "changes every month, so fetch reads it off that page.",
    ),
    Dataset(
        "gp_list_2025_04",
        "Patients Registered at a GP Practice, April 2025: totals (GP practice, all persons)",
        "NHS England",
        "1 April 2025",
        NHS_OGL,
        "https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice/"
        "april-2025",
        "nhsd_gp_reg_pat_prac_all_2025-04/gp-reg-pat-prac-all.csv",
        "csv",
        ("CODE", "NUMBER_OF_PATIENTS", "TYPE"),
        (5500, 7000),
        r"page:https://files\.digital\.nhs\.uk/[^\"']+/gp-reg-pat-prac-all\.zip|zip:gp-reg-pat-prac-all.csv",
        note="URL is the publication page: fetch reads the monthly file link "
        "(gp-reg-pat-prac-all.zip) off it.",
    ),
    Dataset(
        "gp_lsoa_2025_10",
        "Patients Registered at a GP Practice, October 2025: practice × LSOA (all persons)",
        "NHS England",
        "1 October 2025",
        NHS_OGL + " " + ONS_OGL.format(year=2021),
        "https://digital.nhs.uk/data-and-information/publications/statistical/patients-registered-at-a-gp-practice/"
        "october-2025",
        "gp_reg_lsoa_ssot_icb_2025-10/SSOT_GP_Patients_Oct25_clean.csv",
        "csv",
        ("LSOA_CODE", "PRACTICE_CODE", "NUMBER_OF_PATIENTS"),
        (1000, 2_000_000),
        r"page:https://files\.digital\.nhs\.uk/[^\"']+/gp-reg-pat-prac-lsoa-male-female-[^\"']+\.zip"
        "|zip:gp-reg-pat-prac-lsoa-all.csv",
        note="The mirror holds one ICB (Staffordshire and Stoke-on-Trent, QNC); the "
        "publisher's file is national. "
        "URL is the publication landing page: the quarterly LSOA zip "
        "(gp-reg-pat-prac-lsoa-male-female-<Mon>-<YY>"
        ".zip, member gp-reg-pat-prac-lsoa-all.csv) sits under a files.digital.nhs.uk hex path "
        "that changes "
        "every month and must be taken from that page.",
    ),
    Dataset(
        "practice_locations_2024_01",
        "GP practice and PCN geocoded lookup (January 2024, ONSPD November 2023)",
        "Health Innovation South West, from NHS England and ONSPD",
        "January 2024",
        ONSPD_OGL,
        "https://raw.githubusercontent.com/southwest-analytics/practice_pcn_catchment/"
        "fe1e9759e2d4f82fb1eb1e94ec3f8c0b892b44e4/output/lookup.csv",
        "practice_pcn_geocoded_lookup_2024-01/lookup.csv",
        "csv",
        ("PRAC_CODE", "PRAC_POSTCODE", "PRAC_LAT", "PRAC_LNG"),
        (5500, 7000),
    ),
    Dataset(
        "practice_locations_ssot_2025_10",
        "Staffordshire and Stoke-on-Trent GP practice locations (October 2025)",
        "NHS England practice list geocoded from ONSPD",
        "October 2025",
        ONSPD_OGL,
        "https://raw.githubusercontent.com/glovs1/SSOT_PCN_Boundaries/"
        "bbe3ead6bdaaf99ac8e5b32cfd169d432202e65e/Data/SSOT_GP_Practice_Locations.csv",
        "gp_reg_lsoa_ssot_icb_2025-10/SSOT_GP_Practice_Locations.csv",
        "csv",
        ("PRACTICE_CODE", "Latitude_1m", "Longitude_1m"),
        (100, 200),
    ),
]
