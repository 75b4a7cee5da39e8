"""Find anything: one search over every tier (pure, on the hand-built toy atlas).

The toy (tests/toy_atlas.py) gets a few real-looking names: district A is "Oxford", county U1
"Oxfordshire", PCN P1 "OXFORD CENTRAL PCN", LSOA L1 "Oxford 001A", practice pr1 has the postcode
"OX1 1AA" and system I1 the ODS code "QOP"; district C becomes a unitary (code U2, the same as its
county-level council), as real unitaries are in both council tiers.
"""

from __future__ import annotations

import pytest
from toy_atlas import toy_atlas

from ics_maps.analysis import search


@pytest.fixture(scope="module")
def index():
    a = toy_atlas()
    t = a.tiers
    t["lad"].loc[t["lad"]["code"] == "A", "name"] = "Oxford"
    t["utla"].loc[t["utla"]["code"] == "U1", "name"] = "Oxfordshire"
    t["pcn"].loc[t["pcn"]["code"] == "P1", "name"] = "OXFORD CENTRAL PCN"
    t["lsoa"].loc[t["lsoa"]["code"] == "L1", "name"] = "Oxford 001A"
    t["icb"].loc[t["icb"]["code"] == "I1", "ods_code"] = "QOP"
    t["practice"].loc[t["practice"]["code"] == "pr1", "postcode"] = "OX1 1AA"
    t["lad"].loc[t["lad"]["code"] == "C", "code"] = "U2"  # a unitary: in both council tiers
    t["lsoa"].loc[t["lsoa"]["lad"] == "C", "lad"] = "U2"
    return search.find_index(a)


def codes(hits) -> list[tuple[str, str]]:
    return list(zip(hits["tier"], hits["code"], strict=True))


def test_the_index_holds_every_unit_once(index):
    counts = index["tier"].value_counts().to_dict()
    # 1 region, 2 systems, 3 sub-ICB, 2 counties/unitaries, 2 districts (the unitary U2 once),
    # 3 PCNs, 6 practices (pr6 is in no PCN: no page to open), 8 LSOAs
    assert counts == {
        "region": 1,
        "icb": 2,
        "sicbl": 3,
        "utla": 2,
        "lad": 2,
        "pcn": 3,
        "practice": 6,
        "lsoa": 8,
    }
    row = index.set_index(["tier", "code"])
    assert row.loc[("lad", "B"), "icb"] == "I2"  # B: 800 residents in I1, 1,000 in I2
    assert row.loc[("utla", "U1"), "icb"] == "I1"  # U1: 1,400 in I1, 1,000 in I2
    assert row.loc[("lsoa", "L1"), "within"] == "Oxford"  # an LSOA lies in its district
    assert row.loc[("practice", "pr1"), "within"] == "OXFORD CENTRAL PCN"
    assert row.loc[("sicbl", "S2"), "opens"] == "I2"  # a sub-ICB location opens its system


def test_a_name_finds_every_tier_best_first(index):
    hits = search.find(index, "oxford")
    # the exact name first, then names that start with it (county, PCN, LSOA: tier order)
    assert codes(hits) == [("lad", "A"), ("utla", "U1"), ("pcn", "P1"), ("lsoa", "L1")]
    assert set(hits["matched"]) == {"name"}
    assert codes(search.find(index, "  OXFORD   central ")) == [("pcn", "P1")]


@pytest.mark.parametrize(
    "query, hit, matched, link",
    [
        ("ox1 1aa", ("practice", "pr1"), "postcode", ("pcn", {"pcn": "P1", "q": "pr1"})),
        ("OX11AA", ("practice", "pr1"), "postcode", ("pcn", {"pcn": "P1", "q": "pr1"})),
        ("qop", ("icb", "I1"), "ODS code", ("system", {"icb": "I1"})),
        ("l1", ("lsoa", "L1"), "code", ("place", {"la": "lad", "place": "A"})),
        ("p3", ("pcn", "P3"), "code", ("pcn", {"pcn": "P3", "q": "P3"})),
        ("s2", ("sicbl", "S2"), "code", ("system", {"icb": "I2"})),
        ("u2", ("utla", "U2"), "code", ("place", {"la": "utla", "place": "U2"})),
        ("b", ("lad", "B"), "code", ("place", {"la": "lad", "place": "B"})),
        ("r1", ("region", "R1"), "code", ("overview", {"region": "R1"})),
    ],
)
def test_a_code_opens_the_right_page(index, query, hit, matched, link):
    hits = search.find(index, query)
    first = hits.iloc[0]
    assert (first["tier"], first["code"]) == hit and first["matched"] == matched
    assert search.find_link(first) == link


def test_a_unitary_is_found_once(index):
    assert codes(search.find(index, "u2")) == [("utla", "U2")]  # not also as a district


def test_limits_and_bad_queries(index):
    assert len(search.find(index, "lsoa")) == 7  # "LSOA L2" … "LSOA L8": L1 is "Oxford 001A"
    assert len(search.find(index, "lsoa", per_tier=3)) == 3
    assert len(search.find(index, "name", limit=5)) == 5
    assert search.find(index, "").empty and search.find(index, "   ").empty
    assert search.find(index, ".*").empty  # plain text, not a regular expression
    assert search.find(index, "zzz").empty
