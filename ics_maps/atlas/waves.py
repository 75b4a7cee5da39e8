"""ICS designation waves, carried onto the ICBs of any vintage by population.

A wave belongs to a July 2022 ICS footprint. Every LSOA atom knows its 2022–2026 (ICB24) ICB, so an
ICB of another vintage inherits the waves of the residents it covers: a merged 2026 ICB such as
Central East carries waves 1 (BLMK), 4 (Hertfordshire) and 6 (Cambridgeshire & Peterborough) with
their shares, and ``wave`` is the one covering most of its residents.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def wave_shares(lsoa: pd.DataFrame, waves: pd.DataFrame, icb_col: str = "icb") -> pd.DataFrame:
    """Long table ``icb, predecessor, predecessor_name, wave, residents, share`` (share of the ICB's
    residents)."""
    w = waves.set_index("icb23cd")
    atoms = lsoa[[icb_col, "icb24", "residents"]]
    unknown = set(atoms["icb24"]) - set(w.index)
    if unknown:
        raise ValueError(f"ics_waves.csv has no wave for ICB(s) {sorted(unknown)}")
    g = atoms.groupby([icb_col, "icb24"], as_index=False)["residents"].sum()
    g["wave"] = g["icb24"].map(w["wave"]).astype("int64")
    g["predecessor_name"] = g["icb24"].map(w["icb_name"])
    g["share"] = g["residents"] / g.groupby(icb_col)["residents"].transform("sum")
    g = g[g["share"] > 0.0005]  # best-fit edge atoms: below 0.05% is noise, not a predecessor
    g["share"] = g["residents"] / g.groupby(icb_col)["residents"].transform("sum")
    return g.rename(columns={icb_col: "icb", "icb24": "predecessor"}).sort_values(
        ["icb", "share"], ascending=[True, False]
    )


def attach_waves(
    icb: gpd.GeoDataFrame, lsoa: pd.DataFrame, waves: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Add ``wave`` (majority), ``wave_share``, ``wave_earliest``, ``waves`` (text) and
    ``designated``."""
    shares = wave_shares(lsoa, waves)
    by_wave = shares.groupby(["icb", "wave"], as_index=False)["share"].sum()
    major = (
        by_wave.sort_values(["share", "wave"], ascending=[False, True])
        .drop_duplicates("icb")
        .set_index("icb")
    )
    text = (
        by_wave.sort_values(["icb", "wave"])
        .assign(
            t=lambda d: (
                d["wave"].astype(str)
                + " ("
                + (100 * d["share"]).round().astype(int).astype(str)
                + "%)"
            )
        )
        .groupby("icb")["t"]
        .agg("; ".join)
    )
    preds = (
        shares.assign(
            t=lambda d: (
                d["predecessor_name"]
                .str.replace(" Integrated Care Board", "", regex=False)
                .str.replace(" ICB", "", regex=False)
                + " (wave "
                + d["wave"].astype(str)
                + ", "
                + (100 * d["share"]).round().astype(int).astype(str)
                + "%)"
            )
        )
        .groupby("icb")["t"]
        .agg("; ".join)
    )
    wave_dates = waves.groupby("wave")["designated"].first().str.slice(0, 7)
    out = icb.copy()
    out["wave"] = out["code"].map(major["wave"]).astype("Int64")
    out["wave_share"] = out["code"].map(major["share"]).astype(float)
    out["wave_earliest"] = out["code"].map(shares.groupby("icb")["wave"].min()).astype("Int64")
    out["waves"] = out["code"].map(text)
    out["predecessors"] = out["code"].map(preds)
    out["designated"] = out["wave"].map(wave_dates)
    return out


def partly_in_waves(shares: pd.DataFrame, waves, shown) -> pd.Series:
    """Systems left out by a wave filter that still hold residents of those waves: code → that
    share.

    Why: a wave filter keeps a system by the wave covering most of its residents, so in 2026 "wave
    1" drops Central East although a third of its people (BLMK) were wave 1; the page names such
    systems rather than let them vanish silently. ``shares`` is :func:`wave_shares`; ``shown`` the
    codes kept.
    """
    chosen = set(waves)
    if not chosen:
        return pd.Series(dtype=float)
    part = shares[shares["wave"].isin(chosen) & ~shares["icb"].isin(set(shown))]
    return part.groupby("icb")["share"].sum().sort_values(ascending=False)
