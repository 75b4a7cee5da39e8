"""Users' boundary files made from the real atlas, for the page tests (AppTest and browser).

Coventry (E08000026) has 203 LSOAs and 345,300 residents in the Census 2021 first release (ONS,
rounded to 100). Its LSOAs are grouped into four units by their MSOA number ("Coventry 014A" is in
MSOA 014): 001–010, 011–020, 021–030 and 031 on, then dissolved. Every unit lies inside Coventry,
so each is *nested* in that one district and the four together are the whole city.
"""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ics_maps.presentation.export import geojson_bytes

COVENTRY = "E08000026"
COVENTRY_FIRST_RELEASE = 345_300  # Census 2021 usual residents, ONS first release (rounded)
UNITS = {"CV1": "Coventry north", "CV2": "Coventry east", "CV3": "Coventry south", "CV4": "Rest"}


def coventry_lsoas(atlas) -> pd.DataFrame:
    """``lsoa21cd, unit_code, unit_name`` for Coventry's LSOAs."""
    lsoa = atlas.lsoa[atlas.lsoa["lad"] == COVENTRY]
    msoa = lsoa["name"].str.extract(r"(\d{3})[A-Z]$")[0].astype(int)
    unit = np.select([msoa <= 10, msoa <= 20, msoa <= 30], ["CV1", "CV2", "CV3"], "CV4")
    names = pd.Series(unit).map(UNITS).to_numpy()
    codes = lsoa["code"].to_numpy()
    return pd.DataFrame({"lsoa21cd": codes, "unit_code": unit, "unit_name": names})


def coventry_units(atlas, names: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """The four units as polygons (EPSG:27700), named by ``names`` (default :data:`UNITS`)."""
    table = coventry_lsoas(atlas)
    geoms = atlas.lsoa.set_index("code").geometry
    rows = []
    for code, group in table.groupby("unit_code"):
        rows.append((code, geoms.reindex(group["lsoa21cd"]).to_numpy()))
    return gpd.GeoDataFrame(
        {
            "unit_code": [c for c, _ in rows],
            "unit_name": [(names or UNITS)[c] for c, _ in rows],
        },
        geometry=[shapely.coverage_union_all(g) for _, g in rows],
        crs=27700,
    )


def coventry_geojson(atlas, names: dict[str, str] | None = None) -> bytes:
    """The four units as RFC 7946 GeoJSON (EPSG:4326), as a user's GIS would save them."""
    return geojson_bytes(coventry_units(atlas, names))


def coventry_csv(atlas) -> bytes:
    return coventry_lsoas(atlas).to_csv(index=False).encode()


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()
