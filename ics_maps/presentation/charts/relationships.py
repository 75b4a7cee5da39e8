"""Children by relationship to their parents (coterminous, nested, combines, split)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import layout
from ics_maps.presentation.style import (
    RELATIONSHIP_COLOURS,
)


def relationship_bar(
    summary: pd.DataFrame, *, title: str | None = None, by: str = "children"
) -> go.Figure:
    """One stacked bar of children by relationship (coterminous, nested, combines, split), from
    :func:`ics_maps.analysis.nesting.relationship_summary` (``relationship``, ``children``,
    ``residents``)."""
    if "relationship" not in summary.columns or by not in summary.columns:
        raise KeyError(f"relationship_bar needs 'relationship' and {by!r} columns")
    fig = go.Figure()
    total = float(pd.to_numeric(summary[by], errors="coerce").fillna(0).sum()) or 1.0
    for r in RELATIONSHIP_COLOURS:
        row = summary[summary["relationship"] == r]
        v = float(pd.to_numeric(row[by], errors="coerce").fillna(0).sum()) if len(row) else 0.0
        fig.add_bar(
            x=[v],
            y=[by.replace("_", " ")],
            orientation="h",
            name=r,
            marker_color=RELATIONSHIP_COLOURS[r],
            text=[f"{r}: {v:,.0f} ({v / total:.0%})"] if v else None,
            textposition="inside",
            hovertemplate=f"{r}: %{{x:,.0f}}<extra></extra>",
        )
    return layout(
        fig,
        title,
        barmode="stack",
        height=170,
        showlegend=False,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False),
    )
