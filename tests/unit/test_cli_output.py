"""`--out` and the CLI's errors (issue 16, findings 2 and 8), on the toy atlas.

Every target that must not be replaced is a decoy made under tmp_path (a FIFO, a socket, a folder,
a symlink to a file), never a real system path. Each refusal exits with code 2 and a message that
names the path and says what to give instead, and leaves the decoy as it was.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
from pathlib import Path

import pandas as pd
import pytest

import ics_maps.atlas.build as build
from ics_maps.cli import export as cli_export
from ics_maps.cli.main import main
from ics_maps.errors import DataError
from ics_maps.presentation import export
from tests.toy_atlas import toy_atlas

SUMMARY = ["export", "summary", "--tier", "icb", "--vintage", "2024", "--out"]


@pytest.fixture
def run(monkeypatch, capsys):
    """``run(*argv)`` -> (exit code, stdout, stderr) of ``ics-maps`` on the toy atlas."""
    atlas = toy_atlas()
    loads: list[str] = []
    monkeypatch.setattr(cli_export, "_atlas", lambda vintage: loads.append(vintage) or atlas)

    def go(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    go.loads = loads
    return go


# ---------------------------------------------------------------------------- finding 2


def test_out_dash_writes_to_standard_output(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(*SUMMARY, "-")
    assert code == 0
    assert out.splitlines()[0].startswith("code,name,ods_code,residents")
    assert len(out.splitlines()) == 3 and "wrote 2 rows to standard output" in err
    assert not (tmp_path / "-").exists()


def _fifo(tmp_path: Path) -> Path:
    p = tmp_path / "pipe.csv"
    os.mkfifo(p)
    return p


def _socket(tmp_path: Path) -> Path:
    p = tmp_path / "sock.csv"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(p))
    s.close()
    return p


@pytest.mark.parametrize(
    ("make", "kind", "check"),
    [
        (_fifo, "named pipe", stat.S_ISFIFO),
        (_socket, "socket", stat.S_ISSOCK),
        (lambda t: (t / "folder").mkdir() or t / "folder", "folder", stat.S_ISDIR),
    ],
)
def test_out_refuses_what_is_not_a_regular_file(run, tmp_path, make, kind, check):
    target = make(tmp_path)
    code, out, err = run(*SUMMARY, str(target))
    assert code == 2 and kind in err and str(target)[:40] in err
    assert check(os.lstat(target).st_mode)  # still what it was
    assert run.loads == []  # refused before any atlas was loaded
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary left


def test_out_refuses_a_symlink_naming_its_target(run, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("precious\n")
    link = tmp_path / "link.csv"
    os.symlink(real, link)
    code, _, err = run(*SUMMARY, str(link))
    assert code == 2 and "symbolic link" in err and "real.csv" in err
    assert link.is_symlink() and real.read_text() == "precious\n"


def test_out_keeps_the_mode_of_the_file_it_replaces(run, tmp_path):
    target = tmp_path / "private.csv"
    target.write_text("old\n")
    os.chmod(target, 0o600)
    assert run(*SUMMARY, str(target))[0] == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("code,name")


def test_out_in_a_missing_folder_is_refused_not_created(run, tmp_path):
    code, _, err = run(*SUMMARY, str(tmp_path / "nope" / "x.csv"))
    assert code == 2 and "does not exist: create it first" in err
    assert not (tmp_path / "nope").exists()


def test_out_empty_name_is_refused(run):
    code, _, err = run(*SUMMARY, "")
    assert code == 2 and "--out is empty" in err and "Traceback" not in err


def test_out_names_too_long_and_just_short_enough(run, tmp_path):
    code, _, err = run(*SUMMARY, str(tmp_path / ("x" * 296 + ".csv")))
    assert code == 2 and "300 bytes long" in err and "allows 255" in err
    ok = tmp_path / ("y" * 251 + ".csv")  # 255 bytes: the longest name allowed
    assert run(*SUMMARY, str(ok))[0] == 0 and ok.read_text().startswith("code,name")


def test_geojson_to_standard_output(run, tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    code, out, _ = run("export", "geojson", "--tier", "pcn", "--out", "-")
    assert code == 0 and len(json.loads(out)["features"]) == 3 and not (tmp_path / "-").exists()


# ---------------------------------------------------------------------------- finding 8


def test_a_full_disk_is_a_message_not_a_traceback(run, tmp_path, monkeypatch):
    def full(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x.csv"))

    monkeypatch.setattr(export.os, "fsync", full)
    code, _, err = run(*SUMMARY, str(tmp_path / "x.csv"))
    assert code == 2
    assert err.strip() == f"ics-maps: error: No space left on device: {tmp_path / 'x.csv'}"
    assert os.listdir(tmp_path) == []  # the temporary file is gone, nothing half-written


def test_a_read_only_data_folder_is_a_message(monkeypatch, fake_mirror, capsys, tmp_path):
    def denied(root, vintage):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".2024.lock"))

    monkeypatch.setattr(build, "vintage_lock", denied)
    assert main(["info", "--vintage", "2024"]) == 2
    err = capsys.readouterr().err
    assert f"ics-maps: error: Permission denied: {tmp_path / '.2024.lock'}" in err
    assert "Traceback" not in err


def test_a_failed_build_prints_its_error_on_its_own_line(monkeypatch, fake_mirror, capsys):
    def failing(vid, progress=None):
        progress("Reading LSOA 2021 boundaries and Census 2021 residents", 0.02)
        progress("Assigning LSOA atoms", 0.2)
        raise DataError("lsoa21_sicbl24_lookup", "has 4,999 rows, expected 33,755")

    monkeypatch.setattr(build, "build_atlas", failing)
    assert main(["build", "--vintage", "2024"]) == 2
    err = capsys.readouterr().err
    lines = [ln.split("\r")[-1] for ln in err.splitlines()]
    said = [ln for ln in lines if "[lsoa21_sicbl24_lookup]" in ln]
    assert said and all(ln.startswith("ics-maps: error: ") for ln in said), err


def test_data_error_for_a_vintage_names_it_plainly():
    msg = str(DataError("2026", "sub-ICB location(s) ['E38000001'] fall in more than one ICB"))
    assert msg.startswith("[2026] sub-ICB") and "built-in method" not in msg


def test_area_weighting_of_practices_is_refused(run, tmp_path):
    code, _, err = run(
        "export",
        "coterminosity",
        "--child",
        "practice",
        "--parent",
        "icb",
        "--weight",
        "area",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert code == 2 and "practices are points and have no area" in err
    assert not (tmp_path / "x.csv").exists() and run.loads == []


def test_a_shapefile_missing_its_parts_says_which(fake_mirror):
    from ics_maps.sources.fetch import resolve

    shp = fake_mirror / "icb_2023_bsc" / "ICB_APR_2023_EN_BSC.shp"
    shp.parent.mkdir()
    shp.write_bytes(b"\0" * 100)
    (shp.parent / "ICB_APR_2023_EN_BSC.dbf").write_bytes(b"\0" * 100)
    with pytest.raises(DataError) as err:
        resolve("icb_2023_bsc")
    msg = str(err.value)
    assert "is in the mirror but its companion file(s)" in msg and msg.count(".shx") == 1
    assert ".dbf" not in msg and "not found" not in msg


def test_the_summary_written_is_the_summary(run, tmp_path):
    """The CSV written through the checked path is the same table as before (no regression)."""
    from ics_maps.analysis.summaries import summary

    target = tmp_path / "s.csv"
    assert run(*SUMMARY, str(target))[0] == 0
    assert target.read_bytes() == export.safe_csv(summary(toy_atlas(), "icb"))
    assert len(pd.read_csv(target)) == 2
