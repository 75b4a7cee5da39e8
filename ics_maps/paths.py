"""Where things live: the data mirror, the caches, the downloads. Environment variables win.

In a checkout (the package beside ``pyproject.toml``) the caches are the project's ``data/`` and
``boundaries/`` folders and the mirror is ``../shared/data/raw`` beside the project. An installed
package (``pip install .``) has no project folder: its caches go to the user's cache folder
(``$XDG_CACHE_HOME/ics-maps``, default ``~/.cache/ics-maps``) and it reads a mirror only where
``ICS_MAPS_MIRROR`` says (else it downloads from the publishers).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_ROOT.parent
IN_CHECKOUT = (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "ics_maps").is_dir()
# The project folder: the checkout, or the cache folder of an installed package.
PROJECT_ROOT = (
    _CHECKOUT
    if IN_CHECKOUT
    else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ics-maps"
)


def mirror_root() -> Path:
    """The local mirror of the publishers' files (``ICS_MAPS_MIRROR``; in a checkout, default
    ``../shared/data/raw`` beside the project)."""
    env = os.environ.get("ICS_MAPS_MIRROR")
    if env:
        return Path(env)
    return (_CHECKOUT.parent if IN_CHECKOUT else PROJECT_ROOT) / "shared" / "data" / "raw"


def data_root() -> Path:
    """Caches (``ICS_MAPS_DATA``, default <project>/data)."""
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
    return PACKAGE_ROOT / "atlas" / "ics_waves.csv"
