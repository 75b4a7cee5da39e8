"""Unknown paths: which browser requests go to the not-found page, and which Streamlit serves.

``/system/extra/path`` used to give a white page (Streamlit's index.html links its scripts
relatively, so they were asked for under ``/system/extra/`` and came back as HTML).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from ics_maps.app.routes import NotFoundRedirect, not_found_target
from ics_maps.app.site import url_paths

PAGES = ("system", "place", "pcn", "coterminosity", "changes", "about", "not-found")


@pytest.mark.parametrize(
    "path, target",
    [
        ("/system/extra/path", "/not-found?path=/system/extra/path"),
        ("/system/", None),  # a page, with a trailing slash
        ("/nonexistent", "/not-found?path=/nonexistent"),
        ("/foo/bar", "/not-found?path=/foo/bar"),
        ("/a b/c", "/not-found?path=/a%20b/c"),  # quoted back safely
        ("/", None),
        ("", None),
        ("/place", None),
        ("/not-found", None),
        # Streamlit's own endpoints and files pass untouched
        ("/static/js/index.abc.js", None),
        ("/_stcore/health", None),
        ("/app/static/vendor/leaflet/leaflet.js", None),
        ("/component/streamlit_folium.st_folium/index.html", None),
        ("/media/abc.png", None),
        ("/favicon.png", None),
        ("/system/extra/static/js/index.js", None),  # looks like a file: not a page request
        ("/auth/login", None),
        ("/oauth2callback", None),
    ],
)
def test_which_paths_go_to_the_not_found_page(path, target):
    assert not_found_target(path, PAGES) == target


def test_base_url_path_is_kept():
    assert not_found_target("/maps/system/x", PAGES, "maps") == "/maps/not-found?path=/system/x"
    assert not_found_target("/maps/system", PAGES, "/maps/") is None
    assert not_found_target("/maps", PAGES, "maps") is None
    assert not_found_target("/other/system/x", PAGES, "maps") is None  # not under the base


def test_a_very_long_path_is_cut():
    target = not_found_target("/x/" + "y" * 5000, PAGES)
    assert target.startswith("/not-found?path=/x/yyy") and len(target) < 260


def test_the_site_lists_every_page_path():
    assert set(PAGES) == set(url_paths())


def _call(path: str, accept: str = "text/html,application/xhtml+xml", method: str = "GET"):
    """Run the middleware on one request; return (status, location) or "passed on"."""
    sent: list[dict] = []

    async def app(scope, receive, send):
        sent.append({"passed": True})

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"accept", accept.encode())],
    }
    # in a thread of its own: a browser test's Playwright may hold this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, NotFoundRedirect(app, PAGES)(scope, None, send)).result()
    if sent[0].get("passed"):
        return "passed on"
    headers = dict(sent[0]["headers"])
    return sent[0]["status"], headers[b"location"].decode()


def test_the_middleware_redirects_only_a_browser_asking_for_a_page():
    assert _call("/system/extra/path") == (307, "/not-found?path=/system/extra/path")
    assert _call("/system") == "passed on"
    assert _call("/system/extra/path", accept="*/*") == "passed on"  # a script, not a page
    assert _call("/system/extra/path", method="POST") == "passed on"
