"""The nesting engine and summaries on the real atlases (2024: 42 ICBs; 2026: 36 ICBs).

The split-LA lists were checked independently: summing Census 2021 residents over the raw ONS
LSOA21 → ICB lookups (LSOA21_SICBL24_ICB24_LAD24, LSOA21_SICBL26_ICB26) gives the same councils
and shares, except Cherwell: the raw LAD column puts "West Northamptonshire 048E" there (see
test_atlas_real.test_misplaced_lsoa_moved_to_its_own_district), which made Cherwell look split.
Fixtures ``atlas_2024`` / ``atlas_2026`` (conftest.py) build or load via ensure_atlas.
"""

from __future__ import annotations

import pytest

from ics_maps.analysis import nesting, summaries

ENGLAND = 56_490_091

# LAD → share of its residents in each ICB, for every LAD split between ICBs.
SPLIT_LADS_2024 = {
    "E06000060": {"E54000044": 0.987365, "E54000024": 0.012635},  # Buckinghamshire
    "E06000063": {"E54000050": 0.968828, "E54000048": 0.031172},  # Cumberland
    "E06000064": {"E54000048": 0.758413, "E54000050": 0.241587},  # Westmorland and Furness
    "E06000065": {
        "E54000051": 0.907509,
        "E54000054": 0.082644,
        "E54000048": 0.009847,
    },  # North Yorkshire
    "E07000089": {"E54000034": 0.749776, "E54000042": 0.250224},  # Hart (Frimley / HIOW)
    "E07000099": {"E54000025": 0.848126, "E54000056": 0.151874},  # North Hertfordshire
    "E07000180": {"E54000044": 0.954369, "E54000040": 0.045631},  # Vale of White Horse
    "E07000209": {"E54000063": 0.857555, "E54000034": 0.142445},  # Guildford
    "E07000212": {"E54000063": 0.865740, "E54000034": 0.134260},  # Runnymede
    "E07000214": {"E54000034": 0.840108, "E54000063": 0.159892},  # Surrey Heath
    "E07000216": {"E54000063": 0.647590, "E54000034": 0.352410},  # Waverley
    "E07000244": {"E54000023": 0.527117, "E54000022": 0.472883},  # East Suffolk
}
# April 2026: the mergers (Frimley split by place, Surrey + Sussex, Herts into Central East, Norfolk
# and Suffolk) healed seven of the twelve; the Cumbria / North Yorkshire / Vale of White Horse edges
# remain.
SPLIT_LADS_2026 = {
    "E06000060": {"E54000070": 0.987365, "E54000065": 0.012635},
    "E06000063": {"E54000050": 0.968828, "E54000048": 0.031172},
    "E06000064": {"E54000048": 0.758413, "E54000050": 0.241587},
    "E06000065": {"E54000051": 0.907509, "E54000054": 0.082644, "E54000048": 0.009847},
    "E07000180": {"E54000070": 0.954369, "E54000040": 0.045631},
}
SPLIT_UTLAS_2024 = {
    "E06000060",
    "E06000063",
    "E06000064",
    "E06000065",
    "E10000012",
    "E10000014",
    "E10000015",
    "E10000025",
    "E10000029",
    "E10000030",
}  # Bucks, Cumbria ×2, N Yorks, Essex, Hants, Herts,
#                                                             Oxon, Suffolk, Surrey
SPLIT_UTLAS_2026 = {"E06000060", "E06000063", "E06000064", "E06000065", "E10000025"}


def shares(table) -> dict:
    sp = nesting.split_units(table)
    return {
        c: dict(zip(g["parent_code"], g["share_of_child"].round(6), strict=False))
        for c, g in sp.groupby("child_code")
    }


def test_split_lads_2024(atlas_2024):
    assert shares(nesting.coterminosity(atlas_2024, "lad", "icb")) == SPLIT_LADS_2024


def test_split_lads_2026(atlas_2026):
    assert shares(nesting.coterminosity(atlas_2026, "lad", "icb")) == SPLIT_LADS_2026


def test_split_utlas(atlas_2024, atlas_2026):
    assert set(shares(nesting.coterminosity(atlas_2024, "utla", "icb"))) == SPLIT_UTLAS_2024
    assert set(shares(nesting.coterminosity(atlas_2026, "utla", "icb"))) == SPLIT_UTLAS_2026
    essex = nesting.coterminosity(atlas_2024, "utla", "icb").query("child_code == 'E10000012'")
    assert essex["overlap_residents"].tolist() == [842_862, 341_022, 319_592]  # MSE, SNEE, HWE


def test_coterminous_councils(atlas_2026):
    lad = nesting.coterminosity(atlas_2026, "lad", "icb")
    assert lad.loc[
        lad["relationship"] == "coterminous", ["child_code", "parent_code"]
    ].values.tolist() == [["E06000066", "E54000038"]]  # Somerset council = Somerset ICB
    utla = nesting.coterminosity(atlas_2026, "utla", "icb")
    assert set(utla.loc[utla["relationship"] == "coterminous", "child_name"]) == {
        "Somerset",
        "Gloucestershire",
        "Lincolnshire",
    }


@pytest.mark.parametrize("vintage, n_icb", [("2024", 42), ("2026", 36)])
def test_nhs_tiers_nest_exactly(request, vintage, n_icb):
    atlas = request.getfixturevalue(f"atlas_{vintage}")
    sic = nesting.coterminosity(atlas, "sicbl", "icb")
    assert len(sic) == 106 and sic["child_code"].is_unique
    assert (
        set(sic["relationship"]) <= {"nested", "coterminous"} and (sic["share_of_child"] == 1).all()
    )
    reg = nesting.coterminosity(atlas, "icb", "region")
    assert (
        len(reg) == n_icb and reg["child_code"].is_unique and set(reg["relationship"]) == {"nested"}
    )
    assert reg["parent_code"].nunique() == 7
    assert reg.groupby("parent_code")["parent_residents"].first().sum() == ENGLAND
    rs = summaries.summary(atlas, "region")
    assert len(rs) == 7 and rs["n_icb"].sum() == n_icb and rs["n_sicbl"].sum() == 106


@pytest.mark.parametrize(
    "child, parent",
    [
        ("lad", "icb"),
        ("utla", "icb"),
        ("sicbl", "lad"),
        ("pcn", "lad"),
        ("pcn", "sicbl"),
        ("pcn", "icb"),
        ("icb", "region"),
        ("lad", "pcn"),
    ],
)
def test_every_resident_counted_once(atlas_2026, child, parent):
    t = nesting.coterminosity(atlas_2026, child, parent)
    assert t["overlap_residents"].sum() == pytest.approx(ENGLAND, abs=1)
    per_child = t.groupby("child_code")["share_of_child"].sum()
    assert per_child.to_numpy() == pytest.approx(1.0, abs=1e-9)


def test_icb_summary_2026(atlas_2026):
    s = summaries.summary(atlas_2026, "icb").set_index("code")
    assert len(s) == 36 and s["n_sicbl"].sum() == 106
    assert s["n_pcn"].sum() == len(atlas_2026.tier("pcn"))
    assert s["residents"].sum() == ENGLAND
    # whole + part LAD memberships: 296 LADs, five of them counted in two or three ICBs
    assert s["n_lad_whole"].sum() == 296 - 5 and s["n_lad_part"].sum() == sum(
        map(len, SPLIT_LADS_2026.values())
    )
    tv = s.loc[
        "E54000070"
    ]  # Thames Valley holds the large parts of Buckinghamshire and Vale of White Horse
    assert tv["n_lad_part"] == 2
    assert tv["share_residents_in_split_lads"] == pytest.approx(
        (546_081 + 132_600) / tv["residents"]
    )
    assert s.loc["E54000038", "share_residents_in_split_lads"] == 0  # Somerset
    assert s["relationship_to_utla"].value_counts().to_dict() == {
        "combines": 26,
        "split": 7,
        "coterminous": 3,
    }
    shared = summaries.shared_councils(
        nesting.coterminosity(atlas_2026, "utla", "icb"), "E54000070"
    )
    assert list(shared["name"]) == [
        "Oxfordshire",
        "Buckinghamshire",
    ]  # Thames Valley's two shared councils
    assert [name for name, _, _ in shared.loc[1, "others"]] == [
        "NHS Central East Integrated Care Board"
    ]
    assert shared.loc[1, "share_here"] + shared.loc[1, "others"][0][2] == pytest.approx(1)
    assert shared.loc[1, "here"] + shared.loc[1, "others"][0][1] == shared.loc[1, "residents"]
    assert summaries.shared_councils(
        nesting.coterminosity(atlas_2026, "utla", "icb"), "E54000057"
    ).empty  # Greater Manchester


def test_pcn_la_shares_sum_to_one(atlas_2026):
    sh = summaries.pcn_la_shares(atlas_2026)
    assert sh["pcn"].nunique() == len(atlas_2026.tier("pcn"))
    assert sh.groupby("pcn")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_population_tables_are_fast(atlas_2026):
    import time

    nesting.coterminosity(atlas_2026, "pcn", "lad")  # builds the atom index once
    t0 = time.perf_counter()
    for child, parent in [("lad", "icb"), ("pcn", "lad"), ("icb", "pcn")]:
        nesting.coterminosity(atlas_2026, child, parent)
    assert time.perf_counter() - t0 < 0.6  # target 0.2 s a table; measured ~0.002–0.015 s


@pytest.mark.parametrize("vintage, whole", [("2024", 27), ("2026", 29)])
def test_systems_made_of_whole_councils(request, vintage, whole):
    """An ICS "combines" whole councils exactly when no council it touches is split between systems:
    the reverse table (councils in systems), worked out independently, must agree with the
    labels."""
    atlas = request.getfixturevalue(f"atlas_{vintage}")
    icb = nesting.children(nesting.coterminosity(atlas, "icb", "utla")).set_index("child_code")[
        "relationship"
    ]
    utla = nesting.coterminosity(atlas, "utla", "icb")
    cut = set(
        utla.loc[utla["relationship"] == "split", "parent_code"]
    )  # systems holding part of a split council
    inside_one = {"2024": {"E54000063"}, "2026": set()}[
        vintage
    ]  # Surrey Heartlands: part of Surrey (with Frimley)
    assert set(icb[icb == "nested"].index) == inside_one
    assert set(icb[icb == "split"].index) == cut - inside_one
    assert int(icb.isin(["coterminous", "combines"]).sum()) == whole
    sic = nesting.coterminosity(atlas, "sicbl", "lad")
    assert set(sic.loc[sic["child_code"] == "E38000221", "parent_name"]) == {
        "Reading",
        "Wokingham",
        "West Berkshire",
    }
    assert rel_of(sic, "E38000221") == "combines"


def rel_of(table, code: str) -> str:
    return table.loc[table["child_code"] == code, "relationship"].iloc[0]
