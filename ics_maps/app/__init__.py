"""The app: the Streamlit layer over the library. ``navigation`` (the main script) lists the pages
of ``site``; each page in the project's ``pages/`` folder is framed by ``frame`` (sidebar filters,
title, credits), binds its choices to the URL through ``params`` and ``url_state``, reads shared
data from ``caches``, draws with ``widgets`` and ``panels``, and says things through ``prose`` (no
Streamlit); ``warmup`` loads the atlas as the server starts."""
