"""Historic vintages and crosswalks on the real mirror, each checked against a source that did not
make the figure.

* 2022 is placed by the ONS LSOA 2011 -> SICBL22 lookup (atlas/_historic_placement.py) and checked
  against the ONS LSOA 2021 -> ICB24 lookup, read here straight from the mirror. ICB areas were
  meant to be unchanged July 2022 -> March 2026, but the two lookups differ on 4 LSOAs that kept
  their code, Chichester 001A-D (6,696 residents): Surrey Heartlands in 2022, Sussex in 2024. That
  is the April 2023 boundary change behind the two ICB recodes E54000052 -> E54000063 and
  E54000053 -> E54000064 (GSS codes change when a boundary does), so 2022 splits Chichester as
  well as 2024's 12 districts.
* 2021 is placed by the ONS LSOA 2011 -> CCG21 lookup and checked against published facts: the 2021
  national reviews moved Glossop (High Peak) from Greater Manchester to Derbyshire, and West
  Birmingham from the Black Country to Birmingham and Solihull, in July 2022, so in April 2021 those
  districts were split between STPs; Redbridge, Richmond upon Thames, Leeds, Hackney, Luton and
  Slough were not.
* 2024 -> 2026 is checked against ICB_CHANGES_2026.md (10,207 LSOAs changing ICB, recorded for the
  ONS original lookup by another project) and against the third-party SICBL24 -> SICBL26 crosswalk
  (SOURCES.md 10c, mid-2022 populations). Caveat: the mirror's 2026 lookup was itself derived with
  that crosswalk for 105 of 106 SICBLs (SOURCES.md 10b), so only the Frimley split (placed by ICB26
  polygons there) is an independent comparison; the pair list and shares are still checked.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ics_maps import readers as R
from ics_maps.analysis.crosswalk import changed_lsoas, crosswalk, summarise
from ics_maps.analysis.nesting import coterminosity
from ics_maps.atlas import ensure_atlas
from ics_maps.atlas._placement import ICB_ALIASES_2023
from ics_maps.paths import mirror_root

SPLIT_2024 = {
    "Buckinghamshire",
    "Cumberland",
    "East Suffolk",
    "Guildford",
    "Hart",
    "North Hertfordshire",
    "North Yorkshire",
    "Runnymede",
    "Surrey Heath",
    "Vale of White Horse",
    "Waverley",
    "Westmorland and Furness",
}


@pytest.fixture(scope="module")
def atlas_2022():
    return ensure_atlas("2022")


@pytest.fixture(scope="module")
def atlas_2021():
    return ensure_atlas("2021")


def split_districts(atlas) -> set[str]:
    t = coterminosity(atlas, "lad", "icb", "population", 0.0)
    return set(t.loc[t["relationship"] == "split", "child_name"])


def test_2024_splits_the_twelve_districts(atlas_2024):
    assert split_districts(atlas_2024) == SPLIT_2024


def test_2022_splits_the_same_districts_as_2024_plus_chichester(atlas_2022):
    assert split_districts(atlas_2022) == SPLIT_2024 | {"Chichester"}


def test_2022_atoms_agree_with_the_ons_2024_lookup_but_for_chichester(atlas_2022):
    ons24 = R.read_lsoa_lookup("lsoa21_sicbl24_lookup").set_index("lsoa")["icb"]
    lsoa = atlas_2022.lsoa
    mine = lsoa["icb"].map(lambda c: ICB_ALIASES_2023.get(c, c))
    differ = lsoa[mine.to_numpy() != lsoa["code"].map(ons24).to_numpy()]
    assert sorted(differ["name"]) == [
        "Chichester 001A",
        "Chichester 001B",
        "Chichester 001C",
        "Chichester 001D",
    ]
    assert set(differ["icb"]) == {"E54000052"} and int(differ["residents"].sum()) == 6_696
    fit = atlas_2022.meta["assignment"]
    assert fit["rules"]["same_code"]["lsoas"] == 31_810  # LSOA 2021 codes unchanged since 2011
    assert sum(r["lsoas"] for r in fit["rules"].values()) == 33_755
    assert fit["msoa_siblings_leave_one_out"]["accuracy"] > 0.999
    assert fit["checks"][1]["lsoas_differ"] == 4


def test_2021_stp_splits_are_the_real_ones(atlas_2021):
    split = split_districts(atlas_2021)
    assert {"High Peak", "Birmingham", "North Northamptonshire"} <= split
    assert not split & {"Redbridge", "Richmond upon Thames", "Leeds", "Hackney", "Luton", "Slough"}
    # Every other split is one of 2024's, or Chichester (Surrey Heartlands CCG until April 2023).
    assert split - {"High Peak", "Birmingham", "North Northamptonshire"} == SPLIT_2024 | {
        "Chichester"
    }


def test_2021_glossop_and_west_birmingham_moved_in_july_2022(atlas_2021, atlas_2022):
    t = crosswalk(atlas_2021, atlas_2022, "icb").set_index(["from_code", "to_code"])
    glossop = t.loc[("E54000007", "E54000058")]  # Greater Manchester -> Derby and Derbyshire
    west_bham = t.loc[("E54000016", "E54000055")]  # Black Country and West Birmingham -> BSol
    bassetlaw = t.loc[("E54000009", "E54000060")]  # South Yorkshire and Bassetlaw -> Notts
    assert glossop["change"] == west_bham["change"] == bassetlaw["change"] == "boundary"
    lad = atlas_2021.tier("lad").set_index("name")["residents"]
    assert bassetlaw["residents"] == lad["Bassetlaw"]  # the whole district moved
    assert 0 < glossop["residents"] < lad["High Peak"] / 2


def test_icb_2024_to_2026(atlas_2024, atlas_2026):
    t = crosswalk(atlas_2024, atlas_2026, "icb")
    s = summarise(t)
    assert (s["from_units"], s["to_units"]) == (42, 36)
    assert (s["unchanged"], s["merged"], s["split"], s["boundary"], s["recoded"]) == (
        29,
        9,
        3,
        1,
        0,
    )
    assert s["new_units"] == 6  # 12 abolished, 6 new (ICB_CHANGES_2026.md); HIOW continues
    per = t.drop_duplicates("from_code").set_index("from_code")["change"]
    assert per[per == "split"].index.tolist() == [
        "E54000023",
        "E54000025",
        "E54000034",
    ]  # SNEE, HWE, Frimley
    assert (
        per["E54000042"] == "boundary"
    )  # Hampshire and Isle of Wight: gained part of Frimley, new code
    merged = {
        "E54000022",
        "E54000024",
        "E54000026",
        "E54000027",
        "E54000028",
        "E54000044",
        "E54000056",
        "E54000063",
        "E54000064",
    }
    assert set(per[per == "merged"].index) == merged
    shares = {
        k: round(v, 3)
        for k, v in t[t["change"] == "split"]
        .set_index(["from_code", "to_code"])["share_of_from"]
        .items()
    }
    assert shares == {
        ("E54000023", "E54000068"): 0.654,
        ("E54000023", "E54000066"): 0.346,
        ("E54000025", "E54000065"): 0.787,
        ("E54000025", "E54000066"): 0.213,
        ("E54000034", "E54000070"): 0.571,
        ("E54000034", "E54000067"): 0.228,
        ("E54000034", "E54000069"): 0.201,
    }
    changed = changed_lsoas(atlas_2024, atlas_2026, "icb", t)
    assert len(changed) == 10_207  # ICB_CHANGES_2026.md (D7: the ONS original's manifest)
    n = changed.groupby(["from_code", "to_code"]).size()
    assert (n[("E54000023", "E54000068")], n[("E54000023", "E54000066")]) == (
        377,
        206,
    )  # Suffolk, NE Essex
    assert (n[("E54000025", "E54000065")], n[("E54000025", "E54000066")]) == (
        702,
        185,
    )  # Herts, West Essex
    assert (
        n[("E54000034", "E54000070")],
        n[("E54000034", "E54000067")],
        n[("E54000034", "E54000069")],
    ) == (255, 105, 95)


def test_sicbl_2024_to_2026_against_the_third_party_crosswalk(atlas_2024, atlas_2026):
    t = crosswalk(atlas_2024, atlas_2026, "sicbl")
    theirs = pd.read_csv(
        mirror_root() / "crosswalk_sicbl24_sicbl26_2026" / "crosswalk_sicbl24_to_sicbl26.csv"
    )
    mine = t.set_index(["from_code", "to_code"])
    ref = theirs.set_index(["SICBL24CD", "SICBL26CD"])
    assert set(mine.index) == set(ref.index)  # 108 pairs
    # Shares differ only by the population used (Census 2021 here, mid-2022 there): within 0.005.
    diff = (mine["share_of_from"] - ref["share_of_24"].reindex(mine.index)).abs()
    assert diff.max() < 0.005
    changed = mine["change"].isin(["boundary", "split"])
    assert (
        changed.to_numpy().tolist()
        == ref["boundary_changed"].reindex(mine.index).to_numpy().tolist()
    )
    s = summarise(t)
    assert (s["unchanged"], s["recoded"], s["boundary"], s["split"], s["merged"]) == (
        81,
        22,
        2,
        1,
        0,
    )


def test_regions_did_not_change_2024_to_2026_but_did_in_july_2022(
    atlas_2024, atlas_2026, atlas_2021, atlas_2022
):
    assert summarise(crosswalk(atlas_2024, atlas_2026, "region"))["unchanged"] == 7
    s = summarise(crosswalk(atlas_2021, atlas_2022, "region"))
    # Glossop (North West), Bassetlaw (North East and Yorkshire) and the Cambridgeshire and
    # Peterborough LSOAs of North Northamptonshire (East of England) moved into the Midlands.
    assert (s["unchanged"], s["boundary"]) == (3, 4)
