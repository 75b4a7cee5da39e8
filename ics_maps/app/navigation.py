"""ics-maps dashboard: the page setup and navigation that ``app.py`` serves (``streamlit run app.py``).

Run this file directly (``streamlit run dashboard.py``) to skip the start-up warm-up; tests do.
It sets up the page and the navigation. Every page is framed by ``ics_maps.ui.page``:
the shared sidebar filters (vintage, NHS regions, ICS waves, kept in the URL), the title with the
vintage, and the data credits (OGL v3.0, ONS/OS copyright) at the bottom. Pages stay thin: read
the context, call ics_maps, render.
"""
import streamlit as st

from ics_maps import ui

st.set_page_config(page_title="ics-maps: England's health and care geography", page_icon=ui.favicon(), layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Overview", icon=":material/map:", default=True),
    st.Page("views/system.py", title="System", icon=":material/hub:", url_path="system"),
    st.Page("views/place.py", title="Place", icon=":material/account_balance:", url_path="place"),
    st.Page("views/pcn.py", title="PCN", icon=":material/stethoscope:", url_path="pcn"),
    st.Page("views/coterminosity.py", title="Coterminosity", icon=":material/join_inner:", url_path="coterminosity"),
    st.Page("views/about.py", title="About", icon=":material/info:", url_path="about"),
]

# Each page draws the shared sidebar filters and the credits itself, through ui.page().
st.navigation(PAGES).run()
