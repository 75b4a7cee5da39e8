"""Per-unit summaries on the toy atlas (figures worked out by hand in toy_atlas.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from toy_atlas import toy_atlas

from ics_maps.analysis import summaries


@pytest.fixture(scope="module")
def atlas():
    return toy_atlas()


def test_icb_summary(atlas):
    s = summaries.summary(atlas, "icb")
    assert list(s.columns) == list(summaries.ICB_COLUMNS)
    s = s.set_index("code")
    i1, i2 = s.loc["I1"], s.loc["I2"]
    assert (i1["residents"], i1["registered"], i1["n_sicbl"]) == (1400, 12000, 1)
    assert (i1["n_lad_whole"], i1["n_lad_part"], i1["n_utla_whole"], i1["n_utla_part"]) == (
        1,
        1,
        0,
        1,
    )
    assert (i2["n_sicbl"], i2["n_lad_whole"], i2["n_lad_part"]) == (2, 1, 1)
    assert (i2["n_utla_whole"], i2["n_utla_part"]) == (1, 1)
    assert (i1["n_pcn"], i2["n_pcn"]) == (2, 1)
    assert (i1["n_practices"], i2["n_practices"]) == (3, 4)
    assert i1["share_residents_in_split_lads"] == pytest.approx(
        800 / 1400
    )  # district B straddles I1/I2
    assert i2["share_residents_in_split_lads"] == pytest.approx(1000 / 2200)
    assert (i1["wave"], i2["wave"], i1["region"], i1["region_name"]) == (1, 3, "R1", "Name R1")


def test_la_summaries(atlas):
    lad = summaries.summary(atlas, "lad").set_index("code")
    assert lad["n_icb"].to_dict() == {"A": 1, "B": 2, "C": 1}
    assert lad["n_sicbl"].to_dict() == {"A": 1, "B": 2, "C": 1}
    assert lad["n_pcn"].to_dict() == {"A": 1, "B": 3, "C": 1}  # B's LSOAs use P1, P2 and P3
    assert lad["n_pcn_any"].to_dict() == {"A": 1, "B": 3, "C": 1}
    assert lad["n_pcn_based"].to_dict() == {
        "A": 1,
        "B": 1,
        "C": 1,
    }  # P1 → A 70 %, P2 → B, P3 → C 80 %
    # P1 holds 100 of B's 1800 residents (5.6 %): counted at a 5 % threshold, not at 6 %
    assert (
        summaries.la_summary(atlas, "lad", min_share=0.05).set_index("code").loc["B", "n_pcn"] == 3
    )
    assert (
        summaries.la_summary(atlas, "lad", min_share=0.06).set_index("code").loc["B", "n_pcn"] == 2
    )
    assert lad["residents"].to_dict() == {"A": 600, "B": 1800, "C": 1200}
    assert lad.loc["B", "relationship_to_icb"] == "split"
    assert lad.loc["B", "icbs"] == "I2 Name I2 (55.6%); I1 Name I1 (44.4%)"
    utla = summaries.summary(atlas, "utla").set_index("code")
    assert utla["n_icb"].to_dict() == {"U1": 2, "U2": 1}
    assert utla["n_pcn"].to_dict() == {"U1": 3, "U2": 1}
    assert utla["n_pcn_based"].to_dict() == {"U1": 2, "U2": 1}


def test_pcn_summary_and_la_shares(atlas):
    p = summaries.summary(atlas, "pcn").set_index("code")
    assert p["list_size"].to_dict() == {"P1": 7000, "P2": 5000, "P3": 8000}
    assert p["n_practices"].to_dict() == {"P1": 2, "P2": 1, "P3": 3}
    assert p["icb"].to_dict() == {"P1": "I1", "P2": "I1", "P3": "I2"}
    assert p.loc["P3", "main_lad"] == "C" and p.loc["P3", "main_lad_share"] == pytest.approx(0.8)
    assert p["n_lad"].to_dict() == {"P1": 2, "P2": 1, "P3": 2}
    sh = summaries.pcn_la_shares(atlas)
    got = {(r.pcn, r.la): (r.patients, round(r.share, 6)) for r in sh.itertuples()}
    assert got == {
        ("P1", "A"): (350, 0.7),
        ("P1", "B"): (150, 0.3),
        ("P2", "B"): (400, 1.0),
        ("P3", "C"): (800, 0.8),
        ("P3", "B"): (200, 0.2),
    }
    assert list(sh.columns) == ["pcn", "pcn_name", "la", "la_name", "patients", "share"]
    assert sh.groupby("pcn")["share"].sum().tolist() == pytest.approx([1, 1, 1])
    with pytest.raises(ValueError, match="lad"):
        summaries.pcn_la_shares(atlas, "icb")


def test_region_and_sicbl(atlas):
    r = summaries.summary(atlas, "region").iloc[0]
    assert (
        r["residents"],
        r["registered"],
        r["n_icb"],
        r["n_sicbl"],
        r["n_pcn"],
        r["n_practices"],
    ) == (3600, 21000, 2, 3, 3, 7)
    s = summaries.summary(atlas, "sicbl").set_index("code")
    assert s["registered"].to_dict() == {"S1": 12000, "S2": 1000, "S3": 8000}
    assert s["n_lad_whole"].to_dict() == {"S1": 1, "S2": 0, "S3": 1}
    assert s["n_lad_part"].to_dict() == {"S1": 1, "S2": 1, "S3": 0}
    assert s["n_pcn"].to_dict() == {"S1": 2, "S2": 0, "S3": 1}


def test_passthrough_and_errors(atlas):
    p = summaries.summary(atlas, "practice")
    assert isinstance(p, pd.DataFrame) and "geometry" not in p and len(p) == 7
    assert len(summaries.summary(atlas, "lsoa")) == 8
    with pytest.raises(ValueError, match="unknown tier 'ward'"):
        summaries.summary(atlas, "ward")
