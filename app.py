"""Entry: page config, navigation, the live database, the synthetic banner and the footer."""

import streamlit as st

import settings
from ui import session, widgets

st.set_page_config(page_title="Ressourceforløb – evaluering", page_icon=":material/monitoring:", layout="wide")

info = session.dataset()
if info is None:
    st.title("Ressourceforløb – evaluering")
    st.error(
        f"Der er ikke indlæst nogen data endnu ({settings.db_path()} findes ikke). "
        "Byg standarddatasættet med `make data`, eller indlæs et udtræk med "
        "`python -m etl load MAPPE --db " + str(settings.db_path()) + "`."
    )
    st.stop()

pages = [
    st.Page("pages/overview.py", title="Overblik", icon=":material/dashboard:", url_path="overblik", default=True),
    st.Page("pages/pilot.py", title="Forsøget med sundhedskoordinator", icon=":material/health_and_safety:",
            url_path="sundhedskoordinator"),
    st.Page("pages/processing.py", title="Sagsbehandlingstider", icon=":material/timer:",
            url_path="sagsbehandlingstider"),
    st.Page("pages/pool.py", title="Puljen Bedre ressourceforløb", icon=":material/payments:", url_path="puljen"),
    st.Page("pages/briefing.py", title="Briefing til forligskredsen", icon=":material/description:",
            url_path="briefing"),
]
navigation = st.navigation(pages)
widgets.synthetic_banner(info)
navigation.run()
widgets.footer(info)
