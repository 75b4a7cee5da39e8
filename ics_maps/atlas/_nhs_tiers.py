"""The NHS polygon tiers of a vintage: regions, ICBs and sub-ICB locations (dissolved from LSOAs
where ONS publishes no boundary)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from ics_maps.errors import DataError
from ics_maps.readers import read_boundaries
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.vintages import Vintage


def _dissolve(atoms: gpd.GeoDataFrame, by: str) -> gpd.GeoSeries:
    """Union LSOA polygons per code. (A coverage union would be faster, but the reprojected BSC
    LSOAs are not exactly noded, so GEOS refuses it; the unary union takes ~1.4 s for 106
    sub-ICBs.)"""
    out = atoms[[by, "geometry"]].dissolve(by=by)
    bad = ~out.geometry.is_valid
    if bad.any():
        out.loc[bad, "geometry"] = shapely.make_valid(out.geometry[bad].values)
    return out.geometry


def nhs_tiers(v: Vintage, lsoa, sicbl_meta, icb_meta, report):
    region = read_boundaries("nhser_2022_buc", "NHSER22CD", "NHSER22NM")
    region_ods = lsoa.drop_duplicates("region").set_index("region")["region_ods"]
    region["ods_code"] = region["code"].map(region_ods).astype("string")
    missing = set(lsoa["region"].dropna()) - set(region["code"])
    if missing or lsoa["region"].isna().any():
        raise DataError(
            dataset("nhser_2022_buc"),
            f"region code(s) {sorted(missing)} of vintage {v.id} "
            f"have no polygon; expected the 7 NHS England regions",
        )
    region["derived"] = False
    icb = read_boundaries(v.icb_boundaries, v.icb_code_field, v.icb_name_field)
    icb_ds = dataset(v.icb_boundaries)
    atoms, polys = set(icb_meta.index), set(icb["code"])
    report["coverage"]["icb_codes_joined"] = len(atoms & polys) / len(atoms | polys)
    if atoms != polys:
        raise DataError(
            icb_ds,
            f"ICB codes differ between boundaries and LSOA assignment: {sorted(atoms ^ polys)}",
        )
    icb["ods_code"] = icb["code"].map(icb_meta["ods_code"]).astype("string")
    icb["region"] = icb["code"].map(icb_meta["region"])
    icb["region_name"] = icb["code"].map(icb_meta["region_name"])
    icb["derived"] = False
    if v.sicbl_boundaries is None:
        geom = _dissolve(lsoa, "sicbl")
        sicbl = gpd.GeoDataFrame(
            {
                "code": geom.index,
                "name": geom.index.map(sicbl_meta["name"]),
                "ods_code": geom.index.map(sicbl_meta["ods_code"]).astype("string"),
            },
            geometry=geom.values,
            crs=lsoa.crs,
        )
        sicbl["derived"] = True
        report["derived"]["sicbl"] = (
            "sub-ICB polygons dissolved from LSOA 2021 BSC boundaries (no ONS file)"
        )
    else:
        f = {
            "sicbl_2023_bsc": ("code", "name"),
            "sicbl_2022_buc": ("SICBL22CD", "SICBL22NM"),
            "ccg_2021_bsc": ("CCG21CD", "CCG21NM"),
        }[v.sicbl_boundaries]
        sicbl = read_boundaries(v.sicbl_boundaries, *f)
        sicbl["ods_code"] = sicbl["code"].map(sicbl_meta["ods_code"]).astype("string")
        sicbl["derived"] = False
        missing = set(sicbl["code"]) ^ set(sicbl_meta.index)
        if missing:
            raise DataError(
                dataset(v.sicbl_boundaries),
                f"sub-ICB codes differ from the LSOA assignment: {sorted(missing)[:6]}",
            )
    sicbl["icb"] = sicbl["code"].map(sicbl_meta["icb"])
    sicbl["region"] = sicbl["icb"].map(icb_meta["region"])
    return region, icb, sicbl
