"""GP practices placed in a vintage, and the PCN tier made from their catchments."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd

from ics_maps.atlas._placement import best_fit
from ics_maps.atlas.catchments import build_catchments, pcn_footprints
from ics_maps.crs import BNG
from ics_maps.errors import DataError, DataWarning
from ics_maps.readers import (
    read_gp_lsoa_registrations,
    read_list_sizes,
    read_practice_locations,
    read_practice_map,
    to_points_bng,
)
from ics_maps.sources.catalogue import dataset
from ics_maps.sources.vintages import Vintage


def locate_practices(v: Vintage, lsoa: gpd.GeoDataFrame, report: dict) -> gpd.GeoDataFrame:
    """Practices with PCN, list size and location; their sub-ICB/ICB/region in this vintage's
    codes."""
    prac = read_practice_map(v.primary_care_map)
    sizes = read_list_sizes()
    locs = read_practice_locations()
    prac = prac.merge(sizes, on="code", how="left")
    by_code = locs.set_index("code")
    by_pc = locs.drop_duplicates("postcode").set_index("postcode")
    lat = prac["code"].map(by_code["lat"])
    lng = prac["code"].map(by_code["lng"])
    src = prac["code"].map(by_code["location_source"])
    via_pc = lat.isna()
    lat = lat.fillna(prac["postcode"].map(by_pc["lat"]))
    lng = lng.fillna(prac["postcode"].map(by_pc["lng"]))
    src = src.fillna(
        prac["postcode"].map(by_pc["location_source"]).radd("postcode match: ", fill_value=None)
    )
    prac["location_source"] = src
    pts = to_points_bng(lng, lat)
    gdf = gpd.GeoDataFrame(prac, geometry=pts.values, crs=BNG)
    gdf["has_location"] = lat.notna().to_numpy()
    gdf["list_size"] = gdf["list_size"].astype("Int64")
    # The LSOA each located practice stands in: gives the vintage's codes where the ODS parent
    # cannot.
    located = gdf[gdf["has_location"]]
    codes, _ = best_fit(
        located.geometry, lsoa[["code", "geometry"]]
    )  # nearest LSOA for coastal points
    hit = pd.DataFrame({"code": codes}, index=located.index)
    hit["sicbl"] = hit["code"].map(lsoa.set_index("code")["sicbl"])
    gdf["lsoa"] = hit["code"].reindex(gdf.index)
    if v.id in ("2024",):
        pass  # the map's ONS sub-ICB/ICB codes are this vintage's codes
    elif v.id == "2026":
        # The practice map still carries 2024 sub-ICB codes. Sub-ICBs whose LSOAs all moved to one
        # 2026 sub-ICB are renamed; a split one (Frimley) sends each practice where its location
        # lies.
        pairs = lsoa.groupby(["sicbl24", "sicbl"]).size().reset_index()
        one = pairs.groupby("sicbl24").filter(lambda g: len(g) == 1).set_index("sicbl24")["sicbl"]
        new = gdf["sicbl"].map(one)
        split = new.isna()
        new[split] = hit["sicbl"].reindex(gdf.index)[split]
        gdf["sicbl"] = new
        report["coverage"]["practices_placed_in_split_sicbl_by_location"] = int(split.sum())
    else:
        ods_parent = gdf["sicbl"].where(
            gdf["sicbl"].isin(set(lsoa["sicbl"]))
        )  # same code in this vintage
        gdf["sicbl"] = hit["sicbl"].reindex(gdf.index).fillna(ods_parent)
        report["derived"]["practice_sicbl"] = (
            "practices placed in the vintage's sub-ICB by their location "
            "(unlocated ones by their ODS parent where its code still exists)"
        )
    sic_icb = lsoa.drop_duplicates("sicbl").set_index("sicbl")
    gdf["icb"] = gdf["sicbl"].map(sic_icb["icb"])
    gdf["region"] = gdf["sicbl"].map(sic_icb["region"])
    n = len(gdf)
    report["practices"] = {
        "extract": str(prac["extract_date"].iloc[0]),
        "practices": n,
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
        warnings.warn(
            f"{int(gdf['sicbl'].isna().sum())} practice(s) have no sub-ICB in vintage {v.id}",
            DataWarning,
            stacklevel=2,
        )
    return gdf.drop(columns=["extract_date"])


# A registrations file covers whole ICBs: nearly every practice the practice map puts in them must
# be there (one of 142 is missing in Oct 2024's map: a practice that closed), and a practice's
# patients by LSOA add up to about its list size (0.95–1.07 of April 2025's in the mirror).
MIN_PRACTICES_COVERED = 0.95
MIN_SHARE_OF_LIST = 0.5


def check_registrations(regs: pd.DataFrame, practices: pd.DataFrame, path: str | None) -> None:
    """Stop the build if the practice × LSOA registrations look cut short: practices missing from
    the ICBs the file covers, or a practice with under half its list size."""
    ds = dataset("gp_lsoa_2025_10")
    where = path or ds.mirror_path
    prac = practices.set_index("code")
    present = pd.Index(regs["practice"].unique())
    icbs = sorted(prac["icb_ods"].reindex(present).dropna().unique())
    if not icbs:
        return
    expected = prac.index[prac["icb_ods"].isin(icbs)]
    missing = expected.difference(present)
    if len(expected) and 1 - len(missing) / len(expected) < MIN_PRACTICES_COVERED:
        raise DataError(
            ds,
            f"{where} holds registrations for {len(expected) - len(missing)} of the "
            f"{len(expected)} practices the practice map puts in ICB(s) {', '.join(icbs)} (rule: "
            f"at least {MIN_PRACTICES_COVERED:.0%}); missing e.g. {sorted(missing)[:5]}: the file "
            "is truncated or holds only part of those ICBs",
        )
    totals = regs.groupby("practice")["patients"].sum()
    sizes = prac["list_size"].reindex(totals.index).astype("float")
    share = totals / sizes
    low = share[share < MIN_SHARE_OF_LIST]
    if len(low):
        code = low.index[0]
        raise DataError(
            ds,
            f"{where}: practice {code}'s registrations total {int(totals[code]):,} patients, "
            f"{low.iloc[0]:.0%} of its list size {int(sizes[code]):,} (rule: at least "
            f"{MIN_SHARE_OF_LIST:.0%}); {len(low)} practice(s) break it: the file is truncated",
        )


def pcn_tier(lsoa, practices, report):
    """PCN catchments (see catchments.py) and the PCN tier: one row per PCN with its footprint."""
    regs, reg_report = read_gp_lsoa_registrations()
    check_registrations(regs, practices, reg_report.get("path"))
    known = practices["code"]
    regs = regs[regs["practice"].isin(known)]
    report["registrations"] = reg_report
    inputs = practices[["code", "pcn", "list_size", "sicbl", "icb", "geometry"]].copy()
    inputs.loc[~practices["has_location"], "geometry"] = None
    # sub-ICB and ICB matter to the model: patients rarely cross sub-ICB lines, and the registered-
    # to- resident ratio differs by ICB (see catchments.py).
    result = build_catchments(lsoa[["code", "residents", "sicbl", "icb", "geometry"]], inputs, regs)
    pcn_lsoa = result.pcn_lsoa
    lsoa["pcn"] = lsoa["code"].map(result.lsoa_pcn)
    allocated = practices[practices["pcn"] != "U"]
    members = allocated.groupby("pcn").agg(
        name=("pcn_name", "first"),
        n_practices=("code", "size"),
        list_size=("list_size", lambda s: int(s.sum(min_count=1)) if s.notna().any() else pd.NA),
        n_located=("has_location", "sum"),
    )
    # A PCN's parents: where most of its listed patients' practices are (one PCN spans two ICBs).
    w = allocated.assign(w=allocated["list_size"].fillna(0).astype(float) + 1e-6)
    for col in ("sicbl", "icb", "region"):
        share = w.groupby(["pcn", col])["w"].sum().reset_index().sort_values("w", ascending=False)
        members[col] = share.drop_duplicates("pcn").set_index("pcn")[col]
    n_icb = allocated.groupby("pcn")["icb"].nunique()
    members["n_icb"] = n_icb
    foot = pcn_footprints(lsoa[["code", "geometry"]], result.lsoa_pcn, result.pcn_method)
    foot = foot.set_index("code")
    method = result.pcn_method.set_index("pcn")["method"]
    pcn = gpd.GeoDataFrame(
        {
            "code": members.index,
            "name": members["name"].values,
            "ods_code": members.index.astype("string"),
            "sicbl": members["sicbl"].values,
            "icb": members["icb"].values,
            "region": members["region"].values,
            "n_icb": members["n_icb"].values,
            "list_size": members["list_size"].astype("Int64").values,
            "n_practices": members["n_practices"].values,
            "n_located": members["n_located"].values,
            "method": members.index.map(method).fillna("none").values,
        },
        geometry=gpd.GeoSeries(members.index.map(foot["geometry"]), crs=lsoa.crs).values,
        crs=lsoa.crs,
    )
    pcn["derived"] = True
    pcn["indicative"] = True
    report["pcn"] = {
        "pcns": len(pcn),
        "with_footprint": int(pcn.geometry.notna().sum() - pcn.geometry.is_empty.sum()),
        "by_method": pcn["method"].value_counts().to_dict(),
        "spanning_two_icbs": pcn.loc[pcn["n_icb"] > 1, "code"].tolist(),
        "model": getattr(result, "model_report", None) or _as_dict(getattr(result, "model", None)),
    }
    report["derived"]["pcn"] = (
        "PCN footprints: LSOAs dissolved by the PCN most of their residents use (indicative)"
    )
    return pcn, pcn_lsoa, lsoa


def _as_dict(obj):
    if obj is None:
        return None
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return {
            k: (v if isinstance(v, (int, float, str, bool, type(None), list, dict)) else str(v))
            for k, v in asdict(obj).items()
        }
    return str(obj)
