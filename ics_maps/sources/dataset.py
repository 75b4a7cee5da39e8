"""A catalogued dataset: enough to fetch it, verify it and credit it; and the licence lines."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def shapefile_parts(stem: str) -> tuple[str, ...]:
    """The parts a shapefile cannot be read without (.prj is checked by the reader: no CRS is an
    error)."""
    return tuple(f"{stem}.{ext}" for ext in ("shx", "dbf"))
