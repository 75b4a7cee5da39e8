"""Plotly chart builders: pure functions, data in, :class:`plotly.graph_objects.Figure` out.

Streamlit's ``st.plotly_chart`` draws these with the plotly.js bundled in Streamlit's own frontend,
so no chart needs a CDN. Text from the data goes into hover labels and annotations, which plotly
renders as text (it supports only a tiny tag subset), but names are HTML-escaped here too, for
safety and so that ``&`` and ``<`` show as written.
"""

from ics_maps.presentation.charts.pcn import list_size_histogram, mark_value
from ics_maps.presentation.charts.people import age_chart, decile_chart
from ics_maps.presentation.charts.population import population_treemap, residents_sankey, tier_bar
from ics_maps.presentation.charts.relationships import relationship_bar
from ics_maps.presentation.charts.waves import WAVE_DATES, wave_summary, wave_timeline

__all__ = [
    "WAVE_DATES",
    "age_chart",
    "decile_chart",
    "list_size_histogram",
    "mark_value",
    "population_treemap",
    "relationship_bar",
    "residents_sankey",
    "tier_bar",
    "wave_summary",
    "wave_timeline",
]
