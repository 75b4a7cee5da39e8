"""Reading a user's boundaries: every format, CRS handling, the clip to England and every bad input
(:mod:`ics_maps.readers.user_layer` over the atlas by :mod:`ics_maps.analysis.own_layer`).

The layers are hand-built over the toy atlas (1 km LSOA squares, tests/toy_atlas.py), so each
LSOA's share in each unit is known in advance (tests/unit/layer_files.py).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely
from layer_files import (
    HALVES,
    HALVES_WEIGHTS,
    WHOLE_CSV,
    geojson,
    gpkg,
    km_box,
    layer,
    shapefile_zip,
    weights_dict,
    zip_of,
)
from shapely.geometry import LineString, Point, Polygon
from toy_atlas import KM, X0, Y0, toy_atlas

from ics_maps.analysis.own_layer import read_layer, read_layer_path
from ics_maps.presentation.export import safe_csv
from ics_maps.readers.user_layer import LIMITS, LayerError, Limits

TOL = 1e-5  # shares: WGS84 → BNG (Helmert) is not exactly the inverse of BNG → WGS84 (~1 mm)


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """Send temporary folders to a private place, to check that none is left behind."""
    t = tmp_path / "tmp"
    t.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(t))
    return t


def assert_weights(got: dict, expected: dict, tol: float = TOL) -> None:
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, abs=tol), k


# ---------------------------------------------------------------------------- formats


def upload_formats(tmp_path):
    g = layer(HALVES)
    return {
        "geojson_wgs84.geojson": geojson(g, 4326),
        "geojson_bng_undeclared.geojson": geojson(g, 27700),
        "geojson_bng_declared.json": geojson(g, 27700, declare=True),
        "units.gpkg": gpkg(g),
        "gpkg_wgs84.gpkg": gpkg(g.to_crs(4326)),
        "shapefile.zip": shapefile_zip(g, tmp_path),
        "shapefile_in_folder.zip": shapefile_zip(g, tmp_path / "..", folder="data/"),
    }


def test_every_format_gives_the_hand_computed_weights(atlas, tmp_path):
    for name, data in upload_formats(tmp_path).items():
        got = read_layer(data, name, atlas)
        assert got.kind == "polygons"
        assert list(got.units["code"]) == ["A", "B"], name
        assert list(got.units["name"]) == ["West half", "East part"], name
        assert_weights(weights_dict(got.weights), HALVES_WEIGHTS)
        assert got.units["area_km2"].to_numpy() == pytest.approx([3.0, 5.0], abs=1e-5)
        assert (got.units["outside_km2"] == 0).all()
        assert got.units.crs.to_epsg() == 27700


def test_crs_notes_say_what_was_declared_or_inferred(atlas):
    g = layer(HALVES)
    wgs = read_layer(geojson(g, 4326), "a.geojson", atlas)
    assert "no CRS declared" in wgs.crs and "WGS84" in wgs.crs
    bng = read_layer(geojson(g, 27700), "b.geojson", atlas)
    assert "no CRS declared" in bng.crs and "British National Grid" in bng.crs
    declared = read_layer(geojson(g, 27700, declare=True), "c.geojson", atlas)
    assert "declared in the file" in declared.crs
    pkg = read_layer(gpkg(g.to_crs(3857)), "d.gpkg", atlas)
    assert "EPSG:3857" in pkg.crs and "reprojected" in pkg.crs
    assert_weights(weights_dict(pkg.weights), HALVES_WEIGHTS)


def test_shapefile_without_prj_is_inferred(atlas, tmp_path):
    got = read_layer(shapefile_zip(layer(HALVES), tmp_path, prj=None), "noprj.zip", atlas)
    assert "no CRS declared" in got.crs and "British National Grid" in got.crs
    assert_weights(weights_dict(got.weights), HALVES_WEIGHTS)


def test_read_path_reads_a_file(atlas, tmp_path):
    p = tmp_path / "units.geojson"
    p.write_bytes(geojson(layer(HALVES)))
    got = read_layer_path(p, atlas)
    assert got.file_name == "units.geojson"
    assert_weights(weights_dict(got.weights), HALVES_WEIGHTS)


def test_columns_guessed_and_reported_or_chosen(atlas):
    g = layer(
        [("n1", "Alpha", "x", HALVES[0][2]), ("n2", "Beta", "x", HALVES[1][2])],
        columns=("nbhd_code", "nbhd_name", "kind"),
    )
    got = read_layer(geojson(g), "n.geojson", atlas)
    assert (got.code_column, got.name_column) == ("nbhd_code", "nbhd_name")
    assert any("code column guessed: 'nbhd_code'" in n for n in got.notes)
    assert any("name column guessed: 'nbhd_name'" in n for n in got.notes)
    chosen = read_layer(geojson(g), "n.geojson", atlas, code_column="nbhd_name", name_column="kind")
    assert list(chosen.units["code"]) == ["Alpha", "Beta"] and list(chosen.units["name"]) == [
        "x",
        "x",
    ]
    with pytest.raises(
        LayerError, match=r"no column 'missing' for the code: its columns are 'nbhd_code'"
    ):
        read_layer(geojson(g), "n.geojson", atlas, code_column="missing")


def test_layer_without_attributes_is_numbered(atlas):
    g = layer([(HALVES[0][2],), (HALVES[1][2],)], columns=())
    got = read_layer(geojson(g), "bare.geojson", atlas)
    assert list(got.units["code"]) == ["1", "2"] and list(got.units["name"]) == ["1", "2"]
    assert any("numbered 1 to 2" in n for n in got.notes)


def test_geopackage_with_several_layers_reads_the_polygons_or_the_one_asked(atlas, tmp_path):
    path = tmp_path / "two.gpkg"
    pts = layer([("p", "point", Point(X0 + 500, Y0 + 500))])
    pts.to_file(path, layer="points", driver="GPKG")
    layer(HALVES).to_file(path, layer="units", driver="GPKG")
    got = read_layer_path(path, atlas)
    assert any("2 layers" in n and "read 'units'" in n for n in got.notes)
    with pytest.raises(LayerError, match="holds 1 point where polygons were expected"):
        read_layer_path(path, atlas, layer="points")
    with pytest.raises(LayerError, match="has no layer 'nope'"):
        read_layer_path(path, atlas, layer="nope")


# ---------------------------------------------------------------------------- LSOA lists


def test_lsoa_csv_is_exact_and_guesses_its_columns(atlas):
    got = read_layer(WHOLE_CSV, "list.csv", atlas)
    assert got.kind == "lsoas"
    assert weights_dict(got.weights) == {("W", c): 1.0 for c in ("L1", "L2", "L5", "L6")} | {
        ("E", c): 1.0 for c in ("L3", "L4", "L7", "L8")
    }
    assert sorted(got.units["code"]) == ["E", "W"]
    w = got.units.set_index("code")
    assert w.loc["W", "name"] == "West" and w.loc["W", "area_km2"] == pytest.approx(4.0)
    assert (
        w.loc["W", "geometry"].equals(km_box(0, 0, 2, 2).normalize())
        or w.loc["W", "geometry"].symmetric_difference(km_box(0, 0, 2, 2)).area < 1e-6
    )
    assert any("LSOA column guessed: 'lsoa21cd'" in n for n in got.notes)
    assert any("unit code column guessed: 'unit_code'" in n for n in got.notes)


def test_lsoa_csv_semicolons_and_cp1252(atlas):
    data = "LSOA;Area;Label\nL1;n1;Caf\xe9 \xbd\nL2;n1;Caf\xe9 \xbd\n".encode("cp1252")
    got = read_layer(data, "semi.csv", atlas, code_column="Area", name_column="Label")
    assert got.units["name"].tolist() == ["Café ½"]
    assert any("Windows-1252" in n for n in got.notes)


def test_lsoa_2011_rule(atlas):
    data = b"LSOA11CD,unit\nL1,u\nL2,u\nE01099999,u\n"
    with pytest.raises(
        LayerError, match=r"1 LSOA 2011 code\(s\) do not exist in 2021.*E01099999.*line 4"
    ):
        read_layer(data, "old.csv", atlas)
    got = read_layer(data, "old.csv", atlas, drop_unknown_lsoas=True)
    assert weights_dict(got.weights) == {("u", "L1"): 1.0, ("u", "L2"): 1.0}
    assert any("LSOA 2011 codes that still exist in 2021" in n for n in got.notes)
    assert any("dropped 1 row(s)" in n and "E01099999" in n for n in got.notes)


def test_lsoa_csv_refusals(atlas):
    with pytest.raises(
        LayerError, match=r"1 code\(s\) are not LSOA 2021 codes of England: E01099999"
    ):
        read_layer(b"lsoa,unit\nL1,u\nE01099999,u\n", "bad.csv", atlas)
    with pytest.raises(LayerError, match=r"given to more than one unit \(e.g. L1 to 'a', 'b'\)"):
        read_layer(b"lsoa,unit\nL1,a\nL1,b\n", "twice.csv", atlas)
    with pytest.raises(LayerError, match=r"column 'unit' is empty on line 3"):
        read_layer(b"lsoa,unit\nL1,a\nL2,\n", "blank.csv", atlas)
    with pytest.raises(LayerError, match="needs a column naming each LSOA's unit"):
        read_layer(b"lsoa\nL1\nL2\n", "one.csv", atlas)
    with pytest.raises(LayerError, match="no column of LSOA codes"):
        read_layer(b"name,value\nx,1\n", "table.csv", atlas)
    with pytest.raises(LayerError, match="has no rows"):
        read_layer(b"lsoa,unit\n", "header.csv", atlas)


# ---------------------------------------------------------------------------- geometry


def test_self_intersecting_polygon_is_repaired_and_reported(atlas):
    x, y = X0, Y0
    bowtie = Polygon([(x, y), (x + 2 * KM, y + 2 * KM), (x + 2 * KM, y), (x, y + 2 * KM), (x, y)])
    got = read_layer(geojson(layer([("bow", "Bowtie", bowtie)]), 27700), "bow.geojson", atlas)
    assert any(
        "1 invalid polygon(s) repaired with make_valid" in n and "Self-intersection" in n
        for n in got.notes
    )
    # the two triangles of the bowtie: 2 km² in all; each 1 km² square is half inside
    assert got.units.loc[0, "area_km2"] == pytest.approx(2.0, abs=1e-6)
    assert_weights(
        weights_dict(got.weights), {("bow", c): 0.5 for c in ("L1", "L2", "L5", "L6")}, 1e-9
    )


def test_points_and_lines_are_refused(atlas):
    pts = layer([("p", "P", Point(X0 + 10, Y0 + 10)), ("q", "Q", Point(X0 + 20, Y0 + 20))])
    with pytest.raises(
        LayerError,
        match=r"holds 2 points where polygons were expected \(features 1 \(p\), 2 \(q\)\)",
    ):
        read_layer(geojson(pts, 27700), "pts.geojson", atlas)
    lines = layer([("l", "L", LineString([(X0, Y0), (X0 + 100, Y0 + 100)])), HALVES[0]])
    with pytest.raises(
        LayerError,
        match=r"1 line where polygons were expected \(feature 1 \(l\)\).*not points or lines",
    ):
        read_layer(geojson(lines, 27700), "lines.geojson", atlas)


def test_unknown_and_implausible_crs_are_refused(atlas, tmp_path):
    doc = json.loads(geojson(layer(HALVES), 27700))
    doc["crs"] = {"type": "name", "properties": {"name": "EPSG:999999"}}
    with pytest.raises(LayerError, match="declares an unknown CRS 'EPSG:999999'"):
        read_layer(json.dumps(doc).encode(), "odd.geojson", atlas)
    with pytest.raises(LayerError, match="declares an unknown CRS"):
        read_layer(shapefile_zip(layer(HALVES), tmp_path, prj="NOT A PROJECTION"), "odd.zip", atlas)
    with pytest.raises(LayerError, match=r"declares EPSG:2193 .* not England"):
        read_layer(gpkg(layer(HALVES).set_crs(2193, allow_override=True)), "nz.gpkg", atlas)
    with pytest.raises(LayerError, match=r"declares EPSG:4326 .* are not degrees"):
        read_layer(gpkg(layer(HALVES).set_crs(4326, allow_override=True)), "mixed.gpkg", atlas)
    far = layer([("x", "X", Polygon([(100, 10), (101, 10), (101, 11), (100, 10)]))]).set_crs(
        None, allow_override=True
    )
    with pytest.raises(
        LayerError, match="neither longitude/latitude in England nor British National Grid"
    ):
        read_layer(
            json.dumps(json.loads(far.to_json(drop_id=True))).encode(), "asia.geojson", atlas
        )


def test_outside_england_refused_and_partly_outside_clipped(atlas):
    away = layer([("far", "Far", km_box(100, 100, 101, 101))])
    with pytest.raises(LayerError, match=r"no part of far.geojson lies in England"):
        read_layer(geojson(away, 27700), "far.geojson", atlas)
    paris = layer([("p", "Paris", shapely.box(2.3, 48.8, 2.4, 48.9))]).set_crs(
        4326, allow_override=True
    )
    with pytest.raises(
        LayerError,
        match=r"paris.geojson: its coordinates \(x 2.3 to 2.4, y 48.8 to 48.9\) read "
        r"as EPSG:4326 \(WGS 84\) do not fall in Great Britain",
    ):
        read_layer(geojson(paris, 4326), "paris.geojson", atlas)
    # C reaches 1 km east of the toy England; D is wholly outside and dropped
    edge = layer([("C", "Coast", km_box(3, 0, 5, 2)), ("D", "Sea", km_box(6, 0, 7, 1))])
    got = read_layer(geojson(edge, 27700), "edge.geojson", atlas)
    assert list(got.units["code"]) == ["C"]
    c = got.units.iloc[0]
    assert c["area_km2"] == pytest.approx(2.0) and c["outside_km2"] == pytest.approx(2.0)
    assert c.geometry.area == pytest.approx(2e6)
    assert any("50.00% of the layer's area (2.00 km²) lies outside England" in n for n in got.notes)
    assert any("wholly outside England and were dropped: feature 2 (D)" in n for n in got.notes)
    assert weights_dict(got.weights) == {("C", "L4"): 1.0, ("C", "L8"): 1.0}


def test_overlapping_units_are_reported(atlas):
    g = layer([("a", "A", km_box(0, 0, 2, 1)), ("b", "B", km_box(1, 0, 3, 1))])
    got = read_layer(geojson(g, 27700), "over.geojson", atlas)
    assert any(
        "units overlap: 1 LSOA(s)" in n and "200 residents are counted twice" in n
        for n in got.notes
    )


def test_duplicate_codes_are_refused(atlas):
    g = layer(
        [
            ("A", "one", km_box(0, 0, 1, 1)),
            ("B", "two", km_box(1, 0, 2, 1)),
            ("A", "three", km_box(2, 0, 3, 1)),
        ]
    )
    with pytest.raises(
        LayerError, match=r"column 'code' has duplicate codes: 'A' \(features 1, 3\)"
    ):
        read_layer(geojson(g), "dup.geojson", atlas, code_column="code")
    with pytest.raises(LayerError, match="duplicate codes"):
        read_layer(
            geojson(g), "dup.geojson", atlas
        )  # a column named 'code' is the guess, duplicates or not


def test_html_and_formulas_in_names_stay_text(atlas):
    evil = ["<script>alert('x')</script>", '=HYPERLINK("http://x")', "+1+2", "@SUM(A1)"]
    g = layer([(f"c{i}", n, km_box(i, 0, i + 1, 1)) for i, n in enumerate(evil)])
    got = read_layer(geojson(g), "evil.geojson", atlas)
    assert list(got.units["name"]) == evil
    text = safe_csv(got.units).decode()
    assert "'=HYPERLINK" in text and "'+1+2" in text and "'@SUM(A1)" in text
    assert "<script>alert('x')</script>" in text  # text, not markup: escaping is the renderer's job


# ---------------------------------------------------------------------------- bad files


def test_non_geographic_files_are_refused(atlas):
    with pytest.raises(
        LayerError,
        match=r"report.xlsx is not a supported boundary file: upload polygons as GeoJSON",
    ):
        read_layer(b"PK\x03\x04 not really", "report.xlsx", atlas)
    with pytest.raises(
        LayerError, match=r"page.geojson could not be read as GeoJSON.*geographic file"
    ):
        read_layer(b"<html><body>Not found</body></html>", "page.geojson", atlas)
    with pytest.raises(LayerError, match=r"lonely.shp: a shapefile needs its .shx, .dbf and .prj"):
        read_layer(b"\x00\x00\x27\x0a", "lonely.shp", atlas)
    with pytest.raises(LayerError, match="notes.zip holds no shapefile"):
        read_layer(zip_of({"notes.txt": b"hello"}), "notes.zip", atlas)
    with pytest.raises(LayerError, match="is not a readable zip file"):
        read_layer(b"not a zip at all", "broken.zip", atlas)
    with pytest.raises(LayerError, match="broken.gpkg could not be read as GeoPackage"):
        read_layer(b"SQLite format 3\x00 but broken", "broken.gpkg", atlas)


def test_empty_layers_are_refused(atlas):
    with pytest.raises(LayerError, match=r"empty.geojson is empty \(0 bytes\)"):
        read_layer(b"", "empty.geojson", atlas)
    fc = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    with pytest.raises(LayerError, match="none.geojson has no features: the layer is empty"):
        read_layer(fc, "none.geojson", atlas)
    null = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"code": "x"}, "geometry": None}],
        }
    ).encode()
    with pytest.raises(LayerError, match=r"1 feature\(s\) have no geometry: feature 1 \(x\)"):
        read_layer(null, "null.geojson", atlas)


def test_zip_path_traversal_is_refused_and_nothing_escapes(atlas, tmp_path, private_tmp):
    g = layer(HALVES)
    good = zipfile.ZipFile(__import__("io").BytesIO(shapefile_zip(g, tmp_path)))
    members = {i.filename: good.read(i) for i in good.infolist()}
    for bad in ("../evil.shp", "a/../../evil.shp", "/abs/evil.shp", "C:\\evil.shp", "..\\evil.shp"):
        data = zip_of({**members, bad: members["units.shp"]})
        with pytest.raises(LayerError, match="absolute or '..' path: refused"):
            read_layer(data, "traversal.zip", atlas)
    assert not (private_tmp.parent / "evil.shp").exists() and not (tmp_path / "evil.shp").exists()
    assert os.listdir(private_tmp) == []


def test_zip_bomb_and_oversized_zip_are_refused_before_extracting(atlas, private_tmp):
    bomb = zip_of({"units.shp": b"\0" * (20 * 1024 * 1024)})  # 20 MiB of zeros in ~20 KB
    assert len(bomb) < 100_000
    with pytest.raises(LayerError, match=r"would expand from .* to 20.0 MB .* possible zip bomb"):
        read_layer(bomb, "bomb.zip", atlas)
    many = zip_of({f"f{i}.txt": b"x" for i in range(LIMITS.max_zip_members + 1)})
    with pytest.raises(
        LayerError, match=f"holds {LIMITS.max_zip_members + 1} files, over the limit"
    ):
        read_layer(many, "many.zip", atlas)
    small = Limits(max_unzipped_bytes=1000)
    with pytest.raises(LayerError, match="would expand to 2.0 KB, over the 1,000 bytes limit"):
        read_layer(zip_of({"units.shp": os.urandom(2000)}), "big.zip", atlas, limits=small)
    assert os.listdir(private_tmp) == []


def test_zip_temp_folder_is_removed_after_success_and_failure(atlas, tmp_path, private_tmp):
    read_layer(shapefile_zip(layer(HALVES), tmp_path), "ok.zip", atlas)
    assert os.listdir(private_tmp) == []
    pts = layer([("p", "P", Point(X0 + 10, Y0 + 10))])
    with pytest.raises(LayerError):
        read_layer(shapefile_zip(pts, tmp_path / ".."), "pts.zip", atlas)
    assert os.listdir(private_tmp) == []


def test_upload_over_the_limits_is_refused(atlas, tmp_path):
    big = b" " * (LIMITS.max_bytes + 1)
    with pytest.raises(LayerError, match=r"huge.geojson is 50.0 MB, over the 50.0 MB upload limit"):
        read_layer(big, "huge.geojson", atlas)
    sparse = tmp_path / "huge.gpkg"
    with open(sparse, "wb") as f:
        f.truncate(60 * 1024 * 1024)  # 60 MB on paper: refused from its size, never read
    with pytest.raises(LayerError, match=r"huge.gpkg is 60.0 MB, over the 50.0 MB upload limit"):
        read_layer_path(sparse, atlas)
    with pytest.raises(LayerError, match="has more than 1 features, over the limit of 1 units"):
        read_layer(geojson(layer(HALVES)), "two.geojson", atlas, limits=Limits(max_features=1))
    with pytest.raises(LayerError, match="has 10 vertices, over the limit of 9"):
        read_layer(geojson(layer(HALVES)), "two.geojson", atlas, limits=Limits(max_vertices=9))
    with pytest.raises(LayerError, match=r"more than 2 rows, over the limit"):
        read_layer(WHOLE_CSV, "rows.csv", atlas, limits=Limits(max_csv_rows=2))
    with pytest.raises(LayerError, match="no such file"):
        read_layer_path(tmp_path / "missing.geojson", atlas)


# ---------------------------------------------------------------------------- sessions


def test_reading_leaves_the_shared_atlas_untouched(atlas):
    before = {t: atlas.tier(t).copy() for t in ("lsoa", "icb", "pcn")}
    pcn_lsoa = atlas.pcn_lsoa.copy()
    one = read_layer(geojson(layer(HALVES)), "one.geojson", atlas)
    two = read_layer(WHOLE_CSV, "two.csv", atlas)
    one.units.loc[0, "name"] = "changed by session one"
    one.weights.loc[0, "share"] = 0.0
    assert two.units["name"].tolist() == ["East", "West"] or set(two.units["name"]) == {
        "East",
        "West",
    }
    for t, df in before.items():
        pd.testing.assert_frame_equal(atlas.tier(t), df)
    pd.testing.assert_frame_equal(atlas.pcn_lsoa, pcn_lsoa)
    again = read_layer(geojson(layer(HALVES)), "one.geojson", atlas)
    assert_weights(weights_dict(again.weights), HALVES_WEIGHTS)
    assert np.isclose(again.units["area_km2"], [3, 5]).all()


def test_errors_about_columns_offer_the_files_columns(atlas):
    """A page can offer another code column when the error is about the columns, and only then."""
    g = layer([("A", "one", km_box(0, 0, 1, 1)), ("A", "two", km_box(1, 0, 2, 1))])
    with pytest.raises(LayerError) as dup:
        read_layer(geojson(g), "dup.geojson", atlas)
    assert dup.value.columns == ("code", "name")
    pts = layer([("p", "P", Point(X0 + 10, Y0 + 10))])
    with pytest.raises(LayerError) as points:
        read_layer(geojson(pts, 27700), "pts.geojson", atlas)
    assert points.value.columns == ()
    with pytest.raises(LayerError) as twice:
        read_layer(b"lsoa,unit,other\nL1,a,x\nL1,b,x\n", "twice.csv", atlas)
    assert twice.value.columns == ("unit", "other")
    with pytest.raises(LayerError) as unknown:
        read_layer(b"lsoa,unit\nL1,u\nE01099999,u\n", "bad.csv", atlas)
    assert unknown.value.columns == ()
