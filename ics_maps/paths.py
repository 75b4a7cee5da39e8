"""Where things live: project root, the data mirror, the caches. Environment variables win."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def mirror_root() -> Path:
    """The local mirror of the publishers' files (``ICS_MAPS_MIRROR``, default
    ../shared/data/raw)."""
    env = os.environ.get("ICS_MAPS_MIRROR")
    return Path(env) if env else (PROJECT_ROOT.parent / "shared" / "data" / "raw")


def data_root() -> Path:
    """Caches and small facts (``ICS_MAPS_DATA``, default <project>/data)."""
    env = os.environ.get("ICS_MAPS_DATA")
    return Path(env) if env else PROJECT_ROOT / "data"


def atlas_root() -> Path:
    return data_root() / "atlas"


def download_root(kind: str) -> Path:
    """Downloads go to boundaries/ (vector files) or data/downloads/ (tables)."""
    env = os.environ.get("ICS_MAPS_DOWNLOADS")
    if env:
        return Path(env)
    return PROJECT_ROOT / "boundaries" if kind == "vector" else data_root() / "downloads"


def waves_csv() -> Path:
    """The ICS designation waves (facts with their sources), shipped inside the package."""
    return Path(__file__).resolve().parent / "atlas" / "ics_waves.csv"
