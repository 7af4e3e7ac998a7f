"""Links that reopen a view: the page and its filters, whatever page the browser is on."""

import re

import settings
from ui import views


def test_a_link_carries_the_page_and_its_filters_encoded():
    view = views.view("pool", {"fra": "2017K3", "region": "Region Sjælland", "kommune": ["Aarhus", "Ærø"],
                                 "fokus": None, "maaneder": []}, {"Område": "Region Sjælland"})
    assert view.link("http://host:8501/") == (
        "http://host:8501/pool?fra=2017K3&region=Region+Sj%C3%A6lland&kommune=Aarhus&kommune=%C3%86r%C3%B8")
    assert view.filter_text() == "Område: Region Sjælland"


def test_the_browser_address_of_any_page_gives_the_app_root():
    for path in views.PAGE_PATHS:
        assert views.strip_page(f"https://x.dk/rf/{path}") == "https://x.dk/rf/"
        assert views.strip_page(f"https://x.dk/rf/{path}/?a=1") == "https://x.dk/rf/"
    assert views.strip_page("https://x.dk/rf") == "https://x.dk/rf/"
    assert views.view("briefing", {}, {}).link(views.strip_page("http://h:8501/briefing")) == "http://h:8501/briefing"


def test_every_page_path_of_the_navigation_is_known():
    app = (settings.ROOT / "app.py").read_text(encoding="utf-8")
    assert sorted(re.findall(r'url_path="([a-z]+)"', app)) == sorted(views.PAGE_PATHS)


def test_a_made_up_path_in_the_address_never_reaches_a_link():
    for crafted in ("http://h:8501/[klik](https:%2F%2Fevil.example)/pool", "http://h:8501/=1+1;x/",
                    "http://h:8501/a%0Ab/pool?x=1", "javascript:alert(1)"):
        root = views.strip_page(crafted)
        assert root in ("http://h:8501/", "http://localhost:8501/"), root
    assert views.strip_page("https://x.dk/rf/pool?a=1#b") == "https://x.dk/rf/"
