"""Chart builders: the traces and the numbers they show (waves, treemap sums, sankey links, PCN band
share)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from ics_maps.paths import waves_csv
from ics_maps.presentation import charts, style


@pytest.fixture(scope="module")
def waves() -> pd.DataFrame:
    return pd.read_csv(waves_csv())


def test_wave_timeline_counts_and_cumulative(waves):
    fig = charts.wave_timeline(waves)
    assert isinstance(fig, go.Figure)
    bars, line = fig.data
    assert bars.type == "bar" and line.type == "scatter"
    assert list(bars.y) == [9, 3, 2, 4, 11, 13]  # ICSs per wave in ics_maps/atlas/ics_waves.csv
    assert list(line.y) == [
        9,
        12,
        14,
        18,
        29,
        42,
    ]  # 18 by spring 2020, 29 by Dec 2020, all 42 by April 2021
    dates = [pd.Timestamp(x).strftime("%Y-%m") for x in bars.x]
    assert dates == ["2017-06", "2018-05", "2019-06", "2020-04", "2020-12", "2021-04"]
    hover = dict(zip(range(1, 7), bars.hovertext, strict=False))
    assert "Greater Manchester" in hover[1] and "Devon" in hover[6]
    assert "Wave 1 (June 2017)" in hover[1]
    assert any("statutory" in (a.text or "") for a in fig.layout.annotations)
    assert "<b>Wave 1</b><br>Jun 2017" in [
        a.text for a in fig.layout.annotations
    ]  # each wave named under its bar


def test_wave_summary_falls_back_to_known_dates():
    df = pd.DataFrame({"wave": [1, 1, 3], "name": ["A & B", "C", "D"]})
    s = charts.wave_summary(df)
    assert list(s["n"]) == [2, 1] and list(s["cumulative"]) == [2, 3]
    assert s["date"].dt.strftime("%Y-%m").tolist() == ["2017-06", "2019-06"]
    fig = charts.wave_timeline(df, show_statutory=False)
    assert "A &amp; B" in fig.data[0].hovertext[0]
    assert [a.text for a in fig.layout.annotations] == [
        "<b>Wave 1</b><br>Jun 2017",
        "<b>Wave 3</b><br>Jun 2019",
    ]


def test_population_treemap_sums_by_level():
    df = pd.DataFrame(
        {
            "icb": ["North", "North", "North", "South", "South"],
            "place": ["Leeds", "Leeds", "York", "Kent", None],
            "pcn": ["P1", "P2", "P1", "P3", "P4"],  # P1 in two places stays two nodes
            "residents": [100, 50, 25, 200, 10],
        }
    )
    fig = charts.population_treemap(df, root="England")
    t = fig.data[0]
    assert t.type == "treemap" and t.branchvalues == "total"
    val = dict(zip(t.ids, t.values, strict=False))
    sep = "\x1f"
    assert val["England"] == 385
    assert val[sep.join(["England", "North"])] == 175 and val[sep.join(["England", "South"])] == 210
    assert val[sep.join(["England", "North", "Leeds"])] == 150
    assert val[sep.join(["England", "North", "Leeds", "P1"])] == 100
    assert val[sep.join(["England", "North", "York", "P1"])] == 25
    assert val[sep.join(["England", "South", "(unassigned)", "P4"])] == 10
    assert len(set(t.ids)) == len(t.ids)
    parents = dict(zip(t.ids, t.parents, strict=False))
    assert all(p == "" or p in val for p in parents.values())  # every parent is a node
    # coloured by place: a place and its PCNs share a colour, places differ, systems are grey
    colour = dict(zip(t.ids, t.marker.colors, strict=True))
    leeds, york = sep.join(["England", "North", "Leeds"]), sep.join(["England", "North", "York"])
    assert colour[leeds] == colour[leeds + sep + "P1"] == colour[leeds + sep + "P2"]
    assert colour[york] == colour[york + sep + "P1"] != colour[leeds]
    assert colour["England"] == colour[sep.join(["England", "North"])] == "#768692"
    assert fig.layout.uniformtext.mode == "hide" and fig.layout.uniformtext.minsize == 10
    long = df.assign(pcn=["BOLTON CENTRAL PCN & <b>X</b>", "P2", "P1", "P3", "P4"])
    lt = charts.population_treemap(long).data[0]
    i = list(lt.labels).index("BOLTON<br>CENTRAL PCN<br>&amp; &lt;b&gt;X&lt;/b&gt;")
    assert lt.hovertext[i] == "BOLTON CENTRAL PCN &amp; &lt;b&gt;X&lt;/b&gt;"  # one line on hover
    wide = charts.population_treemap(df.assign(place="Windsor and Maidenhead")).data[0]
    assert "Windsor and Maidenhead" in wide.labels  # a place's header is not wrapped
    plain = charts.population_treemap(df, colour_by=None).data[0]
    assert list(plain.marker.colors) == list(plain.values)  # the old shading by size
    with pytest.raises(KeyError):
        charts.population_treemap(df.drop(columns="place"))


def test_residents_sankey_links_councils_to_systems():
    df = pd.DataFrame(
        {
            "source": ["Derbyshire", "Derbyshire", "Derbyshire", "Leeds & <i>District</i>"],
            "target": ["Derbyshire", "Greater Manchester", "Derbyshire", "West Yorkshire"],
            "value": [700, 100, 200, 800],
        }
    )
    fig = charts.residents_sankey(df)
    s = fig.data[0]
    labels = list(s.node.label)
    assert labels == [
        "Derbyshire: 1,000",
        "Leeds &amp; &lt;i&gt;District&lt;/i&gt;: 800",
        "Derbyshire: 900",
        "Greater Manchester: 100",
        "West Yorkshire: 800",
    ]  # a council and a system with one name are two nodes; each label carries its total
    links = sorted(zip(s.link.source, s.link.target, s.link.value, strict=False))
    assert links == [(0, 2, 900.0), (0, 3, 100.0), (1, 4, 800.0)]  # duplicate pairs add up
    assert sorted(s.link.customdata) == pytest.approx([0.1, 0.9, 1.0])
    small = charts.residents_sankey(df, min_value=150).data[0]
    assert len(small.link.value) == 2
    assert small.node.label[0] == "Derbyshire: 900"  # totals of the links drawn
    bare = charts.residents_sankey(df, show_values=False).data[0]
    assert bare.node.label[0] == "Derbyshire"


def test_list_size_histogram_band_share():
    sizes = [12_000, 31_000, 35_000, 40_000, 49_000, 50_000, 52_000, 80_000, None, 0]
    fig = charts.list_size_histogram(pd.DataFrame({"list_size": sizes}))
    h = fig.data[0]
    assert (
        h.type == "histogram" and h.xbins.size == 5000 and len(h.x) == 8
    )  # missing and zero dropped
    assert fig.layout.meta["in_band"] == 5 and fig.layout.meta["share_in_band"] == pytest.approx(
        5 / 8
    )
    assert fig.data[1].name == "30–50k band: 62% of PCNs (5 of 8)" and not fig.layout.annotations
    shapes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(shapes) == 1 and (shapes[0].x0, shapes[0].x1) == (30000, 50000)
    # the band and the median are named in the legend, so no label sits on the bars (tallest: 2 PCNs
    # in 50–55k)
    median = fig.data[2]
    assert median.name == "Median 44,500 patients" and list(median.x) == [44_500, 44_500]
    assert fig.layout.yaxis.range[1] == pytest.approx(2 * 1.15) and list(median.y) == [
        0,
        pytest.approx(2.3),
    ]
    charts.mark_value(fig, 52_000, "A & <b>B</b> PCN", "#DA291C")
    assert fig.data[3].name == "A &amp; &lt;b&gt;B&lt;/b&gt; PCN" and max(
        fig.data[3].y
    ) == pytest.approx(2.3)
    other = charts.list_size_histogram(pd.DataFrame({"list_size": sizes}), band=(10_000, 20_000))
    assert other.layout.meta["in_band"] == 1
    assert (
        "share_in_band"
        not in charts.list_size_histogram(pd.DataFrame({"list_size": sizes}), band=None).layout.meta
    )


def test_tier_bar_sorted_highlighted_and_grouped():
    df = pd.DataFrame(
        {
            "code": ["a", "b", "c"],
            "name": ["Small", "Big & <b>bold</b>", "Middle"],
            "residents": [100, 300, 200],
            "region_name": ["X", "Y", "X"],
        }
    )
    fig = charts.tier_bar(df, highlight="c")
    bar = fig.data[0]
    assert list(bar.x) == [100, 200, 300]  # largest drawn at the top (plotly's last category)
    assert list(bar.y) == ["Small", "Middle", "Big &amp; &lt;b&gt;bold&lt;/b&gt;"]
    assert list(bar.marker.color) == [style.NHS_BLUE, style.NHS_DARK_BLUE, style.NHS_BLUE]
    grouped = charts.tier_bar(df, color="region_name", top=2)
    assert (
        sorted(t.name for t in grouped.data) == ["X", "Y"]
        and sum(len(t.x) for t in grouped.data) == 2
    )


def test_relationship_bar_shares():
    summary = pd.DataFrame(
        {"relationship": ["coterminous", "nested", "split"], "children": [2, 6, 2]}
    )
    fig = charts.relationship_bar(
        summary
    )  # a relationship missing from the summary draws an empty segment
    assert [t.name for t in fig.data] == ["coterminous", "nested", "combines", "split"]
    assert [t.x[0] for t in fig.data] == [2, 6, 0, 2]
    assert fig.data[3].text[0] == "split: 2 (20%)" and fig.data[2].text is None


def test_charts_serialise_without_a_cdn(waves):
    fig = charts.wave_timeline(waves)
    page = fig.to_html(include_plotlyjs=False, full_html=False)
    assert "cdn.plot.ly" not in page and "cdnjs" not in page
