"""Two `ics-maps build --force` runs and a dashboard's first start at the same time (issue 16,
finding 6): all three succeed and leave one sound atlas.

Each is a separate Python process on one private atlas folder (tmp_path). The build itself is
replaced by the toy atlas (the subject here is saving and sweeping, not building), and writing each
Parquet file is slowed down so that the three saves overlap: before the per-vintage lock, the first
save to finish swept the others' temporary folders away while they were still being written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

PRELUDE = textwrap.dedent(
    """
    import dataclasses, sys, time
    import geopandas as gpd
    import ics_maps.atlas as atlas_package
    import ics_maps.atlas.build as build
    from tests.toy_atlas import toy_atlas

    real = gpd.GeoDataFrame.to_parquet

    def slow(self, *a, **k):
        time.sleep(0.15)
        return real(self, *a, **k)

    gpd.GeoDataFrame.to_parquet = slow

    def fake_build(vid, progress=None):
        return dataclasses.replace(
            toy_atlas(), vintage=vid, meta={"fingerprint": "toy", "build_seconds": 0.1}
        )

    build.build_atlas = atlas_package.build_atlas = fake_build
    """
)
CLI_BUILD = PRELUDE + textwrap.dedent(
    """
    from ics_maps.cli.main import main
    sys.exit(main(["build", "--vintage", "2024", "--force"]))
    """
)
# What the dashboard does on its first start with no current atlas (ics_maps.app.caches).
DASHBOARD_START = PRELUDE + textwrap.dedent(
    """
    from ics_maps.atlas import ensure_atlas
    atlas = ensure_atlas("2024")
    print("dashboard has", len(atlas.tier("icb")), "ICBs")
    """
)


def test_two_forced_builds_and_a_dashboard_start_all_succeed(tmp_path):
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(PROJECT),
        ICS_MAPS_DATA=str(tmp_path / "data"),
        ICS_MAPS_MIRROR=str(tmp_path / "empty-mirror"),
        ICS_MAPS_DOWNLOADS=str(tmp_path / "downloads"),
        ICS_MAPS_OFFLINE="1",
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for code in (CLI_BUILD, CLI_BUILD, DASHBOARD_START)
    ]
    results = [(p.wait(timeout=240), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err[-3000:]
    assert "dashboard has 2 ICBs" in results[2][1]
    root = tmp_path / "data" / "atlas"
    from ics_maps.atlas import load_atlas

    assert len(load_atlas("2024", root).tier("lsoa")) == 8
    live = json.loads((root / "2024.json").read_text())["dir"]
    assert sorted(p.name for p in root.iterdir()) == sorted([".2024.lock", "2024.json", live])
