"""The Your boundaries page's logic without Streamlit: reading an upload into the session (once per
file and choice, never raising), the per-layer table cache, and the page's sentences."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from layer_files import HALVES, geojson, km_box, layer
from toy_atlas import toy_atlas

from ics_maps.app import own_session, prose_own
from ics_maps.app.own_session import SESSION_KEY, cached, load, read_own_layer


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


@dataclass
class Upload:
    """What st.file_uploader hands the page."""

    name: str
    data: bytes
    file_id: str = "f1"

    def getvalue(self) -> bytes:
        return self.data


def test_read_gives_a_layer_or_a_message_never_an_exception(atlas, monkeypatch):
    good, error, columns = read_own_layer(geojson(layer(HALVES)), "h.geojson", atlas, None, None)
    assert error is None and list(good.units["code"]) == ["A", "B"] and columns == ("code", "name")
    dup = layer([("A", "one", km_box(0, 0, 1, 1)), ("A", "two", km_box(1, 0, 2, 1))])
    none, error, columns = read_own_layer(geojson(dup), "dup.geojson", atlas, "code", None)
    assert none is None and "duplicate codes" in error
    assert columns == ("code", "name")  # offered again, so the user can pick another column
    _, error, columns = read_own_layer(b"<html/>", "x.geojson", atlas, None, None)
    assert "could not be read as GeoJSON" in error and columns == ()

    def boom(*a, **k):
        raise RuntimeError("GEOS went sideways")

    monkeypatch.setattr(own_session, "read_layer", boom)
    _, error, _ = read_own_layer(b"{}", "odd.geojson", atlas, None, None)
    assert error == "odd.geojson could not be read as a boundary layer (RuntimeError)."


def test_the_session_reads_once_per_file_vintage_and_choice(atlas, monkeypatch):
    calls = []
    real = own_session.read_own_layer
    monkeypatch.setattr(own_session, "read_own_layer", lambda *a: calls.append(a[1:]) or real(*a))
    session: dict = {}
    up = Upload("h.geojson", geojson(layer(HALVES)))
    first = load(session, up, atlas, "toy")
    assert load(session, up, atlas, "toy") is first and len(calls) == 1
    by_name = load(session, up, atlas, "toy", "name", None)
    assert len(calls) == 2 and list(by_name.layer.units["code"]) == ["West half", "East part"]
    failed = load(session, up, atlas, "toy", "nope", None)
    assert failed.layer is None and "no column 'nope'" in failed.error
    assert failed.columns == ("code", "name")
    assert load(session, None, atlas, "toy") is None and SESSION_KEY not in session
    other = load(session, Upload("h.geojson", up.data, file_id="f2"), atlas, "toy")
    assert other is not first and len(calls) == 4


def test_tables_are_cached_in_the_layer_and_bounded(atlas, monkeypatch):
    lay, _, _ = read_own_layer(geojson(layer(HALVES)), "h.geojson", atlas, None, None)
    made = []
    assert cached(lay, "t", lambda: made.append(1) or 1, "lad") == 1
    assert cached(lay, "t", lambda: made.append(1) or 2, "lad") == 1 and made == [1]
    monkeypatch.setattr(own_session, "MAX_CACHED_TABLES", 3)
    for i in range(10):
        cached(lay, "t", lambda i=i: i, i)
    assert sum(1 for k in lay.cache if k[0] == "table") == 3


def test_sentences():
    md = prose_own.notes_markdown(["code column guessed: 'a_b' <b>", "*x*"])
    assert md == "- Code column guessed: 'a\\_b' &lt;b&gt;\n- \\*x\\*"
    assert prose_own.layer_headline(1, 1234.4, 2.25, "lsoas") == (
        "1 unit covering 2.2 km² and 1,234 residents (Census 2021), made of whole LSOAs, so "
        "residents are exact sums."
    )
    assert "allowing" not in prose_own.cut_pcns_sentence(pd.DataFrame(columns=["pcn_code"]), 0)
    cut = pd.DataFrame(
        {"pcn_code": ["P2", "P2", "P1"], "pcn_name": ["<i>Two</i>", None, "One"]}
    ).assign(main_share=[0.625, 0.625, 0.85])
    s = prose_own.cut_pcns_sentence(cut, 0.0)
    assert s.startswith("2 PCNs are cut") and "&lt;i&gt;Two&lt;/i&gt;, with 62.5%" in s
    cap = prose_own.relationship_caption(1, "ICSs", "area", 0.05)
    assert cap.startswith("Your 1 unit against the ICSs, by area") and "at most 5.0% of its" in cap
    assert prose_own.in_sentence("District or unitary") == "district or unitary"
    assert prose_own.in_sentence("ICS") == "ICS" and prose_own.in_sentence("PCN") == "PCN"
    assert prose_own.file_stem("my.units.geojson") == "my.units"
    assert not prose_own.changed_something(["code column guessed: 'code'", "no CRS declared: …"])
    assert prose_own.changed_something(["1 invalid polygon(s) repaired with make_valid (…)"])
    assert prose_own.changed_something(["0.50% of the layer's area … was clipped off, from …"])
