"""A hand-worked case-processing dataset: durations chosen so Kaplan–Meier values can be worked
out on paper (the tests say how), and small groups that disclosure control must hide.

Data end 2020-12-31, the day the last running course in Odense ends (its wait for an internship is
censored there either way).

- Aarhus (751, the only municipality in Region Midtjylland), referral -> team meeting:
  five cases each with a meeting after 10, 20, 20, 30, 40 and 50 days (30 closed), three men
  with a meeting after 350 days, and five cases each still waiting after 25, 45, 200 and 300
  days (20 open). Everyone with a meeting is decided (flex job) 14 days later.
- Odense (461, Region Syddanmark): 25 ressourceforløb decided 10 days after the meeting and
  started 15 days after the decision. Coordinator: 5 named 5 days before the decision, 10 after
  7 days, 5 after 30 days, 5 never. First internship: 10 after 60 days, 5 after 150 days; 5
  courses ended after 100 days without one; 5 are running without one (one ends on the data's
  last day).
- København (101) 40 cases and Frederiksberg (147) 3 cases (Region Hovedstaden), decided.
- Referred in 2018, aged 60+, not decided: Aarhus 10 (5 met the team after 10 days, 5 still
  waiting), Odense 10 (8 met, 2 waiting), København 5 (waiting). The tests' main view starts in
  2019 and leaves them out; they are the 2018 view in which Region Syddanmark's 2 waiting cases
  force Region Midtjylland, that is Aarhus alone, to hide its waiting cases too.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.fixtures import CASE_COLUMNS, GRANT_COLUMNS, REQUEST_COLUMNS, write_csv

DATA_END = date(2020, 12, 31)
VIEW = (date(2019, 1, 1), DATA_END)  # every case referred from 2019 on
SENIORS_2018 = (date(2018, 1, 1), date(2018, 12, 31))
AARHUS, ODENSE, COPENHAGEN, FREDERIKSBERG = 751, 461, 101, 147


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _case(case_id, municipality, sex, age, referral, meeting=None, decision="", decided=None, course=None,
          coordinator=None, internship=None, course_end=None, end_reason="") -> list[str]:
    return [case_id, str(municipality), sex, age, _iso(referral), _iso(meeting), decision, _iso(decided),
            "true" if decided else "", _iso(course), _iso(coordinator), _iso(internship),
            "true" if internship else "", _iso(course_end), end_reason]


def cases() -> list[list[str]]:
    """All case rows of the dataset."""
    rows = []
    # Aarhus: closed waits of 10..50 days (five cases each), referred through 2019.
    n = 0
    for copy in range(5):
        for days in (10, 20, 20, 30, 40, 50):
            referral = date(2019, 1, 7) + timedelta(days=11 * n)
            meeting = referral + timedelta(days=days)
            rows.append(_case(f"A{n:02d}", AARHUS, "F", "30-39", referral, meeting, "flex_job",
                              meeting + timedelta(days=14)))
            n += 1
    for i in range(3):  # three men who waited 350 days
        referral = date(2019, 2, 1) + timedelta(days=i)
        meeting = referral + timedelta(days=350)
        rows.append(_case(f"AL{i}", AARHUS, "M", "30-39", referral, meeting, "flex_job", meeting + timedelta(days=14)))
    for days in (25, 45, 200, 300):  # still waiting at the data's end
        for copy in range(5):
            rows.append(_case(f"AO{days}-{copy}", AARHUS, "F", "30-39", DATA_END - timedelta(days=days)))
    # Odense: 25 ressourceforløb.
    coordinator_days = [-5] * 5 + [7] * 10 + [30] * 5 + [None] * 5
    internship_days = [60] * 10 + [None] * 5 + [150] * 5 + [None] * 5
    course_end_days = [None] * 10 + [100] * 5 + [None] * 10
    for i in range(25):
        referral = date(2019, 1, 15) + timedelta(days=7 * i)
        meeting = referral + timedelta(days=30)
        decided = meeting + timedelta(days=10)
        start = decided + timedelta(days=15)
        coordinator = decided + timedelta(days=coordinator_days[i]) if coordinator_days[i] is not None else None
        internship = start + timedelta(days=internship_days[i]) if internship_days[i] is not None else None
        end = start + timedelta(days=course_end_days[i]) if course_end_days[i] is not None else None
        end = DATA_END if i == 24 else end
        rows.append(_case(f"O{i:02d}", ODENSE, "F" if i < 15 else "M", "40-49", referral, meeting, "resource_course",
                          decided, start, coordinator, internship, end, "other" if end else ""))
    # 2018, aged 60+: Aarhus 5 met + 5 waiting, Odense 8 met + 2 waiting, København 5 waiting.
    for municipality, met, waiting in ((AARHUS, 5, 5), (ODENSE, 8, 2), (COPENHAGEN, 0, 5)):
        for i in range(met + waiting):
            referral = date(2018, 3, 1) + timedelta(days=7 * i)
            meeting = referral + timedelta(days=10) if i < met else None
            rows.append(_case(f"S{municipality}-{i}", municipality, "F", "60+", referral, meeting))
    # Region Hovedstaden: 40 in København, 3 in Frederiksberg.
    for i in range(40):
        referral = date(2019, 3, 1) + timedelta(days=5 * i)
        meeting = referral + timedelta(days=60)
        rows.append(_case(f"K{i:02d}", COPENHAGEN, "F" if i % 2 else "M", "50-59", referral, meeting,
                          "disability_pension", meeting + timedelta(days=20)))
    for i in range(3):
        referral = date(2019, 5, 1) + timedelta(days=9 * i)
        meeting = referral + timedelta(days=60)
        rows.append(_case(f"F{i}", FREDERIKSBERG, "M", "50-59", referral, meeting, "other", meeting + timedelta(days=20)))
    return rows


def write_processing_dataset(folder: Path) -> Path:
    """The dataset as contract CSV files (no pilot requests, no grants)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "cases.csv", CASE_COLUMNS, cases())
    write_csv(folder / "pilot_requests.csv", REQUEST_COLUMNS, [])
    write_csv(folder / "pool_grants.csv", GRANT_COLUMNS, [])
    return folder


SVENDBORG = 479


def sibling_cases() -> list[list[str]]:
    """Ressourceforløb decided in 2019 in two municipalities of Region Syddanmark and in Aarhus:
    Odense 20 (5 still without a coordinating caseworker), Svendborg 10 (2 without), Aarhus 20
    (10 without). Region Syddanmark's 7 without minus Odense's 5 would give Svendborg's 2 away."""
    rows = []
    for municipality, n, without in ((ODENSE, 20, 5), (SVENDBORG, 10, 2), (AARHUS, 20, 10)):
        for i in range(n):
            referral = date(2019, 1, 7) + timedelta(days=9 * i)
            meeting = referral + timedelta(days=30)
            decided = meeting + timedelta(days=10)
            coordinator = decided + timedelta(days=7) if i >= without else None
            rows.append(_case(f"S{municipality}-{i}", municipality, "F" if i % 2 else "M", "30-39", referral, meeting,
                              "resource_course", decided, decided + timedelta(days=20), coordinator,
                              course_end=date(2020, 12, 31), end_reason="job"))
    return rows


def write_sibling_dataset(folder: Path) -> Path:
    """The sibling dataset as contract CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "cases.csv", CASE_COLUMNS, sibling_cases())
    write_csv(folder / "pilot_requests.csv", REQUEST_COLUMNS, [])
    write_csv(folder / "pool_grants.csv", GRANT_COLUMNS, [])
    return folder
