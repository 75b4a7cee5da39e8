"""Folium maps: pure builders (data in, :class:`folium.Map` out) that draw with Leaflet alone,
served by the app itself (``offline``), with escaped tooltips (``features``), plain-Leaflet legends
(``legend``), classed colours (``colouring``) and tier layers (``layers``).

Importing this package makes folium render each map once, never as a template again (``render``).
"""

from ics_maps.presentation.maps import render

render.install()

from ics_maps.presentation.maps.builders import (  # noqa: E402 - after install(), on purpose
    NATIONAL_BUDGET_BYTES,
    highlight_map,
    ics_map,
    pcn_map,
    system_map,
)
from ics_maps.presentation.maps.colouring import classify_values  # noqa: E402
from ics_maps.presentation.maps.features import payload_bytes  # noqa: E402
from ics_maps.presentation.maps.legend import Legend  # noqa: E402
from ics_maps.presentation.maps.offline import ensure_static_assets, offline_map  # noqa: E402

__all__ = [
    "NATIONAL_BUDGET_BYTES",
    "Legend",
    "classify_values",
    "ensure_static_assets",
    "highlight_map",
    "ics_map",
    "offline_map",
    "payload_bytes",
    "pcn_map",
    "system_map",
]
