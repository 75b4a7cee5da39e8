"""The People view's pure parts on the toy atlas, with the people of ``test_profiles`` (its table
of bands and IMD per LSOA): band and decile shares, rankings, the two charts, the sentences, the
measure vocabulary, a map coloured by a measure and the link parameters. Every expected figure is
worked out by hand from that table.

    I1 = L1 L2 L5 L6 (1,400): 0-4 20, 15-19 150, 20-24 100, 40-44 530, 50-54 500, 85+ 100
    I2 = L3 L4 L7 L8 (2,200): 0-4 400, 10-14 100, 30-34 300, 35-39 400, 65-69 300, 70-74 700
    England (3,600): 65+ = 100 + 300 + 700 = 1,100; IMD quintile 1 = L1 L2 L7 = 1,000 residents;
    average IMD score 89,500 / 3,600 = 24.86
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_profiles import add_people
from toy_atlas import toy_atlas

from ics_maps.analysis import profiles as P
from ics_maps.analysis.profile_views import AGE_LABELS, age_shares, decile_shares, ranking
from ics_maps.app import params, prose
from ics_maps.presentation.charts import age_chart, decile_chart
from ics_maps.presentation.maps import ics_map
from ics_maps.presentation.maps.colouring import colour_by
from ics_maps.presentation.style import NO_DATA, PROFILE_MEASURES, SEQUENTIAL, ordinal


@pytest.fixture()
def atlas():
    a = toy_atlas()
    add_people(a.tiers["lsoa"])
    return a


@pytest.fixture()
def icb(atlas):
    return P.tier_profile(atlas, "icb").set_index("code")


@pytest.fixture()
def england(atlas):
    return P.england_profile(atlas).iloc[0]


def test_age_shares_by_hand(icb, england):
    t = age_shares(icb.loc["I1"], england)
    assert t["label"].tolist() == list(AGE_LABELS) and AGE_LABELS[0] == "0–4"
    assert AGE_LABELS[-1] == "85+" and len(t) == 18
    by = t.set_index("band")
    assert by.loc["age_0_4", "share"] == pytest.approx(20 / 1400)
    assert by.loc["age_40_44", "share"] == pytest.approx(530 / 1400)
    assert by.loc["age_85_plus", "residents"] == 100
    assert by.loc["age_0_4", "england"] == pytest.approx(420 / 3600)
    assert t["share"].sum() == pytest.approx(1) and t["england"].sum() == pytest.approx(1)


def test_decile_shares_by_hand(icb, england):
    t = decile_shares(icb.loc["I1"], england).set_index("decile")
    expected = {1: 100, 2: 200, 8: 500, 10: 600}
    assert t["share"].tolist() == pytest.approx([expected.get(d, 0) / 1400 for d in range(1, 11)])
    assert t["residents"].tolist() == pytest.approx([expected.get(d, 0) for d in range(1, 11)])
    eng = {1: 800, 2: 200, 3: 300, 4: 800, 5: 400, 8: 500, 10: 600}
    assert t["england"].tolist() == pytest.approx([eng.get(d, 0) / 3600 for d in range(1, 11)])


def test_ranking_is_national_highest_first_and_keeps_ranks_in_a_view(atlas):
    pcn = P.tier_profile(atlas, "pcn")  # scores: P3 31.18, P1 20.00, P2 11.94
    t = ranking(pcn, "imd_avg_score")
    assert t["code"].tolist() == ["P3", "P1", "P2"] and t["rank"].tolist() == [1, 2, 3]
    assert list(t.columns) == ["rank", "code", "name", "imd_avg_score", "residents", "method"]
    view = ranking(pcn, "imd_avg_score", codes={"P1", "P2"})
    assert view["code"].tolist() == ["P1", "P2"] and view["rank"].tolist() == [2, 3]
    icb = ranking(P.tier_profile(atlas, "icb"), "age_65_plus_share")  # I2 1000/2200, I1 100/1400
    assert icb["code"].tolist() == ["I2", "I1"] and "method" not in icb
    assert icb["age_65_plus_share"].tolist() == pytest.approx([1000 / 2200, 100 / 1400])
    with pytest.raises(ValueError, match="no measure 'bogus'"):
        ranking(pcn, "bogus")


def test_units_without_residents_are_ranked_last_without_a_rank(atlas):
    w = P.tier_weights(atlas, "icb")
    t = P.profile_table(atlas, w[w["unit"] == "I1"], names={"I2": "Empty", "I1": "Name I1"})
    r = ranking(t, "imd_avg_score")
    assert r["code"].tolist() == ["I1", "I2"]
    assert r["rank"].iloc[0] == 1 and pd.isna(r["rank"].iloc[1])
    assert age_shares(t.set_index("code").loc["I2"], t.iloc[0])["share"].isna().all()


def test_age_chart_bars_outline_source_and_escaped_name(icb, england):
    fig = age_chart(age_shares(icb.loc["I1"], england), "<b>I1</b> & co")
    bars, outline = fig.data
    assert bars.orientation == "h" and len(bars.x) == 18
    assert list(bars.x)[band_index("age_40_44")] == pytest.approx(100 * 530 / 1400)
    assert bars.name == "&lt;b&gt;I1&lt;/b&gt; &amp; co"
    # England's outline: a vertical edge at its share across each band (y from i-0.5 to i+0.5)
    assert list(outline.x[:2]) == pytest.approx([100 * 420 / 3600] * 2)
    assert list(outline.y[:4]) == [-0.5, 0.5, 0.5, 1.5] and outline.name == "England"
    assert list(fig.layout.yaxis.ticktext) == list(AGE_LABELS)
    assert "Census 2021 (ONS, TS007A)" in fig.layout.meta["source"]
    notes = [a.text for a in fig.layout.annotations]
    assert any("Census 2021 (ONS, TS007A)" in n for n in notes)
    assert not any("No residents" in n for n in notes)


def band_index(name: str) -> int:
    return P.AGE_BANDS.index(name)


def test_decile_chart_against_englands_flat_tenth(icb, england):
    fig = decile_chart(decile_shares(icb.loc["I2"], england), "I2")
    bars, line = fig.data
    # I2: L7 decile 1 (700), L3 decile 3 (300), L8 decile 4 (800), L4 decile 5 (400) of 2,200
    assert list(bars.y) == pytest.approx(
        [100 * v / 2200 for v in (700, 0, 300, 800, 400, 0, 0, 0, 0, 0)]
    )
    assert list(line.y) == [10, 10] and line.name == "England: 10% in each decile"
    assert fig.layout.xaxis.ticktext[0].startswith("1<br>most")
    assert "English Indices of Deprivation 2025" in fig.layout.meta["source"]


def test_charts_of_a_unit_without_residents_say_so(england):
    empty = england.copy()
    empty[list(P.AGE_BANDS)] = 0
    empty["residents"] = 0
    empty[list(P.DECILE_SHARES)] = np.nan
    for fig in (
        age_chart(age_shares(empty, england), "Nobody"),
        decile_chart(decile_shares(empty, england), "Nobody"),
    ):
        assert any(a.text == "No residents to profile" for a in fig.layout.annotations)


def test_people_summary_by_hand(icb, england):
    assert prose.people_summary(icb.loc["I2"], england, "ICSs") == (
        "Of its 2,200 residents, 45.5% are aged 65 or over (above England's 30.6%) and 31.8% live "
        "in England's most deprived fifth of neighbourhoods (above England's 27.8%). Its average "
        "IMD score, 31.1 (England 24.9), ranks 1st of 2 ICSs, where 1st is the most deprived."
    )
    i1 = prose.people_summary(icb.loc["I1"], england, "ICSs")
    assert "7.1% are aged 65 or over (below England's 30.6%)" in i1
    assert "21.4% live" in i1 and "ranks 2nd of 2 ICSs" in i1  # L1 + L2: 300 of 1,400
    # England against itself: no rank, "about the same"
    own = prose.people_summary(england, england, "ICSs")
    assert "about the same as England's 30.6%" in own and "ranks" not in own


def test_people_summary_without_residents(england):
    empty = england.copy()
    empty["residents"] = 0
    text = prose.people_summary(empty, england, "PCNs")
    assert text.startswith("No Census 2021 residents") and "nan" not in text.lower()


def test_catchment_notes():
    assert prose.catchment_note("modelled").startswith("**Modelled catchment.**")
    assert prose.catchment_note("registrations").startswith("**Catchment from registrations.**")
    odd = prose.catchment_note("<i>toy</i>")
    assert "&lt;i&gt;toy&lt;/i&gt;" in odd and "<i>" not in odd


def test_measures_read_as_the_page_writes_them():
    m = PROFILE_MEASURES
    assert m["imd_avg_score"].fmt(21.835) == "21.8"
    assert m["age_65_plus_share"].fmt(0.18413) == "18.4%"
    assert m["health_avg_score"].fmt(-0.123) == "-0.12" and m["crime_avg_score"].fmt(0.5) == "+0.50"
    assert m["median_age"].fmt(40.43) == "40.4" and m["median_age"].fmt(np.nan) == "–"
    assert m["imd_avg_score"].source_text == "IoD 2025, MHCLG"
    assert m["age_0_17_share"].source_text == "Census 2021, ONS"
    assert set(m) <= set(P.PROFILE_COLUMNS)
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd", "111th"
    ]  # fmt: skip
    assert ordinal(pd.NA) == "–"


def test_colour_by_a_measure_with_national_breaks():
    gdf = pd.DataFrame({"imd_avg_score": [10.0, 20.0, 30.0, np.nan]})
    fills, legend = colour_by(gdf, "imd_avg_score", 5, "FisherJenks", bins=[15.0, 25.0, 35.0])
    cols = [SEQUENTIAL[0], SEQUENTIAL[4], SEQUENTIAL[7]]  # three classes spread over the ramp
    assert fills == [*cols, NO_DATA]
    assert legend.title == "Average IMD score"
    assert [label for _, label in legend.items] == [
        "10.0 – 15.0", "15.0 – 25.0", "25.0 – 35.0", "no residents"
    ]  # fmt: skip
    assert legend.note == "Natural breaks (Fisher–Jenks), all England. Source: IoD 2025, MHCLG."
    shares = pd.DataFrame({"age_65_plus_share": [0.1, 0.3]})
    _, legend = colour_by(shares, "age_65_plus_share", 5, "FisherJenks", bins=[0.2, 0.3])
    assert [label for _, label in legend.items] == ["10.0% – 20.0%", "20.0% – 30.0%"]
    assert legend.note.endswith("Source: Census 2021, ONS.")
    with pytest.raises(ValueError, match="needs a 'median_age' column"):
        colour_by(gdf, "median_age", 5, "FisherJenks")


def test_ics_map_coloured_by_a_measure_names_it_in_the_tooltip(atlas, icb):
    icbs = atlas.tier("icb").assign(imd_avg_score=lambda d: d["code"].map(icb["imd_avg_score"]))
    html = ics_map(icbs, color_by="imd_avg_score", bins=[20.0, 35.0]).get_root().render()
    assert "Average IMD score (IoD 2025, MHCLG)" in html  # the tooltip's row
    # I1's and I2's scores, as the tooltip writes them
    assert '"measure": "15.0"' in html and '"measure": "31.1"' in html


def test_link_parameters_for_people():
    assert params.MEASURE.parse("age_65_plus_share") == ("age_65_plus_share", None)
    value, warning = params.MEASURE.parse("<script>")
    assert value == "imd_avg_score" and "Unknown people measure" in warning
    assert params.RANK_TIER.parse("pcn") == ("pcn", None)
    assert params.RANK_TIER.parse("practice")[0] == "icb"
    assert params.COLOR.parse("people") == ("people", None)
    assert {"measure", "rank"} <= set(params.KNOWN_KEYS)


def test_chart_specs_are_valid_plotly(icb, england):
    """The charts are built without plotly's validation (for speed): validate them here, so a
    misspelt property fails a test instead of being dropped by the browser."""
    import plotly.graph_objects as go

    for row in (icb.loc["I1"], icb.loc["I2"]):
        for fig in (
            age_chart(age_shares(row, england), "I1"),
            decile_chart(decile_shares(row, england), "I1"),
        ):
            checked = go.Figure(fig.to_dict())  # raises ValueError on any invalid property
            assert checked.to_plotly_json()["layout"]["meta"] == fig.layout.meta
            assert len(checked.data) == 2
