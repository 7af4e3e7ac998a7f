"""What the pool page and the briefing show about "Bedre ressourceforløb", read from the release:
the grants (public decisions), outcomes per referral quarter for the grant municipalities and the
others, the effects, the event study and the price per extra outcome (release/pool).

Nothing is computed here but the choice among released views: a region's focus area opens the
region's (all grants) or the country's focus area; the page says which (`Choice.notes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from analysis import periods
from analysis.database import LiveDatabase
from analysis.protected import HIDDEN, MISSING, NATIONAL, ProtectedTable, ProtectedValue, public_table, public_value, shown

FOCUS_AREAS = ("citizen_involvement", "company_internships", "processing_times")
PUBLISHED_IDS = ("pool_initiative_package", "pool_satspulje_2016", "pool_municipalities")
INTERNSHIP_MONTHS = (6, 12)
DEFAULT_MONTHS = 6
OUTCOMES = ("citizen_involved", "days_referral_to_decision", "internship_within")
UNITS = {"citizen_involved": "procentpoint", "days_referral_to_decision": "dage", "internship_within": "procentpoint"}


@dataclass(frozen=True)
class PoolFilter:
    """A view of the pool page: period of the referrals, region and focus area."""

    start: date
    end: date
    region: str | None = None
    focus_area: str | None = None

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        if self.focus_area is not None and self.focus_area not in FOCUS_AREAS:
            raise ValueError(f"unknown focus area {self.focus_area!r}")

    @property
    def area(self) -> str:
        """The view's area code: the region, or NATIONAL for the whole country."""
        return self.region or NATIONAL


# --- grants (public) -----------------------------------------------------------------------------


def _grants(db: LiveDatabase, f: PoolFilter) -> pl.DataFrame:
    g = db.run("release_pool_grants")
    if f.region:
        g = g.filter(pl.col("region_code") == f.region)
    if f.focus_area:
        g = g.filter(pl.col("focus_area") == f.focus_area)
    return g.filter((pl.col("period_start") <= f.end) & (pl.col("period_end") >= f.start))


def grants(db: LiveDatabase, f: PoolFilter) -> ProtectedTable:
    """One row per grant running in the period: public decisions, shown as they are."""
    return public_table(_grants(db, f))


@dataclass(frozen=True)
class PoolTotals:
    """The grants in the view added up; all public (decisions about municipalities)."""

    granted_dkk: ProtectedValue
    spent_dkk: ProtectedValue
    granted_reported_dkk: ProtectedValue
    spent_share_reported: ProtectedValue
    municipalities: ProtectedValue
    grants: ProtectedValue
    not_reported: ProtectedValue


def totals(db: LiveDatabase, f: PoolFilter) -> PoolTotals:
    """Granted and spent in the view, and how many grants did not report spending."""
    g = _grants(db, f)
    reported = g.filter(pl.col("spent_reported"))
    granted_reported = int(reported["granted_dkk"].sum() or 0)
    spent = int(reported["spent_dkk"].sum() or 0)
    return PoolTotals(
        granted_dkk=public_value(int(g["granted_dkk"].sum() or 0)),
        spent_dkk=public_value(spent),
        granted_reported_dkk=public_value(granted_reported),
        spent_share_reported=public_value(spent / granted_reported if granted_reported else None),
        municipalities=public_value(g["municipality_code"].n_unique()),
        grants=public_value(g.height),
        not_reported=public_value(g.height - reported.height),
    )


def published(db: LiveDatabase) -> ProtectedTable:
    """The published figures about the pool (40,4 mio. kr., 27 mio. kr., 17 kommuner) with sources."""
    figures = db.run("release_published_figures").filter(pl.col("figure_id").is_in(list(PUBLISHED_IDS)))
    order = {f: i for i, f in enumerate(PUBLISHED_IDS)}
    return public_table(figures.sort(pl.col("figure_id").replace_strict(order, return_dtype=pl.Int64)))


# --- which released view a filter opens ----------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The released specification a view opens, and why it differs from the filter (Danish)."""

    area: str
    focus: str  # '' for all grants
    quarters_area: str | None  # the area whose quarterly counts are shown (None: none released)
    notes: tuple[str, ...] = ()


def choose(db: LiveDatabase, f: PoolFilter) -> Choice:
    """The released effects and quarterly counts nearest a view."""
    specs = db.run("release_pool_specs")
    effects = set(zip(*(specs.filter(pl.col("kind") == "effects")[c].to_list() for c in ("area", "focus"))))
    quarter_areas = set(specs.filter(pl.col("kind") == "quarters")["area"].to_list())
    area, focus, notes = f.area, f.focus_area or "", []
    if (area, focus) not in effects:
        if (area, "") in effects:
            notes.append("Effekterne for et fokusområde beregnes for hele landet, ikke for en region: "
                         "her vises regionens effekter for alle bevillinger.")
            focus = ""
        elif (NATIONAL, focus) in effects:
            notes.append("Effekterne kan ikke vises for regionen: her vises hele landets.")
            area = NATIONAL
    quarters_area = f.area if f.area in quarter_areas else (NATIONAL if NATIONAL in quarter_areas else None)
    if quarters_area is not None and quarters_area != f.area:
        notes.append("Kvartalstallene for regionen er ikke udgivet (for mange små tal): her vises hele landets.")
    if quarters_area is not None and quarters_area != NATIONAL:
        notes.append("For en region udgives kvartalstallene for sager, teammøder og borgerinddragelse; praktikkerne "
                     "deler en regions kvartaler i for små tal og vises kun for hele landet.")
    if f.focus_area and quarters_area is not None:
        notes.append("Kvartalstallene og hændelsesstudiets observerede forløb gælder alle kommuner med bevilling: "
                     "udgivelsen deler dem ikke op på fokusområder.")
    return Choice(area, focus, quarters_area, tuple(notes))


# --- outcomes per quarter ------------------------------------------------------------------------

_RENAME = {"meetings": "involved_base", "completed": "internships_completed"}


def outcomes_by_quarter(db: LiveDatabase, f: PoolFilter, months: int = DEFAULT_MONTHS) -> ProtectedTable:
    """Per referral quarter in the view's range, grant municipalities against the rest: cases,
    the share prepared with the citizen, the share of started courses with an internship within
    `months` months (Kaplan–Meier), the share of internships completed, the median days from
    referral to decision; hidden counts without values, shares only beside shown counts."""
    if months not in INTERNSHIP_MONTHS:
        raise ValueError(f"months must be one of {INTERNSHIP_MONTHS}, got {months}")
    area = choose(db, f).quarters_area
    frame = db.run("release_pool_quarters", {"area": area or ""}).filter(
        pl.col("quarter_start").is_between(periods.quarter_start(f.start), f.end))
    frame = frame.rename({"meetings": "involved_base", "completed": "internships_completed",
                          f"within_{months}": "internship_within", "meetings_hidden": "involved_base_hidden",
                          "completed_hidden": "internships_completed_hidden",
                          f"within_{months}_hidden": "internship_within_hidden",
                          **{f"internship_{months}_share{x}": f"internship_share{x}" for x in ("", "_lower", "_upper")}})
    counts = ["cases", "involved_base", "involved", "courses", "internship_within", "internships",
              "internships_completed"]
    hidden = {c: frame[f"{c}_hidden"].alias(c) for c in counts}
    for share, (count, base) in {"involved_share": ("involved", "involved_base"),
                                 "internship_share": ("internship_within", "courses"),
                                 "completed_share": ("internships_completed", "internships")}.items():
        mask = (frame[share].is_null() & (hidden[count] | hidden[base])).alias(share)
        for column in (share, f"{share}_lower", f"{share}_upper"):
            hidden[column] = mask.alias(column)
    hidden["median_days"] = (frame["median_days_status"] == "hidden").alias("median_days")
    columns = ["quarter_start", "group", "cases", "involved_base", "involved", "involved_share", "involved_share_lower",
               "involved_share_upper", "courses", "internship_within", "internship_share", "internship_share_lower",
               "internship_share_upper", "internships", "internships_completed", "completed_share",
               "completed_share_lower", "completed_share_upper", "median_days"]
    return ProtectedTable(frame.select(columns), {c: hidden[c] for c in columns if c in hidden})


# --- effects, event study, price -----------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """A released effect estimate (main estimator, the two-way fixed effects beside it); values
    None when hidden (`hidden`) or not estimable (the caveats say why)."""

    outcome: str
    unit: str
    months: int
    estimate: float | None
    lower: float | None
    upper: float | None
    twfe_estimate: float | None
    twfe_lower: float | None
    twfe_upper: float | None
    hidden: bool
    method_main: str
    method_twfe: str
    interval_method: str
    n_treated_municipalities: int
    n_control_municipalities: int
    pre_quarters: int
    post_quarters: int
    pretrend_p: float | None
    sample: str
    caveats: list[str] = field(default_factory=list)


def effects(db: LiveDatabase, f: PoolFilter, months: int = DEFAULT_MONTHS) -> list[Effect]:
    """The effects on the three outcomes for the view's released specification."""
    choice = choose(db, f)
    rows = db.run("release_pool_effects", {"area": choice.area, "focus": choice.focus})
    out = []
    for outcome in OUTCOMES:
        wanted = months if outcome == "internship_within" else DEFAULT_MONTHS
        match = rows.filter((pl.col("outcome") == outcome) & (pl.col("months") == wanted))
        if match.height:
            out.append(_effect(match.row(0, named=True)))
    return out


def _effect(r: dict) -> Effect:
    return Effect(
        outcome=r["outcome"], unit=r["unit"], months=r["months"], estimate=r["estimate"], lower=r["lower"],
        upper=r["upper"], twfe_estimate=r["twfe_estimate"], twfe_lower=r["twfe_lower"], twfe_upper=r["twfe_upper"],
        hidden=r["status"] == "hidden", method_main=r["method_main"], method_twfe=r["method_twfe"],
        interval_method=r["interval_method"], n_treated_municipalities=r["treated"],
        n_control_municipalities=r["control"], pre_quarters=r["pre_quarters"], post_quarters=r["post_quarters"],
        pretrend_p=r["pretrend_p"], sample=sample_text(r["outcome"], r["months"], r["first_quarter"], r["last_quarter"]),
        caveats=list(r["caveats"] or []),
    )


def sample_text(outcome: str, months: int, first: date | None, last: date | None) -> str:
    """Which cases an estimate rests on, in Danish."""
    if first is None:
        return "Ingen sager er fulgt længe nok."
    a, b = periods.quarter_label(first), periods.quarter_label(last)
    span = f"visiteret {a}" if a == b else f"visiteret {a}–{b}"
    follow = "så alle er fulgt i mindst 730 dage (to år)"
    if outcome == "citizen_involved":
        return f"Sager {span}, {follow}, og hvor rehabiliteringsteamets møde er holdt."
    if outcome == "days_referral_to_decision":
        return (f"Sager {span}, {follow}. En sag uden afgørelse efter 730 dage tæller med 730 dage "
                "(begrænset gennemsnit), så åbne sager hverken udelades eller forvrider.")
    return (f"Ressourceforløb fra sager {span}, {follow}, og hvor forløbet er fulgt mindst {months} måneder "
            "efter start.")


def event_study(db: LiveDatabase, f: PoolFilter, outcome: str, months: int = DEFAULT_MONTHS) -> ProtectedTable:
    """Coefficients per quarter from the grant start with 95 % intervals, the grant group's
    observed path and the counterfactual band (the path only where the release shows it)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    choice = choose(db, f)
    frame = db.run("release_pool_event", {"area": choice.area, "focus": choice.focus, "outcome": outcome,
                                          "months": months if outcome == "internship_within" else DEFAULT_MONTHS})
    coefficients_hidden = frame["estimate"].is_null() & ~frame["reference"]
    path_hidden = frame["observed_status"] == "hidden"
    hidden = {c: coefficients_hidden.alias(c) for c in ("estimate", "lower", "upper")}
    hidden |= {c: path_hidden.alias(c) for c in ("observed", "counterfactual", "counterfactual_lower",
                                                 "counterfactual_upper")}
    columns = ["event", "label", "reference", "estimate", "lower", "upper", "observed", "counterfactual",
               "counterfactual_lower", "counterfactual_upper"]
    return ProtectedTable(frame.select(columns), hidden)


def path_released(db: LiveDatabase, f: PoolFilter, outcome: str, months: int = DEFAULT_MONTHS) -> bool:
    """Whether the release holds the event study's observed path for the view (some point shown
    or hidden): the whole country with all grants only."""
    table = event_study(db, f, outcome, months)
    return bool(table.frame["observed"].is_not_null().any() or table.is_hidden("observed").any())


@dataclass(frozen=True)
class CostPerOutcome:
    """Kroner per extra outcome, with the interval carried from the effect's interval."""

    outcome: str
    unit: str
    kroner: ProtectedValue
    kroner_basis: str
    cases_after_start: ProtectedValue
    extra: float | None
    extra_lower: float | None
    extra_upper: float | None
    estimate: float | None
    lower: float | None
    upper: float | None
    hidden: bool
    explanation: str


def cost_per_outcome(db: LiveDatabase, f: PoolFilter) -> list[CostPerOutcome]:
    """Kroner per extra case prepared with the citizen and per case-day saved, as released."""
    choice = choose(db, f)
    out = []
    for r in db.run("release_pool_costs", {"area": choice.area, "focus": choice.focus}).iter_rows(named=True):
        cases = HIDDEN if r["cases_hidden"] else (MISSING if r["cases_after_start"] is None else shown(r["cases_after_start"]))
        out.append(CostPerOutcome(
            outcome=r["outcome"], unit=r["unit"], kroner=public_value(r["kroner"]), kroner_basis=r["kroner_basis"],
            cases_after_start=cases, extra=r["extra"], extra_lower=r["extra_lower"], extra_upper=r["extra_upper"],
            estimate=r["estimate"], lower=r["lower"], upper=r["upper"], hidden=r["status"] == "hidden",
            explanation=r["explanation"]))
    order = {"citizen_involved": 0, "days_referral_to_decision": 1}
    return sorted(out, key=lambda c: order.get(c.outcome, 9))
