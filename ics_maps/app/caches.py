"""What every session shares, computed once per server: the atlas of each vintage (built on first
use behind a progress bar; after a failed rebuild, the last good one), and the tables and rendered
maps the pages draw from it, kept in caches bounded by memory (:mod:`ics_maps.app.shared_cache`):
``ICS_MAPS_CACHE_MB`` (default 256) for the tables, 4 MB of relationship labels (one per
tolerance), 96 MB of rendered maps.

Cached objects are shared by all sessions: callers must not modify them.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from ics_maps.app.shared_cache import SharedCache
from ics_maps.sources.vintages import DEFAULT_VINTAGE

T = TypeVar("T")

_BUILD_LOCK = threading.Lock()


class AtlasUnavailable(RuntimeError):
    """The atlas of a vintage could neither be loaded nor built; the message says what to do."""

    def __init__(self, vintage: str, reason: Exception):
        super().__init__(
            f"The {vintage} atlas could not be loaded or built: {reason}\n\n"
            f"Check the data mirror (ICS_MAPS_MIRROR) and run `ics-maps build --vintage {vintage}` "
            "to see the full report."
        )


# ---------------------------------------------------------------------------- the atlas


@st.cache_resource(show_spinner=False)
def _loaded() -> dict:
    """vintage -> its atlas, once per server process (shared by every session)."""
    return {}


def get_atlas(vintage: str = DEFAULT_VINTAGE):
    """The atlas of ``vintage``: the warm-up's, else loaded, else built on first use with a
    progress bar; then kept for the server. After a failed rebuild it is the last good atlas, with
    ``atlas.stale`` set (the page frame shows the note).

    A vintage with no atlas that can be neither loaded nor built raises :class:`AtlasUnavailable`,
    which the page frame shows as a message with what to do, not a traceback.
    """
    done = _loaded()
    atlas = done.get(vintage)
    if atlas is not None:
        return atlas
    with _BUILD_LOCK:  # one load or build at a time; a second session waits, then shares it
        atlas = done.get(vintage)
        if atlas is None:
            try:
                atlas = _load(vintage)
            except Exception as exc:  # noqa: BLE001 - shown to the user, with what to do
                raise AtlasUnavailable(vintage, exc) from exc
            done[vintage] = atlas
    return atlas


def _load(vintage: str):
    """The warm-up's atlas, else :func:`ics_maps.atlas.ensure_atlas` with a progress bar that
    appears only if it builds."""
    from ics_maps.app.warmup import prefetched
    from ics_maps.atlas import ensure_atlas

    atlas = prefetched(vintage)
    if atlas is not None:
        return atlas
    bar: list = []

    def progress(msg: str, frac: float) -> None:
        if not bar:
            bar.append(
                st.progress(
                    0.0,
                    text=f"Building the {vintage} atlas for the first time (about half a minute; "
                    "later visits load it in a few seconds)…",
                )
            )
        bar[0].progress(
            min(max(float(frac), 0.0), 1.0), text=f"Building the {vintage} atlas: {msg}"
        )

    try:
        with st.spinner("Loading the atlas…"):
            return ensure_atlas(vintage, progress=progress)
    finally:
        if bar:  # built, served stale or failed: the bar has done its job
            bar[0].empty()


# ---------------------------------------------------------------------------- layers and tables


def display_layer(vintage: str, tier: str, national: bool = False):
    """A tier in EPSG:4326, simplified for the web (made at build time and kept with the cached
    atlas, so shared by every session)."""
    return get_atlas(vintage).web_layer(tier, national)


@st.cache_resource(show_spinner=False)
def waves_table() -> pd.DataFrame:
    """The 42 ICSs of 2021–22 with their designation wave (the package's ics_waves.csv)."""
    from ics_maps.readers import read_waves

    return read_waves()


# Every table and rendered map the pages share lives in one of these caches, bounded by memory
# (ICS_MAPS_CACHE_MB sets the tables' budget): a link can ask for any combination of tiers,
# tolerances and filters, but the server keeps only what fits (shared_cache.py).
def _budget_mb(default: int = 256) -> int:
    text = os.environ.get("ICS_MAPS_CACHE_MB", "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


TABLES = SharedCache("tables", _budget_mb() * 2**20)
# a label column costs a byte per row and 40-60 ms to make (LSOA x PCN): 4 MB keeps 16 tolerances
# of the largest table, hundreds of the others, and is what distinct links can add at most
LABELS = SharedCache("relationship labels", 4 * 2**20)
MAPS = SharedCache("rendered maps", 96 * 2**20)
_tokens = itertools.count(1)


def atlas_token(atlas) -> int:
    """A number naming this atlas object in cache keys: a rebuilt or replaced atlas of the same
    vintage gets new tables and maps, never the old ones."""
    token = getattr(atlas, "_cache_token", None)
    if token is None:
        token = atlas._cache_token = next(_tokens)
    return token


def _shared(cache: SharedCache, spinner: str | None = None):
    """Decorator: ``fn(vintage, *args)`` computed once per server for the vintage's current atlas
    and kept in ``cache``; ``fn.clear()`` forgets its values."""

    def wrap(fn):
        name = fn.__name__

        @functools.wraps(fn)
        def cached(vintage: str, *args):
            key = (name, vintage, atlas_token(get_atlas(vintage)), *args)
            if spinner and key not in cache:
                with st.spinner(spinner):
                    return cache.get(key, lambda: fn(vintage, *args))
            return cache.get(key, lambda: fn(vintage, *args))

        cached.clear = lambda: cache.clear(lambda k: k[0] == name)
        return cached

    return wrap


@_shared(TABLES)
def wave_share_table(vintage: str) -> pd.DataFrame:
    """Each system's residents by the 2022 ICS (and so the wave) they lived in."""
    from ics_maps.atlas.waves import wave_shares

    return wave_shares(get_atlas(vintage).lsoa, waves_table())


@_shared(TABLES, "Computing the overlap table…")
def _overlap_table(vintage: str, child: str, parent: str, weight: str) -> pd.DataFrame:
    from ics_maps.analysis.nesting import coterminosity, with_ods_codes

    atlas = get_atlas(vintage)
    return with_ods_codes(coterminosity(atlas, child, parent, weight, 0.0), atlas, child, parent)


@_shared(LABELS)
def _labels(vintage: str, child: str, parent: str, weight: str, tenths: int) -> pd.Categorical:
    from ics_maps.analysis.overlap import RELATIONSHIPS, label_relationships

    table = _overlap_table(vintage, child, parent, weight)
    return pd.Categorical(label_relationships(table, tenths / 1000), categories=RELATIONSHIPS)


def coterminosity_table(
    vintage: str, child: str, parent: str, weight: str, tolerance: float
) -> pd.DataFrame:
    """The nesting engine's table (:func:`ics_maps.analysis.nesting.coterminosity`), with the ODS
    codes of ICBs, sub-ICB locations and regions (:func:`ics_maps.analysis.nesting.with_ods_codes`).

    The tolerance is taken in tenths of a percent (what the page's slider and links can say), and
    it changes only the relationship column: the overlap table is computed once per tier pair and
    weighting, and each tolerance keeps just its labels (a byte per row).
    """
    tenths = round(float(tolerance) * 1000)
    if not 0 <= tenths < 1000:
        raise ValueError(f"tolerance must be in [0, 1), not {tolerance}")
    table = _overlap_table(vintage, child, parent, weight)
    if tenths == 0:
        return table
    labels = _labels(vintage, child, parent, weight, tenths)
    # taken from the categories in the table's own string dtype: 3 ms a call for LSOA x PCN's
    # 238,823 rows, where an object array (then inferred back to strings) took 45 ms
    words = pd.array(labels.categories, dtype=table["relationship"].dtype)
    rel = words.take(labels.codes, allow_fill=True)  # a code of -1 (no label) stays missing
    return table.assign(relationship=pd.Series(rel, index=table.index))


coterminosity_table.clear = lambda: (_overlap_table.clear(), _labels.clear())


@_shared(TABLES, "Summarising…")
def summary_table(vintage: str, tier: str) -> pd.DataFrame:
    """One row per unit of a tier (:func:`ics_maps.analysis.summaries.summary`)."""
    from ics_maps.analysis.summaries import summary

    return summary(get_atlas(vintage), tier)


@_shared(TABLES)
def pcn_la_table(vintage: str, tier: str = "lad") -> pd.DataFrame:
    """Each PCN's registered patients by council
    (:func:`ics_maps.analysis.summaries.pcn_la_shares`)."""
    from ics_maps.analysis.summaries import pcn_la_shares

    return pcn_la_shares(get_atlas(vintage), tier)


@_shared(TABLES)
def pcn_search(vintage: str, filters, query: str) -> pd.DataFrame:
    """PCNs in the filtered view matching ``query`` (at most 50), as
    :func:`ics_maps.analysis.search.search_pcns` finds them: the same search from another session
    is not run again."""
    from ics_maps.analysis.filters import apply_filters
    from ics_maps.analysis.search import search_pcns

    view = apply_filters(get_atlas(vintage), filters)
    return search_pcns(view.tier("pcn"), view.tier("practice"), query, limit=50)


@_shared(TABLES)
def headline_figures(vintage: str, filters) -> dict:
    """The Overview's headline figures for the systems the filters keep
    (:func:`ics_maps.analysis.filters.headline`): the same for every session."""
    from ics_maps.analysis.filters import apply_filters, headline

    shares = wave_share_table(vintage) if filters.any_part else None
    return headline(apply_filters(get_atlas(vintage), filters, shares))


def kept(vintage: str, key: tuple, make: Callable[[], T]) -> T:
    """``make()``, kept in the shared table cache under ``key`` (which must name everything it
    depends on besides the vintage): for what a panel derives from shared tables on every view
    (a table as displayed), which is the same for every session."""
    return TABLES.get(("kept", vintage, atlas_token(get_atlas(vintage)), *key), make)


def map_parts(vintage: str, shared_key: tuple, make):
    """A map rendered once per server for everyone who asks for the same ``shared_key`` (which
    must name everything the map shows besides the vintage): see
    :mod:`ics_maps.app.map_component`."""
    from ics_maps.app.map_component import shared_parts

    return shared_parts(MAPS, (vintage, atlas_token(get_atlas(vintage)), *shared_key), make)


@st.cache_resource(show_spinner=False, max_entries=64)
def crosswalk_table(tier: str, old: str, new: str) -> pd.DataFrame:
    """The crosswalk of ``tier`` from vintage ``old`` to ``new``
    (:func:`ics_maps.analysis.crosswalk.crosswalk`)."""
    from ics_maps.analysis.crosswalk import crosswalk

    return crosswalk(get_atlas(old), get_atlas(new), tier)


@st.cache_resource(show_spinner="Drawing the areas that changed…", max_entries=16)
def moved_layer(tier: str, old: str, new: str):
    """The LSOAs whose ``tier`` unit changed, dissolved per old → new pair
    (:func:`ics_maps.analysis.changes.moved_areas`)."""
    from ics_maps.analysis.changes import moved_areas

    return moved_areas(get_atlas(old), get_atlas(new), tier, crosswalk_table(tier, old, new))


@st.cache_resource(show_spinner=False, max_entries=64)
def link_successor(vintage: str, tier: str, code: str, also: tuple[str, ...] = ()):
    """Where an old code from a link went in ``vintage``
    (:func:`ics_maps.analysis.changes.successor`), searched in the built vintages, nearest first.
    A vintage that is not built is skipped rather than built for a link."""
    from ics_maps.analysis.changes import successor
    from ics_maps.atlas import is_current
    from ics_maps.sources.vintages import VINTAGES

    ids = list(VINTAGES)
    nearest = sorted(ids, key=lambda v: abs(ids.index(v) - ids.index(vintage)))
    atlases = {v: get_atlas(v) for v in nearest if v == vintage or v in _loaded() or is_current(v)}
    return successor(atlases, vintage, tier, code, also)


@_shared(TABLES, "Profiling residents…")
def profile_table(vintage: str, tier: str) -> pd.DataFrame:
    """Age and deprivation profile of every unit of a tier
    (:func:`ics_maps.analysis.profiles.tier_profile`), shared by every session."""
    from ics_maps.analysis.profiles import tier_profile

    return tier_profile(get_atlas(vintage), tier)


@_shared(TABLES)
def england_profile(vintage: str) -> pd.Series:
    """England's profile (the comparator row of every People view)."""
    from ics_maps.analysis.profiles import england_profile as england

    return england(get_atlas(vintage)).iloc[0]


@_shared(TABLES)
def profile_breaks(vintage: str, tier: str, measure: str) -> list[float]:
    """Natural-break (Fisher–Jenks) class bounds of a profile measure over every unit of the tier in
    England, so a filtered map keeps the national colours."""
    from ics_maps.atlas.natural_breaks import class_bins

    return class_bins(profile_table(vintage, tier)[measure], k=5, scheme="FisherJenks")


@_shared(TABLES)
def find_table(vintage: str) -> pd.DataFrame:
    """Every unit of every tier, for the sidebar's search
    (:func:`ics_maps.analysis.search.find_index`)."""
    from ics_maps.analysis.search import find_index

    return find_index(get_atlas(vintage))


@st.cache_resource(show_spinner=False)
def static_files() -> None:
    """Copy Leaflet's JS/CSS into the app's static folder once per server, so maps need no CDN."""
    from ics_maps.app.site import STATIC_DIR
    from ics_maps.presentation.maps.offline import ensure_static_assets

    ensure_static_assets(STATIC_DIR)
