"""What every session shares, computed once per server: the atlas of each vintage (built on first
use behind a progress bar) and the tables and layers the pages draw from it.

Cached objects are shared by all sessions: callers must not modify them.
"""

from __future__ import annotations

import threading

import pandas as pd
import streamlit as st

from ics_maps.sources.vintages import DEFAULT_VINTAGE

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


@st.cache_resource(show_spinner="Loading the atlas…", max_entries=4)
def _load(vintage: str):
    """One atlas per vintage per server process (shared by every session)."""
    from ics_maps.app.warmup import prefetched
    from ics_maps.atlas import ensure_atlas

    return prefetched(vintage) or ensure_atlas(vintage)


@st.cache_resource(show_spinner=False)
def _loaded() -> set:
    return set()


def get_atlas(vintage: str = DEFAULT_VINTAGE):
    """The atlas of ``vintage``, built on first use with a progress bar, then cached for the server.

    A build that fails (a missing or corrupt source file) raises :class:`AtlasUnavailable`, which
    the page frame shows as a message with what to do, not a traceback.
    """
    try:
        return _get_atlas(vintage)
    except Exception as exc:  # noqa: BLE001 - shown to the user, with what to do
        raise AtlasUnavailable(vintage, exc) from exc


def _get_atlas(vintage: str):
    from ics_maps.atlas import is_current

    done = _loaded()
    if vintage not in done and not is_current(vintage):
        with _BUILD_LOCK:  # one build at a time; a second session waits, then loads the result
            if not is_current(vintage):
                from ics_maps.atlas import ensure_atlas

                bar = st.progress(
                    0.0,
                    text=f"Building the {vintage} atlas for the first time (about half a "
                    "minute; later visits load it in a few seconds)…",
                )

                def progress(msg: str, frac: float) -> None:
                    bar.progress(
                        min(max(float(frac), 0.0), 1.0), text=f"Building the {vintage} atlas: {msg}"
                    )

                ensure_atlas(vintage, progress=progress)
                bar.empty()
    atlas = _load(vintage)
    done.add(vintage)
    return atlas


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


@st.cache_resource(show_spinner=False, max_entries=8)
def wave_share_table(vintage: str) -> pd.DataFrame:
    """Each system's residents by the 2022 ICS (and so the wave) they lived in."""
    from ics_maps.atlas.waves import wave_shares

    return wave_shares(get_atlas(vintage).lsoa, waves_table())


@st.cache_resource(show_spinner="Computing the overlap table…", max_entries=64)
def coterminosity_table(
    vintage: str, child: str, parent: str, weight: str, tolerance: float
) -> pd.DataFrame:
    """The nesting engine's table, with the ODS codes of ICBs, sub-ICB locations and regions
    (:func:`ics_maps.analysis.nesting.with_ods_codes`)."""
    from ics_maps.analysis.nesting import coterminosity, with_ods_codes

    atlas = get_atlas(vintage)
    table = coterminosity(atlas, child, parent, weight, tolerance)
    return with_ods_codes(table, atlas, child, parent)


@st.cache_resource(show_spinner="Summarising…", max_entries=32)
def summary_table(vintage: str, tier: str) -> pd.DataFrame:
    """One row per unit of a tier (:func:`ics_maps.analysis.summaries.summary`)."""
    from ics_maps.analysis.summaries import summary

    return summary(get_atlas(vintage), tier)


@st.cache_resource(show_spinner=False, max_entries=16)
def pcn_la_table(vintage: str, tier: str = "lad") -> pd.DataFrame:
    """Each PCN's registered patients by council
    (:func:`ics_maps.analysis.summaries.pcn_la_shares`)."""
    from ics_maps.analysis.summaries import pcn_la_shares

    return pcn_la_shares(get_atlas(vintage), tier)


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


@st.cache_resource(show_spinner="Profiling residents…", max_entries=32)
def profile_table(vintage: str, tier: str) -> pd.DataFrame:
    """Age and deprivation profile of every unit of a tier
    (:func:`ics_maps.analysis.profiles.tier_profile`), shared by every session."""
    from ics_maps.analysis.profiles import tier_profile

    return tier_profile(get_atlas(vintage), tier)


@st.cache_resource(show_spinner=False, max_entries=8)
def england_profile(vintage: str) -> pd.Series:
    """England's profile (the comparator row of every People view)."""
    from ics_maps.analysis.profiles import england_profile as england

    return england(get_atlas(vintage)).iloc[0]


@st.cache_resource(show_spinner=False, max_entries=64)
def profile_breaks(vintage: str, tier: str, measure: str) -> list[float]:
    """Natural-break (Fisher–Jenks) class bounds of a profile measure over every unit of the tier in
    England, so a filtered map keeps the national colours."""
    from ics_maps.atlas.natural_breaks import class_bins

    return class_bins(profile_table(vintage, tier)[measure], k=5, scheme="FisherJenks")


@st.cache_resource(show_spinner=False, max_entries=4)
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
