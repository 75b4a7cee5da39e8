"""The sidebar's search: one box that finds any unit of any tier by name or code and links each hit
to the page that shows it (:func:`ics_maps.analysis.search.find`)."""

from __future__ import annotations

import streamlit as st

from ics_maps.app import caches, params, prose
from ics_maps.app.url_state import state

TIER_ICONS = {
    "region": ":material/public:",
    "icb": ":material/hub:",
    "sicbl": ":material/hub:",
    "utla": ":material/account_balance:",
    "lad": ":material/account_balance:",
    "pcn": ":material/stethoscope:",
    "practice": ":material/local_hospital:",
    "lsoa": ":material/grid_on:",
}
SHOWN = 8  # hits listed under the box
MAX_CHARS = 80  # a longer query is not a name or a code


def search_box(vintage: str, in_view: frozenset) -> None:
    """Draw the search box and its hits (call inside ``st.sidebar``). A hit whose system the
    sidebar filters leave out opens without them, so it is never hidden by a filter."""
    from ics_maps.analysis.search import find, find_link
    from ics_maps.app.site import page

    query = st.text_input(
        "Find anything",
        key="find_query",
        type="search",
        placeholder="Place, system, PCN, practice, postcode, LSOA",
        help="Any unit of any tier by name or code: an ICS (name, ONS or ODS code), a sub-ICB "
        "location, a county, unitary or district council, a PCN, a GP practice (name, code or its "
        "postcode) or an LSOA (code or name, e.g. E01000001). Press Enter to search.",
    )
    query = (query or "")[:MAX_CHARS]
    if not query.strip():
        return
    hits = find(caches.find_table(vintage), query, limit=SHOWN)
    if hits.empty:
        st.caption(f"Nothing matches “{prose.text(query)}” in the {vintage} vintage.")
        return
    url = state()
    with st.container(key="find_hits", gap="xsmall"):  # frame.PAGE_CSS lets the labels wrap
        for _, hit in hits.iterrows():
            target, link = find_link(hit)
            keep = params.FILTER_KEYS if hit["icb"] in in_view else ("vintage",)
            st.page_link(
                page(target),
                label=prose.find_hit(hit),
                icon=TIER_ICONS.get(hit["tier"]),
                query_params=url.link(keep, **link),
            )
