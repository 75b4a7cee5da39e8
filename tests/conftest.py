"""Shared fixtures and the test layers.

Every test has one layer marker, from its folder unless it says otherwise:

* ``unit`` (tests/unit): hand-built data with known answers; runs anywhere, no data mirror needed;
* ``real`` (tests/real, or a unit-folder test that uses a real-data fixture): the real ONS/NHS files
in
  the mirror (``../shared/data/raw`` or ``ICS_MAPS_MIRROR``);
* ``app`` (tests/app): Streamlit's AppTest of every page on the real atlas;
* ``browser`` (tests/browser): ``streamlit run app.py`` in Debian's headless Chromium.

``pytest -m unit`` runs the toy-data tests alone. Tests that need the mirror skip, saying why, when
it is absent, unless ``ICS_MAPS_REQUIRE_DATA=1`` (set by CI), which makes them fail instead.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from ics_maps import sources
from ics_maps.paths import mirror_root
from ics_maps.sources import catalogue

REAL_MIRROR = mirror_root()
LAYERS = ("unit", "real", "app", "browser")
REAL_FIXTURES = {
    "atlas_2026",
    "atlas_2024",
    "mirror_copy",
}  # a unit-folder test using one is "real"


def _require_data() -> bool:
    return os.environ.get("ICS_MAPS_REQUIRE_DATA", "").strip() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config, items):
    for item in items:
        layer = next((m.name for m in item.iter_markers() if m.name in LAYERS), None)
        if layer is None:
            folder = Path(str(item.fspath)).parent.name
            layer = folder if folder in LAYERS else "unit"
            if layer == "unit" and REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
                layer = "real"
            item.add_marker(getattr(pytest.mark, layer))
        if layer != "unit" and not REAL_MIRROR.exists() and not _require_data():
            item.add_marker(
                pytest.mark.skip(
                    reason=f"needs the data mirror {REAL_MIRROR} (set ICS_MAPS_MIRROR "
                    "or put ../shared beside the project)"
                )
            )


@pytest.fixture(autouse=True)
def _mirror_when_required(request):
    """In CI (ICS_MAPS_REQUIRE_DATA=1) a test that needs the mirror fails, not skips, when it is
    missing."""
    if (
        request.node.get_closest_marker("unit") is None
        and not REAL_MIRROR.exists()
        and _require_data()
    ):
        pytest.fail(
            f"ICS_MAPS_REQUIRE_DATA is set but the data mirror {REAL_MIRROR} is missing",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def atlas_2026():
    from ics_maps.atlas import ensure_atlas

    return ensure_atlas("2026")


@pytest.fixture(scope="session")
def atlas_2024():
    from ics_maps.atlas import ensure_atlas

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
    monkeypatch.setattr(catalogue, "CATALOGUE", relaxed)


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
