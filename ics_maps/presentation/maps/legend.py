"""Legends as plain Leaflet controls, and the layer box's labels that double as legends.

Why not branca colormaps: streamlit-folium injects d3 from two CDNs into its iframe for any branca
colormap added to a map, and its loader stops at the first script that fails, which would leave the
map blank offline.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from branca.element import MacroElement
from folium.template import Template

from ics_maps.presentation.maps.features import LEGEND_WIDTH


class Legend(MacroElement):
    """A Leaflet control holding a small HTML legend (no d3, no CDN): title, swatches, a note.

    ``items`` are ``(colour, label)`` pairs (labels are escaped here); ``kind`` is ``"fill"``
    (squares), ``"line"`` (outlines) or ``"dot"`` (circle markers).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', 'ics-legend');
            div.innerHTML = {{ this.html_js }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(
        self,
        title: str,
        items: Iterable[tuple[str, str] | tuple[str, str, str]],
        note: str | None = None,
        position: str = "topright",
    ):
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.title = title
        self.items = list(items)
        self.note = note
        self.html = self._html()
        self.html_js = (
            json.dumps(self.html)
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("'", "\\u0027")
        )

    def _html(self) -> str:
        rows = []
        for item in self.items:
            kind = item[2] if len(item) > 2 else "fill"
            rows.append(
                f'<div style="display:flex;align-items:center;gap:6px;margin:1px 0">'
                f"{swatch(item[0], kind)}<span>{html.escape(str(item[1]))}</span></div>"
            )
        note = (
            f'<div style="margin-top:3px;color:#425563;max-width:{LEGEND_WIDTH - 20}px">'
            f"{html.escape(self.note)}</div>"
            if self.note
            else ""
        )
        return (
            f'<div style="background:rgba(255,255,255,.92);padding:5px 7px;border-radius:4px;'
            f"max-width:{LEGEND_WIDTH - 16}px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
            'font:11px/1.3 Arial,Helvetica,sans-serif;color:#212b32">'
            f'<div style="font-weight:bold;margin-bottom:2px">{html.escape(self.title)}</div>'
            + "".join(rows)
            + note
            + "</div>"
        )


def swatch(colour: str, kind: str = "fill") -> str:
    """A 12 px legend swatch: a filled square, an outline (``line``), a circle (``dot``) or
    lettering (``text``, for a layer of names)."""
    c = html.escape(colour)
    if kind == "text":
        return (
            f'<span style="display:inline-block;flex:none;width:14px;color:{c};'
            'font:bold 10px/12px Arial,Helvetica,sans-serif">Aa</span>'
        )
    style = {
        "line": f"border:2px solid {c};background:transparent;",
        "dot": f"background:{c};border-radius:50%;border:1px solid #fff;",
    }.get(kind, f"background:{c};border:1px solid #aeb7bd;")
    return f'<span style="display:inline-block;flex:none;width:12px;height:12px;{style}"></span>'


def control_label(text: str, colour: str, kind: str = "line") -> str:
    """A layer-box entry that is its own legend: the swatch, then the (escaped) name."""
    return f"{swatch(colour, kind)} {html.escape(text)}"
