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
  - ``practice`` has points (``None`` where no location is known) and ``postcode``, ``pcn``,
    ``sicbl``, ``icb``, ``region``, ``list_size`` (nullable), ``has_location``.
  - ``lsoa`` has ``residents`` and its code in every other tier: ``region``, ``icb``, ``sicbl``,
    ``utla``, ``lad``, ``pcn`` (the PCN most of its registered residents use), and its people:
    the 18 Census 2021 age bands ``age_0_4`` … ``age_85_plus`` and the IoD2025 ``<index>_score``,
    ``_rank`` and ``_decile`` of the IMD and its seven domains
    (:data:`ics_maps.readers.people.PEOPLE_COLUMNS`).
* ``pcn_lsoa``: a DataFrame ``pcn, lsoa, patients, share, method``: the share of each LSOA's
  residents attributed to each PCN (shares sum to 1 per LSOA), for population weighting of PCNs.
* ``meta``: JSON-able facts about the build (counts, coverage rates, derived layers, warnings).
* ``stale``: None, or why this last good atlas is served though a rebuild from today's inputs
  failed (:func:`ics_maps.atlas.build.stale_note` says it in words).
* ``web``: display layers (EPSG:4326, simplified, see :mod:`ics_maps.atlas.display`), made at
  build time and stored with the atlas; :meth:`Atlas.web_layer` makes (and keeps) any that are
  missing.
* ``areas``: per polygon tier, the area of each LSOA inside each of its polygons
  (:mod:`ics_maps.atlas.lsoa_areas`), made at build time and stored with the atlas;
  :meth:`Atlas.lsoa_areas` makes (and keeps) any that are missing.

Storage is :mod:`ics_maps.atlas.store`. A loaded atlas reads each tier and display layer from disk
the first time it is asked for, so a page that needs only the ICBs does not pay for decoding 33,755
LSOA polygons.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import geopandas as gpd
import pandas as pd

from ics_maps.sources.vintages import DEFAULT_TERMS
from ics_maps.tiers import check_tier

T = TypeVar("T")


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
    areas: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    # Why this stored atlas is served although its inputs changed or vanished (a rebuild failed):
    # set by :func:`ics_maps.atlas.build.ensure_atlas`, shown by every command and page.
    stale: str | None = None

    def __post_init__(self) -> None:
        self._made: dict[str, gpd.GeoDataFrame] = {}
        self._web_lock = threading.Lock()
        self._derived: dict[str, object] = {}

    def derived(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, worked out once per loaded atlas and kept with it (callers must not modify
        it). For the small lookups every page view asks for (region names, a tier's set of codes):
        rebuilding them from Arrow-backed columns cost a view 10-30 ms of server CPU. An atlas does
        not change once loaded, so nothing here goes stale."""
        try:
            return self._derived[key]  # type: ignore[return-value]
        except KeyError:
            value = make()  # outside the lock: two first callers may both make it, both right
            return self._derived.setdefault(key, value)  # type: ignore[return-value]

    def codes(self, tier: str) -> frozenset[str]:
        """Every code of ``tier`` (kept: see :meth:`derived`)."""
        return self.derived(f"codes:{tier}", lambda: frozenset(self.tier(tier)["code"].astype(str)))

    def tier(self, name: str) -> gpd.GeoDataFrame:
        return self.tiers[check_tier(name)]

    def web_layer(self, tier: str, national: bool = False) -> gpd.GeoDataFrame:
        """The display layer of ``tier`` (EPSG:4326, simplified; callers must not modify it).

        ``national`` asks for the coarser version drawn when a tier is shown for all England.
        Stored layers come from the build; one that is missing (a hand-made atlas) is made once
        here.
        """
        from ics_maps.atlas.display import (
            NATIONAL_TOLERANCE_M,
            WEB_TIERS,
            simplify_for_web,
            web_key,
        )

        if check_tier(tier) not in WEB_TIERS:
            raise ValueError(
                f"{tier} is not drawn: LSOAs (33,755 polygons) are the atoms behind every figure"
            )
        key = web_key(tier, national)
        if key in self.web:
            return self.web[key]
        with self._web_lock:
            if key not in self._made:
                tol = NATIONAL_TOLERANCE_M[tier] if key != tier else None
                self._made[key] = simplify_for_web(self.tier(tier), tol, tier=tier)
            return self._made[key]

    def lsoa_areas(self, tier: str) -> pd.DataFrame:
        """``lsoa, code, area_m2``: the area of each LSOA in each polygon of ``tier`` (callers must
        not modify it). Stored with a built atlas; made once here for one that lacks it."""
        from ics_maps.atlas.lsoa_areas import lsoa_areas
        from ics_maps.tiers import AREA_TIERS

        if tier not in AREA_TIERS:
            raise ValueError(f"LSOA areas are kept for {', '.join(AREA_TIERS)}, not {tier!r}")
        if tier in self.areas:
            return self.areas[tier]
        key = f"areas:{tier}"
        with self._web_lock:
            if key not in self._made:
                self._made[key] = lsoa_areas(self.lsoa, self.tier(tier), tier)
            return self._made[key]

    @property
    def lsoa(self) -> gpd.GeoDataFrame:
        return self.tiers["lsoa"]

    @property
    def practices(self) -> gpd.GeoDataFrame:
        return self.tiers["practice"]

    def term(self, tier: str) -> str:
        """The vintage's own word for the ICB or sub-ICB tier ("STP" and "CCG" in 2021)."""
        if tier not in DEFAULT_TERMS:
            raise ValueError(
                f"only the icb and sicbl tiers have a vintage's own word, not {tier!r}"
            )
        return self.meta.get("terms", {}).get(tier) or DEFAULT_TERMS[tier]
