"""Leaflet served by the app itself, so maps draw with no internet (and on locked-down NHS
networks).

Folium loads Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs by default. Our
maps only need Leaflet (GeoJson layers, circle markers, tooltips, the layer control), and Leaflet's
own files ship in a pinned installable package: ``django-js-lib-leaflet`` 1.9.4.1 (Leaflet 1.9.4).

* :func:`ensure_static_assets` copies ``leaflet.js``, ``leaflet.css`` and ``images/`` from that
  package to ``<static folder>/vendor/leaflet/``. Streamlit serves ``<folder of the main
  script>/static/`` at ``/app/static/`` when ``[server] enableStaticServing = true``
  (``.streamlit/config.toml``); the app's is ``ics_maps/app/static`` (its ``vendor/`` git-ignored).
* :func:`offline_map` returns a :class:`folium.Map` whose ``default_js``/``default_css`` name those
  files only: ``/app/static/vendor/leaflet/leaflet.js`` and ``leaflet.css``. streamlit-folium's
  component iframe is served by the same Streamlit server and loads exactly these URLs (it
  collects ``default_js``/``default_css`` of every element of the map), so absolute
  ``/app/static/...`` paths resolve there too. Caveat from its frontend: it loads the scripts in
  sequence and stops at the first that fails, so one unreachable URL (a CDN) leaves the map blank.
  It also injects d3 from two CDNs whenever a ``branca`` colormap is *added to* the map;
  :mod:`ics_maps.presentation.maps` therefore draws legends as plain Leaflet controls.

The URL prefix is ``/app/static`` (``ICS_MAPS_STATIC_URL`` or the ``static_url`` argument override
it, e.g. behind ``server.baseUrlPath``).
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import folium
from branca.element import MacroElement
from folium.template import Template

from ics_maps.presentation.maps.behaviour import (
    ClickWithoutScrolling,
    TooltipInView,
    WheelZoomAfterClick,
)

LEAFLET_PACKAGE = "js_lib_leaflet"  # import name of the PyPI package django-js-lib-leaflet
LEAFLET_VERSION = "1.9.4"
VENDOR_SUBDIR = Path("vendor") / "leaflet"
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
DEFAULT_STATIC_URL = "/app/static"
_MANIFEST = ".ics-maps-manifest.json"

# Hosts that folium or its plugins load from by default: none may appear in a rendered map.
CDN_HOSTS = (
    "cdn.jsdelivr",
    "code.jquery",
    "maxcdn",
    "cdnjs",
    "unpkg",
    "netdna",
    "bootstrapcdn",
    "d3js.org",
    "fonts.googleapis",
)


def leaflet_source_dir() -> Path:
    """The folder inside the installed package holding leaflet.js, leaflet.css and images/."""
    try:
        root = importlib.resources.files(LEAFLET_PACKAGE) / "static" / LEAFLET_PACKAGE
    except ModuleNotFoundError as exc:  # pragma: no cover - a broken install
        raise RuntimeError(
            "Leaflet's files come from the package django-js-lib-leaflet==1.9.4.1 "
            "(pip install -e . installs it)"
        ) from exc
    src = Path(str(root))
    missing = [f for f in LEAFLET_FILES if not (src / f).is_file()]
    if missing or not (src / "images").is_dir():
        raise RuntimeError(f"django-js-lib-leaflet at {src} lacks {missing or ['images/']}")
    return src


def _source_files(src: Path) -> dict[str, int]:
    """Relative path -> size of every file we copy."""
    files = {name: (src / name).stat().st_size for name in LEAFLET_FILES}
    for img in sorted((src / "images").iterdir()):
        if img.is_file():
            files[f"images/{img.name}"] = img.stat().st_size
    return files


def _is_current(dest: Path, files: dict[str, int]) -> bool:
    try:
        manifest = json.loads((dest / _MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    if manifest.get("files") != files or manifest.get("leaflet") != LEAFLET_VERSION:
        return False
    return all(
        (dest / rel).is_file() and (dest / rel).stat().st_size == size
        for rel, size in files.items()
    )


def ensure_static_assets(static_dir: Path | str) -> Path:
    """Copy Leaflet's JS, CSS and images to ``<static_dir>/vendor/leaflet``; return that folder.

    Idempotent and cheap when the files are already there (a manifest plus a few ``stat`` calls).
    The copy is atomic: a complete temporary folder is renamed into place, so a concurrent request
    never sees half a Leaflet; two processes racing both end with a complete folder.
    """
    static_dir = Path(static_dir)
    dest = static_dir / VENDOR_SUBDIR
    src = leaflet_source_dir()
    files = _source_files(src)
    if _is_current(dest, files):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".leaflet-tmp-", dir=dest.parent))
    try:
        for rel in files:
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, target)
        (tmp / _MANIFEST).write_text(
            json.dumps(
                {"leaflet": LEAFLET_VERSION, "package": "django-js-lib-leaflet", "files": files},
                indent=1,
            )
        )
        os.chmod(tmp, 0o755)
        old = None
        if (
            dest.exists()
        ):  # stale or partial: move it aside first (a rename cannot replace a full folder)
            old = dest.with_name(f".leaflet-old-{uuid.uuid4().hex[:8]}")
            try:
                os.replace(dest, old)
            except OSError:
                old = None
        try:
            os.replace(tmp, dest)
        except OSError:
            if not _is_current(dest, files):  # lost a race to a writer that left something broken
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for leftover in dest.parent.glob(".leaflet-old-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    return dest


def static_url(static_url: str | None = None) -> str:
    """The URL prefix of the app's static folder (no trailing slash)."""
    url = (
        static_url
        if static_url is not None
        else os.environ.get("ICS_MAPS_STATIC_URL", DEFAULT_STATIC_URL)
    )
    return url.rstrip("/")


def leaflet_urls(
    static_url_prefix: str | None = None,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(default_js, default_css)`` for folium: Leaflet's JS and CSS under the app's static URL."""
    base = f"{static_url(static_url_prefix)}/{VENDOR_SUBDIR.as_posix()}"
    return [("leaflet", f"{base}/leaflet.js")], [("leaflet_css", f"{base}/leaflet.css")]


_BACKGROUND_CSS = """<style>
.leaflet-container { background: BACKGROUND; font-family: Arial, Helvetica, sans-serif; }
.leaflet-tooltip table { border-collapse: collapse; }
.leaflet-tooltip th { text-align: left; padding: 0 .6em 0 0; font-weight: 600; color: #425563; }
.leaflet-tooltip td { padding: 0; }
.leaflet-tooltip { font-size: 12px; line-height: 1.3; padding: 4px 6px; width: max-content;
max-width: 330px;
                   white-space: normal; }
.leaflet-tooltip th { white-space: nowrap; vertical-align: top; }
.leaflet-interactive:focus { outline: none; }
.leaflet-container .leaflet-control-layers,
.leaflet-container .leaflet-control-layers label { font-size: 12px; line-height: 1.45; }
.ics-place-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 12px/1.2 Arial, Helvetica, sans-serif; color: #212b32; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.ics-labels-far .ics-place-label { display: none; }
.ics-basemap-note { position: absolute; top: 8px; left: 50%; transform: translateX(-50%);
  max-width: 60%; z-index: 1000; background: rgba(255, 255, 255, .92); color: #425563;
  padding: 2px 8px; border-radius: 3px; font: 12px/1.3 Arial, Helvetica, sans-serif;
  pointer-events: none; }
.ics-wheel-hint { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%);
  z-index: 1000; pointer-events: none; opacity: 0; transition: opacity .25s;
  background: rgba(33, 43, 50, .78); color: #fff; padding: 8px 14px; border-radius: 4px;
  font: 14px/1.3 Arial, Helvetica, sans-serif; max-width: 80%; text-align: center; }
</style>"""


def offline_map(
    static_url: str | None = None, *, basemap: bool = False, background: str = "#eef2f5", **kwargs
) -> folium.Map:
    """A :class:`folium.Map` that needs nothing but the app's own ``/app/static/vendor/leaflet``
    files.

    No base tiles by default (a plain ``background``); ``basemap=True`` adds an OpenStreetMap layer
    that is *switched off* (the user can turn it on in the layer control; the map never needs it).
    The mouse wheel scrolls the page until the map is clicked (:class:`WheelZoomAfterClick`).
    Other keyword arguments go to :class:`folium.Map` (``tiles`` is forced to ``None``).
    """
    kwargs.pop("tiles", None)
    kwargs.setdefault("control_scale", True)
    kwargs.setdefault("zoom_snap", 0.25)
    kwargs["scroll_wheel_zoom"] = False  # WheelZoomAfterClick turns it on after a click
    m = folium.Map(tiles=None, **kwargs)
    js, css = leaflet_urls(static_url)
    m.default_js = js  # instance attributes: folium.Map's class defaults stay untouched
    m.default_css = css
    m.get_root().header.add_child(
        folium.Element(_BACKGROUND_CSS.replace("BACKGROUND", background)), name="ics_maps_css"
    )
    m.add_child(ClickWithoutScrolling())
    m.add_child(TooltipInView())
    m.add_child(WheelZoomAfterClick())
    if basemap:
        add_basemap(m)
    return m


class BaseMapNotice(MacroElement):
    """When the OpenStreetMap base layer is switched on and its tiles cannot load (no internet),
    say so in one line at the foot of the map; the data layers keep working."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map, tiles) {
            var note = null;
            tiles.on('tileerror', function () {
                if (note) { return; }
                note = L.DomUtil.create('div', 'ics-basemap-note', map.getContainer());
                note.textContent = 'OpenStreetMap base map unavailable (no internet): the '
                    + 'boundaries and names are drawn without it.';
            });
            tiles.on('remove', function () {
                if (note) { note.remove(); note = null; }
            });
        })({{ this._parent.get_name() }}, {{ this.tiles.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, tiles: folium.TileLayer):
        super().__init__()
        self._name = "BaseMapNotice"
        self.tiles = tiles


def add_basemap(m: folium.Map) -> folium.TileLayer:
    """An OpenStreetMap layer, off by default, in the layer box; quiet when unreachable.

    Why: a base map helps place a PCN on the ground, but this network (and many NHS ones) cannot
    reach openstreetmap.org. Its tiles are images, not scripts, so a failed tile never stops the
    map drawing; when one fails, a line at the foot of the map says why (:class:`BaseMapNotice`).
    """
    tiles = folium.TileLayer(
        "OpenStreetMap",
        name="OpenStreetMap base map (needs internet)",
        overlay=True,
        control=True,
        show=False,
    )
    tiles.add_to(m)
    m.add_child(BaseMapNotice(tiles))
    return tiles
