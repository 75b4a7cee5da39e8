"""ics-maps: ``streamlit run app.py`` serves the dashboard (navigation in
``ics_maps/app/navigation.py``,
pages in ``pages/``).

Why a wrapper: Streamlit runs a script only when the first browser connects, so the first visitor
would wait for Python to import pandas, GeoPandas and folium and for the atlas to load. ``st.App``
(Streamlit's ASGI entry point, still ``streamlit run app.py``) lets the server start that work
(:mod:`ics_maps.app.warmup`) in a background thread as soon as it starts, while the browser is still
loading Streamlit's JavaScript; the first session then finds it done. It also sends a browser
that asks for a page that does not exist (``/system/extra/path``) to the app's own not-found page
(:mod:`ics_maps.app.routes`) instead of a blank one, closes ``/_stcore/metrics`` and turns uncaught
errors into the app's own message (:mod:`ics_maps.app.safety`). The warm-up also starts giving
freed memory back to the system (:mod:`ics_maps.app.memory`).
"""

from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from ics_maps.app import warmup
from ics_maps.app.routes import NotFoundRedirect
from ics_maps.app.safety import MetricsGate, report_failure


@asynccontextmanager
async def _lifespan(_app):
    warmup.start()  # returns at once: the server does not wait for the warm-up
    yield


# Unknown paths go to the not-found page (ics_maps/app/routes.py); an uncaught error shows the
# app's own message and is logged (never a traceback to a visitor); /_stcore/metrics is closed
# unless ICS_MAPS_METRICS=1 (ics_maps/app/safety.py).
app = st.App(
    "ics_maps/app/navigation.py",
    lifespan=_lifespan,
    middleware=[Middleware(MetricsGate), Middleware(NotFoundRedirect)],
    on_script_error=report_failure,
)
