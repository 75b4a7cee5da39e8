"""Streamlit AppTest of every page on the real 2026 atlas.

Each page renders without an exception; the sidebar filters change what is shown; the
Coterminosity CSV holds exactly the engine's table for the chosen settings; bad links, empty
selections and incomparable tiers give a message on the page, never a traceback; names with HTML
special characters are shown as text.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from ics_maps.analysis import breakdowns, filters, summaries
from ics_maps.analysis.nesting import coterminosity, split_units, with_ods_codes
from ics_maps.app import caches, widgets
from ics_maps.presentation.export import safe_csv

APP = str(Path(__file__).resolve().parents[2] / "ics_maps" / "app" / "navigation.py")
TIMEOUT = 120
PAGES = (
    "overview",
    "system",
    "place",
    "pcn",
    "coterminosity",
    "changes",
    "your_boundaries",
    "about",
)
LONDON, NORTH_WEST = "E40000003", "E40000010"
GREATER_MANCHESTER = "E54000057"


@pytest.fixture(scope="module")
def atlas(atlas_2026):
    return atlas_2026


def open_page(page: str, params: dict | None = None, then: dict | None = None) -> AppTest:
    """Run the app on ``page`` as if opened from a link with ``params``; ``then``: params set before
    a further run (as if the URL were edited in the same session).

    AppTest always starts on the default page: the filters go into the first run, the page's own
    parameters into the first run of ``page`` (as a link to that page would deliver them).
    """
    params = dict(params or {})
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    first = (
        params
        if page == "overview"
        else {k: v for k, v in params.items() if k in ("vintage", "region", "wave")}
    )
    at.query_params.update(first)
    at.run()
    if page != "overview":
        at.switch_page(f"../../pages/{page}.py")
        at.query_params.update({k: v for k, v in params.items() if k not in first})
        at.run()
    if then:
        at.query_params.update(then)
        at.run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def number(text: str) -> int:
    return int(str(text).replace(",", ""))


@pytest.fixture()
def downloads(monkeypatch):
    """What each st.download_button would hand the user, by file id: bytes given to it, or the
    callable of a deferred download (run when read, as a click would run it)."""
    store: dict[str, object] = {}
    real = MemoryMediaFileStorage.load_and_get_id
    real_deferred = MediaFileManager.add_deferred

    def spy(self, path_or_data, mimetype, kind, filename=None):
        fid = real(self, path_or_data, mimetype, kind, filename)
        store[fid] = (
            path_or_data if isinstance(path_or_data, bytes) else Path(path_or_data).read_bytes()
        )
        return fid

    def spy_deferred(self, data_callable, *args, **kwargs):
        fid = real_deferred(self, data_callable, *args, **kwargs)
        store[fid] = data_callable
        return fid

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return store


def _file(store: dict[str, object], proto) -> bytes:
    if proto.deferred_file_id:
        data = store[proto.deferred_file_id]()
        return data.encode("utf-8") if isinstance(data, str) else data
    return store[proto.url.rsplit("/", 1)[-1].split(".")[0]]


def downloaded(at: AppTest, store: dict[str, object]) -> bytes:
    """The page's one CSV (a map's GeoJSON button may sit beside it)."""
    buttons = [b for b in at.get("download_button") if "CSV" in b.proto.label]
    assert len(buttons) == 1
    return _file(store, buttons[0].proto)


def cot(atlas, child, parent, weight="population", tolerance=0.0):
    """The engine's table as the dashboard shows it: with the ODS codes of NHS tiers."""
    return with_ods_codes(
        coterminosity(atlas, child, parent, weight, tolerance), atlas, child, parent
    )


# ---------------------------------------------------------------------------- every page renders


@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page, atlas):
    at = open_page(page)
    no_exception(at)
    assert at.title, "every page has a title"
    captions = texts(at, "caption")
    assert any(c.startswith("Vintage 2026 — April 2026") for c in captions), captions[:3]
    assert any("Open Government Licence v.3.0" in c and "Crown copyright" in c for c in captions)
    assert not at.warning and not at.error


@pytest.mark.parametrize(
    "page, key, tabs",
    [
        ("overview", "overview_tab", ["Designation waves", "ICBs table"]),
        ("system", "system_tab", ["Residents by place and PCN", "Coterminosity"]),
        ("place", "place_tab", ["Residents to systems", "Shares tables"]),
        ("pcn", "pcn_tab", ["List-size distribution"]),
    ],
)
def test_every_tab_renders(page, key, tabs):
    at = open_page(page, {"q": "eccles"} if page == "pcn" else None)
    for tab in tabs:
        at.session_state[key] = tab
        at.run()
        no_exception(at)
        assert at.get("plotly_chart") or at.dataframe, f"{page}: {tab} shows nothing"


# ---------------------------------------------------------------------------- coterminosity CSV


def test_coterminosity_csv_is_the_engine_table(atlas, downloads):
    at = open_page("coterminosity")
    no_exception(at)
    expected = cot(atlas, "lad", "icb")
    assert downloaded(at, downloads) == safe_csv(expected)
    assert "parent_ods" in expected and expected["parent_ods"].notna().sum() > 0
    shown = at.dataframe[0].value
    assert len(shown) == len(expected)


def test_a_huge_table_shows_its_first_rows_and_its_csv_holds_them_all(atlas, downloads):
    """LSOA × PCN is 238,823 rows: the screen gets the first widgets.SCREEN_ROWS with a caption
    saying so; the CSV is the whole engine table."""
    at = open_page("coterminosity", then={"child": "lsoa", "parent": "pcn"})
    no_exception(at)
    expected = cot(atlas, "lsoa", "pcn", "population", 0.05)
    assert len(expected) > widgets.SCREEN_ROWS
    assert downloaded(at, downloads) == safe_csv(expected)
    shown = at.dataframe[0].value
    assert len(shown) == widgets.SCREEN_ROWS
    assert list(shown["child_code"]) == list(expected["child_code"].head(widgets.SCREEN_ROWS))
    captions = " ".join(c.value for c in at.caption)
    assert f"Showing the first {widgets.SCREEN_ROWS:,} of {len(expected):,} rows" in captions
    assert "the CSV download holds them all" in captions


def test_coterminosity_csv_follows_settings_and_filters(atlas, downloads):
    at = open_page(
        "coterminosity",
        {"region": NORTH_WEST},
        then={"child": "pcn", "parent": "lad", "weight": "population", "tol": "5"},
    )
    no_exception(at)
    assert not at.warning
    view = filters.apply_filters(atlas, filters.Filters(regions=(NORTH_WEST,)))
    expected = filters.filter_table(cot(atlas, "pcn", "lad", "population", 0.05), view, "pcn")
    assert downloaded(at, downloads) == safe_csv(expected)
    assert set(expected["child_code"]) == set(
        atlas.tier("pcn").query("region == @NORTH_WEST")["code"]
    )
    # the split-only toggle narrows the table and the CSV alike
    at.toggle(key="cot_only_split").set_value(True).run()
    split = expected[expected["relationship"] == "split"].reset_index(drop=True)
    assert downloaded(at, downloads) == safe_csv(split)
    assert len(at.dataframe[0].value) == len(split) < len(expected)


def test_coterminosity_filters_change_figures():
    national = metrics(open_page("coterminosity"))
    london = metrics(open_page("coterminosity", {"region": LONDON}))
    assert national != london
    assert (
        number(london["Districts and unitaries"])
        < number(national["Districts and unitaries"])
        == 296
    )
    assert number(london["Split"]) < number(national["Split"])


def test_coterminosity_counts_systems_made_of_whole_councils(atlas):
    at = open_page("coterminosity", then={"child": "icb", "parent": "utla"})
    no_exception(at)
    got = metrics(at)
    kids = (
        coterminosity(atlas, "icb", "utla")
        .drop_duplicates("child_code")["relationship"]
        .value_counts()
    )
    assert number(got["Combines"]) == kids["combines"] == 26
    assert (
        number(got["Split"]) == kids["split"] == 7
        and number(got["Coterminous"]) == kids["coterminous"] == 3
    )


def test_coterminosity_same_tier_is_a_message():
    at = open_page("coterminosity", then={"child": "icb", "parent": "icb"})
    no_exception(at)
    assert any(
        "both ICSs" in e and "Choose two different tiers" in e and "'icb'" not in e
        for e in texts(at, "error")
    )
    assert not at.get("download_button")


def download_by_key(at: AppTest, store: dict[str, bytes], key: str) -> bytes:
    button = next(
        b for b in at.get("download_button") if b.proto.id.endswith(key) or key in b.proto.id
    )
    return _file(store, button.proto)


def test_every_table_has_a_safe_csv_download_of_what_it_shows(atlas, downloads):
    import io

    import pandas as pd

    # Overview: the ICS table, filtered to wave 1
    at = open_page("overview", {"wave": "1"})
    at.session_state["overview_tab"] = "ICBs table"
    at.run()
    no_exception(at)
    got = pd.read_csv(io.BytesIO(download_by_key(at, downloads, "dl_icb_summary")))
    shown = at.dataframe[0].value
    view = filters.apply_filters(atlas, filters.Filters(waves=(1,)))
    # the CSV has the README's summary columns (export summary --tier icb); the screen leads with
    # short names and residents and keeps the full name and both codes
    assert list(got.columns) == list(summaries.summary(atlas, "icb").columns)
    assert len(got) == len(shown) == len(view.icb_codes)
    assert list(shown.columns)[:2] == ["short", "residents"]
    assert {"name", "code", "ods_code"} <= set(shown.columns)
    assert set(shown["name"]) == set(got["name"])
    assert set(got["code"]) == set(view.icb_codes)
    assert (
        got["residents"].sum()
        == atlas.tier("icb").query("code in @view.icb_codes")["residents"].sum()
    )
    # System: each coterminosity table's CSV is the engine's rows for the system
    at = open_page("system", {"icb": GREATER_MANCHESTER})
    at.session_state["system_tab"] = "Coterminosity"
    at.run()
    no_exception(at)
    expected = breakdowns.children_of(cot(atlas, "lad", "icb"), GREATER_MANCHESTER)
    assert download_by_key(at, downloads, "dl_system_lad_icb") == safe_csv(expected)
    assert len(at.get("download_button")) == 4


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("page", PAGES)
def test_malformed_link_gives_warnings_not_tracebacks(page):
    at = open_page(
        "overview", {"vintage": "1999", "region": "<script>", "wave": "x,9", "bogus": "1"}
    )
    if page != "overview":
        at.switch_page(f"../../pages/{page}.py").run()
    no_exception(at)
    if page == "overview":
        warn = " ".join(texts(at, "warning"))
        for needle in (
            "Unknown vintage",
            "malformed NHS region",
            "waves are 1 to 6",
            "unknown link parameter",
        ):
            assert needle in warn
    assert at.query_params.get("vintage") is None and "bogus" not in at.query_params


@pytest.mark.parametrize("page", ["overview", "system", "place", "pcn", "coterminosity"])
def test_empty_selection_is_a_message(page):
    # No London ICS was designated in wave 6.
    at = open_page(page, {"region": LONDON, "wave": "6"})
    no_exception(at)
    assert any("No ICB matches the filters" in i for i in texts(at, "info"))


def test_coterminosity_link_keeps_what_the_page_shows(atlas):
    """The tolerance in the link is the percentage on the slider, and the split-only switch travels
    too."""
    at = open_page(
        "coterminosity", then={"child": "lad", "parent": "icb", "tol": "5", "split": "1"}
    )
    no_exception(at)
    assert at.slider(key="w_tol").value == 5.0 and at.toggle(key="cot_only_split").value
    expected = split_units(coterminosity(atlas, "lad", "icb", "population", 0.05)).reset_index(
        drop=True
    )
    assert (
        at.dataframe[0]
        .value[["child_code", "parent_code"]]
        .equals(expected[["child_code", "parent_code"]])
    )
    at.slider(key="w_tol").set_value(2.5).run()
    at.toggle(key="cot_only_split").set_value(False).run()
    assert at.query_params["tol"] == "2.5" and "split" not in at.query_params
    assert (
        metrics(at)["Districts and unitaries"] == "296"
    )  # labels keep their capitals (not "Icss", "Pcns")
    at = open_page("coterminosity", then={"child": "icb", "parent": "region"})
    assert "ICSs" in metrics(at)


def test_coterminosity_says_which_children_have_no_row(atlas):
    """71 practices are in no PCN; 11 PCNs are the main PCN of no LSOA, so they have no area to
    weight."""
    at = open_page("coterminosity", then={"child": "practice", "parent": "pcn"})
    unaligned = int((atlas.practices["pcn"] == "U").sum())
    assert unaligned == 71
    assert any(
        f"{unaligned} of the {len(atlas.practices):,} GP practices" in c
        for c in texts(at, "caption")
    )
    assert not any(
        "fractional" in i for i in texts(at, "info")
    )  # a practice is in one PCN: no fractional shares
    at = open_page("coterminosity", then={"child": "lad", "parent": "icb", "weight": "area"})
    # generalisation slivers are named as such, with the count they explain (checked on the engine's
    # table)
    from ics_maps.analysis.nesting import coterminosity, outside_main_parent

    area = coterminosity(atlas, "lad", "icb", weight="area")
    outside = outside_main_parent(area[area["relationship"] == "split"])
    assert (
        len(outside) == 203 and (outside < 0.01).sum() == 147
    )  # 56 of 296 districts split by > 1 % of area
    stay = coterminosity(atlas, "lad", "icb", weight="area", tolerance=0.01).query(
        "relationship == 'split'"
    )
    assert stay["child_code"].nunique() == 56
    assert any(
        "At a 1% tolerance 147 of these 203 split districts and unitaries are no longer split and "
        "56 stay split" in i
        for i in texts(at, "info")
    ), texts(at, "info")
    # systems against councils: at 1% most split systems become "combines" (whole councils), not
    # nested, so the note counts what the engine says at that tolerance rather than children outside
    # their main parent
    at = open_page("coterminosity", then={"child": "icb", "parent": "utla", "weight": "area"})
    split0 = coterminosity(atlas, "icb", "utla", weight="area").query("relationship == 'split'")[
        "child_code"
    ]
    split1 = coterminosity(atlas, "icb", "utla", weight="area", tolerance=0.01).query(
        "relationship == 'split'"
    )
    n0, n1 = split0.nunique(), split1["child_code"].nunique()
    assert (n0, n1) == (36, 15)  # every system has a sliver of area in a neighbouring council at 0%
    assert any(
        f"At a 1% tolerance {n0 - n1} of these {n0} split ICSs are no longer split and {n1} stay "
        "split" in i
        for i in texts(at, "info")
    ), texts(at, "info")
    at = open_page("coterminosity", then={"child": "pcn", "parent": "lad", "weight": "area"})
    pcn = atlas.tier("pcn")
    no_footprint = int((pcn.geometry.isna() | pcn.geometry.is_empty).sum())
    assert any(
        f"{no_footprint} of the {len(pcn):,} PCNs" in c and "no drawn footprint" in c
        for c in texts(at, "caption")
    )
    assert at.dataframe[0].value["child_code"].nunique() == len(pcn) - no_footprint


@pytest.mark.parametrize(
    "page, params, needle",
    [
        ("coterminosity", {"child": "nonsense"}, "Unknown child tier"),
        ("coterminosity", {"tol": "NaN"}, "Ignored tolerance"),
        ("coterminosity", {"weight": "<b>bold</b>"}, "Unknown weighting"),
        (
            "coterminosity",
            {"split": "banana"},
            "Ignored split-only switch “banana” in the link: expected 1 (on) or 0",
        ),
    ],
)
def test_bad_page_params(page, params, needle):
    at = open_page(page, then=params)
    no_exception(at)
    assert any(needle in w for w in texts(at, "warning")), texts(at, "warning")


# ---------------------------------------------------------------------------- filters change every
# page


def test_overview_colours_systems_by_council_lines(atlas):
    at = open_page("overview", {"color": "councils"})
    no_exception(at)
    assert not at.warning
    (map_html,) = [str(c.proto) for c in at.get("component_instance")]
    kids = (
        coterminosity(atlas, "icb", "utla")
        .drop_duplicates("child_code")["relationship"]
        .value_counts()
    )
    assert f"whole councils only ({kids['combines']})" in map_html and kids["combines"] == 26
    assert (
        f"shares a council with another system ({kids['split']})" in map_html and kids["split"] == 7
    )
    assert "Against county and unitary councils" not in str(
        open_page("overview").get("component_instance")[0].proto
    )


def test_overview_headline_follows_filters(atlas):
    national = metrics(open_page("overview"))
    assert number(national["ICBs"]) == 36 and number(national["Residents"]) == 56_490_091
    london = metrics(open_page("overview", {"region": LONDON}))
    view = filters.apply_filters(atlas, filters.Filters(regions=(LONDON,)))
    assert number(london["ICBs"]) == len(view.icb_codes) == 4
    assert number(london["Residents"]) == int(view.tier("icb")["residents"].sum())
    at = open_page("overview", {"wave": "1"})
    wave1 = metrics(at)
    assert number(wave1["ICBs"]) == int((atlas.tier("icb")["wave"] == 1).sum()) == 6
    # the merged systems with a wave-1 minority are named in the sidebar, not silently dropped
    assert any(
        c.startswith(
            "Also partly in this wave, but not shown: Surrey and Sussex (41%); Central East (32%); "
            "Hampshire and Isle of Wight (9%)."
        )
        for c in texts(at.sidebar, "caption")
    ), texts(at.sidebar, "caption")
    both = metrics(open_page("overview", {"region": NORTH_WEST, "wave": "1"}))
    assert number(both["ICBs"]) == 2  # Lancashire and South Cumbria, Greater Manchester
    # the systems table (second tab) lists exactly the systems in view; the waves tab draws its
    # chart
    at = open_page("overview", {"region": LONDON})
    at.session_state["overview_tab"] = "ICBs table"
    at.run()
    no_exception(at)
    assert set(at.dataframe[0].value["code"]) == set(view.icb_codes)
    at.session_state["overview_tab"] = "Designation waves"
    at.run()
    no_exception(at)
    assert at.get("plotly_chart") and not at.dataframe


def test_system_page_choices_and_figures_follow_filters(atlas):
    at = open_page("system", {"region": NORTH_WEST})
    box = at.selectbox(key="w_icb")
    nw = set(atlas.tier("icb").query("region == @NORTH_WEST")["code"])
    assert set(box.options) == set(atlas.tier("icb").set_index("code").loc[sorted(nw), "name"])
    at.selectbox(key="w_icb").set_value(GREATER_MANCHESTER).run()
    no_exception(at)
    assert at.query_params["icb"] == GREATER_MANCHESTER and at.query_params["region"] == NORTH_WEST
    gm = metrics(at)
    row = atlas.tier("icb").set_index("code").loc[GREATER_MANCHESTER]
    assert number(gm["Residents"]) == int(row["residents"])
    assert number(gm["PCNs"]) == int((atlas.tier("pcn")["icb"] == GREATER_MANCHESTER).sum())
    assert any("Greater Manchester" in m for m in texts(at, "subheader"))
    assert "**Follows council lines:** made of 10 whole counties and unitaries" in " ".join(
        texts(at, "markdown")
    )
    at = open_page(
        "system", {"icb": "E54000051"}
    )  # Humber and North Yorkshire shares North Yorkshire
    ny = (
        coterminosity(atlas, "utla", "icb")
        .query("child_name == 'North Yorkshire'")
        .set_index("parent_code")
    )
    here, west = ny.loc["E54000051", "overlap_residents"], ny.loc["E54000054", "overlap_residents"]
    assert any(
        m.startswith(
            f"**Shares 1 council with other systems.** North Yorkshire: {here:,.0f} of the "
            "council's "
            f"{ny['child_residents'].iloc[0]:,.0f} residents (90.8%) live in this system, "
            f"{west:,.0f} "
            "(8.3%) in West Yorkshire and "
        )
        for m in texts(at, "markdown")
    ), texts(at, "markdown")


def test_system_from_link_and_stale_code(atlas):
    at = open_page("system", {"icb": "QOP"})  # the ODS code of Greater Manchester works too
    no_exception(at)
    assert at.selectbox(key="w_icb").value == GREATER_MANCHESTER
    at = open_page(
        "system", {"icb": "E54000008", "region": LONDON}
    )  # Cheshire & Merseyside is not in London
    no_exception(at)
    assert any("No ICB with code" in w for w in texts(at, "warning"))
    assert (
        at.selectbox(key="w_icb").value
        in filters.apply_filters(atlas, filters.Filters(regions=(LONDON,))).icb_codes
    )


def test_system_follows_its_people_when_the_vintage_changes(atlas, atlas_2024):
    """Thames Valley (2026) does not exist in 2024: the page shows the 2024 ICB holding most of its
    residents, and says so; a system that exists in both vintages stays chosen."""
    at = open_page("system", {"icb": "E54000070"})
    at.selectbox(key="w_vintage").set_value("2024").run()
    no_exception(at)
    tv = atlas.lsoa.loc[atlas.lsoa["icb"] == "E54000070", ["code", "residents"]]
    in_2024 = (
        tv.merge(atlas_2024.lsoa[["code", "icb"]], on="code").groupby("icb")["residents"].sum()
    )
    assert at.selectbox(key="w_icb").value == in_2024.idxmax() == "E54000044"  # BOB
    assert at.query_params["icb"] == "E54000044" and at.query_params["vintage"] == "2024"
    assert any(
        "Thames Valley" in i and f"{in_2024.max() / in_2024.sum():.0%}" in i
        for i in texts(at, "info")
    )
    at.selectbox(key="w_icb").set_value(GREATER_MANCHESTER).run()
    at.selectbox(key="w_vintage").set_value("2026").run()
    assert at.selectbox(key="w_icb").value == GREATER_MANCHESTER and not texts(at, "info")


def test_place_page_follows_filters(atlas):
    national = open_page("place")
    london = open_page("place", {"region": LONDON})
    n_all = len(national.selectbox(key="w_place").options)
    n_london = len(london.selectbox(key="w_place").options)
    assert n_all == 153 and n_london == 33
    at = open_page(
        "place", then={"place": "E10000025"}
    )  # Oxfordshire: Vale of White Horse edge in BSW
    no_exception(at)
    m = metrics(at)
    assert number(m["ICBs serving"]) == 2
    assert number(m["Residents"]) == int(
        atlas.tier("utla").set_index("code").loc["E10000025", "residents"]
    )
    assert "Thames Valley" in " ".join(texts(at, "markdown"))  # "Served by: …" with shares
    at.session_state["place_tab"] = "Shares tables"
    at.run()
    assert at.dataframe[0].value["parent_code"].nunique() == 2
    pcns = at.dataframe[
        2
    ].value  # the PCN tab: every PCN with any share, and a note on the long tail
    tail = pcns[pcns["share_of_child"] < 1.0]  # the table shows shares as percentages
    assert len(tail) > 0 and any(
        f"{len(tail)} of these {len(pcns)} PCNs hold under 1%" in c for c in texts(at, "caption")
    )


def test_place_stays_put_when_the_council_tier_changes(atlas):
    at = open_page("place", then={"place": "E10000016"})  # Kent (county)
    at.radio(key="w_la").set_value("lad").run()
    no_exception(at)
    lad = atlas.tier("lad")
    kent = lad[lad["utla"] == "E10000016"]
    assert (
        at.selectbox(key="w_place").value == kent.loc[kent["residents"].idxmax(), "code"]
    )  # not Adur
    at.selectbox(key="w_place").set_value("E07000110").run()  # Maidstone
    at.radio(key="w_la").set_value("utla").run()
    assert at.selectbox(key="w_place").value == "E10000016"


def test_pcn_search_follows_filters(atlas):
    at = open_page("pcn", {"q": "central"})
    n_all = len(at.selectbox(key="w_pcn").options)
    at = open_page("pcn", {"q": "central", "region": LONDON})
    london = {o.rsplit("(", 1)[-1].rstrip(")") for o in at.selectbox(key="w_pcn").options}
    assert 0 < len(london) < n_all
    assert london <= set(atlas.tier("pcn").query("region == @LONDON")["code"])
    at = open_page("pcn", {"q": "eccles"})
    no_exception(at)
    assert at.selectbox(key="w_pcn").value == "U00203"
    m = metrics(at)
    assert number(m["Member practices"]) == int(
        atlas.tier("pcn").set_index("code").loc["U00203", "n_practices"]
    )
    assert any("indicative" in i for i in texts(at, "info"))
    assert len(at.selectbox(key="w_pcn").options) <= 50  # a search, never a 1,300-item dropdown


def test_pcn_without_footprint_says_so(atlas):
    pcn = atlas.tier("pcn")
    empty = pcn[pcn.geometry.isna() | pcn.geometry.is_empty]
    code = empty["code"].iloc[0]
    at = open_page("pcn", {"pcn": code})
    no_exception(at)
    captions = " ".join(texts(at, "caption"))
    assert "has no drawn footprint" in captions and "Heavy outline" not in captions
    assert "Heavy outline" in " ".join(texts(open_page("pcn", {"pcn": "U00203"}), "caption"))


def test_pcn_search_without_match_is_a_message():
    at = open_page("pcn", {"q": "no such network <b>"})
    no_exception(at)
    info = " ".join(texts(at, "info"))
    assert "No PCN in view matches" in info and "&lt;b&gt;" in info
    # a new search with no match no longer shows the PCN found before
    at = open_page("pcn", {"q": "eccles"})
    assert at.selectbox(key="w_pcn").value == "U00203"
    at.text_input(key="w_q").set_value("no such network").run()
    no_exception(at)
    assert "No PCN in view matches" in " ".join(texts(at, "info"))
    assert [b.key for b in at.selectbox] == ["w_vintage"] and "pcn" not in at.query_params
    assert not any("ECCLES" in h for h in texts(at, "subheader"))


def test_about_follows_the_vintage_and_filters(atlas, atlas_2024):
    assert metrics(open_page("about"))["ICBs"] == "36"
    at = open_page("about", {"vintage": "2024"})
    no_exception(at)
    assert metrics(at)["ICBs"] == "42"
    assert any("Open Government Licence" in m for m in texts(at, "markdown"))
    shown = texts(at, "markdown")
    # the build report reads as prose: "ONS's" (not a raw "&#x27;"), labels (not keys), a readable
    # date
    assert any("ONS's best-fit ward" in m for m in shown), [m for m in shown if "ward" in m]
    assert not any("&#x27;" in m or "&\\#" in m or "lad_lsoa" in m for m in shown)
    assert any("*LSOA districts*" in m for m in shown)
    assert any(re.search(r"Atlas built \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d;", m) for m in shown)
    at = open_page("about", {"region": LONDON})
    london = filters.apply_filters(atlas, filters.Filters(regions=(LONDON,)))
    assert any(
        f"{len(london.icb_codes)} ICBs, {len(london.tier('pcn')):,} PCNs" in c
        for c in texts(at, "caption")
    )


def test_first_build_shows_progress(atlas, monkeypatch):
    """With no atlas on disk the app builds one, reporting each step on a progress bar, then loads
    it."""
    import ics_maps.atlas as atlas_package

    steps = []

    def fake_build(vintage, progress=None, root=None):
        if progress is not None:  # the build the page drives: report like the real one does
            for msg, frac in (
                ("Reading LSOA 2021 boundaries", 0.02),
                ("PCN catchments", 0.65),
                ("Atlas built", 1),
            ):
                progress(msg, frac)
                steps.append(msg)
        return atlas

    monkeypatch.setattr(atlas_package, "ensure_atlas", fake_build)
    monkeypatch.setattr(atlas_package, "is_current", lambda vintage: bool(steps))
    caches._loaded.clear()
    try:
        at = open_page("overview")
        no_exception(at)
        assert steps == ["Reading LSOA 2021 boundaries", "PCN catchments", "Atlas built"]
        assert metrics(at)["ICBs"] == "36"
    finally:
        caches._loaded.clear()


def test_vintage_switch(atlas_2024):
    at = open_page("overview", {"vintage": "2024"})
    no_exception(at)
    assert number(metrics(at)["ICBs"]) == 42
    assert any(c.startswith("Vintage 2024") for c in texts(at, "caption"))
    at.selectbox(key="w_vintage").set_value("2026").run()
    no_exception(at)
    assert number(metrics(at)["ICBs"]) == 36 and "vintage" not in at.query_params


def test_filter_widgets_write_the_link(atlas):
    at = open_page("overview")
    at.multiselect(key="w_region").set_value([LONDON, NORTH_WEST]).run()
    at.multiselect(key="w_wave").set_value([1, 5]).run()
    no_exception(at)
    assert (
        at.query_params["region"] == f"{LONDON},{NORTH_WEST}" and at.query_params["wave"] == "1,5"
    )
    expected = filters.apply_filters(
        atlas, filters.Filters(regions=(LONDON, NORTH_WEST), waves=(1, 5))
    ).icb_codes
    assert (
        number(metrics(at)["ICBs"]) == len(expected) == 4
    )  # GM, Lancs & S Cumbria; NE London, W & N London
    # the filters travel with the session to another page
    at.switch_page("../../pages/coterminosity.py").run()
    assert at.query_params["region"] == f"{LONDON},{NORTH_WEST}"


# ---------------------------------------------------------------------------- names are text, not
# HTML


@pytest.fixture()
def hostile_names(atlas, monkeypatch):
    """The 2026 atlas with HTML in an ICS's and a PCN's name, served by the app for one test."""
    import ics_maps.atlas as atlas_package

    # a fresh Atlas (no stored display layers): the maps are then made from the hostile names
    evil = dataclasses.replace(atlas, tiers=dict(atlas.tiers), web={})
    icb = atlas.tiers["icb"].copy()
    icb.loc[icb["code"] == GREATER_MANCHESTER, "name"] = (
        "<script>alert(1)</script> & <b>Manchester</b>"
    )
    pcn = atlas.tiers["pcn"].copy()
    pcn.loc[pcn["code"] == "U00203", "name"] = "<img src=x onerror=alert(1)> ECCLES"
    evil.tiers["icb"], evil.tiers["pcn"] = icb, pcn
    monkeypatch.setattr(atlas_package, "ensure_atlas", lambda *a, **k: evil)
    for fn in (
        caches._loaded,
        caches.coterminosity_table,
        caches.summary_table,
        caches.pcn_la_table,
    ):
        fn.clear()
    yield evil
    for fn in (
        caches._loaded,
        caches.coterminosity_table,
        caches.summary_table,
        caches.pcn_la_table,
    ):
        fn.clear()


def test_html_in_names_is_shown_as_text(hostile_names):
    at = open_page("system", {"icb": GREATER_MANCHESTER})
    no_exception(at)
    heads = texts(at, "subheader")
    assert any(
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Manchester&lt;/b&gt;" in h
        for h in heads
    ), heads
    assert not any(
        "<script>" in m or "<b>" in m for m in texts(at, "markdown") + heads + texts(at, "caption")
    )
    at = open_page("pcn", {"q": "eccles"})
    no_exception(at)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in h for h in texts(at, "subheader"))
    assert not any(
        "<img" in m for m in texts(at, "markdown") + texts(at, "subheader") + texts(at, "caption")
    )


def test_tables_round_counts_and_show_shares_as_percentages():
    """A PCN's 68,846.7 attributed residents read 68,847 in every table, as in the page's
    figures."""
    import pandas as pd

    df = pd.DataFrame(
        {
            "residents": [68_846.7, 10.2],
            "share": [0.5, 0.25],
            "name": ["a", "b"],
            "ods": ["QYG", None],
        }
    )
    shown = widgets.for_display(
        df, {"residents": widgets.number("Residents"), "share": widgets.percent("Share")}
    )
    assert shown["residents"].tolist() == [68_847, 10] and shown["share"].tolist() == [
        50.0,
        25.0,
    ]  # as "50.0%"
    assert (
        shown["ods"].tolist() == ["QYG", "–"] and df["ods"].isna().sum() == 1
    )  # a dash on screen, empty in CSV
    assert df["residents"].tolist() == [68_846.7, 10.2]


def test_pcn_search_says_why_a_pcn_matched(atlas):
    """PCNs found through a member practice say which one in the list; those matched by name do
    not."""
    at = open_page("pcn", {"q": "eccles"})
    no_exception(at)
    options = at.selectbox(key="w_pcn").options
    assert options[0] == "ECCLES & IRLAM PCN (U00203)"  # its own name: no reason shown
    via = [o for o in options if " — practice " in o]
    assert via and all(
        "ECCLES" in o.split(" — ", 1)[1].upper() and re.search(r" \(U\d+\)$", o) for o in via
    ), options
    assert "practice postcode such as M30 8AR" in at.text_input(key="w_q").placeholder
    at = open_page("pcn", {"q": "monton"})
    assert (
        at.selectbox(key="w_pcn").options[0]
        == "ECCLES & IRLAM PCN — practice P87620: 1/MONTON MEDICAL PRACTICE (U00203)"
    )  # not EDMONTON PCN
    assert at.selectbox(key="w_pcn").value == "U00203"


def test_pcn_patients_by_district_carry_codes_and_add_up(atlas):
    from ics_maps.analysis.summaries import pcn_la_shares

    at = open_page("pcn", {"pcn": "U00203"})
    no_exception(at)
    table = next(
        d.value
        for d in at.dataframe
        if "Share of patients" in d.value.columns or "share" in d.value.columns
    )
    expected = pcn_la_shares(atlas).query("pcn == 'U00203'")
    assert list(table["la"]) == list(expected["la"]) and set(table["la"]) >= {
        "E08000006"
    }  # Salford
    placed, listed = (
        expected["patients"].sum(),
        atlas.tier("pcn").set_index("code").loc["U00203", "list_size"],
    )
    assert f"These rows hold {placed:,.0f} of its {listed:,.0f} registered patients" in " ".join(
        texts(at, "caption")
    )


# ---------------------------------------------------------------------------- issue 15


def test_pcn_pairs_open_at_five_percent_and_say_why(atlas):
    at = open_page("coterminosity", then={"child": "pcn", "parent": "lad"})
    no_exception(at)
    assert at.slider(key="w_tol").value == 5.0 and "tol" not in at.query_params
    strict = coterminosity(atlas, "pcn", "lad", "population", 0.0).drop_duplicates("child_code")
    at5 = coterminosity(atlas, "pcn", "lad", "population", 0.05).drop_duplicates("child_code")
    n0, n5 = (int((t["relationship"] == "split").sum()) for t in (strict, at5))
    note = next(i for i in texts(at, "info") if "PCN shares are fractional" in i)
    assert f"At 0% tolerance {n0:,} of these {len(strict):,} PCNs count as split" in note
    assert f"at 5% {n5:,} do" in note and n5 < n0
    assert metrics(at)["Split"] == f"{n5:,}"
    at.slider(key="w_tol").set_value(0.0).run()  # 0 is no longer the default: it is written
    assert at.query_params["tol"] == "0"
    lad = open_page("coterminosity", then={"child": "lad", "parent": "icb"})
    assert lad.slider(key="w_tol").value == 0.0  # other pairs still open at 0


def test_wave_filter_by_any_part_keeps_merged_systems(atlas):
    """Central East (April 2026) merged Bedfordshire, Luton and Milton Keynes (wave 1) with two
    systems of waves 4 and 6: by most of its residents it is wave 4, by any part wave 1 too."""
    central_east = (
        atlas.tier("icb").set_index("name").loc["NHS Central East Integrated Care Board", "code"]
    )
    mostly = open_page("system", {"wave": "1"})
    names = atlas.tier("icb").set_index("code")["name"]
    at = open_page("system", {"wave": "1", "wave_match": "any"})
    no_exception(at)
    system = next(s for s in at.selectbox if s.label.startswith("Integrated care system"))
    assert names[central_east] in system.options
    before = next(s for s in mostly.selectbox if s.label.startswith("Integrated care system"))
    assert names[central_east] not in before.options
    assert any(
        "Central East" in c and "any of its residents" in c for c in texts(mostly, "caption")
    )


def test_not_found_page_links_every_page():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("../../pages/not_found.py")
    at.query_params["path"] = "/system/<b>extra</b>/path"
    at.run()
    no_exception(at)
    said = texts(at, "warning")[0]
    assert "There is no page at" in said and "&lt;b&gt;extra" in said and "<b>" not in said
    assert at.title[0].value == "Page not found"
