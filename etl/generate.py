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

PLANTED_EFFECT_DESCRIPTIONS = {
    "decision_days_reduction": {
        "da": "I kommuner med en bevilling fra puljen Bedre ressourceforløb er tiden fra visitation til "
        "afgørelse 14 dage kortere for sager visiteret fra bevillingens start.",
        "en": "In municipalities with a grant from the pool Bedre ressourceforløb, the time from referral "
        "to decision is 14 days shorter for cases referred from the start of the grant.",
    },
    "citizen_involvement_pp": {
        "da": "I kommuner med en bevilling fra puljen er andelen af sager forberedt sammen med borgeren "
        "15 procentpoint højere for sager visiteret fra bevillingens start, ud over den fælles udvikling.",
        "en": "In municipalities with a grant from the pool, the share of cases prepared together with the "
        "citizen is 15 percentage points higher for cases referred from the start of the grant, beyond "
        "the common trend.",
    },
}

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
    2013: 13000, 2014: 14000, 2015: 13500, 2016: 13000, 2017: 12000, 2018: 11000,
    2019: 10500, 2020: 10500, 2021: 10500, 2022: 10500, 2023: 10500, 2024: 10500,
}  # fmt: skip

# Fixed disability-pension shares of course endings where the published spread names them.
_DP_SHARE_FIXED = {530: 0.20, 259: 0.76, 151: 0.76}

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

CALIBRATION_DAYS = {"persons_in_course_2015_09_30": "2015-09-30", "persons_in_course_2016_11_30": "2016-11-30"}


def generate(out_dir: Path, scale: float = 1.0, seed: int = 2017) -> dict:
    """Write the synthetic default dataset as contract files into out_dir; return the manifest."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng_muni, rng_pool, rng_cases, rng_pilot, rng_channels = np.random.default_rng(seed).spawn(5)

    munis = _municipalities(rng_muni)
    grants = _pool_grants(rng_pool, munis)
    effect_start = _effect_start(grants)
    cases = _cases(rng_cases, munis, effect_start, scale)
    requests = _pilot_requests(rng_pilot, cases, munis, scale)
    channels = _health_channels(rng_channels, munis, scale)

    tables = {
        "cases": _cases_frame(cases),
        "pilot_requests": requests,
        "pool_grants": grants,
        "health_advice_channels": channels,
    }
    for name, frame in tables.items():
        frame.select(COLUMNS[name]).write_csv(out_dir / f"{name}.csv", date_format="%Y-%m-%d")

    manifest = _manifest(seed, scale, effect_start, {name: frame.height for name, frame in tables.items()})
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "dataset.json").write_text(text, encoding="utf-8")
    return manifest


# --- municipalities -------------------------------------------------------------------------


def _municipalities(rng: np.random.Generator) -> dict:
    """The 98 municipalities in code order, with their fixed synthetic characteristics."""
    ref = pl.read_csv(settings.REFERENCE_DIR / "kommuner.csv", schema_overrides={"dst_regionkode": pl.String})
    ref = ref.sort("kommunekode")
    codes = ref["kommunekode"].to_numpy().astype(np.int64)
    missing = sorted(set(codes.tolist()) ^ set(SIZE_WEIGHTS))
    if missing:
        raise RuntimeError(f"size weights and kommuner.csv disagree on municipality codes: {missing}")
    n = len(codes)
    size = np.array([SIZE_WEIGHTS[c] for c in codes.tolist()], dtype=float)
    # Some municipalities refer relatively more citizens than their size suggests.
    weight = size * rng.lognormal(0.0, 0.15, n)
    internship_offset = rng.normal(0.0, 0.04, n)
    internship_offset -= np.average(internship_offset, weights=weight)
    dp_share = np.clip(rng.normal(0.575, 0.08, n), 0.32, 0.72)
    for code, share in _DP_SHARE_FIXED.items():
        dp_share[codes == code] = share
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
    first_focus = [FOCUS_AREAS[(k + int(rng.integers(3))) % 3] for k in range(len(chosen))]
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
    spent[int(rng.integers(n))] = int(round(granted[0] * 0)) if False else spent[int(rng.integers(n))]
    over = int(rng.integers(n))
    spent[over] = int(round(granted[over] * 1.03))  # one project overspent a little
    not_reported = rng.choice(n, size=2, replace=False)
    spent_col = [None if k in set(not_reported.tolist()) else int(spent[k]) for k in range(n)]
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
