"""Bench: PCN catchment model — out-of-sample agreement with real registrations, and run times.

    python bench/catchments.py [--atlas 2024] [--quick]

Inputs come straight from the data mirror (``ICS_MAPS_MIRROR`` or ../shared/data/raw), or with
``--atlas V`` from a built atlas (LSOAs and practices) plus ``readers.read_gp_lsoa_registrations``.
Prints fitted parameters, out-of-sample agreement per fold and pooled (the fitted model, the same
fit unconstrained, the nearest-practice and list-size gravity baselines, and the ceiling: the real
majority itself), run times of the fit, of ``build_catchments`` on all England and of
``pcn_footprints``, and the number of PCNs by method; writes bench/results/catchments.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ics_maps.atlas import catchments  # noqa: E402
from ics_maps.crs import BNG  # noqa: E402
from ics_maps.paths import mirror_root  # noqa: E402

LSOA_GPKG = "lsoa21_boundaries_bsc/LSOA_Dec_2021_EW_BSC_V4_via_geographr.gpkg"
CENSUS = "lsoa21_population_census2021/TS007A_age_by_five_year_age_bands_lsoa21_nomis.csv"
LSOA_SICBL = "lookup_lsoa21_sicbl24_icb24_lad24/LSOA21_SICBL24_ICB24_LAD24_EN_LU_derived.csv"
PRAC_MAP = "nhsd_gp_reg_pat_prac_map_2025-10/gp-reg-pat-prac-map.csv"
LIST_SIZES = "nhsd_gp_reg_pat_prac_all_2025-04/gp-reg-pat-prac-all.csv"
LOCATIONS = "practice_pcn_geocoded_lookup_2024-01/lookup.csv"
SSOT_LOCATIONS = "gp_reg_lsoa_ssot_icb_2025-10/SSOT_GP_Practice_Locations.csv"
REGISTRATIONS = "gp_reg_lsoa_ssot_icb_2025-10/SSOT_GP_Patients_Oct25_clean.csv"


def load_raw_inputs(root: Path | None = None, with_geometry: bool = True):
    """LSOAs (code, residents, sicbl, icb, geometry), practices (code, pcn, sicbl, icb, list_size,
    geometry) and registrations (lsoa, practice, patients) read directly from the mirror's files.

    ``sicbl``/``icb`` are ODS codes (LSOAs: ONS 2024 lookup; practices: the Oct 2025 map).
    ``with_geometry=False`` replaces LSOA polygons by their representative points (faster tests).
    """
    root = Path(root or mirror_root())
    lsoa = gpd.read_file(root / LSOA_GPKG, engine="pyogrio", columns=["lsoa21_code"])
    lsoa = lsoa[lsoa["lsoa21_code"].str.startswith("E01")].to_crs(BNG)
    pop = pd.read_csv(root / CENSUS, skiprows=4, dtype={"mnemonic": str})
    pop = pop[pop["mnemonic"].astype(str).str.startswith("E01", na=False)]
    pop = pd.to_numeric(pop.set_index("mnemonic")["Total"], errors="coerce")
    lk = pd.read_csv(root / LSOA_SICBL, dtype=str).set_index("LSOA21CD")
    code = lsoa["lsoa21_code"].astype(object)
    geom = lsoa.geometry.representative_point() if not with_geometry else lsoa.geometry
    lsoa = gpd.GeoDataFrame(
        {
            "code": code.to_numpy(),
            "residents": code.map(pop).fillna(0).astype("int64").to_numpy(),
            "sicbl": code.map(lk["SICBL24CDH"]).to_numpy(),
            "icb": code.map(lk["ICB24CDH"]).to_numpy(),
        },
        geometry=geom.values,
        crs=BNG,
    )

    m = pd.read_csv(root / PRAC_MAP, dtype=str)
    sizes = pd.read_csv(root / LIST_SIZES, dtype=str)
    sizes = pd.to_numeric(sizes.set_index("CODE")["NUMBER_OF_PATIENTS"], errors="coerce")
    nat = pd.read_csv(root / LOCATIONS, dtype=str)
    ss = pd.read_csv(root / SSOT_LOCATIONS, dtype=str)
    locs = pd.concat(
        [
            pd.DataFrame(
                {
                    "code": nat["PRAC_CODE"],
                    "pc": nat["PRAC_POSTCODE"],
                    "lat": nat["PRAC_LAT"],
                    "lng": nat["PRAC_LNG"],
                }
            ),
            pd.DataFrame(
                {
                    "code": ss["PRACTICE_CODE"],
                    "pc": ss["PRACTICE_POSTCODE"],
                    "lat": ss["Latitude_1m"],
                    "lng": ss["Longitude_1m"],
                }
            ),
        ],
        ignore_index=True,
    )
    locs[["lat", "lng"]] = locs[["lat", "lng"]].apply(pd.to_numeric, errors="coerce")
    locs = locs.dropna(subset=["lat", "lng"]).drop_duplicates("code")
    by_code, by_pc = locs.set_index("code"), locs.drop_duplicates("pc").set_index("pc")
    lat = m["PRACTICE_CODE"].map(by_code["lat"]).fillna(m["PRACTICE_POSTCODE"].map(by_pc["lat"]))
    lng = m["PRACTICE_CODE"].map(by_code["lng"]).fillna(m["PRACTICE_POSTCODE"].map(by_pc["lng"]))
    pts = gpd.GeoSeries(gpd.points_from_xy(lng, lat), crs="EPSG:4326").to_crs(BNG)
    pts = pts.where(lat.notna().to_numpy(), None)
    practices = gpd.GeoDataFrame(
        {
            "code": m["PRACTICE_CODE"].to_numpy(),
            "pcn": m["PCN_CODE"].to_numpy(),
            "sicbl": m["SUB_ICB_LOCATION_CODE"].to_numpy(),
            "icb": m["ICB_CODE"].to_numpy(),
            "list_size": m["PRACTICE_CODE"].map(sizes).astype("Int64").to_numpy(),
        },
        geometry=pts.values,
        crs=BNG,
    )

    r = pd.read_csv(root / REGISTRATIONS, dtype=str)
    r = r[r["LSOA_CODE"].str.match(r"^E01\d{6}$", na=False)]
    reg = pd.DataFrame(
        {
            "lsoa": r["LSOA_CODE"].to_numpy(),
            "practice": r["PRACTICE_CODE"].to_numpy(),
            "patients": pd.to_numeric(r["NUMBER_OF_PATIENTS"], errors="coerce")
            .fillna(0)
            .astype("int64")
            .to_numpy(),
        }
    )
    reg = reg.groupby(["lsoa", "practice"], as_index=False)["patients"].sum()
    return lsoa, practices, reg


def load_atlas_inputs(vintage: str):
    from ics_maps.atlas import load_atlas
    from ics_maps.readers import read_gp_lsoa_registrations

    atlas = load_atlas(vintage)
    lsoa = atlas.lsoa[["code", "residents", "sicbl", "icb", "geometry"]].copy()
    pr = atlas.practices
    practices = pr[["code", "pcn", "sicbl", "icb", "list_size", "geometry"]].copy()
    practices.loc[~pr["has_location"].astype(bool), "geometry"] = None
    reg, _ = read_gp_lsoa_registrations()
    return lsoa, practices, reg


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--atlas", metavar="VINTAGE", help="take LSOAs and practices from a built atlas"
    )
    ap.add_argument(
        "--no-zone",
        action="store_true",
        help="drop the sub-ICB zone term and the per-ICB κ "
        "(model on distance and list size only, national registered-per-resident ratio)",
    )
    ap.add_argument("--out", default=str(HERE / "results" / "catchments.json"))
    args = ap.parse_args(argv)

    t = time.perf_counter()
    if args.atlas:
        lsoa, practices, reg = load_atlas_inputs(args.atlas)
        source = f"atlas {args.atlas}"
    else:
        lsoa, practices, reg = load_raw_inputs()
        source = f"mirror {mirror_root()}"
    prac_sicbl = practices.set_index("code")["sicbl"]
    if args.no_zone:
        lsoa, practices = (
            lsoa.drop(columns=["sicbl", "icb"]),
            practices.drop(columns=["sicbl", "icb"]),
        )
    load_s = time.perf_counter() - t
    print(
        f"inputs from {source} ({load_s:.1f} s): {len(lsoa):,} LSOAs, {len(practices):,} practices "
        f"({int(practices.geometry.isna().sum())} without location), {len(reg):,} registration "
        "rows "
        f"({reg['practice'].nunique()} practices, {int(reg['patients'].sum()):,} patients)"
    )

    # 1. fit on all the real data
    t = time.perf_counter()
    params = catchments.fit_model(lsoa, practices, reg)
    fit_s = time.perf_counter() - t
    print(f"\nfit_model: {fit_s:.2f} s (of which optimiser {params.fit_seconds:.2f} s)")
    print(
        f"  alpha={params.alpha:.3f} beta={params.beta:.3f}/km gamma={params.gamma:.3f} "
        f"d0={params.d0_km:.3f} km "
        f"zone_penalty={params.zone_penalty:.3f} (zone term {'on' if params.zone_used else 'off'})"
    )
    print(
        f"  {params.fit_lsoas:,} LSOAs, {params.fit_rows:,} rows, {params.fit_patients:,} "
        "patients; "
        f"{params.fit_patients_outside_k:.2%} beyond the {params.k} nearest; loglik/patient "
        f"{params.loglik_per_patient:.4f}"
    )

    # 2. out-of-sample: folds = sub-ICB location of the practice holding most of each LSOA's real
    # patients
    main_practice = (
        reg.sort_values("patients", ascending=False)
        .drop_duplicates("lsoa")
        .set_index("lsoa")["practice"]
    )
    groups = main_practice.map(prac_sicbl)
    cv = catchments.cross_validate(lsoa, practices, reg, groups=groups)
    names = [k for k in cv["overall"]]
    print(
        f"\nout-of-sample agreement ({cv['n_folds']} folds by sub-ICB location of each LSOA's main "
        "practice; "
        f"{cv['seconds']:.1f} s). 'all' = every held-out real patient; 'core' = LSOAs where the "
        "file holds "
        f"≥{cv['core_threshold']:.0%} of residents×κ; 'share' = PCN share agreement"
    )
    head = f"{'fold':6} {'LSOAs':>6} {'patients':>9} " + " ".join(f"{n:>9}" for n in names)
    print(head)
    for f in cv["folds"]:
        print(
            f"{f['fold']:6} {f['test_lsoas']:6d} {f['test_patients']:9,d} "
            + " ".join(f"{f[n]['agreement']:9.4f}" for n in names)
        )
    for key in ("agreement", "agreement_core", "share_agreement"):
        print(f"{'pooled ' + key:23} " + " ".join(f"{cv['overall'][n][key]:9.4f}" for n in names))

    # 3. the build on all England, then footprints
    t = time.perf_counter()
    catchments.build_catchments(lsoa, practices, reg, params=params)
    build_fixed_s = time.perf_counter() - t
    t = time.perf_counter()
    cat_fit = catchments.build_catchments(
        lsoa, practices, reg
    )  # as the atlas build calls it: fits inside
    build_fit_s = time.perf_counter() - t
    t = time.perf_counter()
    foot = catchments.pcn_footprints(lsoa, cat_fit.lsoa_pcn, cat_fit.pcn_method)
    foot_s = time.perf_counter() - t
    pm = cat_fit.pcn_method
    no_foot = sorted(set(pm["pcn"]) - set(foot["code"]))
    shares = cat_fit.pcn_lsoa.groupby("lsoa")["share"].sum()
    print(
        f"\nbuild_catchments (all England): {build_fit_s:.2f} s with the fit, {build_fixed_s:.2f} "
        "s with fixed params "
        f"{cat_fit.report['timings_s']}"
    )
    print(
        f"pcn_footprints: {foot_s:.2f} s, {len(foot):,} footprints ({foot.attrs['dissolve']}), all "
        "valid: "
        f"{bool(foot.is_valid.all())}"
    )
    print(
        f"PCNs: {len(pm):,}; by method {pm['method'].value_counts().to_dict()}; with footprint "
        f"{len(foot):,}; "
        f"without: {len(no_foot)} (never the majority: {cat_fit.report['pcns_never_majority']}, "
        f"no location or registrations: {cat_fit.report['pcns_without_location_or_registrations']})"
    )
    print(
        f"pcn_lsoa rows {len(cat_fit.pcn_lsoa):,}; LSOAs {cat_fit.pcn_lsoa['lsoa'].nunique():,}; "
        "share sums "
        f"{shares.min():.6f}–{shares.max():.6f}; in-sample agreement "
        f"{cat_fit.model.agreement_in_sample:.4f}; "
        f"model diagnostics {cat_fit.report['model_diagnostics']}"
    )
    real_pcns = pm[pm["method"] == "registrations"]
    print(
        f"registrations PCNs: {len(real_pcns)}; in-sample per-PCN agreement median "
        f"{real_pcns['agreement'].median():.3f} "
        f"(min {real_pcns['agreement'].min():.3f})"
    )

    out = {
        "source": source,
        "load_s": round(load_s, 2),
        "params": params.to_dict(),
        "fit_s": round(fit_s, 3),
        "cross_validation": cv,
        "build_catchments_s": round(build_fit_s, 3),
        "build_catchments_fixed_params_s": round(build_fixed_s, 3),
        "pcn_footprints_s": round(foot_s, 3),
        "footprints": len(foot),
        "footprint_dissolve": foot.attrs["dissolve"],
        "pcns": len(pm),
        "pcns_by_method": pm["method"].value_counts().to_dict(),
        "pcns_without_footprint": len(no_foot),
        "report": cat_fit.report,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps(out, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    )
    print(f"\nwrote {args.out}")
    return out


if __name__ == "__main__":
    main()
