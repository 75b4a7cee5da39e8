"""Render folium maps without parsing their output as a template a second time.

Why: branca's ``MacroElement.render`` runs an element's Jinja macros and wraps what they produce in
a new ``Element(output)``, which *compiles that output as a Jinja template* before writing it out.
For a map that has two costs:

* **speed**: the output of a GeoJSON layer holds its whole GeoJSON (0.3 MB for the 36 ICSs); Jinja
  tokenises it on every render, 0.1–0.2 s of each Streamlit rerun that draws a map;
* **safety**: data inside that output is evaluated. A unit named ``NHS {{ 7*7 }} ICB`` is drawn as
  "NHS 49 ICB", and a crafted name could run code on the server (Jinja is not sandboxed here).

:func:`install` replaces ``MacroElement.render`` with the same steps, except that each macro's
output is kept as :class:`RenderedText`, written out as it is. It is applied when
:mod:`ics_maps.presentation.maps` is imported, only to the branca versions it was checked against
(0.7, 0.8);
elsewhere branca is left alone and :func:`ics_maps.presentation.maps.features.esc` still neutralises
``{`` in data.
"""

from __future__ import annotations

import branca
from branca.element import Element, Figure, MacroElement

CHECKED_BRANCA = ("0.7.", "0.8.")
BRANCA_RENDER = MacroElement.render  # branca's own, kept for comparison in the tests


class RenderedText(Element):
    """Text a template has already produced: returned as it is, never compiled as a template
    again."""

    def __init__(self, text: str):
        super().__init__()
        self._name = "RenderedText"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def render_macro_element(self: MacroElement, **kwargs) -> None:
    """``MacroElement.render`` (branca 0.8.2) with each macro's output kept as
    :class:`RenderedText`."""
    figure = self.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("You cannot render this Element if it is not in a Figure.")
    macros = self._template.module.__dict__
    for part, target in (
        ("header", figure.header),
        ("html", figure.html),
        ("script", figure.script),
    ):
        macro = macros.get(part)
        if macro is not None:
            target.add_child(RenderedText(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


render_macro_element._ics_maps = True  # type: ignore[attr-defined]


def install() -> bool:
    """Use :func:`render_macro_element` for every folium element; True if it is in use."""
    if getattr(MacroElement.render, "_ics_maps", False):
        return True
    if not branca.__version__.startswith(CHECKED_BRANCA):
        return False
    MacroElement.render = render_macro_element
    return True
