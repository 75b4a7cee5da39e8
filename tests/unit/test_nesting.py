"""Nesting engine on hand-built atoms and squares: every figure is worked out by hand first."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from toy_atlas import toy_atlas

from ics_maps.analysis import atoms, nesting, overlap


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


def row(table: pd.DataFrame, child: str, parent: str) -> pd.Series:
    hit = table[(table["child_code"] == child) & (table["parent_code"] == parent)]
    assert len(hit) == 1, f"expected one row {child}->{parent}, got {len(hit)}"
    return hit.iloc[0]


def rel(table: pd.DataFrame, child: str) -> str:
    rels = set(table.loc[table["child_code"] == child, "relationship"])
    assert len(rels) == 1, rels
    return rels.pop()


# ---------------------------------------------------------------------------- plain atoms

ATOMS = pd.DataFrame(
    [  # child, parent, residents
        ("X", "P", 970),
        ("X", "Q", 30),  # 3 % sliver in Q
        ("Y", "R", 990),
        ("Y", "Q", 10),  # 1 % sliver; Y is 99 % of R
        ("Z", "R", 10),  # the rest of R
        ("W", "S", 500),  # W and S identical
        ("V", None, 400),  # V lies in no parent at all
        (None, "T", 250),  # T holds no child
        ("U", "P", 800),
        ("U", None, 200),  # U: one parent, a fifth of it in none
    ],
    columns=["child", "parent", "residents"],
)


@pytest.fixture
def plain():
    t = overlap.weights_table(ATOMS, "child", "parent", "residents")
    t = t.rename(columns={"overlap": "overlap_residents"})
    return t


def test_weights_table_sums_and_shares(plain):
    x_p = row(plain, "X", "P")
    assert x_p["overlap_residents"] == 970
    assert x_p["child_total"] == 1000
    assert x_p["parent_total"] == 970 + 800  # X and U share P
    assert x_p["share_of_child"] == pytest.approx(0.97)
    assert x_p["share_of_parent"] == pytest.approx(970 / 1770)
    assert row(plain, "Y", "Q")["share_of_parent"] == pytest.approx(10 / 40)
    assert row(plain, "U", "P")["share_of_child"] == pytest.approx(
        0.8
    )  # U's 200 unparented still count
    assert len(plain) == 7


def test_no_overlap_gives_no_rows(plain):
    assert "V" not in set(plain["child_code"])
    assert "T" not in set(plain["parent_code"])


@pytest.mark.parametrize(
    "tolerance, expected",
    [
        (0.0, {"X": "split", "Y": "split", "Z": "nested", "W": "coterminous", "U": "nested"}),
        (
            0.02,
            {"X": "split", "Y": "coterminous", "Z": "nested", "W": "coterminous", "U": "nested"},
        ),  # 3 % > 2 %
        (
            0.03,
            {"X": "nested", "Y": "coterminous", "Z": "nested", "W": "coterminous", "U": "nested"},
        ),  # boundary
        (
            0.05,
            {"X": "nested", "Y": "coterminous", "Z": "nested", "W": "coterminous", "U": "nested"},
        ),
    ],
)
def test_relationship_rule_and_slivers(plain, tolerance, expected):
    labels = overlap.label_relationships(plain, tolerance)
    got = dict(zip(plain["child_code"], labels, strict=False))
    assert got == expected
    # slivers keep their rows whatever the tolerance
    assert row(plain, "X", "Q")["overlap_residents"] == 30


def test_tolerance_must_be_a_fraction(plain):
    with pytest.raises(ValueError, match="tolerance"):
        overlap.label_relationships(plain, 1.0)
    with pytest.raises(ValueError, match="tolerance"):
        overlap.label_relationships(plain, -0.1)


WHOLE = pd.DataFrame(
    [  # child, parent, residents: children bigger than their parents
        ("A", "P1", 300),
        ("A", "P2", 200),  # A is exactly P1 + P2
        ("B", "P3", 400),
        ("B", "P4", 100),  # B is all of P3 and a quarter of P4 ...
        ("C", "P4", 300),  # ... whose other three quarters are C
        ("D", "P5", 600),
        ("D", "P6", 390),  # D: whole P5, P6 but for 10 residents in E
        ("E", "P6", 10),
        ("E", "P7", 900),
    ],
    columns=["child", "parent", "residents"],
)


@pytest.mark.parametrize(
    "tolerance, expected",
    [
        (0.0, {"A": "combines", "B": "split", "C": "nested", "D": "split", "E": "split"}),
        # 10 of P6's 400 residents (2.5 %) are in E: within 3 %, P6 counts as whole inside D; E's
        # 1.1 % in P6 is a
        # sliver, and E is then all of P7: coterminous
        (0.03, {"A": "combines", "B": "split", "C": "nested", "D": "combines", "E": "coterminous"}),
        # at 20 % B (80 % in P3, all of P3) is coterminous with P3 before "combines" is asked
        (
            0.20,
            {
                "A": "combines",
                "B": "coterminous",
                "C": "nested",
                "D": "combines",
                "E": "coterminous",
            },
        ),
    ],
)
def test_children_made_of_whole_parents_combine_them(tolerance, expected):
    t = overlap.weights_table(WHOLE, "child", "parent", "residents")
    assert (
        dict(zip(t["child_code"], overlap.label_relationships(t, tolerance), strict=False))
        == expected
    )


def test_combines_needs_every_part_whole():
    # a child over two parents that are each only half inside it is split, not combined
    t = overlap.weights_table(
        pd.DataFrame(
            [("K", "P", 50), ("K", "Q", 50), ("L", "P", 50), ("M", "Q", 50)],
            columns=["child", "parent", "residents"],
        ),
        "child",
        "parent",
        "residents",
    )
    assert dict(zip(t["child_code"], overlap.label_relationships(t), strict=False)) == {
        "K": "split",
        "L": "nested",
        "M": "nested",
    }


def test_weights_table_names_missing_column():
    with pytest.raises(KeyError, match="nope"):
        overlap.weights_table(ATOMS, "child", "nope", "residents")


# ---------------------------------------------------------------------------- area overlay on plain
# squares


def _layer(items: dict) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": list(items)}, geometry=list(items.values()), crs="EPSG:27700")


def test_area_overlay_shares_slivers_and_no_overlap():
    parents = _layer({"P": box(0, 0, 990, 2000), "Q": box(990, 0, 2000, 2000)})
    kids = _layer(
        {
            "K": box(0, 0, 1000, 1000),
            "K2": box(0, 1000, 1000, 2000),
            "K3": box(1000, 0, 2000, 2000),
            "FAR": box(5000, 5000, 6000, 6000),
            "EDGE": box(2000, 0, 3000, 1000),
        }
    )
    ov = overlap.area_overlaps(kids, parents)
    assert "FAR" not in set(ov["child_code"])
    assert "EDGE" not in set(ov["child_code"])  # touches Q along a line: zero area, no row
    t = overlap.area_table(ov)
    k_p, k_q = row(t, "K", "P"), row(t, "K", "Q")
    assert k_p["overlap_area"] == pytest.approx(990_000)
    assert k_p["share_of_child"] == pytest.approx(0.99)
    assert k_q["share_of_child"] == pytest.approx(0.01)
    assert k_p["share_of_parent"] == pytest.approx(0.5)  # P holds K and K2 equally
    assert k_q["share_of_parent"] == pytest.approx(10_000 / 2_020_000)
    assert row(t, "K3", "Q")["share_of_child"] == pytest.approx(1.0)
    labels = dict(zip(t["child_code"], overlap.label_relationships(t, 0.0), strict=False))
    assert labels == {"K": "split", "K2": "split", "K3": "nested"}
    labels = dict(
        zip(t["child_code"], overlap.label_relationships(t, 0.01), strict=False)
    )  # a 1 % sliver is within 1 %
    # K3 is 2.00 of Q's 2.02 km² (99.0 %): within 1 % both ways, so coterminous
    assert labels == {"K": "nested", "K2": "nested", "K3": "coterminous"}


def test_area_shares_use_covered_area_so_the_coast_is_not_a_split():
    sea_cut = _layer({"P": box(0, 0, 1000, 900)})  # the parent layer's coastline lies 100 m inland
    kid = _layer({"K": box(0, 0, 1000, 1000)})
    t = overlap.area_table(overlap.area_overlaps(kid, sea_cut))
    assert row(t, "K", "P")["share_of_child"] == pytest.approx(1.0)
    assert row(t, "K", "P")["overlap_area"] == pytest.approx(900_000)
    assert overlap.label_relationships(t).tolist() == ["coterminous"]


def test_area_overlay_repairs_invalid_and_requires_metric_crs():
    bowtie = gpd.GeoSeries.from_wkt(
        ["POLYGON ((0 0, 1000 1000, 1000 0, 0 1000, 0 0))"], crs="EPSG:27700"
    )
    kid = gpd.GeoDataFrame({"code": ["B"]}, geometry=bowtie.values, crs="EPSG:27700")
    t = overlap.area_overlaps(kid, _layer({"P": box(0, 0, 1000, 1000)}))
    assert t["overlap_m2"].iloc[0] == pytest.approx(500_000)
    with pytest.raises(ValueError, match="27700"):
        overlap.area_overlaps(kid.to_crs(4326), _layer({"P": box(0, 0, 1, 1)}))


# ---------------------------------------------------------------------------- the toy atlas,
# population-weighted


def test_columns_exact(atlas):
    t = nesting.coterminosity(atlas, "lad", "icb")
    assert list(t.columns) == list(nesting.COLUMNS)


def test_lad_in_icb_nested_split(atlas):
    t = nesting.coterminosity(atlas, "lad", "icb")
    assert len(t) == 4
    a = row(t, "A", "I1")
    assert (a["overlap_residents"], a["child_residents"], a["parent_residents"]) == (600, 600, 1400)
    assert a["share_of_child"] == 1.0 and a["share_of_parent"] == pytest.approx(600 / 1400)
    assert a["overlap_km2"] == pytest.approx(2.0)
    assert a["child_name"] == "Name A" and a["parent_name"] == "Name I1"
    b1, b2 = row(t, "B", "I1"), row(t, "B", "I2")
    assert b1["overlap_residents"] == 800 and b2["overlap_residents"] == 1000
    assert b1["share_of_child"] == pytest.approx(800 / 1800)
    assert b2["share_of_parent"] == pytest.approx(1000 / 2200)
    assert b1["overlap_km2"] == pytest.approx(2.0)
    assert {c: rel(t, c) for c in "ABC"} == {"A": "nested", "B": "split", "C": "nested"}
    # largest share first within a child
    assert t.loc[t["child_code"] == "B", "parent_code"].tolist() == ["I2", "I1"]


def test_coterminous_and_reverse_direction(atlas):
    t = nesting.coterminosity(atlas, "lad", "sicbl")
    assert rel(t, "C") == "coterminous"
    assert row(t, "C", "S3")["share_of_parent"] == 1.0
    rev = nesting.coterminosity(atlas, "sicbl", "lad")
    assert {c: rel(rev, c) for c in ("S1", "S2", "S3")} == {
        "S1": "split",
        "S2": "nested",
        "S3": "coterminous",
    }
    assert row(rev, "S2", "B")["share_of_parent"] == pytest.approx(1000 / 1800)
    assert (
        row(nesting.coterminosity(atlas, "sicbl", "icb"), "S1", "I1")["relationship"]
        == "coterminous"
    )


def test_other_tiers(atlas):
    t = nesting.coterminosity(atlas, "utla", "icb")
    assert row(t, "U1", "I1")["share_of_child"] == pytest.approx(1400 / 2400)
    assert rel(t, "U1") == "split" and rel(t, "U2") == "nested"
    reg = nesting.coterminosity(atlas, "icb", "region")
    assert set(reg["relationship"]) == {"nested"}
    assert row(reg, "I2", "R1")["share_of_parent"] == pytest.approx(2200 / 3600)
    rev = nesting.coterminosity(atlas, "region", "icb")
    assert rel(rev, "R1") == "combines" and len(rev) == 2  # the region is its two ICBs, whole
    lsoa = nesting.coterminosity(atlas, "lsoa", "icb")
    assert len(lsoa) == 8 and set(lsoa["relationship"]) == {"nested"}
    assert row(lsoa, "L3", "I2")["overlap_km2"] == pytest.approx(1.0)


def test_pcn_fractional_population(atlas):
    t = nesting.coterminosity(atlas, "pcn", "lad")
    p1a, p1b = row(t, "P1", "A"), row(t, "P1", "B")
    assert p1a["overlap_residents"] == pytest.approx(600)
    assert p1b["overlap_residents"] == pytest.approx(100)
    assert p1a["child_residents"] == pytest.approx(700)
    assert p1a["share_of_child"] == pytest.approx(6 / 7)
    assert p1b["overlap_km2"] == pytest.approx(0.5)
    assert row(t, "P2", "B")["share_of_child"] == pytest.approx(1.0)
    assert row(t, "P2", "B")["share_of_parent"] == pytest.approx(775 / 1800)
    assert row(t, "P3", "C")["share_of_child"] == pytest.approx(1200 / 2125)
    assert {c: rel(t, c) for c in ("P1", "P2", "P3")} == {
        "P1": "split",
        "P2": "nested",
        "P3": "split",
    }
    # shares of the fractional atoms add back to whole LSOAs: every resident counted once
    assert t.groupby("child_code")["overlap_residents"].sum().sum() == pytest.approx(3600)


def test_pcn_sliver_under_and_over_tolerance(atlas):
    t0 = nesting.coterminosity(atlas, "pcn", "icb")
    p2 = row(t0, "P2", "I2")
    assert p2["overlap_residents"] == pytest.approx(75)
    assert p2["share_of_child"] == pytest.approx(75 / 775)  # 9.7 %
    assert p2["overlap_km2"] == pytest.approx(0.25)
    assert rel(t0, "P2") == "split"
    assert rel(nesting.coterminosity(atlas, "pcn", "icb", tolerance=0.09), "P2") == "split"
    t10 = nesting.coterminosity(atlas, "pcn", "icb", tolerance=0.10)
    assert rel(t10, "P2") == "nested"
    assert len(t10) == len(t0)  # the sliver row stays


def test_pcn_as_parent_and_reverse(atlas):
    t = nesting.coterminosity(atlas, "lad", "pcn")
    b = t[t["child_code"] == "B"].set_index("parent_code")
    assert b["overlap_residents"].to_dict() == pytest.approx({"P1": 100, "P2": 775, "P3": 925})
    assert b.loc["P3", "share_of_parent"] == pytest.approx(925 / 2125)
    assert rel(t, "B") == "split" and rel(t, "A") == "nested"
    s = nesting.coterminosity(atlas, "sicbl", "pcn")
    assert row(s, "S3", "P3")["share_of_child"] == pytest.approx(1.0)
    assert row(s, "S3", "P3")["share_of_parent"] == pytest.approx(1200 / 2125)


def test_area_weighting_on_atlas(atlas):
    t = nesting.coterminosity(atlas, "lad", "icb", weight="area")
    b1 = row(t, "B", "I1")
    assert b1["share_of_child"] == pytest.approx(0.5)
    assert b1["overlap_km2"] == pytest.approx(2.0)
    assert b1["overlap_residents"] == pytest.approx(900)  # areal interpolation of B's 1800
    assert b1["child_residents"] == 1800 and b1["parent_residents"] == 1400
    assert b1["share_of_parent"] == pytest.approx(0.5)
    assert rel(t, "B") == "split" and rel(t, "A") == "nested"
    c = nesting.coterminosity(atlas, "lad", "sicbl", weight="area")
    assert rel(c, "C") == "coterminous"
    pcn = nesting.coterminosity(atlas, "pcn", "lad", weight="area")
    assert rel(pcn, "P1") == "coterminous"  # P1's footprint is exactly A; by population it is split
    assert row(pcn, "P3", "B")["share_of_child"] == pytest.approx(0.5)


def test_practice_child(atlas):
    t = nesting.coterminosity(atlas, "practice", "lad")
    assert dict(zip(t["child_code"], t["parent_code"], strict=False)) == {
        "pr1": "A",
        "pr2": "A",
        "pr3": "B",
        "pr4": "C",
        "pr5": "C",
        "pr6": "B",
    }  # pr7 has no location
    assert set(t["relationship"]) == {"nested"}
    assert t["child_residents"].isna().all() and (t["share_of_child"] == 1).all()
    assert row(t, "pr3", "B")["parent_residents"] == 1800
    icb = nesting.coterminosity(atlas, "practice", "icb")
    assert row(icb, "pr7", "I2")["share_of_child"] == 1.0  # no location: its own ICB
    pcn = nesting.coterminosity(atlas, "practice", "pcn")
    assert "pr6" not in set(pcn["child_code"])  # unallocated practices belong to no PCN
    assert row(pcn, "pr7", "P3")["parent_name"] == "Name P3"


@pytest.mark.parametrize(
    "child, parent, message",
    [
        ("lad", "lad", "same tier"),
        ("ward", "icb", "expected one of region, icb, sicbl, utla, lad, pcn, practice, lsoa"),
        ("lad", "county", "unknown tier 'county'"),
        ("lad", "practice", "practice can only be a child"),
    ],
)
def test_pair_errors(atlas, child, parent, message):
    with pytest.raises(ValueError, match=message):
        nesting.coterminosity(atlas, child, parent)


def test_weight_and_tolerance_errors(atlas):
    with pytest.raises(ValueError, match="unknown weight 'people'"):
        nesting.coterminosity(atlas, "lad", "icb", weight="people")
    with pytest.raises(ValueError, match="tolerance"):
        nesting.coterminosity(atlas, "lad", "icb", tolerance=1.5)


def test_summary_helpers(atlas):
    t = nesting.coterminosity(atlas, "lad", "sicbl")
    s = nesting.relationship_summary(t).set_index("relationship")
    assert s["children"].to_dict() == {"coterminous": 1, "nested": 1, "combines": 0, "split": 1}
    assert s.loc["split", "residents"] == 1800
    assert s["share_of_children"].sum() == pytest.approx(1.0)
    sp = nesting.split_units(t)
    assert sp["child_code"].unique().tolist() == ["B"] and len(sp) == 2
    kids = nesting.children(t).set_index("child_code")
    assert kids.loc["B", "main_parent"] == "S2" and kids.loc["B", "n_parents"] == 2
    assert kids.loc["B", "main_share"] == pytest.approx(1000 / 1800)
    empty = nesting.relationship_summary(t.iloc[0:0])
    assert empty["children"].tolist() == [0, 0, 0, 0]


# ---------------------------------------------------------------------------- the atom index


def test_atom_index_is_cached_and_follows_replaced_tables():
    a = toy_atlas()
    assert atoms.atom_index(a) is atoms.atom_index(a)
    lsoa = a.tiers["lsoa"].copy()
    lsoa["residents"] = lsoa["residents"] * 2
    a.tiers["lsoa"] = lsoa  # a new table: the cached index must not be reused
    assert row(nesting.coterminosity(a, "lad", "icb"), "B", "I1")["overlap_residents"] == 1600


def test_dense_and_sparse_pair_sums_agree(monkeypatch):
    a = toy_atlas()
    dense = nesting.coterminosity(a, "pcn", "lad")
    monkeypatch.setattr(overlap, "DENSE_LIMIT", 0)
    sparse = nesting.coterminosity(a, "pcn", "lad")
    pd.testing.assert_frame_equal(dense, sparse)


def test_positions_with_unknown_and_duplicate_keys():
    keys = pd.Series(["a", "b", "c"])
    assert atoms._positions(keys, pd.Series(["c", "x", "a"])).tolist() == [2, -1, 0]
    # duplicate keys cannot be positions: the index lookup refuses too
    with pytest.raises(pd.errors.InvalidIndexError):
        atoms._positions(pd.Series(["a", "a"]), pd.Series(["a"]))


def test_lsoa_atoms_table_keeps_every_resident():
    a = toy_atlas()
    whole, split = atoms.lsoa_atoms(a), atoms.lsoa_atoms(a, with_pcn=True)
    assert len(whole) == 8 and len(split) == 10
    assert whole["residents"].sum() == split["residents"].sum() == 3600
    assert split.loc[
        (split["lsoa"] == "L3") & (split["pcn"] == "P3"), "residents"
    ].item() == pytest.approx(225)


def test_ods_codes_join_the_tables_of_nhs_tiers():
    """ICBs, sub-ICB locations and regions carry an ODS code besides their ONS code: the tables
    (and their CSVs) show it beside the ONS code; a new ICB with none in the sources is empty."""
    a = toy_atlas()
    a.tiers["icb"]["ods_code"] = ["QOP", None]
    a.tiers["sicbl"]["ods_code"] = ["01G", "02A", "03B"]
    lad_icb = nesting.with_ods_codes(nesting.coterminosity(a, "lad", "icb"), a, "lad", "icb")
    cols = list(lad_icb.columns)
    assert cols[:5] == ["child_code", "child_name", "parent_code", "parent_ods", "parent_name"]
    assert "child_ods" not in cols  # districts have no ODS code
    ods = dict(zip(lad_icb["parent_code"], lad_icb["parent_ods"], strict=True))
    assert ods["I1"] == "QOP" and pd.isna(ods["I2"])
    both = nesting.with_ods_codes(nesting.coterminosity(a, "sicbl", "icb"), a, "sicbl", "icb")
    s2 = both.loc[both["child_code"] == "S2"].iloc[0]
    assert s2["child_ods"] == "02A" and pd.isna(s2["parent_ods"])
    plain = nesting.coterminosity(a, "pcn", "lad")
    assert nesting.with_ods_codes(plain, a, "pcn", "lad") is plain  # a PCN code is its ODS code
    assert list(plain.columns) == list(nesting.COLUMNS)  # the engine's own table is unchanged
