"""The atlas a command works on: loaded, or built first when there is none."""

from __future__ import annotations

import sys


def atlas_for(vintage: str):
    """The built atlas of ``vintage``; with none yet, it is built (a few minutes) and said so."""
    from ics_maps.atlas import load_atlas

    try:
        return load_atlas(vintage)
    except FileNotFoundError:
        from ics_maps.atlas import ensure_atlas

        print(f"no atlas for vintage {vintage}: building it (a few minutes)", file=sys.stderr)
        return ensure_atlas(vintage)
