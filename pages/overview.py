"""Overblik: key figures of the loaded data beside the published figures, and the trend."""

import streamlit as st

from analysis import overview
from ui import charts, labels, plain, session, views, widgets
from ui import format as fmt

info = session.dataset()
st.title("Ressourceforløb – overblik")
st.caption(
    "Nøgletal for de indlæste data ved siden af de publicerede tal, og udviklingen i antallet af "
    "personer i ressourceforløb med initiativpakkens begivenheder markeret."
)

region_names = dict(session.cached(overview.regions).iter_rows())
region = widgets.region_filter(region_names)
scope = "hele landet" if region is None else region_names[region]
here = views.view("overview", {"region": region_names.get(region)}, {"Område": region_names.get(region, "Hele landet")})

figures = session.cached(overview.key_figures, region)
st.subheader(f"Nøgletal, {plain.md(scope)}")
widgets.metric_row([
    (f"Personer i ressourceforløb {fmt.day(figures.as_of)}", figures.persons_in_course, fmt.number,
     labels.DEFINITIONS["persons_in_course"]),
    ("Forløb i forsøgsperioden", figures.courses_in_pilot_window, fmt.number,
     labels.DEFINITIONS["courses_in_pilot_window"]),
    ("Anmodninger om sundhedskoordinator", figures.pilot_requests, fmt.number, labels.DEFINITIONS["pilot_requests"]),
    ("Puljebevillinger i alt", figures.pool_granted_dkk, fmt.kroner, labels.DEFINITIONS["pool_granted"]),
    ("Kommuner med anmodninger", figures.pilot_municipalities, fmt.number, labels.DEFINITIONS["pilot_municipalities"]),
    ("Kommuner med puljebevilling", figures.pool_municipalities, fmt.number, labels.DEFINITIONS["pool_municipalities"]),
])

st.subheader(f"Personer i ressourceforløb pr. kvartal, {plain.md(scope)}")
trend = session.cached(overview.persons_by_quarter, region)
widgets.chart(session.cached_chart(charts.persons_in_course_trend, (overview.persons_by_quarter, region),
                                   (overview.events,), (overview.pilot_window,)),
              labels.DEFINITIONS["persons_in_course"], download="personer_i_ressourceforloeb", info=info, view=here)

loaded_source = f"Indlæste data, dataversion {info.version}, {scope}"
if (box := widgets.unfolded("Kvartalstallene bag figuren", "kvartalstal")) is not None:
    with box:
        widgets.table(
            trend,
            {c: labels.COLUMNS[c] for c in ("quarter_end", "persons_in_course", "courses_started")},
            {"quarter_end": fmt.day},
            download="personer_i_ressourceforloeb_kvartal", source=loaded_source, info=info, view=here,
        )

st.subheader(f"Nye forløb og afgørelser pr. år, {plain.md(scope)}")
by_year = session.cached(overview.courses_and_decisions_by_year, region)
year_columns = {c: labels.COLUMNS[c] for c in
                ("year", "new_courses", "resource_course", "flex_job", "disability_pension", "other", "decisions")}
widgets.table(by_year, year_columns, {"year": str}, download="nye_forloeb_og_afgoerelser_aar",
              source=loaded_source, info=info, view=here)
st.caption(labels.DEFINITIONS["new_courses"] + " " + labels.DEFINITIONS["decisions"])

st.subheader("Indlæste data ved siden af de publicerede tal (hele landet)")
comparison = session.cached(overview.comparison_with_published)
widgets.table(
    comparison,
    {"label_da": "Tal", "period_da": "Periode", "value_text_da": "Publiceret", "loaded_value": "Indlæste data",
     "source_title": "Kilde"},
    {"loaded_value": lambda v: fmt.MISSING if v is None else (fmt.kroner(v) if v >= 1_000_000 else fmt.number(v))},
    download="indlaeste_og_publicerede_tal", source="Indlæste data og de nævnte publicerede kilder", info=info,
    view=here,
)
st.caption(
    "Personer i forløb er opgjort på den sidste dag i den måned, kilden nævner. "
    "Hvor to kilder er uenige om puljens størrelse, vises begge."
)
if (box := widgets.unfolded("Andre publicerede tal om ressourceforløb (med kilder)", "andre_tal")) is not None:
    with box:
        widgets.table(
            session.cached(overview.other_published),
            {"label_da": "Tal", "value_text_da": "Publiceret", "period_da": "Periode", "source_title": "Kilde"},
        )
