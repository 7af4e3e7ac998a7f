"""An old link opened on its nearest released view leaves that view in the address: a reload or
a copied address opens it again, not the default view."""

from __future__ import annotations

from tests.pages.runner import open_page


def test_the_address_carries_the_released_view_an_old_link_opened(app_env, monkeypatch):
    at = open_page(app_env, monkeypatch, "processing.py", {"afgoerelse": "Ressourceforløb"})
    assert at.selectbox(key="gruppe").value == "case_decision=resource_course"
    address = dict(at.query_params)
    assert "afgoerelse" not in address and address["gruppe"] == "Afgørelse: ressourceforløb"
    again = open_page(app_env, monkeypatch, "processing.py", address)
    assert again.selectbox(key="gruppe").value == "case_decision=resource_course"


def test_an_old_pilot_link_leaves_its_released_view_in_the_address(app_env, monkeypatch):
    at = open_page(app_env, monkeypatch, "pilot.py", {"koen": "Kvinder", "fra": "2017K4", "til": "2018K2"})
    address = dict(at.query_params)
    again = open_page(app_env, monkeypatch, "pilot.py", address)
    for key in ("periode", "region", "gruppe"):
        assert again.selectbox(key=key).value == at.selectbox(key=key).value
    assert at.selectbox(key="gruppe").value != ""
