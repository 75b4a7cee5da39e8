"""The atlas: one vintage of every tier, held together and stored as GeoParquet.

An :class:`Atlas` is what every other module consumes. Its contract:

* ``tiers[name]`` for name in :data:`ics_maps.tiers.TIERS` is a GeoDataFrame in EPSG:27700 with at
  least ``code``, ``name``, ``ods_code`` (ODS code or ``<NA>``) and ``geometry``.
  - polygon tiers (region, icb, sicbl, utla, lad, pcn) also carry ``residents`` (Census 2021 usual
    residents, summed from LSOA atoms) and ``derived`` (True where ics-maps made the polygons).
  - ``icb`` adds ``region``, ``region_name``, ``wave`` (the ICS wave covering most residents),
    ``waves`` (text: every predecessor wave with its share), ``registered``.
  - ``sicbl`` adds ``icb``, ``region``; ``lad`` adds ``utla``; ``pcn`` adds ``sicbl``, ``icb``,
    ``region``, ``list_size``, ``n_practices``, ``method`` (how its catchment was made).
  - ``practice`` has points (``None`` where no location is known) and ``postcode``, ``pcn``, ``sicbl``,
    ``icb``, ``region``, ``list_size`` (nullable), ``has_location``.
  - ``lsoa`` has ``residents`` and its code in every other tier: ``region``, ``icb``, ``sicbl``,
    ``utla``, ``lad``, ``pcn`` (the PCN most of its registered residents use).
* ``pcn_lsoa``: a DataFrame ``pcn, lsoa, patients, share, method``: the share of each LSOA's
  residents attributed to each PCN (shares sum to 1 per LSOA), for population weighting of PCNs.
* ``meta``: JSON-able facts about the build (counts, coverage rates, derived layers, warnings).
* ``web``: display layers (EPSG:4326, simplified, see :mod:`ics_maps.web`), made at build time and
  stored with the atlas; :meth:`Atlas.web_layer` makes (and keeps) any that are missing.

A loaded atlas reads each tier and display layer from disk the first time it is asked for, so a
page that needs only the ICBs does not pay for decoding 33,755 LSOA polygons.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .paths import atlas_root
from .tiers import TIERS, check_tier

FORMAT_VERSION = 4


class LazyFrames(Mapping):
    """A read-only mapping name -> frame whose frames are loaded on first access (thread-safe).

    The atlas is shared by every session of the app, so two sessions may ask for the same tier at
    once: one loads it, the other waits and gets the same object.
    """

    def __init__(self, loaders: dict[str, Callable[[], pd.DataFrame]]):
        self._loaders = dict(loaders)
        self._frames: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> pd.DataFrame:
        frame = self._frames.get(name)
        if frame is None:
            loader = self._loaders[name]  # KeyError for an unknown name, like a dict
            with self._lock:
                frame = self._frames.get(name)
                if frame is None:
                    frame = self._frames[name] = loader()
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __len__(self) -> int:
        return len(self._loaders)

    def loaded(self) -> list[str]:
        """Names already read from disk (for tests and diagnostics)."""
        return list(self._frames)


@dataclass
class Atlas:
    """All tiers of one vintage, plus PCN × LSOA shares and build facts."""

    vintage: str
    tiers: Mapping[str, gpd.GeoDataFrame]
    pcn_lsoa: pd.DataFrame
    meta: dict = field(default_factory=dict)
    web: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._made: dict[str, gpd.GeoDataFrame] = {}
        self._web_lock = threading.Lock()

    def tier(self, name: str) -> gpd.GeoDataFrame:
        return self.tiers[check_tier(name)]

    def web_layer(self, tier: str, national: bool = False) -> gpd.GeoDataFrame:
        """The display layer of ``tier`` (EPSG:4326, simplified; callers must not modify it).

        ``national`` asks for the coarser version drawn when a tier is shown for all England.
        Stored layers come from the build; one that is missing (a hand-made atlas) is made once here.
        """
        from .web import NATIONAL_TOLERANCE_M, WEB_TIERS, simplify_for_web, web_key

        if check_tier(tier) not in WEB_TIERS:
            raise ValueError(f"{tier} is not drawn: LSOAs (33,755 polygons) are the atoms behind every figure")
        key = web_key(tier, national)
        if key in self.web:
            return self.web[key]
        with self._web_lock:
            if key not in self._made:
                tol = NATIONAL_TOLERANCE_M[tier] if key != tier else None
                self._made[key] = simplify_for_web(self.tier(tier), tol, tier=tier)
            return self._made[key]

    @property
    def lsoa(self) -> gpd.GeoDataFrame:
        return self.tiers["lsoa"]

    @property
    def practices(self) -> gpd.GeoDataFrame:
        return self.tiers["practice"]

    def term(self, tier: str) -> str:
        """The vintage's own word for a tier (STP/CCG in 2021)."""
        return self.meta.get("terms", {}).get(tier) or {
            "region": "NHS region", "icb": "ICB", "sicbl": "Sub-ICB location", "utla": "Upper-tier LA",
            "lad": "Lower-tier LA", "pcn": "PCN", "practice": "GP practice", "lsoa": "LSOA"}[check_tier(tier)]


# ---------------------------------------------------------------------------- storage

def _pointer(vintage: str, root: Path) -> Path:
    return root / f"{vintage}.json"


def save_atlas(atlas: Atlas, root: Path | None = None) -> Path:
    """Write the atlas atomically: a fresh directory, then a pointer file swapped in with os.replace.

    A crash at any point leaves the previous pointer, and so the previous atlas, intact.
    """
    root = Path(root or atlas_root())
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{secrets.token_hex(3)}"
    final = root / f"{atlas.vintage}-{stamp}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{atlas.vintage}-", dir=root))
    try:
        for name in TIERS:
            gdf = atlas.tiers[name]
            gdf.to_parquet(tmp / f"{name}.parquet", index=False)
        atlas.pcn_lsoa.to_parquet(tmp / "pcn_lsoa.parquet", index=False)
        web_attrs = {}
        if atlas.web:
            (tmp / "web").mkdir()
            for key, gdf in atlas.web.items():
                gdf.to_parquet(tmp / "web" / f"{key}.parquet", index=False)
                web_attrs[key] = gdf.attrs.get("web", {})
        meta = dict(atlas.meta, format_version=FORMAT_VERSION, vintage=atlas.vintage, web=web_attrs)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = _pointer(atlas.vintage, root)
    previous = _read_pointer(pointer)
    tmp_ptr = pointer.with_suffix(f".json.tmp-{os.getpid()}")
    tmp_ptr.write_text(json.dumps({"dir": final.name, "fingerprint": atlas.meta.get("fingerprint")}))
    os.replace(tmp_ptr, pointer)
    if previous and previous.get("dir") != final.name:
        shutil.rmtree(root / previous["dir"], ignore_errors=True)
    _sweep(root)
    return final


def _read_pointer(pointer: Path) -> dict | None:
    try:
        return json.loads(pointer.read_text())
    except (OSError, ValueError):
        return None


def _sweep(root: Path) -> None:
    """Remove leftovers of interrupted builds (temp dirs and directories no pointer names)."""
    live = {p.get("dir") for p in (_read_pointer(f) for f in root.glob("*.json")) if p}
    for child in root.iterdir():
        if child.is_dir() and child.name not in live and (child.name.startswith(".tmp-") or "-" in child.name):
            if time.time() - child.stat().st_mtime > 3600 or child.name.startswith(".tmp-"):
                shutil.rmtree(child, ignore_errors=True)


def stored_fingerprint(vintage: str, root: Path | None = None) -> str | None:
    ptr = _read_pointer(_pointer(vintage, Path(root or atlas_root())))
    return ptr.get("fingerprint") if ptr else None


def atlas_exists(vintage: str, root: Path | None = None) -> bool:
    root = Path(root or atlas_root())
    ptr = _read_pointer(_pointer(vintage, root))
    return bool(ptr) and (root / ptr["dir"] / "meta.json").exists()


def load_atlas(vintage: str, root: Path | None = None) -> Atlas:
    """Load a built atlas (fast: Parquet only). Raises FileNotFoundError if none was built."""
    root = Path(root or atlas_root())
    ptr = _read_pointer(_pointer(vintage, root))
    if not ptr:
        raise FileNotFoundError(f"no atlas for vintage {vintage} under {root}: run `ics-maps build --vintage {vintage}`")
    d = root / ptr["dir"]
    meta = json.loads((d / "meta.json").read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise FileNotFoundError(f"atlas {d} has format {meta.get('format_version')}, expected {FORMAT_VERSION}: rebuild")
    tiers = LazyFrames({name: _reader(d / f"{name}.parquet") for name in TIERS})
    web = LazyFrames({key: _reader(d / "web" / f"{key}.parquet", {"web": attrs})
                      for key, attrs in (meta.get("web") or {}).items()})
    pcn_lsoa = pd.read_parquet(d / "pcn_lsoa.parquet")
    return Atlas(vintage=vintage, tiers=tiers, pcn_lsoa=pcn_lsoa, meta=meta, web=web)


def _reader(path: Path, attrs: dict | None = None) -> Callable[[], gpd.GeoDataFrame]:
    """A loader of one stored frame. The file's bytes are read now (cheap) and decoded on first use
    (the costly part: polygons), so a rebuild that replaces the directory cannot break an atlas
    that is already loaded."""
    blob = [path.read_bytes()]

    def read() -> gpd.GeoDataFrame:
        gdf = gpd.read_parquet(io.BytesIO(blob[0]))
        blob.clear()  # decoded once: the bytes are no longer needed
        if attrs:
            gdf.attrs.update(attrs)
        return gdf
    return read
