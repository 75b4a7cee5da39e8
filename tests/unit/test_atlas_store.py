"""Trusting the stored atlas (issue 16, findings 1, 5, 6 and 7), on the hand-built toy atlas.

* a pointer file cannot send a rebuild (or a load) outside the atlas folder: decoy folders under
  the test's tmp_path survive pointers naming them by ``..``, by absolute path and by symlink;
* every stored file is checked against the SHA-256 and row count in meta.json: a truncated file,
  random bytes, or a valid Parquet of another table is refused with a message saying what to run,
  and a damaged atlas rebuilds itself;
* the sweep after a save removes only that vintage's leftovers, never another build's work;
* after a failed rebuild the last good atlas is served, marked stale with a note saying when it was
  built; with none to fall back on, the build's error is raised.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import ics_maps.atlas.build as build
from ics_maps.atlas import ensure_atlas, is_current, load_atlas, save_atlas, stale_note
from ics_maps.atlas.fingerprint import fingerprint
from ics_maps.errors import AtlasUnreadable, DataError
from ics_maps.sources.vintages import get_vintage
from tests.toy_atlas import toy_atlas

V = "2024"


def toy(marker: str = "good", fp: str = "fp-old"):
    a = toy_atlas()
    return dataclasses.replace(
        a, vintage=V, meta={"fingerprint": fp, "built_at": "2025-01-02T03:04:05", "m": marker}
    )


def decoy(tmp_path: Path, name: str = "decoy") -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "keep.txt").write_text("must survive")
    (d / "meta.json").write_text("{}")
    return d


def point_at(root: Path, target: str) -> None:
    ptr = json.loads((root / f"{V}.json").read_text())
    ptr["dir"] = target
    (root / f"{V}.json").write_text(json.dumps(ptr))


# ---------------------------------------------------------------------------- finding 1


def _point_outside(tmp_path: Path, root: Path, how: str) -> Path:
    target = decoy(tmp_path)
    if how == "dotdot":
        point_at(root, "../../decoy")
    elif how == "absolute":
        point_at(root, str(target))
    else:  # a link named like a build folder, pointing at the decoy
        link = root / f"{V}-20200101T000000-1-abcdef"
        os.symlink(target, link)
        point_at(root, link.name)
    return target


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_pointer_cannot_send_a_rebuild_outside_the_atlas_folder(tmp_path, how):
    root = tmp_path / "data" / "atlas"
    save_atlas(toy("first"), root)
    target = _point_outside(tmp_path, root, how)
    save_atlas(toy("second"), root)  # the rebuild that used to rmtree whatever the pointer named
    assert (target / "keep.txt").read_text() == "must survive"
    assert load_atlas(V, root).meta["m"] == "second"


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_pointer_outside_the_atlas_folder_is_not_loaded(tmp_path, how):
    root = tmp_path / "data" / "atlas"
    save_atlas(toy("first"), root)
    _point_outside(tmp_path, root, how)
    with pytest.raises(AtlasUnreadable, match=r"refused.*ics-maps build --vintage 2024 --force"):
        load_atlas(V, root)


def test_sweep_removes_only_this_vintages_leftovers(tmp_path):
    root = tmp_path / "atlas"
    save_atlas(toy("first"), root)
    other_tmp = root / ".tmp-2026-inprogress"  # another vintage's build at work
    other_tmp.mkdir()
    stray = root / "notes"  # not ours at all
    stray.mkdir()
    dead = root / f".tmp-{V}-dead"  # a killed build of this vintage (no lock held now)
    dead.mkdir()
    orphan = root / f"{V}-20200101T000000-99-abcdef"  # saved, but the pointer never swapped
    orphan.mkdir()
    final = save_atlas(toy("second"), root)
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [".tmp-2026-inprogress", "notes", f".{V}.lock", f"{V}.json", final.name]
    )


# ---------------------------------------------------------------------------- finding 5


def _damage(root: Path, how: str) -> str:
    d = root / json.loads((root / f"{V}.json").read_text())["dir"]
    if how == "truncated":
        data = (d / "icb.parquet").read_bytes()
        (d / "icb.parquet").write_bytes(data[: len(data) // 2])
        return "icb.parquet"
    if how == "random":
        (d / "lad.parquet").write_bytes(os.urandom(4096))
        return "lad.parquet"
    if how == "wrong_table":  # a valid Parquet of PCNs copied over the ICBs
        (d / "icb.parquet").write_bytes((d / "pcn.parquet").read_bytes())
        return "icb.parquet"
    if how == "meta_edited":
        meta = json.loads((d / "meta.json").read_text())
        meta["files"]["icb.parquet"]["rows"] = 3
        (d / "meta.json").write_text(json.dumps(meta))
        return "meta.json"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "random", "wrong_table", "meta_edited"])
def test_a_damaged_atlas_is_refused_saying_what_to_run(tmp_path, how):
    root = tmp_path / "atlas"
    save_atlas(toy(), root)
    name = _damage(root, how)
    with pytest.raises(AtlasUnreadable) as err:
        load_atlas(V, root)
    msg = str(err.value)
    assert name in msg and "ics-maps build --vintage 2024 --force" in msg


def test_a_sound_atlas_loads_with_its_rows(tmp_path):
    root = tmp_path / "atlas"
    save_atlas(toy(), root)
    meta = load_atlas(V, root).meta
    assert meta["files"]["icb.parquet"]["rows"] == 2 and meta["files"]["lsoa.parquet"]["rows"] == 8
    assert meta["files"]["pcn_lsoa.parquet"]["rows"] == 10


@pytest.fixture
def builds(monkeypatch, fake_mirror):
    """build_atlas replaced by the toy (or a failure): records each build."""
    calls: list[str] = []
    state = {"fail": None}

    def fake_build(vid, progress=None):
        calls.append(vid)
        if state["fail"]:
            raise state["fail"]
        return toy("rebuilt", fp=fingerprint(get_vintage(vid)))

    monkeypatch.setattr(build, "build_atlas", fake_build)
    fake_build.calls = calls
    fake_build.state = state
    return fake_build


def test_a_damaged_atlas_rebuilds_itself(tmp_path, builds):
    root = tmp_path / "atlas"
    save_atlas(toy("current", fp=fingerprint(get_vintage(V))), root)
    assert is_current(V, root)
    _damage(root, "wrong_table")
    atlas = ensure_atlas(V, root=root)
    assert builds.calls == [V] and atlas.meta["m"] == "rebuilt" and atlas.stale is None
    assert load_atlas(V, root).meta["m"] == "rebuilt"


def test_a_damaged_atlas_that_cannot_be_rebuilt_says_so(tmp_path, builds):
    root = tmp_path / "atlas"
    save_atlas(toy("current", fp=fingerprint(get_vintage(V))), root)
    _damage(root, "truncated")
    builds.state["fail"] = DataError("lsoa21_bsc", "file not found: /mirror/x.gpkg")
    with pytest.raises(AtlasUnreadable, match=r"icb\.parquet.*--force.*rebuilding it failed.*x\."):
        ensure_atlas(V, root=root)


# ---------------------------------------------------------------------------- finding 7


def test_a_failed_rebuild_serves_the_last_good_atlas_with_a_note(tmp_path, builds):
    root = tmp_path / "atlas"
    save_atlas(toy("good", fp="built-from-older-inputs"), root)
    assert not is_current(V, root)
    builds.state["fail"] = DataError("gp_map_2025_10", "file not found: /mirror/map.csv")
    atlas = ensure_atlas(V, root=root)
    assert builds.calls == [V]
    assert atlas.meta["m"] == "good" and atlas.stale.startswith("[gp_map_2025_10] file not found")
    note = stale_note(atlas)
    assert "built on 2025-01-02 at 03:04:05 from inputs that have since changed or are missing" in (
        note
    )
    assert "ics-maps build --vintage 2024" in note
    assert load_atlas(V, root).meta["m"] == "good"  # kept as it was
    assert build.info(atlas)["stale"] == note


def test_a_failed_build_with_nothing_to_fall_back_on_raises(tmp_path, builds):
    builds.state["fail"] = DataError("lsoa21_bsc", "file not found")
    with pytest.raises(DataError, match="file not found"):
        ensure_atlas(V, root=tmp_path / "atlas")


def test_a_current_atlas_is_loaded_without_building(tmp_path, builds):
    root = tmp_path / "atlas"
    save_atlas(toy("current", fp=fingerprint(get_vintage(V))), root)
    assert ensure_atlas(V, root=root).meta["m"] == "current" and builds.calls == []
