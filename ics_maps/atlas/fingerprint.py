"""What an atlas is built from: its input files and the code that shapes it, hashed.

Same hash, same atlas: :func:`ics_maps.atlas.store.is_current` compares it with the stored one, so
an edited reader or a new mirror file rebuilds the atlas, while an edit to a page or a chart does
not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ics_maps.sources.catalogue import dataset
from ics_maps.sources.fetch import local_path
from ics_maps.sources.vintages import Vintage

FORMAT_VERSION = 7  # of the stored atlas: a change of its files or columns bumps it

# Datasets every vintage reads; each vintage adds its own (see sources_for).
BASE_SOURCES = (
    "lsoa21_bsc",
    "census21_lsoa_population",
    "lsoa21_sicbl24_lookup",
    "sicbl23_icb23_nhser23_lookup",
    "nhser_2022_buc",
    "lad_2023_buc",
    "ctyua_2023_buc",
    "gp_list_2025_04",
    "practice_locations_2024_01",
    "practice_locations_ssot_2025_10",
    "gp_lsoa_2025_10",
    "imd2025_lsoa21",
)

_PACKAGE = Path(__file__).resolve().parents[1]
# The code that shapes an atlas (relative to the package): editing any of it rebuilds; the app does
# not.
BUILD_CODE = ("sources", "readers", "atlas", "crs.py", "tiers.py", "errors.py")
# Readers of users' own boundary files: no build reads them, so editing them rebuilds nothing.
NOT_BUILD_CODE = frozenset(
    f"readers/{name}.py"
    for name in (
        "user_layer",
        "user_geometry",
        "_user_types",
        "_user_columns",
        "_user_files",
        "_lsoa_list",
        "_safe_unzip",
    )
)


def sources_for(v: Vintage) -> list[str]:
    """The catalogue ids a build of ``v`` reads."""
    ids = list(BASE_SOURCES) + [v.icb_boundaries, v.primary_care_map]
    ids += [x for x in (v.sicbl_boundaries, v.lsoa_lookup, v.lsoa11_lookup) if x]
    if v.id == "2021":
        ids.append("ccg21_stp21_nhser21_lookup")
    return ids


def _code_files() -> list[Path]:
    files: list[Path] = []
    for rel in BUILD_CODE:
        p = _PACKAGE / rel
        files += sorted(p.rglob("*.py")) + sorted(p.rglob("*.csv")) if p.is_dir() else [p]
    return [f for f in files if f.relative_to(_PACKAGE).as_posix() not in NOT_BUILD_CODE]


def fingerprint(v: Vintage) -> str:
    """Hash of the inputs (file sizes and mtimes), the vintage, the waves facts and the build
    code."""
    h = hashlib.sha256(f"{FORMAT_VERSION}|{v}".encode())
    for ds_id in sorted(sources_for(v)):
        ds = dataset(ds_id)
        p = local_path(ds)
        h.update(f"{ds_id}|{ds.url}|".encode())
        if p is not None:
            st = p.stat()
            h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}".encode())
    for p in _code_files():
        h.update(p.relative_to(_PACKAGE).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]
