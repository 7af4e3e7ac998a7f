"""The release built by a load: what it holds, what it never holds, and a release that cannot be
certified is not published."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.cli import main
from etl.load import load
from etl.publish import Store
from release import build as release_build
from release.disclosure import suppression
from release.disclosure.certify import CertificationFailed
from tests.fixtures import open_published
from tests.pilot_fixture import write_pilot_dataset

WINDOW = "2017K3-2019K2"


def sql(db: Path, query: str, params: dict | None = None) -> list[tuple]:
    con = open_published(db)
    try:
        return con.execute(query, params or {}).fetchall()
    finally:
        con.close()


def cell(db: Path, measure: str, period: str, area: str, grp: str = "") -> tuple:
    return sql(db, "SELECT value, hidden FROM rel_cells WHERE released AND measure = $m AND period = $p AND area = $a "
                   "AND grp = $g", {"m": measure, "p": period, "a": area, "g": grp})[0]


def test_shown_cells_equal_an_independent_query(pilot_db):
    [(courses,)] = sql(pilot_db, "SELECT count(*) FROM fct_cases WHERE course_start_date <= '2019-06-30' AND "
                                 "(course_end_date IS NULL OR course_end_date >= '2017-07-01')")
    assert cell(pilot_db, "courses_active", WINDOW, "000") == (courses, False) == (31, False)
    for quarter, n in sql(pilot_db, "SELECT year(request_date) || 'K' || quarter(request_date), count(*) "
                                    "FROM fct_pilot_requests GROUP BY 1"):
        value, hidden = cell(pilot_db, "requests", quarter, "000")
        assert value == n or (hidden and 1 <= n <= 4)
    assert cell(pilot_db, "requests", WINDOW, "000") == (12, False)


def test_hidden_and_unreleased_cells_hold_no_value(pilot_db):
    [(hidden_with_value,)] = sql(pilot_db, "SELECT count(*) FROM rel_cells WHERE (hidden OR NOT released) "
                                           "AND value IS NOT NULL")
    assert hidden_with_value == 0
    # Aarhus (4 requests) is hidden, and so are Midtjylland and the region that would give it away.
    assert cell(pilot_db, "requests", WINDOW, "751") == (None, True)
    assert cell(pilot_db, "requests", WINDOW, "082") == (None, True)
    assert cell(pilot_db, "requests", WINDOW, "084") == (None, True)
    [(statistics_with_value,)] = sql(pilot_db, "SELECT count(*) FROM rel_estimates WHERE hidden AND "
                                               "(estimate IS NOT NULL OR lower IS NOT NULL OR upper IS NOT NULL)")
    assert statistics_with_value == 0


def test_the_certificate_is_stored_and_every_relation_holds_between_cells(pilot_db):
    [row] = sql(pilot_db, "SELECT k, hidden_cells, narrowest_low, narrowest_high, relations FROM rel_certificate")
    k, hidden, low, high, relations = row
    assert k == 5 and hidden > 0 and high - low >= k
    [(stored,)] = sql(pilot_db, "SELECT count(DISTINCT relation) FROM rel_relations")
    assert stored == relations
    # every relation names cells of the release, one total each
    [(bad,)] = sql(pilot_db, "SELECT count(*) FROM (SELECT relation, count(*) FILTER (WHERE role = 'total') AS t "
                             "FROM rel_relations GROUP BY relation) WHERE t != 1")
    assert bad == 0


def test_shares_only_where_both_parts_are_shown(pilot_db):
    for period, area, grp, hidden in sql(pilot_db, "SELECT period, area, grp, hidden FROM rel_estimates "
                                                   "WHERE measure = 'pilot_early_share'"):
        parts = [cell(pilot_db, "requests", period, area, "|".join(sorted(filter(None, [grp, f"context={c}"]))))
                 for c in ("early_clarification", "concrete_offer")]
        if not hidden:
            assert all(not h for _, h in parts)


def test_a_release_that_cannot_be_certified_is_not_published(tmp_path, monkeypatch, capsys):
    db = tmp_path / "rf.duckdb"
    folder = write_pilot_dataset(tmp_path / "in")
    load([folder], db)
    before = Store(db).current()

    # An engine that hides only the small counts: the country's total then gives them back.
    def primary_only(values, layout, k=5, **kwargs):
        released = kwargs.get("released") or [True] * len(values)
        return [(1 <= v <= k - 1) or not r for v, r in zip(values, released)]

    monkeypatch.setattr(release_build, "suppress", primary_only)
    with pytest.raises(CertificationFailed, match="ikke certificeret"):
        load([folder], db)
    assert Store(db).current() == before and Store(db).versions() == [before[0]]
    assert main(["load", str(folder), "--db", str(db)]) == 3
    err = capsys.readouterr().err
    assert "Udgivelsen er ikke certificeret" in err and "Intet er udgivet" in err and "uændret" in err
    assert Store(db).current() == before


def test_status_shows_the_certificate(pilot_db, capsys):
    assert main(["status", "--db", str(pilot_db)]) == 0
    out = capsys.readouterr().out
    assert "Udgivelse certificeret (k = 5)" in out and "smalleste interval" in out
    assert main(["status", "--db", str(pilot_db), "--json"]) == 0
    certificate = json.loads(capsys.readouterr().out)["certificate"]
    assert certificate["k"] == 5 and certificate["hidden_cells"] > 0


def test_the_engine_is_the_only_one(pilot_db):
    # One suppression engine in the product: the release's (the old per-page module is gone).
    import importlib.util

    assert importlib.util.find_spec("analysis.suppression") is None
    assert release_build.suppress is suppression.suppress
