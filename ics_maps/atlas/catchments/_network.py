"""The network: each LSOA and its k nearest located practices, as dense arrays."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ics_maps.atlas.catchments._params import UNALLOCATED, ModelParams


@dataclass
class Network:
    """LSOAs × their k nearest located practices, as dense (n, k) arrays."""

    lsoa_codes: np.ndarray  # (n,) object
    xy: np.ndarray  # (n, 2) representative points, metres
    residents: np.ndarray  # (n,) float
    origin: np.ndarray  # (n,) modelled registered patients = residents × kappa
    kappa: float
    prac_codes: np.ndarray  # (m,) located practices
    prac_pcn: np.ndarray  # (m,) object
    size: np.ndarray  # (m,) list size (imputed where missing), >= 1
    idx: np.ndarray  # (n, k) practice index
    dist: np.ndarray  # (n, k) km
    cross: np.ndarray | None  # (n, k) bool: practice in another zone
    pcn_codes: np.ndarray  # sorted allocated PCN codes (U excluded)
    prac_pcn_idx: np.ndarray  # (m,) index into pcn_codes, -1 for U
    imputed_sizes: int = 0


def located(practices: gpd.GeoDataFrame) -> np.ndarray:
    geom = practices.geometry
    missing = geom.isna().to_numpy()
    ok = ~missing
    if ok.any():
        ok[ok] = ~geom[ok].is_empty.to_numpy()
    return ok


def list_sizes(practices: pd.DataFrame) -> tuple[np.ndarray, int]:
    """List sizes with missing ones imputed: the median of the PCN's other practices, else
    national."""
    s = pd.to_numeric(practices["list_size"], errors="coerce").astype("float64")
    missing = s.isna()
    if missing.any():
        pcn = practices["pcn"].astype(object)
        by_pcn = s.groupby(pcn).median()
        fill = pcn.map(by_pcn).where(pcn != UNALLOCATED)
        med = float(s.median()) if s.notna().any() else 5000.0
        s = s.fillna(fill).fillna(med)
    return np.maximum(s.to_numpy(dtype=float), 1.0), int(missing.sum())


def network(lsoa: gpd.GeoDataFrame, practices: gpd.GeoDataFrame, params: ModelParams) -> Network:
    check_inputs(lsoa, practices)
    pts = lsoa.geometry.representative_point()
    xy = np.c_[pts.x.to_numpy(), pts.y.to_numpy()]
    residents = pd.to_numeric(lsoa["residents"], errors="coerce").fillna(0).to_numpy(dtype=float)
    sizes, n_imputed = list_sizes(practices)
    loc = located(practices)
    if not loc.any():
        raise ValueError("no practice has a location: cannot model catchments")
    pl = practices[loc]
    P = np.c_[pl.geometry.x.to_numpy(), pl.geometry.y.to_numpy()]
    k = int(min(params.k, len(pl)))
    dist, idx = cKDTree(P).query(xy, k=k)
    if k == 1:
        dist, idx = dist[:, None], idx[:, None]
    size = sizes[loc]
    kappa = float(size.sum() / residents.sum()) if residents.sum() > 0 else 1.0
    # Registered patients per resident differ by area (London lists are inflated by people who
    # have moved on): κ per group (the ICB) where both tables carry the column, else national.
    k_by = np.full(len(residents), kappa)
    kc = params.kappa_col
    if kc and kc in lsoa.columns and kc in practices.columns and lsoa[kc].notna().any():
        lg = lsoa[kc].astype(object)
        per = (
            pd.Series(size, index=pl.index).groupby(pl[kc].astype(object)).sum()
            / pd.Series(residents, index=lsoa.index).groupby(lg).sum()
        )
        per = per[np.isfinite(per) & (per > 0)]
        k_by = lg.map(per).fillna(kappa).to_numpy(dtype=float, copy=True)
        k_by *= (size.sum() / (residents * k_by).sum()) if (residents * k_by).sum() > 0 else 1.0
    # A floor keeps shares defined for an LSOA with no residents (its patients are ~0).
    origin = np.maximum(residents, 1e-9) * k_by
    cross = None
    zc = params.zone_col
    if zc and zc in lsoa.columns and zc in practices.columns:
        lz = np.asarray(lsoa[zc].astype(object).where(lsoa[zc].notna(), None), dtype=object)
        pz = np.asarray(pl[zc].astype(object).where(pl[zc].notna(), None), dtype=object)
        if any(v is not None for v in lz) and any(v is not None for v in pz):
            pzk = pz[idx]
            known = (lz[:, None] != None) & (pzk != None)  # noqa: E711 (elementwise)
            cross = known & (lz[:, None] != pzk)
    pcn = np.asarray(pl["pcn"].astype(object), dtype=object)
    allocated = np.asarray(practices["pcn"].astype(object), dtype=object)
    pcn_codes = np.array(
        sorted({p for p in allocated if isinstance(p, str) and p != UNALLOCATED}), dtype=object
    )
    pos = {c: i for i, c in enumerate(pcn_codes)}
    prac_pcn_idx = np.array([pos.get(p, -1) for p in pcn], dtype=np.int64)
    return Network(
        np.asarray(lsoa["code"].astype(object), dtype=object),
        xy,
        residents,
        origin,
        kappa,
        np.asarray(pl["code"].astype(object), dtype=object),
        pcn,
        size,
        idx,
        dist / 1000.0,
        cross,
        pcn_codes,
        prac_pcn_idx,
        n_imputed,
    )


def check_inputs(lsoa, practices) -> None:
    for name, df, cols in (
        ("lsoa", lsoa, ("code", "residents", "geometry")),
        ("practices", practices, ("code", "pcn", "list_size", "geometry")),
    ):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}; has {list(df.columns)}")
    for name, df in (("lsoa", lsoa), ("practices", practices)):
        if df.crs is not None and df.crs.to_epsg() != 27700:
            raise ValueError(f"{name} must be in EPSG:27700 (British National Grid), got {df.crs}")
        if df["code"].duplicated().any():
            raise ValueError(
                f"{name} has duplicate codes: "
                f"{df.loc[df['code'].duplicated(), 'code'].head(3).tolist()}"
            )
