"""The dataset catalogue: every file ics-maps reads, where its publisher serves it, and what it must
hold.

One entry per dataset. The mirror path is relative to the mirror root (``ICS_MAPS_MIRROR``,
default ``../shared/data/raw`` beside the project); the URL is the publisher's own download, used
only when no mirror holds the file. ``expect_rows`` and ``required`` are checked after every fetch
and every read, so a truncated or re-shaped file is caught with the dataset's name in the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ics_maps.errors import DataError

ONS_OGL = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right {year}."
)
CENSUS_OGL = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0 "
    "(Census 2021, © Crown copyright)."
)
NHS_OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(NHS England / ODS)."
)
ONSPD_OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2023; Royal Mail data © Royal Mail "
    "copyright and database right 2023; ONS Postcode Directory (November 2023)."
)

# ArcGIS feature services of the ONS Open Geography Portal (organisation ESMARspQHYMw9BZ9).
_ONS_FS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/{service}/FeatureServer/0/query"


def ons_feature_service(service: str) -> str:
    """The GeoJSON query URL of an ONS Open Geography Portal feature service (paged by
    ``fetch``)."""
    return _ONS_FS.format(service=service) + "?where=1%3D1&outFields=*&outSR=4326&f=geojson"


@dataclass(frozen=True)
class Dataset:
    """One published dataset: enough to fetch it, verify it and credit it."""

    id: str
    title: str
    publisher: str
    vintage: str
    licence: str
    url: str
    mirror_path: str
    kind: str  # "vector" | "csv" | "xlsx"
    required: tuple[str, ...] = ()
    expect_rows: tuple[int, int] | None = None  # inclusive bounds on features / data rows
    # "file" | "arcgis" (paged feature service) | "zip:<member>" | "page:<link regex>" (find the
    # file link on a
    # publication page), optionally followed by "|zip:<member>"
    download: str = "file"
    note: str = ""
    derived: bool = False
    companions: tuple[str, ...] = field(default=())  # extra files beside a shapefile
    # Publisher's column name -> the name the mirror copy (and so the reader) uses.
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def filename(self) -> str:
        return self.mirror_path.rsplit("/", 1)[-1]

    @property
    def download_path(self) -> str:
        """Where a download is cached: feature services arrive as GeoJSON, whatever the mirror
        holds."""
        if self.download.startswith("arcgis") and self.kind == "vector":
            return self.mirror_path.rsplit(".", 1)[0] + ".geojson"
        return self.mirror_path


def _shp(stem: str) -> tuple[str, ...]:
    """The parts a shapefile cannot be read without (.prj is checked by the reader: no CRS is an
    error)."""
    return tuple(f"{stem}.{ext}" for ext in ("shx", "dbf"))


CATALOGUE: dict[str, Dataset] = {
    d.id: d
    for d in [
        # ---------------------------------------------------------------- ONS boundaries
        Dataset(
            "icb_2026_bsc",
            "Integrated Care Boards (April 2026) Boundaries EN BSC",
            "ONS Open Geography Portal",
            "April 2026",
            ONS_OGL.format(year=2026),
            ons_feature_service("Integrated_Care_Boards_April_2026_Boundaries_EN_BSC"),
            "icb_2026_bsc/ICB_APR_2026_EN_BSC.geojson",
            "vector",
            ("ICB26CD", "ICB26NM"),
            (36, 36),
            "arcgis",
        ),
        Dataset(
            "icb_2023_bsc",
            "Integrated Care Boards (April 2023) EN BSC",
            "ONS Open Geography Portal",
            "April 2023",
            ONS_OGL.format(year=2023),
            ons_feature_service("Integrated_Care_Boards_April_2023_EN_BSC"),
            "icb_2023_bsc/ICB_APR_2023_EN_BSC.shp",
            "vector",
            ("ICB23CD", "ICB23NM"),
            (42, 42),
            "arcgis",
            companions=_shp("icb_2023_bsc/ICB_APR_2023_EN_BSC"),
        ),
        Dataset(
            "icb_2022_buc",
            "Integrated Care Boards (July 2022) EN BUC (V3)",
            "ONS Open Geography Portal",
            "July 2022",
            ONS_OGL.format(year=2022),
            ons_feature_service("ICB_JUL_2022_EN_BUC_V3"),
            "icb_2022_buc/ICB_JUL_2022_EN_BUC_V3.shp",
            "vector",
            ("ICB22CD", "ICB22NM"),
            (42, 42),
            "arcgis",
            companions=_shp("icb_2022_buc/ICB_JUL_2022_EN_BUC_V3"),
        ),
        Dataset(
            "sicbl_2023_bsc",
            "Sub Integrated Care Board Locations (April 2023) EN BSC",
            "ONS Open Geography Portal",
            "April 2023",
            ONS_OGL.format(year=2023),
            ons_feature_service("Sub_Integrated_Care_Board_Locations_April_2023_EN_BSC"),
            "sicbl_2023_bsc/sub-icbs.geojson",
            "vector",
            ("code", "name"),
            (106, 106),
            "arcgis",
            aliases=(("SICBL23CD", "code"), ("SICBL23NM", "name")),
            note="Mirror copy is the ONS service output with fields renamed SICBL23CD→code, "
            "SICBL23NM→name.",
        ),
        Dataset(
            "sicbl_2022_buc",
            "Sub ICB Locations (July 2022) EN BUC",
            "ONS Open Geography Portal",
            "July 2022",
            ONS_OGL.format(year=2022),
            ons_feature_service("SICBL_JUL_2022_EN_BUC"),
            "sicbl_2022_buc/SICBL_JUL_2022_EN_BUC.shp",
            "vector",
            ("SICBL22CD", "SICBL22NM"),
            (106, 106),
            "arcgis",
            companions=_shp("sicbl_2022_buc/SICBL_JUL_2022_EN_BUC"),
        ),
        Dataset(
            "nhser_2022_buc",
            "NHS England (Region) (July 2022) EN BUC",
            "ONS Open Geography Portal",
            "July 2022",
            ONS_OGL.format(year=2022),
            ons_feature_service("NHS_England_Regions_July_2022_EN_BUC_2022"),
            "nhser_2022_buc/NHSER_JUL_2022_EN_BUC.shp",
            "vector",
            ("NHSER22CD", "NHSER22NM"),
            (7, 7),
            "arcgis",
            companions=_shp("nhser_2022_buc/NHSER_JUL_2022_EN_BUC"),
        ),
        Dataset(
            "lad_2023_buc",
            "Local Authority Districts (May 2023) Boundaries UK BUC (V2)",
            "ONS Open Geography Portal",
            "May 2023",
            ONS_OGL.format(year=2023),
            ons_feature_service("Local_Authority_Districts_May_2023_UK_BUC_V2"),
            "lad_2023_buc/LAD_MAY_2023_UK_BUC_V2.shp",
            "vector",
            ("LAD23CD", "LAD23NM"),
            (361, 361),
            "arcgis",
            companions=_shp("lad_2023_buc/LAD_MAY_2023_UK_BUC_V2"),
        ),
        Dataset(
            "ctyua_2023_buc",
            "Counties and Unitary Authorities (May 2023) Boundaries UK BUC",
            "ONS Open Geography Portal",
            "May 2023",
            ONS_OGL.format(year=2023),
            ons_feature_service("Counties_and_Unitary_Authorities_May_2023_UK_BUC"),
            "ctyua_2023_buc/CTYUA_MAY_2023_UK_BUC.shp",
            "vector",
            ("CTYUA23CD", "CTYUA23NM"),
            (218, 218),
            "arcgis",
            note="Service name follows the ONS sibling "
            "Counties_and_Unitary_Authorities_May_2023_UK_BGC (seen in public "
            "code); the BUC name itself was not seen verbatim. Portal: "
            "geoportal.statistics.gov.uk (BDY_CTYUA).",
            companions=_shp("ctyua_2023_buc/CTYUA_MAY_2023_UK_BUC"),
        ),
        Dataset(
            "lsoa21_bsc",
            "Lower layer Super Output Areas (December 2021) Boundaries EW BSC (V4)",
            "ONS Open Geography Portal",
            "December 2021",
            ONS_OGL.format(year=2021),
            ons_feature_service(
                "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4"
            ),
            "lsoa21_boundaries_bsc/LSOA_Dec_2021_EW_BSC_V4_via_geographr.gpkg",
            "vector",
            ("lsoa21_code", "lsoa21_name"),
            (35672, 35672),
            "arcgis",
            aliases=(("LSOA21CD", "lsoa21_code"), ("LSOA21NM", "lsoa21_name")),
            note="Mirror copy repackaged by geographr (fields lsoa21_code/lsoa21_name, EPSG:4326, "
            "made valid).",
        ),
        Dataset(
            "stp_2021_buc",
            "Sustainability and Transformation Partnerships (April 2021) EN BUC",
            "ONS Open Geography Portal",
            "April 2021",
            ONS_OGL.format(year=2021),
            ons_feature_service(
                "Sustainability_and_Transformation_Partnerships_April_2021_EN_BUC_v2"
            ),
            "stp_2021_buc/STP_APR_2021_EN_BUC_via_geographr.gpkg",
            "vector",
            ("stp21_code", "stp21_name"),
            (42, 42),
            "arcgis",
            aliases=(("STP21CD", "stp21_code"), ("STP21NM", "stp21_name")),
        ),
        Dataset(
            "ccg_2021_bsc",
            "Clinical Commissioning Groups (April 2021) EN BSC",
            "ONS Open Geography Portal",
            "April 2021",
            ONS_OGL.format(year=2021),
            ons_feature_service("Clinical_Commissioning_Groups_April_2021_EN_BSC_2022"),
            "ccg_2021/ccg21.geojson",
            "vector",
            ("CCG21CD", "CCG21NM"),
            (106, 106),
            "arcgis",
        ),
        # ---------------------------------------------------------------- ONS lookups
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
            "LSOA (2011) to Sub ICB Locations to Integrated Care Boards (July 2022) Lookup in "
            "England",
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
        # ---------------------------------------------------------------- Census 2021
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
        # ---------------------------------------------------------------- primary care
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
}


# The published England total of Census 2021 usual residents (ONS TS001). The LSOA figures the atlas
# sums
# are perturbed for confidentiality, so the atlas's own total differs by a few dozen; the app says
# so.
CENSUS_2021_ENGLAND_RESIDENTS = 56_490_048


def dataset(dataset_id: str) -> Dataset:
    """The catalogue entry of ``dataset_id``, or a DataError listing the known ids."""
    try:
        return CATALOGUE[dataset_id]
    except KeyError:
        raise DataError(
            dataset_id, f"not in the catalogue (known: {', '.join(sorted(CATALOGUE))})"
        ) from None
