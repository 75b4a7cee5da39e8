"""What every chart shares: escaped text and the NHS layout."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from ics_maps.presentation.style import FONT


def esc(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else html.escape(str(v))


def layout(fig: go.Figure, title: str | None = None, **kw) -> go.Figure:
    kw.setdefault("margin", dict(l=10, r=10, t=60 if title else 20, b=10))
    fig.update_layout(
        template="plotly_white",
        font=FONT,
        title=dict(text=esc(title)) if title else None,
        hoverlabel=dict(align="left"),
        **kw,
    )
    return fig
