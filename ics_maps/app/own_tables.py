"""The *Your boundaries* page's tables, one per tab, each with its CSV, and the layer back as
GeoJSON. Every table is computed once per layer and setting and kept in the layer's own cache
(:func:`ics_maps.app.own_session.cached`): this session only."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ics_maps.analysis import custom_summary, custom_tier
from ics_maps.app import prose_own
from ics_maps.app.own_session import cached
from ics_maps.app.widgets import dataframe, download_csv, number, percent

YOUR_UNIT = "Your unit"


@dataclass(frozen=True)
class Setting:
    """What the page's controls chose: the official tier, the weighting and the tolerance."""

    tier: str
    weight: str
    tolerance: float
    pct: float  # the tolerance as the slider shows it (for file names)
    stem: str  # the upload's name and the vintage (for file names)

    @property
    def slug(self) -> str:
        return f"{self.stem}_{self.weight}_tol{self.pct:g}pct"


def relationships(atlas, layer, s: Setting, side: str) -> pd.DataFrame:
    """The layer against the chosen tier, the layer as ``side`` (child or parent)."""
    return cached(
        layer,
        "cot",
        lambda: custom_tier.coterminosity(atlas, layer, s.tier, side, s.weight, s.tolerance),
        s.tier,
        side,
        s.weight,
        s.tolerance,
    )


def by_unit(atlas, layer, s: Setting, label: str, words: str) -> None:
    """Tab: each unit against the official units it overlaps."""
    st.caption(
        f"One row per unit and {words} it overlaps: the share of the unit in the {words} (share "
        f"of child) and of the {words} in the unit (share of parent)."
    )
    relationship_table(
        relationships(atlas, layer, s, "child"),
        YOUR_UNIT,
        label,
        "own_child",
        f"{s.slug}_in_{s.tier}.csv",
    )


def by_official(atlas, layer, s: Setting, label: str, words: str) -> None:
    """Tab: each official unit against the layer's units."""
    st.caption(
        f"The other way round: each {words} against your units. One partly outside your layer "
        "counts as split by the part outside."
    )
    relationship_table(
        relationships(atlas, layer, s, "parent"),
        label,
        YOUR_UNIT,
        "own_parent",
        f"{s.tier}_in_{s.slug}.csv",
    )


def all_tiers(atlas, layer, s: Setting) -> None:
    """Tab: one row per unit with every tier (:func:`custom_summary.unit_summary`)."""
    summary = cached(
        layer,
        "summary",
        lambda: custom_summary.unit_summary(atlas, layer, s.tolerance),
        s.tolerance,
    )
    st.caption(
        "One row per unit: its residents and area, the ICSs, sub-ICB locations, councils and PCNs "
        "it touches (by residents), its main ones, and the GP practices located in it."
    )
    summary_table(summary, f"{s.stem}_summary_tol{s.pct:g}pct.csv")


def cut_pcns(atlas, layer, s: Setting) -> None:
    """Tab: PCNs the layer cuts, one row per piece."""
    cut = cached(
        layer,
        "cut",
        lambda: custom_summary.cut_pcns(atlas, layer, s.tolerance),
        s.tolerance,
    )
    st.markdown(prose_own.cut_pcns_sentence(cut, s.tolerance))
    if len(cut):
        cut_pcns_table(cut, f"{s.stem}_cut_pcns_tol{s.pct:g}pct.csv")


# ---------------------------------------------------------------------------- tables


def relationship_config(child: str, parent: str) -> dict:
    """Column headings of a coterminosity table whose child or parent is the user's layer."""
    return {
        "child_code": st.column_config.TextColumn(f"{child} code"),
        "child_name": st.column_config.TextColumn(child, pinned=True),
        "parent_code": st.column_config.TextColumn(f"{parent} code"),
        "parent_name": st.column_config.TextColumn(parent),
        "overlap_residents": number("Residents in both", help="Census 2021 usual residents"),
        "child_residents": number(f"{child} residents"),
        "parent_residents": number(f"{parent} residents"),
        "share_of_child": percent("Share of child", help="of the child's residents (or area)"),
        "share_of_parent": percent("Share of parent", help="of the parent's residents (or area)"),
        "overlap_km2": st.column_config.NumberColumn("Overlap km²", format="%.2f"),
        "relationship": st.column_config.TextColumn("Relationship"),
    }


def relationship_table(
    table: pd.DataFrame, child: str, parent: str, key: str, download: str
) -> None:
    dataframe(
        table,
        relationship_config(child, parent),
        height=420,
        key=key,
        download=download,
        order=["child_name", "parent_name", "share_of_child", "share_of_parent", "relationship"],
    )


SUMMARY_CONFIG = {
    "code": st.column_config.TextColumn("Code"),
    "name": st.column_config.TextColumn(YOUR_UNIT, pinned=True),
    "residents": number("Residents", help="Census 2021, apportioned by area for drawn polygons"),
    "area_km2": st.column_config.NumberColumn("Area km²", format="%.2f"),
    "outside_km2": st.column_config.NumberColumn("Clipped off km²", format="%.2f"),
    "main_icb_name": st.column_config.TextColumn("Main ICS"),
    "main_icb_share": percent("Share in main ICS"),
    "main_lad_name": st.column_config.TextColumn("Main district"),
    "main_lad_share": percent("Share in main district"),
    "n_pcn": number("PCNs (≥1%)"),
    "registered": number("Registered patients", help="of GP practices located in the unit"),
}


def summary_table(summary: pd.DataFrame, download: str) -> None:
    dataframe(
        summary,
        SUMMARY_CONFIG,
        height=420,
        key="own_summary",
        download=download,
        order=["name", "residents", "main_icb_name", "relationship_to_icb", "main_lad_name"],
    )


CUT_CONFIG = {
    "pcn_code": st.column_config.TextColumn("PCN code"),
    "pcn_name": st.column_config.TextColumn("PCN", pinned=True),
    "pcn_patients": number("PCN's patients"),
    "unit_code": st.column_config.TextColumn("Unit code"),
    "unit_name": st.column_config.TextColumn(YOUR_UNIT),
    "patients": number("Patients in the unit"),
    "share_of_pcn": percent("Share of the PCN"),
    "main_share": percent("Largest piece"),
    "n_units": number("Units"),
    "share_outside": percent("Outside the layer"),
}


def cut_pcns_table(cut: pd.DataFrame, download: str) -> None:
    dataframe(
        cut,
        CUT_CONFIG,
        height=420,
        key="own_cut",
        download=download,
        order=["pcn_name", "unit_name", "share_of_pcn", "patients", "main_share"],
    )


def downloads(atlas, layer, tolerance: float, stem: str) -> None:
    """The layer back as GeoJSON with its computed attributes, and its LSOA weights."""
    from ics_maps.presentation.export import geojson_bytes

    def layer_file() -> bytes:
        return geojson_bytes(custom_summary.layer_with_summary(atlas, layer, tolerance))

    c1, c2 = st.columns(2)
    c1.download_button(
        "Your layer with its figures (GeoJSON)",
        data=layer_file,
        file_name=f"{stem}_with_figures.geojson",
        mime="application/geo+json",
        icon=":material/download:",
        key="own_dl_layer",
        on_click="ignore",
        help="Your units (EPSG:4326) with the summary's columns: residents, area, main ICS and "
        "district, relationships, PCNs, practices",
    )
    with c2:
        download_csv(
            custom_tier.lsoa_weights(layer),
            f"{stem}_lsoa_weights.csv",
            label="LSOA weights (CSV)",
            key="own_dl_weights",
        )


PEOPLE_CONFIG = {
    "code": st.column_config.TextColumn("Code"),
    "name": st.column_config.TextColumn(YOUR_UNIT, pinned=True),
    "residents": number("Residents"),
    "median_age": st.column_config.NumberColumn("Median age", format="%.1f"),
    "age_0_17_share": percent("Aged 0–17"),
    "age_65_plus_share": percent("Aged 65+"),
    "age_85_plus_share": percent("Aged 85+"),
    "imd_avg_score": st.column_config.NumberColumn(
        "IMD average score", format="%.1f", help="higher = more deprived (IoD2025, MHCLG)"
    ),
    "imd_quintile1_share": percent("In the most deprived 20% of LSOAs"),
    "n_lsoas": st.column_config.NumberColumn("LSOAs", format="%.1f"),
}


def people(atlas, layer, stem: str) -> None:
    """Tab: age and deprivation of each unit (:func:`ics_maps.analysis.profiles.profile_table`,
    weighted by the layer's LSOA weights), with England last for comparison."""
    from ics_maps.analysis.profiles import england_profile, profile_table

    def make() -> pd.DataFrame:
        names = layer.units[["code", "name"]]
        units = profile_table(atlas, custom_tier.lsoa_weights(layer), names=names)
        return pd.concat([units, england_profile(atlas)], ignore_index=True)

    table = cached(layer, "profiles", make)
    st.caption(prose_own.PEOPLE_NOTE)
    dataframe(
        table,
        PEOPLE_CONFIG,
        height=420,
        key="own_profiles",
        download=f"{stem}_profiles.csv",
        order=list(PEOPLE_CONFIG)[1:],
    )
