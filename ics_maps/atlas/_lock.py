"""One lock per vintage around building and saving an atlas, across threads and processes.

``ics-maps build --force`` twice at once, or a build while the dashboard builds on its first start,
would otherwise write into one folder together and sweep away each other's work in progress. The
lock is an ``fcntl.flock`` on ``<atlas root>/.<vintage>.lock`` (released by the kernel when a
process dies, so a ``kill -9`` never leaves it held), re-entrant within a process: the build holds
it and :func:`ics_maps.atlas.store.save_atlas` takes it again without waiting for itself. Loading a
stored atlas takes no lock, so a read-only atlas folder can still be served.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path


class _Held:
    """The process's hold on one lock file: a thread lock (re-entrant) plus the file lock."""

    def __init__(self) -> None:
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_held: dict[str, _Held] = {}
_registry_lock = threading.Lock()


def lock_path(root: Path, vintage: str) -> Path:
    return Path(root) / f".{vintage}.lock"


@contextmanager
def vintage_lock(root: Path, vintage: str):
    """Hold the build lock of ``vintage`` under ``root`` (waits for another holder to finish)."""
    path = lock_path(root, vintage)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _registry_lock:
        held = _held.setdefault(key, _Held())
    with held.thread_lock:
        if held.depth == 0:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            held.fd = fd
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                fcntl.flock(held.fd, fcntl.LOCK_UN)
                os.close(held.fd)
                held.fd = None
