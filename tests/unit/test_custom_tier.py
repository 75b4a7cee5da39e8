"""A user's layer as a tier: hand-computed coterminosity, summaries, cut PCNs, GeoJSON and the CLI.

Toy atlas (tests/toy_atlas.py): LSOAs L1–L4 (y 0–1 km) and L5–L8 (y 1–2 km), residents 100…800;
ICB I1 = L1 L2 L5 L6 (1400), I2 = the rest (2200); LAD A = L1 L5, B = L2 L6 L3 L7, C = L4 L8; PCN
shares P1 = L1 1, L2 .5, L5 1; P2 = L2 .5, L6 1, L3 .25; P3 = L3 .75, L4, L7, L8 (residents 700,
775, 2125; registered patients P1 L1 50, L2 150, L5 300; P2 L2 100, L6 200, L3 100; P3 1000).
Layer HALVES: A = x 0–1.5 km (L1, L5, half of L2 and L6), B = x 1.5–4 km.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from layer_files import HALVES, WHOLE, WHOLE_CSV, geojson, layer
from toy_atlas import toy_atlas

from ics_maps.analysis import custom_tier
from ics_maps.analysis.custom_summary import cut_pcns, layer_with_summary, unit_summary
from ics_maps.analysis.custom_tier import coterminosity, lsoa_weights
from ics_maps.analysis.nesting import COLUMNS
from ics_maps.analysis.own_layer import read_layer
from ics_maps.atlas.lsoa_areas import made_of_lsoas
from ics_maps.cli import custom as custom_export
from ics_maps.cli import main as cli_main
from ics_maps.presentation.export import geojson_bytes

TOL = 1e-5  # WGS84 input: a Helmert round trip moves boundaries by ~1 mm (1e-6 of a 1 km square)


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


@pytest.fixture(scope="module")
def halves(atlas):
    return read_layer(geojson(layer(HALVES), 4326), "halves.geojson", atlas)


def rows(
    table: pd.DataFrame, cols=("overlap_residents", "share_of_child", "share_of_parent")
) -> dict:
    return {
        (r.child_code, r.parent_code): tuple(getattr(r, c) for c in cols)
        for r in table.itertuples()
    }


def assert_rows(got: dict, expected: dict, tol: float = TOL) -> None:
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=tol, abs=tol), k


def test_weights_table_is_a_copy_with_the_public_columns(halves):
    w = lsoa_weights(halves)
    assert list(w.columns) == ["unit", "lsoa", "share"]
    w.loc[:, "share"] = 0
    assert halves.weights["share"].sum() == pytest.approx(
        8.0, abs=TOL
    )  # 8 LSOAs, each wholly in the layer


def test_custom_child_against_icb_by_population(atlas, halves):
    t = coterminosity(atlas, halves, "icb")
    assert list(t.columns) == list(COLUMNS)
    assert_rows(
        rows(t),
        {
            ("A", "I1"): (1000, 1.0, 1000 / 1400),
            ("B", "I1"): (400, 400 / 2600, 400 / 1400),
            ("B", "I2"): (2200, 2200 / 2600, 1.0),
        },
    )
    rel = t.groupby("child_code")["relationship"].first().to_dict()
    assert rel == {"A": "nested", "B": "split"}
    assert t.loc[t["child_code"] == "A", "overlap_km2"].item() == pytest.approx(3.0, abs=TOL)
    assert t["child_name"].tolist()[0] == "West half" and t["parent_name"].tolist()[0] == "Name I1"
    # B's largest share (I2) comes first, as in nesting.coterminosity
    assert t[t["child_code"] == "B"]["parent_code"].tolist() == ["I2", "I1"]


def test_custom_parent_of_icb_and_lad(atlas, halves):
    t = coterminosity(atlas, halves, "icb", custom_as="parent")
    assert_rows(
        rows(t),
        {
            ("I1", "A"): (1000, 1000 / 1400, 1.0),
            ("I1", "B"): (400, 400 / 1400, 400 / 2600),
            ("I2", "B"): (2200, 1.0, 2200 / 2600),
        },
    )
    assert t.groupby("child_code")["relationship"].first().to_dict() == {
        "I1": "split",
        "I2": "nested",
    }
    lad = coterminosity(atlas, halves, "lad", custom_as="parent")
    assert_rows(
        rows(lad),
        {
            ("A", "A"): (600, 1.0, 0.6),
            ("B", "A"): (400, 400 / 1800, 0.4),
            ("B", "B"): (1400, 1400 / 1800, 1400 / 2600),
            ("C", "B"): (1200, 1.0, 1200 / 2600),
        },
    )
    assert lad.groupby("child_code")["relationship"].first().to_dict() == {
        "A": "nested",
        "B": "split",
        "C": "nested",
    }


def test_against_pcns_through_pcn_lsoa_shares(atlas, halves):
    # A–P1 = L1 100 + L5 500 + L2 (200 × .5 in A) × .5 in P1 = 650; A–P2 = L2 50 + L6 300 = 350;
    # B–P1 = 50; B–P2 = 50 + 300 + L3 300 × .25 = 425; B–P3 = 225 + 400 + 700 + 800 = 2125
    t = coterminosity(atlas, halves, "pcn")
    assert_rows(
        rows(t),
        {
            ("A", "P1"): (650, 0.65, 650 / 700),
            ("A", "P2"): (350, 0.35, 350 / 775),
            ("B", "P1"): (50, 50 / 2600, 50 / 700),
            ("B", "P2"): (425, 425 / 2600, 425 / 775),
            ("B", "P3"): (2125, 2125 / 2600, 1.0),
        },
    )
    km2 = {(r.child_code, r.parent_code): r.overlap_km2 for r in t.itertuples()}
    assert km2[("A", "P1")] == pytest.approx(1 + 1 + 0.25, abs=TOL)
    p = coterminosity(atlas, halves, "pcn", custom_as="parent")
    assert p.groupby("child_code")["relationship"].first().to_dict() == {
        "P1": "split",
        "P2": "split",
        "P3": "nested",
    }
    assert p.loc[p["child_code"] == "P3", "child_residents"].item() == pytest.approx(2125)


def test_area_weighting_overlays_the_polygons(atlas, halves):
    t = coterminosity(atlas, halves, "icb", weight="area")
    # shares of area; residents by areal interpolation of the child's residents
    assert_rows(
        rows(t),
        {
            ("A", "I1"): (1000, 1.0, 0.75),
            ("B", "I1"): (2600 * 0.2, 0.2, 0.25),
            ("B", "I2"): (2600 * 0.8, 0.8, 1.0),
        },
    )
    assert t.set_index("parent_code").loc["I2", "overlap_km2"].item() == pytest.approx(4.0, abs=TOL)
    p = coterminosity(atlas, halves, "lad", custom_as="parent", weight="area")
    assert_rows(
        rows(p),
        {
            ("A", "A"): (600, 1.0, 2 / 3),
            ("B", "A"): (1800 * 0.25, 0.25, 1 / 3),
            ("B", "B"): (1800 * 0.75, 0.75, 0.6),
            ("C", "B"): (1200, 1.0, 0.4),
        },
    )


def test_area_from_lsoa_fragments_equals_the_polygon_overlay(atlas, halves):
    """Every toy tier is a union of LSOA squares, so 'auto' sums LSOA fragments; it must give the
    polygon overlay's table."""
    for tier in ("region", "icb", "sicbl", "utla", "lad", "pcn"):
        assert made_of_lsoas(atlas.lsoa, atlas.tier(tier), tier)
        for side in ("child", "parent"):
            key = [
                "child_code",
                "parent_code",
            ]  # equal shares (S2, S3) may swap order on float noise
            a = coterminosity(atlas, halves, tier, side, "area").sort_values(key, ignore_index=True)
            b = coterminosity(atlas, halves, tier, side, "area", overlay="polygons").sort_values(
                key, ignore_index=True
            )
            assert a[["child_code", "parent_code", "relationship"]].equals(
                b[["child_code", "parent_code", "relationship"]]
            )
            num = ["overlap_residents", "share_of_child", "share_of_parent", "overlap_km2"]
            # the WGS84 layer's outer edge is ~1 mm off the squares: the snap keeps them whole
            np.testing.assert_allclose(
                a[num].to_numpy(float), b[num].to_numpy(float), rtol=TOL, atol=TOL
            )


def test_made_of_lsoas_is_checked_not_assumed(atlas):
    from ics_maps.atlas import Atlas

    tiers = dict(atlas.tiers)
    lad = tiers["lad"].copy()
    lad.loc[0, "geometry"] = lad.geometry.iloc[0].buffer(-10)  # no longer the union of its LSOAs
    tiers["lad"] = lad
    other = Atlas(vintage="toy", tiers=tiers, pcn_lsoa=atlas.pcn_lsoa)
    assert not made_of_lsoas(other.lsoa, other.tier("lad"), "lad")
    assert made_of_lsoas(other.lsoa, other.tier("icb"), "icb")


def test_whole_lsoa_layer_is_coterminous_and_tolerance_applies(atlas):
    whole = read_layer(WHOLE_CSV, "whole.csv", atlas)
    t = coterminosity(atlas, whole, "icb")
    assert t.groupby("child_code")["relationship"].first().to_dict() == {
        "E": "coterminous",
        "W": "coterminous",
    }
    assert len(t) == 2
    halves_bng = read_layer(geojson(layer(HALVES), 27700), "h.geojson", atlas)
    # B has 15.4 % of its residents outside I2 and holds all of I2: within 20 %, the same area
    lax = coterminosity(atlas, halves_bng, "icb", tolerance=0.2)
    assert lax.groupby("child_code")["relationship"].first()["B"] == "coterminous"
    assert (
        coterminosity(atlas, halves_bng, "icb", tolerance=0.15)
        .groupby("child_code")["relationship"]
        .first()["B"]
        == "split"
    )


def test_wgs84_and_bng_uploads_give_the_same_table(atlas, halves):
    bng = read_layer(geojson(layer(HALVES), 27700), "bng.geojson", atlas)
    for tier in ("icb", "lad", "pcn"):
        for side in ("child", "parent"):
            for weight in ("population", "area"):
                a = coterminosity(atlas, halves, tier, side, weight)
                b = coterminosity(atlas, bng, tier, side, weight)
                assert a[["child_code", "parent_code", "relationship"]].equals(
                    b[["child_code", "parent_code", "relationship"]]
                )
                num = ["overlap_residents", "share_of_child", "share_of_parent", "overlap_km2"]
                np.testing.assert_allclose(
                    a[num].to_numpy(float), b[num].to_numpy(float), rtol=TOL, atol=TOL
                )


def test_polygons_and_lsoa_list_agree(atlas):
    """WHOLE drawn as polygons (WGS84, not exactly on the LSOA edges) and as an LSOA list: the snap
    settles every LSOA, so weights are identical and tables agree within 1e-9 (stated tolerance)."""
    poly = read_layer(geojson(layer(WHOLE), 4326), "whole.geojson", atlas)
    lst = read_layer(WHOLE_CSV, "whole.csv", atlas)
    key = ["unit", "lsoa"]
    pd.testing.assert_frame_equal(
        lsoa_weights(poly).sort_values(key).reset_index(drop=True),
        lsoa_weights(lst).sort_values(key).reset_index(drop=True),
    )
    for tier in ("region", "icb", "sicbl", "utla", "lad", "pcn"):
        for side in ("child", "parent"):
            a, b = coterminosity(atlas, poly, tier, side), coterminosity(atlas, lst, tier, side)
            assert a["relationship"].tolist() == b["relationship"].tolist()
            num = ["overlap_residents", "share_of_child", "share_of_parent"]
            np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), atol=1e-9)


def test_unit_summary(atlas, halves):
    s = unit_summary(atlas, halves).set_index("code")
    a, b = s.loc["A"], s.loc["B"]
    assert a["residents"] == pytest.approx(1000, abs=1e-2) and b["residents"] == pytest.approx(
        2600, abs=1e-2
    )
    assert a["area_km2"] == pytest.approx(3, abs=TOL) and a["outside_km2"] == 0
    assert (a["n_lsoa_whole"], a["n_lsoa_part"], b["n_lsoa_whole"], b["n_lsoa_part"]) == (
        2,
        2,
        4,
        2,
    )
    assert (a["n_icb"], a["main_icb"], a["relationship_to_icb"]) == (1, "I1", "nested")
    assert (b["n_icb"], b["main_icb"], b["main_icb_share"]) == (
        2,
        "I2",
        pytest.approx(2200 / 2600, rel=TOL),
    )
    assert (a["n_lad"], a["main_lad"], a["main_lad_share"]) == (2, "A", pytest.approx(0.6, rel=TOL))
    assert (b["n_utla"], b["main_utla"], b["relationship_to_utla"]) == (2, "U1", "split")
    assert (b["n_sicbl"], b["relationship_to_sicbl"]) == (3, "split")
    assert (b["n_pcn"], b["n_pcn_any"]) == (3, 3)  # P1 holds 50/2600 = 1.9 % of B: above 1 %
    whole = unit_summary(atlas, read_layer(WHOLE_CSV, "w.csv", atlas)).set_index("code")
    # located practices: W holds pr1 (L1), pr2 (L5), pr3 (L6); E pr4 (L4), pr5 (L8), pr6 (L7)
    assert whole["n_practices"].to_dict() == {"E": 3, "W": 3}
    assert whole["registered"].to_dict() == {"E": 6000 + 2000 + 1000, "W": 4000 + 3000 + 5000}


def test_cut_pcns(atlas, halves):
    t = cut_pcns(atlas, halves)
    got = {(r.pcn_code, r.unit_code): r.patients for r in t.itertuples()}
    # P1 500: A = L1 50 + L2 150/2 + L5 300 = 425, B = 75
    # P2 400: A = L2 100/2 + L6 200/2 = 150, B = 50 + 100 + L3 100 = 250
    assert got == pytest.approx(
        {("P1", "A"): 425, ("P1", "B"): 75, ("P2", "A"): 150, ("P2", "B"): 250}, rel=TOL
    )
    assert t["pcn_code"].tolist() == ["P2", "P2", "P1", "P1"]  # the most evenly cut first
    assert t.loc[t["pcn_code"] == "P2", "main_share"].iloc[0] == pytest.approx(0.625, rel=TOL)
    assert set(t["n_units"]) == {2} and (t["share_outside"] == 0).all()
    only_a = read_layer(geojson(layer(HALVES[:1]), 27700), "a.geojson", atlas)
    o = cut_pcns(atlas, only_a)
    got = {(r.pcn_code, r.unit_name): r.share_of_pcn for r in o.itertuples()}
    assert got == pytest.approx(
        {
            ("P1", "West half"): 0.85,
            ("P1", "(outside the layer)"): 0.15,
            ("P2", "(outside the layer)"): 0.625,
            ("P2", "West half"): 0.375,
        }
    )
    assert o.loc[o["unit_name"] == "(outside the layer)", "unit_code"].isna().all()
    assert cut_pcns(atlas, halves, tolerance=0.2)["pcn_code"].unique().tolist() == ["P2"]


def test_layer_geojson_carries_the_attributes(atlas, halves):
    doc = json.loads(geojson_bytes(layer_with_summary(atlas, halves)))
    props = {f["properties"]["code"]: f["properties"] for f in doc["features"]}
    assert props["A"]["name"] == "West half" and props["A"]["main_icb"] == "I1"
    assert props["B"]["relationship_to_icb"] == "split"
    assert props["A"]["residents"] == pytest.approx(1000, abs=1e-2)
    lon, lat = np.array(doc["features"][0]["geometry"]["coordinates"][0]).T
    assert (np.abs(lon + 2) < 0.1).all() and (
        np.abs(lat - 50.8) < 0.1
    ).all()  # EPSG:4326, near Poole


def test_bad_arguments(atlas, halves):
    with pytest.raises(
        ValueError, match="one of region, icb, sicbl, utla, lad, pcn, not 'practice'"
    ):
        coterminosity(atlas, halves, "practice")
    with pytest.raises(ValueError, match="custom_as must be 'child' or 'parent'"):
        coterminosity(atlas, halves, "icb", custom_as="sideways")
    with pytest.raises(ValueError, match="tolerance must be in"):
        coterminosity(atlas, halves, "icb", tolerance=1.5)
    with pytest.raises(ValueError, match="unknown weight"):
        coterminosity(atlas, halves, "icb", weight="votes")


# ---------------------------------------------------------------------------- CLI


@pytest.fixture()
def cli(atlas, monkeypatch):
    monkeypatch.setattr(custom_export, "_load_atlas", lambda vintage: atlas)
    return lambda *args: cli_main(list(args))


def test_cli_child_file(cli, tmp_path, capsys):
    f = tmp_path / "evil.geojson"
    f.write_bytes(
        geojson(layer([("A", "=cmd()", HALVES[0][2]), ("B", "<b>B</b>", HALVES[1][2])]), 27700)
    )
    out = tmp_path / "t.csv"
    assert (
        cli("export", "coterminosity", "--child-file", str(f), "--parent", "icb", "--out", str(out))
        == 0
    )
    t = pd.read_csv(out)
    assert list(t.columns) == list(COLUMNS)
    assert t["child_name"].tolist() == ["'=cmd()", "<b>B</b>", "<b>B</b>"]
    assert t["overlap_residents"].tolist() == [1000, 2200, 400]
    err = capsys.readouterr().err
    assert "note: code column guessed: 'code'" in err
    out2 = tmp_path / "p.csv"
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "lad",
            "--parent-file",
            str(f),
            "--code-column",
            "code",
            "--weight",
            "area",
            "--out",
            str(out2),
        )
        == 0
    )
    assert pd.read_csv(out2)["child_code"].tolist() == ["A", "B", "B", "C"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--child-file", "{bad}", "--parent", "icb"), "could not be read as GeoJSON"),
        (("--child-file", "{missing}", "--parent", "icb"), "no such file"),
        (
            ("--child-file", "{good}", "--parent-file", "{good}"),
            "compare one file with an official tier",
        ),
        (
            ("--child-file", "{good}", "--child", "lad", "--parent", "icb"),
            "either --child or --child-file",
        ),
        (("--child-file", "{good}", "--parent", "practice"), "--parent must be an official tier"),
        (
            (
                "--child-file",
                "{good}",
            ),
            "--parent must be an official tier",
        ),
        (
            (
                "--child",
                "lad",
            ),
            "give --child TIER",
        ),
        (
            ("--child-file", "{good}", "--parent", "icb", "--tolerance", "2"),
            "--tolerance must be in",
        ),
        (
            ("--child-file", "{good}", "--parent", "icb", "--code-column", "nope"),
            "has no column 'nope'",
        ),
    ],
)
def test_cli_bad_input_exits_2_without_traceback_or_file(cli, tmp_path, capsys, args, message):
    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_bytes(geojson(layer(HALVES)))
    bad.write_bytes(b"<html>nope</html>")
    paths = {"good": good, "bad": bad, "missing": tmp_path / "missing.geojson"}
    out = tmp_path / "out.csv"
    argv = [a.format(**paths) for a in args]
    assert cli("export", "coterminosity", *argv, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.geojson", "good.geojson"]


def test_cli_weights_layer_cut_pcns_and_profile(cli, tmp_path, monkeypatch):
    f = tmp_path / "list.csv"
    f.write_bytes(WHOLE_CSV)
    w = tmp_path / "w.csv"
    assert cli("export", "weights", "--file", str(f), "--out", str(w)) == 0
    assert pd.read_csv(w).groupby("unit")["lsoa"].apply(sorted).to_dict() == {
        "E": ["L3", "L4", "L7", "L8"],
        "W": ["L1", "L2", "L5", "L6"],
    }
    g = tmp_path / "layer.geojson"
    assert cli("export", "layer", "--file", str(f), "--out", str(g)) == 0
    doc = json.loads(g.read_text())
    assert {
        ft["properties"]["code"]: ft["properties"]["relationship_to_icb"] for ft in doc["features"]
    } == {"E": "coterminous", "W": "coterminous"}
    c = tmp_path / "cut.csv"
    assert cli("export", "cut-pcns", "--file", str(f), "--out", str(c)) == 0
    # W = L1 L2 L5 L6 holds P1 whole; P2 has L3 (100 of its 400 patients) in E
    assert pd.read_csv(c)[["pcn_code", "unit_code", "patients"]].values.tolist() == [
        ["P2", "W", 300],
        ["P2", "E", 100],
    ]
    # people profiles of the file's units: W is exactly I1 (L1 L2 L5 L6), E exactly I2
    from test_profiles import add_people

    people = toy_atlas()
    add_people(people.tiers["lsoa"])
    monkeypatch.setattr(custom_export, "_load_atlas", lambda vintage: people)
    prof = tmp_path / "prof.csv"
    assert cli("export", "profile", "--file", str(f), "--out", str(prof)) == 0
    got = pd.read_csv(prof).set_index("code")
    assert got.loc["W", "residents"] == 1400 and got.loc["E", "residents"] == 2200
    assert got.loc["W", "imd_avg_score"] == pytest.approx(
        (100 * 50 + 200 * 40 + 500 * 10 + 600 * 5) / 1400, abs=1e-6
    )
    with pytest.raises(SystemExit):  # --tier or --file, not both
        cli("export", "profile", "--tier", "icb", "--file", str(f), "--out", str(prof))


def test_no_state_is_kept_between_layers(atlas, halves):
    """Two sessions' layers: each table depends on its own layer only (no module-level cache)."""
    whole = read_layer(WHOLE_CSV, "w.csv", atlas)
    first = coterminosity(atlas, halves, "icb")
    coterminosity(atlas, whole, "icb")
    pd.testing.assert_frame_equal(first, coterminosity(atlas, halves, "icb"))
    assert not any(isinstance(v, type(halves)) for v in vars(custom_tier).values())
