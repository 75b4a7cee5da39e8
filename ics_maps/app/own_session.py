"""A user's own boundary layer in their session: read once per file and choice, its tables kept with
it, never anywhere another session can see.

The layer lives in ``st.session_state`` (one per session: a new upload replaces it) and its tables
in the layer's own ``cache``; nothing is written to disk (a zip is unpacked into a temporary folder
that is removed at once) and nothing goes into the shared, cached atlas. Reading is pure
(:func:`read_own_layer`): bytes and choices in, a layer or a plain-English error out, so it is
tested without Streamlit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from ics_maps.analysis.own_layer import LayerError, UserLayer, read_layer

log = logging.getLogger("ics_maps.own_layer")
SESSION_KEY = "_own_layer"
MAX_CACHED_TABLES = 64  # per layer: tiers × sides × weightings × tolerances a user tries


@dataclass
class Loaded:
    """What reading gave: a layer, or an error message; the file's columns either way (if read)."""

    key: tuple
    layer: UserLayer | None
    error: str | None
    columns: tuple[str, ...] = ()


def read_own_layer(
    data: bytes, file_name: str, atlas, code_column: str | None, name_column: str | None
) -> tuple[UserLayer | None, str | None, tuple[str, ...]]:
    """(layer, None, columns) or (None, message, columns): never raises for a bad file.

    A :class:`LayerError` is the reader's own message. Anything else (a file that trips GDAL or
    GEOS in a way no check foresaw) is logged and reported in a sentence, not a traceback.
    """
    try:
        layer = read_layer(data, file_name, atlas, code_column=code_column, name_column=name_column)
    except LayerError as e:
        return None, str(e), e.columns
    except Exception as e:  # noqa: BLE001 - an unforeseen failure on untrusted input
        log.warning("reading %r failed: %s: %s", file_name, type(e).__name__, e)
        return None, f"{file_name} could not be read as a boundary layer ({type(e).__name__}).", ()
    return layer, None, layer.columns


def load(
    session: MutableMapping,
    upload: Any,
    atlas,
    vintage: str,
    code_column: str | None = None,
    name_column: str | None = None,
) -> Loaded | None:
    """The session's layer for this upload, vintage and column choice: read once, then reused.

    ``upload``: a Streamlit ``UploadedFile`` (``file_id``, ``name``, ``getvalue()``) or None, which
    forgets the session's layer.
    """
    if upload is None:
        session.pop(SESSION_KEY, None)
        return None
    key = (getattr(upload, "file_id", upload.name), upload.name, vintage, code_column, name_column)
    held = session.get(SESSION_KEY)
    if isinstance(held, Loaded) and held.key == key:
        return held
    session.pop(SESSION_KEY, None)  # the previous layer goes before the next is read
    layer, error, columns = read_own_layer(
        upload.getvalue(), upload.name, atlas, code_column, name_column
    )
    if not columns and isinstance(held, Loaded) and held.key[:3] == key[:3]:
        columns = held.columns  # a choice that failed: keep offering the file's columns
    loaded = Loaded(key, layer, error, columns)
    session[SESSION_KEY] = loaded
    return loaded


def cached(layer: UserLayer, name: str, make: Callable[[], Any], *args: Any) -> Any:
    """``make()`` once per layer and arguments, kept in the layer's own cache (this session
    only)."""
    key = ("table", name, *args)
    if key not in layer.cache:
        tables = [k for k in layer.cache if k[0] == "table"]
        if len(tables) >= MAX_CACHED_TABLES:
            layer.cache.pop(tables[0])
        layer.cache[key] = make()
    return layer.cache[key]
