"""The Changes page's Sankey: residents flowing from the units of one vintage to another's."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ics_maps.presentation.charts._common import esc, layout
from ics_maps.presentation.style import CHANGE_COLOURS, NHS_GREY, NO_DATA, short_name

NODE_PX = 30  # height per node on the busier side, so labels do not overlap
LEGEND_ORDER = ("split", "merged", "boundary", "recoded", "unchanged")


def change_sankey(flows: pd.DataFrame, from_label: str, to_label: str) -> go.Figure:
    """Old units (left) to new units (right), one link per pair sharing residents, coloured by
    what happened to the old unit (:data:`~ics_maps.presentation.style.CHANGE_COLOURS`).

    ``flows``: ``source, target, value, change, share_of_from``
    (:func:`ics_maps.analysis.changes.flows`). Old and new nodes are separate sets, so a unit that
    keeps its name appears on both sides, named without "NHS" and "Integrated Care Board".
    ``from_label`` / ``to_label`` head the two columns
    ("2024", "2026"). Names are HTML-escaped.
    """
    missing = [
        c for c in ("source", "target", "value", "change", "share_of_from") if c not in flows
    ]
    if missing:
        raise KeyError(f"change_sankey needs columns {missing}")
    srcs = list(dict.fromkeys(flows["source"].astype(str)))
    tgts = list(dict.fromkeys(flows["target"].astype(str)))
    names = [short_name(x) for x in srcs + tgts]  # no "NHS … Integrated Care Board" on the nodes
    s_idx = {s: i for i, s in enumerate(srcs)}
    t_idx = {t: len(srcs) + i for i, t in enumerate(tgts)}
    change_of = flows.drop_duplicates("source").set_index("source")["change"]
    node_colour = [CHANGE_COLOURS.get(change_of.get(s), NO_DATA) for s in srcs]
    node_colour += [NHS_GREY] * len(tgts)
    link_colour = [CHANGE_COLOURS.get(c, NO_DATA) + "99" for c in flows["change"]]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(
                label=[esc(x) for x in names],
                pad=8,
                thickness=14,
                color=node_colour,
                hovertemplate="<b>%{label}</b><br>%{value:,.0f} residents<extra></extra>",
            ),
            link=dict(
                source=[s_idx[str(s)] for s in flows["source"]],
                target=[t_idx[str(t)] for t in flows["target"]],
                value=flows["value"].astype(float).tolist(),
                customdata=[
                    [esc(c), float(x)]
                    for c, x in zip(flows["change"], flows["share_of_from"], strict=True)
                ],
                color=link_colour,
                hovertemplate="%{source.label} → %{target.label}<br>%{value:,.0f} residents "
                "(%{customdata[1]:.1%} of the old unit's); %{customdata[0]}<extra></extra>",
            ),
        )
    )
    present = [c for c in LEGEND_ORDER if (flows["change"] == c).any()]
    legend = " &nbsp; ".join(
        f'<span style="color:{CHANGE_COLOURS[c]}">■</span> {esc(c)}' for c in present
    )
    fig.add_annotation(
        x=0.5, y=0, yshift=-18, text=legend, showarrow=False, xanchor="center", yanchor="top"
    )
    n = max(len(srcs), len(tgts), 1)
    fig.add_annotation(x=0, y=1.0, yshift=22, text=esc(from_label), showarrow=False, xanchor="left")
    fig.add_annotation(x=1, y=1.0, yshift=22, text=esc(to_label), showarrow=False, xanchor="right")
    fig.layout.meta = {"n_sources": len(srcs), "n_targets": len(tgts)}
    return layout(
        fig, height=max(360, min(3200, 90 + NODE_PX * n)), margin=dict(l=4, r=4, t=36, b=40)
    )
