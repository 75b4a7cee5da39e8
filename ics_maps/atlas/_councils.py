"""Councils: districts and counties/unitaries (May 2023), districts placed in counties, and the one
LSOA whose best-fit district is plainly wrong moved to its own."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from ics_maps.atlas._placement import best_fit
from ics_maps.errors import DataError, DataWarning
from ics_maps.readers import read_boundaries
from ics_maps.sources.catalogue import dataset


def council_tiers(lsoa: gpd.GeoDataFrame, report: dict):
    """LAD polygons (May 2023 = LAD24 codes in England) and upper tier with districts placed in
    counties.

    There is no LAD → county lookup in the mirror: each district goes to the county holding most of
    its LSOA points, and the derivation is verified (every district wholly in one county).
    """
    lad = read_boundaries("lad_2023_buc", "LAD23CD", "LAD23NM", prefix=("E06", "E07", "E08", "E09"))
    cty = read_boundaries(
        "ctyua_2023_buc", "CTYUA23CD", "CTYUA23NM", prefix=("E06", "E08", "E09", "E10")
    )
    ds = dataset("lad_2023_buc")
    lk = set(lsoa["lad"])
    if lk != set(lad["code"]):
        raise DataError(
            ds, f"LAD codes differ from the LSOA lookup: {sorted(lk ^ set(lad['code']))[:5]}"
        )
    lsoa = _correct_districts(lsoa, lad, report)
    districts = lsoa["lad"].str.startswith("E07")
    county_of_point, _ = best_fit(
        lsoa.loc[districts, "_pt"], cty[cty["code"].str.startswith("E10")]
    )
    votes = pd.DataFrame({"lad": lsoa.loc[districts, "lad"].to_numpy(), "county": county_of_point})
    tally = votes.value_counts().rename("n").reset_index().sort_values("n", ascending=False)
    best = tally.drop_duplicates("lad").set_index("lad")
    share = best["n"] / votes.groupby("lad").size()
    report["coverage"]["district_lsoa_points_in_assigned_county"] = float(
        best["n"].sum() / len(votes)
    )
    report["derived"]["utla"] = (
        "districts (E07) placed in counties (E10) by the county holding most of "
        f"their LSOA points; lowest agreement {share.min():.3f}"
    )
    if share.min() < 0.9:
        warnings.warn(
            f"district(s) {share[share < 0.9].index.tolist()} straddle counties",
            DataWarning,
            stacklevel=2,
        )
    lsoa["utla"] = lsoa["lad"].where(~districts, lsoa["lad"].map(best["county"]))
    lad["utla"] = lad["code"].where(
        ~lad["code"].str.startswith("E07"), lad["code"].map(best["county"])
    )
    empty = set(cty["code"]) - set(lsoa["utla"])
    if empty:
        raise DataError(
            dataset("ctyua_2023_buc"), f"upper-tier area(s) {sorted(empty)} received no LSOA"
        )
    lad["derived"] = False
    cty["derived"] = False
    return lad, cty, lsoa


def _correct_districts(
    lsoa: gpd.GeoDataFrame, lad: gpd.GeoDataFrame, report: dict
) -> gpd.GeoDataFrame:
    """Move an LSOA to its own district where the lookup's best-fit district is plainly wrong.

    Why: the mirror's LAD column comes from ONS's best-fit LSOA → ward lookup, which puts one LSOA
    ("West Northamptonshire 048E", 96 % of its area in West Northamptonshire) in a Cherwell ward;
    left alone it made Cherwell, and so Oxfordshire, look split across three ICBs. LSOAs 2021 nest
    in districts and are named after theirs, so an LSOA whose lookup district differs from the
    district most LSOAs of its name are in, *and* whose inner point lies in that named district's
    polygon, is moved there. The moves are listed in the build report."""
    prefix = lsoa["name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    pairs = (
        pd.DataFrame({"prefix": prefix, "lad": lsoa["lad"]})
        .value_counts()
        .rename("n")
        .reset_index()
    )
    named = (
        pairs.sort_values("n", ascending=False).drop_duplicates("prefix").set_index("prefix")["lad"]
    )
    expected = prefix.map(named)
    odd = (lsoa["lad"] != expected).to_numpy()
    moves: list[dict] = []
    if odd.any():
        by_point, _ = best_fit(lsoa.loc[odd, "_pt"], lad)
        fix = np.zeros(len(lsoa), dtype=bool)
        fix[np.flatnonzero(odd)] = by_point == expected[odd].to_numpy()
        names = lad.set_index("code")["name"]
        for i in np.flatnonzero(fix):
            moves.append(
                {
                    "lsoa": lsoa["code"].iat[i],
                    "name": lsoa["name"].iat[i],
                    "lookup_lad": lsoa["lad"].iat[i],
                    "lad": expected.iat[i],
                }
            )
        lsoa.loc[fix, "lad"] = expected[fix]
        lsoa.loc[fix, "lad_name"] = expected[fix].map(names)
    report["corrections"] = {"lsoa_district_moved_from_best_fit_ward_lookup": moves}
    if moves:
        report["derived"]["lad_lsoa"] = (
            f"{len(moves)} LSOA(s) moved from the district of ONS's best-fit ward "
            "lookup to the district they are named after and lie in"
        )
    return lsoa
