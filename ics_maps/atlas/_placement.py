"""Placing LSOA atoms in a vintage's NHS geography: by an ONS LSOA 2021 lookup where one exists,
else by the ONS LSOA 2011 lookup carried to LSOA 2021 (:mod:`ics_maps.atlas._historic_placement`),
with the fit checked against sources that did not place the atoms."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from ics_maps.atlas import _historic_placement as historic
from ics_maps.errors import DataError, DataWarning
from ics_maps.readers import (
    read_boundaries,
    read_ccg_stp_lookup,
    read_lsoa11_units,
    read_lsoa_lookup,
    read_sicbl22_lookup,
    read_sicbl_region_lookup,
)
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.vintages import Vintage

# ODS codes of 2026 ICBs that no 2024 code carries: only those documented (ICB_CHANGES_2026.md).
ODS_2026_NEW = {"E54000071": "Z9B2Z", "E54000067": "QRL"}


# April 2023 ICB recodes (ICB (Establishment) (Variation) Order 2023): same areas, new GSS codes.
ICB_ALIASES_2023 = {"E54000052": "E54000063", "E54000053": "E54000064"}


# NHS region codes of April 2021 whose 2022 successors have the same area.
REGION_ALIASES_2021 = {"E40000008": "E40000011", "E40000009": "E40000012"}


def join_lookup(
    lsoa: gpd.GeoDataFrame, lookup: pd.DataFrame, ds_id: str, report: dict
) -> gpd.GeoDataFrame:
    """Attach lookup columns to atoms, measuring the join both ways."""
    lk = set(lookup["lsoa"])
    have = lsoa["code"].isin(lk)
    report["coverage"][f"lsoa_in_{ds_id}"] = float(have.mean())
    orphans = len(lk - set(lsoa["code"]))
    report["coverage"][f"{ds_id}_rows_joined_to_boundaries"] = 1 - orphans / len(lk)
    if not have.all():
        raise DataError(
            dataset(ds_id),
            f"{int((~have).sum())} English LSOA(s) are not in the lookup, "
            f"e.g. {lsoa.loc[~have, 'code'].head(3).tolist()}: expected all 33,755",
        )
    if orphans:
        warnings.warn(
            f"{orphans} lookup LSOA code(s) join to no boundary", DataWarning, stacklevel=2
        )
    return lsoa.merge(lookup.rename(columns={"lsoa": "code"}), on="code", how="left")


def best_fit(points: gpd.GeoSeries, polys: gpd.GeoDataFrame) -> tuple[np.ndarray, int]:
    """Code of the polygon containing each point; nearest polygon for points outside all (coast)."""
    pts = gpd.GeoDataFrame(geometry=points.values, crs=points.crs)
    hit = gpd.sjoin(pts, polys[["code", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated()]
    codes = hit["code"].reindex(range(len(pts))).to_numpy(dtype=object)
    miss = pd.isna(codes)
    if miss.any():
        near = gpd.sjoin_nearest(pts[miss], polys[["code", "geometry"]], how="left")
        near = near[~near.index.duplicated()]
        codes[np.flatnonzero(miss)] = near["code"].to_numpy()
    return codes, int(miss.sum())


def assign_nhs_codes(v: Vintage, lsoa: gpd.GeoDataFrame, report: dict):
    """Give each atom its sub-ICB, ICB and region code in this vintage, and return tier name
    tables."""
    base = read_lsoa_lookup("lsoa21_sicbl24_lookup")  # LAD24 and the ICB whose wave an LSOA carries
    regions23 = read_sicbl_region_lookup()
    icb_region = regions23.drop_duplicates("icb").set_index("icb")
    lsoa = join_lookup(
        lsoa,
        base[["lsoa", "lad", "lad_name", "icb", "sicbl"]].rename(
            columns={"icb": "icb24", "sicbl": "sicbl24"}
        ),
        "lsoa21_sicbl24_lookup",
        report,
    )
    if v.lsoa_lookup == "lsoa21_sicbl24_lookup":
        lk = base
        lk = lk.merge(
            regions23[["sicbl", "region", "region_ods", "region_name"]], on="sicbl", how="left"
        )
    elif v.lsoa_lookup:
        lk = read_lsoa_lookup(v.lsoa_lookup)
        old = base.drop_duplicates("icb").set_index("icb")["icb_ods"]
        lk["icb_ods"] = lk["icb"].map(old).fillna(lk["icb"].map(ODS_2026_NEW))
    else:
        lk = None
    if lk is not None:
        cols = [
            "lsoa",
            "sicbl",
            "sicbl_ods",
            "sicbl_name",
            "icb",
            "icb_ods",
            "icb_name",
            "region",
            "region_ods",
            "region_name",
        ]
        lsoa = join_lookup(lsoa, lk[cols], v.lsoa_lookup, report)
        report["assignment"] = {
            "method": "ONS LSOA 2021 lookup",
            "lookup": v.lsoa_lookup,
            "derived_lookup": dataset(v.lsoa_lookup).derived,
        }
    else:
        lsoa = _best_fit_codes(v, lsoa, icb_region, report)
    sicbl_meta = lsoa.groupby("sicbl").agg(
        name=("sicbl_name", "first"),
        ods_code=("sicbl_ods", "first"),
        icb=("icb", "first"),
        n_icb=("icb", "nunique"),
    )
    if (sicbl_meta["n_icb"] > 1).any():
        bad = sicbl_meta.index[sicbl_meta["n_icb"] > 1].tolist()
        source = dataset(v.lsoa_lookup) if v.lsoa_lookup else f"vintage {v.id} (best fit)"
        raise DataError(
            source,
            f"sub-ICB location(s) {bad} fall in more than one ICB in the {v.id} LSOA placement: "
            "expected exact nesting",
        )
    icb_meta = lsoa.groupby("icb").agg(
        name=("icb_name", "first"),
        ods_code=("icb_ods", "first"),
        region=("region", "first"),
        region_name=("region_name", "first"),
        n_region=("region", "nunique"),
    )
    if (icb_meta["n_region"] > 1).any():
        warnings.warn(
            f"ICB(s) {icb_meta.index[icb_meta['n_region'] > 1].tolist()} span two regions",
            DataWarning,
            stacklevel=2,
        )
    return lsoa, sicbl_meta, icb_meta


def _best_fit_codes(v: Vintage, lsoa: gpd.GeoDataFrame, icb_region: pd.DataFrame, report: dict):
    """2022 / 2021: no LSOA 2021 lookup, so the ONS LSOA 2011 lookup is carried over
    (:mod:`ics_maps.atlas._historic_placement`) and checked against sources that did not place the
    atoms (the vintage's ICB polygons; for 2022 the April 2024 LSOA 2021 lookup)."""
    if v.id == "2022":
        sic = read_boundaries(v.sicbl_boundaries, "SICBL22CD", "SICBL22NM")
        parents = read_sicbl22_lookup()
    else:
        sic = read_boundaries(v.sicbl_boundaries, "CCG21CD", "CCG21NM")
        parents = read_ccg_stp_lookup()
    if not v.lsoa11_lookup:
        raise ValueError(f"vintage {v.id} has neither an LSOA 2021 nor an LSOA 2011 lookup")
    icb_polys = read_boundaries(v.icb_boundaries, v.icb_code_field, v.icb_name_field)
    units11 = read_lsoa11_units(v.lsoa11_lookup)
    placed = historic.place(lsoa, units11, sic)
    lsoa["sicbl"] = placed["unit"].to_numpy()
    unknown = set(lsoa["sicbl"]) - set(parents["sicbl"])
    if unknown:
        raise DataError(
            dataset(v.lsoa11_lookup),
            f"sub-ICB/CCG code(s) {sorted(unknown)[:5]} are not in the "
            f"parent lookup: expected every sub-ICB/CCG to have an ICB/STP",
        )
    lsoa = lsoa.merge(parents, on="sicbl", how="left")
    # Regions: ICB → 2023 region, through the April 2023 recodes; STPs through their 2021 region
    # codes.
    if v.id == "2022":
        key = lsoa["icb"].map(lambda c: ICB_ALIASES_2023.get(c, c))
        lsoa["region"] = key.map(icb_region["region"])
    else:
        lsoa["region"] = lsoa.pop("region21").map(lambda c: REGION_ALIASES_2021.get(c, c))
    names = icb_region.drop_duplicates("region").set_index("region")
    lsoa["region_ods"] = lsoa["region"].map(names["region_ods"])
    lsoa["region_name"] = lsoa["region"].map(names["region_name"])
    # Checked against sources that did not place the atoms: the ICB polygons, the 2024 lookup.
    icb_by_point, _ = best_fit(lsoa["_pt"], icb_polys)
    report["assignment"] = historic.assignment_report(
        v.id, v.lsoa11_lookup, lsoa, placed, units11, icb_by_point, ICB_ALIASES_2023
    )
    report["derived"]["lsoa_assignment"] = report["assignment"]["method"]
    return lsoa
