"""About: sources, vintages, licences and attribution, and how the figures are made (with their
limits)."""

import pandas as pd
import streamlit as st

from ics_maps.analysis.filters import headline, region_names
from ics_maps.app import frame, prose, widgets
from ics_maps.presentation.style import WAVE_LABELS, fmt_int, fmt_timestamp
from ics_maps.sources import CATALOGUE, VINTAGES

# The build report's keys for its derived layers, as a reader would name them.
DERIVED_LABELS = {
    "lsoa_assignment": "LSOAs in the NHS tiers",
    "utla": "Districts in counties",
    "lad_lsoa": "LSOA districts",
    "sicbl": "Sub-ICB location polygons",
    "practice_sicbl": "Practices in sub-ICB locations",
    "pcn": "PCN footprints",
}

METHODS = """
**Population weighting.** Every figure is a sum over the 33,755 English LSOAs (2021), each with its
Census 2021 usual residents and its code in every tier. {residents_gap} A council *split* between
two ICSs is therefore measured in people, not square kilometres: the share of its residents in each
system. ONS builds the NHS geographies from LSOAs ("best fit"), so these shares are exact for ICBs,
sub-ICB locations and local authorities in the 2024 and 2026 vintages. In 2022 and 2021 each LSOA is
placed by the ONS LSOA 2011 lookup of that year, carried to the 2021 LSOAs (rules and checks in the
build facts and the README). *Limits:*
residents are Census 2021; later boundary changes within an LSOA are not seen.

**Coterminosity.** For a child tier against a parent tier, each child is *coterminous* (the same
area and people as a parent), *nested* (inside one parent), *combines* whole parents (bigger than
its parents and made of them whole: a system that is four whole county and unitary councils) or
*split* (it cuts across a parent's boundary). The tolerance lets a sliver of up to that share of a
child's residents lie outside its main parent (or of a parent's outside the child) and still count.
Area weighting is also offered (a polygon overlay in EPSG:27700); it is sensitive to generalised
coastlines, so population is the default.

**PCN catchments (indicative).** A PCN has no official boundary: it is its member practices'
registered patients. Where practice × LSOA registrations are published (Staffordshire and
Stoke-on-Trent, October 2025) each LSOA goes to the PCN most of its registered residents use, with
fractional shares kept for weighting. Elsewhere the catchment is
*modelled* from practice locations, list sizes and LSOA populations with a spatial interaction model
fitted on that sample. Each PCN shows the method that made it. *Limits:* modelled footprints are
estimates — patients choose practices across boundaries, and a PCN's "residents" are the people it
is estimated to serve, not its list.

**Who lives there (the People views).** Ages are Census 2021 usual residents in 18 five-year bands
(ONS TS007A, the same file as the residents); deprivation is the English Indices of Deprivation
2025 (MHCLG, File 7), which score, rank and decile every LSOA on the Index of Multiple Deprivation
(IMD) and its seven domains. A unit's profile sums its LSOAs (each LSOA by its share for PCNs, as in
the coterminosity tables): its *average IMD score* is the population-weighted mean of its LSOAs'
scores (MHCLG's "average score" for higher areas; MHCLG weights by its mid-2022 populations, Census
2021 here, so its published figures differ by about 0.1), its decile and quintile shares count
residents by their LSOA's national decile, and its rank is among England's units of the same tier
(1st = most deprived). Ages 0–17 take 3/5 of the 15–19 band; the median age is interpolated within
its band. *Limits:* deprivation describes neighbourhoods, not people (not everyone in a deprived
LSOA is deprived, nor everyone elsewhere well off); a PCN's profile is of its indicative catchment.
"""


def show() -> None:
    """The page. Its tables live in this function's locals, freed when the run ends: a session
    keeps its widgets' functions, which would hold a module-level namespace, for its whole life."""
    with frame.page(
        "About ics-maps",
        "Maps and tables of England's health and care geography — ICSs, places, PCNs and GP "
        "practices — with every figure tied to the boundary vintage it belongs to.",
    ) as ctx:
        meta = ctx.atlas.meta
        st.subheader("This vintage")
        counts = meta.get("counts", {})
        cols = st.columns(4)
        cols[0].metric(f"{ctx.term('icb')}s", fmt_int(counts.get("icb")))
        cols[1].metric(f"{ctx.term('sicbl')}s", fmt_int(counts.get("sicbl")))
        cols[2].metric("PCNs", fmt_int(counts.get("pcn")))
        cols[3].metric("GP practices", fmt_int(counts.get("practice")))
        if ctx.filters.active:
            h = headline(ctx.view)
            st.caption(
                "With the sidebar filters "
                f"({prose.text(ctx.filters.describe(region_names(ctx.atlas)))}): "
                f"{fmt_int(h['icb'])} {ctx.term('icb')}s, {fmt_int(h['pcn'])} PCNs, "
                f"{fmt_int(h['practice'])} GP practices, {fmt_int(h['residents'])} residents. "
                "The sources, methods and licences below are the same for every view."
            )
        st.markdown(
            f"Vintage **{prose.text(ctx.vintage)}** — {prose.text(ctx.vintage_label)}. Atlas built "
            f"{prose.text(fmt_timestamp(meta.get('built_at')))}; primary care map extract "
            f"{prose.text(meta.get('primary_care_extract', 'unknown'))}; list sizes "
            f"{prose.text(meta.get('list_size_extract', ''))}."
        )
        derived = meta.get("derived") or {}
        if derived:
            st.markdown("**Derived layers** (made by ics-maps, not published as such):")
            lines = []
            for k, v in derived.items():
                label = DERIVED_LABELS.get(k, k)
                v = str(v).removeprefix(f"{label}: ")  # the PCN entry already names itself
                lines.append(f"- *{prose.text(label)}*: {prose.text(v)}")
            st.markdown("\n".join(lines))

        st.subheader("Vintages")
        widgets.dataframe(
            pd.DataFrame(
                [
                    {
                        "vintage": v.id,
                        "what it is": v.label,
                        "ICS layer": v.icb_term,
                        "sub-ICB layer": v.sicbl_term,
                        "notes": v.notes,
                    }
                    for v in VINTAGES.values()
                ]
            )
        )

        st.subheader("How the figures are made")
        st.markdown(METHODS.format(residents_gap=prose.residents_gap(ctx.atlas)))

        methods = (meta.get("pcn") or {}).get("by_method") or {}
        if methods:
            st.markdown(
                "PCNs by catchment method in this vintage: "
                + "; ".join(f"{prose.text(k)}: {fmt_int(v)}" for k, v in methods.items())
                + "."
            )
        st.markdown(
            "**ICS waves.** ICSs were designated in six waves: "
            + "; ".join(prose.text(v) for v in WAVE_LABELS.values())
            + ". A wave belongs to a July 2022 ICS; an ICB of another vintage carries the waves of "
            "the residents it covers, and the wave used for colouring is the one covering most of "
            "its residents. The sidebar's wave filter counts a system in a wave by most of its "
            "residents (the default) or by any of them, so a merged 2026 system such as Central "
            "East (mostly wave 4) can be found under wave 1 as well."
        )

        st.subheader("Sources and licences")
        widgets.dataframe(
            pd.DataFrame(
                [
                    {
                        "dataset": d.title,
                        "publisher": d.publisher,
                        "vintage": d.vintage,
                        "attribution": d.licence,
                        "derived": "derived" if d.derived else "",
                        "download": d.url,
                    }
                    for d in CATALOGUE.values()
                ]
            ),
            {"download": st.column_config.LinkColumn("download", display_text="publisher's file")},
        )
        st.markdown(
            "All data are public and used under the [Open Government Licence v3.0]"
            "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/). "
            "Attribution lines:"
        )
        for line in sorted({d.licence for d in CATALOGUE.values()}):
            st.markdown(f"- {prose.text(line)}")

        warnings = meta.get("warnings") or []
        if warnings:
            with st.expander(f"Build warnings ({len(warnings)})"):
                st.markdown("\n".join(f"- {prose.text(w)}" for w in warnings))


show()
