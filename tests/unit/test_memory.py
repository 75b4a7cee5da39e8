"""ics_maps.app.memory: the server gives freed memory back (glibc's malloc_trim, arenas capped)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ics_maps.app import memory

ROOT = Path(__file__).resolve().parents[2]


def glibc_present() -> bool:
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.parametrize(
    ("text", "seconds"), [("", memory.TRIM_EVERY_S), ("0", 0.0), (" 2.5 ", 2.5), ("3600", 3600.0)]
)
def test_the_trim_interval_is_read_from_the_environment(monkeypatch, text, seconds):
    monkeypatch.setenv("ICS_MAPS_TRIM_S", text)
    assert memory.trim_every_s() == seconds


@pytest.mark.parametrize(
    ("text", "said"), [("soon", "a number"), ("-1", "between"), ("1e9", "between")]
)
def test_a_bad_trim_interval_is_refused_by_name(monkeypatch, text, said):
    monkeypatch.setenv("ICS_MAPS_TRIM_S", text)
    with pytest.raises(ValueError, match=f"ICS_MAPS_TRIM_S.*{said}"):
        memory.trim_every_s()


def test_trimming_returns_freed_pages_to_the_system():
    if not glibc_present():
        pytest.skip("no glibc here: nothing to trim")
    rss = lambda: int(open("/proc/self/statm").read().split()[1])  # noqa: E731 - pages
    # many small blocks (below glibc's mmap threshold) stay in the heap when freed...
    blocks = [bytearray(64 * 1024) for _ in range(3000)]  # ~190 MB
    for b in blocks:
        b[0] = 1  # touched: resident
    del blocks[::2]  # every other one freed: holes glibc keeps for reuse
    before = rss()
    assert memory.trim() is True
    after = rss()
    freed_mb = (before - after) * 4096 / 2**20
    assert freed_mb > 50, f"malloc_trim gave back only {freed_mb:.0f} MB"
    del blocks


def test_script_runs_are_counted_for_the_trimmer():
    n = memory._runs
    memory.script_ran()
    memory.script_ran()
    assert memory._runs == n + 2


def test_starting_puts_arrow_on_malloc_and_starts_one_trimmer():
    """Run in a fresh interpreter: start() changes the process (Arrow's pool, glibc's arenas)."""
    if not glibc_present():
        pytest.skip("no glibc here: nothing is changed")
    code = (
        "import threading, pyarrow as pa\n"
        "from ics_maps.app import memory\n"
        "print(pa.default_memory_pool().backend_name)\n"
        "print(memory.start(), memory.start())\n"
        "print(pa.default_memory_pool().backend_name)\n"
        "print(sum(t.name == 'ics-maps-trim' for t in threading.enumerate()))\n"
    )
    env = dict(os.environ, ICS_MAPS_TRIM_S="5", PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split("\n")
    assert out[0] != "system"  # Arrow's own pool before
    assert out[1:4] == ["True True", "system", "1"]


MMAP_PROBE = """
import ctypes, ctypes.util, sys
from ics_maps.app import memory
if sys.argv[1] == "start":
    memory.start()
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]

libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(8 * 2**20))  # glibc's default then raises its threshold to 8 MiB
before = libc.mallinfo2().hblkhd
block = libc.malloc(300 * 1024)
print(libc.mallinfo2().hblkhd - before >= 300 * 1024)  # the block has a mapping of its own
libc.free(block)
"""


def test_large_blocks_keep_their_own_mappings_after_start():
    """A freed multi-MB block (a view's table copy) must not raise the mmap threshold: with glibc's
    default it does, and the next 300 KiB blocks come from the heap, where small long-lived
    objects allocated between them pin its pages (the growth after hostile links)."""
    if not glibc_present():
        pytest.skip("no glibc here: nothing is changed")
    env = dict(os.environ, ICS_MAPS_TRIM_S="0", PYTHONPATH=str(ROOT))
    env.pop("MALLOC_MMAP_THRESHOLD_", None)

    def mapped(mode: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", MMAP_PROBE, mode],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.strip()

    assert mapped("default") == "False"  # glibc's dynamic threshold: the probe can tell
    assert mapped("start") == "True"
