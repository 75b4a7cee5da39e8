"""PCN list sizes against the policy band, with a chosen PCN marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import esc, layout
from ics_maps.presentation.style import (
    NHS_BLUE,
    NHS_WARM_YELLOW,
    PCN_BAND,
)


def list_size_histogram(
    pcn_df: pd.DataFrame,
    band: tuple[float, float] | None = PCN_BAND,
    *,
    column: str = "list_size",
    bin_size: float = 5000,
    title: str | None = "PCNs by registered patients",
) -> go.Figure:
    """Histogram of PCN list sizes with the policy band (30–50k patients) shaded and the share
    inside it.

    The share counts PCNs with a known list size and ``band[0] <= size <= band[1]``; it is written
    in the legend beside the band's swatch and kept in ``fig.layout.meta["share_in_band"]``. The
    median is a dashed line named in the legend too: a label on the plot would sit on bars or on a
    marked PCN's line (:func:`mark_value` adds one the same way).
    """
    if column not in pcn_df.columns:
        raise KeyError(f"list_size_histogram needs a {column!r} column")
    x = pd.to_numeric(pcn_df[column], errors="coerce").dropna()
    x = x[x > 0]
    end = (np.ceil(x.max() / bin_size) + 1) * bin_size if len(x) else bin_size
    tallest = (
        int(np.histogram(x, bins=np.arange(0, end + bin_size, bin_size))[0].max()) if len(x) else 1
    )
    top = tallest * 1.15
    fig = go.Figure(
        go.Histogram(
            x=x,
            xbins=dict(start=0, end=end, size=bin_size),
            marker=dict(color=NHS_BLUE, line=dict(color="white", width=1)),
            name="PCNs",
            showlegend=False,
            hovertemplate="%{x} patients: %{y} PCNs<extra></extra>",
        )
    )
    meta = {"n": int(len(x)), "median": float(x.median()) if len(x) else None, "y_top": top}
    if band is not None:
        lo, hi = band
        inside = int(((x >= lo) & (x <= hi)).sum())
        share = inside / len(x) if len(x) else float("nan")
        fig.add_vrect(
            x0=lo, x1=hi, fillcolor=NHS_WARM_YELLOW, opacity=0.22, line_width=0, layer="below"
        )
        text = (
            f"{lo / 1000:,.0f}–{hi / 1000:,.0f}k band: {share:.0%} of PCNs ({inside:,} of "
            f"{len(x):,})"
            if len(x)
            else "no PCNs with a list size"
        )
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=text,
            hoverinfo="skip",
            marker=dict(symbol="square", size=14, color=NHS_WARM_YELLOW, opacity=0.5),
        )
        meta.update(band=[lo, hi], in_band=inside, share_in_band=share)
    fig.layout.meta = meta
    if len(x):
        mark_value(
            fig, float(x.median()), f"Median {x.median():,.0f} patients", "#212B32", dash="dash"
        )
    layout(
        fig,
        title,
        xaxis=dict(title="Registered patients", tickformat=",.0f"),
        yaxis=dict(title="PCNs", range=[0, top]),
        bargap=0.02,
        showlegend=True,
        # under the axis: in a narrow column a legend above the plot wraps into the title
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
    )
    return fig


def mark_value(
    fig: go.Figure, x: float, name: str, color: str, *, dash: str | None = None, width: float = 2
) -> None:
    """A vertical line at ``x`` across a histogram, named in the legend (a label on the plot would
    cover bars).

    The name is escaped (a PCN name is data). Reads the y extent from ``fig.layout.meta["y_top"]``.
    """
    meta = fig.layout.meta
    top = meta.get("y_top", 1) if isinstance(meta, dict) else 1
    fig.add_scatter(
        x=[x, x],
        y=[0, top],
        mode="lines",
        name=esc(name),
        line=dict(color=color, width=width, dash=dash),
        hovertemplate=esc(name) + "<extra></extra>",
    )
