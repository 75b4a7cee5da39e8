"""Profiles on the real atlas, checked against figures published by others (ONS Census 2021 first
results; MHCLG's IoD2025 statistical release and what councils and the press quote from MHCLG's
local authority summaries), never against the files that made them.

MHCLG weights its summaries by its own mid-2022 population denominators, Census 2021 residents
here; so exact LSOA counts (decile 1) must match exactly and rankings by average rank may move
by one place where two districts are within a few ranks of each other.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from ics_maps.analysis import profiles as P
from ics_maps.cli import main
from ics_maps.readers.people import AGE_BANDS

ENGLAND_RESIDENTS = 56_490_091


@pytest.fixture(scope="module")
def lad(atlas_2026):
    t = P.tier_profile(atlas_2026, "lad").set_index("name")
    t["rank_of_avg_rank"] = t["imd_avg_rank"].rank(method="min")  # 1 = lowest = most deprived
    return t


def test_bands_add_up_to_england_and_to_every_unit(atlas_2026):
    eng = P.england_profile(atlas_2026).iloc[0]
    assert eng["residents"] == ENGLAND_RESIDENTS
    assert sum(int(eng[b]) for b in AGE_BANDS) == ENGLAND_RESIDENTS
    for tier in P.PROFILE_TIERS:
        t = P.tier_profile(atlas_2026, tier)
        bands = t[list(AGE_BANDS)].sum(axis=1)
        atlas_res = t["code"].map(atlas_2026.tier(tier).set_index("code")["residents"])
        if tier == "pcn":  # fractional shares; the atlas rounds a PCN's residents
            np.testing.assert_allclose(bands, t["residents"], rtol=1e-9)
            assert np.abs(t["residents"] - atlas_res).max() <= 0.5
            assert t["residents"].sum() == pytest.approx(ENGLAND_RESIDENTS)
        else:
            assert (bands == t["residents"]).all(), tier
            assert (t["residents"] == atlas_res).all(), tier
            assert t["residents"].sum() == ENGLAND_RESIDENTS, tier


def test_england_age_matches_ons_census_first_results(atlas_2026, lad):
    """ONS, Census 2021: 18.4% of England's residents (10.4 million) aged 65 and over, median
    age 40 (first results, June 2022); the districts with the largest shares aged 65+ are North
    Norfolk 33.5%, Rother 32.4% and East Lindsey 30.4% ("Voices of our ageing population",
    November 2022; the June release, from rounded counts, gave North Norfolk 33.4%)."""
    eng = P.england_profile(atlas_2026).iloc[0]
    assert round(eng["age_65_plus_share"] * 100, 1) == 18.4
    assert round(eng["age_65_plus"] / 1e6, 1) == 10.4
    assert 40 <= eng["median_age"] < 41  # ONS's median is in whole years of age
    top = lad["age_65_plus_share"].nlargest(3)
    assert top.index.tolist() == ["North Norfolk", "Rother", "East Lindsey"]
    assert (top * 100).round(1).tolist()[:2] == [33.5, 32.4]
    assert abs(top["East Lindsey"] * 100 - 30.4) < 0.1  # 30.46% here


def test_england_quintile_shares_are_close_to_a_fifth(atlas_2026):
    """Deciles split the 33,755 LSOAs into tenths (3,375 or 3,376 each), not the people: LSOAs
    differ in size, so each national quintile holds close to, but not exactly, 20% of residents."""
    eng = P.england_profile(atlas_2026).iloc[0]
    q = np.array([eng[f"imd_quintile{i}_share"] for i in range(1, 6)])
    assert q.sum() == pytest.approx(1.0)
    assert np.all(np.abs(q - 0.2) < 0.01)
    assert np.any(np.abs(q - 0.2) > 1e-4)
    assert eng["imd_lsoas_decile1"] == 3375 and eng["n_lsoas"] == 33_755


@pytest.mark.parametrize("vintage", ["2026", "2024", "2022", "2021"])
def test_decile1_lsoas_per_icb_sum_to_3375_in_every_vintage(vintage, request):
    from ics_maps.atlas import ensure_atlas

    atlas = (
        request.getfixturevalue(f"atlas_{vintage}")
        if vintage in ("2026", "2024")
        else ensure_atlas(vintage)
    )
    for tier in ("region", "icb", "sicbl"):
        t = P.tier_profile(atlas, tier)
        assert t["imd_lsoas_decile1"].sum() == 3375, (vintage, tier)
        assert t["residents"].sum() == ENGLAND_RESIDENTS, (vintage, tier)
        assert t["imd_avg_score_rank"].max() == len(t) == t["imd_avg_score_rank_of"].iloc[0]
    pcn = P.tier_profile(atlas, "pcn")
    assert pcn["imd_lsoas_decile1"].sum() == pytest.approx(3375)


def test_district_decile1_shares_match_mhclg(lad):
    """MHCLG, IoD2025 statistical release (30 Oct 2025): Middlesbrough, Birmingham, Hartlepool,
    Kingston upon Hull and Manchester are the districts with the highest proportions of LSOAs in
    the most deprived decile; 65% of districts hold at least one. Press reports of MHCLG's
    figures: Middlesbrough 50%; Manchester 41%; Blackpool, Burnley, Knowsley 40%; Blackburn with
    Darwen, Oldham, Liverpool 37%; Pendle 35%; Hyndburn 32%; Halton 31%; and none at all in West
    Berkshire, Reading, Wokingham, Slough, Bracknell Forest, Windsor and Maidenhead."""
    top = lad["imd_prop_lsoas_decile1"].nlargest(5).index.tolist()
    assert top == [
        "Middlesbrough",
        "Birmingham",
        "Hartlepool",
        "Kingston upon Hull, City of",
        "Manchester",
    ]
    assert round((lad["imd_lsoas_decile1"] > 0).mean() * 100) == 65
    quoted = {
        "Middlesbrough": 50,
        "Manchester": 41,
        "Blackpool": 40,
        "Burnley": 40,
        "Knowsley": 40,
        "Blackburn with Darwen": 37,
        "Oldham": 37,
        "Liverpool": 37,
        "Pendle": 35,
        "Hyndburn": 32,
        "Halton": 31,
    }
    got = {name: round(lad.loc[name, "imd_prop_lsoas_decile1"] * 100) for name in quoted}
    assert got == quoted
    berkshire = [
        "West Berkshire",
        "Reading",
        "Wokingham",
        "Slough",
        "Bracknell Forest",
        "Windsor and Maidenhead",
    ]
    assert (lad.loc[berkshire, "imd_lsoas_decile1"] == 0).all()


def test_most_deprived_districts_by_average_rank_match_mhclg(atlas_2026, lad):
    """Lancashire County Council (Lancashire Insight, IoD2025, ranks of average rank): of the 296
    districts Blackpool is 1st, Burnley 4th, Blackburn with Darwen 11th, Pendle 13th, Hyndburn
    16th; of the 153 counties and unitaries Lancashire is 84th."""
    rank = lad["rank_of_avg_rank"]
    assert rank.idxmin() == "Blackpool" and rank["Burnley"] == 4
    published = {"Blackburn with Darwen": 11, "Pendle": 13, "Hyndburn": 16}
    for name, place in published.items():
        assert abs(rank[name] - place) <= 1, (name, rank[name])
    utla = P.tier_profile(atlas_2026, "utla").set_index("name")
    assert utla["imd_avg_rank"].rank(method="min")["Lancashire"] == 84


def test_pcns_carry_their_catchment_method(atlas_2026):
    t = P.tier_profile(atlas_2026, "pcn")
    assert len(t) == len(atlas_2026.tier("pcn"))
    assert set(t["method"]) <= {"registrations", "modelled", "none"}
    assert (
        (t["method"] == "registrations").sum()
        == (atlas_2026.tier("pcn")["method"] == "registrations").sum()
        > 0
    )
    assert t["imd_avg_score_rank"].max() == len(t)  # every PCN has residents in 2026


def test_export_profile_cli_writes_one_row_per_unit(atlas_2026, tmp_path):
    out = tmp_path / "icb_profile.csv"
    assert main(["export", "profile", "--tier", "icb", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(atlas_2026.tier("icb")) == 36
    assert list(rows[0]) == list(P.PROFILE_COLUMNS)
    assert sum(int(r["residents"]) for r in rows) == ENGLAND_RESIDENTS
    assert sum(int(r["imd_lsoas_decile1"]) for r in rows) == 3375
    assert main(["export", "profile", "--tier", "pcn", "--out", str(tmp_path / "p.csv")]) == 0
    with (tmp_path / "p.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh))[-1] == "method"
