"""The site's plan: its pages (file, title, icon, URL path) and the folders Streamlit serves.

Pages live in the project's top-level ``pages/`` folder. Streamlit switches a process into its old
multipage mode when a ``pages/`` folder sits beside the *main script*
(``runtime/pages_manager.py``),
which would bypass ``st.navigation`` on a deep link; the main script is therefore
``ics_maps/app/navigation.py`` (the ``st.App`` target), whose folder has no ``pages/``. Streamlit
serves static files from the main script's folder: ``ics_maps/app/static`` at ``/app/static``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent
NAVIGATION = APP_DIR / "navigation.py"  # the main script: st.set_page_config and st.navigation
STATIC_DIR = APP_DIR / "static"  # served at /app/static (Leaflet is copied here, git-ignored)
PAGES_DIR = APP_DIR.parents[1] / "pages"
NOT_FOUND_URL = "not-found"  # the hidden page unknown paths are sent to (ics_maps.app.routes)


@dataclass(frozen=True)
class PageSpec:
    name: str
    file: str
    title: str
    icon: str
    url_path: str | None  # None: the default page, at the site's root
    hidden: bool = False  # reachable by its URL, not listed in the sidebar


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "overview.py", "Overview", ":material/map:", None),
    PageSpec("system", "system.py", "System", ":material/hub:", "system"),
    PageSpec("place", "place.py", "Place", ":material/account_balance:", "place"),
    PageSpec("pcn", "pcn.py", "PCN", ":material/stethoscope:", "pcn"),
    PageSpec(
        "coterminosity",
        "coterminosity.py",
        "Coterminosity",
        ":material/join_inner:",
        "coterminosity",
    ),
    PageSpec("changes", "changes.py", "Changes", ":material/compare_arrows:", "changes"),
    PageSpec("about", "about.py", "About", ":material/info:", "about"),
    PageSpec(
        "not_found", "not_found.py", "Page not found", ":material/help:", NOT_FOUND_URL, hidden=True
    ),
)
_BY_NAME = {p.name: p for p in PAGES}


def page(name: str):
    """The ``st.Page`` of page ``name`` (for ``st.navigation``, ``st.page_link`` and
    ``st.switch_page``)."""
    import streamlit as st

    spec = _BY_NAME[name]
    path = PAGES_DIR / spec.file
    if spec.url_path is None:
        return st.Page(path, title=spec.title, icon=spec.icon, default=True)
    return st.Page(
        path,
        title=spec.title,
        icon=spec.icon,
        url_path=spec.url_path,
        visibility="hidden" if spec.hidden else "visible",
    )


def all_pages() -> list:
    return [page(p.name) for p in PAGES]


def listed() -> list[PageSpec]:
    """The pages the sidebar lists (not the hidden not-found page)."""
    return [p for p in PAGES if not p.hidden]


def url_paths() -> list[str]:
    """The URL path of every page but the default one (which is the site's root)."""
    return [p.url_path for p in PAGES if p.url_path]
