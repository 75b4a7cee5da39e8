"""Bad input for `ics-maps rebase`: each case gets a clear message and nothing is written.

Runs the real command (``ics_maps.cli.main.main``) on the two toy vintages of
test_crosswalk.py, standing in for 2024 (old) and 2026 (new), so no atlas needs building.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from test_crosswalk import NEW, OLD, toy_vintage

import ics_maps.cli.export as cli_export
import ics_maps.cli.rebase as cli_rebase
from ics_maps.analysis.rebase import MAX_BYTES, read_table
from ics_maps.cli.main import main

GOOD = "icb_code,name,deaths\nI1,North,10\nI5,Centre,240\n"


@pytest.fixture()
def run(tmp_path, monkeypatch, capsys):
    toys = {"2024": toy_vintage("2024", OLD), "2026": toy_vintage("2026", NEW)}
    monkeypatch.setattr(cli_export, "_atlas", lambda vid: toys[vid])
    monkeypatch.setattr(cli_rebase, "built_atlases", lambda: toys)

    def go(text: str | bytes | None, *extra: str, code: str = "icb_code"):
        src = tmp_path / "in.csv"
        if text is not None:
            src.write_bytes(text.encode() if isinstance(text, str) else text)
        out = tmp_path / "out.csv"
        rc = main(
            [
                "rebase",
                "--tier",
                "icb",
                "--from",
                "2024",
                "--to",
                "2026",
                "--in",
                str(src),
                "--code-column",
                code,
                "--out",
                str(out),
                *extra,
            ]
        )
        err = capsys.readouterr().err
        return rc, err, out

    return go


def test_good_file_is_written(run):
    rc, err, out = run(GOOD)
    assert rc == 0, err
    got = pd.read_csv(out).set_index("to_code")
    assert (
        got.loc["I1", "deaths"] == 10
        and got.loc["M1", "deaths"] == 70
        and got.loc["N1", "deaths"] == 170
    )
    assert (
        got.loc["N1", "deaths_apportioned_share"] == 1
        and got.loc["I1", "deaths_apportioned_share"] == 0
    )


def test_missing_code_column(run):
    rc, err, out = run(GOOD, code="ccg")
    assert rc == 2 and "has no column 'ccg'" in err and "['icb_code', 'name', 'deaths']" in err
    assert not out.exists()


def test_codes_of_another_vintage_say_which_and_how_many(run):
    rc, err, out = run("icb_code,deaths\nI1,1\nM1,2\nN1,3\nQ2,4\n")
    assert rc == 2
    assert "3 of 4 rows have codes that are not icb 2024 codes" in err and "line(s) 3, 4, 5" in err
    assert "icb 2026 GSS codes (2 rows)" in err and "icb 2024 ODS codes (1 rows)" in err
    assert not out.exists()


def test_codes_of_no_known_tier(run):
    rc, err, _ = run("icb_code,deaths\nE99999999,1\n")
    assert rc == 2 and "they match no tier of any vintage" in err


def test_duplicate_codes_name_the_lines(run):
    rc, err, out = run("icb_code,deaths\nI1,1\nI2,2\nI1,3\n")
    assert rc == 2 and "2 rows repeat the same icb_code (e.g. 'I1') at line(s) 2, 4" in err
    assert not out.exists()


def test_duplicates_allowed_across_by_columns(run):
    rc, err, out = run("icb_code,month,deaths\nI1,jan,1\nI1,feb,3\n", "--by", "month")
    assert rc == 0, err
    assert pd.read_csv(out)["deaths"].tolist() == [3, 1]  # sorted by month: feb, jan


def test_non_numeric_values_name_column_and_lines(run):
    rc, err, out = run("icb_code,deaths,beds\nI1,10,5\nI2,*,6\nI3,n/a,7\nI4,1,\n")
    assert rc == 2
    assert "column 'deaths' has non-numeric or empty values at line(s) 3, 4" in err and "'*'" in err
    assert not out.exists()
    rc, err, _ = run('icb_code,deaths\nI1,"1,234"\nI2,5\n')  # thousands separators are numbers
    assert rc == 0, err


def test_rate_without_denominator_and_bad_rate_option(run):
    rc, err, out = run("icb_code,population,mortality_rate\nI1,300,2\n")
    assert rc == 2 and "'mortality_rate' looks like a rate" in err and not out.exists()
    rc, err, _ = run("icb_code,population,mortality_rate\nI1,300,2\n", "--rate", "mortality_rate")
    assert rc == 2 and "expected RATE_COLUMN=DENOMINATOR_COLUMN" in err
    rc, err, _ = run(
        "icb_code,population,mortality_rate\nI1,300,2\n", "--rate", "mortality_rate=pop"
    )
    assert rc == 2 and "denominator column 'pop' is not a numeric column" in err


def test_a_file_over_50_mb_is_refused_before_reading(run, tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    with open(src, "wb") as fh:  # a sparse file: 50 MB + 1 byte without writing them
        fh.write(GOOD.encode())
        fh.truncate(MAX_BYTES + 1)

    def no_read(*a, **k):
        raise AssertionError("the file was read")

    monkeypatch.setattr(pd, "read_csv", no_read)
    rc, err, out = run(None)
    assert rc == 2 and "is 50.0 MB: files over 50 MB are refused" in err and not out.exists()


def test_an_upload_over_the_limit_is_refused():
    with pytest.raises(ValueError, match="the upload is 0.0 MB: files over 0 MB"):
        read_table(b"icb_code,deaths\nI1,1\n", max_bytes=10)


def test_failure_leaves_an_existing_output_untouched(run, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("previous result\n")
    before = os.stat(out).st_mtime_ns
    rc, _, _ = run("icb_code,deaths\nI1,1\nI1,2\n")
    assert rc == 2 and out.read_text() == "previous result\n" and os.stat(out).st_mtime_ns == before
    assert [
        p.name for p in tmp_path.iterdir() if p.name.startswith(".out")
    ] == []  # no temp file left


def test_output_cannot_overwrite_the_input(run, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    rc = main(
        [
            "rebase",
            "--tier",
            "icb",
            "--from",
            "2024",
            "--to",
            "2026",
            "--in",
            str(src),
            "--code-column",
            "icb_code",
            "--out",
            str(src),
        ]
    )
    assert rc == 2 and src.read_text() == GOOD


# ---------------------------------------------------------------------------- the paths


def rebase_args(src, out) -> list[str]:
    return [
        "rebase",
        "--tier",
        "icb",
        "--from",
        "2024",
        "--to",
        "2026",
        "--in",
        str(src),
        "--code-column",
        "icb_code",
        "--out",
        str(out),
    ]


def test_input_that_is_a_directory_or_a_device_is_refused(run, tmp_path, capsys):
    assert main(rebase_args(tmp_path, tmp_path / "o.csv")) == 2
    assert "is a directory: expected a CSV file" in capsys.readouterr().err
    assert main(rebase_args("/dev/zero", tmp_path / "o.csv")) == 2
    assert "is not a regular file (a device, pipe or socket)" in capsys.readouterr().err
    assert main(rebase_args(tmp_path / "nope.csv", tmp_path / "o.csv")) == 2
    assert "nope.csv: no such file" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_output_that_is_a_directory_or_a_device_is_refused(run, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    (tmp_path / "folder").mkdir()
    assert main(rebase_args(src, tmp_path / "folder")) == 2
    assert "folder is a directory (give a file name in it" in capsys.readouterr().err
    assert os.listdir(tmp_path / "folder") == []
    assert main(rebase_args(src, "/dev/null")) == 2
    assert "/dev/null is not a regular file" in capsys.readouterr().err


def test_output_through_a_symlink_to_the_input_is_refused(run, tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    (tmp_path / "link.csv").symlink_to(src)
    assert main(rebase_args(src, tmp_path / "link.csv")) == 2
    assert "is the input file" in capsys.readouterr().err and src.read_text() == GOOD


def test_output_inside_the_atlas_cache_or_the_mirror_is_refused(run, tmp_path, monkeypatch, capsys):
    src = tmp_path / "in.csv"
    src.write_text(GOOD)
    monkeypatch.setenv("ICS_MAPS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ICS_MAPS_MIRROR", str(tmp_path / "raw"))
    assert main(rebase_args(src, tmp_path / "data" / "atlas" / "2026.json")) == 2
    assert "lies inside the atlas cache" in capsys.readouterr().err
    assert main(rebase_args(src, tmp_path / "raw" / "lookup" / "x.csv")) == 2
    assert "lies inside the data mirror" in capsys.readouterr().err
    assert not (tmp_path / "data").exists() and not (tmp_path / "raw").exists()
    # A folder that does not exist is not made (issue 16, finding 8): the command says so.
    assert main(rebase_args(src, tmp_path / "new" / "out.csv")) == 2
    assert "does not exist: create it first" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
    (tmp_path / "new").mkdir()
    assert main(rebase_args(src, tmp_path / "new" / "out.csv")) == 0
    assert (tmp_path / "new" / "out.csv").is_file()


def test_export_crosswalk_refuses_a_directory_before_loading_anything(
    tmp_path, monkeypatch, capsys
):
    def no_atlas(vid):
        raise AssertionError("an atlas was loaded")

    monkeypatch.setattr(cli_export, "_atlas", no_atlas)
    argv = ["export", "crosswalk", "--tier", "icb", "--from", "2024", "--to", "2026"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_export_crosswalk_writes_the_table(tmp_path, monkeypatch, capsys):
    toys = {"2024": toy_vintage("2024", OLD), "2026": toy_vintage("2026", NEW)}
    monkeypatch.setattr(cli_export, "_atlas", lambda vid: toys[vid])
    out = tmp_path / "xw.csv"
    argv = ["export", "crosswalk", "--tier", "icb", "--from", "2024", "--to", "2026"]
    assert main([*argv, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "8 -> 7 units; 1 unchanged, 2 recoded, 2 boundary, 2 merged, 1 split" in said
    got = pd.read_csv(out)
    assert len(got) == 10 and got["residents"].sum() == sum(range(1, 14)) * 100
