"""The atlas a command works on, the same way for every command: loaded when current, rebuilt
when not (built first when there is none), and after a failed rebuild the last good one with its
stale note printed."""

from __future__ import annotations

import sys


def atlas_for(vintage: str):
    """The atlas of ``vintage`` as :func:`ics_maps.atlas.ensure_atlas` gives it, saying on standard
    error when it is built for the first time or served stale."""
    from ics_maps.atlas import atlas_exists, ensure_atlas, stale_note

    if not atlas_exists(vintage):
        print(f"no atlas for vintage {vintage}: building it (a few minutes)", file=sys.stderr)
    atlas = ensure_atlas(vintage)
    note = stale_note(atlas)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return atlas
