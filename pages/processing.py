"""Sagsbehandlingstider: how long each stage of a case takes, open cases counted, over time and where."""

import streamlit as st

import settings
from analysis import overview, stage_times
from analysis.protected import ProtectedInterval, select_rows, value_of
from ui import labels, plain, processing_charts, session, views, widgets
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

if not session.cached(stage_times.any_released):
    st.warning("Data er for få til at udgive sagsbehandlingstider: de fleste tal i hver opdeling bygger på færre "
               f"end {settings.K_ANONYMITY} personer, så ingen af dem udgives. Indlæs et større udtræk.")
    st.stop()

# Filters choose among the released views; every choice lives in the URL, so a copied link
# reopens the same view, and a link made before the release opens the nearest released one.
periods = {p.id: p.label for p in session.cached(stage_times.periods)}
regions = dict(session.cached(overview.regions).iter_rows())
municipalities = session.cached(stage_times.municipalities)
groups = stage_times.groups()
stage_names = session.cached(stage_times.stages)


def _widgets(old: dict):
    view, notes = stage_times.from_old_link(session.database(), old)
    values = {"periode": view.period, "gruppe": view.group}
    if view.area in regions:
        values["region"] = view.area
    elif view.area != "000":
        values.update(region=stage_times.region_of(session.database(), view.area), kommunen=view.area)
    elif "kommune" in old:
        values["region"] = "alle"
    return values, notes


all_municipalities = dict(zip(municipalities["code"], municipalities["name"]))
link_notes = views.upgrade_link(st.query_params, _widgets, {
    "periode": periods.get, "region": widgets.region_label(regions), "gruppe": groups.get,
    "kommunen": lambda c: all_municipalities.get(c, "Alle")})
with st.container(border=True):
    row = st.columns([2, 2, 2, 2])
    period = row[0].selectbox("Visiteret i", list(periods), format_func=periods.get, key="periode",
                              bind="query-params", help="Tallene udgives for hele perioden, for hvert år og for "
                                                        "hvert kvartal.")
    with row[1]:
        region = widgets.region_filter(regions)
    names = {code: name for code, name, reg in municipalities.iter_rows() if region is None or reg == region}
    municipality = row[2].selectbox("Kommune", ["alle", *names], format_func=lambda c: names.get(c, "Alle"),
                                    key="kommunen", bind="query-params",
                                    help="Kommunerne udgives for hele perioden, uden opdeling.")
    group = row[3].selectbox("Gruppe", list(groups), format_func=groups.get, key="gruppe", bind="query-params",
                             help="Køn, alder og afgørelse udgives for hele landet, én ad gangen.")
    row = st.columns([1, 3])
    weeks = row[0].selectbox("Grænse", list(stage_times.THRESHOLD_WEEKS), index=2, format_func=lambda w: f"{w} uger",
                             key="uger", bind="query-params", help=D["share_over"])
    stage = row[1].selectbox("Fase i detaljer", list(stage_names), index=list(stage_names).index("referral_to_decision"),
                             format_func=stage_names.get, key="fase", bind="query-params")
for note in link_notes:
    widgets.scope(note)
threshold = 7 * weeks
MEASURES = {"median": "Median (dage)", "share_over": "Andel over grænsen"}
events = session.cached(stage_times.windows)
cuts = {row["event_id"]: (row["event_date"], row["label_da"]) for row in events.iter_rows(named=True)}


def cut_label(event: str) -> str:
    return f"{cuts[event][1]} ({fmt.day(cuts[event][0])})"


area = municipality if municipality in names else (region or "000")
view = stage_times.StageView(period, area, group)
area_name = names.get(municipality) or regions.get(region, "Hele landet")
here = views.view(
    "processing",
    {"periode": periods[period], "region": regions.get(region), "kommunen": names.get(municipality),
     "gruppe": groups[group] if group else None, "uger": f"{weeks} uger", "fase": stage_names[stage],
     # Drawn further down: the link carries their URL values only when the widgets will accept them.
     "maal": views.accepted(st.query_params, "maal", MEASURES.values()),
     "foer_efter": views.accepted(st.query_params, "foer_efter", map(cut_label, cuts))},
    {"Visiteret": periods[period], "Område": area_name, "Gruppe": groups[group], "Grænse": f"{weeks} uger",
     "Fase": stage_names[stage]},
)
all_names = {**regions, **all_municipalities, "000": "Hele landet"}


def shown_as(section: stage_times.StageView) -> views.View:
    """The link back to the chosen view, with the filters of what a section actually shows."""
    return views.View(here.page, here.params, (
        ("Visiteret", periods.get(section.period, section.period)), ("Område", all_names.get(section.area, "")),
        ("Gruppe", groups[section.group]), ("Grænse", f"{weeks} uger"), ("Fase", stage_names[stage])))


source = f"Indlæste data, dataversion {info.version}"

st.subheader("Faserne")
stages_view, note = session.cached(stage_times.section_view, view, "stages")
widgets.scope(note)
summaries = session.cached(stage_times.stage_table, stages_view, threshold)
widgets.table(
    summaries,
    {"label": "Fase", "cases": "Sager", "open": "Åbne", "median": "Median (dage)", "q1": "25 % (dage)",
     "q3": "75 % (dage)", "p90": "90 % (dage)", "naive_median": "Median, kun afsluttede",
     "share_over": f"Over {weeks} uger", "share_over_lower": "95 % nedre", "share_over_upper": "95 % øvre"},
    {"median": fmt.number, "q1": fmt.number, "q3": fmt.number, "p90": fmt.number, "naive_median": fmt.number,
     "share_over": fmt.percent, "share_over_lower": fmt.percent, "share_over_upper": fmt.percent},
    download="sagsbehandlingstider_faser", source=source, info=info, view=shown_as(stages_view),
)
st.caption(" ".join([D["stages"], D["median"], D["naive_median"], D["share_over"], D["coordinator"],
                     D["internship"]]))

st.subheader(plain.md(stage_names[stage]))
chosen_stage = select_rows(summaries, "stage", stage)
if chosen_stage.frame.height:
    widgets.metric_row([
        ("Median", value_of(chosen_stage, "median"), fmt.days, D["median"]),
        ("Median, kun afsluttede", value_of(chosen_stage, "naive_median"), fmt.days, D["naive_median"]),
        (f"Over {weeks} uger", value_of(chosen_stage, "share_over"), fmt.percent, D["share_over"]),
        ("Åbne (censurerede)", value_of(chosen_stage, "open"), fmt.number, D["open"]),
    ])
    share_over = value_of(chosen_stage, "share_over")
    widgets.intervals([(f"Over {weeks} uger", ProtectedInterval(
        share_over, *(None if share_over.hidden else chosen_stage.frame[c][0]
                      for c in ("share_over_lower", "share_over_upper"))), fmt.percent)])
else:
    st.info("Ingen sager i denne fase for det valgte udsnit (fx en afgørelse, der ikke fører til et forløb).")
curve_view, note = session.cached(stage_times.section_view, view, "curve")
widgets.scope(note)
widgets.chart(session.cached_chart(processing_charts.survival_curve, (stage_times.curve, curve_view, stage),
                                   options=(threshold,)),
              D["curve"], download="sagsbehandlingstider_ventekurve", info=info, view=shown_as(curve_view))

st.subheader("Over tid")
trend_view, note = session.cached(stage_times.section_view, view, "trend")
widgets.scope(note)
measure = st.radio("Vis", ["median", "share_over"], horizontal=True, key="maal", bind="query-params",
                   format_func=MEASURES.get)
widgets.chart(
    session.cached_chart(processing_charts.trend, (stage_times.trend, trend_view, stage, threshold), (overview.events,),
                         (overview.pilot_window,), (overview.pool_period,), options=(measure, threshold)),
    D["trend"], download="sagsbehandlingstider_udvikling", info=info, view=shown_as(trend_view),
)
if measure == "share_over":
    st.caption("Andelen over grænsen udgives ikke kvartal for kvartal (de fleste tal ville være små); den vises "
               "for årene i tabellen over faserne og før og efter begivenhederne nedenfor.")
if events.height:
    default = list(cuts).index("initiative_package") if "initiative_package" in cuts else 0
    cut = st.selectbox("Før og efter", list(cuts), index=default,
                       format_func=cut_label, key="foer_efter",
                       bind="query-params", help=D["before_after"])
    window_view, note = session.cached(stage_times.section_view, view, "windows")
    widgets.scope(note)
    comparison = session.cached(stage_times.before_after, window_view, cut, stage, threshold)
    widgets.table(
        comparison.table,
        {"period": "Visiteret", "start": "Fra", "end": "Til", "cases": "Sager", "open": "Åbne",
         "median": "Median (dage)", "median_lower": "Median, 95 % nedre (dage)",
         "median_upper": "Median, 95 % øvre (dage)", "share_over": f"Over {weeks} uger",
         "share_over_lower": "Andel, 95 % nedre", "share_over_upper": "Andel, 95 % øvre"},
        {"median": fmt.number, "median_lower": fmt.number, "median_upper": fmt.number, "share_over": fmt.percent,
         "share_over_lower": fmt.percent, "share_over_upper": fmt.percent},
        download="sagsbehandlingstider_foer_efter", source=source, info=info, view=shown_as(window_view),
    )
    widgets.difference(comparison.difference, f"Ændring i andelen over {weeks} uger", fmt.points, D["before_after"])
else:
    st.info("Data dækker ikke fire hele kvartaler før og efter nogen af begivenhederne.")

st.subheader("Hvor")
region_view, note = session.cached(stage_times.section_view, view, "regions")
widgets.scope(note)
st.caption("Regionerne følger den valgte periode, men ikke område og gruppe; kommunerne vises for hele perioden.")
widgets.chart(session.cached_chart(processing_charts.regions, (stage_times.by_region, region_view.period, stage,
                                                               threshold), options=(measure, threshold)),
              D["by_region"], download="sagsbehandlingstider_regioner", info=info, view=shown_as(region_view))
widgets.table(
    session.cached(stage_times.by_region, region_view.period, stage, threshold),
    {"name": "Område", "cases": "Sager", "open": "Åbne", "median": "Median (dage)",
     "share_over": f"Over {weeks} uger", "share_over_lower": "95 % nedre", "share_over_upper": "95 % øvre"},
    {"median": fmt.number, "share_over": fmt.percent, "share_over_lower": fmt.percent,
     "share_over_upper": fmt.percent},
    download="sagsbehandlingstider_regioner", source=source, info=info, view=shown_as(region_view),
)
funnel = session.cached(stage_times.funnel, stage, threshold)
widgets.chart(session.cached_chart(processing_charts.funnel, (stage_times.funnel, stage, threshold)),
              D["funnel"], download="sagsbehandlingstider_tragt", info=info,
              view=shown_as(stage_times.StageView(funnel.period or period)))
outside = funnel.points.frame.filter(funnel.points.frame["position"].is_in(["above_998", "below_998"]))
if 0 < outside.height <= 10:
    st.caption("Uden for 99,8 %-grænserne: " + ", ".join(map(plain.md, outside["name"].to_list())) + ".")
elif outside.height > 10:
    # A long list of names says less than the fact that most differ: the spread is not chance.
    st.caption(f"{fmt.number(outside.height)} af {fmt.number(funnel.points.frame.height)} viste kommuner ligger uden "
               "for 99,8 %-grænserne: kommunerne adskiller sig langt mere, end tilfældighed kan forklare "
               "(overspredning), så forskellene skyldes praksis eller borgergrupper, ikke støj.")

st.subheader("Fordelingen")
widgets.chart(session.cached_chart(processing_charts.histogram, (stage_times.bins, curve_view, stage)),
              D["distribution"], download="sagsbehandlingstider_fordeling", info=info, view=shown_as(curve_view))
