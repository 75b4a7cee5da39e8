"""Building blocks every page uses: formatted tables with their CSV download, lazy tabs, and maps
that report which unit was clicked."""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
import streamlit as st

from ics_maps.app import params

# shares (0–1) shown as percentages with one decimal, like the page's figures
PERCENT_FORMAT = "%.1f%%"


SIGNED_PERCENT_FORMAT = "%+.1f%%"  # a difference as a share: "+35.6%", "-4.0%"

WEIGHT_NAMES = {"population": "Residents", "area": "Area"}  # the weighting radio's words


def weighting_radio(warnings: list[str], help: str) -> str:
    """The residents/area choice of the pages that weigh overlaps (kept in the link)."""
    return params.WEIGHT.widget(
        st.radio,
        "Weighting",
        params.WEIGHTS,
        warnings=warnings,
        horizontal=True,
        format_func=WEIGHT_NAMES.get,
        help=help,
    )


def tolerance_slider(param, warnings: list[str], help: str) -> tuple[float, float]:
    """The tolerance slider (0–20 % in the 0.5 steps links are rounded to); returns the percent
    shown and the share the analysis takes."""
    pct = param.widget(
        st.slider,
        "Tolerance (%)",
        0.0,
        20.0,
        step=0.5,
        format="%.1f%%",
        warnings=warnings,
        help=help,
    )
    return pct, round(float(pct) / 100, 6)


def number(label: str, fmt: str = "%,d", help: str | None = None):
    """A number column (whole numbers with thousands separators by default)."""
    return st.column_config.NumberColumn(label, format=fmt, help=help)


def percent(label: str, help: str | None = None, signed: bool = False):
    """A share column: :func:`dataframe` shows 0.8913 as 89.1% (Streamlit's "percent" preset would
    show 89.13% beside 3.9%); the data and its CSV keep the fraction. ``signed``: a difference,
    shown with its sign ("+35.6%")."""
    fmt = SIGNED_PERCENT_FORMAT if signed else PERCENT_FORMAT
    return st.column_config.NumberColumn(label, format=fmt, help=help)


def figures(items, width: int = 130) -> None:
    """Headline figures that flow: as many to a row as fit, each ``width`` px (two beside a map,
    four to six across a page). ``items``: ``(label, value text, help or None)``."""
    with st.container(horizontal=True, gap="small"):
        for label, value, help_text in items:
            st.metric(label, value, help=help_text, width=width)


SCREEN_ROWS = 20_000  # rows of one table put on screen (dataframe)


def dataframe(
    df: pd.DataFrame,
    config: dict | None = None,
    height: int | str = "auto",
    key: str | None = None,
    download: str | None = None,
    order: list[str] | None = None,
    csv: pd.DataFrame | None = None,
    display: pd.DataFrame | None = None,
    csv_beside: bool = False,
    total_rows: int | None = None,
) -> None:
    """A table with formatted columns; a fixed ``height`` shrinks to fit short tables.

    ``download`` (a file name) adds a button that saves exactly these rows and columns as CSV,
    written by :func:`ics_maps.presentation.export.safe_csv` (formula injection neutralised); or
    ``csv``, the same rows with the columns the README documents, when the screen shows others
    (short names, a derived column).
    Streamlit's own table export is switched off (``client.disableDataExport``): it writes cells as
    they are. ``order`` rearranges the columns on screen only (every column is still shown, and the
    CSV keeps the table's own, documented column order). ``display``: ``for_display(df, config)``
    when the caller keeps it (a table shown to every session alike). ``csv_beside``: the page has
    its own CSV button for these rows. ``total_rows``: how many rows the table has when ``df``
    holds only the first of them (the caller cut them to save work on the rest).

    At most :data:`SCREEN_ROWS` rows are put on screen (a caption says so); the CSV holds them all.
    Sending LSOA × PCN's 238,823 rows to the browser cost 0.5 s of server CPU and about 15 MB of
    memory that the server kept after each view, for a table nobody can read on screen.
    """
    total = len(df) if total_rows is None else total_rows
    if total > SCREEN_ROWS:
        st.caption(
            f"Showing the first {SCREEN_ROWS:,} of {total:,} rows (sorting on screen sorts "
            "these); the CSV download holds them all."
            if download or csv_beside
            else f"Showing the first {SCREEN_ROWS:,} of {total:,} rows."
        )
    full = df
    df = df.head(SCREEN_ROWS) if len(df) > SCREEN_ROWS else df
    if display is not None and len(display) > SCREEN_ROWS:
        display = display.head(SCREEN_ROWS)
    if isinstance(height, int):
        height = min(height, 38 + 35 * max(len(df), 1))
    if order is not None:
        order = [c for c in order if c in df.columns] + [c for c in df.columns if c not in order]
    st.dataframe(
        for_display(df, config) if display is None else display,
        column_config=config,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        column_order=order,
    )
    if download:
        download_csv(full if csv is None else csv, download, key=f"dl_{key or download}")


def for_display(df: pd.DataFrame, config: dict | None) -> pd.DataFrame:
    """The numbers as the table shows them: fractional counts shown as whole numbers are rounded,
    not cut (the "%,d" format truncates 68,846.7 to 68,846 where the page's figures say 68,847), and
    shares are scaled to percentages for :data:`PERCENT_FORMAT`. A missing text value (an ICB new in
    2026 has no ODS
    code in the sources) reads "–", not Streamlit's "None"; the CSV keeps it empty."""
    out = {
        c: df[c].astype(object).where(df[c].notna(), "–")
        for c in df.columns
        if (df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)) and df[c].isna().any()
    }
    for c, cfg in (config or {}).items():
        fmt = (cfg.get("type_config") or {}).get("format") if isinstance(cfg, dict) else None
        if c not in df.columns or not pd.api.types.is_numeric_dtype(df[c]):
            continue
        if fmt == "%,d" and pd.api.types.is_float_dtype(df[c]):
            out[c] = df[c].round()
        elif fmt in (PERCENT_FORMAT, SIGNED_PERCENT_FORMAT):
            out[c] = df[c] * 100
    return df.assign(**out) if out else df


def download_csv(
    df: pd.DataFrame | Callable[[], pd.DataFrame],
    file_name: str,
    label: str = "Download CSV",
    key: str | None = None,
    rows: int | None = None,
) -> None:
    """A download button for ``df`` as UTF-8 CSV (safe for spreadsheets); it does not rerun the app.

    The CSV is written only when the button is clicked (Streamlit's deferred download): an LSOA ×
    PCN table is 25 MB and a second of work, which every rerun of the page would otherwise pay for.
    ``df`` may be a function making the table (then ``rows`` says how many it has): the session
    keeps the function until the tab has been closed for two minutes, and a table it kept instead
    could be 238,823 rows.
    """

    def make() -> bytes:
        from ics_maps.presentation.export import safe_csv

        return safe_csv(df() if callable(df) else df)

    n = len(df) if rows is None else rows

    st.download_button(
        label,
        data=make,
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key or f"dl_{file_name}",
        on_click="ignore",
        help=f"{n:,} rows, as shown (codes and unformatted numbers)",
    )


def download_geojson(
    gdf, file_name: str, label: str = "Download this layer (GeoJSON)", key: str | None = None
) -> None:
    """A download button for the layer a map shows, as GeoJSON in EPSG:4326 (made when clicked, by
    :func:`ics_maps.presentation.export.geojson_bytes`). ``gdf`` may be a function making the
    layer, then called only when the button is clicked (a view that is not downloaded costs the
    server nothing for it)."""

    def make() -> bytes:
        from ics_maps.presentation.export import geojson_bytes

        return geojson_bytes(gdf() if callable(gdf) else gdf)

    rows = "" if callable(gdf) else f"{len(gdf):,} "

    st.download_button(
        label,
        data=make,
        file_name=file_name,
        mime="application/geo+json",
        icon=":material/map:",
        key=key or f"dl_{file_name}",
        on_click="ignore",
        type="tertiary",
        help=f"{rows}features with their attributes, longitude/latitude (EPSG:4326)",
    )


def stack_layers(layers: dict):
    """Several map layers as one table with a ``tier`` column (for one GeoJSON download)."""
    import geopandas as gpd

    parts = [g.assign(tier=tier) for tier, g in layers.items() if g is not None and len(g)]
    crs = parts[0].crs if parts else "EPSG:4326"
    parts = [p if p.crs == crs else p.to_crs(crs) for p in parts]
    out = pd.concat(parts, ignore_index=True) if parts else gpd.GeoDataFrame(geometry=[], crs=crs)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def lazy_tabs(labels: list[str], key: str):
    """Tabs whose contents are built only when open (``tab.open``): a page paints its first tab (the
    map)
    without waiting for the charts and tables of the others. Switching tabs reruns the page."""
    return st.tabs(labels, key=key, on_change="rerun")


def show_map(
    m,
    key: str,
    height: int = 560,
    returned: tuple[str, ...] = ("last_active_drawing",),
    shared: tuple | None = None,
) -> dict | None:
    """Draw a folium map. Only ``returned`` interactions (by default a click on a feature) rerun the
    app; panning, zooming and hovering do not. The key is stable so the map is not remounted
    needlessly.

    ``shared=(vintage, *what)`` renders the map once per server for every session that shows the
    same thing (:func:`ics_maps.app.caches.map_parts`): ``what`` must name everything the map
    depends on, and ``m`` may then be a function that builds the map, called only when it is not
    already rendered.
    """
    if shared is not None:
        from ics_maps.app import caches
        from ics_maps.app.map_component import draw

        vintage, *what = shared
        parts = caches.map_parts(vintage, (key, height, *what), m if callable(m) else lambda: m)
        return draw(parts, key=key, height=height, returned=returned)
    from streamlit_folium import st_folium

    return st_folium(
        m() if callable(m) else m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(returned),
        render=False,
    )  # st_folium renders the map itself; its default renders it twice


def clicked(out: dict | None) -> tuple[str | None, str | None]:
    """(tier, code) of the feature clicked on a map drawn by :func:`show_map` (None, None if
    none)."""
    feat = (out or {}).get("last_active_drawing") or {}
    props = feat.get("properties") or {}
    code = props.get("code")
    return (props.get("tier"), html.unescape(str(code))) if code else (None, None)


def on_new_click(out: dict | None, key: str) -> tuple[str | None, str | None]:
    """The clicked feature if it differs from the last one handled for this map, else (None,
    None)."""
    tier, code = clicked(out)
    last = st.session_state.get(f"_click_{key}")
    st.session_state[f"_click_{key}"] = code
    return (tier, code) if code and code != last else (None, None)
