"""Who lives there: a unit's age shape and deprivation deciles, each against England's.

Both charts say their data year and source in a line under the plot (kept in the figure, so a
saved PNG still says it) and in ``fig.layout.meta["source"]``. Names are escaped (they are data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import esc, layout
from ics_maps.presentation.style import (
    AGE_SOURCE,
    ENGLAND_COLOUR,
    IMD_SOURCE,
    UNIT_COLOUR,
    fmt_int,
    fmt_pct,
)

# Title at the top, the legend (up to two rows: long unit names) between it and the plot.
TOP_MARGIN = 84
LEGEND = dict(orientation="h", yanchor="bottom", y=1.01, x=0)
TITLE = dict(y=0.985, yref="container", yanchor="top", x=0, xanchor="left", xref="paper")

# Source lines under each chart (two short lines: a plotly annotation does not wrap).
AGE_CHART_SOURCE = (f"Source: {AGE_SOURCE}.", "Black outline: England's shape.")
DECILE_CHART_SOURCE = (
    f"Source: {IMD_SOURCE}:",
    "deciles of England's 33,755 LSOAs; Census 2021 residents.",
)


def _source_note(fig: go.Figure, lines: tuple[str, ...], below: int) -> None:
    """The source lines, ``below`` pixels under the plot area (clear of the axis labels)."""
    fig.add_annotation(
        text="<br>".join(esc(line) for line in lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-below,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font=dict(size=11, color="#425563"),
    )
    fig.layout.meta = {**(fig.layout.meta or {}), "source": " ".join(lines)}


def _empty(fig: go.Figure) -> None:
    fig.add_annotation(
        text="No residents to profile",
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font=dict(size=14),
    )


def age_chart(shares: pd.DataFrame, unit_name: str, height: int = 470) -> go.Figure:
    """Horizontal bars of the unit's residents in each five-year band (youngest at the bottom, like
    a population pyramid), with England's shape drawn over them as an outline.

    ``shares``: :func:`ics_maps.analysis.profile_views.age_shares` (``label``, ``residents``,
    ``share``, ``england``).
    """
    n = len(shares)
    y = np.arange(n)
    name = esc(unit_name)
    fig = go.Figure(
        go.Bar(
            x=shares["share"] * 100,
            y=y,
            orientation="h",
            name=name,
            marker=dict(color=UNIT_COLOUR),
            customdata=np.column_stack(
                [shares["label"], [fmt_int(v) for v in shares["residents"]]]
            ),
            hovertemplate=f"{name}<br>Aged %{{customdata[0]}}: %{{x:.1f}}%"
            " (%{customdata[1]} residents)<extra></extra>",
        )
    )
    # England's outline: a vertical edge at its share across each band, steps between bands
    eng = shares["england"].to_numpy(dtype=float) * 100
    fig.add_scatter(
        x=np.repeat(eng, 2),
        y=np.column_stack([y - 0.5, y + 0.5]).ravel(),
        mode="lines",
        name="England",
        line=dict(color=ENGLAND_COLOUR, width=2),
        customdata=np.repeat(shares["label"].to_numpy(), 2),
        hovertemplate="England<br>Aged %{customdata}: %{x:.1f}%<extra></extra>",
    )
    top = np.nanmax(np.r_[shares["share"].to_numpy(dtype=float) * 100, eng, 1.0])
    layout(
        fig,
        "Age: share of residents in each five-year band",
        height=height,
        bargap=0.12,
        xaxis=dict(range=[0, top * 1.08], ticksuffix="%"),
        yaxis=dict(tickvals=list(y), ticktext=list(shares["label"]), range=[-0.6, n - 0.4]),
        legend=LEGEND,
        margin=dict(l=10, r=10, t=TOP_MARGIN, b=75),
    )
    fig.update_layout(title=TITLE)
    if shares["share"].isna().all():
        _empty(fig)
    _source_note(fig, AGE_CHART_SOURCE, below=26)
    fig.layout.meta = {**fig.layout.meta, "unit": unit_name}
    return fig


def decile_chart(shares: pd.DataFrame, unit_name: str, height: int = 380) -> go.Figure:
    """Bars of the unit's residents in each national IMD decile (1 = the most deprived tenth of
    England's neighbourhoods), against England's flat 10% (each decile is a tenth of England's
    LSOAs).

    ``shares``: :func:`ics_maps.analysis.profile_views.decile_shares`.
    """
    name = esc(unit_name)
    x = shares["decile"].to_numpy()
    ticks = [
        "1<br>most<br>deprived" if d == 1 else "10<br>least<br>deprived" if d == 10 else str(d)
        for d in x
    ]
    fig = go.Figure(
        go.Bar(
            x=x,
            y=shares["share"] * 100,
            name=name,
            marker=dict(color=UNIT_COLOUR),
            customdata=np.column_stack(
                [
                    [fmt_int(v) for v in shares["residents"]],
                    [fmt_pct(v) for v in shares["england"]],
                ]
            ),
            hovertemplate=f"{name}<br>Decile %{{x}}: %{{y:.1f}}% of residents"
            " (%{customdata[0]})<br>England's residents: %{customdata[1]}<extra></extra>",
        )
    )
    fig.add_scatter(
        x=[0.5, 10.5],
        y=[10, 10],
        mode="lines",
        name="England: 10% in each decile",
        line=dict(color=ENGLAND_COLOUR, width=2, dash="dash"),
        hoverinfo="skip",
    )
    top = np.nanmax(np.r_[shares["share"].to_numpy(dtype=float) * 100, 10.0])
    layout(
        fig,
        "Deprivation: residents by national IMD decile",
        height=height,
        bargap=0.15,
        xaxis=dict(tickvals=list(x), ticktext=ticks, range=[0.4, 10.6], title=None),
        yaxis=dict(title="% of residents", range=[0, top * 1.12], ticksuffix="%"),
        legend=LEGEND,
        margin=dict(l=10, r=10, t=TOP_MARGIN, b=105),
    )
    fig.update_layout(title=TITLE)
    if shares["share"].isna().all():
        _empty(fig)
    _source_note(fig, DECILE_CHART_SOURCE, below=56)
    fig.layout.meta = {**fig.layout.meta, "unit": unit_name}
    return fig
