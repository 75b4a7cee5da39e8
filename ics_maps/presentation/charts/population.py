"""Residents through the tiers: a treemap of a system, a Sankey of a council, bars of a tier."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import esc, layout
from ics_maps.presentation.style import (
    CATEGORICAL,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_WARM_YELLOW,
)


def population_treemap(
    df: pd.DataFrame,
    path: Sequence[str] = ("icb", "place", "pcn"),
    values: str = "residents",
    *,
    title: str | None = None,
    root: str | None = None,
    colour_by: str | None = "place",
    min_text_px: int = 10,
    wrap: int | None = 11,
) -> go.Figure:
    """Treemap of residents ICS → place → PCN (any ``path`` of columns; rows with the same path add
    up).

    Node ids are built from the whole path, so a name used twice (a PCN in two places) stays apart.
    Missing levels become "(unassigned)". ``root`` adds a single top node (e.g. "England").
    ``colour_by`` (a column of ``path``): each node below that level takes its unit's colour, so a
    place and its PCNs share one and places differ (one shade of blue said nothing). Labels are
    written only where they fit at ``min_text_px`` or more; the rest show on hover. ``wrap``: long
    leaf names are broken into lines of about that many characters, so they fit narrow boxes.
    """
    missing = [c for c in (*path, values) if c not in df.columns]
    if missing:
        raise KeyError(f"population_treemap needs columns {missing}")
    d = df[list(path) + [values]].copy()
    d[values] = pd.to_numeric(d[values], errors="coerce").fillna(0)
    for c in path:
        d[c] = d[c].astype(object).where(d[c].notna(), "(unassigned)").astype(str)
    sep = "\x1f"  # ids join the whole path with a character no name contains
    level = list(path).index(colour_by) if colour_by in path else None
    keys_at = sorted(d[colour_by].unique()) if level is not None else []
    colour_of = {k: CATEGORICAL[i % len(CATEGORICAL)] for i, k in enumerate(keys_at)}
    ids, labels, parents, vals, above, colours = [], [], [], [], [], []
    top = [root] if root else []
    if root:
        (
            ids.append(root),
            labels.append(esc(root)),
            parents.append(""),
            vals.append(float(d[values].sum())),
        )
        above.append("")
        colours.append(NHS_GREY)
    for depth in range(len(path)):
        cols = list(path[: depth + 1])
        g = d.groupby(cols, sort=True)[values].sum().reset_index()
        for row in g.itertuples(index=False):
            keys = top + [str(x) for x in row[: depth + 1]]
            ids.append(sep.join(keys))
            parents.append(sep.join(keys[:-1]))
            # leaves are wrapped to fit narrow boxes; a parent's name sits in its one-line header
            labels.append(_wrapped(keys[-1], wrap if depth == len(path) - 1 else None))
            above.append(esc(keys[-2]) if len(keys) > 1 else "")
            vals.append(float(row[-1]))
            colours.append(
                colour_of[str(row[level])] if level is not None and depth >= level else NHS_GREY
            )
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=vals,
            branchvalues="total",
            customdata=above,
            marker=dict(colors=colours, line=dict(color="#ffffff", width=1))
            if level is not None
            else dict(colorscale=[[0, "#C6DBEF"], [1, NHS_DARK_BLUE]], colors=vals),
            texttemplate="%{label}<br>%{value:,.0f}",
            hovertext=[lab.replace("<br>", " ") for lab in labels],
            hovertemplate="<b>%{hovertext}</b><br>%{value:,.0f} residents<br>"
            "%{percentParent:.1%} of %{customdata}<extra></extra>",
            maxdepth=len(path) + (1 if root else 0),
        )
    )
    return layout(
        fig,
        title,
        margin=dict(l=4, r=4, t=40 if title else 4, b=4),
        uniformtext=dict(minsize=min_text_px, mode="hide"),
    )


def _wrapped(name: str, width: int | None) -> str:
    """An escaped label broken into lines of about ``width`` characters (plotly's ``<br>``)."""
    if not width or len(name) <= width:
        return esc(name)
    return "<br>".join(esc(line) for line in textwrap.wrap(name, width, break_long_words=False))


def residents_sankey(
    df: pd.DataFrame,
    source: str = "source",
    target: str = "target",
    value: str = "value",
    *,
    title: str | None = None,
    min_value: float = 0.0,
    unit: str = "residents",
    show_values: bool = True,
) -> go.Figure:
    """Sankey of residents flowing from councils (left) to systems (right): one link per (source,
    target).

    Sources and targets are separate node sets (a council and an ICS may share a name); links below
    ``min_value`` are dropped; hover shows the share of the source's residents in each link.
    ``show_values``: every node's label carries its total ("Cherwell: 161,019"), so the figures are
    on the chart, not only in the hover.
    """
    missing = [c for c in (source, target, value) if c not in df.columns]
    if missing:
        raise KeyError(f"residents_sankey needs columns {missing}")
    d = df[[source, target, value]].copy()
    d[value] = pd.to_numeric(d[value], errors="coerce").fillna(0)
    d = d.groupby([source, target], sort=False, as_index=False)[value].sum()
    d = d[d[value] > min_value]
    srcs = list(dict.fromkeys(d[source].astype(str)))
    tgts = list(dict.fromkeys(d[target].astype(str)))
    s_idx = {s: i for i, s in enumerate(srcs)}
    t_idx = {t: len(srcs) + i for i, t in enumerate(tgts)}
    src_total = d.groupby(source)[value].sum()
    src_sum = d.groupby(d[source].astype(str))[value].sum()
    tgt_sum = d.groupby(d[target].astype(str))[value].sum()
    share = [
        v / src_total[s] if src_total[s] else np.nan
        for s, v in zip(d[source], d[value], strict=False)
    ]
    palette = CATEGORICAL[:10]
    t_col = {t: palette[i % len(palette)] for i, t in enumerate(tgts)}
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(
                label=[
                    esc(x) + (f": {float(t):,.0f}" if show_values else "")
                    for x, t in zip(
                        srcs + tgts,
                        [src_sum[x] for x in srcs] + [tgt_sum[x] for x in tgts],
                        strict=True,
                    )
                ],
                pad=12,
                thickness=14,
                color=[NHS_GREY] * len(srcs) + [t_col[t] for t in tgts],
                hovertemplate="<b>%{label}</b><br>%{value:,.0f} " + esc(unit) + "<extra></extra>",
            ),
            link=dict(
                source=[s_idx[str(s)] for s in d[source]],
                target=[t_idx[str(t)] for t in d[target]],
                value=d[value].astype(float).tolist(),
                customdata=share,
                color=[t_col[str(t)] + "66" for t in d[target]],
                hovertemplate="%{source.label} → %{target.label}<br>%{value:,.0f} "
                + esc(unit)
                + " (%{customdata:.1%} of the council's)<extra></extra>",
            ),
        )
    )
    fig.layout.meta = {"n_sources": len(srcs), "n_targets": len(tgts)}
    return layout(fig, title)


def tier_bar(
    df: pd.DataFrame,
    value: str = "residents",
    label: str = "name",
    *,
    color: str | None = None,
    top: int | None = None,
    title: str | None = None,
    value_title: str | None = None,
    highlight: str | Sequence[str] | None = None,
    code: str = "code",
    reference: tuple[float, float] | None = None,
) -> go.Figure:
    """Horizontal bars of one value per unit (largest at the top), e.g. residents per ICS.

    ``color`` names a category column (one trace per category, for a legend); ``highlight`` code(s)
    are drawn in dark blue; ``reference`` shades a range (e.g. the 0.5–3 million of a typical ICS).
    """
    for c in (value, label):
        if c not in df.columns:
            raise KeyError(f"tier_bar needs a {c!r} column")
    d = df.copy()
    d[value] = pd.to_numeric(d[value], errors="coerce")
    d = d.dropna(subset=[value]).sort_values(value, ascending=False)
    if top:
        d = d.head(top)
    d = d.iloc[::-1]  # plotly draws the first category at the bottom
    d["_label"] = d[label].map(esc)
    hl = {highlight} if isinstance(highlight, str) else set(highlight or [])
    fig = go.Figure()
    if color and color in d.columns:
        cats = list(dict.fromkeys(d[color].astype(str).iloc[::-1]))
        palette = [
            "#005EB8",
            "#00A499",
            "#ED8B00",
            "#AE2573",
            "#41B6E6",
            "#FFB81C",
            "#330072",
            "#DA291C",
        ]
        for i, cat in enumerate(cats):
            sub = d[d[color].astype(str) == cat]
            fig.add_bar(
                y=sub["_label"],
                x=sub[value],
                orientation="h",
                name=esc(cat),
                marker_color=palette[i % len(palette)],
                hovertemplate="%{y}: %{x:,.0f}<extra>" + esc(cat) + "</extra>",
            )
    else:
        cols = [
            NHS_DARK_BLUE if code in d.columns and str(c) in hl else NHS_BLUE
            for c in (d[code] if code in d.columns else [None] * len(d))
        ]
        fig.add_bar(
            y=d["_label"],
            x=d[value],
            orientation="h",
            marker_color=cols,
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    if reference:
        fig.add_vrect(
            x0=reference[0],
            x1=reference[1],
            fillcolor=NHS_WARM_YELLOW,
            opacity=0.2,
            line_width=0,
            layer="below",
        )
    layout(
        fig,
        title,
        barmode="stack",
        height=max(300, 22 * len(d) + 100),
        xaxis=dict(title=value_title or value.replace("_", " ").capitalize(), tickformat=",.0f"),
        yaxis=dict(title=None, categoryorder="array", categoryarray=list(d["_label"])),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
    )
    return fig
