"""Every command with the real stored atlas when its inputs vanished or it was damaged (issue 16,
findings 5 and 7): ``ics-maps`` run as a separate process on a private copy of the 2026 atlas, with
an empty mirror (offline)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ics_maps.paths import atlas_root

PROJECT = Path(__file__).resolve().parents[2]
NOTE = "from inputs that have since changed or are missing"


@pytest.fixture()
def gone(atlas_2026, tmp_path):
    """``gone(*argv)`` runs ics-maps on a copy of the 2026 atlas with no inputs; ``gone.dir`` is
    the copy's build folder."""
    src = atlas_root()
    ptr = json.loads((src / "2026.json").read_text())
    dst = tmp_path / "data" / "atlas"
    dst.mkdir(parents=True)
    shutil.copy(src / "2026.json", dst / "2026.json")
    shutil.copytree(src / ptr["dir"], dst / ptr["dir"])
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT),
        ICS_MAPS_DATA=str(tmp_path / "data"),
        ICS_MAPS_MIRROR=str(tmp_path / "no-mirror"),
        ICS_MAPS_DOWNLOADS=str(tmp_path / "downloads"),
        ICS_MAPS_OFFLINE="1",
    )

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "ics_maps.cli", *argv],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    run.dir = dst / ptr["dir"]
    run.tmp = tmp_path
    return run


def test_info_serves_the_last_good_atlas_with_a_note(gone):
    r = gone("info", "--vintage", "2026")
    assert r.returncode == 0, r.stderr
    assert NOTE in r.stderr and "lsoa21_bsc" in r.stderr  # what is missing
    assert "ics-maps atlas, vintage 2026" in r.stdout and "Traceback" not in r.stderr


def test_export_says_the_same_as_info(gone):
    out = gone.tmp / "icb.csv"
    r = gone("export", "summary", "--tier", "icb", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert NOTE in r.stderr and len(pd.read_csv(out)) == 36


def test_build_fails_but_keeps_the_last_good_atlas(gone):
    r = gone("build", "--vintage", "2026")
    assert r.returncode == 2
    assert "rebuilding failed; the last good atlas is kept" in r.stdout and NOTE in r.stderr
    assert (gone.dir / "icb.parquet").exists()


def test_a_wrong_table_in_place_of_the_icbs_is_not_exported(gone):
    (gone.dir / "icb.parquet").write_bytes((gone.dir / "pcn.parquet").read_bytes())
    out = gone.tmp / "icb.csv"
    r = gone("export", "summary", "--tier", "icb", "--out", str(out))
    assert r.returncode == 2 and not out.exists()
    assert "icb.parquet" in r.stderr and "ics-maps build --vintage 2026 --force" in r.stderr
    assert "Traceback" not in r.stderr
