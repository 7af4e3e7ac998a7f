"""The synthetic default dataset: determinism, calibration to published figures, contract rules, planted effects."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import polars as pl
import pytest

import settings
from etl.contract import TABLES
from etl.generate import DATA_END_DATE, PLANTED_EFFECTS, generate

TABLE_NAMES = ("cases", "pilot_requests", "pool_grants", "health_advice_channels")
FILES = (*(f"{name}.csv" for name in TABLE_NAMES), "dataset.json")
PILOT_START, PILOT_END = dt.date(2017, 7, 1), dt.date(2019, 6, 30)
# The contract's CPR shape: six digits that may be a date, an optional dash, four digits.
CPR_SHAPE = re.compile(r"(^|[^0-9])[0-9]{6}-?[0-9]{4}([^0-9]|$)")
BILLUND, KOEGE, BALLERUP = 530, 259, 151


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    """The default dataset at scale 1, generated once for the module."""
    path = tmp_path_factory.mktemp("default_dataset")
    generate(path)
    return path


@pytest.fixture(scope="module")
def manifest(out_dir):
    return json.loads((out_dir / "dataset.json").read_text(encoding="utf-8"))


def _read(out_dir, name: str) -> pl.DataFrame:
    """A generated table with its contract types (dates and booleans given, not guessed)."""
    types = {"date": pl.Date, "boolean": pl.Boolean, "integer": pl.Int64}
    schema = {c.name: types.get(c.type, pl.String) for c in TABLES[name].columns}
    return pl.read_csv(out_dir / f"{name}.csv", schema=schema)


@pytest.fixture(scope="module")
def cases(out_dir):
    return _read(out_dir, "cases")


@pytest.fixture(scope="module")
def requests(out_dir):
    return _read(out_dir, "pilot_requests")


@pytest.fixture(scope="module")
def grants(out_dir):
    return _read(out_dir, "pool_grants")


@pytest.fixture(scope="module")
def channels(out_dir):
    return _read(out_dir, "health_advice_channels")


def _digests(path) -> dict[str, str]:
    return {name: hashlib.sha256((path / name).read_bytes()).hexdigest() for name in FILES}


def _within(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance * target


def _in_course_on(cases: pl.DataFrame, day: dt.date) -> int:
    started = pl.col("course_start_date") <= day
    not_ended = pl.col("course_end_date").is_null() | (pl.col("course_end_date") >= day)
    return cases.filter(started & not_ended).height


def _days(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_days()


# --- files, determinism, manifest ------------------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_differs(out_dir, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    generate(again, seed=2017)
    generate(other, seed=2018)
    assert _digests(again) == _digests(out_dir)
    assert _digests(other)["cases.csv"] != _digests(out_dir)["cases.csv"]


def test_headers_are_the_contract_columns_in_order(out_dir):
    for name in TABLE_NAMES:
        header = (out_dir / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == TABLES[name].column_names


def test_files_are_plain_utf8_with_iso_dates_and_lowercase_booleans(out_dir, cases):
    raw = (out_dir / "cases.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = pl.read_csv(out_dir / "cases.csv", infer_schema=False)
    for col in ("citizen_involved", "internship_completed"):
        assert set(text[col].drop_nulls().unique().to_list()) == {"true", "false"}
    for col in (c for c in text.columns if c.endswith("_date")):
        assert text[col].drop_nulls().str.contains(r"^\d{4}-\d{2}-\d{2}$").all(), col
        assert cases.schema[col] == pl.Date
    assert text["municipality_code"].str.contains(r"^[1-9]\d{2}$").all()


def test_manifest_describes_a_synthetic_dataset(out_dir, manifest, cases, requests, grants, channels):
    text = (out_dir / "dataset.json").read_text(encoding="utf-8")
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert manifest["synthetic"] is True
    assert manifest["generator"] == "etl.generate"
    assert manifest["seed"] == 2017 and manifest["scale"] == 1.0
    assert manifest["data_end_date"] == "2024-12-31"
    assert manifest["pilot_window"] == ["2017-07-01", "2019-06-30"]
    for key, value in PLANTED_EFFECTS.items():
        assert manifest["planted_effects"][key] == value
        assert set(manifest["planted_effects"]["descriptions"][key]) == {"da", "en"}
    assert manifest["row_counts"] == {
        "cases": cases.height,
        "pilot_requests": requests.height,
        "pool_grants": grants.height,
        "health_advice_channels": channels.height,
    }


# --- calibration to the published figures ----------------------------------------------------


@pytest.mark.parametrize("day, target", [(dt.date(2015, 9, 30), 14_000), (dt.date(2016, 11, 30), 18_000)])
def test_persons_in_a_ressourceforloeb_match_the_published_stock(cases, day, target):
    assert _within(_in_course_on(cases, day), target, 0.10)


def test_about_30000_courses_are_active_in_the_pilot_window(cases):
    active = cases.filter(
        (pl.col("course_start_date") <= PILOT_END)
        & (pl.col("course_end_date").is_null() | (pl.col("course_end_date") >= PILOT_START))
    )
    assert _within(active.height, 30_000, 0.10)


def test_cases_span_2013_to_2024_in_all_98_municipalities(cases):
    codes = pl.read_csv(settings.REFERENCE_DIR / "kommuner.csv")["kommunekode"]
    assert set(cases["municipality_code"].unique().to_list()) == set(codes.to_list())
    assert cases["referral_date"].min().year == 2013
    assert cases["referral_date"].max().year == 2024
    # Sized by population: København has far more cases than Læsø.
    per_muni = dict(cases.group_by("municipality_code").len().iter_rows())
    assert per_muni[101] > 50 * per_muni[825]


def test_participant_profile_is_mostly_women_aged_30_to_59(cases):
    assert (cases["sex"] == "F").mean() > 0.60
    assert set(cases["sex"].unique().to_list()) == {"F", "M"}
    assert cases["age_band"].is_in(["30-39", "40-49", "50-59"]).mean() > 0.6
    assert set(cases["age_band"].unique().to_list()) == {"16-29", "30-39", "40-49", "50-59", "60+"}


def test_decisions_are_a_mix_with_ressourceforloeb_the_most_common(cases):
    shares = cases["decision"].drop_nulls().value_counts(normalize=True, sort=True)
    assert shares["decision"][0] == "resource_course"
    assert 0.38 <= shares["proportion"][0] <= 0.52
    assert set(shares["decision"].to_list()) == {"resource_course", "flex_job", "disability_pension", "other"}


def test_course_endings_in_2018_match_the_published_mix_and_spread(cases):
    ended = cases.filter(pl.col("course_end_date").dt.year() == 2018)
    shares = dict(ended["end_reason"].value_counts(normalize=True).iter_rows())
    assert 0.50 <= shares["disability_pension"] <= 0.62
    assert 0.20 <= shares["flex_job"] <= 0.30
    assert 0.02 <= shares["job"] <= 0.06
    by_muni = dict(
        ended.group_by("municipality_code").agg((pl.col("end_reason") == "disability_pension").mean()).iter_rows()
    )
    assert by_muni[BILLUND] < 0.35
    assert by_muni[KOEGE] > 0.65 and by_muni[BALLERUP] > 0.65


@pytest.mark.parametrize("year, target", [(2013, 0.23), (2015, 0.39)])
def test_share_of_courses_with_an_internship_rises_as_published(cases, year, target):
    started = cases.filter(pl.col("course_start_date").dt.year() == year)
    share = started["internship_start_date"].is_not_null().mean()
    assert abs(share - target) <= 0.05


def test_preparation_phase_is_longest_and_varies_most_between_municipalities(cases):
    phases = cases.with_columns(
        prep=_days("team_meeting_date", "referral_date"), team=_days("decision_date", "team_meeting_date")
    )
    assert phases["prep"].median() > phases["team"].median()
    assert 25 <= phases["team"].median() <= 40  # "just over a month"
    medians = phases.group_by("municipality_code").agg(pl.col("prep").median(), pl.col("team").median())
    prep_spread = medians["prep"].quantile(0.9) - medians["prep"].quantile(0.1)
    team_spread = medians["team"].quantile(0.9) - medians["team"].quantile(0.1)
    assert prep_spread > 3 * team_spread


def test_some_cases_are_still_open_at_the_data_end(cases):
    assert cases.filter(pl.col("team_meeting_date").is_null()).height > 0
    assert cases.filter(pl.col("decision_date").is_null()).height > 0
    ongoing = cases.filter(pl.col("course_start_date").is_not_null() & pl.col("course_end_date").is_null())
    assert ongoing.height > 1000


# --- contract rules on every row -------------------------------------------------------------


def test_no_date_after_the_data_end(cases, requests, grants):
    for frame in (cases, requests, grants):
        for col, dtype in frame.schema.items():
            if dtype == pl.Date:
                assert (frame[col].drop_nulls() <= DATA_END_DATE).all(), col


def test_every_case_row_keeps_the_date_order_rules(cases):
    broken = {
        "team_meeting >= referral": pl.col("team_meeting_date") < pl.col("referral_date"),
        "decision >= team_meeting": pl.col("decision_date") < pl.col("team_meeting_date"),
        "decision >= referral": pl.col("decision_date") < pl.col("referral_date"),
        "course_start >= decision": pl.col("course_start_date") < pl.col("decision_date"),
        "coordinator >= referral": pl.col("coordinator_assigned_date") < pl.col("referral_date"),
        "internship >= course_start": pl.col("internship_start_date") < pl.col("course_start_date"),
        "internship <= course_end": pl.col("internship_start_date") > pl.col("course_end_date"),
        "course_end >= course_start": pl.col("course_end_date") < pl.col("course_start_date"),
        "course_end needs course_start": pl.col("course_end_date").is_not_null()
        & pl.col("course_start_date").is_null(),
    }
    counts = cases.select(**{rule: expr.fill_null(False).sum() for rule, expr in broken.items()}).row(0, named=True)
    assert counts == {rule: 0 for rule in broken}


def test_every_case_row_keeps_the_required_when_rules(cases):
    broken = {
        "decision when decision_date": pl.col("decision_date").is_not_null() & pl.col("decision").is_null(),
        "course_start only for resource_course": pl.col("course_start_date").is_not_null()
        & (pl.col("decision") != "resource_course").fill_null(True),
        "end_reason when course_end": pl.col("course_end_date").is_not_null() & pl.col("end_reason").is_null(),
        "end_reason only with course_end": pl.col("course_end_date").is_null() & pl.col("end_reason").is_not_null(),
        "internship_completed only with internship": pl.col("internship_start_date").is_null()
        & pl.col("internship_completed").is_not_null(),
        "citizen_involved only with a team meeting": pl.col("team_meeting_date").is_null()
        & pl.col("citizen_involved").is_not_null(),
    }
    counts = cases.select(**{rule: expr.sum() for rule, expr in broken.items()}).row(0, named=True)
    assert counts == {rule: 0 for rule in broken}
    for col in ("case_id", "municipality_code", "sex", "age_band", "referral_date"):
        assert cases[col].null_count() == 0, col


def test_case_ids_are_unique_pseudonyms_not_cpr_numbers(cases, requests, grants):
    assert cases["case_id"].n_unique() == cases.height
    assert cases["case_id"].str.contains(r"^R\d{4}-\d{7}$").all()
    for values in (cases["case_id"], requests["request_id"], requests["case_id"], grants["grant_id"]):
        assert not any(CPR_SHAPE.search(v) for v in values.to_list())


# --- pilot requests --------------------------------------------------------------------------


def test_pilot_has_78_requests_in_34_municipalities_inside_the_window(requests, cases):
    joined = requests.join(cases, on="case_id", how="left")
    assert requests.height == 78
    assert requests["request_id"].n_unique() == 78
    assert joined["municipality_code"].null_count() == 0
    assert joined["municipality_code"].n_unique() == 34
    assert requests["request_date"].is_between(PILOT_START, PILOT_END).all()
    per_muni = joined.group_by("municipality_code").len()["len"]
    assert (per_muni == 1).sum() >= 10 and per_muni.max() >= 4


def test_every_request_is_on_an_active_ressourceforloeb(requests, cases):
    joined = requests.join(cases, on="case_id", how="left")
    assert (joined["decision"] == "resource_course").all()
    assert (joined["course_start_date"] <= joined["request_date"]).all()
    ended = joined.filter(pl.col("course_end_date").is_not_null())
    assert (ended["request_date"] <= ended["course_end_date"]).all()


def test_requests_are_mostly_early_clarification_with_mixed_outcomes(requests):
    assert 0.5 <= (requests["request_context"] == "early_clarification").mean() <= 0.75
    assert requests["offer_type"].value_counts(sort=True)["offer_type"][0] == "company_internship"
    assert requests["advice_outcome"].drop_nulls().n_unique() == 4
    # An outcome exactly when the advice was given; a few requests are still without advice.
    assert (requests["advice_date"].is_null() == requests["advice_outcome"].is_null()).all()
    assert 0 < requests["advice_date"].null_count() < 10
    assert 0 < requests["dialogue_date"].null_count() < 12
    assert (requests["dialogue_date"] >= requests["request_date"]).drop_nulls().all()
    assert (requests["advice_date"] >= requests["request_date"]).drop_nulls().all()
    assert (requests["advice_date"] >= requests["dialogue_date"]).drop_nulls().all()


# --- pool grants and the planted effects -----------------------------------------------------


def test_pool_has_17_municipalities_and_exactly_40_4_million(grants):
    assert grants["municipality_code"].n_unique() == 17
    assert grants["granted_dkk"].sum() == 40_400_000
    assert (grants["granted_dkk"] > 0).all()
    assert grants["grant_id"].n_unique() == grants.height
    assert set(grants["focus_area"].to_list()) == {"citizen_involvement", "company_internships", "processing_times"}
    assert (grants["period_start"].dt.year() == 2017).all()
    assert (grants["period_end"] > grants["period_start"]).all()
    assert (grants["spent_dkk"].drop_nulls() >= 0).all()
    assert 0 < grants["spent_dkk"].null_count() <= 3
    regions = pl.read_csv(settings.REFERENCE_DIR / "kommuner.csv").rename({"kommunekode": "municipality_code"})
    assert grants.join(regions, on="municipality_code")["region"].n_unique() == 5


def test_manifest_names_when_the_effects_start(manifest, grants):
    first = grants.group_by("municipality_code").agg(pl.col("period_start").min())
    expected = {str(code): day.isoformat() for code, day in first.iter_rows()}
    assert manifest["planted_effects"]["applies_from"] == expected


def _did(cases: pl.DataFrame, grants: pl.DataFrame, value: pl.Expr) -> float:
    """2x2 difference-in-differences of a mean: grant vs other municipalities, 2015-16 vs 2018-19 referrals."""
    period = (
        pl.when(pl.col("referral_date").is_between(dt.date(2015, 1, 1), dt.date(2016, 12, 31)))
        .then(pl.lit("before"))
        .when(pl.col("referral_date").is_between(dt.date(2018, 1, 1), dt.date(2019, 12, 31)))
        .then(pl.lit("after"))
    )
    grant = pl.col("municipality_code").is_in(grants["municipality_code"].unique().to_list())
    means = (
        cases.select(period.alias("period"), grant.alias("grant"), value.cast(pl.Float64).alias("value"))
        .drop_nulls()
        .group_by("period", "grant")
        .agg(pl.col("value").mean())
    )
    m = {(p, g): v for p, g, v in means.iter_rows()}
    return (m[("after", True)] - m[("before", True)]) - (m[("after", False)] - m[("before", False)])


def test_planted_reduction_in_days_to_decision_is_recovered(cases, grants):
    did = _did(cases, grants, _days("decision_date", "referral_date"))
    assert abs(-did - PLANTED_EFFECTS["decision_days_reduction"]) <= 4


def test_planted_rise_in_citizen_involvement_is_recovered(cases, grants):
    did = 100 * _did(cases, grants, pl.col("citizen_involved"))
    assert abs(did - PLANTED_EFFECTS["citizen_involvement_pp"]) <= 4


# --- other health-advice channels ------------------------------------------------------------


def test_other_channels_have_one_row_per_municipality_quarter_and_channel(channels, requests):
    assert channels.height == 98 * 12 * 2
    assert channels.select("municipality_code", "quarter", "channel").is_unique().all()
    assert channels["quarter"].str.contains(r"^(2017|2018|2019)-Q[1-4]$").all()
    assert set(channels["channel"].to_list()) == {"coordinator_sparring", "gp_involvement"}
    assert (channels["count"] >= 0).all()
    # Municipalities mostly drew on these channels rather than on the pilot's right.
    assert channels["count"].sum() > 20 * requests.height


# --- the placebo: the same dataset without planted effects -----------------------------------


@pytest.fixture(scope="module")
def placebo_dir(tmp_path_factory):
    """The default dataset with nothing planted (same seed and scale)."""
    from etl.generate import NO_EFFECTS

    path = tmp_path_factory.mktemp("placebo_dataset")
    generate(path, effects=NO_EFFECTS)
    return path


def test_placebo_manifest_records_the_effects_actually_planted(placebo_dir, manifest):
    placebo = json.loads((placebo_dir / "dataset.json").read_text(encoding="utf-8"))
    assert placebo["planted_effects"]["decision_days_reduction"] == 0
    assert placebo["planted_effects"]["citizen_involvement_pp"] == 0
    for key in PLANTED_EFFECTS:
        assert placebo["planted_effects"]["descriptions"][key]["da"].startswith("Ingen plantet effekt")
    # Where the effects would have applied is still recorded.
    assert placebo["planted_effects"]["applies_from"] == manifest["planted_effects"]["applies_from"]


def test_placebo_is_the_same_dataset_without_the_effects(placebo_dir, out_dir, cases, grants):
    digests = _digests(placebo_dir)
    default = _digests(out_dir)
    assert digests["pool_grants.csv"] == default["pool_grants.csv"]
    assert digests["health_advice_channels.csv"] == default["health_advice_channels.csv"]
    assert digests["cases.csv"] != default["cases.csv"]
    placebo = _read(placebo_dir, "cases")
    # The same cases, referred on the same days: only the planted differences moved.
    for col in ("case_id", "municipality_code", "referral_date", "sex", "age_band"):
        assert placebo[col].equals(cases[col]), col
    assert abs(_did(placebo, grants, _days("decision_date", "referral_date"))) <= 4
    assert abs(100 * _did(placebo, grants, pl.col("citizen_involved"))) <= 4


def test_effects_can_be_overridden_one_at_a_time(tmp_path):
    manifest = generate(tmp_path / "one", scale=0.02, effects={"citizen_involvement_pp": 0})
    assert manifest["planted_effects"]["citizen_involvement_pp"] == 0
    assert manifest["planted_effects"]["decision_days_reduction"] == PLANTED_EFFECTS["decision_days_reduction"]
    with pytest.raises(ValueError, match="unknown"):
        generate(tmp_path / "bad", scale=0.02, effects={"internship_pp": 5})
    with pytest.raises(ValueError, match="whole number"):
        generate(tmp_path / "bad", scale=0.02, effects={"decision_days_reduction": 1.5})


def test_command_line_writes_a_placebo(tmp_path, capsys):
    from etl.cli import main
    from etl.generate import NO_EFFECTS

    assert main(["generate", "--out", str(tmp_path / "cli"), "--scale", "0.02", "--uden-effekter"]) == 0
    manifest = json.loads((tmp_path / "cli" / "dataset.json").read_text(encoding="utf-8"))
    assert {k: manifest["planted_effects"][k] for k in PLANTED_EFFECTS} == NO_EFFECTS
    assert "uden plantede effekter" in capsys.readouterr().out
