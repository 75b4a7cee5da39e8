"""A folium map rendered once per server and drawn in every session that shows it.

``streamlit_folium.st_folium`` renders its map to HTML and JavaScript on every run of every
session: for the national map of ICSs that is most of a view's server time (0.2–0.5 s), though the
result is the same for everyone who asks for the same vintage, colouring and filter. Here the
rendering (:func:`render_parts`, what ``st_folium`` computes before it calls its component) is
kept in a :class:`~ics_maps.app.shared_cache.SharedCache` under a key naming what the map shows,
and :func:`draw` hands the kept parts to streamlit-folium's component exactly as ``st_folium``
does.

Written against streamlit-folium 0.27 (its private helpers ``_get_html``, ``_get_header``,
``_get_map_string``, ``get_full_id``, ``generate_js_hash`` and ``_component_func``); a test checks
that :func:`draw` sends the component the same arguments ``st_folium`` sends. streamlit_folium is
imported only inside functions: the start-up warm-up must not import it (see
:mod:`ics_maps.app.warmup`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from ics_maps.app.shared_cache import SharedCache


def render_parts(m) -> dict[str, Any]:
    """What ``st_folium(m, render=False)`` computes from a folium Map before drawing it."""
    import branca
    import folium
    import streamlit_folium as sf

    m.render()
    html = sf._get_html(m)  # before _get_map_string, which alters the folium structure
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    try:
        bounds = m.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]

    def walk(fig):
        if isinstance(fig, branca.colormap.ColorMap):
            yield fig
        if isinstance(fig, folium.elements.JSCSSMixin):
            yield fig
        for child in getattr(fig, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for elem in walk(m):
        if isinstance(elem, branca.colormap.ColorMap):
            js[:0] = [
                "https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js",
            ]
        css += [href for _, href in getattr(elem, "default_css", [])]
        js += [src for _, src in getattr(elem, "default_js", [])]
    southwest, northeast = bounds
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": sf.get_full_id(m),
        "bounds": {
            "_southWest": {"lat": southwest[0], "lng": southwest[1]},
            "_northEast": {"lat": northeast[0], "lng": northeast[1]},
        },
        "zoom": m.options.get("zoom") if hasattr(m, "options") else {},
        "css_links": list(dict.fromkeys(css)),
        "js_links": list(dict.fromkeys(js)),
        "js_hash": {},  # st_folium's component key per widget key, filled by draw()
    }


def _defaults(parts: dict, returned: Iterable[str]) -> dict:
    every = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": parts["bounds"],
        "zoom": parts["zoom"],
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    wanted = set(returned)
    return {k: v for k, v in every.items() if k in wanted}


def draw(parts: dict, key: str, height: int, returned: Iterable[str]) -> Any:
    """Draw rendered ``parts`` as ``st_folium(m, key=key, height=height, use_container_width=True,
    returned_objects=returned, render=False)`` would; returns the component's value."""
    import streamlit as st
    import streamlit_folium as sf

    returned = list(returned)
    hash_key = parts["js_hash"].get(key)
    if hash_key is None:  # a regex over the whole script: worth keeping with the parts
        hash_key = parts["js_hash"][key] = sf.generate_js_hash(parts["script"], key, False)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=parts["script"],
        header=parts["header"],
        html=parts["html"],
        id=parts["id"],
        key=hash_key,
        height=height,
        width=None,
        returned_objects=returned,
        default=_defaults(parts, returned),
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=parts["css_links"],
        js_links=parts["js_links"],
        on_change=on_change,
        wrap_longitude=False,
    )


def shared_parts(cache: SharedCache, shared_key: Hashable, make: Callable[[], Any]) -> dict:
    """The rendered parts of the map ``make()`` builds, kept in ``cache`` under ``shared_key``
    (which must name everything the map shows)."""
    return cache.get(("map", shared_key), lambda: render_parts(make()))
