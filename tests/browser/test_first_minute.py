"""The first minute in the browser (issue 15), at 1,400 × 1,000 and 1,000 × 800.

* the Overview map lies inside the first screen;
* the mouse wheel over a map scrolls the page until the map is clicked (then it zooms the map);
* the Place map draws the ICS outlines;
* the sidebar search finds a council, a PCN, a practice postcode and an LSOA code, and each hit
  opens the right page;
* ``/system/extra/path`` shows the app's own not-found message with links.

Screenshots: ``screenshots/first_<what>_<width>.png``.
"""

from __future__ import annotations

import pytest

from ics_maps.app.site import PAGES

from .conftest import MAP_IFRAME, SCREENSHOTS, map_frame
from .test_app_browser import no_error_on_page, shoot, wait_for_map, wait_idle

pytestmark = pytest.mark.browser

SIZES = [(1400, 1000), (1000, 800)]
MAIN = '[data-testid="stMain"]'


def scroll_top(page) -> float:
    return page.evaluate(f"() => document.querySelector('{MAIN}').scrollTop")


def open_at(offline_page, size, url):
    page = offline_page.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url, wait_until="domcontentloaded", timeout=90_000)
    return page


def blank_point(page) -> tuple[float, float]:
    """A point of the map (in page coordinates, inside the viewport) where no unit is drawn."""
    box = page.locator(MAP_IFRAME).first.bounding_box()
    height = page.viewport_size["height"]
    frame = map_frame(page)
    for fy in (0.5, 0.35, 0.65, 0.2, 0.8):
        for fx in (0.12, 0.2, 0.9, 0.3, 0.8):
            x, y = box["width"] * fx, box["height"] * fy
            if box["y"] + y > height - 10:
                continue
            hit = frame.locator("body").evaluate(
                """(b, [x, y]) => { const e = document.elementFromPoint(x, y);
                     return e && !e.closest('path, .leaflet-control') &&
                            !!e.closest('.leaflet-container'); }""",
                [x, y],
            )
            if hit:
                return box["x"] + x, box["y"] + y
    pytest.fail("no empty spot of the map in view")


def map_scale(page) -> str:
    """The scale bar's text ("200 km"): it changes with the map's zoom, and only with it."""
    return map_frame(page).locator(".leaflet-control-scale-line").first.inner_text()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_map_is_in_the_first_screen(app_server, offline_page, size):
    page = open_at(offline_page, size, app_server + "/")
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    box = page.locator(MAP_IFRAME).first.bounding_box()
    assert scroll_top(page) == 0
    # the whole map shows without scrolling, with room for at least 300 px of it
    assert box["y"] + box["height"] <= size[1], box
    assert box["height"] >= 300, box
    no_error_on_page(offline_page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"first_overview_{size[0]}.png"))  # the first screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wheel_scrolls_the_page_until_the_map_is_clicked(app_server, offline_page, size):
    page = open_at(offline_page, size, app_server + "/")
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    x, y = blank_point(page)
    page.mouse.move(x, y)
    scale, top = map_scale(page), scroll_top(page)
    page.mouse.wheel(0, 240)
    page.wait_for_timeout(700)
    assert scroll_top(page) > top, "the wheel over the map should scroll the page"
    assert map_scale(page) == scale, "and not zoom the map"
    hint = map_frame(page).locator(".ics-wheel-hint")
    assert "Click the map" in hint.inner_text()
    assert hint.evaluate("e => e.style.opacity") == "1"

    # a click on the map (an empty spot: a system would open its page) turns wheel zoom on
    page.evaluate(f"() => document.querySelector('{MAIN}').scrollTo(0, 0)")
    page.wait_for_timeout(300)
    x, y = blank_point(page)
    page.mouse.click(x, y)
    top = scroll_top(page)
    page.mouse.wheel(0, -240)  # zoom in
    page.wait_for_timeout(900)
    assert scroll_top(page) == top, "after a click the wheel zooms the map, not the page"
    zoomed = map_scale(page)
    assert zoomed != scale

    # the pointer leaves the map: the wheel scrolls the page again
    page.mouse.move(5, 5)
    page.mouse.move(x, y)
    page.mouse.wheel(0, 240)
    page.wait_for_timeout(700)
    assert scroll_top(page) > top
    assert map_scale(page) == zoomed

    # with Ctrl held the wheel zooms the map at once, without a click
    page.evaluate(f"() => document.querySelector('{MAIN}').scrollTo(0, 0)")
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    x, y = blank_point(page)
    page.mouse.move(x, y)
    top = scroll_top(page)
    page.keyboard.down("Control")
    for _ in range(3):
        page.mouse.wheel(0, 120)  # zoom out
        page.wait_for_timeout(150)
    page.keyboard.up("Control")
    page.wait_for_timeout(700)
    assert map_scale(page) != zoomed and scroll_top(page) == top
    no_error_on_page(offline_page)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_unknown_path_shows_the_not_found_message(app_server, offline_page, size):
    page = open_at(offline_page, size, app_server + "/system/extra/path")
    page.get_by_role("heading", name="Page not found").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_text("There is no page at").count() == 1
    assert page.get_by_text("/system/extra/path").count() >= 1
    links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a')
    listed = [p for p in PAGES if not p.hidden]  # not the not-found page itself
    links.nth(len(listed) - 1).wait_for(timeout=30_000)
    assert links.count() == len(listed)  # one link per page of the site
    assert "System: one integrated care system" in links.all_inner_texts()[1]
    no_error_on_page(offline_page)
    shoot(page, f"first_not_found_{size[0]}.png")
    links.nth(1).click()  # the links work: the System page opens
    wait_for_map(page, timeout=60_000)
    assert page.url.split("?")[0].endswith("/system")


FINDS = [  # query, the hit's text, the page it opens, a text that page then shows
    ("Cherwell", "Cherwell · district council in Oxfordshire", "/place", "Cherwell"),
    ("U00203", "ECCLES & IRLAM PCN · PCN in Greater Manchester", "/pcn", "ECCLES & IRLAM PCN"),
    (
        "M30 8AR",
        "1/MONTON MEDICAL PRACTICE · GP practice in ECCLES & IRLAM PCN · M30 8AR",
        "/pcn",
        "ECCLES & IRLAM PCN",
    ),
    ("E01000001", "City of London 001A · LSOA in City of London", "/place", "City of London"),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_search_finds_any_tier_and_opens_its_page(app_server, offline_page, size):
    page = open_at(offline_page, size, app_server + "/about")
    page.get_by_role("heading", name="About ics-maps").wait_for(timeout=90_000)
    wait_idle(page)
    box = page.locator('[data-testid="stSidebar"] input[type="search"]')
    hits = page.locator('.st-key-find_hits [data-testid="stPageLink"] a')
    for query, text, path, shown in FINDS:
        box.fill(query)
        box.press("Enter")
        hits.first.wait_for(timeout=30_000)
        page.wait_for_function(
            "t => document.querySelector('.st-key-find_hits a')?.innerText.includes(t)",
            arg=text.split(" · ")[0],
            timeout=30_000,
        )
        first = hits.first.inner_text().split("\n")[-1].strip()
        assert first == text, (query, first)
        if query == "M30 8AR":
            shoot(page, f"first_search_{size[0]}.png")
        hits.first.click()
        page.wait_for_function("p => location.pathname.endsWith(p)", arg=path, timeout=30_000)
        page.get_by_role("heading", name=shown).first.wait_for(timeout=60_000)
        wait_idle(page)
        no_error_on_page(offline_page)


NORTH_YORKSHIRE = "E06000065"  # a unitary split between three systems


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_place_map_draws_the_ics_outlines(app_server, offline_page, size, atlas_2026):
    from ics_maps.analysis.nesting import coterminosity
    from ics_maps.presentation.style import SYSTEM_LINE

    page = open_at(offline_page, size, app_server + f"/place?place={NORTH_YORKSHIRE}")
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    systems = coterminosity(atlas_2026, "utla", "icb").query("child_code == @NORTH_YORKSHIRE")
    frame = map_frame(page)
    outlines = frame.locator(f'path[stroke="{SYSTEM_LINE}"]')
    outlines.first.wait_for(state="attached", timeout=30_000)
    assert outlines.count() == len(systems) == 3  # Humber and North Yorkshire, West Yorkshire, …
    assert outlines.first.get_attribute("stroke-dasharray") == "10 6"
    box = page.locator(MAP_IFRAME).first.bounding_box()
    seen = [o.bounding_box() for o in outlines.all()]
    assert all(  # each outline crosses the map's view
        b and b["x"] < box["x"] + box["width"] and b["x"] + b["width"] > box["x"] for b in seen
    )
    frame.locator(".leaflet-control-layers").hover()
    assert frame.get_by_text("ICS boundaries").count() == 1
    no_error_on_page(offline_page)
    shoot(page, f"first_place_{size[0]}.png")


def test_openstreetmap_layer_is_off_and_fails_quietly(app_server, offline_page):
    """The base map is offered but off (no tile is asked for); switched on with no network, its
    tiles fail, a line says so, and the boundaries stay drawn."""
    page = open_at(offline_page, SIZES[0], app_server + "/pcn?q=U00203")
    wait_for_map(page, timeout=90_000)
    wait_idle(page)
    assert offline_page.external == []  # off by default: nothing asked of openstreetmap.org
    frame = map_frame(page)
    frame.locator(".leaflet-control-layers").hover()
    frame.get_by_text("OpenStreetMap base map (needs internet)").click()
    note = frame.locator(".ics-basemap-note")
    note.wait_for(timeout=30_000)
    assert "unavailable" in note.inner_text()
    assert any("openstreetmap.org" in u for u in offline_page.external)  # asked, and blocked
    assert frame.locator("path.leaflet-interactive").count() > 0
    assert not offline_page.page_errors
    shoot(page, "first_pcn_basemap_offline.png")
