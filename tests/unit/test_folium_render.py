"""Maps render once: the output equals branca's own rendering, faster, and data is never run as a
template."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from branca.element import MacroElement
from shapely.geometry import box

from ics_maps.presentation import maps
from ics_maps.presentation.maps import render


def _layers() -> tuple[gpd.GeoDataFrame, dict]:
    icbs = gpd.GeoDataFrame(
        {
            "code": ["E54000001", "E54000002"],
            "name": ["NHS Alpha ICB", "NHS Beta & Co ICB"],
            "residents": [500_000, 1_500_000],
            "region_name": ["Midlands", "London"],
            "wave": [1, 2],
        },
        geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)],
        crs="EPSG:27700",
    )
    lads = icbs.assign(code=["E06000001", "E06000002"], name=["Hartlepool", "Adur"])
    return icbs, {"lad": lads, "pcn": lads.assign(code=["U00001", "U00002"])}


def _normalised(html: str) -> str:
    return re.sub(r"[0-9a-f]{32}", "ID", html)


def test_output_equals_brancas_own_rendering(monkeypatch):
    assert render.install()
    icbs, layers = _layers()
    builders = [
        lambda: maps.ics_map(icbs),
        lambda: maps.system_map(icbs.iloc[0], layers),
        lambda: maps.highlight_map(layers["lad"], ["E06000001"], parents=icbs),
    ]
    ours = [_normalised(b().get_root().render()) for b in builders]
    monkeypatch.setattr(MacroElement, "render", render.BRANCA_RENDER)
    theirs = [_normalised(b().get_root().render()) for b in builders]
    assert ours == theirs


@pytest.mark.parametrize(
    "name", ["NHS {{ 7*7 }} ICB", "{% if true %}boom{% endif %}", "{# hidden #} ICB"]
)
def test_names_with_template_syntax_stay_text(name):
    icbs, _ = _layers()
    html = maps.ics_map(icbs.assign(name=[name, "B"])).get_root().render()
    shown = re.search(r'"name": "([^"]*)"', html).group(1)
    assert (
        shown.replace("\\u0026#123;", "{") == name
    )  # shown as typed (no "&" in these names to escape)
    # the renderer alone, without the escaping done by features.esc, writes template syntax out as
    # text
    import folium

    m = folium.Map(tiles=None)
    folium.GeoJson(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "Point", "coordinates": [0, 51]},
                }
            ],
        }
    ).add_to(m)
    assert json_text(name) in m.get_root().render()


def json_text(s: str) -> str:
    import json

    return json.dumps(s)[1:-1]
