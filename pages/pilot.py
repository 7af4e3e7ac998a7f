"""Sundhedskoordinator-forsøget: who used the right, where, when, for what, and how fast."""

from datetime import date

import streamlit as st

from analysis import overview, pilot
from ui import charts, labels, session, views, widgets
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

# Filters: every choice lives in the URL, so a copied link reopens the same view.
quarters = pilot.quarters(info.pilot_start, info.pilot_end)
regions = dict(session.cached(overview.regions).iter_rows())
municipalities = session.cached(pilot.municipality_names)
with st.container(border=True):
    row = st.columns([1, 1, 2, 3])
    start = row[0].selectbox("Fra kvartal", quarters, format_func=fmt.quarter, key="fra", bind="query-params")
    end = row[1].selectbox("Til kvartal", quarters, index=len(quarters) - 1, format_func=fmt.quarter, key="til",
                           bind="query-params")
    with row[2]:
        region = widgets.region_filter(regions)
    names = {code: name for code, name, reg in municipalities.iter_rows() if region is None or reg == region}
    chosen = row[3].multiselect("Kommuner", list(names), format_func=names.get, key="kommune", bind="query-params",
                                placeholder="Alle kommuner i området")
    row = st.columns([1, 1, 4])
    sex = row[0].selectbox("Køn", ["alle", *labels.SEX], format_func=lambda s: labels.SEX.get(s, "Alle"), key="koen",
                           bind="query-params")
    age = row[1].selectbox("Alder", ["alle", *labels.AGE_BANDS], format_func=lambda a: "Alle" if a == "alle" else a,
                           key="alder", bind="query-params")
if end < start:
    st.error("«Til kvartal» ligger før «Fra kvartal». Vælg en slutning efter starten.")
    st.stop()
view = pilot.PilotFilter(
    start=start, end=min(pilot.quarter_end(end), info.pilot_end), region=region,
    municipalities=tuple(sorted(c for c in chosen if c in names)),
    sex=None if sex == "alle" else sex, age_band=None if age == "alle" else age,
)
here = views.view(
    "pilot",
    {"fra": fmt.quarter(start), "til": fmt.quarter(end), "region": regions.get(region),
     "kommune": [names[c] for c in view.municipalities], "koen": labels.SEX.get(view.sex), "alder": view.age_band},
    {"Periode": f"{fmt.quarter(start)}–{fmt.quarter(end)}", "Område": regions.get(region, "Hele landet"),
     "Kommuner": ", ".join(names[c] for c in view.municipalities) or "alle",
     "Køn": labels.SEX.get(view.sex, "alle"), "Alder": view.age_band or "alle"},
)
source = f"Indlæste data, dataversion {info.version}"

st.subheader("Hovedtal")
head = session.cached(pilot.headline, view)
rate = head.uptake_per_1000
share = head.early_share
widgets.metric_row([
    ("Anmodninger", head.requests, fmt.number, D["pilot_requests"]),
    ("Pr. 1.000 forløb", rate.estimate, lambda v: fmt.number(v, 2), D["pilot_uptake"]),
    ("Kommuner med anmodninger", head.municipalities, fmt.number, D["pilot_municipalities"]),
    ("Tidlig afklaring", share.estimate, fmt.percent, D["pilot_early_share"]),
])
widgets.intervals([
    ("Pr. 1.000 forløb", rate, lambda v: fmt.number(v, 2)),
    ("Tidlig afklaring", share, fmt.percent),
])
widgets.published_beside(session.cached(pilot.published), ["pilot_uses", "pilot_municipalities", "pilot_courses",
                                                             "pilot_mostly_early"])

st.subheader("Over tid")
widgets.chart(session.cached_chart(charts.pilot_requests_by_quarter, (pilot.by_quarter, view), (overview.events,)),
              D["pilot_requests"], download="forsoeg_anmodninger_kvartal", info=info, view=here)

st.subheader("Hvor")
st.caption("Fordelingen på regioner og kommuner følger den valgte periode, men ikke køn, alder og områdevalg.")
widgets.chart(session.cached_chart(charts.uptake_by_region, (pilot.by_region, view)), D["pilot_uptake"],
              download="forsoeg_regioner", info=info, view=here)
widgets.table(
    session.cached(pilot.by_region, view),
    {"name": "Område", "requests": "Anmodninger", "courses": "Forløb", "rate": "Pr. 1.000 forløb",
     "rate_lower": "95 % nedre", "rate_upper": "95 % øvre"},
    {"rate": lambda v: fmt.number(v, 2), "rate_lower": lambda v: fmt.number(v, 2),
     "rate_upper": lambda v: fmt.number(v, 2)},
    download="forsoeg_anmodninger_region", source=source, info=info, view=here,
)
st.markdown("**Kommunerne**")
funnel = session.cached(pilot.funnel, view)
widgets.chart(session.cached_chart(charts.pilot_funnel, (pilot.funnel, view)), D["pilot_funnel"],
              download="forsoeg_tragt", info=info, view=here)
outside = funnel.points.frame.filter(funnel.points.frame["position"].is_in(["above_998", "below_998"]))
if outside.height:
    st.caption("Uden for 99,8 %-grænserne: " + ", ".join(outside["name"].to_list()) + ".")

st.subheader("Fra anmodning til udfald")
flow = session.cached(pilot.flow, view)
widgets.chart(session.cached_chart(charts.pilot_flow, (pilot.flow, view)), D["pilot_flow"],
              download="forsoeg_forloeb", info=info, view=here)
widgets.table(
    flow,
    {"offer_type": "Tilbudstype", "requests": "Anmodninger", "dialogue": "Dialogmøde", "advice": "Rådgivning",
     **{o: labels.OUTCOME[o] for o in pilot.OUTCOMES}, "open": "Åbne"},
    {"offer_type": labels.OFFER_TYPE.get},
    download="forsoeg_forloeb_af_anmodninger", source=source, info=info, view=here,
)

st.subheader("Hvor hurtigt")
speed = session.cached(pilot.speed, view)
widgets.duration_summary(speed.summary, speed.n, speed.open, "dage", D["pilot_days_to_advice"])
if speed.summary is not None:
    widgets.chart(session.cached_chart(charts.days_to_advice_curve, (pilot.speed, view)),
                  download="forsoeg_dage_til_raadgivning", info=info, view=here)

st.subheader("Andre kanaler til sundhedsfaglig viden")
channels = session.cached(pilot.other_channels, view)
if channels is None:
    st.info("Tabellen health_advice_channels er ikke indlæst i denne dataversion, så forsøgets anvendelse kan "
            "ikke stilles op mod kommunernes andre kanaler. Den kan indlæses med de øvrige tabeller "
            "(se docs/data-contract.md).")
else:
    widgets.table(
        channels,
        {"quarter_start": "Kvartal", "requests": "Anmodninger i forsøget",
         "coordinator_sparring": "Sparring med sundhedskoordinator", "gp_involvement": "Praktiserende læge"},
        {"quarter_start": fmt.quarter},
        download="forsoeg_andre_kanaler", source=source, info=info, view=here,
    )
    st.caption(D["pilot_other_channels"])
