"""A tiny Streamlit app for the offline-map browser tests: hand-built layers, no internet needed.

Run next to a ``static/`` folder (it copies Leaflet there itself) with static serving on.
``?map=ics`` (default) draws the national-style ICS choropleth; ``?map=system`` one system with LA
and PCN layers, practices and the layer control. It echoes the clicked feature's code from
``st_folium(...)["last_active_drawing"]["properties"]["code"]``.
"""

from pathlib import Path

import geopandas as gpd
import streamlit as st
from shapely.geometry import Point, box
from streamlit_folium import st_folium

from ics_maps.presentation.maps import ics_map, system_map
from ics_maps.presentation.maps.offline import ensure_static_assets

ensure_static_assets(Path(__file__).resolve().parent / "static")

X0, Y0, KM = 400_000, 300_000, 1000


def sq(x0: float, y0: float, w: float, h: float):
    return box(X0 + x0 * KM, Y0 + y0 * KM, X0 + (x0 + w) * KM, Y0 + (y0 + h) * KM)


icbs = gpd.GeoDataFrame(
    {
        "code": ["E54000001", "E54000002", "E54000003", "E54000004"],
        "name": ["NHS Alpha ICB", "NHS <b>Beta</b> & Co ICB", "NHS Gamma ICB", "NHS Delta ICB"],
        "ods_code": ["QAA", "QBB", "QCC", "QDD"],
        "region_name": ["Midlands", "Midlands", "London", "North West"],
        "wave": [1, 2, 6, 4],
        "residents": [500_000, 1_000_000, 2_000_000, 3_000_000],
        "n_pcn": [10, 20, 30, 40],
    },
    geometry=[sq(i * 30, j * 30, 30, 30) for i, j in ((0, 0), (1, 0), (0, 1), (1, 1))],
    crs="EPSG:27700",
)
las = gpd.GeoDataFrame(
    {
        "code": ["E06000001", "E06000002"],
        "name": ["Ayton", "Beeton & Sea"],
        "residents": [300_000, 200_000],
    },
    geometry=[sq(0, 0, 15, 30), sq(15, 0, 15, 30)],
    crs="EPSG:27700",
)
pcns = gpd.GeoDataFrame(
    {
        "code": ["U00001", "U00002", "U00003"],
        "name": ["North PCN", "South PCN", "East PCN"],
        "list_size": [35_000, 52_000, 28_000],
        "method": ["registrations"] * 3,
    },
    geometry=[sq(0, 15, 15, 15), sq(0, 0, 15, 15), sq(15, 0, 15, 30)],
    crs="EPSG:27700",
)
practices = gpd.GeoDataFrame(
    {
        "code": ["A81001", "A81002", "A81003", "A81004"],
        "name": ["The Surgery", "Dr <script>x</script> & Partners", "Riverside", "Nowhere"],
        "pcn": ["U00001", "U00002", "U00003", "U00003"],
        "list_size": [9000, 30000, 14000, None],
    },
    geometry=[
        Point(X0 + 7 * KM, Y0 + 22 * KM),
        Point(X0 + 7 * KM, Y0 + 7 * KM),
        Point(X0 + 22 * KM, Y0 + 15 * KM),
        None,
    ],
    crs="EPSG:27700",
)

which = st.query_params.get("map", "ics")
st.title("Offline map check")
if which == "system":
    m = system_map(icbs.iloc[0], {"lad": las, "pcn": pcns}, practices)
else:
    m = ics_map(icbs, color_by="residents")
out = st_folium(
    m,
    key=f"map-{which}",
    height=460,
    use_container_width=True,
    returned_objects=["last_active_drawing", "last_object_clicked_tooltip"],
)
feature = (out or {}).get("last_active_drawing") or {}
props = feature.get("properties") or {}
st.write(
    f"Clicked {props.get('tier', 'feature')}: {props['code']}"
    if props.get("code")
    else "Clicked: none"
)
