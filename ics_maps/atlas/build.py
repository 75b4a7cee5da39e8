"""Build one vintage's atlas from the catalogue: LSOA atoms first, every tier from them.

The LSOA 2021 atom carries Census 2021 residents and its code in every tier, so each tier's
population, and every nesting table later, is a sum over atoms. Where a vintage has an ONS
LSOA 2021 lookup the atoms are exact; where it has none (2022, 2021) each atom goes to the polygon
holding a point inside it ("best fit"), and the fit is measured and reported.
"""
from __future__ import annotations

import hashlib
import time
import warnings
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import readers as R
from .atlas import FORMAT_VERSION, Atlas, atlas_exists, load_atlas, save_atlas, stored_fingerprint
from .errors import DataError, DataWarning
from .fetch import dataset, local_path
from .paths import waves_csv
from .sources import DEFAULT_VINTAGE, VINTAGES, Vintage
from .classes import class_bins
from .waves import attach_waves
from .web import web_layers

Progress = Callable[[str, float], None]

# ODS codes of 2026 ICBs that no 2024 code carries: only those documented (ICB_CHANGES_2026.md).
ODS_2026_NEW = {"E54000071": "Z9B2Z", "E54000067": "QRL"}
# April 2023 ICB recodes (ICB (Establishment) (Variation) Order 2023): same areas, new GSS codes.
ICB_ALIASES_2023 = {"E54000052": "E54000063", "E54000053": "E54000064"}
# NHS region codes of April 2021 whose 2022 successors have the same area.
REGION_ALIASES_2021 = {"E40000008": "E40000011", "E40000009": "E40000012"}

BASE_SOURCES = ("lsoa21_bsc", "census21_lsoa_population", "lsoa21_sicbl24_lookup", "sicbl23_icb23_nhser23_lookup",
                "nhser_2022_buc", "lad_2023_buc", "ctyua_2023_buc", "gp_list_2025_04", "practice_locations_2024_01",
                "practice_locations_ssot_2025_10", "gp_lsoa_2025_10")


def vintage(vid: str) -> Vintage:
    try:
        return VINTAGES[vid]
    except KeyError:
        raise ValueError(f"unknown vintage {vid!r}: expected one of {', '.join(VINTAGES)}") from None


def sources_for(v: Vintage) -> list[str]:
    ids = list(BASE_SOURCES) + [v.icb_boundaries, v.primary_care_map]
    ids += [x for x in (v.sicbl_boundaries, v.lsoa_lookup) if x]
    if v.id == "2022":
        ids.append("lsoa11_sicbl22_lookup")
    if v.id == "2021":
        ids.append("ccg21_stp21_nhser21_lookup")
    return ids


# The modules whose code shapes the atlas: editing one of them rebuilds it; the UI does not.
BUILD_MODULES = ("atlas", "build", "catchments", "classes", "fetch", "readers", "sources", "waves", "web")


def fingerprint(v: Vintage) -> str:
    """Hash of the inputs (file sizes and mtimes), the waves facts and the code: same hash, same atlas."""
    h = hashlib.sha256(f"{FORMAT_VERSION}|{v}".encode())
    for ds_id in sorted(sources_for(v)):
        ds = dataset(ds_id)
        p = local_path(ds)
        h.update(f"{ds_id}|{ds.url}|".encode())
        if p is not None:
            st = p.stat()
            h.update(f"{p}|{st.st_size}|{st.st_mtime_ns}".encode())
    here = Path(__file__).parent
    for p in [waves_csv(), *(here / f"{m}.py" for m in BUILD_MODULES)]:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------------------- entry points

def ensure_atlas(vid: str = DEFAULT_VINTAGE, progress: Progress | None = None, root: Path | None = None) -> Atlas:
    """Load the atlas if it is built from the current inputs, else build (and save) it."""
    v = vintage(vid)
    fp = fingerprint(v)
    if atlas_exists(vid, root) and stored_fingerprint(vid, root) == fp:
        return load_atlas(vid, root)
    atlas = build_atlas(vid, progress)
    save_atlas(atlas, root)
    return atlas


def build_atlas(vid: str = DEFAULT_VINTAGE, progress: Progress | None = None) -> Atlas:
    """Build every tier of one vintage in memory (nothing is written here)."""
    v = vintage(vid)
    say = progress or (lambda msg, frac: None)
    t0 = time.perf_counter()
    report: dict = {"warnings": [], "coverage": {}, "derived": {}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        say("Reading LSOA 2021 boundaries and Census 2021 residents", 0.02)
        lsoa = _lsoa_atoms(report)
        say("Assigning LSOA atoms to the vintage's sub-ICB locations and ICBs", 0.2)
        lsoa, sicbl_meta, icb_meta = _assign_nhs_codes(v, lsoa, report)
        say("Local authorities: districts, counties and unitaries", 0.35)
        lad, utla, lsoa = _local_authorities(lsoa, report)
        say("NHS geography polygons", 0.45)
        region, icb, sicbl = _nhs_polygons(v, lsoa, sicbl_meta, icb_meta, report)
        say("GP practices: PCN membership, list sizes, locations", 0.55)
        practices = _practices(v, lsoa, report)
        say("PCN catchments (registrations where known, a fitted model elsewhere)", 0.65)
        pcn, pcn_lsoa, lsoa = _pcns(lsoa, practices, report)
        say("Populations, registered patients and ICS waves", 0.9)
        tiers = _finish(v, lsoa, region, icb, sicbl, utla, lad, pcn, practices, pcn_lsoa, report)
    report["warnings"] += [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    say("Display layers: simplified for the web", 0.95)
    web = web_layers(tiers)
    meta = _meta(v, tiers, pcn_lsoa, report, time.perf_counter() - t0)
    say("Atlas built", 1.0)
    return Atlas(vintage=v.id, tiers=tiers, pcn_lsoa=pcn_lsoa, meta=meta, web=web)


# ---------------------------------------------------------------------------- steps

def _lsoa_atoms(report: dict) -> gpd.GeoDataFrame:
    lsoa = R.read_lsoa_boundaries()
    pop = R.read_census_population()
    lsoa = lsoa.merge(pop, on="code", how="left", validate="1:1")
    missing = int(lsoa["residents"].isna().sum())
    report["coverage"]["lsoa_with_census_population"] = 1 - missing / len(lsoa)
    if missing:
        warnings.warn(f"{missing} LSOA(s) have no Census 2021 population; counted as 0", DataWarning)
        lsoa["residents"] = lsoa["residents"].fillna(0)
    lsoa["residents"] = lsoa["residents"].astype("int64")
    extra = set(pop["code"]) - set(lsoa["code"])
    if extra:
        warnings.warn(f"{len(extra)} Census LSOA code(s) have no boundary, e.g. {sorted(extra)[:3]}", DataWarning)
    lsoa["_pt"] = lsoa.geometry.representative_point()
    return lsoa


def _join_lookup(lsoa: gpd.GeoDataFrame, lookup: pd.DataFrame, ds_id: str, report: dict) -> gpd.GeoDataFrame:
    """Attach lookup columns to atoms, measuring the join both ways."""
    lk = set(lookup["lsoa"])
    have = lsoa["code"].isin(lk)
    report["coverage"][f"lsoa_in_{ds_id}"] = float(have.mean())
    orphans = len(lk - set(lsoa["code"]))
    report["coverage"][f"{ds_id}_rows_joined_to_boundaries"] = 1 - orphans / len(lk)
    if not have.all():
        raise DataError(dataset(ds_id), f"{int((~have).sum())} English LSOA(s) are not in the lookup, "
                                        f"e.g. {lsoa.loc[~have, 'code'].head(3).tolist()}: expected all 33,755")
    if orphans:
        warnings.warn(f"{orphans} lookup LSOA code(s) join to no boundary", DataWarning)
    return lsoa.merge(lookup.rename(columns={"lsoa": "code"}), on="code", how="left")


def _best_fit(points: gpd.GeoSeries, polys: gpd.GeoDataFrame) -> tuple[np.ndarray, int]:
    """Code of the polygon containing each point; nearest polygon for points outside all (coast)."""
    pts = gpd.GeoDataFrame(geometry=points.values, crs=points.crs)
    hit = gpd.sjoin(pts, polys[["code", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated()]
    codes = hit["code"].reindex(range(len(pts))).to_numpy(dtype=object)
    miss = pd.isna(codes)
    if miss.any():
        near = gpd.sjoin_nearest(pts[miss], polys[["code", "geometry"]], how="left")
        near = near[~near.index.duplicated()]
        codes[np.flatnonzero(miss)] = near["code"].to_numpy()
    return codes, int(miss.sum())


def _assign_nhs_codes(v: Vintage, lsoa: gpd.GeoDataFrame, report: dict):
    """Give each atom its sub-ICB, ICB and region code in this vintage, and return tier name tables."""
    base = R.read_lsoa_lookup("lsoa21_sicbl24_lookup")  # LAD24 and the ICB whose wave an LSOA carries
    regions23 = R.read_sicbl_region_lookup()
    icb_region = regions23.drop_duplicates("icb").set_index("icb")
    lsoa = _join_lookup(lsoa, base[["lsoa", "lad", "lad_name", "icb", "sicbl"]].rename(
                            columns={"icb": "icb24", "sicbl": "sicbl24"}),
                        "lsoa21_sicbl24_lookup", report)
    if v.lsoa_lookup == "lsoa21_sicbl24_lookup":
        lk = base
        lk = lk.merge(regions23[["sicbl", "region", "region_ods", "region_name"]], on="sicbl", how="left")
    elif v.lsoa_lookup:
        lk = R.read_lsoa_lookup(v.lsoa_lookup)
        old = base.drop_duplicates("icb").set_index("icb")["icb_ods"]
        lk["icb_ods"] = lk["icb"].map(old).fillna(lk["icb"].map(ODS_2026_NEW))
    else:
        lk = None
    if lk is not None:
        cols = ["lsoa", "sicbl", "sicbl_ods", "sicbl_name", "icb", "icb_ods", "icb_name", "region", "region_ods",
                "region_name"]
        lsoa = _join_lookup(lsoa, lk[cols], v.lsoa_lookup, report)
        report["assignment"] = {"method": "ONS LSOA 2021 lookup", "lookup": v.lsoa_lookup,
                                "derived_lookup": dataset(v.lsoa_lookup).derived}
    else:
        lsoa = _best_fit_codes(v, lsoa, icb_region, report)
    sicbl_meta = lsoa.groupby("sicbl").agg(name=("sicbl_name", "first"), ods_code=("sicbl_ods", "first"),
                                           icb=("icb", "first"), n_icb=("icb", "nunique"))
    if (sicbl_meta["n_icb"] > 1).any():
        bad = sicbl_meta.index[sicbl_meta["n_icb"] > 1].tolist()
        raise DataError(v.id, f"sub-ICB location(s) {bad} fall in more than one ICB: expected exact nesting")
    icb_meta = lsoa.groupby("icb").agg(name=("icb_name", "first"), ods_code=("icb_ods", "first"),
                                       region=("region", "first"), region_name=("region_name", "first"),
                                       n_region=("region", "nunique"))
    if (icb_meta["n_region"] > 1).any():
        warnings.warn(f"ICB(s) {icb_meta.index[icb_meta['n_region'] > 1].tolist()} span two regions", DataWarning)
    return lsoa, sicbl_meta, icb_meta


def _best_fit_codes(v: Vintage, lsoa: gpd.GeoDataFrame, icb_region: pd.DataFrame, report: dict):
    """2022 / 2021: no LSOA 2021 lookup exists, so place each atom by a point inside it."""
    if v.id == "2022":
        sic = R.read_boundaries(v.sicbl_boundaries, "SICBL22CD", "SICBL22NM")
        parents = R.read_sicbl22_lookup()
    else:
        sic = R.read_boundaries(v.sicbl_boundaries, "CCG21CD", "CCG21NM")
        parents = R.read_ccg_stp_lookup()
    icb_polys = R.read_boundaries(v.icb_boundaries, v.icb_code_field, v.icb_name_field)
    codes, outside = _best_fit(lsoa["_pt"], sic)
    lsoa["sicbl"] = codes
    unknown = set(lsoa["sicbl"]) - set(parents["sicbl"])
    if unknown:
        raise DataError(dataset(v.sicbl_boundaries), f"polygon code(s) {sorted(unknown)[:5]} are not in the "
                                                     f"parent lookup: expected every sub-ICB/CCG to have an ICB/STP")
    lsoa = lsoa.merge(parents, on="sicbl", how="left")
    # Regions: ICB → 2023 region, through the April 2023 recodes; STPs through their 2021 region codes.
    if v.id == "2022":
        key = lsoa["icb"].map(lambda c: ICB_ALIASES_2023.get(c, c))
        lsoa["region"] = key.map(icb_region["region"])
    else:
        lsoa["region"] = lsoa.pop("region21").map(lambda c: REGION_ALIASES_2021.get(c, c))
    names = icb_region.drop_duplicates("region").set_index("region")
    lsoa["region_ods"] = lsoa["region"].map(names["region_ods"])
    lsoa["region_name"] = lsoa["region"].map(names["region_name"])
    # How well does the best fit agree with the ICB polygons drawn independently?
    icb_by_point, _ = _best_fit(lsoa["_pt"], icb_polys)
    agree = lsoa["icb"].to_numpy() == icb_by_point
    w = lsoa["residents"].to_numpy()
    report["assignment"] = {
        "method": "best fit: a point inside each LSOA 2021, within the vintage's sub-ICB/CCG polygons",
        "lsoa_points_outside_all_polygons": outside,
        "lsoa_icb_agrees_with_icb_polygons": float(agree.mean()),
        "residents_icb_agrees_with_icb_polygons": float(w[agree].sum() / w.sum()),
    }
    report["derived"]["lsoa_assignment"] = report["assignment"]["method"]
    return lsoa


def _local_authorities(lsoa: gpd.GeoDataFrame, report: dict):
    """LAD polygons (May 2023 = LAD24 codes in England) and upper tier with districts placed in counties.

    There is no LAD → county lookup in the mirror: each district goes to the county holding most of
    its LSOA points, and the derivation is verified (every district wholly in one county).
    """
    lad = R.read_boundaries("lad_2023_buc", "LAD23CD", "LAD23NM", prefix=("E06", "E07", "E08", "E09"))
    cty = R.read_boundaries("ctyua_2023_buc", "CTYUA23CD", "CTYUA23NM", prefix=("E06", "E08", "E09", "E10"))
    ds = dataset("lad_2023_buc")
    lk = set(lsoa["lad"])
    if lk != set(lad["code"]):
        raise DataError(ds, f"LAD codes differ from the LSOA lookup: {sorted(lk ^ set(lad['code']))[:5]}")
    lsoa = _correct_districts(lsoa, lad, report)
    districts = lsoa["lad"].str.startswith("E07")
    county_of_point, _ = _best_fit(lsoa.loc[districts, "_pt"], cty[cty["code"].str.startswith("E10")])
    votes = pd.DataFrame({"lad": lsoa.loc[districts, "lad"].to_numpy(), "county": county_of_point})
    tally = votes.value_counts().rename("n").reset_index().sort_values("n", ascending=False)
    best = tally.drop_duplicates("lad").set_index("lad")
    share = best["n"] / votes.groupby("lad").size()
    report["coverage"]["district_lsoa_points_in_assigned_county"] = float(best["n"].sum() / len(votes))
    report["derived"]["utla"] = ("districts (E07) placed in counties (E10) by the county holding most of "
                                 f"their LSOA points; lowest agreement {share.min():.3f}")
    if share.min() < 0.9:
        warnings.warn(f"district(s) {share[share < 0.9].index.tolist()} straddle counties", DataWarning)
    lsoa["utla"] = lsoa["lad"].where(~districts, lsoa["lad"].map(best["county"]))
    lad["utla"] = lad["code"].where(~lad["code"].str.startswith("E07"), lad["code"].map(best["county"]))
    empty = set(cty["code"]) - set(lsoa["utla"])
    if empty:
        raise DataError(dataset("ctyua_2023_buc"), f"upper-tier area(s) {sorted(empty)} received no LSOA")
    lad["derived"] = False
    cty["derived"] = False
    return lad, cty, lsoa


def _correct_districts(lsoa: gpd.GeoDataFrame, lad: gpd.GeoDataFrame, report: dict) -> gpd.GeoDataFrame:
    """Move an LSOA to its own district where the lookup's best-fit district is plainly wrong.

    Why: the mirror's LAD column comes from ONS's best-fit LSOA → ward lookup, which puts one LSOA
    ("West Northamptonshire 048E", 96 % of its area in West Northamptonshire) in a Cherwell ward; left
    alone it made Cherwell, and so Oxfordshire, look split across three ICBs. LSOAs 2021 nest in
    districts and are named after theirs, so an LSOA whose lookup district differs from the district
    most LSOAs of its name are in, *and* whose inner point lies in that named district's polygon, is
    moved there. The moves are listed in the build report.
    """
    prefix = lsoa["name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    pairs = pd.DataFrame({"prefix": prefix, "lad": lsoa["lad"]}).value_counts().rename("n").reset_index()
    named = pairs.sort_values("n", ascending=False).drop_duplicates("prefix").set_index("prefix")["lad"]
    expected = prefix.map(named)
    odd = (lsoa["lad"] != expected).to_numpy()
    moves: list[dict] = []
    if odd.any():
        by_point, _ = _best_fit(lsoa.loc[odd, "_pt"], lad)
        fix = np.zeros(len(lsoa), dtype=bool)
        fix[np.flatnonzero(odd)] = by_point == expected[odd].to_numpy()
        names = lad.set_index("code")["name"]
        for i in np.flatnonzero(fix):
            moves.append({"lsoa": lsoa["code"].iat[i], "name": lsoa["name"].iat[i], "lookup_lad": lsoa["lad"].iat[i],
                          "lad": expected.iat[i]})
        lsoa.loc[fix, "lad"] = expected[fix]
        lsoa.loc[fix, "lad_name"] = expected[fix].map(names)
    report["corrections"] = {"lsoa_district_moved_from_best_fit_ward_lookup": moves}
    if moves:
        report["derived"]["lad_lsoa"] = (f"{len(moves)} LSOA(s) moved from the district of ONS's best-fit ward "
                                          "lookup to the district they are named after and lie in")
    return lsoa


def _dissolve(atoms: gpd.GeoDataFrame, by: str) -> gpd.GeoSeries:
    """Union LSOA polygons per code. (A coverage union would be faster, but the reprojected BSC LSOAs
    are not exactly noded, so GEOS refuses it; the unary union takes ~1.4 s for 106 sub-ICBs.)"""
    out = atoms[[by, "geometry"]].dissolve(by=by)
    bad = ~out.geometry.is_valid
    if bad.any():
        out.loc[bad, "geometry"] = shapely.make_valid(out.geometry[bad].values)
    return out.geometry


def _nhs_polygons(v: Vintage, lsoa, sicbl_meta, icb_meta, report):
    region = R.read_boundaries("nhser_2022_buc", "NHSER22CD", "NHSER22NM")
    region_ods = lsoa.drop_duplicates("region").set_index("region")["region_ods"]
    region["ods_code"] = region["code"].map(region_ods).astype("string")
    missing = set(lsoa["region"].dropna()) - set(region["code"])
    if missing or lsoa["region"].isna().any():
        raise DataError(dataset("nhser_2022_buc"), f"region code(s) {sorted(missing)} of vintage {v.id} "
                                                   f"have no polygon; expected the 7 NHS England regions")
    region["derived"] = False
    icb = R.read_boundaries(v.icb_boundaries, v.icb_code_field, v.icb_name_field)
    icb_ds = dataset(v.icb_boundaries)
    atoms, polys = set(icb_meta.index), set(icb["code"])
    report["coverage"]["icb_codes_joined"] = len(atoms & polys) / len(atoms | polys)
    if atoms != polys:
        raise DataError(icb_ds, f"ICB codes differ between boundaries and LSOA assignment: {sorted(atoms ^ polys)}")
    icb["ods_code"] = icb["code"].map(icb_meta["ods_code"]).astype("string")
    icb["region"] = icb["code"].map(icb_meta["region"])
    icb["region_name"] = icb["code"].map(icb_meta["region_name"])
    icb["derived"] = False
    if v.sicbl_boundaries is None:
        geom = _dissolve(lsoa, "sicbl")
        sicbl = gpd.GeoDataFrame({"code": geom.index, "name": geom.index.map(sicbl_meta["name"]),
                                  "ods_code": geom.index.map(sicbl_meta["ods_code"]).astype("string")},
                                 geometry=geom.values, crs=lsoa.crs)
        sicbl["derived"] = True
        report["derived"]["sicbl"] = "sub-ICB polygons dissolved from LSOA 2021 BSC boundaries (no ONS file)"
    else:
        f = {"sicbl_2023_bsc": ("code", "name"), "sicbl_2022_buc": ("SICBL22CD", "SICBL22NM"),
             "ccg_2021_bsc": ("CCG21CD", "CCG21NM")}[v.sicbl_boundaries]
        sicbl = R.read_boundaries(v.sicbl_boundaries, *f)
        sicbl["ods_code"] = sicbl["code"].map(sicbl_meta["ods_code"]).astype("string")
        sicbl["derived"] = False
        missing = set(sicbl["code"]) ^ set(sicbl_meta.index)
        if missing:
            raise DataError(dataset(v.sicbl_boundaries), f"sub-ICB codes differ from the LSOA assignment: "
                                                         f"{sorted(missing)[:6]}")
    sicbl["icb"] = sicbl["code"].map(sicbl_meta["icb"])
    sicbl["region"] = sicbl["icb"].map(icb_meta["region"])
    return region, icb, sicbl


def _practices(v: Vintage, lsoa: gpd.GeoDataFrame, report: dict) -> gpd.GeoDataFrame:
    """Practices with PCN, list size and location; their sub-ICB/ICB/region in this vintage's codes."""
    prac = R.read_practice_map(v.primary_care_map)
    sizes = R.read_list_sizes()
    locs = R.read_practice_locations()
    prac = prac.merge(sizes, on="code", how="left")
    by_code = locs.set_index("code")
    by_pc = locs.drop_duplicates("postcode").set_index("postcode")
    lat = prac["code"].map(by_code["lat"])
    lng = prac["code"].map(by_code["lng"])
    src = prac["code"].map(by_code["location_source"])
    via_pc = lat.isna()
    lat = lat.fillna(prac["postcode"].map(by_pc["lat"]))
    lng = lng.fillna(prac["postcode"].map(by_pc["lng"]))
    src = src.fillna(prac["postcode"].map(by_pc["location_source"]).radd("postcode match: ", fill_value=None))
    prac["location_source"] = src
    pts = R.to_points_bng(lng, lat)
    gdf = gpd.GeoDataFrame(prac, geometry=pts.values, crs=R.BNG)
    gdf["has_location"] = lat.notna().to_numpy()
    gdf["list_size"] = gdf["list_size"].astype("Int64")
    # The LSOA each located practice stands in: gives the vintage's codes where the ODS parent cannot.
    located = gdf[gdf["has_location"]]
    codes, _ = _best_fit(located.geometry, lsoa[["code", "geometry"]])  # nearest LSOA for coastal points
    hit = pd.DataFrame({"code": codes}, index=located.index)
    hit["sicbl"] = hit["code"].map(lsoa.set_index("code")["sicbl"])
    gdf["lsoa"] = hit["code"].reindex(gdf.index)
    if v.id in ("2024",):
        pass  # the map's ONS sub-ICB/ICB codes are this vintage's codes
    elif v.id == "2026":
        # The practice map still carries 2024 sub-ICB codes. Sub-ICBs whose LSOAs all moved to one 2026
        # sub-ICB are renamed; a split one (Frimley) sends each practice where its location lies.
        pairs = lsoa.groupby(["sicbl24", "sicbl"]).size().reset_index()
        one = pairs.groupby("sicbl24").filter(lambda g: len(g) == 1).set_index("sicbl24")["sicbl"]
        new = gdf["sicbl"].map(one)
        split = new.isna()
        new[split] = hit["sicbl"].reindex(gdf.index)[split]
        gdf["sicbl"] = new
        report["coverage"]["practices_placed_in_split_sicbl_by_location"] = int(split.sum())
    else:
        ods_parent = gdf["sicbl"].where(gdf["sicbl"].isin(set(lsoa["sicbl"])))  # same code in this vintage
        gdf["sicbl"] = hit["sicbl"].reindex(gdf.index).fillna(ods_parent)
        report["derived"]["practice_sicbl"] = ("practices placed in the vintage's sub-ICB by their location "
                                               "(unlocated ones by their ODS parent where its code still exists)")
    sic_icb = lsoa.drop_duplicates("sicbl").set_index("sicbl")
    gdf["icb"] = gdf["sicbl"].map(sic_icb["icb"])
    gdf["region"] = gdf["sicbl"].map(sic_icb["region"])
    n = len(gdf)
    report["practices"] = {
        "extract": str(prac["extract_date"].iloc[0]), "practices": n,
        "without_location": int((~gdf["has_location"]).sum()),
        "located_by_postcode": int((via_pc & gdf["has_location"]).sum()),
        "without_list_size": int(gdf["list_size"].isna().sum()),
        "unallocated_practices": int((gdf["pcn"] == "U").sum()),
        "without_vintage_sicbl": int(gdf["sicbl"].isna().sum()),
        "list_sizes_in_file_not_in_map": int((~sizes["code"].isin(gdf["code"])).sum()),
    }
    report["coverage"]["practices_with_location"] = float(gdf["has_location"].mean())
    report["coverage"]["practices_with_list_size"] = float(gdf["list_size"].notna().mean())
    if gdf["sicbl"].isna().any():
        warnings.warn(f"{int(gdf['sicbl'].isna().sum())} practice(s) have no sub-ICB in vintage {v.id}", DataWarning)
    return gdf.drop(columns=["extract_date"])


def _pcns(lsoa, practices, report):
    """PCN catchments (see catchments.py) and the PCN tier: one row per PCN with its footprint."""
    from . import catchments as C

    regs, reg_report = R.read_gp_lsoa_registrations()
    known = practices["code"]
    regs = regs[regs["practice"].isin(known)]
    report["registrations"] = reg_report
    inputs = practices[["code", "pcn", "list_size", "sicbl", "icb", "geometry"]].copy()
    inputs.loc[~practices["has_location"], "geometry"] = None
    # sub-ICB and ICB matter to the model: patients rarely cross sub-ICB lines, and the registered-to-
    # resident ratio differs by ICB (see catchments.py).
    result = C.build_catchments(lsoa[["code", "residents", "sicbl", "icb", "geometry"]], inputs, regs)
    pcn_lsoa = result.pcn_lsoa
    lsoa["pcn"] = lsoa["code"].map(result.lsoa_pcn)
    allocated = practices[practices["pcn"] != "U"]
    members = allocated.groupby("pcn").agg(
        name=("pcn_name", "first"), n_practices=("code", "size"),
        list_size=("list_size", lambda s: int(s.sum(min_count=1)) if s.notna().any() else pd.NA),
        n_located=("has_location", "sum"))
    # A PCN's parents: where most of its listed patients' practices are (one PCN spans two ICBs).
    w = allocated.assign(w=allocated["list_size"].fillna(0).astype(float) + 1e-6)
    for col in ("sicbl", "icb", "region"):
        share = w.groupby(["pcn", col])["w"].sum().reset_index().sort_values("w", ascending=False)
        members[col] = share.drop_duplicates("pcn").set_index("pcn")[col]
    n_icb = allocated.groupby("pcn")["icb"].nunique()
    members["n_icb"] = n_icb
    foot = C.pcn_footprints(lsoa[["code", "geometry"]], result.lsoa_pcn, result.pcn_method)
    foot = foot.set_index("code")
    method = result.pcn_method.set_index("pcn")["method"]
    pcn = gpd.GeoDataFrame({
        "code": members.index, "name": members["name"].values, "ods_code": members.index.astype("string"),
        "sicbl": members["sicbl"].values, "icb": members["icb"].values, "region": members["region"].values,
        "n_icb": members["n_icb"].values, "list_size": members["list_size"].astype("Int64").values,
        "n_practices": members["n_practices"].values, "n_located": members["n_located"].values,
        "method": members.index.map(method).fillna("none").values,
    }, geometry=gpd.GeoSeries(members.index.map(foot["geometry"]), crs=lsoa.crs).values, crs=lsoa.crs)
    pcn["derived"] = True
    pcn["indicative"] = True
    report["pcn"] = {
        "pcns": len(pcn), "with_footprint": int(pcn.geometry.notna().sum() - pcn.geometry.is_empty.sum()),
        "by_method": pcn["method"].value_counts().to_dict(),
        "spanning_two_icbs": pcn.loc[pcn["n_icb"] > 1, "code"].tolist(),
        "model": getattr(result, "model_report", None) or _as_dict(getattr(result, "model", None)),
    }
    report["derived"]["pcn"] = "PCN footprints: LSOAs dissolved by the PCN most of their residents use (indicative)"
    return pcn, pcn_lsoa, lsoa


def _as_dict(obj):
    if obj is None:
        return None
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict
        return {k: (v if isinstance(v, (int, float, str, bool, type(None), list, dict)) else str(v))
                for k, v in asdict(obj).items()}
    return str(obj)


def _finish(v, lsoa, region, icb, sicbl, utla, lad, pcn, practices, pcn_lsoa, report):
    """Residents and registered patients per tier, waves, and the final column order."""
    res = {t: lsoa.groupby(t)["residents"].sum() for t in ("region", "icb", "sicbl", "utla", "lad")}
    for t, gdf in (("region", region), ("icb", icb), ("sicbl", sicbl), ("utla", utla), ("lad", lad)):
        gdf["residents"] = gdf["code"].map(res[t]).fillna(0).astype("int64")
    weighted = pcn_lsoa.merge(lsoa[["code", "residents"]], left_on="lsoa", right_on="code")
    pcn_res = (weighted["residents"] * weighted["share"]).groupby(weighted["pcn"]).sum()
    pcn["residents"] = pcn["code"].map(pcn_res).fillna(0).round().astype("int64")
    reg = practices.groupby("icb")["list_size"].sum(min_count=1)
    icb["registered"] = icb["code"].map(reg).astype("Int64")
    icb["n_pcn"] = icb["code"].map(pcn.groupby("icb").size()).fillna(0).astype("int64")
    icb = attach_waves(icb, lsoa, R.read_waves())
    lsoa_out = lsoa.drop(columns=["_pt"])[["code", "name", "residents", "region", "icb", "sicbl", "utla", "lad",
                                          "pcn", "icb24", "geometry"]]
    lsoa_out["ods_code"] = pd.array([pd.NA] * len(lsoa_out), dtype="string")
    practices = practices.copy()
    practices["ods_code"] = practices["code"].astype("string")
    return {"region": region, "icb": icb, "sicbl": sicbl, "utla": utla, "lad": lad, "pcn": pcn,
            "practice": practices, "lsoa": lsoa_out}


def _meta(v: Vintage, tiers, pcn_lsoa, report, seconds) -> dict:
    counts = {t: int(len(g)) for t, g in tiers.items()}
    terms = {"icb": v.icb_term, "sicbl": v.sicbl_term}
    prac = tiers["practice"]
    return {
        "vintage": v.id, "label": v.label, "notes": v.notes, "terms": terms,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "build_seconds": round(seconds, 2),
        "fingerprint": fingerprint(v), "sources": sources_for(v), "counts": counts,
        "residents": {t: int(tiers[t]["residents"].sum()) for t in ("region", "icb", "sicbl", "utla", "lad", "lsoa")},
        "registered_patients": int(prac["list_size"].sum()),
        "registered_patients_in_pcns": int(prac.loc[prac["pcn"] != "U", "list_size"].sum()),
        "primary_care_extract": report.get("practices", {}).get("extract"),
        "list_size_extract": "2025-04-01",
        "derived_tiers": [t for t, g in tiers.items() if "derived" in g and bool(g["derived"].any())],
        # National colour classes of ICB residents, computed once here so the app's maps keep the same
        # colours under any filter and need not import mapclassify at start-up.
        "icb_residents_bins": class_bins(tiers["icb"]["residents"], k=5, scheme="FisherJenks"),
        **report,
    }


def info(atlas: Atlas) -> dict:
    """Per-tier counts, residents and registered patients, plus build facts (for `ics-maps info`)."""
    m = atlas.meta
    out = {"vintage": atlas.vintage, "label": m.get("label"), "built_at": m.get("built_at"), "tiers": {}}
    for t, g in atlas.tiers.items():
        row = {"units": int(len(g))}
        if "residents" in g:
            row["residents"] = int(g["residents"].sum())
        if t == "practice":
            row["registered_patients"] = int(g["list_size"].sum())
        if t == "icb":
            row["registered_patients"] = int(g["registered"].sum())
        if t == "pcn":
            row["registered_patients"] = int(g["list_size"].sum())
        if "derived" in g:
            row["derived"] = bool(g["derived"].any())
        out["tiers"][t] = row
    for k in ("practices", "coverage", "assignment", "pcn", "derived", "warnings", "primary_care_extract",
              "list_size_extract", "registrations", "build_seconds"):
        if k in m:
            out[k] = m[k]
    return out
