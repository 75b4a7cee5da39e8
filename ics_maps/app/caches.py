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

    with st.spinner("Loading the atlas…"):
        atlas = ensure_atlas(vintage, progress=progress)
    if bar:
        bar[0].empty()
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
    """The nesting engine's table."""
    from ics_maps.analysis.nesting import coterminosity

    return coterminosity(get_atlas(vintage), child, parent, weight, tolerance)


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


@st.cache_resource(show_spinner=False)
def static_files() -> None:
    """Copy Leaflet's JS/CSS into the app's static folder once per server, so maps need no CDN."""
    from ics_maps.app.site import STATIC_DIR
    from ics_maps.presentation.maps.offline import ensure_static_assets

    ensure_static_assets(STATIC_DIR)
