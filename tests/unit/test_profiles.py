"""Profiles on the toy atlas with hand-chosen people, every expected figure worked out by hand.

People added to the toy's eight LSOAs (residents as in toy_atlas.py; bands add up to them):

    LSOA res  bands (age: residents)               IMD score  rank    decile  (quintile)
    L1   100  0-4: 20, 15-19: 50, 40-44: 30         50         100     1       (1)
    L2   200  20-24: 100, 85+: 100                  40         4000    2       (1)
    L3   300  30-34: 300                            30         8000    3       (2)
    L4   400  10-14: 100, 65-69: 300                20         15000   5       (3)
    L5   500  40-44: 500                            10         25000   8       (4)
    L6   600  15-19: 100, 50-54: 500                 5         33000   10      (5)
    L7   700  70-74: 700                            45         200     1       (1)
    L8   800  0-4: 400, 35-39: 400                  25         11000   4       (2)

Domain k (income = 1 … living environment = 7) scores IMD score + k in every LSOA, so a unit's
domain averages are its IMD average + k: a domain mixed up with another shows.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from toy_atlas import toy_atlas

from ics_maps.analysis import profiles as P
from ics_maps.presentation.export import safe_csv
from ics_maps.readers.people import AGE_BANDS, DOMAINS

BANDS = {
    "L1": {"age_0_4": 20, "age_15_19": 50, "age_40_44": 30},
    "L2": {"age_20_24": 100, "age_85_plus": 100},
    "L3": {"age_30_34": 300},
    "L4": {"age_10_14": 100, "age_65_69": 300},
    "L5": {"age_40_44": 500},
    "L6": {"age_15_19": 100, "age_50_54": 500},
    "L7": {"age_70_74": 700},
    "L8": {"age_0_4": 400, "age_35_39": 400},
}
IMD = {
    "L1": (50.0, 100, 1),
    "L2": (40.0, 4000, 2),
    "L3": (30.0, 8000, 3),
    "L4": (20.0, 15000, 5),
    "L5": (10.0, 25000, 8),
    "L6": (5.0, 33000, 10),
    "L7": (45.0, 200, 1),
    "L8": (25.0, 11000, 4),
}


def add_people(lsoa: pd.DataFrame) -> pd.DataFrame:
    codes = lsoa["code"]
    for band in AGE_BANDS:
        lsoa[band] = [BANDS[c].get(band, 0) for c in codes]
    assert (lsoa[list(AGE_BANDS)].sum(axis=1) == lsoa["residents"]).all()
    lsoa["imd_score"] = [IMD[c][0] for c in codes]
    lsoa["imd_rank"] = [IMD[c][1] for c in codes]
    lsoa["imd_decile"] = [IMD[c][2] for c in codes]
    for k, d in enumerate(DOMAINS, start=1):
        lsoa[f"{d}_score"] = lsoa["imd_score"] + k
        lsoa[f"{d}_rank"] = lsoa["imd_rank"]
        lsoa[f"{d}_decile"] = lsoa["imd_decile"]
    return lsoa


@pytest.fixture()
def atlas():
    a = toy_atlas()
    add_people(a.tiers["lsoa"])
    return a


def row(table: pd.DataFrame, code: str) -> pd.Series:
    return table.set_index("code").loc[code]


def test_icb_profile_by_hand(atlas):
    t = P.tier_profile(atlas, "icb")
    assert list(t.columns) == list(P.PROFILE_COLUMNS)
    i1, i2 = row(t, "I1"), row(t, "I2")
    # I1 = L1 L2 L5 L6: 1,400 residents
    assert i1["residents"] == 1400 and i1["name"] == "Name I1"
    bands = (i1["age_0_4"], i1["age_15_19"], i1["age_40_44"], i1["age_85_plus"])
    assert bands == (20, 150, 530, 100)
    assert i1["age_0_17"] == pytest.approx(20 + 0.6 * 150)  # 3/5 of 15-19
    assert i1["age_18_64"] == pytest.approx(0.4 * 150 + 100 + 530 + 500)
    assert i1["age_65_plus"] == 100
    assert i1["age_0_17_share"] == pytest.approx(110 / 1400)
    assert i1["age_18_64_share"] == pytest.approx(1190 / 1400)
    assert i1["age_65_plus_share"] == pytest.approx(100 / 1400)
    assert i1["age_85_plus_share"] == pytest.approx(100 / 1400)
    # the 700th resident is in 40-44: 270 below it, 530 in it
    assert i1["median_age"] == pytest.approx(40 + 5 * (700 - 270) / 530)
    # deprivation: population-weighted score, LSOAs in decile 1, residents by quintile
    assert i1["imd_avg_score"] == pytest.approx((100 * 50 + 200 * 40 + 500 * 10 + 600 * 5) / 1400)
    assert i2["imd_avg_score"] == pytest.approx((300 * 30 + 400 * 20 + 700 * 45 + 800 * 25) / 2200)
    assert i1["imd_avg_rank"] == pytest.approx(
        (100 * 100 + 200 * 4000 + 500 * 25000 + 600 * 33000) / 1400
    )
    assert (i1["n_lsoas"], i1["imd_lsoas_decile1"], i1["imd_prop_lsoas_decile1"]) == (4, 1, 0.25)
    q1 = [i1[f"imd_quintile{q}_share"] for q in range(1, 6)]
    assert q1 == pytest.approx([300 / 1400, 0, 0, 500 / 1400, 600 / 1400])
    q2 = [i2[f"imd_quintile{q}_share"] for q in range(1, 6)]
    assert q2 == pytest.approx([700 / 2200, 1100 / 2200, 400 / 2200, 0, 0])
    d1 = [i1[f"imd_decile{d}_share"] for d in range(1, 11)]
    assert d1 == pytest.approx([100 / 1400, 200 / 1400, 0, 0, 0, 0, 0, 500 / 1400, 0, 600 / 1400])
    for k, d in enumerate(DOMAINS, start=1):
        assert i1[f"{d}_avg_score"] == pytest.approx(15.0 + k)
    # I2 (31.1) is more deprived than I1 (15.0): rank 1 of 2
    assert (i2["imd_avg_score_rank"], i1["imd_avg_score_rank"]) == (1, 2)
    assert (i1["imd_avg_score_rank_of"], i2["imd_avg_score_rank_of"]) == (2, 2)


def test_pcn_split_across_lsoas_uses_shares(atlas):
    t = P.tier_profile(atlas, "pcn")
    assert list(t.columns) == [*P.PROFILE_COLUMNS, "method"]
    p1, p2, p3 = row(t, "P1"), row(t, "P2"), row(t, "P3")
    # P2 = half of L2, all of L6, a quarter of L3: 100 + 600 + 75 residents
    assert p2["residents"] == pytest.approx(775)
    assert (p2["age_20_24"], p2["age_85_plus"], p2["age_30_34"]) == pytest.approx((50, 50, 75))
    assert p2["age_0_17"] == pytest.approx(0.6 * 100)
    assert p2["age_85_plus_share"] == pytest.approx(50 / 775)
    assert p2["median_age"] == pytest.approx(50 + 5 * (387.5 - 225) / 500)
    assert p2["imd_avg_score"] == pytest.approx((100 * 40 + 600 * 5 + 75 * 30) / 775)
    assert p2["n_lsoas"] == pytest.approx(1.75)
    q = [p2[f"imd_quintile{i}_share"] for i in range(1, 6)]
    assert q == pytest.approx([100 / 775, 75 / 775, 0, 0, 600 / 775])
    # decile-1 LSOAs counted by share: P1 holds all of L1 (decile 1) out of 1 + 0.5 + 1 LSOAs
    assert (p1["imd_lsoas_decile1"], p1["n_lsoas"]) == pytest.approx((1, 2.5))
    assert p1["imd_prop_lsoas_decile1"] == pytest.approx(0.4)
    assert p1["imd_avg_score"] == pytest.approx((100 * 50 + 100 * 40 + 500 * 10) / 700)
    assert p3["imd_avg_score"] == pytest.approx((225 * 30 + 400 * 20 + 700 * 45 + 800 * 25) / 2125)
    ranks = [p3["imd_avg_score_rank"], p1["imd_avg_score_rank"], p2["imd_avg_score_rank"]]
    assert ranks == [1, 2, 3]
    assert set(t["method"]) == {"toy"}
    # every PCN's residents match the atlas's own PCN residents (the same weights)
    assert t.set_index("code")["residents"].to_dict() == pytest.approx(
        atlas.tier("pcn").set_index("code")["residents"].to_dict()
    )


def test_every_tier_adds_up_to_england(atlas):
    eng = P.england_profile(atlas).iloc[0]
    assert (eng["code"], eng["name"], eng["residents"]) == ("E92000001", "England", 3600)
    assert eng["imd_avg_score"] == pytest.approx((21000 + 68500) / 3600)
    assert pd.isna(eng["imd_avg_score_rank"]) and pd.isna(eng["imd_avg_score_rank_of"])
    assert eng["imd_lsoas_decile1"] == 2 and eng["n_lsoas"] == 8
    for tier in P.PROFILE_TIERS:
        t = P.tier_profile(atlas, tier)
        assert t["residents"].sum() == pytest.approx(3600), tier
        for band in AGE_BANDS:
            assert t[band].sum() == pytest.approx(eng[band]), (tier, band)
        weighted = (t["imd_avg_score"] * t["residents"]).sum() / 3600
        assert weighted == pytest.approx(eng["imd_avg_score"]), tier


def test_best_fit_counts_are_whole_numbers(atlas):
    t = P.tier_profile(atlas, "lad")
    for col in ("residents", *AGE_BANDS, "n_lsoas", "imd_lsoas_decile1"):
        assert t[col].dtype == np.int64, col
    assert P.tier_profile(atlas, "pcn")["residents"].dtype == float


def test_custom_weights_match_the_tier_and_keep_named_units(atlas):
    w = P.tier_weights(atlas, "sicbl")
    assert set(w.columns) == {"unit", "lsoa", "share"}
    same = P.profile_table(atlas, w, names=atlas.tier("sicbl")[["code", "name"]])
    pd.testing.assert_frame_equal(same, P.tier_profile(atlas, "sicbl"))
    # a user-drawn unit: all of L1 and half of L8, and a named unit with no weights at all
    custom = pd.DataFrame({"unit": ["X", "X"], "lsoa": ["L1", "L8"], "share": [1.0, 0.5]})
    t = P.profile_table(atlas.lsoa, custom, names={"X": "My area", "EMPTY": "Nobody"})
    assert t["code"].tolist() == ["X", "EMPTY"]
    x = row(t, "X")
    assert x["name"] == "My area" and x["residents"] == pytest.approx(500)
    assert x["imd_avg_score"] == pytest.approx((100 * 50 + 400 * 25) / 500)
    assert x["age_0_4"] == pytest.approx(220)
    assert x["imd_avg_score_rank"] == 1 and x["imd_avg_score_rank_of"] == 1


def test_units_without_residents_get_missing_values_not_errors(atlas):
    lsoa = atlas.lsoa.copy()
    empty = lsoa.iloc[[0]].copy()
    empty["code"] = "L9"
    empty[["residents", *AGE_BANDS]] = 0
    people = pd.concat([lsoa, empty], ignore_index=True)
    w = pd.DataFrame({"unit": ["Z", "A"], "lsoa": ["L9", "L1"], "share": [1.0, 1.0]})
    with np.errstate(all="raise"):  # no division warnings either
        t = P.profile_table(people, w, names={"Z": "Empty LSOA", "N": "No LSOA"})
    z, n = row(t, "Z"), row(t, "N")
    assert z["residents"] == 0 and n["residents"] == 0
    assert z["n_lsoas"] == 1 and z["imd_prop_lsoas_decile1"] == 1.0  # L9 copies L1: decile 1
    assert n["n_lsoas"] == 0 and np.isnan(n["imd_prop_lsoas_decile1"])
    for r in (z, n):
        for col in (
            "age_0_17_share",
            "age_65_plus_share",
            "median_age",
            "imd_avg_score",
            "imd_avg_rank",
            "imd_quintile1_share",
            "income_avg_score",
        ):
            assert np.isnan(r[col]), col
        assert pd.isna(r["imd_avg_score_rank"])
    assert row(t, "A")["imd_avg_score_rank"] == 1
    assert (t["imd_avg_score_rank_of"] == 1).all()  # only the unit with residents is ranked


def test_median_within_a_band():
    bands = np.zeros((4, 18))
    bands[0, [0, 1]] = 50  # the middle resident ends band 0-4 exactly
    bands[1, 17] = 10  # all 85+: the open band taken as 85-90
    bands[2, [3, 8]] = [30, 10]  # 20 of 30 in 15-19 below the middle
    assert P.median_age(bands)[:3] == pytest.approx([5.0, 87.5, 15 + 5 * 20 / 30])
    assert np.isnan(P.median_age(bands)[3])


def test_bad_weights_are_refused_with_the_rows(atlas):
    good = {"unit": ["X"], "lsoa": ["L1"], "share": [1.0]}
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['share'\]"):
        P.profile_table(atlas, pd.DataFrame({"unit": ["X"], "lsoa": ["L1"]}))
    with pytest.raises(ValueError, match=r"share must be a number in \[0, 1\].*'L1', 'share': 1.5"):
        P.profile_table(atlas, pd.DataFrame({**good, "share": [1.5]}))
    with pytest.raises(ValueError, match=r"not atoms of this atlas.*\['E01999999'\]"):
        P.profile_table(atlas, pd.DataFrame({**good, "lsoa": ["E01999999"]}))
    with pytest.raises(ValueError, match=r"no profiles for tier 'practice'"):
        P.tier_profile(atlas, "practice")


def test_atlas_without_people_asks_for_a_rebuild():
    with pytest.raises(ValueError, match=r"rebuild the atlas"):
        P.tier_profile(toy_atlas(), "icb")


def test_csv_keeps_scores_and_proportions_precise(atlas):
    rows = {
        r["code"]: r
        for r in csv.DictReader(io.StringIO(safe_csv(P.tier_profile(atlas, "pcn")).decode()))
    }
    p3 = rows["P3"]  # L7 (decile 1) of 3.75 LSOAs; score 66,250 / 2,125
    assert p3["imd_prop_lsoas_decile1"] == "0.266667"
    assert p3["imd_avg_score"] == "31.176" and p3["income_avg_score"] == "32.176"
    assert p3["residents"] == "2125"  # whole here, so written as an integer
    assert rows["P1"]["median_age"] == "42.17"  # 40 + 5 × 230 / 530
