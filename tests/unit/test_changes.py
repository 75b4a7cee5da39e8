"""The Changes page's library on the two hand-built vintages of test_crosswalk.py (13 LSOA cells in
a row, 1 km each; answers by hand): Sankey links, the moved areas, the successor of an old code,
the headline sentence, the chart and the map, and links that carry their vintage.

    old "A": I1 L01-02 | I2 L03 | I3 L04-05 | I4 L06 | I5 L07-09 | I6 L10-11 | I7 L12 | I8 L13
    new "B": I1 L01-02 | J2 L03 | M1 L04-07 | N1 L08-09 | K6 L10 | K7 L11-12 | I8 L13
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box
from test_crosswalk import NEW, OLD, toy_vintage
from test_url_state import FakeQueryParams

from ics_maps.analysis.changes import Successor, flows, headline, moved_areas, successor
from ics_maps.analysis.crosswalk import crosswalk
from ics_maps.analysis.rebase import guess_code_column, rate_like
from ics_maps.app import frame, prose_changes
from ics_maps.app.prose import layers_note
from ics_maps.app.url_state import UrlState
from ics_maps.presentation.charts.changes import change_sankey
from ics_maps.presentation.maps.changes import changes_map

X0, Y0 = 400_000, 300_000  # somewhere in England (EPSG:27700)


def with_geometry(atlas):
    """The toy atlas with its LSOA cells as 1 km squares in a row, and the ICBs dissolved."""
    lsoa = atlas.tiers["lsoa"]
    cells = [box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(len(lsoa))]
    atlas.tiers["lsoa"] = gpd.GeoDataFrame(lsoa, geometry=cells, crs="EPSG:27700")
    icb = atlas.tiers["icb"].copy()
    icb["geometry"] = [atlas.tiers["lsoa"].loc[lsoa["icb"] == c].union_all() for c in icb["code"]]
    atlas.tiers["icb"] = gpd.GeoDataFrame(icb, geometry="geometry", crs="EPSG:27700")
    return atlas


@pytest.fixture()
def old():
    return with_geometry(toy_vintage("A", OLD))


@pytest.fixture()
def new():
    return with_geometry(toy_vintage("B", NEW))


@pytest.fixture()
def table(old, new):
    return crosswalk(old, new, "icb")


def test_flows_leave_out_unchanged_units_on_request(table):
    every = flows(table)
    assert len(every) == len(table) == 10 and every["value"].sum() == 9100
    changed = flows(table, include_unchanged=False)
    assert "North" not in set(changed["source"])  # I1, the one unchanged unit
    assert len(changed) == 9 and changed["value"].sum() == 9100 - 300
    row = changed[(changed["source"] == "Centre") & (changed["target"] == "Newtown")].iloc[0]
    assert (row["value"], row["change"]) == (1700, "split")
    assert row["share_of_from"] == pytest.approx(1700 / 2400)


def test_moved_areas_dissolve_the_changed_cells_per_pair(old, new, table):
    m = moved_areas(old, new, "icb", table).set_index("code")
    assert list(m.index) == [
        "I2>J2",
        "I3>M1",
        "I4>M1",
        "I5>M1",
        "I5>N1",
        "I6>K6",
        "I6>K7",
        "I7>K7",
    ]
    assert m.crs.to_epsg() == 4326
    assert m.loc["I5>N1", ["lsoas", "residents", "change"]].tolist() == [2, 1700, "split"]
    assert m.loc["I3>M1", ["from_name", "to_name"]].tolist() == ["South", "Middle"]
    area = m.to_crs(27700).area  # each cell is 1 km²: L08+L09 one 2 km² polygon, no seam
    assert area["I5>N1"] == pytest.approx(2e6, rel=1e-3) and area["I6>K7"] == pytest.approx(
        1e6, rel=1e-3
    )
    assert m.loc["I5>N1"].geometry.geom_type == "Polygon"
    assert moved_areas(old, old, "icb", crosswalk(old, old, "icb")).empty


def test_successor_of_an_old_code_by_gss_or_ods_code(old, new):
    atlases = {"B": new, "A": old}
    want = Successor("N1", 1700 / 2400, "I5", "Centre", "icb", "A")
    got = successor(atlases, "B", "icb", "I5")
    assert got.code == want.code and got.share == pytest.approx(want.share)
    assert (got.old_code, got.old_name, got.old_tier, got.old_vintage) == (
        "I5",
        "Centre",
        "icb",
        "A",
    )
    assert successor(atlases, "B", "icb", " q5 ").code == "N1"  # I5's ODS code, any case
    assert successor(atlases, "B", "icb", "I6").code == "K7"  # 1,100 of 2,100 residents
    assert successor(atlases, "B", "icb", "ZZ9") is None


def test_successor_of_a_sub_icb_code_is_the_system_holding_its_residents(old, new):
    new.tiers["sicbl"] = pd.DataFrame(
        {"code": ["S9"], "name": ["A sub-ICB"], "ods_code": pd.array([None], dtype="string")}
    )
    new.tiers["lsoa"]["sicbl"] = ["S9" if c in ("L10", "L11") else "S0" for c in new.lsoa["code"]]
    got = successor({"B": new, "A": old}, "B", "icb", "S9", also=("sicbl",))
    # S9 is L10 (1,000 residents, K6) and L11 (1,100, K7): K7 holds most
    assert (got.code, got.old_tier, got.old_vintage) == ("K7", "sicbl", "B")
    assert got.share == pytest.approx(1100 / 2100)
    assert successor({"B": new, "A": old}, "B", "icb", "S9") is None  # sub-ICB codes not asked for


def test_headline_counts_and_sentence(old, new, table):
    s = headline(old, new, "icb", table)
    assert (s["from_units"], s["to_units"], s["lsoas_changed"]) == (8, 7, 10)
    text = prose_changes.headline(s, "ICSs", "ICSs")
    assert text == (
        "**8 ICSs (A) → 7 ICSs (B).** 1 unchanged, 2 recoded, 2 merged, 1 split, 2 boundary "
        "changes; 2 of the 7 ICSs continue no old unit. 10 LSOAs (7,500 residents) changed code."
    )
    same = headline(old, old, "icb", crosswalk(old, old, "icb"))
    assert "Nothing changed" in prose_changes.headline(same, "ICSs", "ICSs")


def test_sankey_nodes_colours_and_escaped_names(table):
    t = table.copy()
    t.loc[t["from_code"] == "I5", "from_name"] = "<b>Centre</b> & Co"
    fig = change_sankey(flows(t, include_unchanged=False), "2024 ICSs", "2026 ICSs")
    node = fig.data[0].node
    assert fig.layout.meta == {"n_sources": 7, "n_targets": 6}
    assert "&lt;b&gt;Centre&lt;/b&gt; &amp; Co" in node.label
    assert "Vale" in node.label  # "NHS Vale ICB" without NHS and ICB
    colour = dict(zip(node.label[:7], node.color[:7], strict=True))  # the old units
    assert colour["South"] == "#8C6BB1" and colour["East"] == "#41B6E6"  # merged, recoded
    legend = fig.layout.annotations[0].text
    assert legend.index("split") < legend.index("merged") < legend.index("recoded")
    assert "unchanged" not in legend


def test_changes_map_escapes_names_and_counts_old_units(old, new, table):
    t = table.copy()
    t.loc[t["from_code"] == "I6", "from_name"] = '<img src=x onerror="alert(1)">'
    m = changes_map(moved_areas(old, new, "icb", t), new.tier("icb"), from_label="A", to_label="B")
    html = m.get_root().render()
    assert "<img" not in html and "\\u0026lt;img src=x onerror=" in html  # &lt; inside JSON
    for label in ("split (1)", "merged (2)", "boundary (2)", "recoded (1)"):
        assert label in html
    assert "unchanged (" not in html


def test_layers_note_says_which_layers_are_later():
    assert layers_note("2022") == (
        "Kept from later dates than these July 2022 NHS boundaries: councils as of May 2023, "
        "PCNs and practices as of 1 October 2024 and GP list sizes as of 1 April 2025."
    )
    assert layers_note("2026") == (
        "Councils as of May 2023, PCNs and practices as of 1 October 2025 and GP list sizes as "
        "of 1 April 2025."
    )


def test_guess_code_column_and_rate_like_names():
    t = pd.DataFrame({"name": ["North", "I2"], "icb": ["I1", " I2 "], "n": ["1", "2"]})
    assert guess_code_column(t, {"I1", "I2"}) == "icb"
    assert guess_code_column(t, {"Q"}) is None
    assert rate_like(["deaths", "rate_per_1000", "% smokers", "population"]) == [
        "rate_per_1000",
        "% smokers",
    ]


def test_links_carry_their_vintage_even_the_default(monkeypatch):
    url = UrlState(FakeQueryParams(), {})
    monkeypatch.setattr(frame, "state", lambda: url)
    assert frame.link(icb="E54000057") == {"vintage": "2026", "icb": "E54000057"}
    url.memory["vintage"] = "2024"
    url.remember(vintage="2024", region="E40000010")
    assert frame.link(pcn="U12345") == {"vintage": "2024", "region": "E40000010", "pcn": "U12345"}
