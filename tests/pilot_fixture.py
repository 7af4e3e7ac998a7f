"""A hand-worked pilot dataset: 31 courses, 12 requests, answers worked out in the tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.fixtures import CASE_COLUMNS, GRANT_COLUMNS, REQUEST_COLUMNS, write_csv

# 20 courses in København (101), 10 in Aarhus (751), 1 in Frederiksberg (147), all running
# from 2016-03-01 without an end; women on even numbers. One late referral (2020-06-30) sets
# the data's end date.
COURSES = [("101", 20), ("751", 10), ("147", 1)]
# (municipality, course number, request date, early clarification?, advised?)
REQUESTS = [
    ("101", 0, "2017-08-01", True, True), ("101", 1, "2017-09-01", True, True),
    ("101", 2, "2017-11-01", True, True), ("101", 3, "2018-02-01", True, True),
    ("101", 4, "2018-05-01", True, True), ("101", 5, "2018-08-01", False, True),
    ("101", 6, "2019-01-10", False, True), ("101", 7, "2019-04-01", False, False),
    ("751", 0, "2017-10-01", True, True), ("751", 1, "2018-03-01", True, True),
    ("751", 2, "2018-06-01", False, True), ("751", 3, "2019-05-01", False, False),
]
DATA_END = date(2020, 6, 30)


def write_pilot_dataset(folder: Path) -> Path:
    """The dataset as contract CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for municipality, n in COURSES:
        for i in range(n):
            cases.append([f"K{municipality}-{i}", municipality, "F" if i % 2 == 0 else "M", "30-39",
                          "2016-01-01", "2016-02-01", "resource_course", "2016-02-15", "true",
                          "2016-03-01", "2016-02-20", "", "", "", ""])
    cases.append(["LATE", "101", "F", "40-49", DATA_END.isoformat(), "", "", "", "", "", "", "", "", "", ""])
    requests = []
    advised = 0
    for n, (municipality, course, day, early, has_advice) in enumerate(REQUESTS):
        asked = date.fromisoformat(day)
        advice = asked + timedelta(days=20) if has_advice else None
        outcome = ("offer_adjusted" if advised < 5 else "offer_kept") if has_advice else ""
        advised += has_advice
        requests.append([f"P{n}", f"K{municipality}-{course}", day, "company_internship" if n % 3 else "mentor",
                         "early_clarification" if early else "concrete_offer",
                         (asked + timedelta(days=10)).isoformat(), advice.isoformat() if advice else "", outcome])
    write_csv(folder / "cases.csv", CASE_COLUMNS, cases)
    write_csv(folder / "pilot_requests.csv", REQUEST_COLUMNS, requests)
    write_csv(folder / "pool_grants.csv", GRANT_COLUMNS, [])
    return folder
