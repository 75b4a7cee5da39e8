"""CSV and GeoJSON exports: formula injection, atomic writes, CRS, and the `export` commands."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os

import pandas as pd
import pytest
from toy_atlas import toy_atlas

from ics_maps.cli import export as cli_export
from ics_maps.presentation import export


def cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-5", "-5"),  # text that is only a number is harmless and kept
        ("-0.25", "-0.25"),
        ("1e-3", "1e-3"),
        ("NHS Norfolk and Waveney", "NHS Norfolk and Waveney"),
        ("a=b", "a=b"),  # only the first character matters
    ],
)
def test_neutralise(value, expected):
    assert export.neutralise(value) == expected


def test_safe_csv_keeps_numbers_and_utf8_and_header():
    df = pd.DataFrame(
        {
            "code": ["=1+1", "E54000067", None],
            "share": [-0.5, 1.0, float("nan")],
            "n": pd.array([-3, 4, None], dtype="Int64"),
            "name": ["Hôpital – Ōsaka", "-7", "@x"],
            "=evil": ["ok", "ok", "ok"],
        }
    )
    out = cells(export.safe_csv(df))
    assert out[0] == ["code", "share", "n", "name", "'=evil"]
    assert out[1] == ["'=1+1", "-0.5", "-3", "Hôpital – Ōsaka", "ok"]
    assert out[2] == ["E54000067", "1.0", "4", "-7", "ok"]
    assert out[3] == ["", "", "", "'@x", "ok"]
    assert "Ōsaka".encode("utf-8") in export.safe_csv(df)
    assert df.loc[0, "code"] == "=1+1"  # the caller's frame is untouched


def test_safe_csv_writes_counts_as_integers_and_rounds_float_noise():
    df = pd.DataFrame(
        {
            "overlap_residents": [92376.0, 143941.99999999994],
            "patients": [24222.14997455996, 1.0],
            "share_of_child": [0.031139527506818598, 1.0],
            "overlap_km2": [94.55532838475665, 0.0],
        }
    )
    out = cells(export.safe_csv(df))
    assert out[1:] == [["92376", "24222.15", "0.03114", "94.555"], ["143942", "1.0", "1.0", "0.0"]]
    assert df["overlap_residents"].dtype == float  # the caller's frame is untouched


def test_safe_csv_string_dtype_and_geodataframe():
    atlas = toy_atlas()
    lad = atlas.tier("lad").copy()
    lad["name"] = pd.array(["=A", "+B", "C"], dtype="string")
    out = cells(export.safe_csv(lad))
    assert "geometry" not in out[0]
    assert [r[out[0].index("name")] for r in out[1:]] == ["'=A", "'+B", "C"]


def test_write_csv_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "t.csv"  # in an existing folder: a missing one is refused (test_output)
    old = os.umask(0o022)
    try:
        export.write_csv(pd.DataFrame({"a": [1]}), target)
    finally:
        os.umask(old)
    assert target.read_text(encoding="utf-8") == "a\n1\n"
    assert target.stat().st_mode & 0o777 == 0o644  # the umask applies, not mkstemp's private 0600

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(export.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        export.write_csv(pd.DataFrame({"a": [2]}), target)
    assert target.read_text(encoding="utf-8") == "a\n1\n"  # the old file survives
    assert sorted(os.listdir(target.parent)) == ["t.csv"]  # no temp file left behind


def test_write_geojson_in_wgs84(tmp_path):
    atlas = toy_atlas()
    path = export.write_geojson(atlas.tier("icb"), tmp_path / "icb.geojson")
    gj = json.loads(path.read_text())
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 2
    assert gj["name"] == "icb"  # the layer is named after the file, not the temp file
    props = {f["properties"]["code"]: f["properties"] for f in gj["features"]}
    assert props["I1"]["residents"] == 1400
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0][0]
    assert -3 < lon < -1 and 50 < lat < 52  # 400000, 100000 in British National Grid is Dorset
    export.write_geojson(atlas.tier("lad"), path)  # overwrite in place
    assert len(json.loads(path.read_text())["features"]) == 3
    assert sorted(os.listdir(tmp_path)) == ["icb.geojson"]


def test_write_geojson_points_with_missing_locations(tmp_path):
    path = export.write_geojson(toy_atlas().practices, tmp_path / "p.geojson")
    feats = json.loads(path.read_text())["features"]
    assert len(feats) == 7 and sum(f["geometry"] is None for f in feats) == 1


def test_geojson_bytes_is_the_layer_in_wgs84():
    """The in-app "Download this layer" bytes: the same features as the CLI's file, lon/lat."""
    atlas = toy_atlas()
    pr = atlas.practices.assign(name=["=cmd|' /C calc'!A0", *atlas.practices["name"][1:]])
    gj = json.loads(export.geojson_bytes(pr))
    assert gj["type"] == "FeatureCollection" and "crs" not in gj and len(gj["features"]) == 7
    assert sum(f["geometry"] is None for f in gj["features"]) == 1  # pr7 has no location
    props = {f["properties"]["code"]: f["properties"] for f in gj["features"]}
    assert props["pr7"]["list_size"] is None and props["pr1"]["list_size"] == 4000
    assert props["pr1"]["name"] == "=cmd|' /C calc'!A0"  # data, not a spreadsheet cell
    lon, lat = next(f["geometry"]["coordinates"] for f in gj["features"] if f["geometry"])
    assert -3 < lon < -1 and 50 < lat < 52
    icb = json.loads(export.geojson_bytes(atlas.tier("icb").to_crs(4326)))  # already lon/lat
    assert [f["properties"]["code"] for f in icb["features"]] == ["I1", "I2"]
    with pytest.raises(ValueError, match="no CRS"):
        export.geojson_bytes(atlas.tier("icb").set_crs(None, allow_override=True))


# ---------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(monkeypatch):
    atlas = toy_atlas()
    loads = []
    monkeypatch.setattr(cli_export, "_atlas", lambda vintage: loads.append(vintage) or atlas)
    parser = argparse.ArgumentParser(prog="ics-maps")
    cli_export.add_export_parser(parser.add_subparsers(dest="command"))

    def run(*argv):
        args = parser.parse_args(list(argv))
        return args.func(args)

    run.loads = loads
    return run


def test_cli_coterminosity(cli, tmp_path, capsys):
    out = tmp_path / "lad_icb.csv"
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "lad",
            "--parent",
            "icb",
            "--vintage",
            "2024",
            "--out",
            str(out),
        )
        == 0
    )
    df = pd.read_csv(out)
    assert list(df.columns) == [
        "child_code",
        "child_name",
        "parent_code",
        "parent_ods",  # an ICB's ODS code beside its ONS code (the toy's ODS codes are its codes)
        "parent_name",
        "overlap_residents",
        "child_residents",
        "parent_residents",
        "share_of_child",
        "share_of_parent",
        "overlap_km2",
        "relationship",
    ]
    assert len(df) == 4 and cli.loads == ["2024"]
    assert df["parent_ods"].tolist() == df["parent_code"].tolist()
    assert df.loc[df["child_code"] == "B", "relationship"].tolist() == ["split", "split"]
    assert "wrote 4 rows" in capsys.readouterr().out


def test_cli_tolerance_and_area(cli, tmp_path):
    out = tmp_path / "pcn.csv"
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "pcn",
            "--parent",
            "icb",
            "--tolerance",
            "0.1",
            "--out",
            str(out),
        )
        == 0
    )
    df = pd.read_csv(out)
    assert df.loc[df["child_code"] == "P2", "relationship"].unique().tolist() == ["nested"]
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "lad",
            "--parent",
            "icb",
            "--weight",
            "area",
            "--out",
            str(out),
        )
        == 0
    )
    df = pd.read_csv(out)
    assert (
        df.loc[(df["child_code"] == "B") & (df["parent_code"] == "I1"), "overlap_residents"].item()
        == 900
    )


def test_cli_summary_and_geojson(cli, tmp_path):
    assert cli("export", "summary", "--tier", "icb", "--out", str(tmp_path / "s.csv")) == 0
    s = pd.read_csv(tmp_path / "s.csv")
    assert s["n_lad_part"].tolist() == [1, 1]
    assert cli("export", "geojson", "--tier", "pcn", "--out", str(tmp_path / "pcn.geojson")) == 0
    assert len(json.loads((tmp_path / "pcn.geojson").read_text())["features"]) == 3


def test_cli_errors(cli, tmp_path, capsys):
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "lad",
            "--parent",
            "lad",
            "--out",
            str(tmp_path / "x.csv"),
        )
        == 2
    )
    assert "same tier" in capsys.readouterr().err
    assert cli.loads == []  # rejected before loading any atlas
    assert not (tmp_path / "x.csv").exists()
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "icb",
            "--parent",
            "practice",
            "--out",
            str(tmp_path / "x.csv"),
        )
        == 2
    )
    with pytest.raises(SystemExit):
        cli("export", "coterminosity", "--child", "ward", "--parent", "icb", "--out", "x.csv")
    with pytest.raises(SystemExit):
        cli("export", "summary", "--tier", "icb")  # --out is required
    assert (
        cli(
            "export",
            "coterminosity",
            "--child",
            "lad",
            "--parent",
            "icb",
            "--tolerance",
            "2",
            "--out",
            str(tmp_path / "x.csv"),
        )
        == 2
    )
