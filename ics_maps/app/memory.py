"""Give freed memory back to the system while the server runs.

A view of a large table (Coterminosity's LSOA × PCN, 238,823 rows) builds and frees tens of MB of
copies: the table as displayed, its Arrow encoding, the message to the browser. glibc's allocator
keeps freed memory for reuse in one arena per thread that allocated it (each session's script runs
in its own thread), so the server's resident memory only grew: 443 MB after a normal session, 889
MB after 100 views at other tolerances, though the caches hold a bounded 370 MB at most.

Four settings, made here when the server starts (on a system without glibc nothing is done):

* Arrow allocates with malloc instead of its own mimalloc pool, which kept what each session's
  thread freed (40 new LSOA × PCN tolerances, browser-less: about 889 MB → 740 MB);
* at most :data:`ARENAS` glibc arenas, so freed memory is reused across threads instead of parked
  in one arena per thread;
* blocks of :data:`MMAP_THRESHOLD` (256 KiB) or more come from their own mappings, which go back to
  the system the moment they are freed. glibc's default threshold starts at 128 KiB but rises to
  the size of the largest block freed (up to 32 MiB), after which a view's multi-MB copies are
  carved from the heap, and the small long-lived objects allocated between them pin its pages
  (100 hostile LSOA × PCN links, browser-less: +11.7 % → +8.4 %);
* a daemon thread that calls ``malloc_trim(0)`` every :data:`TRIM_EVERY_S` seconds after a script
  has run (``ICS_MAPS_TRIM_S``; ``0`` turns it off), which returns the arenas' free pages.

What stays is measured by ``bench/load.py --phases hostile``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time

log = logging.getLogger("ics_maps.memory")

M_ARENA_MAX = -8  # glibc's mallopt parameter numbers
M_MMAP_THRESHOLD = -3
ARENAS = 2
MMAP_THRESHOLD = 256 * 1024
TRIM_EVERY_S = 10.0

_libc: ctypes.CDLL | None = None
_runs = 0  # script runs since the server started (a trim is needed only after some)
_trimming: bool | None = None  # what start() did: None before it ran
_lock = threading.Lock()


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name or "libc.so.6")
            lib.malloc_trim, lib.mallopt  # noqa: B018 - glibc's, absent from musl or macOS
        except (OSError, AttributeError):
            return None
        _libc = lib
    return _libc


def trim_every_s() -> float:
    """The trimming interval from ``ICS_MAPS_TRIM_S`` (seconds, default :data:`TRIM_EVERY_S`)."""
    text = os.environ.get("ICS_MAPS_TRIM_S", "").strip()
    if not text:
        return TRIM_EVERY_S
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"ICS_MAPS_TRIM_S must be a number of seconds, not {text!r}") from None
    if not 0 <= value <= 3600:
        raise ValueError(f"ICS_MAPS_TRIM_S must be between 0 (off) and 3600, not {value:g}")
    return value


def trim() -> bool:
    """Return free heap pages to the system now; False where glibc is not there."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def script_ran() -> None:
    """Note that a page ran (called by every page's frame): the next trim has work to do."""
    global _runs
    _runs += 1


def start() -> bool:
    """Put Arrow on malloc, limit the arenas, fix the mmap threshold and start the trimming thread
    (once per process; called by the server's warm-up thread, before it loads the atlas). True
    when trimming runs: False where glibc is not there or ``ICS_MAPS_TRIM_S`` is 0."""
    global _trimming
    with _lock:
        if _trimming is None:
            libc = _glibc()
            every = trim_every_s() if libc is not None else 0
            if libc is not None:
                libc.mallopt(M_ARENA_MAX, ARENAS)
                libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                _arrow_on_malloc()
            if every:
                threading.Thread(
                    target=_trim_loop, args=(every,), name="ics-maps-trim", daemon=True
                ).start()
            _trimming = bool(every)
        return _trimming


def _arrow_on_malloc() -> None:
    """Let Arrow allocate with malloc, so that what it frees is trimmed too. Its default pool
    (mimalloc) keeps the pages each thread freed, and every session's script runs in a thread of
    its own, which then ends."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def _trim_loop(every: float) -> None:
    seen = -1
    while True:
        time.sleep(every)
        if _runs == seen:  # nothing ran since the last trim
            continue
        seen = _runs
        t0 = time.perf_counter()
        trim()
        log.debug("malloc_trim took %.1f ms", 1000 * (time.perf_counter() - t0))
