"""Sundhedskoordinator-forsøget: who used the right, where, when, for what, and how fast."""

import streamlit as st

from analysis import overview, pilot
from ui import charts, labels, plain, session, views, widgets
from ui import format as fmt

info = session.dataset()
D = labels.PILOT_DEFINITIONS
st.title("Forsøget med sundhedskoordinatoren")
st.caption(
    "Fra 1. juli 2017 til 1. juli 2019 kunne en borger i ressourceforløb få den regionale "
    "sundhedskoordinator inddraget, hvis borgeren var bekymret for, at et konkret tilbud – fx en "
    "virksomhedspraktik – ville skade helbredet. Siden viser, hvor mange der brugte retten, hvor, "
    "hvornår, til hvad, med hvilket udfald og hvor hurtigt."
)

# Filters choose among the released views; every choice lives in the URL, so a copied link
# reopens the same view, and a link made before the release opens the nearest released one.
periods = {p.id: p.label for p in session.cached(pilot.periods)}
regions = dict(session.cached(overview.regions).iter_rows())
groups = pilot.groups()


def _widgets(old: dict):
    view, notes = pilot.from_old_link(session.database(), old)
    return {"periode": view.period, "region": "alle" if view.area == "000" else view.area, "gruppe": view.group}, notes


link_notes = views.upgrade_link(st.query_params, _widgets, {"periode": periods.get, "region": widgets.region_label(regions),
                                                             "gruppe": groups.get})
with st.container(border=True):
    row = st.columns([2, 2, 2])
    period = row[0].selectbox("Periode", list(periods), format_func=periods.get, key="periode", bind="query-params",
                              help="Tallene udgives for hele forsøget, for hvert år og for hvert kvartal.")
    with row[1]:
        region = widgets.region_filter(regions)
    group = row[2].selectbox("Gruppe", list(groups), format_func=groups.get, key="gruppe", bind="query-params",
                             help="Køn og aldersgrupper udgives for hele landet.")
for note in link_notes:
    widgets.scope(note)
view = pilot.PilotView(period, region or "000", group)
here = views.view(
    "pilot",
    {"periode": periods[period], "region": regions.get(region), "gruppe": groups[group] if group else None},
    {"Periode": periods[period], "Område": regions.get(region, "Hele landet"), "Gruppe": groups[group]},
)


def shown_as(section: pilot.PilotView) -> views.View:
    """The link back to the chosen view, with the filters of what a section actually shows (the
    nearest released view where the chosen one is not released): a download says what it holds."""
    return views.View(here.page, here.params, (
        ("Periode", periods.get(section.period, section.period)),
        ("Område", regions.get(section.area, "Hele landet")), ("Gruppe", groups[section.group])))


source = f"Indlæste data, dataversion {info.version}"

st.subheader("Hovedtal")
shown, note = session.cached(pilot.section_view, view, "headline")
widgets.scope(note)
head = session.cached(pilot.headline, shown)
rate = head.uptake_per_1000
share = head.early_share
widgets.metric_row([
    ("Anmodninger", head.requests, fmt.number, D["pilot_requests"]),
    ("Pr. 1.000 forløb", rate.estimate, lambda v: fmt.number(v, 2), D["pilot_uptake"]),
    ("Kommuner med anmodninger", head.municipalities, fmt.number,
     D["pilot_municipalities"] + " Et antal kommuner, ikke personer."),
    ("Tidlig afklaring", share.estimate, fmt.percent, D["pilot_early_share"]),
])
widgets.intervals([
    ("Pr. 1.000 forløb", rate, lambda v: fmt.number(v, 2)),
    ("Tidlig afklaring", share, fmt.percent),
])
widgets.published_beside(session.cached(pilot.published), ["pilot_uses", "pilot_municipalities", "pilot_courses",
                                                             "pilot_mostly_early"])

st.subheader("Over tid")
quarterly, note = session.cached(pilot.section_view, view, "quarters")
widgets.scope(note)
widgets.chart(session.cached_chart(charts.pilot_requests_by_quarter, (pilot.by_quarter, quarterly), (overview.events,)),
              D["pilot_requests"], download="forsoeg_anmodninger_kvartal", info=info, view=shown_as(quarterly))

st.subheader("Hvor")
by_region, note = session.cached(pilot.section_view, view, "regions")
widgets.scope(note)
st.caption("Fordelingen på regioner følger den valgte periode; kommunerne vises for hele forsøget.")
widgets.chart(session.cached_chart(charts.uptake_by_region, (pilot.by_region, by_region)), D["pilot_uptake"],
              download="forsoeg_regioner", info=info, view=shown_as(by_region))
widgets.table(
    session.cached(pilot.by_region, by_region),
    {"name": "Område", "requests": "Anmodninger", "courses": "Forløb", "rate": "Pr. 1.000 forløb",
     "rate_lower": "95 % nedre", "rate_upper": "95 % øvre"},
    {"rate": lambda v: fmt.number(v, 2), "rate_lower": lambda v: fmt.number(v, 2),
     "rate_upper": lambda v: fmt.number(v, 2)},
    download="forsoeg_anmodninger_region", source=source, info=info, view=shown_as(by_region),
)
st.markdown("**Kommunerne, hele forsøget**")
funnel = session.cached(pilot.funnel)
widgets.chart(session.cached_chart(charts.pilot_funnel, (pilot.funnel,)), D["pilot_funnel"],
              download="forsoeg_tragt", info=info, view=shown_as(pilot.PilotView(session.cached(pilot.window).id)))
outside = funnel.points.frame.filter(funnel.points.frame["position"].is_in(["above_998", "below_998"]))
if outside.height:
    st.caption("Uden for 99,8 %-grænserne: " + ", ".join(map(plain.md, outside["name"].to_list())) + ".")

st.subheader("Fra anmodning til udfald")
flow_view, note = session.cached(pilot.section_view, view, "flow")
widgets.scope(note)
flow = session.cached(pilot.flow, flow_view)
widgets.chart(session.cached_chart(charts.pilot_flow, (pilot.flow, flow_view)), D["pilot_flow"],
              download="forsoeg_forloeb", info=info, view=shown_as(flow_view))
widgets.table(
    flow,
    {"offer_type": "Tilbudstype", "requests": "Anmodninger", "dialogue": "Dialogmøde", "advice": "Rådgivning",
     **{o: labels.OUTCOME[o] for o in pilot.OUTCOMES}, "open": "Åbne"},
    {"offer_type": labels.OFFER_TYPE.get},
    download="forsoeg_forloeb_af_anmodninger", source=source, info=info, view=shown_as(flow_view),
)
if flow.frame.height == 1:
    st.caption("Fordelingen på tilbudstyper udgives ikke for dette datasæt: de fleste tal ville være under 5.")

st.subheader("Hvor hurtigt")
speed_view, note = session.cached(pilot.section_view, view, "speed")
widgets.scope(note)
speed = session.cached(pilot.speed, speed_view)
widgets.duration_summary(speed.statistics, speed.n, speed.open, "dage", D["pilot_days_to_advice"])
if len(speed.curve) > 1:
    widgets.chart(session.cached_chart(charts.days_to_advice_curve, (pilot.speed, speed_view)),
                  download="forsoeg_dage_til_raadgivning", info=info, view=shown_as(speed_view))

st.subheader("Andre kanaler til sundhedsfaglig viden")
channels_view, note = session.cached(pilot.section_view, view, "channels")
channels = session.cached(pilot.other_channels, channels_view)
if channels is None:
    st.info("Tabellen health_advice_channels er ikke indlæst i denne dataversion, så forsøgets anvendelse kan "
            "ikke stilles op mod kommunernes andre kanaler. Den kan indlæses med de øvrige tabeller "
            "(se docs/data-contract.md).")
else:
    widgets.scope(note)
    widgets.table(
        channels,
        {"quarter_start": "Kvartal", "requests": "Anmodninger i forsøget",
         "coordinator_sparring": "Sparring med sundhedskoordinator", "gp_involvement": "Praktiserende læge"},
        {"quarter_start": fmt.quarter},
        download="forsoeg_andre_kanaler", source=source, info=info, view=shown_as(channels_view),
    )
    st.caption(D["pilot_other_channels"] + " Anmodninger i forsøget vises kun for forsøgets kvartaler (– uden for).")
