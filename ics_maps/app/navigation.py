"""ics-maps dashboard: the page setup and navigation (the main script that ``app.py`` serves).

Run this file directly (``streamlit run ics_maps/app/navigation.py``) to skip the start-up warm-up;
tests do. Every page is framed by :func:`ics_maps.app.frame.page`: the shared sidebar filters
(vintage, NHS regions, ICS waves, kept in the URL), the title with the vintage, and the data credits
(OGL v3.0, ONS/OS copyright) at the bottom. Pages stay thin: read the context, call ics_maps,
render.
"""

import streamlit as st

from ics_maps.app import site
from ics_maps.app.frame import favicon

st.set_page_config(
    page_title="ics-maps: England's health and care geography", page_icon=favicon(), layout="wide"
)

# Each page draws the shared sidebar filters and the credits itself, through frame.page().
st.navigation(site.all_pages()).run()
