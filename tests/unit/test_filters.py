"""Filters and page parameters (pure, no Streamlit): parsing untrusted URL text and narrowing
tiers."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from toy_atlas import toy_atlas

from ics_maps.analysis import filters, search
from ics_maps.analysis.nesting import coterminosity
from ics_maps.app import params as link_params
from ics_maps.sources import DEFAULT_VINTAGE


@pytest.fixture(scope="module")
def toy():
    a = toy_atlas()
    # a second region so that region filters have something to separate
    a.tiers["icb"].loc[a.tiers["icb"]["code"] == "I2", "region"] = "R2"
    reg = a.tiers["region"]
    a.tiers["region"] = pd.concat(
        [reg, reg.assign(code="R2", name="Name <R2> & Co", ods_code="Y99")], ignore_index=True
    ).pipe(lambda d: d.set_geometry("geometry"))
    return a


# ---------------------------------------------------------------------------- parsing


def test_defaults_from_empty_params():
    f, warn = link_params.parse_filters({})
    assert f == filters.Filters(DEFAULT_VINTAGE, (), ()) and not warn and not f.active
    assert f.to_params() == {}


def test_parse_round_trip():
    f, warn = link_params.parse_filters(
        {"vintage": "2024", "region": "e40000003, E40000007", "wave": ["2,1", "2"]}
    )
    assert not warn
    assert f == filters.Filters("2024", ("E40000003", "E40000007"), (1, 2))
    assert link_params.parse_filters(f.to_params())[0] == f


class _QP(dict):
    """Mimics st.query_params: ``get_all`` returns every repeated value."""

    def get_all(self, key):
        v = self.get(key)
        return v if isinstance(v, list) else [v]


def test_repeated_keys_are_accepted():
    f, _ = link_params.parse_filters(_QP(region=["E40000003", "E40000007"], wave=["1", "3"]))
    assert f.regions == ("E40000003", "E40000007") and f.waves == (1, 3)


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"vintage": "1999"}, "Unknown vintage"),
        ({"vintage": "<script>"}, "Unknown vintage"),
        ({"wave": "7"}, "waves are 1 to 6"),
        ({"wave": "one"}, "waves are 1 to 6"),
        ({"wave": "1.5"}, "waves are 1 to 6"),
        ({"region": "E40000003'; DROP TABLE"}, "malformed NHS region"),
        ({"region": "x" * 5000}, "malformed NHS region"),
    ],
)
def test_bad_params_warn_and_fall_back(params, needle):
    f, warn = link_params.parse_filters(params)
    assert len(warn) == 1 and needle in warn[0]
    assert f.vintage == DEFAULT_VINTAGE and f.regions == () and f.waves == ()
    assert all(len(w) < 400 for w in warn)  # a long value is quoted short


def test_validate_regions_against_atlas(toy):
    f, warn = link_params.validate_filters(filters.Filters("2026", ("Y99", "R1", "NOPE"), ()), toy)
    assert f.regions == ("R1", "R2")  # ODS code accepted and mapped to the ONS code
    assert len(warn) == 1 and "NOPE" in warn[0]


# ---------------------------------------------------------------------------- applying


def test_no_filter_is_everything(toy):
    v = filters.apply_filters(toy, filters.Filters())
    assert v.icb_codes == {"I1", "I2"} and not v.empty
    for t in ("icb", "sicbl", "lad", "pcn", "practice"):
        assert len(v.tier(t)) == len(toy.tier(t))


def test_region_filter_narrows_every_tier(toy):
    v = filters.apply_filters(toy, filters.Filters(regions=("R2",)))
    assert v.icb_codes == {"I2"}
    assert set(v.tier("sicbl")["code"]) == {"S2", "S3"}
    assert set(v.tier("pcn")["code"]) == {"P3"}
    assert set(v.tier("practice")["code"]) == {"pr4", "pr5", "pr6", "pr7"}
    assert set(v.tier("lad")["code"]) == {"B", "C"}  # B is split between I1 and I2: kept
    assert set(v.tier("utla")["code"]) == {"U1", "U2"}
    assert set(v.tier("region")["code"]) == {"R2"}


def test_wave_filter_and_empty_selection(toy):
    assert filters.apply_filters(toy, filters.Filters(waves=(1,))).icb_codes == {"I1"}
    v = filters.apply_filters(toy, filters.Filters(regions=("R2",), waves=(1,)))
    assert v.empty and len(v.tier("pcn")) == 0
    h = filters.headline(v)
    assert h["icb"] == 0 and h["residents"] == 0 and math.isnan(h["pcn_in_band"])
    assert h["icb_max_name"] is None


def test_headline_changes_with_filters(toy):
    all_ = filters.headline(filters.apply_filters(toy, filters.Filters()))
    r2 = filters.headline(filters.apply_filters(toy, filters.Filters(regions=("R2",))))
    assert (all_["icb"], all_["residents"], all_["registered"], all_["pcn"]) == (2, 3600, 21000, 3)
    assert (r2["icb"], r2["residents"], r2["registered"], r2["pcn"], r2["practice"]) == (
        1,
        2200,
        9000,
        1,
        4,
    )
    assert (all_["icb_min"], all_["icb_max"]) == (1400, 2200)
    assert (all_["icb_min_name"], all_["icb_max_name"]) == ("Name I1", "Name I2")
    assert r2["icb_min_name"] == r2["icb_max_name"] == "Name I2"


def test_filter_table_keeps_whole_children(toy):
    table = coterminosity(toy, "lad", "icb")
    assert (
        filters.filter_table(table, filters.apply_filters(toy, filters.Filters()), "lad") is table
    )
    t = filters.filter_table(
        table, filters.apply_filters(toy, filters.Filters(regions=("R1",))), "lad"
    )
    assert set(t["child_code"]) == {"A", "B"}
    assert set(t.loc[t["child_code"] == "B", "parent_code"]) == {
        "I1",
        "I2",
    }  # the split stays visible


# ---------------------------------------------------------------------------- page parameters


def test_parse_choice_and_fraction():
    assert link_params.parse_choice("icb", ["lad", "icb"], "lad", "tier") == ("icb", None)
    v, w = link_params.parse_choice("<b>x</b>", ["lad", "icb"], "lad", "tier")
    assert v == "lad" and "Unknown tier" in w
    assert link_params.parse_fraction("5%", 0.0, 0.0, 0.5, "tolerance") == (0.05, None)
    assert link_params.parse_fraction("0.1", 0.0, 0.0, 0.5, "tolerance") == (0.1, None)
    for bad in ("nan", "inf", "-0.1", "0.9", "abc"):
        v, w = link_params.parse_fraction(bad, 0.0, 0.0, 0.5, "tolerance")
        assert v == 0.0 and "expected a number" in w


def test_parse_flag():
    assert [
        link_params.parse_flag(v, "switch")[0]
        for v in ("1", "true", "Yes", " on ", "0", "no", "", None)
    ] == [True] * 4 + [False] * 4
    assert all(link_params.parse_flag(v, "switch")[1] is None for v in ("1", "0", "", None))
    v, w = link_params.parse_flag("banana", "switch")
    assert v is False and w == "Ignored switch “banana” in the link: expected 1 (on) or 0 (off)."


def test_parse_code():
    codes = ["E54000057", "E54000008"]
    assert link_params.parse_code("E54000057", codes, "ICS") == ("E54000057", None)
    assert link_params.parse_code("e54000057", codes, "ICS") == ("E54000057", None)
    assert link_params.parse_code("QE1", codes, "ICS", {"QE1": "E54000008"}) == ("E54000008", None)
    v, w = link_params.parse_code("E54999999", codes, "ICS")
    assert v is None and "No ICS with code" in w
    v, w = link_params.parse_code("<img src=x>", codes, "ICS")
    assert v is None and "malformed" in w


def test_search_pcns(toy):
    pcn, prac = toy.tier("pcn"), toy.practices
    assert list(search.search_pcns(pcn, prac, "p3")["code"]) == ["P3"]
    assert list(search.search_pcns(pcn, prac, "name p")["code"]) == ["P1", "P2", "P3"]
    assert list(search.search_pcns(pcn, prac, "pr4")["code"]) == [
        "P3"
    ]  # found through a member practice
    assert search.search_pcns(pcn, prac, "   ").empty
    assert search.search_pcns(pcn, prac, ".*").empty  # plain text, not a regular expression
    assert search.search_pcns(pcn, prac, "name", limit=2).shape[0] == 2


def test_search_pcns_by_practice_code_and_postcode(atlas_2026):
    """The examples in the PCN page's search box find what they promise, with or without a
    postcode's space."""
    pcn, prac = atlas_2026.tier("pcn"), atlas_2026.practices
    eccles = (
        "U00203"  # ECCLES & IRLAM PCN; member practice P87620 (1/MONTON MEDICAL PRACTICE), M30 8AR
    )
    for q in ("P87620", "p87620", "M30 8AR", "m308ar", "M30  8AR ", "eccles"):
        assert search.search_pcns(pcn, prac, q)["code"].iloc[0] == eccles, q
    assert search.search_pcns(pcn, prac, "M30 8AR")["code"].tolist() == [
        eccles
    ]  # one practice has that postcode
    assert search.search_pcns(pcn, prac, "ZZ99 9ZZ").empty


# ---------------------------------------------------------------------------- search: ranking and
# match reasons


def _search_frames():
    """Hand-built PCNs and practices with known answers (names as the real data spells them)."""
    pcn = pd.DataFrame(
        {
            "code": ["U1", "U2", "U3", "U4", "U5", "U6"],
            "name": [
                "EDMONTON PCN",
                "ECCLES & IRLAM PCN",
                "SALFORD SOUTH PCN",
                "LEYLAND PCN",
                "STONE & ECCLESHALL PCN",
                "NORTH (MONTON) PCN",
            ],
        }
    )
    practices = pd.DataFrame(
        {
            "code": ["P1", "P2", "P3", "P4", "P5", "P6", "P7"],
            "name": [
                "1/MONTON MEDICAL PRACTICE",
                "ECCLES HEALTH CENTRE",
                "THE VILLAGE SURGERIES CROSTON&ECCLESTON",
                "ECCLESTON MEDICAL CENTRE",
                "LEMONTON SURGERY",
                "SEA-MONTON HC",
                "PARK SURGERY",
            ],
            "postcode": ["M30 8AR", "M30 0NB", "PR7 5LN", "PR7 5PU", "AB1 2CD", "XY9 9YX", None],
            "pcn": ["U2", "U3", "U4", "U4", "U3", "U5", None],
        }
    )
    return pcn, practices


def test_search_word_start_beats_mid_word():
    pcn, prac = _search_frames()
    hits = search.search_pcns(pcn, prac, "monton")
    # a PCN name at a word start (after a bracket); practices at a word start (after a slash, a
    # hyphen), by PCN name; a PCN name mid-word (EDMONTON); a practice mid-word (LEMONTON)
    assert hits["code"].tolist() == ["U6", "U2", "U5", "U1", "U3"]
    assert hits["matched"].tolist() == [
        "PCN name",
        "practice P1: 1/MONTON MEDICAL PRACTICE",
        "practice P6: SEA-MONTON HC",
        "PCN name",
        "practice P5: LEMONTON SURGERY",
    ]
    assert hits["code"].iloc[0] != "U1"  # EDMONTON is not first


@pytest.mark.parametrize("sep", [" ", "-", "(", "/", "["])
def test_search_word_start_separators(sep):
    pcn = pd.DataFrame({"code": ["U1", "U2"], "name": ["AAMONTON PCN", f"ZZ{sep}MONTON PCN"]})
    empty = pd.DataFrame({"code": [], "name": [], "postcode": [], "pcn": []})
    assert search.search_pcns(pcn, empty, "monton")["code"].tolist() == ["U2", "U1"]


def test_search_order_codes_then_names_then_practices():
    pcn, prac = _search_frames()
    # an exact PCN code; the code is the reason
    assert search.search_pcns(pcn, prac, "u4")["code"].tolist() == ["U4"]
    assert search.search_pcns(pcn, prac, "u4")["matched"].tolist() == ["PCN code"]
    # an exact practice code ranks with exact PCN codes
    hits = search.search_pcns(pcn, prac, "p5")
    assert hits["code"].tolist() == ["U3"] and hits["matched"].tolist() == [
        "practice P5: LEMONTON SURGERY"
    ]
    # "eccles": PCN names at a word start (alphabetically), then PCNs through practices' word starts
    hits = search.search_pcns(pcn, prac, "eccles")
    assert hits["code"].tolist() == ["U2", "U5", "U4", "U3"]
    assert hits["matched"].tolist()[:2] == [
        "PCN name",
        "PCN name",
    ]  # ECCLESHALL: the name wins over a practice
    # LEYLAND has two matching practices: the first by name is the reason, with a count of the
    # others
    assert hits["matched"].tolist()[2:] == [
        "practice P4: ECCLESTON MEDICAL CENTRE +1 more practice",
        "practice P2: ECCLES HEALTH CENTRE",
    ]


def test_search_reason_for_postcode_and_unaligned_practices():
    pcn, prac = _search_frames()
    for q in ("M30 0NB", "m300nb", " m30   0nb "):
        hits = search.search_pcns(pcn, prac, q)
        assert hits["code"].tolist() == ["U3"], q
        assert hits["matched"].tolist() == ["practice postcode M30 0NB: ECCLES HEALTH CENTRE"], q
    hits = search.search_pcns(pcn, prac, "m30")  # two PCNs with a practice in M30, each says which
    assert dict(zip(hits["code"], hits["matched"], strict=False)) == {
        "U2": "practice postcode M30 8AR: 1/MONTON MEDICAL PRACTICE",
        "U3": "practice postcode M30 0NB: ECCLES HEALTH CENTRE",
    }
    assert search.search_pcns(pcn, prac, "park surgery").empty  # a practice in no PCN finds nothing
    assert search.search_pcns(pcn, prac, "zz99").empty
    assert list(search.search_pcns(pcn, prac, "").columns) == ["code", "name", "matched"]


def test_search_names_are_plain_text():
    pcn = pd.DataFrame({"code": ["U1", "U2"], "name": ["A.B PCN", "A*B [X] PCN"]})
    prac = pd.DataFrame(
        {"code": ["P1"], "name": ["<b>*DR* [X](y)</b>"], "postcode": ["E1 1AA"], "pcn": ["U1"]}
    )
    assert search.search_pcns(pcn, prac, "a.b")["code"].tolist() == [
        "U1"
    ]  # "." is not "any character"
    assert search.search_pcns(pcn, prac, "[x]")["code"].tolist() == ["U2", "U1"]
    assert search.search_pcns(pcn, prac, "dr*")["matched"].tolist() == [
        "practice P1: <b>*DR* [X](y)</b>"
    ]  # as is


def test_search_real_atlas_monton_and_eccles(atlas_2026):
    """On the real data, "monton" puts the PCN of 1/MONTON MEDICAL PRACTICE before EDMONTON PCN, and
    PCNs found for "eccles" through a member practice name that practice."""
    pcn, prac = atlas_2026.tier("pcn"), atlas_2026.practices
    hits = search.search_pcns(pcn, prac, "monton")
    assert "EDMONTON" not in hits["name"].iloc[0]
    assert hits["code"].iloc[0] == "U00203" and "P87620" in hits["matched"].iloc[0]
    hits = search.search_pcns(pcn, prac, "eccles")
    assert hits["code"].iloc[0] == "U00203" and hits["matched"].iloc[0] == "PCN name"
    own = hits["name"].str.casefold().str.contains("eccles", regex=False)
    via = hits[~own & ~hits["code"].str.casefold().str.contains("eccles")]
    assert len(via) > 0 and via["matched"].str.startswith("practice ").all()
    members = prac.set_index("code")
    for pcn_code, reason in zip(via["code"], via["matched"], strict=False):
        p_code = reason.removeprefix("practice ").split(":", 1)[0]
        assert (
            members.loc[p_code, "pcn"] == pcn_code
            and "eccles" in members.loc[p_code, "name"].casefold()
        )
    rank_of = {c: i for i, c in enumerate(hits["code"])}
    assert max(rank_of[c] for c in hits.loc[own, "code"]) < min(rank_of[c] for c in via["code"])


def test_wave_filter_by_any_part_of_a_system(toy):
    """I1 was all wave 1; I2 is mostly wave 3 but 30% of its residents were in wave 1 (like
    Central East, 2026: mostly wave 4, a third wave 1)."""
    shares = pd.DataFrame({"icb": ["I1", "I2", "I2"], "wave": [1, 3, 1], "share": [1.0, 0.7, 0.3]})
    mostly = filters.Filters(waves=(1,))
    anyp = filters.Filters(waves=(1,), wave_match="any")
    assert filters.apply_filters(toy, mostly).icb_codes == {"I1"}
    assert filters.apply_filters(toy, anyp, shares).icb_codes == {"I1", "I2"}
    assert filters.apply_filters(
        toy, filters.Filters(waves=(3,), wave_match="any"), shares
    ).icb_codes == {"I2"}
    both = filters.Filters(regions=("R2",), waves=(1,), wave_match="any")
    assert filters.apply_filters(toy, both, shares).icb_codes == {"I2"}  # regions still narrow
    assert not filters.Filters(wave_match="any").any_part  # no wave chosen: nothing to match
    assert anyp.describe() == "wave: 1 (any part)" and anyp.slug_parts() == ["waves-1", "any-part"]
    assert anyp.to_params() == {"wave": "1", "wave_match": "any"}
    assert link_params.parse_filters(anyp.to_params())[0] == anyp
    with pytest.raises(ValueError, match="wave shares"):
        filters.icb_mask(toy.tier("icb"), anyp)
    with pytest.raises(ValueError, match="wave_match"):
        filters.Filters(wave_match="some")
    f, warn = link_params.parse_filters({"wave": "1", "wave_match": "lots"})
    assert f.wave_match == "mostly" and "Unknown wave rule" in warn[0]
