"""The synthetic default dataset: contract files calibrated to published figures, with planted effects.

No case-level data on ressourceforløb is public, so the dashboard ships data written here. It is
labelled synthetic (``dataset.json`` says ``"synthetic": true``) and loaded through the same ETL
as real extracts.

The model, per case (all dates are whole days; nothing happens after ``DATA_END_DATE``):

* referral (visitation) between 2013-01-01 and 2024-12-31 in one of the 98 municipalities,
  sized by rough population weights (``SIZE_WEIGHTS``) and a yearly inflow (``YEARLY_REFERRALS``);
* preparation phase to the rehabilitation team meeting: lognormal around a municipality-specific
  median of 50-160 days (the longest and most variable phase);
* team phase to the decision: about a month, much the same everywhere;
* decision: ressourceforløb, fleksjob, førtidspension or other (fewer ressourceforløb after the
  2018 law change);
* a ressourceforløb starts 0-30 days after the decision, lasts 1-5 years and ends with a reason
  whose disability-pension share is set per municipality (Billund low, Køge and Ballerup high);
  a share of courses has a company internship (rising from 2013 to 2015).

An event whose date would fall after ``DATA_END_DATE`` is not written (the case is open or
censored), so every later date of that case is missing too.

Planted effects (``PLANTED_EFFECTS``, the truth the pool page must recover): in municipalities with
a grant from the pool "Bedre ressourceforløb", for cases referred on or after that municipality's
earliest grant ``period_start``,

* the decision date is moved ``decision_days_reduction`` days earlier (exactly, for every such
  case; the team meeting moves with it only where it would otherwise fall after the decision), and
* the probability that the case is prepared with the citizen rises by ``citizen_involvement_pp``
  percentage points.

Everything else either is constant per municipality or follows a common trend that all
municipalities share, in days or in percentage points (never as a factor on a
municipality-specific level), so a difference-in-differences recovers the planted values.

``generate(..., effects=...)`` overrides the planted values (``NO_EFFECTS`` writes a placebo
dataset with no effect at all; ``python -m etl generate --uden-effekter``). The random draws do
not depend on the effects, so a placebo is the same dataset as the default one for the same seed
and scale, except for the planted differences. The manifest records the effects actually planted.

Scale: ``scale=F`` multiplies the volumes: cases (and so courses), and the counts of the other
health-advice channels. The pool stays 17 municipalities and 40.4 mio. kr. at any scale. Pilot
requests are ``round(78 * F)`` rows in ``min(98, round(34 * sqrt(F)))`` municipalities (never more
municipalities than requests), so that the count of municipalities grows more slowly than the
count of requests, as it would in a larger country.

Same seed and scale give byte-identical files: all randomness comes from
``numpy.random.default_rng(seed)`` and nothing depends on the clock or on set ordering.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import numpy as np
import polars as pl

import settings

PLANTED_EFFECTS: dict = {"decision_days_reduction": 14, "citizen_involvement_pp": 15}
# A placebo: the same dataset with nothing planted (an estimator's intervals should cover zero).
NO_EFFECTS: dict = {key: 0 for key in PLANTED_EFFECTS}


def effect_descriptions(effects: dict) -> dict:
    """What each planted effect means, in Danish and English, for these values."""
    days, points = effects["decision_days_reduction"], effects["citizen_involvement_pp"]
    placebo = {
        "decision_days_reduction": {
            "da": "Ingen plantet effekt (placebo): bevillingen ændrer ikke tiden fra visitation til afgørelse.",
            "en": "No planted effect (placebo): a grant does not change the time from referral to decision.",
        },
        "citizen_involvement_pp": {
            "da": "Ingen plantet effekt (placebo): bevillingen ændrer ikke andelen af sager forberedt sammen "
            "med borgeren.",
            "en": "No planted effect (placebo): a grant does not change the share of cases prepared together "
            "with the citizen.",
        },
    }
    described = {
        "decision_days_reduction": {
            "da": f"I kommuner med en bevilling fra puljen Bedre ressourceforløb er tiden fra visitation til "
            f"afgørelse {days} dage kortere for sager visiteret fra bevillingens start.",
            "en": f"In municipalities with a grant from the pool Bedre ressourceforløb, the time from referral "
            f"to decision is {days} days shorter for cases referred from the start of the grant.",
        },
        "citizen_involvement_pp": {
            "da": f"I kommuner med en bevilling fra puljen er andelen af sager forberedt sammen med borgeren "
            f"{points} procentpoint højere for sager visiteret fra bevillingens start, ud over den fælles "
            "udvikling.",
            "en": f"In municipalities with a grant from the pool, the share of cases prepared together with the "
            f"citizen is {points} percentage points higher for cases referred from the start of the grant, "
            "beyond the common trend.",
        },
    }
    return {key: placebo[key] if effects[key] == 0 else text for key, text in described.items()}


PLANTED_EFFECT_DESCRIPTIONS = effect_descriptions(PLANTED_EFFECTS)

DATA_START_DATE = datetime.date(2013, 1, 1)
DATA_END_DATE = datetime.date(2024, 12, 31)
GENERATOR_VERSION = 1

_EPOCH = datetime.date(1970, 1, 1)
_END = (DATA_END_DATE - _EPOCH).days
_PILOT_START = (settings.PILOT_START - _EPOCH).days
_PILOT_END = (settings.PILOT_END - _EPOCH).days
_LAW_CHANGE_2018 = (datetime.date(2018, 1, 1) - _EPOCH).days

# Rough synthetic size weights (about the population in thousands, rounded) that spread the cases
# over the municipalities. They are not published facts and nothing in the dashboard reports them.
SIZE_WEIGHTS: dict[int, float] = {
    101: 650, 147: 104, 151: 48, 153: 35, 155: 14, 157: 75, 159: 69, 161: 23, 163: 29, 165: 28,
    167: 53, 169: 50, 173: 56, 175: 40, 183: 23, 185: 43, 187: 16, 190: 41, 201: 25, 210: 41,
    217: 63, 219: 51, 223: 25, 230: 56, 240: 43, 250: 45, 253: 50, 259: 61, 260: 31, 265: 89,
    269: 23, 270: 41, 306: 33, 316: 71, 320: 36, 326: 49, 329: 35, 330: 79, 336: 23, 340: 30,
    350: 28, 360: 42, 370: 83, 376: 61, 390: 45, 400: 40, 410: 38, 420: 41, 430: 52, 440: 24,
    450: 32, 461: 205, 479: 59, 480: 29, 482: 12, 492: 6, 510: 56, 530: 27, 540: 74, 550: 37,
    561: 116, 563: 3.5, 573: 50, 575: 43, 580: 59, 607: 51, 615: 92, 621: 93, 630: 116, 657: 89,
    661: 59, 665: 20, 671: 21, 706: 43, 707: 37, 710: 48, 727: 23, 730: 98, 740: 94, 741: 4,
    746: 62, 751: 360, 756: 41, 760: 57, 766: 47, 773: 20, 779: 46, 787: 43, 791: 97, 810: 36,
    813: 60, 820: 37, 825: 2, 840: 30, 846: 42, 849: 38, 851: 220, 860: 65,
}  # fmt: skip

# Cases referred per year at scale 1. Tuned so that the stock of persons in a ressourceforløb
# meets the published figures (2015, 2016) and about 30,000 courses touch the pilot window.
YEARLY_REFERRALS: dict[int, int] = {
    2013: 13000, 2014: 14000, 2015: 14200, 2016: 15300, 2017: 13800, 2018: 12800,
    2019: 12500, 2020: 12000, 2021: 12000, 2022: 12000, 2023: 12000, 2024: 12000,
}  # fmt: skip

# Fixed disability-pension shares of course endings where the published spread names them.
_DP_SHARE_FIXED = {530: 0.20, 259: 0.76, 151: 0.76}
_DP_SHARE_NATIONAL = 0.56

# Share of courses started in a year that get a company internship (employment-oriented effort).
_INTERNSHIP_SHARE = {2013: 0.23, 2014: 0.31, 2015: 0.39, 2016: 0.41, 2017: 0.42}
_INTERNSHIP_SHARE_LATER = 0.44

DECISIONS = ("resource_course", "flex_job", "disability_pension", "other")
# Decision mix before and after the 2018 law change (ressourceforløb only with a realistic prospect).
_DECISION_MIX_BEFORE = (0.50, 0.21, 0.17, 0.12)
_DECISION_MIX_AFTER = (0.40, 0.25, 0.22, 0.13)

END_REASONS = ("job", "education", "flex_job", "disability_pension", "other_benefit", "other")
# How the endings that are not disability pension split (about 25 % flex job, 4 % job overall).
_NON_DP_SPLIT = {"job": 0.04, "education": 0.05, "flex_job": 0.25, "other_benefit": 0.07, "other": 0.03}

AGE_BANDS = ("16-29", "30-39", "40-49", "50-59", "60+")
_AGE_WEIGHTS = (0.15, 0.22, 0.27, 0.27, 0.09)
_SHARE_WOMEN = 0.62

FOCUS_AREAS = ("citizen_involvement", "company_internships", "processing_times")
_PROJECT_TITLES = {
    "citizen_involvement": ("Borgeren som medspiller", "Min plan, mit forløb", "Sammen om forløbet"),
    "company_internships": ("Vejen til virksomheden", "Praktik med mening", "Flere i virksomhedspraktik"),
    "processing_times": ("Hurtigere afklaring", "Kortere vej til rehabiliteringsteamet", "Ét forløb, færre led"),
}
POOL_TOTAL_DKK = 40_400_000
# Pool municipalities per region, 17 in all, so that every region takes part.
_POOL_PER_REGION = {"081": 3, "082": 4, "083": 4, "084": 3, "085": 3}
_POOL_DOUBLE_GRANTS = 3  # municipalities with two focus areas -> 20 grants

OFFER_TYPES = ("company_internship", "mentor", "education", "health_or_social", "other")
_OFFER_WEIGHTS = (0.40, 0.15, 0.10, 0.25, 0.10)
REQUEST_CONTEXTS = ("early_clarification", "concrete_offer")
ADVICE_OUTCOMES = ("offer_adjusted", "offer_kept", "offer_replaced", "withdrawn")
_OUTCOME_WEIGHTS = (0.40, 0.28, 0.20, 0.12)

CHANNELS = ("coordinator_sparring", "gp_involvement")
# Nationwide uses per quarter at scale 1: far more than the pilot's 78 uses in two years.
_CHANNEL_PER_QUARTER = {"coordinator_sparring": 220.0, "gp_involvement": 420.0}

COLUMNS = {
    "cases": (
        "case_id", "municipality_code", "sex", "age_band", "referral_date", "team_meeting_date",
        "decision", "decision_date", "citizen_involved", "course_start_date",
        "coordinator_assigned_date", "internship_start_date", "internship_completed",
        "course_end_date", "end_reason",
    ),
    "pilot_requests": (
        "request_id", "case_id", "request_date", "offer_type", "request_context", "dialogue_date",
        "advice_date", "advice_outcome",
    ),
    "pool_grants": (
        "grant_id", "municipality_code", "focus_area", "project_title", "granted_dkk", "spent_dkk",
        "period_start", "period_end",
    ),
    "health_advice_channels": ("municipality_code", "quarter", "channel", "count"),
}  # fmt: skip

def generate(out_dir: Path, scale: float = 1.0, seed: int = 2017, effects: dict | None = None) -> dict:
    """Write the synthetic default dataset as contract files into out_dir; return the manifest.

    `effects` overrides some or all of PLANTED_EFFECTS (NO_EFFECTS gives a placebo dataset).
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    planted = _planted(effects)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng_muni, rng_pool, rng_cases, rng_pilot, rng_channels = np.random.default_rng(seed).spawn(5)

    munis = _municipalities(rng_muni)
    grants = _pool_grants(rng_pool, munis)
    effect_start = _effect_start(grants)
    cases = _cases(rng_cases, munis, effect_start, scale, planted)
    cases_frame = _cases_frame(cases)
    tables = {
        "cases": cases_frame,
        "pilot_requests": _pilot_requests(rng_pilot, cases, cases_frame["case_id"], munis, scale),
        "pool_grants": grants,
        "health_advice_channels": _health_channels(rng_channels, munis, scale),
    }
    for name, frame in tables.items():
        frame.select(COLUMNS[name]).write_csv(out_dir / f"{name}.csv", date_format="%Y-%m-%d")

    manifest = _manifest(seed, scale, effect_start, {name: frame.height for name, frame in tables.items()}, planted)
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "dataset.json").write_text(text, encoding="utf-8")
    return manifest


def _planted(effects: dict | None) -> dict:
    """PLANTED_EFFECTS with the given overrides; ValueError for an unknown or invalid effect."""
    effects = effects or {}
    unknown = sorted(set(effects) - set(PLANTED_EFFECTS))
    if unknown:
        raise ValueError(f"unknown planted effects: {unknown}")
    planted = {**PLANTED_EFFECTS, **effects}
    for key, value in planted.items():
        # Whole days move whole dates; points must keep the involvement probability meaningful.
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{key} must be a whole number, got {value!r}")
    return planted


# --- municipalities -------------------------------------------------------------------------


def _municipalities(rng: np.random.Generator) -> dict:
    """The 98 municipalities in code order, with their fixed synthetic characteristics."""
    ref = pl.read_csv(settings.REFERENCE_DIR / "kommuner.csv", schema_overrides={"dst_regionkode": pl.String})
    ref = ref.sort("kommunekode")
    codes = ref["kommunekode"].to_numpy().astype(np.int64)
    mismatch = sorted(set(codes.tolist()) ^ set(SIZE_WEIGHTS))
    if mismatch:
        raise RuntimeError(f"size weights and kommuner.csv disagree on municipality codes: {mismatch}")
    n = len(codes)
    size = np.array([SIZE_WEIGHTS[c] for c in codes.tolist()], dtype=float)
    # Some municipalities refer relatively more citizens than their size suggests.
    weight = size * rng.lognormal(0.0, 0.15, n)
    internship_offset = rng.normal(0.0, 0.04, n)
    internship_offset -= np.average(internship_offset, weights=weight)
    dp_share = _disability_pension_shares(rng, codes, weight)
    return {
        "code": codes,
        "name": ref["kommune"].to_list(),
        "region": ref["dst_regionkode"].to_list(),
        "size": size,
        "weight": weight / weight.sum(),
        # The preparation phase varies a lot between municipalities, the team phase little.
        "prep_median": np.exp(rng.uniform(math.log(50), math.log(160), n)),
        "team_median": rng.uniform(27.0, 36.0, n),
        "involvement_base": rng.uniform(0.25, 0.50, n),
        "course_factor": rng.lognormal(0.0, 0.08, n),
        "internship_offset": internship_offset,
        "dp_share": dp_share,
        "channel_propensity": rng.lognormal(0.0, 0.5, n),
    }


def _disability_pension_shares(rng: np.random.Generator, codes: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each municipality's share of course endings in disability pension, 56 % on average."""
    fixed = np.isin(codes, list(_DP_SHARE_FIXED))
    fixed_share = np.array([_DP_SHARE_FIXED.get(c, 0.0) for c in codes.tolist()])
    # Centre the other municipalities so that the case-weighted national share is the published one.
    free_mean = (_DP_SHARE_NATIONAL * weight.sum() - np.sum(weight * fixed_share)) / weight[~fixed].sum()
    noise = rng.normal(0.0, 0.08, len(codes))
    free = noise - np.average(noise[~fixed], weights=weight[~fixed]) + free_mean
    return np.where(fixed, fixed_share, np.clip(free, 0.30, 0.72))


# --- pool grants ----------------------------------------------------------------------------


def _pool_grants(rng: np.random.Generator, munis: dict) -> pl.DataFrame:
    """About 20 grants in 17 municipalities spread over the regions, summing to 40.4 mio. kr."""
    codes, regions = munis["code"], np.array(munis["region"])
    chosen: list[int] = []
    for region in sorted(_POOL_PER_REGION):
        idx = np.flatnonzero(regions == region)
        # Larger municipalities applied more often, but small ones took part too.
        p = np.sqrt(munis["size"][idx])
        chosen.extend(rng.choice(idx, size=_POOL_PER_REGION[region], replace=False, p=p / p.sum()).tolist())
    chosen = sorted(chosen, key=lambda i: codes[i])

    # Every focus area is represented: deal them out in a shuffled repeating order.
    first_focus = [FOCUS_AREAS[k % 3] for k in rng.permutation(len(chosen))]
    doubles = set(rng.choice(len(chosen), size=_POOL_DOUBLE_GRANTS, replace=False).tolist())
    rows = []
    for k, i in enumerate(chosen):
        focus = [first_focus[k]]
        if k in doubles:
            others = [f for f in FOCUS_AREAS if f != first_focus[k]]
            focus.append(others[int(rng.integers(2))])
        for f in sorted(focus, key=FOCUS_AREAS.index):
            rows.append((int(codes[i]), f))

    n = len(rows)
    granted = _split_exactly(rng, POOL_TOTAL_DKK, n, unit=10_000)
    spent = np.round(granted * rng.uniform(0.72, 1.0, n)).astype(np.int64)
    over = int(rng.integers(n))
    spent[over] = int(round(granted[over] * 1.03))  # one project overspent a little
    not_reported = set(rng.choice(n, size=2, replace=False).tolist())  # two projects did not report
    spent_col = [None if k in not_reported else int(spent[k]) for k in range(n)]
    starts = rng.choice([datetime.date(2017, 7, 1), datetime.date(2017, 10, 1)], size=n, p=[0.6, 0.4])
    ends = rng.choice([datetime.date(2019, 6, 30), datetime.date(2019, 12, 31)], size=n, p=[0.5, 0.5])
    titles = [_PROJECT_TITLES[f][int(rng.integers(3))] for _, f in rows]
    return pl.DataFrame(
        {
            "grant_id": [f"BR-2017-{k + 1:02d}" for k in range(n)],
            "municipality_code": [c for c, _ in rows],
            "focus_area": [f for _, f in rows],
            "project_title": titles,
            "granted_dkk": granted.tolist(),
            "spent_dkk": spent_col,
            "period_start": starts.tolist(),
            "period_end": ends.tolist(),
        },
        schema_overrides={"granted_dkk": pl.Int64, "spent_dkk": pl.Int64, "period_start": pl.Date, "period_end": pl.Date},
    )


def _split_exactly(rng: np.random.Generator, total: int, n: int, unit: int) -> np.ndarray:
    """n positive amounts in whole units that sum to exactly total."""
    shares = rng.dirichlet(np.full(n, 4.0))
    amounts = np.maximum(np.round(shares * total / unit), 1).astype(np.int64) * unit
    amounts[int(np.argmax(amounts))] += total - int(amounts.sum())
    return amounts


def _effect_start(grants: pl.DataFrame) -> dict[int, datetime.date]:
    """Each grant municipality's earliest period_start: the planted effects apply from then."""
    first = grants.group_by("municipality_code").agg(pl.col("period_start").min()).sort("municipality_code")
    return dict(zip(first["municipality_code"].to_list(), first["period_start"].to_list()))


# --- cases ----------------------------------------------------------------------------------


def _cases(
    rng: np.random.Generator, munis: dict, effect_start: dict[int, datetime.date], scale: float, planted: dict
) -> dict:
    """Case histories as arrays of day numbers; a date after DATA_END_DATE is marked not present."""
    referral, mi = _referrals(rng, munis, scale)
    n = len(referral)
    year = _year(referral)

    start_day = np.full(len(munis["code"]), np.iinfo(np.int64).max)
    for code, start in effect_start.items():
        start_day[munis["code"] == code] = (start - _EPOCH).days
    treated = referral >= start_day[mi]

    # Preparation: lognormal around the municipality's median; a common, additive start-up delay
    # in the first years (additive so that it does not differ between municipalities).
    startup = np.maximum(0, 12 - 4 * (year - 2013))
    prep = np.maximum(14, _days(munis["prep_median"][mi] * rng.lognormal(0.0, 0.55, n)) + startup)
    # Team phase: gamma with shape 8, scaled so its median is the municipality's (about a month).
    shape = 8.0
    team = np.maximum(7, _days(rng.gamma(shape, munis["team_median"][mi] / (shape - 1 / 3))))
    decision = referral + prep + team - planted["decision_days_reduction"] * treated
    meeting = np.minimum(referral + prep, decision)

    involved = rng.random(n) < _involvement_probability(munis, mi, referral, treated, planted)
    kind = _decisions(rng, munis, mi, decision)

    course_start = decision + rng.integers(0, 31, n)
    # Durations 1-5 years, mean about 2.6 years.
    duration = 365 + _days(4 * 365 * rng.beta(1.6, 2.4, n))
    course_end = course_start + duration
    coordinator = np.maximum(referral, decision + _days(rng.normal(0.0, 14.0, n)))
    has_coordinator = rng.random(n) < 0.95

    internship_p = _internship_share(_year(course_start)) + munis["internship_offset"][mi]
    has_internship = rng.random(n) < internship_p
    internship = course_start + _days(rng.uniform(0.05, 0.6, n) * duration)
    completed = rng.random(n) < 0.65
    end_reason = _end_reasons(rng, munis, mi)

    meeting_on = meeting <= _END
    decided = decision <= _END
    course = decided & (kind == 0)
    start_on = course & (course_start <= _END)
    end_on = start_on & (course_end <= _END)
    internship_on = start_on & has_internship & (internship <= _END)
    return {
        "number": _number_within(mi),
        "municipality_code": munis["code"][mi],
        "sex": (rng.random(n) >= _SHARE_WOMEN).astype(np.int64),
        "age_band": rng.choice(len(AGE_BANDS), size=n, p=_AGE_WEIGHTS),
        "referral_date": (referral, np.ones(n, dtype=bool)),
        "team_meeting_date": (meeting, meeting_on),
        "decision": np.where(decided, kind, -1),
        "decision_date": (decision, decided),
        "citizen_involved": np.where(meeting_on, involved, -1),
        "course_start_date": (course_start, start_on),
        "coordinator_assigned_date": (coordinator, course & has_coordinator & (coordinator <= _END)),
        "internship_start_date": (internship, internship_on),
        "internship_completed": np.where(internship_on, completed, -1),
        "course_end_date": (course_end, end_on),
        "end_reason": np.where(end_on, end_reason, -1),
    }


def _referrals(rng: np.random.Generator, munis: dict, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Referral day numbers and municipality indexes, sorted by day, then municipality."""
    days, mis = [], []
    for year in sorted(YEARLY_REFERRALS):
        count = int(round(YEARLY_REFERRALS[year] * scale))
        first = (datetime.date(year, 1, 1) - _EPOCH).days
        length = (datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days
        days.append(first + rng.integers(0, length, count))
        mis.append(np.repeat(np.arange(len(munis["code"])), _apportion(rng, count, munis["weight"])))
    day, mi = np.concatenate(days), np.concatenate(mis)
    order = np.lexsort((mi, day))
    return day[order], mi[order]


def _apportion(rng: np.random.Generator, total: int, weight: np.ndarray) -> np.ndarray:
    """Whole counts summing to total, proportional to weight (remainders given out at random).

    Each municipality's yearly inflow stays proportional to its weight rather than varying by
    chance, so a comparison of periods is not blurred by a changing municipality mix.
    """
    expected = total * weight / weight.sum()
    counts = np.floor(expected).astype(np.int64)
    fraction = expected - counts
    left = total - int(counts.sum())
    if left:
        counts[rng.choice(len(weight), size=left, replace=False, p=fraction / fraction.sum())] += 1
    return counts


def _days(values: np.ndarray) -> np.ndarray:
    """Whole days."""
    return np.round(values).astype(np.int64)


def _year(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _number_within(mi: np.ndarray) -> np.ndarray:
    """Running number (1, 2, ...) of each case within its municipality, in row order."""
    order = np.argsort(mi, kind="stable")
    first = np.concatenate(([0], np.cumsum(np.bincount(mi))[:-1]))
    number = np.empty_like(mi)
    number[order] = np.arange(len(mi)) - first[mi[order]] + 1
    return number


def _involvement_probability(
    munis: dict, mi: np.ndarray, referral: np.ndarray, treated: np.ndarray, planted: dict
) -> np.ndarray:
    """Municipality base share + common trend (2 points a year) + the planted effect, in points."""
    years_since_2013 = (referral - (DATA_START_DATE - _EPOCH).days) / 365.25
    effect = planted["citizen_involvement_pp"] / 100
    return munis["involvement_base"][mi] + 0.02 * years_since_2013 + effect * treated


def _decisions(rng: np.random.Generator, munis: dict, mi: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """Decision codes (index into DECISIONS): the mix shifts away from ressourceforløb in 2018."""
    after = decision >= _LAW_CHANGE_2018
    mix = np.where(after[:, None], np.array(_DECISION_MIX_AFTER), np.array(_DECISION_MIX_BEFORE))
    course_p = np.clip(mix[:, 0] * munis["course_factor"][mi], 0.05, 0.9)
    # The other decisions keep their relative weights and fill the rest.
    rest = mix[:, 1:] / mix[:, 1:].sum(axis=1, keepdims=True) * (1 - course_p)[:, None]
    cumulative = np.cumsum(np.column_stack((course_p, rest)), axis=1)
    u = rng.random(len(mi))
    return np.minimum((u[:, None] >= cumulative).sum(axis=1), len(DECISIONS) - 1)


def _internship_share(start_year: np.ndarray) -> np.ndarray:
    """Share of courses started in a year that include a company internship."""
    share = np.full(len(start_year), _INTERNSHIP_SHARE_LATER)
    for year, value in _INTERNSHIP_SHARE.items():
        share[start_year == year] = value
    return share


def _end_reasons(rng: np.random.Generator, munis: dict, mi: np.ndarray) -> np.ndarray:
    """End-reason codes (index into END_REASONS): disability pension at the municipality's share."""
    others = [r for r in END_REASONS if r != "disability_pension"]
    weights = np.array([_NON_DP_SPLIT[r] for r in others])
    other_code = np.array([END_REASONS.index(r) for r in others])
    pick = other_code[rng.choice(len(others), size=len(mi), p=weights / weights.sum())]
    is_dp = rng.random(len(mi)) < munis["dp_share"][mi]
    return np.where(is_dp, END_REASONS.index("disability_pension"), pick)


def _cases_frame(cases: dict) -> pl.DataFrame:
    """The cases table with the contract's columns, codes and missing values."""
    code = pl.Series("municipality_code", cases["municipality_code"])
    case_id = pl.format(
        "R{}-{}",
        pl.col("municipality_code").cast(pl.String).str.zfill(4),
        pl.col("number").cast(pl.String).str.zfill(7),
    )
    frame = pl.DataFrame([code, pl.Series("number", cases["number"])]).select(case_id.alias("case_id"), code)
    columns = [
        _labels("sex", cases["sex"], ("F", "M")),
        _labels("age_band", cases["age_band"], AGE_BANDS),
        _labels("decision", cases["decision"], DECISIONS),
        _booleans("citizen_involved", cases["citizen_involved"]),
        _booleans("internship_completed", cases["internship_completed"]),
        _labels("end_reason", cases["end_reason"], END_REASONS),
    ]
    for name in COLUMNS["cases"]:
        if name.endswith("_date"):
            columns.append(_dates(name, *cases[name]))
    return frame.with_columns(columns).select(COLUMNS["cases"])


def _dates(name: str, days: np.ndarray, present: np.ndarray) -> pl.Series:
    """A date column from day numbers; missing where not present."""
    values = np.where(present, days, np.nan)
    return pl.Series(name, values, nan_to_null=True).cast(pl.Int32).cast(pl.Date)


def _labels(name: str, codes: np.ndarray, labels: tuple[str, ...]) -> pl.Series:
    """A text column from code indexes; -1 is missing."""
    mapping = dict(enumerate(labels))
    return pl.Series(name, codes).replace_strict(mapping, default=None, return_dtype=pl.String)


def _booleans(name: str, values: np.ndarray) -> pl.Series:
    """A boolean column from 1/0; -1 is missing."""
    return pl.Series(name, np.where(values >= 0, values, np.nan), nan_to_null=True).cast(pl.Boolean)


# --- pilot requests -------------------------------------------------------------------------


def _pilot_requests(
    rng: np.random.Generator, cases: dict, case_ids: pl.Series, munis: dict, scale: float
) -> pl.DataFrame:
    """round(78*scale) requests in min(98, round(34*sqrt(scale))) municipalities, on active courses."""
    start, start_on = cases["course_start_date"]
    end, end_on = cases["course_end_date"]
    last = np.where(end_on, np.minimum(end, _PILOT_END), _PILOT_END)
    first = np.maximum(start, _PILOT_START)
    eligible = start_on & (first <= last)

    n_requests = int(round(78 * scale))
    case_muni = np.searchsorted(munis["code"], cases["municipality_code"])
    available = np.bincount(case_muni[eligible], minlength=len(munis["code"]))
    candidates = np.flatnonzero(available > 0)
    n_munis = min(98, int(round(34 * math.sqrt(scale))), n_requests, len(candidates))
    if n_requests > int(available.sum()):
        raise ValueError(f"scale {scale} is too small for {n_requests} pilot requests")

    p = munis["size"][candidates] ** 0.6
    chosen = np.sort(rng.choice(candidates, size=n_munis, replace=False, p=p / p.sum()))
    counts = _allocate(rng, n_requests, munis["size"][chosen], available[chosen])

    picked = []
    for m, k in zip(chosen.tolist(), counts.tolist()):
        pool = np.flatnonzero(eligible & (case_muni == m))
        picked.append(rng.choice(pool, size=k, replace=False))
    rows = np.sort(np.concatenate(picked)) if picked else np.array([], dtype=np.int64)
    n = len(rows)

    request = first[rows] + rng.integers(0, last[rows] - first[rows] + 1)
    has_dialogue = rng.random(n) < 0.92
    dialogue = request + 14 + _days(rng.gamma(2.0, 4.0, n))
    has_advice = rng.random(n) < 0.94
    advice = np.where(
        has_dialogue,
        dialogue + rng.integers(0, 15, n),
        request + rng.integers(20, 46, n),
    )
    advice_on = has_advice & (advice <= _END)
    outcome = np.where(advice_on, rng.choice(len(ADVICE_OUTCOMES), size=n, p=_OUTCOME_WEIGHTS), -1)
    order = np.lexsort((rows, request))
    width = max(4, len(str(n)))
    frame = pl.DataFrame(
        [
            case_ids.gather(rows),
            _dates("request_date", request, np.ones(n, dtype=bool)),
            _labels("offer_type", rng.choice(len(OFFER_TYPES), size=n, p=_OFFER_WEIGHTS), OFFER_TYPES),
            _labels("request_context", (rng.random(n) >= 0.6).astype(np.int64), REQUEST_CONTEXTS),
            _dates("dialogue_date", dialogue, has_dialogue & (dialogue <= _END)),
            _dates("advice_date", advice, advice_on),
            _labels("advice_outcome", outcome, ADVICE_OUTCOMES),
        ]
    )[order.tolist()]
    ids = pl.Series("request_id", [f"PR-{k + 1:0{width}d}" for k in range(n)], dtype=pl.String)
    return frame.with_columns(ids).select(COLUMNS["pilot_requests"])


def _allocate(rng: np.random.Generator, total: int, size: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Split total over municipalities: at least one each, skewed, a few with several."""
    n = len(size)
    counts = np.ones(n, dtype=np.int64)
    # A few municipalities used the right much more than others; no one dominates.
    cap = np.minimum(room, max(6, math.ceil(2 * total / max(n, 1))))
    weight = np.sqrt(size) * rng.lognormal(0.0, 1.0, n)
    for _ in range(total - n):
        open_ = counts < cap
        if not open_.any():
            cap, open_ = room, counts < room
        p = weight * open_
        counts[rng.choice(n, p=p / p.sum())] += 1
    return counts


# --- health advice channels -----------------------------------------------------------------


def _health_channels(rng: np.random.Generator, munis: dict, scale: float) -> pl.DataFrame:
    """Quarterly counts 2017-Q1..2019-Q4 per municipality and channel (one row each)."""
    quarters = [f"{y}-Q{q}" for y in range(2017, 2020) for q in range(1, 5)]
    share = munis["weight"] * munis["channel_propensity"]
    share = share / share.sum()
    rows_code, rows_quarter, rows_channel, rows_count = [], [], [], []
    for m, code in enumerate(munis["code"].tolist()):
        for t, quarter in enumerate(quarters):
            for channel in CHANNELS:
                # Uses grew a little over the period.
                mean = scale * _CHANNEL_PER_QUARTER[channel] * share[m] * (0.85 + 0.03 * t)
                rows_code.append(code)
                rows_quarter.append(quarter)
                rows_channel.append(channel)
                rows_count.append(mean)
    counts = rng.poisson(np.array(rows_count))
    return pl.DataFrame(
        {"municipality_code": rows_code, "quarter": rows_quarter, "channel": rows_channel, "count": counts},
        schema_overrides={"municipality_code": pl.Int64, "count": pl.Int64},
    )


# --- manifest -------------------------------------------------------------------------------


def _manifest(
    seed: int, scale: float, effect_start: dict[int, datetime.date], row_counts: dict, effects: dict
) -> dict:
    """The dataset's description: synthetic, how it was made, and what it is calibrated to."""
    planted = dict(effects)
    planted["descriptions"] = effect_descriptions(effects)
    planted["applies_from"] = {str(code): day.isoformat() for code, day in sorted(effect_start.items())}
    return {
        "synthetic": True,
        "generator": "etl.generate",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "data_end_date": DATA_END_DATE.isoformat(),
        "pilot_window": [settings.PILOT_START.isoformat(), settings.PILOT_END.isoformat()],
        "planted_effects": planted,
        "calibration": _calibration_targets(scale),
        "row_counts": row_counts,
    }


def _calibration_targets(scale: float) -> dict:
    """The published magnitudes the dataset aims at, at this scale."""
    return {
        "persons_in_course": {"2015-09-30": round(14_000 * scale), "2016-11-30": round(18_000 * scale)},
        "courses_active_in_pilot_window": round(30_000 * scale),
        "tolerance": 0.10,
        "pilot_requests": int(round(78 * scale)),
        "pilot_municipalities": min(98, int(round(34 * math.sqrt(scale))), int(round(78 * scale))),
        "pool_municipalities": 17,
        "pool_granted_dkk": POOL_TOTAL_DKK,
        "share_women_over": 0.60,
        "course_endings_2018": {"disability_pension": 0.56, "flex_job": 0.25, "job": 0.04},
        "disability_pension_share_range_2018": {
            "min": 0.20,
            "max": 0.76,
            "low": "Billund",
            "high": ["Køge", "Ballerup"],
        },
        "internship_share_by_course_start": {"2013": 0.23, "2015": 0.39},
        "team_phase_days": "about 30",
        "preparation_phase_median_days_by_municipality": [50, 160],
    }
