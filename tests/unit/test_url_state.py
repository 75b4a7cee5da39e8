"""URL state without a browser: the Param registry against a fake query string and session.

A fake ``query_params`` records every write, as the browser's history would: the app must change
the link at most once per run, keep a shared link's values, remember values across page switches,
and drop what it does not understand with a warning.
"""

from __future__ import annotations

import pytest

from ics_maps.app import params
from ics_maps.app.url_state import Param, UrlState


class FakeQueryParams:
    """The parts of ``st.query_params`` the app uses; ``history`` counts URL changes."""

    def __init__(self, **initial: str):
        self.data = {k: [v] for k, v in initial.items()}
        self.history: list[dict[str, str]] = []

    def keys(self):
        return list(self.data)

    def get_all(self, key: str) -> list[str]:
        return list(self.data.get(key, []))

    def from_dict(self, d: dict[str, str]) -> None:
        self.data = {k: [v] for k, v in d.items()}
        self.history.append(dict(d))


def fake_widget(calls: list):
    """A widget that returns the value the session holds for its key (as Streamlit does)."""

    def widget(label, options=None, *, key, on_change, args, session, **kwargs):
        calls.append({"label": label, "options": options, "key": key, **kwargs})
        return session[key]

    return widget


@pytest.fixture()
def url():
    return UrlState(FakeQueryParams(), {})


def run_widget(param: Param, url: UrlState, *args, **kwargs):
    calls: list = []
    widget = fake_widget(calls)
    value = param.widget(
        lambda *a, **k: widget(*a, session=url.session, **k), *args, url=url, **kwargs
    )
    return value, calls


def test_a_link_value_wins_and_a_bad_one_warns(url):
    url.query_params = FakeQueryParams(child="pcn", parent="nonsense")
    warnings: list[str] = []
    url.start_run()
    assert params.CHILD.value(warnings, url) == "pcn"
    assert params.PARENT.value(warnings, url) == "icb"  # the default
    assert warnings == [
        "Unknown parent tier “nonsense” in the link: showing icb "
        f"(choose from {', '.join(params.PARENT_TIERS)})."
    ]


def test_widget_keeps_its_own_signature_and_writes_the_link_once(url):
    url.start_run()
    value, calls = run_widget(
        params.WEIGHT, url, "Weighting", params.WEIGHTS, horizontal=True, help="h"
    )
    assert value == "population"
    assert calls == [
        {
            "label": "Weighting",
            "options": params.WEIGHTS,
            "key": "w_weight",
            "horizontal": True,
            "help": "h",
        }
    ]
    url.session["w_tol"] = None
    pct = params.TOLERANCE.parse("5")[0]
    url.remember(tol=params.TOLERANCE.to_text(pct))
    run_widget(params.TOLERANCE, url, "Tolerance (%)")
    assert url.query_params.history == []  # nothing is written before the run ends
    url.flush()
    # the default weighting is left out; the tolerance is written; one history entry for the run
    assert url.query_params.history == [{"tol": "5"}]


def test_user_change_is_remembered_across_a_page_switch(url):
    url.start_run()
    run_widget(params.CHILD, url, "Child tier", params.CHILD_TIERS)
    url.session["w_child"] = "utla"  # the user picks another tier
    params.CHILD._changed(url, "w_child")
    url.flush()
    # another page: its widgets are recreated empty, and the link lost the page's parameters
    url.query_params = FakeQueryParams()
    url.session.pop("w_child")
    url.start_run()
    value, _ = run_widget(params.CHILD, url, "Child tier", params.CHILD_TIERS)
    assert value == "utla"


def test_other_pages_parameters_and_unknown_keys_are_dropped(url):
    url.query_params = FakeQueryParams(vintage="2024", icb="E54000057", banana="1")
    url.start_run()
    warnings = url.unknown(params.KNOWN_KEYS, params.unknown_key_warning)
    assert warnings == [
        "Ignored unknown link parameter “banana” (the app understands: "
        + ", ".join(params.KNOWN_KEYS)
        + ")."
    ]
    assert url.unknown(params.KNOWN_KEYS, params.unknown_key_warning) == []  # once per session
    url.drop_unused(params.FILTER_KEYS)  # this page used no "icb"
    url.flush()
    assert url.query_params.history == [{"vintage": "2024"}]


def test_among_accepts_aliases_and_falls_back_with_a_warning(url):
    codes = ["E54000057", "E54000048"]
    icb = params.among(params.ICB, codes, "ICB", aliases={"QOP": "E54000057"})
    assert icb.parse("qop") == ("E54000057", None)
    assert icb.parse(None) == ("E54000057", None)
    value, warning = icb.parse("E54000099")
    assert value == "E54000057" and "No ICB with code “E54000099”" in warning
    value, warning = icb.parse("<script>")
    assert value == "E54000057" and "malformed ICB code" in warning


def test_link_carries_the_filters_and_the_new_page_parameters(url):
    url.remember(vintage="2024", region="E40000003", icb="E54000057")
    assert url.link(params.FILTER_KEYS, place="E06000001", la="lad") == {
        "vintage": "2024",
        "region": "E40000003",
        "place": "E06000001",
        "la": "lad",
    }


def test_registry_keys_are_unique_and_known():
    keys = [p.key for p in params.FILTERS + params.PAGE_PARAMS]
    assert len(keys) == len(set(keys)) and tuple(keys) == params.KNOWN_KEYS


def test_pcn_pairs_open_at_five_percent():
    """The tolerance's default follows the pair: 5% for PCN footprints, 0 otherwise; each pair's
    default is left out of the link and any other value written."""
    from ics_maps.tiers import default_tolerance

    assert default_tolerance("pcn", "lad") == default_tolerance("lad", "pcn") == 0.05
    assert default_tolerance("practice", "pcn") == 0.0  # membership is exact
    assert default_tolerance("lad", "icb") == 0.0
    pcn = params.tolerance_for("pcn", "icb")
    assert pcn.parse(None) == (5.0, None) and pcn.to_text(5.0) is None
    assert pcn.to_text(0.0) == "0" and pcn.parse("0") == (0.0, None)
    lad = params.tolerance_for("lad", "icb")
    assert lad.parse(None) == (0.0, None) and lad.to_text(0.0) is None and lad.to_text(5) == "5"
    assert pcn.key == lad.key == params.TOLERANCE.key
