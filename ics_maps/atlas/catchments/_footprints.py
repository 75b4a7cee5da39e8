"""Indicative PCN footprints: LSOAs dissolved by the PCN most of their residents use."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def dissolve_group(geoms: np.ndarray):
    try:
        u = shapely.coverage_union_all(geoms)
        if u is not None and u.is_valid:
            return u, "coverage"
    except shapely.errors.GEOSException:
        pass
    u = shapely.union_all(geoms)
    if not u.is_valid:
        u = shapely.make_valid(u)
    return u, "union"


def pcn_footprints(
    lsoa: gpd.GeoDataFrame, lsoa_pcn: pd.Series, pcn_method: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """Indicative PCN footprints: LSOAs dissolved by their majority PCN.

    Fast coverage union per PCN (LSOAs tile the country), falling back to a full union where the
    generalised LSOA polygons are not exactly noded. Returns ``code, method, indicative, n_lsoa,
    residents (if lsoa has it), geometry`` in the LSOAs' CRS (EPSG:27700); one row per PCN that is
    the majority PCN of at least one LSOA. ``attrs["dissolve"]`` counts coverage vs fallback unions.
    """
    codes = np.asarray(lsoa["code"].astype(object), dtype=object)
    pcn = pd.Series(codes).map(lsoa_pcn).to_numpy(dtype=object)
    have = pd.notna(pcn)
    geoms = np.asarray(lsoa.geometry.array, dtype=object)[have]
    key = pcn[have].astype(str)
    res = (
        pd.to_numeric(lsoa["residents"], errors="coerce").to_numpy()[have]
        if "residents" in lsoa.columns
        else None
    )
    order = np.argsort(key, kind="stable")
    ks = key[order]
    cuts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
    out_codes, out_geoms, n_lsoa, resid = [], [], [], []
    counts = {"coverage": 0, "union": 0}
    for a, b in zip(cuts[:-1], cuts[1:], strict=False):
        g, how = dissolve_group(geoms[order[a:b]])
        counts[how] += 1
        out_codes.append(ks[a])
        out_geoms.append(g)
        n_lsoa.append(int(b - a))
        if res is not None:
            resid.append(float(np.nansum(res[order[a:b]])))
    method: dict = {}
    if pcn_method is not None and len(pcn_method):
        method = pcn_method.set_index("pcn")["method"].to_dict()
    out = gpd.GeoDataFrame(
        {
            "code": out_codes,
            "method": [method.get(c, "modelled") for c in out_codes],
            "indicative": True,
            "n_lsoa": n_lsoa,
        },
        geometry=gpd.GeoSeries(out_geoms, crs=lsoa.crs).values,
        crs=lsoa.crs,
    )
    if res is not None:
        out.insert(4, "residents", np.round(resid).astype("int64"))
    out.attrs["dissolve"] = counts
    if pcn_method is not None and len(pcn_method):
        out.attrs["pcns_without_footprint"] = sorted(set(pcn_method["pcn"]) - set(out_codes))
    return out
