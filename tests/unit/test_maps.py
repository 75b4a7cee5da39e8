"""Map builders on hand-built layers: offline assets only, escaping, colours, legends, click ids,
payload.

Layers are 10 km squares in EPSG:27700 around (400000, 300000) (the Midlands), so the expected
colours, classes and bounds are known in advance.
"""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from ics_maps.atlas import display
from ics_maps.presentation import maps
from ics_maps.presentation import style as palette
from ics_maps.presentation.maps import features as map_features
from ics_maps.presentation.maps import offline

CDN = (
    "cdn.jsdelivr",
    "code.jquery",
    "maxcdn",
    "cdnjs",
    "unpkg",
    "netdna",
    "bootstrapcdn",
    "d3js.org",
)
LEAFLET_JS = "/app/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/vendor/leaflet/leaflet.css"
X0, Y0, KM = 400_000, 300_000, 1000
EVIL = '<script>alert("x")</script> & Sons'


def square(i: int, j: int, size_km: float = 10, wiggle: bool = False):
    x, y = X0 + i * size_km * KM, Y0 + j * size_km * KM
    if not wiggle:
        return box(x, y, x + size_km * KM, y + size_km * KM)
    # a square with 400 vertices along each edge, 1–3 m off the line: something to simplify
    n = 400
    t = np.linspace(0, 1, n, endpoint=False)
    jitter = np.sin(t * 97) * 2.0
    s = size_km * KM
    edges = [
        np.c_[x + t * s, y + jitter],
        np.c_[x + s + jitter, y + t * s],
        np.c_[x + s - t * s, y + s + jitter],
        np.c_[x + jitter, y + s - t * s],
    ]
    return shapely.Polygon(np.vstack(edges))


@pytest.fixture()
def icbs() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["E54000001", "E54000002", "E54000003", "E54000004"],
            "name": ["NHS Alpha ICB", EVIL, "NHS Gamma & Delta ICB", "NHS Epsilon ICB"],
            "ods_code": ["QAA", "QBB", "QCC", None],
            "region_name": ["Midlands", "Midlands", "London", "North West"],
            "wave": pd.array([1, 2, 6, pd.NA], dtype="Int64"),
            "waves": ["1 (100%)", "2 (100%)", "1 (40%); 6 (60%)", None],
            "residents": [500_000, 1_000_000, 2_000_000, 3_000_000],
            "n_pcn": [10, 20, 30, 40],
        },
        geometry=[square(0, 0, wiggle=True), square(1, 0, wiggle=True), square(0, 1), square(1, 1)],
        crs="EPSG:27700",
    )


@pytest.fixture()
def las() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["E06000001", "E06000002"],
            "name": ["Ayton", "Beeton & <b>Sea</b>"],
            "residents": [300_000, 200_000],
        },
        geometry=[
            box(X0, Y0, X0 + 5 * KM, Y0 + 10 * KM),
            box(X0 + 5 * KM, Y0, X0 + 10 * KM, Y0 + 10 * KM),
        ],
        crs="EPSG:27700",
    )


@pytest.fixture()
def pcns() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["U00001", "U00002"],
            "name": ["North PCN", "South <i>PCN</i>"],
            "list_size": [35_000, 52_000],
            "method": ["registrations", "modelled"],
        },
        geometry=[
            box(X0, Y0 + 5 * KM, X0 + 10 * KM, Y0 + 10 * KM),
            box(X0, Y0, X0 + 10 * KM, Y0 + 5 * KM),
        ],
        crs="EPSG:27700",
    )


@pytest.fixture()
def practices() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["A81001", "A81002", "A81003"],
            "name": ["The Surgery", "Dr <script>x</script> & Partners", "Nowhere Practice"],
            "pcn": ["U00001", "U00002", "U00002"],
            "list_size": [9000, 30000, None],
        },
        geometry=[Point(X0 + 2 * KM, Y0 + 7 * KM), Point(X0 + 6 * KM, Y0 + 2 * KM), None],
        crs="EPSG:27700",
    )


def geojson_layers(m: folium.Map) -> list[folium.GeoJson]:
    out, stack = [], [m]
    while stack:
        el = stack.pop()
        if isinstance(el, folium.GeoJson):
            out.append(el)
        stack.extend(el._children.values())
    return out


def features(m: folium.Map, tier: str | None = None) -> list[dict]:
    feats = [f for g in geojson_layers(m) for f in g.data["features"]]
    return [f for f in feats if tier is None or f["properties"].get("tier") == tier]


def fills(m: folium.Map, tier: str = "icb") -> dict[str, str]:
    out = {}
    for g in geojson_layers(m):
        if getattr(g, "style_function", None) is None:
            continue
        for f in g.data["features"]:
            if f["properties"].get("tier") == tier:
                out[f["properties"]["code"]] = g.style_function(f)["fillColor"]
    return out


OSM_URLS = (
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "https://www.openstreetmap.org/copyright",
)


def assert_offline(page: str, basemap: bool = False) -> None:
    """Nothing but the app's own Leaflet is loaded; with ``basemap`` the optional OpenStreetMap
    layer may be offered, but never added to the map (off until the user ticks it)."""
    for host in CDN:
        assert host not in page, f"CDN {host} in the rendered map"
    assert LEAFLET_JS in page and LEAFLET_CSS in page
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page)
    links = re.findall(r'<link[^>]+href="([^"]+)"', page)
    assert scripts == [LEAFLET_JS], scripts  # Leaflet only: no jQuery, Bootstrap, awesome-markers
    assert links == [LEAFLET_CSS], links
    if basemap:
        layers = re.findall(r"var (tile_layer_\w+) = L.tileLayer", page)
        assert len(layers) == 1 and f"{layers[0]}.addTo(" not in page  # offered, off
        for url in OSM_URLS:
            page = page.replace(url, "")
    assert not re.search(
        r"https?://", page.replace("http-equiv", "")
    )  # no remote URL at all (no tiles either)


# ---------------------------------------------------------------------------- assets


def test_ensure_static_assets_copies_leaflet_once(tmp_path):
    dest = offline.ensure_static_assets(tmp_path / "static")
    assert dest == tmp_path / "static" / "vendor" / "leaflet"
    js = (dest / "leaflet.js").read_text()
    assert "1.9.4" in js[:300] and len(js) > 100_000
    assert (dest / "leaflet.css").read_text().count(".leaflet-") > 50
    assert (dest / "images" / "layers.png").stat().st_size > 0
    before = {p: p.stat().st_mtime_ns for p in dest.rglob("*")}
    assert (
        offline.ensure_static_assets(tmp_path / "static") == dest
    )  # idempotent: nothing rewritten
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*")} == before
    (dest / "leaflet.js").write_text("broken")  # damaged copy: replaced as a whole
    offline.ensure_static_assets(tmp_path / "static")
    assert (dest / "leaflet.js").read_text() == js
    assert [p.name for p in dest.parent.iterdir()] == [
        "leaflet"
    ]  # no temporary folders left behind


def test_offline_map_uses_only_app_static_urls():
    m = offline.offline_map(location=[52.5, -1.5], zoom_start=7)
    folium.LayerControl().add_to(m)
    page = m.get_root().render()
    assert_offline(page)
    assert folium.Map.default_js[0][1].startswith("https://")  # the class default is untouched
    other = offline.offline_map("/base/app/static")
    assert other.default_js == [("leaflet", "/base/app/static/vendor/leaflet/leaflet.js")]


def test_offline_basemap_is_optional_and_off():
    m = offline.offline_map(basemap=True)
    assert "tile.openstreetmap.org" in m.get_root().render()
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1 and tiles[0].show is False and tiles[0].overlay is True


# ---------------------------------------------------------------------------- simplification


def test_simplify_for_web_reprojects_rounds_and_reduces(icbs):
    web = display.simplify_for_web(icbs, 50, tier="icb")
    assert web.crs.to_epsg() == 4326 and list(web.columns) == list(icbs.columns)
    info = web.attrs["web"]
    assert info["method"] == "coverage" and info["vertices_out"] < info["vertices_in"] / 10
    coords = shapely.get_coordinates(web.geometry.values)
    assert np.allclose(coords, np.round(coords, 5))
    assert (
        (-2.1 < coords[:, 0]).all() and (coords[:, 0] < -1.0).all() and (52.0 < coords[:, 1]).all()
    )
    # coverage simplification keeps neighbours edge to edge: no gaps or overlaps between them
    back = web.to_crs(27700)
    assert (
        abs(back.area.sum() - shapely.union_all(back.geometry.values).area)
        < 0.001 * back.area.sum()
    )
    # the original is untouched, points pass through, a missing geometry stays a row
    assert icbs.crs.to_epsg() == 27700
    pts = display.simplify_for_web(
        gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[Point(X0, Y0), None], crs="EPSG:27700"),
        tier="practice",
    )
    assert (
        len(pts) == 2
        and pts.geometry.iloc[1] is None
        and pts.geometry.iloc[0].x == pytest.approx(-2.0, abs=0.1)
    )


def test_simplify_needs_a_crs():
    with pytest.raises(ValueError, match="CRS"):
        display.simplify_for_web(gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)]))


def test_builders_skip_resimplifying_a_display_layer(icbs, monkeypatch):
    web = display.simplify_for_web(icbs, tier="icb")
    calls = []
    real = display.simplify_for_web
    monkeypatch.setattr(
        map_features, "simplify_for_web", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    maps.ics_map(web)
    assert calls == []
    maps.ics_map(icbs)
    assert calls == [1]


# ---------------------------------------------------------------------------- the national ICS map


def test_ics_map_offline_classes_legend_and_ids(icbs):
    m = maps.ics_map(icbs, color_by="residents")
    page = m.get_root().render()
    assert_offline(page)
    colours = fills(m)
    assert len(set(colours.values())) == 4  # four residents classes, four colours
    assert colours["E54000001"] != colours["E54000004"]
    assert "Residents (Census 2021)" in page and "ics-legend" in page  # the legend control
    assert "Natural breaks (Fisher\\u2013Jenks)" in page  # how the classes were made, in words
    feats = features(m, "icb")
    assert [f["id"] for f in feats] == list(icbs["code"])
    assert [f["properties"]["code"] for f in feats] == list(icbs["code"])
    assert feats[0]["properties"]["residents"] == "500,000"
    assert (
        feats[3]["properties"]["ods"] == "–"
    )  # no ODS code (new 2026 ICBs): a dash, not an empty row


def test_ics_map_escapes_names(icbs):
    m = maps.ics_map(icbs)
    page = m.get_root().render()
    assert "<script>alert" not in page
    names = {f["properties"]["code"]: f["properties"]["name"] for f in features(m)}
    assert names["E54000002"] == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons"
    assert names["E54000003"] == "NHS Gamma &amp; Delta ICB"


def test_ics_map_region_and_wave_are_categorical(icbs):
    by_region = fills(maps.ics_map(icbs, color_by="region"))
    assert by_region["E54000001"] == by_region["E54000002"] == palette.REGION_COLOURS["Midlands"]
    assert len({by_region["E54000001"], by_region["E54000003"], by_region["E54000004"]}) == 3
    m = maps.ics_map(icbs, color_by="wave")
    by_wave = fills(m)
    assert (
        by_wave["E54000001"] == palette.WAVE_COLOURS[1]
        and by_wave["E54000003"] == palette.WAVE_COLOURS[6]
    )
    assert by_wave["E54000004"] == palette.NO_DATA
    page = m.get_root().render()
    assert "Wave 1 (June 2017)" in page and "no wave" in page
    lines = icbs.assign(council_lines=["combines", "split", "combines", None])
    m = maps.ics_map(lines, color_by="councils")
    c = palette.RELATIONSHIP_COLOURS
    assert fills(m) == {
        "E54000001": c["combines"],
        "E54000002": c["split"],
        "E54000003": c["combines"],
        "E54000004": palette.NO_DATA,
    }
    page = m.get_root().render()
    assert "whole councils only (2)" in page and "shares a council with another system (1)" in page
    assert (
        "not known" in page and "coterminous" not in page
    )  # only the relationships present are listed
    assert (
        features(m)[1]["properties"]["councils"] == "shares a council with another system"
    )  # the legend's words
    with pytest.raises(ValueError, match="council_lines"):
        maps.ics_map(icbs, color_by="councils")


def test_ics_map_tolerates_missing_optional_columns(icbs):
    slim = icbs[["code", "name", "residents", "geometry"]]
    m = maps.ics_map(slim)
    props = features(m)[0]["properties"]
    assert set(props) == {"code", "tier", "name", "residents", "codes"}
    with pytest.raises(ValueError, match="wave"):
        maps.ics_map(slim, color_by="wave")
    with pytest.raises(ValueError, match="color_by"):
        maps.ics_map(icbs, color_by="colour")


def test_ics_map_selected_gets_a_heavy_outline(icbs):
    m = maps.ics_map(icbs, selected="E54000003")
    g = geojson_layers(m)[0]
    style = {f["properties"]["code"]: g.style_function(f) for f in g.data["features"]}
    assert style["E54000003"]["weight"] > 3 * style["E54000001"]["weight"]
    assert style["E54000003"]["color"] == palette.NHS_BLACK


def test_ics_map_tooltip_fields():
    gdf = gpd.GeoDataFrame(
        {"code": ["E54000001"], "name": ["A"], "residents": [1]},
        geometry=[square(0, 0)],
        crs="EPSG:27700",
    )
    page = maps.ics_map(gdf).get_root().render()
    assert "bindTooltip" in page and '"ICS / ICB"' in page and '"Residents (Census 2021)"' in page


def test_legend_has_no_branca_colormap(icbs):
    """streamlit-folium would inject d3 from two CDNs for a branca colormap on the map."""
    import branca.colormap as bcm

    m = maps.ics_map(icbs)
    stack, found = [m], []
    while stack:
        el = stack.pop()
        found.append(el)
        stack.extend(el._children.values())
    assert not any(isinstance(el, bcm.ColorMap) for el in found)
    assert any(isinstance(el, maps.Legend) for el in found)


def test_streamlit_folium_component_links_are_local(icbs, pcns, practices, las):
    """What st_folium hands its iframe: js_links/css_links collected like the component does."""
    import branca.colormap as bcm
    import folium.elements

    for m in (
        maps.ics_map(icbs),
        maps.system_map(icbs.iloc[[0]], {"lad": las, "pcn": pcns}, practices),
        maps.pcn_map(pcns, practices),
        maps.highlight_map(las, ["E06000002"]),
    ):
        m.get_root().render()
        js, css, stack = [], [], [m]
        while stack:
            el = stack.pop()
            assert not isinstance(el, bcm.ColorMap)
            if isinstance(el, folium.elements.JSCSSMixin):
                js += [u for _, u in el.default_js]
                css += [u for _, u in el.default_css]
            stack.extend(el._children.values())
        assert set(js) == {LEAFLET_JS} and set(css) == {LEAFLET_CSS}


# ---------------------------------------------------------------------------- system, PCN,
# highlight maps


def test_system_map_layers_toggle_and_label_pcns(icbs, las, pcns, practices):
    m = maps.system_map(icbs.iloc[0], {"lad": las, "pcn": pcns}, practices, show=["lad"])
    page = m.get_root().render()
    assert_offline(page, basemap=True)
    # the layer box is the legend: each entry is a swatch in the layer's colour, then its name
    groups = {
        re.sub(r"<[^>]+>", "", c.layer_name).strip(): c
        for c in m._children.values()
        if isinstance(c, folium.FeatureGroup)
    }
    assert set(groups) == {
        "District or unitary (lower tier)",
        "PCN footprints (indicative)",
        "GP practices (1 without a known location, not drawn)",
    }
    assert palette.TIER_COLOURS["lad"] in groups["District or unitary (lower tier)"].layer_name
    assert groups["PCN footprints (indicative)"].show is False
    assert groups["GP practices (1 without a known location, not drawn)"].show is True
    # the data is fitted left of the layer box, which would otherwise cover it
    fit = next(c for c in m._children.values() if isinstance(c, folium.FitBounds))
    assert fit.options["paddingBottomRight"][0] >= map_features.LAYER_BOX_WIDTH
    hidden = maps.system_map(icbs.iloc[0], {"lad": las}, practices, show_practices=False)
    assert [c.show for c in hidden._children.values() if isinstance(c, folium.FeatureGroup)] == [
        True,
        False,
    ]
    assert any(isinstance(c, folium.LayerControl) for c in m._children.values())
    assert "L.control.layers" in page and "L.circleMarker" in page.replace(
        "new L.CircleMarker", "L.circleMarker"
    )
    pr = features(m, "practice")
    assert [f["properties"]["code"] for f in pr] == [
        "A81001",
        "A81002",
    ]  # the practice with no location is skipped
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Partners" in pr[1]["properties"]["name"]
    assert (
        "<script>x</script>" not in page and "<b>Sea</b>" not in page and "<i>PCN</i>" not in page
    )
    # practices take their PCN's colour
    pcn_fill = fills(m, "pcn")
    prac_fill = fills(m, "practice")
    assert prac_fill["A81001"] == pcn_fill["U00001"] and prac_fill["A81002"] == pcn_fill["U00002"]
    assert pcn_fill["U00001"] != pcn_fill["U00002"]
    # the ICS outline does not catch clicks; the layers' features carry code and tier
    assert '"interactive": false' in page
    assert {f["properties"]["tier"] for f in features(m)} >= {"lad", "pcn", "practice"}


def test_system_map_accepts_a_one_row_frame(icbs, las):
    m = maps.system_map(icbs[icbs["code"] == "E54000003"], {"lad": las})
    fit = [c for c in m._children.values() if isinstance(c, folium.FitBounds)]
    (s, w), (n, e) = fit[0].bounds  # the view fits the system, not its neighbours
    ics = display.simplify_for_web(icbs[icbs["code"] == "E54000003"], 0).total_bounds
    assert (w, s, e, n) == pytest.approx(tuple(ics), abs=1e-4)


def test_highlight_map_colours_relationships(las, icbs):
    rel = pd.DataFrame(
        {
            "child_code": ["E06000001"],
            "relationship": ["coterminous"],
            "main_parent_name": ["NHS Alpha ICB"],
            "main_share": [1.0],
            "n_parents": [1],
        }
    )
    m = maps.highlight_map(las, ["E06000002"], relationships=rel, parents=icbs, tier="lad")
    colour = fills(m, "lad")
    assert colour == {
        "E06000001": palette.RELATIONSHIP_COLOURS["coterminous"],
        "E06000002": palette.RELATIONSHIP_COLOURS["split"],
    }
    page = m.get_root().render()
    assert_offline(page)
    assert "split (1)" in page and "coterminous (1)" in page and "nested (0)" in page
    props = {f["properties"]["code"]: f["properties"] for f in features(m, "lad")}
    assert (
        props["E06000001"]["main_share"] == "100.0%"
        and props["E06000001"]["relationship"] == "coterminous"
    )
    # the view frames the parents drawn for context as well as the units, clear of the scale bar
    fit = [c for c in m._children.values() if isinstance(c, folium.FitBounds)][0]
    (s, w), (n, e) = fit.bounds
    both = pd.concat(
        [display.simplify_for_web(las, 0).geometry, display.simplify_for_web(icbs, 0).geometry]
    ).total_bounds
    assert (w, s, e, n) == pytest.approx(tuple(both), abs=1e-4)
    assert tuple(fit.options["paddingBottomRight"]) == (
        8 + map_features.LEGEND_WIDTH,
        map_features.SCALE_HEIGHT,
    )
    plain = fills(maps.highlight_map(las, {"E06000001"}), "unit")
    assert plain == {
        "E06000001": palette.RELATIONSHIP_COLOURS["split"],
        "E06000002": palette.RELATIONSHIP_COLOURS["nested"],
    }


def test_pcn_map_indicative_method_and_practices(pcns, practices):
    m = maps.pcn_map(pcns, practices, "registrations", selected="U00002")
    page = m.get_root().render()
    assert_offline(page, basemap=True)
    assert "PCN footprints (indicative: registrations)" in page
    g = [
        g
        for g in geojson_layers(m)
        if g.data["features"] and g.data["features"][0]["properties"]["tier"] == "pcn"
    ][0]
    st = {f["id"]: g.style_function(f) for f in g.data["features"]}
    assert st["U00002"]["weight"] > st["U00001"]["weight"]
    props = {f["properties"]["code"]: f["properties"] for f in features(m, "pcn")}
    assert (
        props["U00001"]["list_size"] == "35,000"
        and props["U00002"]["name"] == "South &lt;i&gt;PCN&lt;/i&gt;"
    )
    default = maps.pcn_map(pcns).get_root().render()
    assert "indicative: modelled, registrations" in default


def tooltip_fields(m: folium.Map, tier: str) -> list[str]:
    """The property keys a layer's hover tooltip shows."""
    for g in geojson_layers(m):
        if g.data["features"] and g.data["features"][0]["properties"]["tier"] == tier:
            tips = [c for c in g._children.values() if isinstance(c, folium.GeoJsonTooltip)]
            return list(tips[0].fields) if tips else []
    return []


def test_national_tooltip_is_short_and_follows_the_colouring(icbs):
    """Nine rows covered half of England: name, codes on one line, residents, PCNs and what the map
    is coloured by."""
    m = maps.ics_map(icbs)
    assert tooltip_fields(m, "icb") == ["name", "codes", "residents", "n_pcn"]
    props = {f["properties"]["code"]: f["properties"] for f in features(m)}
    assert props["E54000001"]["codes"] == "E54000001 · QAA"
    assert props["E54000004"]["codes"] == "E54000004 · –"  # no ODS code
    assert props["E54000001"]["waves"] == "1 (100%)"  # every field is still a property
    assert tooltip_fields(maps.ics_map(icbs, color_by="region"), "icb") == [
        "name",
        "codes",
        "region",
        "residents",
        "n_pcn",
    ]
    assert tooltip_fields(maps.ics_map(icbs, color_by="wave"), "icb")[2:4] == ["wave", "waves"]


def test_neighbour_colours_differ_across_a_shared_edge():
    """A 3 × 3 grid of squares: every pair that shares an edge or a corner gets two colours."""
    from ics_maps.presentation.maps.context import neighbour_colours

    cells = [(i, j) for i in range(3) for j in range(3)]
    grid = gpd.GeoDataFrame(
        {"code": [f"P{i}{j}" for i, j in cells]},
        geometry=[square(i, j, 1) for i, j in cells],
        crs="EPSG:27700",
    ).to_crs(4326)
    colours = neighbour_colours(grid)
    assert set(colours) == set(grid["code"])
    for i, j in cells:
        for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
            if (i + di, j + dj) in cells:
                assert colours[f"P{i}{j}"] != colours[f"P{i + di}{j + dj}"], (i, j, di, dj)
    # the centre touches 8 squares, so the grid needs 4 colours at least, and greedy stays small
    assert 4 <= len(set(colours.values())) <= len(palette.NEIGHBOUR_PALETTE)
    apart = grid.iloc[[0, 8]]  # two corner squares far apart may share a colour
    assert len(set(neighbour_colours(apart).values())) == 1
    with_missing = pd.concat([grid.iloc[:2], grid.iloc[:1].assign(code="P99", geometry=None)])
    assert "P99" in neighbour_colours(with_missing)


def test_pcn_map_opens_on_the_chosen_pcn_with_systems_and_place_names(pcns, practices, las, icbs):
    m = maps.pcn_map(pcns, practices, selected="U00002", systems=icbs.iloc[:2], labels=las)
    fit = next(c for c in m._children.values() if isinstance(c, folium.FitBounds))
    (s, w), (n, e) = fit.bounds
    south = display.simplify_for_web(pcns[pcns["code"] == "U00002"], 0).total_bounds
    assert (w, s, e, n) == pytest.approx(tuple(south), abs=1e-4)  # the chosen PCN, not both
    page = m.get_root().render()
    assert_offline(page, basemap=True)
    groups = {
        re.sub(r"<[^>]+>", "", c.layer_name).strip(): c
        for c in m._children.values()
        if isinstance(c, folium.FeatureGroup)
    }
    assert {"ICS boundaries", "Aa Council names"} <= set(groups)  # "Aa": the layer box swatch
    outlines = [
        g for g in geojson_layers(m) if g.data["features"][0]["properties"]["tier"] == "outline"
    ]
    assert any(g.style_function(g.data["features"][0])["dashArray"] == "10 6" for g in outlines)
    # names are written inside their units, escaped, and shown only at local zoom
    labels = [
        c for c in groups["Aa Council names"]._children.values() if isinstance(c, folium.Marker)
    ]
    assert len(labels) == 2
    assert all(lab.icon.options["class_name"] == "ics-place-label" for lab in labels)
    assert "Beeton \\u0026amp; \\u0026lt;b\\u0026gt;Sea" in page and "<b>Sea</b>" not in page
    assert "ics-labels-far" in page
    web = display.simplify_for_web(las, 0)
    for lab, geom in zip(labels, web.geometry, strict=True):
        assert geom.contains(Point(lab.location[1], lab.location[0]))
    # an OpenStreetMap layer is offered, off, with a quiet note for when it cannot load
    assert "OpenStreetMap base map (needs internet)" in page and "tileerror" in page
    # practices take their PCN's colour from the same few colours
    pcn_fill, prac_fill = fills(m, "pcn"), fills(m, "practice")
    assert prac_fill["A81002"] == pcn_fill["U00002"] != pcn_fill["U00001"]
    assert set(pcn_fill.values()) <= set(palette.NEIGHBOUR_PALETTE)


def test_every_map_scrolls_the_page_until_clicked(icbs, pcns):
    for m in (maps.ics_map(icbs), maps.pcn_map(pcns), offline.offline_map()):
        page = m.get_root().render()
        assert '"scrollWheelZoom": false' in page and "ics-wheel-hint" in page
        assert "wheel.enable()" in page and "mouseleave" in page


# ---------------------------------------------------------------------------- payload


def test_payload_is_small_for_simple_layers(icbs):
    m = maps.ics_map(icbs)
    size = maps.payload_bytes(m)
    assert 5_000 < size < 60_000  # four squares (two of them 1,600 vertices before simplification)


@pytest.mark.real
def test_national_map_with_real_icbs_stays_under_budget():
    from ics_maps.paths import mirror_root
    from ics_maps.sources import CATALOGUE

    REAL_ICB = mirror_root() / CATALOGUE["icb_2026_bsc"].mirror_path
    g = gpd.read_file(REAL_ICB).rename(columns={"ICB26CD": "code", "ICB26NM": "name"})
    g["residents"] = np.linspace(500_000, 3_000_000, len(g)).round()
    m = maps.ics_map(g)
    size = maps.payload_bytes(m)
    assert len(features(m)) == 36
    assert size < maps.NATIONAL_BUDGET_BYTES, f"{size:,} bytes"
    assert_offline(m.get_root().render())
    print(f"national ICS map (36 ICBs, ICB_APR_2026_EN_BSC): {size:,} bytes")
