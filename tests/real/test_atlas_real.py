"""The atlas built from the real ONS and NHS files reproduces published counts and totals."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CENSUS_ENGLAND = 56_490_091  # Census 2021 usual residents, sum of English LSOAs (Nomis TS007A)


def test_2024_counts_match_published(atlas_2024):
    counts = {t: len(g) for t, g in atlas_2024.tiers.items()}
    assert counts["region"] == 7
    assert counts["icb"] == 42
    assert counts["sicbl"] == 106
    assert counts["utla"] == 153
    assert counts["lad"] == 296
    assert counts["lsoa"] == 33_755


def test_2026_counts_after_the_mergers(atlas_2026):
    counts = {t: len(g) for t, g in atlas_2026.tiers.items()}
    assert (counts["region"], counts["icb"], counts["sicbl"], counts["lsoa"]) == (
        7,
        36,
        106,
        33_755,
    )
    assert set(atlas_2026.tier("icb")["code"]) >= {f"E540000{n}" for n in range(65, 72)}


@pytest.mark.parametrize("tier", ["region", "icb", "sicbl", "utla", "lad", "lsoa"])
def test_every_tier_holds_all_residents(atlas_2026, atlas_2024, tier):
    assert atlas_2026.tier(tier)["residents"].sum() == CENSUS_ENGLAND
    assert atlas_2024.tier(tier)["residents"].sum() == CENSUS_ENGLAND


def test_icb_population_range_matches_sources(atlas_2024):
    icb = atlas_2024.tier("icb").set_index("code")["residents"]
    assert icb.min() == 509_138 and icb.idxmin() == "E54000011"  # Shropshire, Telford and Wrekin
    assert icb.max() == 2_966_519 and icb.idxmax() == "E54000050"  # North East and North Cumbria


def test_2026_merged_icbs_residents(atlas_2026):
    icb = atlas_2026.tier("icb").set_index("code")
    # ICB_CHANGES_2026.md: Central East 3.09 m, West and North London 3.50 m, Frimley split three
    # ways.
    assert round(icb.loc["E54000065", "residents"] / 1e6, 2) == 3.09
    assert round(icb.loc["E54000071", "residents"] / 1e6, 2) == 3.50
    assert icb.loc["E54000071", "ods_code"] == "Z9B2Z"
    assert (atlas_2026.lsoa["icb"] != atlas_2026.lsoa["icb24"]).sum() == 10_207


def test_sub_icbs_nest_in_icbs_and_icbs_in_regions(atlas_2026):
    lsoa = atlas_2026.lsoa
    assert (lsoa.groupby("sicbl")["icb"].nunique() == 1).all()
    assert (lsoa.groupby("icb")["region"].nunique() == 1).all()
    assert atlas_2026.tier("sicbl")["derived"].all()  # dissolved from LSOAs: no 2026 ONS file
    assert not atlas_2026.tier("icb")["derived"].any()


def test_districts_placed_in_counties(atlas_2024):
    lad = atlas_2024.tier("lad").set_index("code")
    assert lad.loc["E07000008", "utla"] == "E10000003"  # Cambridge in Cambridgeshire
    assert lad.loc["E07000223", "utla"] == "E10000032"  # Adur in West Sussex
    assert lad.loc["E06000001", "utla"] == "E06000001"  # unitary: itself
    districts = lad[lad.index.str.startswith("E07")]
    assert districts["utla"].str.startswith("E10").all() and districts["utla"].nunique() == 21
    # each district wholly inside its county: its LSOAs all carry that county
    lsoa = atlas_2024.lsoa
    assert (lsoa.groupby("lad")["utla"].nunique() == 1).all()


def test_misplaced_lsoa_moved_to_its_own_district(atlas_2026):
    """The mirror's best-fit ward lookup puts E01027305 in Cherwell; its name and 96 % of its area
    say West Northamptonshire. Only that LSOA disagrees with its name's district, and it is
    moved."""
    lsoa = atlas_2026.lsoa.set_index("code")
    assert lsoa.loc["E01027305", "lad"] == "E06000062"
    assert atlas_2026.meta["corrections"]["lsoa_district_moved_from_best_fit_ward_lookup"] == [
        {
            "lsoa": "E01027305",
            "name": "West Northamptonshire 048E",
            "lookup_lad": "E07000177",
            "lad": "E06000062",
        }
    ]
    cherwell = lsoa[lsoa["lad"] == "E07000177"]
    assert set(cherwell["icb"]) == {"E54000070"}  # Cherwell lies wholly in Thames Valley ICB
    assert cherwell["name"].str.startswith("Cherwell ").all()


def test_primary_care_counts(atlas_2024):
    prac = atlas_2024.practices
    meta = atlas_2024.meta["practices"]
    assert len(prac) == 6_202  # Oct 2025 map
    assert (prac["pcn"] == "U").sum() == 71
    assert meta["without_location"] == 5 and meta["without_list_size"] == 0
    assert len(atlas_2024.tier("pcn")) == 1_297
    assert int(prac["list_size"].sum()) == 63_560_406  # April 2025 lists of the Oct 2025 practices


def test_pcn_spanning_two_icbs_is_kept_once(atlas_2024):
    pcn = atlas_2024.tier("pcn").set_index("code")
    assert pcn.loc["U41591", "n_icb"] == 2  # Coast and Country PCN: Cornwall and Devon practices
    assert atlas_2024.tier("pcn")["code"].is_unique


def test_waves_carried_to_2026_by_population(atlas_2026, atlas_2024):
    w24 = atlas_2024.tier("icb").set_index("code")
    assert (
        w24.loc["E54000057", "wave"] == 1 and w24.loc["E54000057", "wave_share"] == 1.0
    )  # Greater Manchester
    assert (w24["wave_share"] == 1.0).all()
    w26 = atlas_2026.tier("icb").set_index("code")
    ce = w26.loc["E54000065"]  # Central East = BLMK (1) + Herts part of HWE (4) + C&P (6)
    assert ce["waves"].startswith("1 (") and "4 (" in ce["waves"] and "6 (" in ce["waves"]
    assert w26.loc["E54000010", "waves"] == "6 (100%)"  # Staffordshire unchanged
    counts = w24["wave"].value_counts().sort_index().tolist()
    assert counts == [9, 3, 2, 4, 11, 13]  # the published running totals 9+3+2+4+11+13 = 42


def test_best_fit_vintages_report_fit(request):
    from ics_maps.atlas import ensure_atlas

    a22 = ensure_atlas("2022")
    assert (len(a22.tier("icb")), len(a22.tier("sicbl"))) == (42, 106)
    fit = a22.meta["assignment"]
    assert fit["residents_icb_agrees_with_icb_polygons"] > 0.99
    a21 = ensure_atlas("2021")
    assert (len(a21.tier("icb")), len(a21.tier("sicbl")), len(a21.tier("region"))) == (42, 106, 7)
    assert a21.tier("icb")["residents"].sum() == CENSUS_ENGLAND
    assert a21.term("icb") == "STP" and a21.term("sicbl") == "CCG"


def test_cli_info_json(atlas_2024):
    out = subprocess.run(
        [sys.executable, "-m", "ics_maps.cli", "info", "--vintage", "2024", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    data = json.loads(out.stdout)
    tiers = data["tiers"]
    assert {t: tiers[t]["units"] for t in ("region", "icb", "sicbl", "utla", "lad", "lsoa")} == {
        "region": 7,
        "icb": 42,
        "sicbl": 106,
        "utla": 153,
        "lad": 296,
        "lsoa": 33_755,
    }
    assert tiers["lsoa"]["residents"] == CENSUS_ENGLAND
    assert tiers["practice"]["units"] == 6_202 and tiers["pcn"]["units"] == 1_297
    assert data["practices"]["without_location"] == 5


def test_cli_build_reuses_unchanged_atlas(atlas_2026):
    out = subprocess.run(
        [sys.executable, "-m", "ics_maps.cli", "build", "--vintage", "2026"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "up to date" in out.stdout


def test_wave_filter_names_merged_systems_it_leaves_out(atlas_2026, atlas_2024):
    """2026 "wave 1" keeps 6 systems by majority; the 3 merged systems with a wave-1 minority are
    named, and
    together they hold exactly the residents of the 9 wave-1 systems of 2024."""
    from ics_maps.analysis import filters
    from ics_maps.atlas.waves import partly_in_waves, wave_shares
    from ics_maps.readers import read_waves

    shares = wave_shares(atlas_2026.lsoa, read_waves())
    shown = filters.apply_filters(atlas_2026, filters.Filters("2026", (), (1,))).icb_codes
    part = partly_in_waves(shares, (1,), shown)
    assert len(shown) == 6 and set(part.index) == {
        "E54000065",
        "E54000067",
        "E54000069",
    }  # CE, HIOW, Surrey+Sussex
    assert part["E54000065"] == pytest.approx(0.32, abs=0.005)  # BLMK's share of Central East
    wave1 = shares[shares["wave"] == 1]
    assert set(wave1["icb"]) == set(shown) | set(part.index) and wave1[
        wave1["icb"].isin(shown)
    ].groupby("icb")["share"].sum().tolist() == pytest.approx([1] * 6)
    w24 = atlas_2024.tier("icb")
    assert wave1["residents"].sum() == w24.loc[w24["wave"] == 1, "residents"].sum()
    assert partly_in_waves(shares, (), shown).empty
