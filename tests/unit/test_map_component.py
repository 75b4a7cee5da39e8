"""A map rendered once and drawn in many sessions is the map ``st_folium`` would draw
(issue 16, "Serve many at once").

:func:`ics_maps.app.map_component.draw` must hand streamlit-folium's component exactly the
arguments ``st_folium`` hands it. Both are called on the toy atlas's national ICS map, built twice
with the same element ids (branca's id generator made deterministic), and the component is replaced
by a recorder.
"""

from __future__ import annotations

import itertools

import branca.element
import pytest
import streamlit_folium as sf

from ics_maps.app.map_component import draw, render_parts
from ics_maps.app.shared_cache import SharedCache
from ics_maps.presentation import maps
from tests.toy_atlas import toy_atlas


@pytest.fixture
def recorder(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(sf, "_component_func", lambda **kw: calls.append(kw) or {"ok": 1})
    return calls


def same_ids(monkeypatch):
    counter = itertools.count()
    monkeypatch.setattr(
        branca.element.Element, "_generate_id", staticmethod(lambda: f"{next(counter):032x}")
    )


def toy_map():
    atlas = toy_atlas()
    return maps.ics_map(atlas.web_layer("icb"), color_by="residents")


@pytest.mark.parametrize("returned", [("last_active_drawing",), ()])
def test_draw_sends_what_st_folium_sends(monkeypatch, recorder, returned):
    same_ids(monkeypatch)
    want = sf.st_folium(
        toy_map(),
        key="overview_map",
        height=540,
        use_container_width=True,
        returned_objects=list(returned),
        render=False,
    )
    same_ids(monkeypatch)
    got = draw(render_parts(toy_map()), key="overview_map", height=540, returned=returned)
    assert want == got == {"ok": 1}
    a, b = recorder
    assert a.pop("on_change") is not None and b.pop("on_change") is not None
    assert a == b
    assert "I1" in a["script"] and a["key"] and a["css_links"]  # a real map, not an empty one


def test_a_shared_map_is_rendered_once(monkeypatch, recorder):
    from ics_maps.app.map_component import shared_parts

    cache = SharedCache("maps", 10**8)
    built = []

    def make():
        built.append(1)
        return toy_map()

    for _ in range(3):
        parts = shared_parts(cache, ("2026", "residents"), make)
        draw(parts, key="overview_map", height=540, returned=("last_active_drawing",))
    assert len(built) == 1 and len(recorder) == 3
    assert (
        recorder[0]["script"] == recorder[2]["script"] and recorder[0]["key"] == recorder[2]["key"]
    )
