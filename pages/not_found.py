"""Not found: where a link to a page that does not exist lands (``ics_maps.app.routes``), with links
to every page."""

import streamlit as st

from ics_maps.app import frame, params, prose, site


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page("Page not found"):
        asked = params.ASKED_PATH.value()
        params.ASKED_PATH.write(asked or None)
        st.warning(prose.not_found(asked), icon=":material/explore_off:")
        st.markdown("**The dashboard's pages**")
        for spec in site.listed():
            st.page_link(
                site.page(spec.name),
                label=f"{spec.title}: {spec.purpose}",
                icon=spec.icon,
                query_params=frame.link(),
            )


show()
