"""Puljen Bedre ressourceforløb: what the grants went to, and whether outcomes moved more in the
grant municipalities than elsewhere."""

import streamlit as st

from analysis import overview, periods, pool_figures as pool
from ui import labels, plain, pool_charts, session, views, widgets
from ui import format as fmt

info = session.dataset()
D = labels.POOL_DEFINITIONS
st.title("Puljen Bedre ressourceforløb")
st.caption(
    "Partierne bag aftalen målrettede puljen mod inddragelse af borgeren, kortere sagsbehandlingstider og "
    "et bedre match mellem borgere og virksomheder i praktik. Siden viser, hvad pengene gik til, og om "
    "udfaldene flyttede sig mere i kommunerne med bevilling end i de øvrige kommuner."
)

quarters = periods.quarters(info.first_referral_date, info.data_end_date)
regions = dict(session.cached(overview.regions).iter_rows())
with st.container(border=True):
    row = st.columns([1, 1, 2, 2, 1])
    start = row[0].selectbox("Visiteret fra kvartal", quarters, format_func=fmt.quarter, key="fra",
                             bind="query-params")
    end = row[1].selectbox("Til kvartal", quarters, index=len(quarters) - 1, format_func=fmt.quarter, key="til",
                           bind="query-params")
    with row[2]:
        region = widgets.region_filter(regions)
    focus = row[3].selectbox("Fokusområde", ["alle", *labels.FOCUS_AREA],
                             format_func=lambda f: labels.FOCUS_AREA.get(f, "Alle fokusområder"), key="fokus",
                             bind="query-params",
                             help="Med et fokusområde er gruppen med bevilling de kommuner, der fik en bevilling "
                                  "inden for det. Sammenligningsgruppen er altid kommunerne uden bevilling.")
    months = row[4].selectbox("Praktik inden for", list(pool.INTERNSHIP_MONTHS),
                              index=list(pool.INTERNSHIP_MONTHS).index(pool.DEFAULT_MONTHS),
                              format_func=lambda m: f"{m} måneder", key="maaneder", bind="query-params")
    outcome = st.selectbox("Hændelsesstudie for", list(pool.OUTCOMES), format_func=pool_charts.OUTCOME_LABELS.get,
                           key="udfald", bind="query-params")
if end < start:
    st.error("«Til kvartal» ligger før «Fra kvartal». Vælg en slutning efter starten.")
    st.stop()
view = pool.PoolFilter(start, min(periods.quarter_end(end), info.data_end_date), region,
                       None if focus == "alle" else focus)
here = views.view(
    "pool",
    {"fra": fmt.quarter(start), "til": fmt.quarter(end), "region": regions.get(region),
     "fokus": labels.FOCUS_AREA.get(view.focus_area), "maaneder": f"{months} måneder",
     "udfald": pool_charts.OUTCOME_LABELS[outcome]},
    {"Visiteret": f"{fmt.quarter(start)}–{fmt.quarter(end)}", "Område": regions.get(region, "Hele landet"),
     "Fokusområde": labels.FOCUS_AREA.get(view.focus_area, "alle"), "Praktik inden for": f"{months} måneder",
     "Hændelsesstudie": pool_charts.OUTCOME_LABELS[outcome]},
)
source = f"Indlæste data, dataversion {info.version}"
choice = session.cached(pool.choose, view)
for note in choice.notes:
    st.info(plain.md(note), icon="ℹ️")

st.subheader("Bevillingerne")
totals = session.cached(pool.totals, view)
widgets.metric_row([
    ("Bevilget", totals.granted_dkk, fmt.kroner, D["pool_granted"]),
    ("Brugt (indberettet)", totals.spent_dkk, fmt.kroner, D["pool_spent"]),
    ("Andel brugt", totals.spent_share_reported, fmt.percent, D["pool_spent"]),
    ("Kommuner med bevilling", totals.municipalities, fmt.number, labels.DEFINITIONS["pool_municipalities"]),
])
if totals.not_reported.value:
    st.caption(f"{fmt.number(totals.not_reported.value)} af {fmt.number(totals.grants.value)} bevillinger har ikke "
               "indberettet forbrug; de tæller med i «Bevilget», men ikke i «Brugt» og «Andel brugt».")
widgets.published_beside(session.cached(pool.published), list(pool.PUBLISHED_IDS))
grants = session.cached(pool.grants, view)
widgets.chart(session.cached_chart(pool_charts.grants_chart, (pool.grants, view)), D["pool_spent"],
              download="puljen_bevillinger", info=info, view=here)
widgets.table(
    grants,
    {"municipality_name": "Kommune", "region_name": "Region", "focus_area": "Fokusområde",
     "project_title": "Projekt", "granted_dkk": "Bevilget (kr.)", "spent_dkk": "Brugt (kr.)",
     "spent_share": "Andel brugt", "period_start": "Start", "period_end": "Slut"},
    {"focus_area": labels.FOCUS_AREA.get, "granted_dkk": fmt.number, "spent_dkk": fmt.number,
     "spent_share": fmt.percent},
    download="puljen_bevillinger", source="Indlæste bevillinger (offentlige afgørelser), dataversion "
    f"{info.version}", info=info, view=here,
)

st.subheader("Udfald pr. kvartal: kommuner med bevilling mod de øvrige")
outcomes = session.cached(pool.outcomes_by_quarter, view, months)
measures = [("involved_share", D["pool_involved_share"]), ("internship_share", D["pool_internship_share"]),
            ("completed_share", D["pool_completed_share"]), ("median_days", D["pool_median_days"])]
# Only the open tab's chart is sent (the others are drawn when chosen, as a closed expander's content).
tabs = st.tabs([pool_charts.MEASURES[m][0] for m, _ in measures], key="udfald_fane", on_change="rerun")
for tab, (measure, definition) in zip(tabs, measures):
    if tab.open:
        with tab:
            widgets.chart(session.cached_chart(pool_charts.outcome_chart, (pool.outcomes_by_quarter, view, months),
                                               options=(measure,)),
                          definition, download=f"puljen_{measure}", info=info, view=here)
if (box := widgets.unfolded("Kvartalstallene bag figurerne", "kvartalstal")) is not None:
    with box:
        widgets.table(
            outcomes,
            {"quarter_start": "Visitationskvartal", "group": "Gruppe", "cases": "Sager",
             "involved_base": "Teammøde holdt",
             "involved": "Forberedt med borgeren", "involved_share": "Andel forberedt med borgeren",
             "involved_share_lower": "Forberedt, 95 % nedre", "involved_share_upper": "Forberedt, 95 % øvre",
             "courses": "Forløb fulgt længe nok", "internship_within": "Med praktik i tide",
             "internship_share": "Andel med praktik i tide", "internship_share_lower": "Praktik, 95 % nedre",
             "internship_share_upper": "Praktik, 95 % øvre", "internships": "Praktikker",
             "internships_completed": "Gennemført", "completed_share": "Andel gennemført",
             "completed_share_lower": "Gennemført, 95 % nedre", "completed_share_upper": "Gennemført, 95 % øvre",
             "median_days": "Mediandage"},
            {"quarter_start": fmt.quarter, "group": pool_charts.GROUP_LABELS.get, "median_days": fmt.number,
             **{f"{m}{suffix}": fmt.percent for m in ("involved_share", "internship_share", "completed_share")
                for suffix in ("", "_lower", "_upper")}},
            download="puljen_udfald_kvartal", source=source, info=info, view=here,
        )

st.subheader("Effekter")
effects = session.cached(pool.effects, view, months)
widgets.chart(session.cached_chart(pool_charts.effects_chart, (pool.effects, view, months)), D["pool_effect"],
              download="puljen_effekter", info=info, view=here)
widgets.effects(effects, pool_charts.OUTCOME_LABELS)

coefficients = (session.cached_chart(pool_charts.event_coefficients_chart, (pool.event_study, view, outcome, months),
                                     options=(outcome,)),
                "Kvartalet før start er reference (0). Koefficienter nær 0 før start betyder parallelle forløb.")
event_rows = session.cached(pool.event_study, view, outcome, months)
if not event_rows.frame.height or session.cached(pool.path_released, view, outcome, months):
    widgets.chart(session.cached_chart(pool_charts.event_study_chart, (pool.event_study, view, outcome, months),
                                       options=(outcome,)),
                  D["pool_event_study"], download="puljen_haendelsesstudie", info=info, view=here)
    if (box := widgets.unfolded("Koefficienterne i hændelsesstudiet", "koefficienter")) is not None:
        with box:
            widgets.chart(*coefficients, download="puljen_koefficienter", info=info, view=here)
else:
    st.info("Det observerede forløb udgives kun for hele landet og alle bevillinger; her vises hændelsesstudiets "
            "koefficienter: forskellen til sammenligningsgruppen i hvert kvartal fra start.", icon="ℹ️")
    widgets.chart(*coefficients, download="puljen_koefficienter", info=info, view=here)

st.subheader("Pris pr. resultat")
widgets.costs(session.cached(pool.cost_per_outcome, view), [D["pool_cost_per_case"], D["pool_cost_per_day"]])
