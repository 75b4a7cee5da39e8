"""Not found: where a link to a page that does not exist lands (``ics_maps.app.routes``), with links
to every page."""

import streamlit as st

from ics_maps.app import frame, params, prose, site

# What each page is for, in a line (the links below the message).
PAGE_HINTS = {
    "overview": "the national map of systems and headline figures",
    "system": "one integrated care system: its councils, sub-ICB locations and PCNs",
    "place": "one council and the systems and PCNs that serve its residents",
    "pcn": "one primary care network: footprint, practices, patients",
    "coterminosity": "any tier against any other, with the CSV",
    "about": "sources, licences and methods",
}

with frame.page("Page not found"):
    asked = params.ASKED_PATH.value()
    params.ASKED_PATH.write(asked or None)
    st.warning(prose.not_found(asked), icon=":material/explore_off:")
    st.markdown("**The dashboard's pages**")
    for spec in site.listed():
        st.page_link(
            site.page(spec.name),
            label=f"{spec.title}: {PAGE_HINTS.get(spec.name, '')}",
            icon=spec.icon,
            query_params=frame.link(),
        )
