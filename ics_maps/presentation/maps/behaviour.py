"""How the maps behave in a page: JavaScript added to every map (Leaflet only, no plugins)."""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template


class ClickWithoutScrolling(MacroElement):
    """Stop a click on the map from scrolling the page before it lands.

    Why: Leaflet 1.9 gives every layer with a tooltip a focus listener, which makes Chromium focus
    the SVG path on mouse-down, and Leaflet's keyboard handler focuses the map container; either
    focus scrolls the Streamlit page to bring the map's iframe into view when it is partly below the
    fold, so the mouse-up lands elsewhere and the click (open this system) is lost. Capturing
    mouse-down, the map is focused with ``preventScroll`` and the path's default focus is cancelled;
    clicks, drags and keyboard panning work as before.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            var box = map.getContainer();
            box.addEventListener('mousedown', function (e) {
                var t = e.target;
                if (t && t.classList && t.classList.contains('leaflet-interactive')) {
                    e.preventDefault();
                }
                if (document.activeElement !== box) { box.focus({preventScroll: true}); }
            }, true);
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "ClickWithoutScrolling"


class TooltipInView(MacroElement):
    """Keep a hover tooltip inside the map and readable: below the cursor near the top edge, above
    it near the bottom, and the legend / layer box fade while the tooltip lies over them.

    Why: Leaflet centres a sticky tooltip vertically on the cursor, so hovering a system near the
    top or bottom of the map cut its tooltip in half (the map clips what overflows it); and Leaflet
    draws its controls above every pane, so the legend covered the name of a system hovered beside
    it.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (proto) {
            if (proto._icsInView) { return; }
            // fade the legend / layer box where covered(its rect)
            function fadeControls(map, covered) {
                var boxes = '.ics-legend, .leaflet-control-layers';
                map.getContainer().querySelectorAll(boxes).forEach(function (el) {
                    el.style.opacity = covered(el.getBoundingClientRect()) ? '0.15' : '';
                });
            }
            var place = proto._setPosition;
            proto._setPosition = function (pos) {
                if (this._map && this.options.sticky) {
                    var h = this._map.getSize().y, y = this._map.layerPointToContainerPoint(pos).y;
                    this.options.direction = y < h / 3 ? 'bottom'
                        : (y > 2 * h / 3 ? 'top' : 'auto');
                }
                var out = place.call(this, pos), map = this._map, tip = this._container;
                if (map && tip) {
                    var r = tip.getBoundingClientRect();
                    fadeControls(map, function (q) {
                        return r.left < q.right && r.right > q.left
                            && r.top < q.bottom && r.bottom > q.top;
                    });
                    if (!map._icsFadeReset) {
                        map._icsFadeReset = true;
                        map.on('tooltipclose', function () {
                            fadeControls(map, function () { return false; });
                        });
                    }
                }
                return out;
            };
            proto._icsInView = true;
        })(L.Tooltip.prototype);
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "TooltipInView"


class WheelZoomAfterClick(MacroElement):
    """The mouse wheel scrolls the page over a map until the map is clicked (or with Ctrl / ⌘
    held), as web maps in documents do; a short hint says so.

    Why: a page of figures with a map in it could not be scrolled with the wheel while the pointer
    crossed the map: Leaflet took the wheel and zoomed. The map is made with ``scrollWheelZoom:
    false`` (:func:`ics_maps.presentation.maps.offline.offline_map`); a mouse-down or keyboard focus
    on the map turns wheel zoom on and the pointer leaving the map turns it off again. A wheel with
    Ctrl or ⌘ (and a trackpad pinch, which Chromium sends as one) zooms at once, without a click.
    Zoom buttons, dragging and keyboard panning are unchanged.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            var box = map.getContainer(), wheel = map.scrollWheelZoom, byKey = false, timer = null;
            wheel.disable();
            var hint = L.DomUtil.create('div', 'ics-wheel-hint', box);
            var key = /Mac|iPhone|iPad/.test(navigator.platform) ? '\u2318' : 'Ctrl';
            hint.textContent = 'Click the map to zoom with the mouse wheel (or hold ' + key + ')';
            hint.setAttribute('aria-hidden', 'true');
            function on() { byKey = false; wheel.enable(); hint.style.opacity = '0'; }
            box.addEventListener('mousedown', on, true);
            box.addEventListener('focus', on);
            box.addEventListener('mouseleave', function () { byKey = false; wheel.disable(); });
            // capture: runs before Leaflet's own wheel handler on the same element
            box.addEventListener('wheel', function (e) {
                var mod = e.ctrlKey || e.metaKey;
                if (mod && !wheel.enabled()) {
                    e.preventDefault();  // not the browser's page zoom; Leaflet takes the next
                    byKey = true;
                    wheel.enable();
                } else if (!mod && byKey) {
                    byKey = false;
                    wheel.disable();  // the modifier was let go: the page scrolls again
                }
                if (!wheel.enabled()) {
                    hint.style.opacity = '1';
                    clearTimeout(timer);
                    timer = setTimeout(function () { hint.style.opacity = '0'; }, 1500);
                }
            }, {capture: true, passive: false});
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "WheelZoomAfterClick"
