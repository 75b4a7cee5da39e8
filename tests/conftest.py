"""Shared fixtures: the real atlas (built once per session on the mirror) and fake mirrors for readers."""
from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from ics_maps import sources
from ics_maps.paths import mirror_root

REAL_MIRROR = mirror_root()


def pytest_configure(config):
    if not REAL_MIRROR.exists():
        raise pytest.UsageError(f"the data mirror {REAL_MIRROR} is missing: tests use the real data "
                                "(set ICS_MAPS_MIRROR or put ../shared beside the project)")


@pytest.fixture(scope="session")
def atlas_2026():
    from ics_maps.build import ensure_atlas
    return ensure_atlas("2026")


@pytest.fixture(scope="session")
def atlas_2024():
    from ics_maps.build import ensure_atlas
    return ensure_atlas("2024")


@pytest.fixture()
def fake_mirror(tmp_path, monkeypatch):
    """An empty mirror plus private caches; offline so nothing is downloaded."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    monkeypatch.setenv("ICS_MAPS_MIRROR", str(mirror))
    monkeypatch.setenv("ICS_MAPS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ICS_MAPS_DOWNLOADS", str(tmp_path / "downloads"))
    monkeypatch.setenv("ICS_MAPS_OFFLINE", "1")
    return mirror


@pytest.fixture()
def any_size(monkeypatch):
    """Drop the catalogue's row-count expectations so tiny hand-built files are acceptable."""
    relaxed = {k: dataclasses.replace(v, expect_rows=None) for k, v in sources.CATALOGUE.items()}
    monkeypatch.setattr(sources, "CATALOGUE", relaxed)
    import ics_maps.fetch as fetch
    monkeypatch.setattr(fetch, "CATALOGUE", relaxed)


@pytest.fixture()
def mirror_copy(tmp_path, monkeypatch):
    """A mirror whose files link to the real ones; a test replaces one file to break it."""
    mirror = tmp_path / "mirror"
    for src in REAL_MIRROR.rglob("*"):
        if src.is_file():
            dst = mirror / src.relative_to(REAL_MIRROR)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(src, dst)
    monkeypatch.setenv("ICS_MAPS_MIRROR", str(mirror))
    monkeypatch.setenv("ICS_MAPS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ICS_MAPS_DOWNLOADS", str(tmp_path / "downloads"))
    monkeypatch.setenv("ICS_MAPS_OFFLINE", "1")

    def replace(dataset_id: str, content: bytes | str | None, member: str | None = None) -> Path:
        ds = sources.CATALOGUE[dataset_id]
        path = mirror / (member or ds.mirror_path)
        path.unlink()
        if content is not None:
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def real(dataset_id: str) -> Path:
        return REAL_MIRROR / sources.CATALOGUE[dataset_id].mirror_path

    replace.real = real
    replace.root = mirror
    return replace


def copy_real(dataset_id: str, dest_root: Path) -> None:
    ds = sources.CATALOGUE[dataset_id]
    for rel in (ds.mirror_path, *ds.companions):
        d = dest_root / rel
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REAL_MIRROR / rel, d)
