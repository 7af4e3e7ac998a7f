"""The briefing's key messages: their numbers are the release's, and their words what the intervals allow."""

from __future__ import annotations

import duckdb
import pytest

from analysis.database import LiveDatabase
from ui import format as fmt
from ui import key_messages as km

EFFECT_WORDS = ("estimeret effekt", "højere end", "lavere end", "kortere end", "længere end", "faldt", "steg")


@pytest.fixture(scope="module")
def released(synthetic_db):
    db_path = synthetic_db(0.5)
    db = LiveDatabase(db_path)
    info = db.refresh()
    con = duckdb.connect(str(db_path), read_only=True)
    yield db, info, con
    con.close()


@pytest.mark.parametrize(("lower", "upper", "claim"), [
    (0.1, 2.0, "increase"), (-2.0, -0.1, "decrease"), (-0.1, 2.0, "no_detectable_change"),
    (0.0, 2.0, "no_detectable_change"), (-2.0, 0.0, "no_detectable_change"), (None, 1.0, "missing"),
])
def test_a_direction_is_claimed_only_when_the_whole_interval_lies_on_one_side_of_zero(lower, upper, claim):
    assert km.direction(lower, upper) == claim


def test_rare_and_few_are_said_only_below_their_limits():
    assert km.is_rare(9.99) and not km.is_rare(10.0) and not km.is_rare(None)
    assert km.is_few(24, 98) and not km.is_few(25, 98) and not km.is_few(None, 98)


def test_three_to_six_messages_for_the_country_and_for_each_region(released):
    db, info, _ = released
    for region in (None, "081", "084", "085"):
        messages = km.key_messages(db, info.first_referral_date, info.data_end_date, region)
        assert 3 <= len(messages) <= 6
        assert len({m.key for m in messages}) == len(messages)


def test_the_uptake_message_quotes_the_released_pilot_figures(released):
    db, info, con = released
    message = km.pilot_uptake(db, None)
    window = con.execute("select period from rel_periods where kinds like '%pilot_window%'").fetchall()[0][0]
    requests = con.execute("select value from rel_cells where measure = 'requests' and period = ? and area = '000' "
                           "and grp = '' and released", [window]).fetchall()[0][0]
    estimate, lower, upper = con.execute(
        "select estimate, lower, upper from rel_estimates where measure = 'pilot_uptake' and period = ? "
        "and area = '000' and grp = ''", [window]).fetchall()[0]
    quoted = {q.name: q for q in message.quoted}
    assert quoted["requests"].value == requests
    assert (quoted["uptake_per_1000"].value, quoted["uptake_per_1000"].lower,
            quoted["uptake_per_1000"].upper) == (estimate, lower, upper)
    assert f"{fmt.number(requests)} anmodninger" in message.text
    assert f"{fmt.number(estimate, 1)} pr. 1.000" in message.text
    assert f"(95 %: {fmt.number(lower, 1)}–{fmt.number(upper, 1)})" in message.text
    assert ("sjældent" in message.text) == (upper < km.RARE_PER_1000)


def test_the_processing_message_quotes_the_released_difference(released):
    db, _, con = released
    message = km.processing_change(db, None)
    estimate, lower, upper = con.execute(
        "select estimate, lower, upper from rel_stage_differences where event_id = 'initiative_package' "
        "and area = '000' and grp = '' and stage = 'referral_to_decision' and days = 91 and not hidden").fetchall()[0]
    difference = {q.name: q for q in message.quoted}["difference"]
    assert (difference.value, difference.lower, difference.upper) == (estimate, lower, upper)
    assert fmt.points(estimate) in message.text
    assert message.claim == km.direction(lower, upper)


def test_pool_messages_quote_the_released_effects_and_claim_only_what_the_interval_allows(released):
    db, info, con = released
    messages = km.pool_effects(db, info.first_referral_date, info.data_end_date, None)
    assert messages
    spans_zero = 0
    for message in messages:
        outcome = message.key.removeprefix("pool_")
        months = 6 if outcome == "internship_within" else None
        rows = con.execute(
            "select estimate, lower, upper from rel_pool_effects where area = '000' and focus = '' and outcome = ? "
            "and (? is null or months = ?)", [outcome, months, months]).fetchall()
        effect = message.quoted[0]
        assert (effect.value, effect.lower, effect.upper) in rows
        assert message.claim == km.direction(effect.lower, effect.upper)
        if message.claim == "no_detectable_change":
            spans_zero += 1
            assert "kan ikke skelnes fra nul" in message.text
            assert not any(word in message.text for word in EFFECT_WORDS)
        else:
            assert "estimeret effekt" in message.text
            assert f"{fmt.signed(effect.lower)} til {fmt.signed(effect.upper)}" in message.text
    # The synthetic data plant nothing on internships: that message must not claim an effect.
    assert spans_zero >= 1


def test_no_message_claims_a_change_its_interval_does_not_support(released):
    db, info, _ = released
    for region in (None, "082", "083"):
        for message in km.key_messages(db, info.first_referral_date, info.data_end_date, region):
            intervals = [q for q in message.quoted if q.lower is not None]
            if message.claim in ("increase", "decrease"):
                assert intervals and all(km.direction(q.lower, q.upper) == message.claim for q in intervals)
            if message.claim in ("no_detectable_change", "level", "rare", "hidden"):
                assert not any(word in message.text for word in EFFECT_WORDS)


def test_the_briefing_for_the_whole_country_is_at_most_four_pages_led_by_its_key_messages(released):
    from datetime import datetime, timezone

    import pypdfium2 as pdfium

    from ui import briefing
    from ui.views import View

    db, info, _ = released
    contents = briefing.assemble(db, info.first_referral_date, info.data_end_date, None, View("briefing"),
                                 datetime(2026, 11, 28, tzinfo=timezone.utc))
    messages = km.key_messages(db, info.first_referral_date, info.data_end_date, None)
    assert contents.document.key_messages == [m.text for m in messages]
    pdf = pdfium.PdfDocument(briefing.render(contents.document)["pdf"])
    assert len(pdf) <= 4
    first = " ".join(pdf[0].get_textpage().get_text_range().split())
    assert first.index("Hovedbudskaber") < first.index("Overblik")
    for message in messages:
        assert " ".join(message.text.split()) in first
