"""Streamlit AppTest of the People views (issue 11) on the real 2026 atlas.

The People tab of a system, a place (both council tiers) and a PCN shows the profile engine's
figures for that unit against England, both charts with their sources, and labels a PCN's catchment
(modelled or from registrations); a unit with no residents reads "–"; the Overview map can be
coloured by a profile measure with national classes; the People rankings' CSV is exactly the rows
shown, in the sidebar's view, with England's ranks; and ONS's published oldest districts come first
when ranked by the share aged 65+.
"""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from test_app import (  # the page helpers and the downloads fixture of the AppTest suite
    GREATER_MANCHESTER,
    NORTH_WEST,
    download_by_key,
    downloads,  # noqa: F401 - a fixture
    metrics,
    no_exception,
    open_page,
    texts,
)

from ics_maps.analysis import filters
from ics_maps.analysis.profile_views import ranking
from ics_maps.analysis.profiles import PROFILE_COLUMNS, tier_profile, tier_weights
from ics_maps.app import caches
from ics_maps.presentation.export import safe_csv
from ics_maps.presentation.style import fmt_pct

BLACKPOOL = "E06000009"  # a unitary: in both council tiers
ECCLES, STONE = "U00203", "U04901"  # a modelled PCN; one whose catchment is from registrations


@pytest.fixture(scope="module")
def atlas(atlas_2026):
    return atlas_2026


def people_tab(at, key: str):
    at.session_state[key] = "People"
    at.run()
    no_exception(at)
    return at


def figures(at) -> dict[str, str]:
    m = metrics(at)
    return {k: m[k] for k in ("Aged 65 and over", "Average IMD score", "Rank by IMD score")} | {
        "q1": m["In England's most deprived fifth"]
    }


def expected(atlas, tier: str, code: str) -> dict[str, str]:
    row = tier_profile(atlas, tier).set_index("code").loc[code]
    rank, of = int(row["imd_avg_score_rank"]), int(row["imd_avg_score_rank_of"])
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10 if rank % 100 not in (11, 12, 13) else 0)
    return {
        "Aged 65 and over": fmt_pct(row["age_65_plus_share"]),
        "Average IMD score": f"{row['imd_avg_score']:.1f}",
        "Rank by IMD score": f"{rank}{suffix or 'th'} of {of:,}",
        "q1": fmt_pct(row["imd_quintile1_share"]),
    }


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def legend_text(at) -> str:
    """The text of the map's legend (the HTML its script writes into the Leaflet control)."""
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    html = "".join(json.loads(m) for m in re.findall(r'innerHTML = ("(?:[^"\\]|\\.)*")', script))
    return re.sub(r"<[^>]+>", " ", html)


def values(array) -> list:
    """A plotly array from a chart's JSON: a list, or binary data (``bdata`` and ``dtype``)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_people_view_of_a_system(atlas, request):
    store = request.getfixturevalue("downloads")
    at = people_tab(open_page("system", {"icb": GREATER_MANCHESTER}), "system_tab")
    assert figures(at) == expected(atlas, "icb", GREATER_MANCHESTER)
    assert figures(at)["Rank by IMD score"] == "3rd of 36"
    age, deciles = chart_specs(at)
    # the age bars are the system's own band shares (in %), England's outline is England's
    row = tier_profile(atlas, "icb").set_index("code").loc[GREATER_MANCHESTER]
    bars = values(age["data"][0]["x"])
    assert len(bars) == 18
    assert bars[0] == pytest.approx(100 * row["age_0_4"] / row["residents"])
    assert sum(bars) == pytest.approx(100)
    assert age["data"][1]["name"] == "England"
    assert "Census 2021 (ONS, TS007A)" in age["layout"]["meta"]["source"]
    assert values(deciles["data"][0]["y"])[0] == pytest.approx(100 * row["imd_decile1_share"])
    assert values(deciles["data"][1]["y"]) == [10, 10]
    assert "English Indices of Deprivation 2025" in deciles["layout"]["meta"]["source"]
    sentence = [m for m in texts(at, "markdown") if m.startswith("Of its 2,867,735 residents")]
    assert sentence and "ranks 3rd of 36 ICSs" in sentence[0]
    # the profile's CSV: the system and England, every column of `export profile`
    got = pd.read_csv(io.BytesIO(download_by_key(at, store, "dl_people_profile")))
    assert got["code"].tolist() == [GREATER_MANCHESTER, "E92000001"]
    assert list(got.columns) == list(PROFILE_COLUMNS)
    residents = atlas.tier("icb").set_index("code").loc[GREATER_MANCHESTER, "residents"]
    assert got["residents"].tolist() == [residents, 56_490_091]


@pytest.mark.parametrize("tier, of", [("utla", 153), ("lad", 296)])
def test_people_view_of_a_place_in_either_council_tier(atlas, tier, of):
    at = people_tab(open_page("place", {"la": tier, "place": BLACKPOOL}), "place_tab")
    got = figures(at)
    assert got == expected(atlas, tier, BLACKPOOL)
    assert got["Rank by IMD score"].endswith(f"of {of}")
    assert len(at.get("plotly_chart")) == 2


def test_people_view_of_a_pcn_says_how_its_catchment_was_made(atlas):
    at = people_tab(open_page("pcn", {"q": "eccles"}), "pcn_tab")
    assert figures(at) == expected(atlas, "pcn", ECCLES)
    assert any(i.startswith("**Modelled catchment.**") for i in texts(at, "info"))
    assert figures(at)["Rank by IMD score"].endswith(f"of {len(atlas.tier('pcn')):,}")
    at = people_tab(open_page("pcn", {"q": STONE}), "pcn_tab")
    assert figures(at) == expected(atlas, "pcn", STONE)
    infos = texts(at, "info")
    assert any(i.startswith("**Catchment from registrations.**") for i in infos)
    assert not any("Modelled catchment" in i for i in infos)


def test_a_unit_without_residents_reads_dash(atlas, monkeypatch):
    """A system with no LSOA weights: no division error, every figure "–", the sentence says why."""
    w = tier_weights(atlas, "icb")
    from ics_maps.analysis.profiles import profile_table

    empty = profile_table(
        atlas, w[w["unit"] != GREATER_MANCHESTER], names=atlas.tier("icb")[["code", "name"]]
    )
    real = caches.profile_table
    monkeypatch.setattr(caches, "profile_table", lambda v, t: empty if t == "icb" else real(v, t))
    at = people_tab(open_page("system", {"icb": GREATER_MANCHESTER}), "system_tab")
    got = figures(at)
    assert set(got.values()) == {"–"}, got
    assert any(m.startswith("No Census 2021 residents") for m in texts(at, "markdown"))
    assert "nan" not in " ".join(texts(at, "markdown")).lower()


def test_rankings_csv_is_what_is_shown(atlas, request):
    store = request.getfixturevalue("downloads")  # what each download button hands the user
    at = open_page("overview", {"region": NORTH_WEST})
    at.session_state["overview_tab"] = "People rankings"
    at.run()
    at.selectbox(key="w_rank").set_value("lad").run()
    at.selectbox(key="w_measure").set_value("age_65_plus_share").run()
    no_exception(at)
    shown = at.dataframe[0].value
    got = pd.read_csv(io.BytesIO(download_by_key(at, store, "dl_people_ranking")))
    view = filters.apply_filters(atlas, filters.Filters(regions=(NORTH_WEST,)))
    table = ranking(tier_profile(atlas, "lad"), "age_65_plus_share", view.codes["lad"])
    assert download_by_key(at, store, "dl_people_ranking") == safe_csv(table)
    assert list(got.columns) == list(shown.columns) and len(got) == len(shown)
    assert set(got["code"]) == set(view.codes["lad"]) and len(got) < 296
    # ranks are England's: the first North West district is not necessarily 1st
    national = ranking(tier_profile(atlas, "lad"), "age_65_plus_share")
    assert got["rank"].iloc[0] == national.set_index("code").loc[got["code"].iloc[0], "rank"]
    # the link keeps the choice
    assert at.query_params["rank"] == "lad" and at.query_params["measure"] == "age_65_plus_share"


def test_rankings_put_ons_oldest_districts_first(atlas):
    """ONS ("Voices of our ageing population", Census 2021): North Norfolk, Rother and East Lindsey
    have the largest shares of residents aged 65 and over of England's districts."""
    at = open_page("overview")
    at.session_state["overview_tab"] = "People rankings"
    at.run()
    at.selectbox(key="w_rank").set_value("lad").run()
    at.selectbox(key="w_measure").set_value("age_65_plus_share").run()
    top = at.dataframe[0].value.head(3)
    assert top["name"].tolist() == ["North Norfolk", "Rother", "East Lindsey"]
    assert top["rank"].tolist() == [1, 2, 3]


def test_overview_map_coloured_by_a_measure_keeps_national_classes(atlas):
    from ics_maps.atlas.natural_breaks import class_bins

    at = open_page("overview", {"color": "people", "measure": "imd_avg_score"})
    no_exception(at)
    assert not at.warning
    national = legend_text(at)
    assert "Average IMD score" in national and "Source: IoD 2025, MHCLG." in national
    assert "Natural breaks (Fisher–Jenks), all England" in national
    # classes over all 36 systems: the top class ends at the most deprived system's score
    scores = tier_profile(atlas, "icb")["imd_avg_score"]
    bins = class_bins(scores, k=5)
    assert bins[-1] == pytest.approx(scores.max())
    labels = [f"{bins[i - 1]:.1f} – {bins[i]:.1f}" for i in range(1, 5)]
    assert all(label in national for label in labels), (labels, national)
    london = open_page(
        "overview", {"color": "people", "measure": "imd_avg_score", "region": "E40000003"}
    )
    no_exception(london)
    # the same national classes on a map of London's four systems
    assert all(label in legend_text(london) for label in labels)


def test_pcn_rankings_say_how_each_catchment_was_made(atlas):
    at = open_page("overview")
    at.session_state["overview_tab"] = "People rankings"
    at.run()
    at.selectbox(key="w_rank").set_value("pcn").run()
    no_exception(at)
    shown = at.dataframe[0].value
    assert len(shown) == len(atlas.tier("pcn"))
    methods = atlas.tier("pcn").set_index("code")["method"]
    assert (shown["method"] == shown["code"].map(methods)).all()
    assert set(shown["method"]) == {"modelled", "registrations"}
    assert any("mostly *modelled*" in c for c in texts(at, "caption"))
