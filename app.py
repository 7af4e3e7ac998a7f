"""Entry: page config, navigation, the live database, the synthetic banner and the footer."""

import streamlit as st
from streamlit import net_util

import settings
from analysis.database import NotServed
from ui import plain, session, widgets

# Streamlit checks a websocket from another origin against the machine's outside address, which
# it asks checkip.amazonaws.com for. Nothing leaves the machine: the outside address is "unknown".
net_util._external_ip = ""

st.set_page_config(page_title="Ressourceforløb – evaluering", page_icon="📊", layout="wide")
widgets.document_language()

try:
    info = session.dataset(page=False)
except NotServed as refused:
    st.title("Ressourceforløb – evaluering")
    st.error(plain.md(refused))  # names files and tables: shown as written
    st.stop()
if info is None:
    st.title("Ressourceforløb – evaluering")
    st.error(
        f"Der er ikke indlæst nogen data endnu ({plain.md(settings.db_path())} findes ikke). "
        "Byg standarddatasættet med `make data`, eller indlæs et udtræk med "
        "`python -m etl load MAPPE --db " + str(settings.db_path()) + "`."
    )
    st.stop()

# Each url_path is the file's name: Streamlit's old multipage mode (which a pages/ folder turns on
# until st.navigation runs) knows a page by its file name, so a first visitor's deep link then
# finds the same page in the navigation (ui.session.use_navigation).
pages = [
    st.Page("pages/overview.py", title="Overblik", url_path="overview", default=True),
    st.Page("pages/pilot.py", title="Forsøget med sundhedskoordinator",
            url_path="pilot"),
    st.Page("pages/processing.py", title="Sagsbehandlingstider",
            url_path="processing"),
    st.Page("pages/pool.py", title="Puljen Bedre ressourceforløb", url_path="pool"),
    st.Page("pages/briefing.py", title="Briefing til forligskredsen",
            url_path="briefing"),
]
navigation = st.navigation(pages)
widgets.synthetic_banner(info)
navigation.run()
widgets.footer(info)
