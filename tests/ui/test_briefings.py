"""The briefing register: records survive a round trip, and changed figures are named."""

from datetime import datetime, timezone

from ui import briefings
from ui.briefings import BriefedFigure, Record

FIGURES = [
    BriefedFigure("pilot_requests", "Forsøget", "Anmodninger", "78"),
    BriefedFigure("median_days", "Sagsbehandlingstider", "Median, visitation til afgørelse", "96 dage"),
    BriefedFigure("did_involvement", "Puljen", "Effekt på borgerinddragelse", ".."),
]


def _record(figures=FIGURES) -> Record:
    when = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    params = [["fra", "2017K3"], ["region", "Region Sjælland"]]
    return Record(briefings.new_id(3, params, when), when.isoformat(), 3, params, "http://x/briefing?fra=2017K3",
                  list(figures))


def test_a_saved_record_reads_back_equal(tmp_path):
    record = _record()
    briefings.save(record, tmp_path)
    assert briefings.load(record.briefing_id, tmp_path) == record
    assert not list(tmp_path.glob("*.tmp"))


def test_unknown_or_malformed_ids_give_nothing(tmp_path):
    assert briefings.load("0123456789ab", tmp_path) is None
    assert briefings.load("../../etc/passwd", tmp_path) is None


def test_moved_names_changed_new_and_gone_figures_only():
    now = [
        BriefedFigure("pilot_requests", "Forsøget", "Anmodninger", "78"),
        BriefedFigure("median_days", "Sagsbehandlingstider", "Median, visitation til afgørelse", "101 dage"),
        BriefedFigure("spent", "Puljen", "Forbrugt", "36,1 mio. kr."),
    ]
    changes = briefings.moved(_record(), now)
    assert [(c.label, c.then, c.now) for c in changes] == [
        ("Median, visitation til afgørelse", "96 dage", "101 dage"),
        ("Effekt på borgerinddragelse", "..", "(findes ikke nu)"),
        ("Forbrugt", "(fandtes ikke)", "36,1 mio. kr."),
    ]
    assert briefings.moved(_record(), FIGURES) == []
