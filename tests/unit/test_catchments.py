"""PCN catchments: hand-built cases with known answers, then the real Staffordshire sample."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from ics_maps.atlas import catchments

BNG = "EPSG:27700"
# A plain Huff model with round numbers, so expected shares can be written down.
HUFF = catchments.ModelParams(
    alpha=1.0, beta=0.5, gamma=1.0, d0_km=0.1, zone_penalty=0.0, constrained=False, min_share=0.0
)


def line_lsoas(n=4, residents=1000):
    """n 1 km squares side by side along x: E01000001 at x 0–1 km, E01000002 at 1–2 km, ..."""
    return gpd.GeoDataFrame(
        {"code": [f"E0100000{i + 1}" for i in range(n)], "residents": [residents] * n},
        geometry=[box(i * 1000, 0, (i + 1) * 1000, 1000) for i in range(n)],
        crs=BNG,
    )


def line_practices(extra=()):
    """P1 (PCN A) in LSOA 1, P2 (A) in LSOA 2, P3 (B, three times the list) in LSOA 4, on y =
    500."""
    rows = [
        ("P1", "UAAAAA", 1000, Point(500, 500)),
        ("P2", "UAAAAA", 1000, Point(1500, 500)),
        ("P3", "UBBBBB", 3000, Point(3500, 500)),
        *extra,
    ]
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "pcn": [r[1] for r in rows],
            "list_size": pd.array([r[2] for r in rows], dtype="Int64"),
        },
        geometry=[r[3] for r in rows],
        crs=BNG,
    )


def huff_weights(lsoa, practices, p=HUFF):
    """The model written out longhand: weight of each (LSOA, practice)."""
    pts = lsoa.geometry.representative_point()
    out = {}
    for code, pt in zip(lsoa["code"], pts, strict=False):
        for _, pr in practices.iterrows():
            if pr.geometry is None:
                continue
            d = pt.distance(pr.geometry) / 1000
            de = np.hypot(d, p.d0_km)
            out[code, pr["code"]] = (
                float(pr["list_size"]) ** p.alpha * de**-p.gamma * np.exp(-p.beta * d)
            )
    return out


def shares_of(cat):
    return {(r.lsoa, r.pcn): r.share for r in cat.pcn_lsoa.itertuples()}


# ---------------------------------------------------------------------------- modelled


def test_line_modelled_shares_match_the_formula_and_majorities_are_known():
    lsoa, pr = line_lsoas(), line_practices()
    cat = catchments.build_catchments(lsoa, pr, None, params=HUFF)
    w = huff_weights(lsoa, pr)
    got = shares_of(cat)
    for code in lsoa["code"]:
        tot = sum(w[code, j] for j in ("P1", "P2", "P3"))
        assert got[code, "UAAAAA"] == pytest.approx((w[code, "P1"] + w[code, "P2"]) / tot, rel=1e-9)
        assert got[code, "UBBBBB"] == pytest.approx(w[code, "P3"] / tot, rel=1e-9)
    # LSOA 3 is 1 km from P2 (A) and P3 (B); P3's threefold list wins it for B.
    assert cat.lsoa_pcn.to_dict() == {
        "E01000001": "UAAAAA",
        "E01000002": "UAAAAA",
        "E01000003": "UBBBBB",
        "E01000004": "UBBBBB",
    }
    assert set(cat.pcn_lsoa["method"]) == {"modelled"}
    assert cat.pcn_method.set_index("pcn")["method"].to_dict() == {
        "UAAAAA": "modelled",
        "UBBBBB": "modelled",
    }
    assert np.allclose(cat.pcn_lsoa.groupby("lsoa")["share"].sum(), 1.0)
    # patients = residents × κ × share, κ = list total / residents total = 5000 / 4000
    assert cat.pcn_lsoa["patients"].sum() == pytest.approx(5000)
    assert list(cat.pcn_lsoa.columns) == ["pcn", "lsoa", "patients", "share", "method"]


def test_doubly_constrained_model_gives_each_practice_about_its_list():
    rng = np.random.default_rng(1)
    lsoa = gpd.GeoDataFrame(
        {"code": [f"E01{i:06d}" for i in range(100)], "residents": rng.integers(800, 2500, 100)},
        geometry=[
            box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000)
            for x in range(10)
            for y in range(10)
        ],
        crs=BNG,
    )
    xy = rng.uniform(1000, 9000, size=(6, 2))
    sizes = np.array([5000, 9000, 12000, 20000, 30000, 40000])
    pr = gpd.GeoDataFrame(
        {
            "code": [f"P{j}" for j in range(6)],
            "pcn": [f"U0000{j}" for j in range(6)],
            "list_size": pd.array(sizes, dtype="Int64"),
        },
        geometry=[Point(*p) for p in xy],
        crs=BNG,
    )
    p = catchments.ModelParams(min_share=0.0, ipf_iterations=200, ipf_tolerance=1e-4)
    cat = catchments.build_catchments(lsoa, pr, None, params=p)
    got = cat.pcn_lsoa.groupby("pcn")["patients"].sum().reindex(pr["pcn"]).to_numpy()
    # total residents × κ = total lists, so every practice can be matched
    assert got == pytest.approx(sizes, rel=0.01)
    assert cat.report["model_diagnostics"]["practice_total_within_10pct"] == 1.0


# ---------------------------------------------------------------------------- registrations


def test_registrations_give_exact_shares_and_the_beaney_majority():
    lsoa, pr = line_lsoas(), line_practices()
    reg = pd.DataFrame(
        [
            ("E01000001", "P1", 50),
            ("E01000001", "P3", 10),
            ("E01000002", "P2", 30),
            ("E01000002", "P3", 40),  # nearer A, but B has most
            ("E01000003", "P2", 5),
            ("E01000003", "P1", 5),
            ("E01000003", "P3", 5),
            ("E01000004", "P3", 100),
        ],
        columns=["lsoa", "practice", "patients"],
    )
    cat = catchments.build_catchments(lsoa, pr, reg, params=HUFF)
    got = shares_of(cat)
    assert got["E01000002", "UAAAAA"] == pytest.approx(30 / 70)
    assert got["E01000002", "UBBBBB"] == pytest.approx(40 / 70)
    assert got["E01000003", "UAAAAA"] == pytest.approx(10 / 15)
    assert ("E01000004", "UAAAAA") not in got  # no real A patients there, and A is fully covered
    assert cat.lsoa_pcn.to_dict() == {
        "E01000001": "UAAAAA",
        "E01000002": "UBBBBB",
        "E01000003": "UAAAAA",
        "E01000004": "UBBBBB",
    }
    pl = cat.pcn_lsoa.set_index(["lsoa", "pcn"])
    assert pl.loc[("E01000003", "UAAAAA"), "patients"] == 10
    assert set(cat.pcn_lsoa["method"]) == {"registrations"}
    assert (cat.pcn_method["method"] == "registrations").all()
    assert (cat.lsoa_real_share == 1.0).all()
    # the in-sample agreement of the pure model is reported per PCN: here A's real patients live in
    # LSOAs 1–3 and the model gives 1 and 2 to A (and 3 to B): (50 + 30) / (50 + 30 + 5 + 5)
    assert cat.pcn_method.set_index("pcn").loc["UAAAAA", "agreement"] == pytest.approx(80 / 90)


def test_mixing_real_and_modelled_flows_on_a_border():
    """A's practices have real rows; B has none. LSOA 1's B share = modelled P3 flow / (real +
    it)."""
    lsoa, pr = line_lsoas(), line_practices()
    reg = pd.DataFrame(
        [("E01000001", "P1", 800), ("E01000001", "P2", 200), ("E01000003", "P2", 300)],
        columns=["lsoa", "practice", "patients"],
    )
    cat = catchments.build_catchments(lsoa, pr, reg, params=HUFF)
    w = huff_weights(lsoa, pr)
    kappa = 5000 / 4000
    flow_b = {
        c: 1000 * kappa * w[c, "P3"] / sum(w[c, j] for j in ("P1", "P2", "P3"))
        for c in lsoa["code"]
    }
    got = shares_of(cat)
    assert got["E01000001", "UBBBBB"] == pytest.approx(
        flow_b["E01000001"] / (1000 + flow_b["E01000001"])
    )
    assert got["E01000003", "UAAAAA"] == pytest.approx(300 / (300 + flow_b["E01000003"]))
    # A is real everywhere: LSOA 4 has no real A patients, so A has no share there
    assert got["E01000004", "UBBBBB"] == pytest.approx(1.0)
    meth = cat.pcn_method.set_index("pcn")["method"]
    assert meth.to_dict() == {"UAAAAA": "registrations", "UBBBBB": "modelled"}
    assert set(cat.pcn_lsoa.loc[cat.pcn_lsoa["pcn"] == "UAAAAA", "method"]) == {"registrations"}
    assert cat.lsoa_real_share["E01000001"] == pytest.approx(1000 / (1000 + flow_b["E01000001"]))
    assert cat.lsoa_real_share["E01000004"] == 0.0


def test_unallocated_practices_attract_patients_but_make_no_pcn():
    lsoa = line_lsoas()
    pr = line_practices(extra=[("P4", "U", 5000, Point(3600, 400))])
    cat = catchments.build_catchments(lsoa, pr, None, params=HUFF)
    assert "U" not in set(cat.pcn_lsoa["pcn"]) and "U" not in set(cat.pcn_method["pcn"])
    assert "U" not in set(cat.lsoa_pcn)
    assert np.allclose(cat.pcn_lsoa.groupby("lsoa")["share"].sum(), 1.0)
    # U's pull lowers every flow; what is left is renormalised over the PCNs: shares are the A/B
    # ratio
    w = huff_weights(lsoa, pr)
    got = shares_of(cat)
    for code in lsoa["code"]:
        a, b = w[code, "P1"] + w[code, "P2"], w[code, "P3"]
        assert got[code, "UAAAAA"] == pytest.approx(a / (a + b))
    # U's patients are counted out: PCN patients = total lists × (1 - U's share of each LSOA)
    tot = {c: sum(w[c, j] for j in ("P1", "P2", "P3", "P4")) for c in lsoa["code"]}
    assert cat.pcn_lsoa["patients"].sum() == pytest.approx(
        sum(1000 * (10000 / 4000) * (1 - w[c, "P4"] / tot[c]) for c in lsoa["code"])
    )
    # real rows at an unallocated practice are dropped too; B's real 100 and A's modelled flow
    # remain
    reg = pd.DataFrame(
        [("E01000004", "P4", 500), ("E01000004", "P3", 100)],
        columns=["lsoa", "practice", "patients"],
    )
    cat = catchments.build_catchments(lsoa, pr, reg, params=HUFF)
    flow_a = (
        1000 * (10000 / 4000) * (w["E01000004", "P1"] + w["E01000004", "P2"]) / tot["E01000004"]
    )
    got = shares_of(cat)
    assert got["E01000004", "UBBBBB"] == pytest.approx(100 / (100 + flow_a))
    # B is covered by the real file and has no real patients in LSOA 2: A takes all of it
    assert got["E01000002", "UAAAAA"] == pytest.approx(1.0) and ("E01000002", "UBBBBB") not in got
    assert cat.pcn_method.set_index("pcn")["method"].to_dict() == {
        "UAAAAA": "modelled",
        "UBBBBB": "registrations",
    }


def test_practices_without_location_or_list_size():
    lsoa = line_lsoas()
    pr = line_practices(
        extra=[
            ("P5", "UCCCCC", 2000, None),  # no location, no registrations
            ("P6", "UDDDDD", pd.NA, None),  # no location, but real rows
            ("P7", "UEEEEE", pd.NA, Point(2500, 900)),
        ]
    )  # located, list unknown
    reg = pd.DataFrame(
        [("E01000002", "P6", 70), ("E01000002", "P2", 30)], columns=["lsoa", "practice", "patients"]
    )
    cat = catchments.build_catchments(lsoa, pr, reg, params=HUFF)
    pm = cat.pcn_method.set_index("pcn")
    assert pm.loc["UCCCCC", "method"] == "none" and pm.loc["UCCCCC", "n_lsoa"] == 0
    assert pm.loc["UDDDDD", "method"] == "registrations"
    d = cat.pcn_lsoa[cat.pcn_lsoa["pcn"] == "UDDDDD"]
    assert d["lsoa"].tolist() == ["E01000002"] and d["patients"].tolist() == [70]
    assert d["share"].iloc[0] == pytest.approx(
        70 / cat.pcn_lsoa.loc[cat.pcn_lsoa["lsoa"] == "E01000002", "patients"].sum()
    )
    assert (
        cat.report["list_sizes_imputed"] == 2
        and cat.report["pcns_without_location_or_registrations"] == 1
    )
    assert pm.loc["UEEEEE", "method"] == "modelled" and pm.loc["UEEEEE", "n_lsoa"] > 0
    foot = catchments.pcn_footprints(lsoa, cat.lsoa_pcn, cat.pcn_method)
    assert "UCCCCC" not in set(foot["code"])
    assert "UCCCCC" in foot.attrs["pcns_without_footprint"]


def test_bad_inputs_are_refused():
    lsoa, pr = line_lsoas(), line_practices()
    with pytest.raises(ValueError, match="EPSG:27700"):
        catchments.build_catchments(lsoa.to_crs(4326), pr)
    with pytest.raises(ValueError, match="duplicate"):
        catchments.build_catchments(lsoa, pd.concat([pr, pr.iloc[:1]]))
    with pytest.raises(ValueError, match="list_size"):
        catchments.build_catchments(lsoa, pr.drop(columns="list_size"))
    with pytest.raises(ValueError, match="no practice has a location"):
        catchments.build_catchments(lsoa, pr.assign(geometry=None))


# ---------------------------------------------------------------------------- fitting


def test_fit_recovers_the_parameters_that_made_the_flows():
    """Expected counts from known parameters: maximum likelihood finds them again."""
    rng = np.random.default_rng(7)
    n = 30
    lsoa = gpd.GeoDataFrame(
        {"code": [f"E01{i:06d}" for i in range(n * n)], "residents": 1500},
        geometry=[
            box(x * 500, y * 500, (x + 1) * 500, (y + 1) * 500) for x in range(n) for y in range(n)
        ],
        crs=BNG,
    )
    m = 60
    pr = gpd.GeoDataFrame(
        {
            "code": [f"P{j:03d}" for j in range(m)],
            "pcn": [f"U{j // 3:05d}" for j in range(m)],
            "list_size": pd.array(rng.integers(2000, 20000, m), dtype="Int64"),
        },
        geometry=[Point(*p) for p in rng.uniform(0, n * 500, size=(m, 2))],
        crs=BNG,
    )
    true = catchments.ModelParams(
        alpha=0.8,
        beta=0.6,
        gamma=1.2,
        d0_km=0.3,
        zone_penalty=0.0,
        k=m,
        constrained=False,
        min_share=0.0,
    )
    w = huff_weights(lsoa, pr, true)
    rows = []
    for code in lsoa["code"]:
        tot = sum(w[code, j] for j in pr["code"])
        rows += [(code, j, 1000 * w[code, j] / tot) for j in pr["code"]]
    reg = pd.DataFrame(rows, columns=["lsoa", "practice", "patients"])
    fitted = catchments.fit_model(lsoa, pr, reg, catchments.ModelParams(k=m, constrained=False))
    assert fitted.fitted and fitted.zone_used is False
    assert fitted.alpha == pytest.approx(0.8, abs=0.02)
    assert fitted.beta == pytest.approx(0.6, abs=0.03)
    assert fitted.gamma == pytest.approx(1.2, abs=0.05)
    assert fitted.d0_km == pytest.approx(0.3, rel=0.1)
    assert fitted.fit_patients_outside_k == 0.0


# ---------------------------------------------------------------------------- agreement


def test_agreement_on_a_tiny_case_is_exact():
    practices = pd.DataFrame({"code": ["P1", "P2", "P3", "P4"], "pcn": ["UA", "UA", "UB", "U"]})
    real = pd.DataFrame(
        [("L1", "P1", 60), ("L1", "P3", 40), ("L2", "P2", 30), ("L2", "P3", 70), ("L3", "P4", 10)],
        columns=["lsoa", "practice", "patients"],
    )
    pred = pd.Series({"L1": "UA", "L2": "UA"})
    # right: L1-P1 60, L2-P2 30; the unallocated practice's row is left out: 90 / 200
    assert catchments.agreement(pred, real, practices) == pytest.approx(0.45)
    table = pd.DataFrame(
        [("UA", "L1", 0.5), ("UB", "L1", 0.5), ("UA", "L2", 0.6), ("UC", "L2", 0.4)],
        columns=["pcn", "lsoa", "share"],
    )
    # majority from a table: L1 is a tie -> the lower code (UA); L2 -> UA
    assert catchments.agreement(table, real, practices) == pytest.approx(0.45)
    # shares: L1 real A .6 B .4 vs .5/.5 -> .9; L2 real A .3 B .7 vs A 1 (UC is not in the file,
    # so renormalised away) -> .3; weighted by real patients (100, 100) -> .6
    assert catchments.flow_agreement(table, real, practices) == pytest.approx(0.6)
    # an LSOA without a prediction counts as wrong
    assert catchments.agreement(pd.Series({"L1": "UA"}), real, practices) == pytest.approx(60 / 200)


# ---------------------------------------------------------------------------- footprints


def test_footprint_of_two_adjacent_squares_is_one_polygon():
    lsoa = line_lsoas(3)
    lsoa_pcn = pd.Series({"E01000001": "UAAAAA", "E01000002": "UAAAAA", "E01000003": "UBBBBB"})
    method = pd.DataFrame(
        {"pcn": ["UAAAAA", "UBBBBB", "UCCCCC"], "method": ["registrations", "modelled", "none"]}
    )
    foot = catchments.pcn_footprints(lsoa, lsoa_pcn, method).set_index("code")
    a = foot.loc["UAAAAA"]
    assert a.geometry.geom_type == "Polygon" and a.geometry.is_valid
    assert a.geometry.area == pytest.approx(2_000_000)
    assert a.geometry.equals(box(0, 0, 2000, 1000))
    assert a["n_lsoa"] == 2 and a["residents"] == 2000 and bool(a["indicative"])
    assert a["method"] == "registrations" and foot.loc["UBBBBB", "method"] == "modelled"
    assert foot.crs.to_epsg() == 27700
    assert foot.attrs["pcns_without_footprint"] == ["UCCCCC"]


def test_footprint_falls_back_when_polygons_are_not_noded():
    """Two squares overlapping by a sliver are not a clean coverage: the union still comes out
    valid."""
    lsoa = gpd.GeoDataFrame(
        {"code": ["E1", "E2"], "residents": [1, 1]},
        geometry=[box(0, 0, 1000, 1000), box(999.5, 0, 2000, 1000)],
        crs=BNG,
    )
    foot = catchments.pcn_footprints(lsoa, pd.Series({"E1": "UA", "E2": "UA"}))
    g = foot.geometry.iloc[0]
    assert g.is_valid and g.area == pytest.approx(2_000_000)
    assert foot.attrs["dissolve"] == {"coverage": 0, "union": 1}


# ---------------------------------------------------------------------------- real data


def _load_bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "catchments.py"
    spec = importlib.util.spec_from_file_location("bench_catchments", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def staffs():
    lsoa, practices, reg = _load_bench().load_raw_inputs(with_geometry=False)
    return lsoa, practices, reg


@pytest.mark.real
def test_staffordshire_registrations_cover_its_lsoas_and_the_model_beats_the_baselines(staffs):
    lsoa, practices, reg = staffs
    cat = catchments.build_catchments(lsoa, practices, reg)  # its speed: bench/catchments.py
    assert cat.model.fitted and cat.model.zone_used
    # every English LSOA gets shares summing to 1, and a majority PCN
    sums = cat.pcn_lsoa.groupby("lsoa")["share"].sum()
    assert len(sums) == len(lsoa) == 33_755 and np.allclose(sums, 1.0)
    assert cat.lsoa_pcn.notna().all() and "U" not in set(cat.pcn_lsoa["pcn"])
    # the sample ICB's 25 PCNs come from registrations, all others from the model
    pm = cat.pcn_method.set_index("pcn")
    ssot = set(practices.loc[practices["icb"] == "QNC", "pcn"]) - {"U"}
    assert len(ssot) == 25
    assert set(pm.index[pm["method"] == "registrations"]) == ssot
    assert (pm.loc[list(ssot), "n_majority"] > 0).all()
    # Beaney: inside the ICB, each LSOA goes to the PCN most of its registered residents use
    ppcn = practices.set_index("code")["pcn"]
    r = reg.assign(pcn=reg["practice"].map(ppcn))
    r = r[r["pcn"] != "U"].groupby(["lsoa", "pcn"], as_index=False)["patients"].sum()
    real_major = r.sort_values(
        ["lsoa", "patients", "pcn"], ascending=[True, False, True]
    ).drop_duplicates("lsoa")
    real_major = real_major.set_index("lsoa")["pcn"]
    inside = lsoa.loc[lsoa["icb"] == "QNC", "code"]
    covered = cat.lsoa_real_share.reindex(inside)
    assert (covered >= 0.9).mean() > 0.9
    well = covered.index[covered >= 0.9]
    assert (cat.lsoa_pcn.reindex(well) == real_major.reindex(well)).all()
    assert (cat.lsoa_pcn.reindex(inside) == real_major.reindex(inside)).mean() > 0.97
    # out of sample (folds by sub-ICB location): the model beats nearest-practice and gravity
    cv = catchments.cross_validate(lsoa, practices, reg)
    o = cv["overall"]
    assert cv["n_folds"] == 6
    assert o["model"]["agreement"] > o["nearest"]["agreement"] + 0.005
    assert o["model"]["agreement"] > o["gravity"]["agreement"] + 0.005
    assert o["model"]["share_agreement"] > o["nearest"]["share_agreement"] + 0.05
    assert o["model"]["agreement"] < o["ceiling"]["agreement"]
