"""Warm the server up before the first visitor arrives.

Started by ``app.py`` when the server starts, in a background thread: import what the first page
needs (pandas, GeoPandas, folium), load the default atlas and decode the tiers and the ICB display
layer the Overview draws. The first session takes the loaded atlas (:func:`prefetched`) instead of
loading it again, waiting for the warm-up if it is still running.

Two rules keep this safe:

* it never *builds* an atlas: a missing or out-of-date one is built in the first session, behind a
  progress bar (:func:`ics_maps.app.caches.get_atlas`);
* it does not import ``streamlit_folium``: a Streamlit component registers itself only when first
  imported inside a running script, so importing it here would leave its files unserved.

Any failure is logged and ignored: the page then loads the atlas itself and reports problems.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import Future

from ics_maps.app import memory
from ics_maps.sources.vintages import DEFAULT_VINTAGE

log = logging.getLogger("ics_maps.warmup")

# The tiers the Overview reads on its first run (all but the LSOA atoms) and the layer it draws.
OVERVIEW_TIERS = ("region", "icb", "sicbl", "utla", "lad", "pcn", "practice")

_futures: dict[str, Future] = {}
_lock = threading.Lock()


def start(vintage: str = DEFAULT_VINTAGE) -> Future:
    """Begin warming up for ``vintage`` in a daemon thread (once per process); return its future."""
    with _lock:
        if vintage in _futures:
            return _futures[vintage]
        fut: Future = Future()
        _futures[vintage] = fut
    threading.Thread(target=_run, args=(vintage, fut), name="ics-maps-warmup", daemon=True).start()
    return fut


# Imported for their side effect: the first page finds them loaded. By name, because the page's own
# modules (frame, panels) import the caches, which hand out what this module loaded.
WARM_MODULES = (
    "folium",
    "folium.plugins",  # streamlit_folium imports it (0.2 s); the component itself is left alone
    "geopandas",
    "PIL.ImageDraw",  # the favicon is drawn with it
    "ics_maps.analysis.filters",
    "ics_maps.app.frame",
    "ics_maps.app.panels",
    "ics_maps.app.params",
    "ics_maps.presentation.maps",
)


def warm(vintage: str = DEFAULT_VINTAGE):
    """Do the warm-up now: return the loaded atlas, or None when it must be built first."""
    for name in WARM_MODULES:
        importlib.import_module(name)
    from ics_maps.atlas import is_current, load_atlas

    if not is_current(vintage):
        return None
    atlas = load_atlas(vintage)
    for tier in OVERVIEW_TIERS:
        atlas.tier(tier)
    atlas.web_layer("icb")
    return atlas


def _run(vintage: str, fut: Future) -> None:
    t0 = time.perf_counter()
    try:
        memory.start()  # before the atlas's Arrow tables are read: Arrow then allocates with malloc
    except Exception as exc:  # noqa: BLE001 - e.g. a bad ICS_MAPS_TRIM_S: the app still serves
        log.error("memory settings not applied: %s", exc)
    try:
        atlas = warm(vintage)
    except Exception as exc:  # noqa: BLE001 - the first page loads (and reports) it instead
        log.warning(
            "warm-up of the %s atlas failed (the first page will load it): %s", vintage, exc
        )
        fut.set_result(None)
        return
    log.info(
        "warm-up done in %.2f s (%s atlas %s)",
        time.perf_counter() - t0,
        vintage,
        "loaded" if atlas is not None else "needs a build",
    )
    fut.set_result(atlas)
    if atlas is not None:
        warm_own_layers(atlas)


def warm_own_layers(atlas) -> None:
    """After the first page's needs: the LSOA tree and cores every upload on *Your boundaries*
    overlays (about 1 s of GEOS work, which releases the GIL; bench/own_boundaries.py measures it),
    so the first upload does not pay for them. A failure is logged: the upload then builds them."""
    t0 = time.perf_counter()
    try:
        from ics_maps.analysis.own_layer import warm

        warm(atlas)
    except Exception as exc:  # noqa: BLE001 - the first upload builds them instead
        log.warning("warm-up of the LSOA overlay failed: %s", exc)
        return
    log.info("LSOA overlay warmed in %.2f s", time.perf_counter() - t0)


def prefetched(vintage: str, timeout: float = 60.0):
    """The atlas the warm-up loaded for ``vintage`` (handed out once), else None.

    Waits for a warm-up still in progress: loading the same atlas twice at once would be slower.
    """
    with _lock:
        fut = _futures.get(vintage)
    if fut is None:
        return None
    try:
        atlas = fut.result(timeout=timeout)
    except Exception:  # noqa: BLE001 - a timeout: load it the normal way
        return None
    with _lock:
        _futures[vintage] = _DONE
    return atlas


_DONE: Future = Future()
_DONE.set_result(None)
