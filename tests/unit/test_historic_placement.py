"""Placement of LSOA 2021 atoms by an LSOA 2011 lookup, on hand-built atoms with known answers.

Ten 1 km squares in a row (x = 0..9 km); the old units are A = x 0-4 and B = x 5-9.

    code  name        sicbl24  kept its 2011 code?   expected unit, rule
    E1    "Ash 001A"  S1       yes (lookup: A)       A  same_code
    E2    "Ash 001B"  S1       yes (A)               A  same_code
    N3    "Ash 001C"  S1       no                    A  msoa_siblings (Ash 001: A, A)
    N4    "Ash 002A"  S1       no                    A  same_2024_unit (Ash 002 has no kept LSOA;
                                                         S1's kept LSOAs E1, E2 are all in A)
    E5    "Ash 003A"  S2       yes (B)               B  same_code
    E6    "Ash 003B"  S2       yes (A)               A  same_code (Ash 003 is divided: A and B)
    N7    "Ash 003C"  S2       no                    -> S2 holds A and B too: area_majority
    E8..E10 "Bay 001A-C" S3    yes (B)               B  same_code
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from ics_maps.atlas._historic_placement import (
    area_majority,
    carry_lookup,
    msoa_of,
    place,
    rule_counts,
    sibling_rule_accuracy,
)

CRS = "EPSG:27700"
ATOMS = [  # code, name, sicbl24
    ("E1", "Ash 001A", "S1"),
    ("E2", "Ash 001B", "S1"),
    ("N3", "Ash 001C", "S1"),
    ("N4", "Ash 002A", "S1"),
    ("E5", "Ash 003A", "S2"),
    ("E6", "Ash 003B", "S2"),
    ("N7", "Ash 003C", "S2"),
    ("E8", "Bay 001A", "S3"),
    ("E9", "Bay 001B", "S3"),
    ("E10", "Bay 001C", "S3"),
]
LOOKUP = {
    "E1": "A",
    "E2": "A",
    "E5": "B",
    "E6": "A",
    "E8": "B",
    "E9": "B",
    "E10": "B",
    "OLD1": "A",
}  # OLD1: an LSOA 2011 that no longer exists (split in 2021)


def atoms() -> gpd.GeoDataFrame:
    df = pd.DataFrame(ATOMS, columns=["code", "name", "sicbl24"])
    df["residents"] = [1000 + 100 * i for i in range(len(df))]
    return gpd.GeoDataFrame(
        df, geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(len(df))], crs=CRS
    )


def units11() -> pd.DataFrame:
    return pd.DataFrame({"lsoa11": list(LOOKUP), "unit": list(LOOKUP.values())})


def polygons() -> gpd.GeoDataFrame:
    # N7 (x 6-7 km) lies 30 % in A's polygon and 70 % in B's: B by area (its point-in-polygon
    # neighbours would say otherwise only if the edge moved).
    return gpd.GeoDataFrame(
        {"code": ["A", "B"]}, geometry=[box(0, 0, 6300, 1000), box(6300, 0, 10000, 1000)], crs=CRS
    )


def test_msoa_is_the_name_without_its_letter():
    assert msoa_of(
        pd.Series(["Leeds 012G", "Bournemouth, Christchurch and Poole 019D "])
    ).tolist() == ["Leeds 012", "Bournemouth, Christchurch and Poole 019"]


def test_rules_in_order():
    got = carry_lookup(atoms(), units11()).set_index("code")
    got = got.astype(object).where(got.notna(), None)
    assert got["unit"].to_dict() == {
        "E1": "A",
        "E2": "A",
        "N3": "A",
        "N4": "A",
        "E5": "B",
        "E6": "A",
        "N7": None,
        "E8": "B",
        "E9": "B",
        "E10": "B",
    }
    assert got["rule"].to_dict() == {
        "E1": "same_code",
        "E2": "same_code",
        "N3": "msoa_siblings",
        "N4": "same_2024_unit",
        "E5": "same_code",
        "E6": "same_code",
        "N7": None,
        "E8": "same_code",
        "E9": "same_code",
        "E10": "same_code",
    }


def test_place_falls_back_to_area_majority():
    got = place(atoms(), units11(), polygons()).set_index("code")
    assert (got.loc["N7", "unit"], got.loc["N7", "rule"]) == ("B", "area_majority")
    assert got["unit"].notna().all()


def test_area_majority_and_nearest_off_the_coast():
    a = atoms()
    sea = gpd.GeoDataFrame({"code": ["X"]}, geometry=[box(20_000, 0, 21_000, 1000)], crs=CRS)
    out = area_majority(
        pd.concat([a.iloc[[0, 6]], sea]).pipe(gpd.GeoDataFrame, crs=CRS), polygons()
    )
    assert out.to_dict() == {"E1": "A", "N7": "B", "X": "B"}  # X touches nothing: nearest polygon
    with pytest.raises(ValueError, match="reproject"):
        area_majority(a.to_crs(4326), polygons())


def test_rule_counts_and_residents():
    placed = place(atoms(), units11(), polygons())
    counts = rule_counts(placed, atoms()["residents"])
    assert {k: (v["lsoas"], v["residents"]) for k, v in counts.items()} == {
        "same_code": (7, 1000 + 1100 + 1400 + 1500 + 1700 + 1800 + 1900),
        "msoa_siblings": (1, 1200),
        "same_2024_unit": (1, 1300),
        "area_majority": (1, 1600),
    }


def test_sibling_rule_tested_leave_one_out():
    # Kept LSOAs with siblings: E1, E2 (Ash 001: the other says A: right); E5, E6 (Ash 003:
    # the other says A for E5, wrong; B for E6, wrong); E8-E10 (Bay 001: B, right).
    acc = sibling_rule_accuracy(atoms(), units11())
    assert acc == {"tested_lsoas": 7, "rule_applies": 7, "right": 5, "wrong": 2, "accuracy": 5 / 7}


def test_duplicate_lookup_codes_are_refused():
    bad = pd.concat([units11(), pd.DataFrame({"lsoa11": ["E1"], "unit": ["B"]})])
    with pytest.raises(ValueError, match="repeats code"):
        carry_lookup(atoms(), bad)
