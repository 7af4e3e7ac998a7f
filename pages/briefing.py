"""Briefing til forligskredsen: the three themes for one period and area, as Word and PDF, recorded
so the same briefing can be made again and compared with the data as it is now."""

from datetime import datetime, timezone

import streamlit as st

from analysis import overview, periods
from ui import briefing, briefings, export, key_messages, plain, session, views, widgets
from ui import format as fmt

info = session.dataset()
st.title("Briefing til forligskredsen")
st.caption(
    "Vælg periode og område. Siden samler hovedtallene for forsøget med sundhedskoordinatoren, "
    "sagsbehandlingstiderne og puljen Bedre ressourceforløb med fire centrale figurer og korte noter om "
    "metode og diskretionering i et Word-dokument og en PDF. Hver briefing gemmes med dataversion og "
    "link, så den kan dannes igen senere – og siden siger, hvilke hovedtal der har flyttet sig siden."
)
export.warm_up()  # start the chart renderer now, so the first briefing does not wait for it

quarters = periods.quarters(info.first_referral_date, info.data_end_date)
regions = dict(session.cached(overview.regions).iter_rows())
with st.container(border=True):
    row = st.columns([1, 1, 2])
    start = row[0].selectbox("Fra kvartal", quarters, format_func=fmt.quarter, key="fra", bind="query-params")
    end = row[1].selectbox("Til kvartal", quarters, index=len(quarters) - 1, format_func=fmt.quarter, key="til",
                           bind="query-params")
    with row[2]:
        region = widgets.region_filter(regions)
if end < start:
    st.error("«Til kvartal» ligger før «Fra kvartal». Vælg en slutning efter starten.")
    st.stop()
params = {"fra": fmt.quarter(start), "til": fmt.quarter(end), "region": regions.get(region)}
filters = {"Periode": f"{fmt.quarter(start)}–{fmt.quarter(end)}", "Område": regions.get(region, "Hele landet")}
view_params = [list(p) for p in views.view("briefing", params, {}).params]

# A link from an earlier briefing: say what it was made from, offer to make it again on that data
# version, and say which headline figures have moved since (for the same view only).
asked = st.query_params.get("briefing")
try:
    record = briefings.load(asked) if asked else None
except briefings.CorruptRecord as refused:  # a damaged or edited record: its message, nothing from it
    record = None
    st.error(plain.md(refused))
else:
    if asked and record is None:
        st.warning(f"Briefingen «{plain.md(asked)}» findes ikke i registret. Vælg periode og område, og dan en ny.")
same_view = record is not None and [p for p in record.params if p[0] != "briefing"] == view_params
pinned = session.pinned(record.version) if same_view else None
if record is not None:
    made = fmt.timestamp(datetime.fromisoformat(record.generated_at))
    if not same_view:
        st.info(f"Briefingen «{record.briefing_id}» blev dannet {made} for en anden periode eller et andet område. "
                "Filtrene er ændret siden, så der sammenlignes ikke; en ny briefing dannes på de nuværende data.")
    elif pinned is None:
        st.warning(f"Briefingen blev dannet {made} på dataversion {record.version}, som ikke længere findes. "
                   f"En ny briefing dannes på den nuværende version {info.version}; hovedtallene nedenfor "
                   "sammenlignes med dem, briefingen blev dannet med.")
    else:
        st.info(f"Briefingen blev dannet {made} på dataversion {record.version}. Tryk «Dan briefing» for at danne "
                f"den igen på den version, så den svarer til det, der blev briefet; nu er dataversion "
                f"{info.version} indlæst.")
    if same_view and record.version != info.version:
        now = session.cached(briefing.headline_figures, start, min(periods.quarter_end(end), info.data_end_date), region)
        widgets.moved_figures(briefings.moved(record, now), record.version, info.version)

db = pinned or session.database()
data = db.refresh()
last_day = min(periods.quarter_end(end), data.data_end_date)  # the end of the data the briefing is made on

st.subheader("Hovedbudskaber")
st.caption("Budskaberne står øverst på briefingens første side. Hvert er bygget af udgivne tal efter faste "
           "regler: en ændring eller effekt nævnes kun, hvor hele 95 %-intervallet ligger på samme side af nul, "
           f"og «sjældent» kun, hvor selv intervallets øvre grænse er under {key_messages.RARE_PER_1000:g} pr. "
           "1.000 forløb.")
for message in session.cached(key_messages.key_messages, start, last_day, region):
    st.markdown("- " + plain.md(message.text))
generated_at = datetime.now(timezone.utc)
if st.button("Dan briefing (Word og PDF)", type="primary"):
    briefing_id = briefings.new_id(data.version, view_params, generated_at)
    here = views.view("briefing", {**params, "briefing": briefing_id}, filters)
    with st.spinner("Danner briefingen …"):
        contents = briefing.assemble(db, start, last_day, region, here, generated_at)
        documents = briefing.render(contents.document)
    briefings.save(briefings.Record(briefing_id, generated_at.isoformat(), data.version,
                                    [list(p) for p in here.params], here.link(), contents.figures))
    st.session_state["briefing"] = (params, briefing_id, here.link(), documents)
made = st.session_state.get("briefing")
if made is not None and made[0] == params:  # only the briefing of the view on screen
    widgets.briefing_downloads(*made[1:])
