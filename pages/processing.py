"""Sagsbehandlingstider: how long each stage of a case takes, open cases counted, over time and where."""


import streamlit as st

from analysis import overview, periods, processing
from analysis.protected import ProtectedInterval, select_rows, value_of
from ui import labels, processing_charts, session, views, widgets
from ui import format as fmt

info = session.dataset()
D = labels.PROCESSING_DEFINITIONS
st.title("Sagsbehandlingstider")
st.caption(
    "Initiativpakken siger, at sagerne ikke må trække ud, og puljen Bedre ressourceforløb skulle "
    "give kortere sagsbehandlingstider. Siden viser, hvor lang tid hver fase tager – fra visitation "
    "til rehabiliteringsteamets møde, til afgørelse og til forløbets start, og derefter til "
    "koordinerende sagsbehandler og første virksomhedspraktik. Sager, der endnu ikke er nået videre, "
    "tæller med som åbne (censurerede), så ventetiden ikke undervurderes."
)

# Filters: every choice lives in the URL, so a copied link reopens the same view.
quarters = periods.quarters(info.first_referral_date, info.data_end_date)
regions = dict(session.cached(overview.regions).iter_rows())
municipalities = session.cached(overview.municipality_names)
stages = list(processing.STAGES)
with st.container(border=True):
    row = st.columns([1, 1, 2, 3])
    start = row[0].selectbox("Visiteret fra kvartal", quarters, format_func=fmt.quarter, key="fra",
                             bind="query-params")
    end = row[1].selectbox("Til kvartal", quarters, index=len(quarters) - 1, format_func=fmt.quarter, key="til",
                           bind="query-params")
    with row[2]:
        region = widgets.region_filter(regions)
    names = {code: name for code, name, reg in municipalities.iter_rows() if region is None or reg == region}
    chosen = row[3].multiselect("Kommuner", list(names), format_func=names.get, key="kommune", bind="query-params",
                                placeholder="Alle kommuner i området")
    row = st.columns([1, 1, 1, 1, 2])
    decision = row[0].selectbox("Afgørelse", ["alle", *labels.DECISION],
                                format_func=lambda d: labels.DECISION.get(d, "Alle"), key="afgoerelse",
                                bind="query-params")
    sex = row[1].selectbox("Køn", ["alle", *labels.SEX], format_func=lambda s: labels.SEX.get(s, "Alle"), key="koen",
                           bind="query-params")
    age = row[2].selectbox("Alder", ["alle", *labels.AGE_BANDS], format_func=lambda a: "Alle" if a == "alle" else a,
                           key="alder", bind="query-params")
    weeks = row[3].selectbox("Grænse", list(processing.THRESHOLD_WEEKS), index=2, format_func=lambda w: f"{w} uger", key="uger",
                             bind="query-params", help=D["share_over"])
    stage = row[4].selectbox("Fase i detaljer", stages, index=stages.index("referral_to_decision"),
                             format_func=lambda s: processing.STAGES[s].label, key="fase", bind="query-params")
if end < start:
    st.error("«Til kvartal» ligger før «Fra kvartal». Vælg en slutning efter starten.")
    st.stop()
threshold = 7 * weeks
view = processing.CaseFilter(
    start=start, end=min(periods.quarter_end(end), info.data_end_date), region=region,
    municipalities=tuple(sorted(c for c in chosen if c in names)),
    decision=None if decision == "alle" else decision,
    sex=None if sex == "alle" else sex, age_band=None if age == "alle" else age,
)
here = views.view(
    "processing",
    {"fra": fmt.quarter(start), "til": fmt.quarter(end), "region": regions.get(region),
     "kommune": [names[c] for c in view.municipalities], "afgoerelse": labels.DECISION.get(view.decision),
     "koen": labels.SEX.get(view.sex), "alder": view.age_band, "uger": f"{weeks} uger",
     "fase": processing.STAGES[stage].label, "maal": st.query_params.get("maal"),
     "foer_efter": st.query_params.get("foer_efter")},
    {"Visiteret": f"{fmt.quarter(start)}–{fmt.quarter(end)}", "Område": regions.get(region, "Hele landet"),
     "Kommuner": ", ".join(names[c] for c in view.municipalities) or "alle",
     "Afgørelse": labels.DECISION.get(view.decision, "alle"), "Køn": labels.SEX.get(view.sex, "alle"),
     "Alder": view.age_band or "alle", "Grænse": f"{weeks} uger", "Fase": processing.STAGES[stage].label},
)
source = f"Indlæste data, dataversion {info.version}"

st.subheader("Faserne")
summaries = session.cached(processing.stage_summaries, view, threshold)
widgets.table(
    summaries,
    {"label": "Fase", "cases": "Sager", "open": "Åbne", "median": "Median (dage)", "q1": "25 % (dage)",
     "q3": "75 % (dage)", "p90": "90 % (dage)", "naive_median": "Median, kun afsluttede",
     "share_over": f"Over {weeks} uger", "share_over_lower": "95 % nedre", "share_over_upper": "95 % øvre"},
    {"median": fmt.number, "q1": fmt.number, "q3": fmt.number, "p90": fmt.number, "naive_median": fmt.number,
     "share_over": fmt.percent, "share_over_lower": fmt.percent, "share_over_upper": fmt.percent},
    download="sagsbehandlingstider_faser", source=source, info=info, view=here,
)
st.caption(" ".join([D["stages"], D["median"], D["naive_median"], D["share_over"], D["coordinator"],
                     D["internship"]]))

st.subheader(processing.STAGES[stage].label)
chosen_stage = select_rows(summaries, "stage", stage)
widgets.metric_row([
    ("Median", value_of(chosen_stage, "median"), fmt.days, D["median"]),
    ("Median, kun afsluttede", value_of(chosen_stage, "naive_median"), fmt.days, D["naive_median"]),
    (f"Over {weeks} uger", value_of(chosen_stage, "share_over"), fmt.percent, D["share_over"]),
    ("Åbne (censurerede)", value_of(chosen_stage, "open"), fmt.number, D["open"]),
])
share_over = value_of(chosen_stage, "share_over")
widgets.intervals([(f"Over {weeks} uger", ProtectedInterval(
    share_over, *(None if share_over.hidden else chosen_stage.frame[c][0] for c in ("share_over_lower", "share_over_upper"))),
    fmt.percent)])
widgets.chart(session.cached_chart(processing_charts.survival_curve, (processing.curve, view, stage),
                                   options=(threshold,)),
              D["curve"], download="sagsbehandlingstider_ventekurve", info=info, view=here)

st.subheader("Over tid")
measure = st.radio("Vis", ["median", "share_over"], horizontal=True, key="maal", bind="query-params",
                   format_func={"median": "Median (dage)", "share_over": "Andel over grænsen"}.get)
widgets.chart(
    session.cached_chart(processing_charts.trend, (processing.trend, view, stage, threshold), (overview.events,),
                         (overview.pilot_window,), (processing.pool_period,), options=(measure, threshold)),
    D["trend"], download="sagsbehandlingstider_udvikling", info=info, view=here,
)
events = session.cached(overview.events)
cuts = {row["event_id"]: (row["event_date"], row["label_da"]) for row in events.iter_rows(named=True)
        if row["event_id"] in ("guidance_letter", "initiative_package", "pilot_start", "pilot_end", "law_change_2018")}
pool_period = session.cached(processing.pool_period)
if pool_period is not None:
    cuts["pool_start"] = (pool_period[0], "Første bevilling fra puljen Bedre ressourceforløb starter")
cut = st.selectbox("Før og efter", list(cuts), index=list(cuts).index("initiative_package") if "initiative_package" in cuts else 0,
                   format_func=lambda e: f"{cuts[e][1]} ({fmt.day(cuts[e][0])})", key="foer_efter", bind="query-params",
                   help=D["before_after"])
comparison = session.cached(processing.before_after, view, stage, threshold, cuts[cut][0])
widgets.table(
    comparison.table,
    {"period": "Visiteret", "start": "Fra", "end": "Til", "cases": "Sager", "open": "Åbne",
     "median": "Median (dage)", "median_lower": "Median, 95 % nedre (dage)",
     "median_upper": "Median, 95 % øvre (dage)", "share_over": f"Over {weeks} uger",
     "share_over_lower": "Andel, 95 % nedre", "share_over_upper": "Andel, 95 % øvre"},
    {"median": fmt.number, "median_lower": fmt.number, "median_upper": fmt.number, "share_over": fmt.percent,
     "share_over_lower": fmt.percent, "share_over_upper": fmt.percent},
    download="sagsbehandlingstider_foer_efter", source=source, info=info, view=here,
)
widgets.difference(comparison.difference, f"Ændring i andelen over {weeks} uger", fmt.points, D["before_after"])

st.subheader("Hvor")
st.caption("Regionerne og kommunerne følger periode, afgørelse, køn og alder, men ikke områdevalget.")
widgets.chart(session.cached_chart(processing_charts.regions, (processing.by_region, view, stage, threshold),
                                   options=(measure, threshold)),
              D["by_region"], download="sagsbehandlingstider_regioner", info=info, view=here)
widgets.table(
    session.cached(processing.by_region, view, stage, threshold),
    {"name": "Område", "cases": "Sager", "open": "Åbne", "median": "Median (dage)",
     "share_over": f"Over {weeks} uger", "share_over_lower": "95 % nedre", "share_over_upper": "95 % øvre"},
    {"median": fmt.number, "share_over": fmt.percent, "share_over_lower": fmt.percent,
     "share_over_upper": fmt.percent},
    download="sagsbehandlingstider_regioner", source=source, info=info, view=here,
)
funnel = session.cached(processing.funnel, view, stage, threshold)
widgets.chart(session.cached_chart(processing_charts.funnel, (processing.funnel, view, stage, threshold)),
              D["funnel"], download="sagsbehandlingstider_tragt", info=info, view=here)
outside = funnel.points.frame.filter(funnel.points.frame["position"].is_in(["above_998", "below_998"]))
if 0 < outside.height <= 10:
    st.caption("Uden for 99,8 %-grænserne: " + ", ".join(outside["name"].to_list()) + ".")
elif outside.height > 10:
    # A long list of names says less than the fact that most differ: the spread is not chance.
    st.caption(f"{fmt.number(outside.height)} af {fmt.number(funnel.points.frame.height)} viste kommuner ligger uden "
               "for 99,8 %-grænserne: kommunerne adskiller sig langt mere, end tilfældighed kan forklare "
               "(overspredning), så forskellene skyldes praksis eller borgergrupper, ikke støj.")

st.subheader("Fordelingen")
widgets.chart(session.cached_chart(processing_charts.histogram, (processing.distribution, view, stage)),
              D["distribution"], download="sagsbehandlingstider_fordeling", info=info, view=here)
