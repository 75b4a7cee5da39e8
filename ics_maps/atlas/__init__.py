"""The atlas: one vintage of every tier, built from the sources, stored, and loaded on demand.

:class:`Atlas` (``model``) is what every later layer reads; ``build`` makes one from the readers
(private steps ``_placement``, ``_councils``, ``_nhs_tiers``, ``_primary_care``, and the PCN
``catchments``), ``store`` keeps it as GeoParquet and says whether it is current, ``display`` makes
the simplified web layers stored with it, ``waves`` carries the ICS designation waves onto any
vintage's ICBs.
"""

from ics_maps.atlas.build import build_atlas, ensure_atlas, info, rebuild_atlas, stale_note
from ics_maps.atlas.model import Atlas
from ics_maps.atlas.store import atlas_exists, is_current, load_atlas, save_atlas

__all__ = [
    "Atlas",
    "atlas_exists",
    "build_atlas",
    "ensure_atlas",
    "info",
    "is_current",
    "load_atlas",
    "rebuild_atlas",
    "save_atlas",
    "stale_note",
]
