"""Crosswalk and re-basing on two hand-built vintages of the same 13 LSOA atoms (answers by hand).

LSOA Lk has k × 100 residents (L01 = 100 ... L13 = 1300). ICBs:

    old vintage "A"                          new vintage "B"
    I1 "North" Q1      L01 L02   (300)       I1 "NHS North ICB" Q1   L01 L02          unchanged
    I2 "East"  Q2      L03       (300)       J2 "East" Q2            L03              recoded (code)
    I3 "South" Q3      L04 L05   (900)       M1 "Middle"             L04 L05 L06 L07  I3, I4 merged
    I4 "West"  Q4      L06       (600)         (2200)
    I5 "Centre" Q5     L07 L08 L09 (2400)    N1 "Newtown"            L08 L09 (1700)   I5 split
    I6 "Hill"  Q6      L10 L11   (2100)      K6 "Hill and Dale" Q6   L10 (1000)       I6 boundary
    I7 "Vale"  Q7      L12       (1200)      K7 "NHS Vale ICB"       L11 L12 (2300)   I7 boundary

I6 continues as K6 by its ODS code, I7 as K7 by its name; I5 goes 700 to M1 and 1700 to N1.
    I8 "Marsh" Q8      L13       (1300)      I8 "Marshland" Q8       L13              recoded (name)
"""

from __future__ import annotations

import pandas as pd
import pytest

from ics_maps.analysis.crosswalk import changed_lsoas, crosswalk, normalise_name, summarise
from ics_maps.analysis.rebase import rebase
from ics_maps.atlas import Atlas

CELLS = [f"L{k:02d}" for k in range(1, 14)]
RES = {c: int(c[1:]) * 100 for c in CELLS}
OLD = {
    "I1": ("North", "Q1", ["L01", "L02"]),
    "I2": ("East", "Q2", ["L03"]),
    "I3": ("South", "Q3", ["L04", "L05"]),
    "I4": ("West", "Q4", ["L06"]),
    "I5": ("Centre", "Q5", ["L07", "L08", "L09"]),
    "I6": ("Hill", "Q6", ["L10", "L11"]),
    "I7": ("Vale", "Q7", ["L12"]),
    "I8": ("Marsh", "Q8", ["L13"]),
}
NEW = {
    "I1": ("NHS North ICB", "Q1", ["L01", "L02"]),
    "J2": ("East", "Q2", ["L03"]),
    "M1": ("Middle", None, ["L04", "L05", "L06", "L07"]),
    "N1": ("Newtown", None, ["L08", "L09"]),
    "K6": ("Hill and Dale", "Q6", ["L10"]),
    "K7": ("NHS Vale ICB", None, ["L11", "L12"]),
    "I8": ("Marshland", "Q8", ["L13"]),
}


def toy_vintage(name: str, units: dict) -> Atlas:
    """An atlas with just what a crosswalk reads: the LSOA atoms and the ICB tier (no geometry)."""
    unit_of = {c: code for code, (_, _, cells) in units.items() for c in cells}
    lsoa = pd.DataFrame(
        {
            "code": CELLS,
            "name": [f"Toy {c}" for c in CELLS],
            "residents": [RES[c] for c in CELLS],
            "icb": [unit_of[c] for c in CELLS],
            "region": "R1",
            "sicbl": [unit_of[c] for c in CELLS],
        }
    )
    icb = pd.DataFrame(
        {
            "code": list(units),
            "name": [v[0] for v in units.values()],
            "ods_code": pd.array([v[1] for v in units.values()], dtype="string"),
        }
    )
    region = pd.DataFrame(
        {"code": ["R1"], "name": ["Region"], "ods_code": pd.array(["Y1"], dtype="string")}
    )
    return Atlas(
        vintage=name,
        tiers={"lsoa": lsoa, "icb": icb, "sicbl": icb, "region": region},
        pcn_lsoa=pd.DataFrame(columns=["pcn", "lsoa", "share"]),
    )


@pytest.fixture()
def old():
    return toy_vintage("A", OLD)


@pytest.fixture()
def new():
    return toy_vintage("B", NEW)


@pytest.fixture()
def table(old, new):
    return crosswalk(old, new, "icb")


def rows(table: pd.DataFrame) -> dict:
    return {
        (r.from_code, r.to_code): (
            r.residents,
            round(r.share_of_from, 6),
            round(r.share_of_to, 6),
            r.change,
        )
        for r in table.itertuples()
    }


def test_every_change_label_with_hand_computed_shares(table):
    assert list(table.columns) == [
        "from_code",
        "from_name",
        "to_code",
        "to_name",
        "residents",
        "share_of_from",
        "share_of_to",
        "change",
    ]
    r = round
    assert rows(table) == {
        ("I1", "I1"): (300, 1.0, 1.0, "unchanged"),  # 'North' = 'NHS North ICB' once normalised
        ("I2", "J2"): (300, 1.0, 1.0, "recoded"),  # same people, new code
        ("I3", "M1"): (900, 1.0, r(900 / 2200, 6), "merged"),
        ("I4", "M1"): (600, 1.0, r(600 / 2200, 6), "merged"),
        ("I5", "M1"): (700, r(700 / 2400, 6), r(700 / 2200, 6), "split"),
        ("I5", "N1"): (1700, r(1700 / 2400, 6), 1.0, "split"),
        ("I6", "K6"): (
            1000,
            r(1000 / 2100, 6),
            1.0,
            "boundary",
        ),  # continues as K6 (same ODS code Q6)
        ("I6", "K7"): (1100, r(1100 / 2100, 6), r(1100 / 2300, 6), "boundary"),
        ("I7", "K7"): (
            1200,
            1.0,
            r(1200 / 2300, 6),
            "boundary",
        ),  # continues as K7 (same name), gained L11
        ("I8", "I8"): (1300, 1.0, 1.0, "recoded"),  # same code and people, new name
    }
    assert table.groupby("from_code")["share_of_from"].sum().round(12).eq(1).all()
    assert table.groupby("to_code")["share_of_to"].sum().round(12).eq(1).all()
    assert table["residents"].sum() == sum(RES.values())


def test_summary_counts_units_and_new_units(table):
    s = summarise(table)
    assert s == {
        "tier": "icb",
        "from_vintage": "A",
        "to_vintage": "B",
        "from_units": 8,
        "to_units": 7,
        "unchanged": 1,
        "recoded": 2,
        "boundary": 2,
        "merged": 2,
        "split": 1,
        "new_units": 2,  # M1 and N1 continue no old unit
        "residents_in_other_code": 300 + 900 + 600 + 700 + 1700 + 1000 + 1100 + 1200,
    }


def test_changed_lsoas_are_those_with_a_new_code(old, new, table):
    ch = changed_lsoas(old, new, "icb", table)
    assert ch["code"].tolist() == [
        "L03",
        "L04",
        "L05",
        "L06",
        "L07",
        "L08",
        "L09",
        "L10",
        "L11",
        "L12",
    ]
    got = ch.set_index("code")
    assert got.loc["L11", ["from_code", "to_code", "change"]].tolist() == ["I6", "K7", "boundary"]
    assert got.loc["L07", ["from_code", "to_code", "change", "residents"]].tolist() == [
        "I5",
        "M1",
        "split",
        700,
    ]


def test_same_vintage_both_sides_is_all_unchanged(old):
    t = crosswalk(old, old, "icb")
    assert (t["change"] == "unchanged").all() and len(t) == 8


def test_crosswalk_refuses_other_atoms_and_tiers(old, new):
    other = toy_vintage("C", NEW)
    other.tiers["lsoa"] = other.tiers["lsoa"].iloc[:-1]
    with pytest.raises(ValueError, match="not built on the same atoms"):
        crosswalk(old, other, "icb")
    with pytest.raises(ValueError, match="no crosswalk for tier 'lad'"):
        crosswalk(old, new, "lad")


@pytest.mark.parametrize(
    "a, b",
    [
        ("NHS North ICB", "North"),
        ("Hampshire and Isle Of Wight", "Hampshire & Isle of Wight"),
        ("NHS Vale Integrated Care Board", "vale"),
    ],
)
def test_names_compare_without_case_nhs_and_icb(a, b):
    assert normalise_name(a) == normalise_name(b)
    assert normalise_name("North") != normalise_name("North East")


# ---------------------------------------------------------------------------- re-basing


def test_rebase_counts_keeps_totals_and_says_what_was_apportioned(table):
    counts = pd.DataFrame(
        {
            "code": ["I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8"],
            "deaths": ["10", "20", "30", "40", "240", "210", "120", "5"],
        }
    )
    out = rebase(counts, table, "code").set_index("to_code")
    assert out["deaths"].sum() == pytest.approx(10 + 20 + 30 + 40 + 240 + 210 + 120 + 5)
    # M1 = I3 (30) + I4 (40) whole + 700/2400 of I5's 240 (= 70): 70 of 140 apportioned.
    assert out.loc["M1", "deaths"] == pytest.approx(140)
    assert out.loc["M1", "deaths_apportioned_share"] == pytest.approx(70 / 140)
    assert (
        out.loc["N1", "deaths"] == pytest.approx(170)
        and out.loc["N1", "deaths_apportioned_share"] == 1
    )
    # K7 = 1100/2100 of I6's 210 (= 110, apportioned) + I7's 120 whole.
    assert out.loc["K7", "deaths"] == pytest.approx(230)
    assert out.loc["K7", "deaths_apportioned_share"] == pytest.approx(110 / 230)
    assert out.loc["I1", "deaths"] == 10 and out.loc["I1", "deaths_apportioned_share"] == 0
    assert out.loc["K7", "from_codes"] == "I7 100.0%; I6 52.4%"
    assert (out["residents_covered_share"] == 1).all()


def test_rebase_refuses_a_rate_without_its_denominator(table):
    t = pd.DataFrame(
        {"code": ["I5", "I6"], "admissions": ["24", "21"], "rate_per_1000": ["10", "20"]}
    )
    with pytest.raises(
        ValueError, match=r"'rate_per_1000' looks like a rate.*--rate rate_per_1000=DENOMINATOR"
    ):
        rebase(t, table, "code")


def test_rebase_weights_a_rate_by_its_denominator(table):
    t = pd.DataFrame(
        {
            "code": ["I3", "I4", "I5"],
            "population": ["900", "600", "2400"],
            "rate_per_1000": ["10", "20", "40"],
        }
    )
    out = rebase(t, table, "code", rates={"rate_per_1000": "population"}).set_index("to_code")
    # M1: weights 900 (I3), 600 (I4), 2400 × 700/2400 = 700 (I5):
    # (10·900 + 20·600 + 40·700) / 2200.
    assert out.loc["M1", "rate_per_1000"] == pytest.approx((9000 + 12000 + 28000) / 2200)
    assert out.loc["M1", "rate_per_1000_apportioned_share"] == pytest.approx(700 / 2200)
    assert out.loc["N1", "rate_per_1000"] == pytest.approx(40)  # all of N1 came from I5
    assert out.loc["M1", "population"] == pytest.approx(
        2200
    )  # the denominator is re-based as a count
    # M1's residents: I3, I4 and I5's part are all in the input; K6/K7 are not asked for.
    assert set(out.index) == {"M1", "N1"} and out.loc["M1", "residents_covered_share"] == 1


def test_a_declared_count_with_a_rate_like_name_is_summed(table):
    t = pd.DataFrame({"code": ["I1", "I2"], "share_holders": ["3", "4"]})
    out = rebase(t, table, "code", counts=["share_holders"]).set_index("to_code")
    assert out["share_holders"].to_dict() == {"I1": 3, "J2": 4}


def test_rebase_by_extra_key_columns_and_partial_coverage(table):
    t = pd.DataFrame(
        {
            "code": ["I5", "I5", "I3"],
            "month": ["2024-01", "2024-02", "2024-01"],
            "cases": ["24", "48", "9"],
        }
    )
    out = rebase(t, table, "code", by=["month"])
    got = {
        (r.month, r.to_code): (round(r.cases, 6), round(r.residents_covered_share, 6))
        for r in out.itertuples()
    }
    assert got == {
        ("2024-01", "M1"): (round(7 + 9, 6), round((700 + 900) / 2200, 6)),
        ("2024-01", "N1"): (17.0, 1.0),
        ("2024-02", "M1"): (14.0, round(700 / 2200, 6)),
        ("2024-02", "N1"): (34.0, 1.0),
    }
