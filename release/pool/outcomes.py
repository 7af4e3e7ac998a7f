"""The pool's tables in the release, built from shown cells and the load's cases: outcomes per
referral quarter, the effects, the event study and the price per extra outcome.

Rules (docs/disclosure.md): a count is its cell (hidden: no value); a share only where its count
and its complement are shown cells; a Kaplan–Meier median with at least k cases on each side; an
effect and its event study hidden where a quarter of the grant group or of the comparison group
in its sample has 1 to k-1 cases; an observed path point only where its success and failure
counts (or, for days, its cases) are shown cells; a price only beside shown counts.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from release.areas import COUNTRY
from release.cells import group_key
from release.context import Shown
from release.disclosure import rules
from release.periods import quarter_dates, quarter_id
from release.pool import effects, samples
from release.processing.stages import Spec, condition
from stats.intervals import proportion
from stats.survival import kaplan_meier, survival_at

if TYPE_CHECKING:
    from release.pool import Pool

MEASURE = "cases"
RC = {"case_decision": "resource_course"}
STARTED = {**RC, "started": "yes"}
HAD = {**STARTED, "internship": "yes"}
# The internship windows the page offers, in days of the course (the processing thresholds).
WINDOW_DAYS = {6: 182, 12: 364}
# Each quarterly count, as breakdowns of the referred cases. The splits a reader knows are
# declared whole (decided + pending = all; the four decisions; started or not; an internship or
# not; completed or not), so the engine protects every sum and difference of them.
COUNTS: dict[str, dict[str, str]] = {
    "cases": {},
    "pending": {"case_decision": "pending"},
    "decided": {"case_decision": "decided"},
    **{f"decision_{d}": {"case_decision": d} for d in ("resource_course", "flex_job", "disability_pension", "other")},
    "meetings": {"meeting": "yes"},
    "no_meeting": {"meeting": "no"},
    "involved": {"meeting": "yes", "involved": "yes"},
    "not_involved": {"meeting": "yes", "involved": "no"},
    "courses": STARTED,
    "not_started": {**RC, "started": "no"},
    "internships": HAD,
    "no_internship": {**STARTED, "internship": "no"},
    "completed": {**HAD, "completed": "yes"},
    "not_completed": {**HAD, "completed": "no"},
}
EFFECT_OUTCOMES = (("citizen_involved", 6), ("days_referral_to_decision", 6), ("internship_within", 6),
                   ("internship_within", 12))
UNITS = {"citizen_involved": "procentpoint", "days_referral_to_decision": "dage", "internship_within": "procentpoint"}


# The regions' quarterly counts: the cases, their team meetings and the citizen's part in them
# (the internships split a region's quarter into counts mostly below k: the country only).
REGION_COUNTS = ("cases", "meetings", "no_meeting", "involved", "not_involved")


def specs(names: tuple[str, ...] | None = None) -> dict[str, Spec]:
    """The quarterly counts (those named, or all with the internship windows) as specs for
    release.processing.stages.tabulate."""
    if names is not None:
        return {group_key(**COUNTS[n]): Spec(tuple(COUNTS[n].items()), condition(COUNTS[n])) for n in names}
    out = {group_key(**dims): Spec(tuple(dims.items()), condition(dims)) for dims in COUNTS.values()}
    for months, days in WINDOW_DAYS.items():
        dims = {**HAD, "within_internship": str(days)}
        out[group_key(**dims)] = Spec(tuple(dims.items()),
                                      condition(HAD) & (pl.col("course_start_to_internship_days") <= days))
    return out


def count_key(name: str, group: str) -> str:
    """The cell group of a quarterly count of a group (other, grant)."""
    if name.startswith("within_"):
        return group_key(pool=group, **HAD, within_internship=str(WINDOW_DAYS[int(name.split("_")[1])]))
    return group_key(pool=group, **COUNTS[name])


# --- outcomes per quarter ------------------------------------------------------------------------

QUARTER_COUNTS = ("cases", "meetings", "involved", "courses", "within_6", "within_12", "internships", "completed")


def quarter_table(pool: Pool, shown: Shown) -> pl.DataFrame:
    """One row per referral quarter, area and group where the release holds its cases: the
    counts (hidden ones without value), the shares with 95 % intervals and the median days."""
    k = pool.ctx.k
    rows = []
    for level in sorted({lv for levels in pool.blocks.values() for lv in levels}):
        mapping = pool.ctx.areas.municipality_map(level)
        cases = pool.cases.with_columns(pl.col("municipality").replace_strict(mapping, default=None).alias("_area"))
        parts = cases.partition_by("quarter", "_area", "pool", as_dict=True)
        for q in pool.quarters:
            for area in pool.ctx.areas.at(level):
                for group in ("grant", "other"):
                    if not shown.known(MEASURE, q.id, area, count_key("cases", group)):
                        continue
                    view = parts.get((q.id, area, group))
                    rows.append(_quarter_row(shown, q.id, area, group, view, k))
    return pl.DataFrame(rows, schema=QUARTER_SCHEMA, orient="row")


def _quarter_row(shown: Shown, q: str, area: str, group: str, view: pl.DataFrame | None, k: int) -> tuple:
    value = {n: shown.shown(MEASURE, q, area, count_key(n, group)) for n in QUARTER_COUNTS}
    # A count the release does not hold for this area (a region's internships) is missing, not hidden.
    hidden = {n: shown.known(MEASURE, q, area, count_key(n, group)) and shown.hidden(MEASURE, q, area, count_key(n, group))
              for n in QUARTER_COUNTS}
    not_involved = shown.shown(MEASURE, q, area, count_key("not_involved", group))
    not_completed = shown.shown(MEASURE, q, area, count_key("not_completed", group))
    involved = _share(value["involved"], not_involved)
    completed = _share(value["completed"], not_completed)
    internship = {}
    for months, days in WINDOW_DAYS.items():
        estimate = (None, None, None)
        if view is not None and value["courses"] and value[f"within_{months}"] is not None:
            rows = view.filter(pl.col("course_start_to_internship_days").is_not_null())
            fit = kaplan_meier(rows["course_start_to_internship_days"].to_numpy().astype(float),
                               rows["course_start_to_internship_done"].to_numpy().astype(bool))
            at = survival_at(fit, days)
            if at.estimate is not None:
                estimate = (1 - at.estimate, 1 - at.upper, 1 - at.lower)
        internship[months] = estimate
    if view is None or hidden["cases"]:
        median, status = None, rules.HIDDEN if hidden["cases"] else rules.MISSING
    else:
        rows = view.filter(pl.col("referral_to_decision_days").is_not_null())
        median, status = rules.duration_statistics(rows["referral_to_decision_days"].to_numpy(),
                                                   rows["referral_to_decision_done"].to_numpy(), k)["median"]
    start, _ = quarter_dates(q)
    return (q, start, area, group, *(value[n] for n in QUARTER_COUNTS), *(hidden[n] for n in QUARTER_COUNTS),
            *involved, *internship[6], *internship[12], *completed, median, status)


def _share(part: int | None, complement: int | None) -> tuple[float | None, float | None, float | None]:
    """part / (part + complement) with its exact interval, where the rules allow it."""
    if not rules.share_shown(part, complement):
        return None, None, None
    i = proportion(part, part + complement)
    return i.estimate, i.lower, i.upper


QUARTER_SCHEMA = {
    "quarter": pl.String, "quarter_start": pl.Date, "area": pl.String, "group": pl.String,
    **{n: pl.Int64 for n in QUARTER_COUNTS}, **{f"{n}_hidden": pl.Boolean for n in QUARTER_COUNTS},
    **{f"{s}{x}": pl.Float64 for s in ("involved_share", "internship_6_share", "internship_12_share", "completed_share")
       for x in ("", "_lower", "_upper")},
    "median_days": pl.Float64, "median_days_status": pl.String,
}


# --- effects and the event study -----------------------------------------------------------------


def _hidden(fit: effects.Estimate, k: int) -> bool:
    """Whether a quarter of the grant group or of the comparison group in the sample has 1 to k-1 cases."""
    if fit.cells.height == 0:
        return False
    sizes = fit.cells.group_by("quarter_start", "treated").agg(pl.col("n").sum())["n"]
    return bool(((sizes >= 1) & (sizes < k)).any())


def effect_tables(pool: Pool, fits: dict, shown: Shown) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The effects (main estimator and two-way fixed effects) and the event study per
    specification, with their status and caveats."""
    k = pool.ctx.k
    effect_rows, event_rows = [], []
    for (area, focus, outcome, months), fit in fits.items():
        hidden = _hidden(fit, k)
        status = rules.MISSING if fit.main is None else (rules.HIDDEN if hidden else rules.SHOWN)
        show = status == rules.SHOWN
        main, twfe = fit.main, fit.twfe
        pretrend = fit.pretrend_p if show else None
        effect_rows.append((
            area, focus or "", outcome, months, UNITS[outcome], fit.method_main, fit.method_twfe, fit.interval_method,
            *((main.estimate, main.lower, main.upper) if show else (None, None, None)),
            *((twfe.estimate, twfe.lower, twfe.upper) if show and twfe is not None else (None, None, None)),
            status, fit.n_treated, fit.n_control, fit.pre_quarters, fit.post_quarters, pretrend,
            fit.sample_quarters[0] if fit.sample_quarters else None,
            fit.sample_quarters[-1] if fit.sample_quarters else None,
            caveats(fit, pretrend),
        ))
        name = _sample_name(outcome, months)
        for row in fit.event.iter_rows(named=True):
            observed = _observed(shown, area, focus, name, row) if show else None
            gap = None if observed is None or row["observed"] is None else row["observed"] - row["counterfactual"]
            band = (None, None) if gap is None or row["counterfactual_lower"] is None else (
                observed - (row["observed"] - row["counterfactual_lower"]),
                observed - (row["observed"] - row["counterfactual_upper"]))
            event_rows.append((
                area, focus or "", outcome, months, row["event"], row["label"], row["reference"],
                *((row["estimate"], row["lower"], row["upper"]) if show else (None, None, None)),
                observed, None if gap is None else observed - gap, *band,
                rules.SHOWN if observed is not None else (
                    rules.HIDDEN if (show or hidden) and area == COUNTRY and focus is None and row["observed"] is not None
                    else rules.MISSING),  # a region's or a focus area's path is not counted in the release
            ))
    return (pl.DataFrame(effect_rows, schema=EFFECT_SCHEMA, orient="row"),
            pl.DataFrame(event_rows, schema=EVENT_SCHEMA, orient="row"))


def _sample_name(outcome: str, months: int) -> str:
    return f"internship_{months}" if outcome == "internship_within" else outcome


def _observed(shown: Shown, area: str, focus: str | None, name: str, row: dict) -> float | None:
    """The grant group's observed mean at a quarter since the start, from shown cells only (the
    whole country, all grants: the path counted in the release)."""
    if area != COUNTRY or focus is not None or row["observed"] is None:
        return None
    period = samples.event_period(row["event"])
    if name == "days_referral_to_decision":
        base = shown.shown(samples.MEASURE, period, COUNTRY, samples.sample_group(name))
        return row["observed"] if base else None  # a mean of days over k or more cases
    yes = shown.shown(samples.MEASURE, period, COUNTRY, samples.sample_group(name, "yes"))
    no = shown.shown(samples.MEASURE, period, COUNTRY, samples.sample_group(name, "no"))
    return 100.0 * yes / (yes + no) if rules.share_shown(yes, no) else None


EFFECT_SCHEMA = {
    "area": pl.String, "focus": pl.String, "outcome": pl.String, "months": pl.Int64, "unit": pl.String,
    "method_main": pl.String, "method_twfe": pl.String, "interval_method": pl.String,
    "estimate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
    "twfe_estimate": pl.Float64, "twfe_lower": pl.Float64, "twfe_upper": pl.Float64,
    "status": pl.String, "treated": pl.Int64, "control": pl.Int64, "pre_quarters": pl.Int64,
    "post_quarters": pl.Int64, "pretrend_p": pl.Float64, "first_quarter": pl.Date, "last_quarter": pl.Date,
    "caveats": pl.List(pl.String),
}
EVENT_SCHEMA = {
    "area": pl.String, "focus": pl.String, "outcome": pl.String, "months": pl.Int64, "event": pl.Int64,
    "label": pl.String, "reference": pl.Boolean, "estimate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
    "observed": pl.Float64, "counterfactual": pl.Float64, "counterfactual_lower": pl.Float64,
    "counterfactual_upper": pl.Float64, "observed_status": pl.String,
}
FEW_TREATED, FEW_QUARTERS = 20, 4


def caveats(fit: effects.Estimate, pretrend: float | None) -> list[str]:
    """Plain Danish reasons to read an estimate with care."""
    n, out = fit.n_treated, []
    if fit.main is None:
        if not fit.sample_quarters:
            return ["Ingen sager er fulgt længe nok til at beregne en effekt."]
        return ["Der er ingen kommuner med bevilling eller ingen sammenligningskommuner i udvalget."]
    if n < effects.MIN_TREATED_FOR_INTERVAL:
        out.append(f"Kun {n} kommune{'r' if n != 1 else ''} med bevilling i udvalget: estimatet hviler på "
                   f"{'én kommunes' if n == 1 else 'to kommuners'} udvikling, som kan skyldes meget andet end "
                   "puljen. Usikkerheden kan ikke beregnes pålideligt, så der vises intet interval.")
    elif n < FEW_TREATED:
        out.append(f"Kun {n} kommuner med bevilling. Intervallet er beregnet, så det holder med få kommuner "
                   f"({fit.interval_method}); det er bredere end et almindeligt klynget interval.")
    if fit.pre_quarters < FEW_QUARTERS:
        out.append(f"Kun {fit.pre_quarters} kvartal{'er' if fit.pre_quarters != 1 else ''} før bevillingernes start: "
                   "for få til at se, om grupperne fulgtes ad, før puljen begyndte.")
    if fit.post_quarters < FEW_QUARTERS:
        out.append(f"Kun {fit.post_quarters} kvartal{'er' if fit.post_quarters != 1 else ''} efter "
                   "bevillingernes start med mindst to års opfølgning: for kort til at sige noget om en varig effekt.")
    if pretrend is not None and pretrend < 0.05:
        p = "< 0,001" if pretrend < 0.001 else "= " + f"{pretrend:.3f}".replace(".", ",")
        out.append("Før bevillingernes start bevægede kommunerne med bevilling sig allerede væk fra de øvrige "
                   f"(test for en jævn forskel i kvartalerne før start: p {p}). Estimatet forudsætter, at "
                   "grupperne ville have fulgt hinanden uden puljen, og skal læses med forbehold.")
    return out


# --- price per extra outcome ---------------------------------------------------------------------

COST_UNITS = {
    "citizen_involved": ("sag forberedt sammen med borgeren", "involved_base"),
    "days_referral_to_decision": ("sagsdag sparet (visitation til afgørelse)", "cases"),
}


def cost_table(pool: Pool, fits: dict, effects_table: pl.DataFrame, shown: Shown) -> pl.DataFrame:
    """Kroner per extra outcome for each specification with quarterly counts (the country and
    the regions, all grants): the grant group's kroner over effect × its cases after every grant
    had started, a sum of shown cells (none hidden)."""
    rows = []
    shown_effects = {(r["area"], r["focus"], r["outcome"], r["months"]): r for r in effects_table.iter_rows(named=True)}
    for area, focus in pool.specs():
        kroner, basis = _kroner(pool, area, focus)
        for outcome, (unit, column) in COST_UNITS.items():
            fit = fits[(area, focus, outcome, 6)]
            effect = shown_effects[(area, focus or "", outcome, 6)]
            cases, first, last, hidden = _cases_after_start(pool, shown, area, focus, fit, column)
            price = _price(outcome, effect, kroner, cases, hidden, first, last) if focus is None else (
                None, None, None, None, None, None, rules.MISSING,
                "Prisen pr. resultat vises for alle bevillinger i hele landet og i regionerne: for et fokusområde "
                "holder udgivelsen ikke de kvartalstal, prisen regnes på.")
            rows.append((area, focus or "", outcome, unit, kroner, basis, cases, hidden, first, last, *price))
    return pl.DataFrame(rows, schema=COST_SCHEMA, orient="row")


def _kroner(pool: Pool, area: str, focus: str | None) -> tuple[int, str]:
    """What the grant group's municipalities got: spent where reported, else granted (all their
    grants, whatever the focus area: the effect is measured on the municipality)."""
    municipalities = pool.view_cases(area, focus).filter(pl.col("grant_start").is_not_null())["municipality"].unique()
    g = pool.grants.filter(pl.col("municipality_code").is_in([int(m) for m in municipalities.to_list()]))
    reported = g.filter(pl.col("spent_reported"))
    missing = g.filter(~pl.col("spent_reported"))
    kroner = int(reported["spent_dkk"].sum() or 0) + int(missing["granted_dkk"].sum() or 0)
    basis = f"Forbrug for {reported.height} bevilling{'er' if reported.height != 1 else ''}"
    if missing.height:
        named = ", ".join(f"{r['municipality_name']} ({r['project_title']})" for r in missing.iter_rows(named=True))
        basis += f"; bevilget beløb for {missing.height}, der ikke har indberettet forbrug: {named}"
    return kroner, basis + ". Alle kommunernes bevillinger tæller med, også med andet fokus, fordi effekten måles på kommunen."


def _cases_after_start(pool: Pool, shown: Shown, area: str, focus: str | None, fit: effects.Estimate,
                       column: str) -> tuple[int | None, date | None, date | None, bool]:
    """The grant group's cases (or team meetings) from the first quarter in which every grant had
    started to the end of the sample (Pool.cost_periods): the sum of those quarters' shown cells;
    hidden if any of them is hidden or not released."""
    period = pool.cost_periods.get(area)
    if focus is not None or period is None or not fit.sample_quarters:
        return None, None, None, False
    key = count_key("meetings" if column == "involved_base" else "cases", "grant")
    first, last = quarter_dates(period.quarters[0])[0], quarter_dates(period.quarters[-1])[0]
    values = [shown.shown(MEASURE, q, area, key) for q in period.quarters]
    if any(v is None for v in values):
        return None, first, last, True
    return sum(values), first, last, False


def _price(outcome: str, effect: dict, kroner: int, cases: int | None, hidden: bool, first, last) -> tuple:
    """(extra, extra_lower, extra_upper, estimate, lower, upper, status, explanation)."""
    def none(explanation: str, status: str = rules.MISSING):
        return (None, None, None, None, None, None, status, explanation)

    if effect["status"] == rules.HIDDEN or hidden:
        return none("Skjult: beregningen bygger på tal, der er skjult for at beskytte enkeltpersoner "
                    "(diskretionering).", rules.HIDDEN)
    if effect["estimate"] is None:
        return none(effect["caveats"][0] if effect["caveats"] else "Kan ikke beregnes: der er intet estimat.")
    if not cases:
        return none("Kan ikke beregnes: kommunerne med bevilling har ingen sager efter, at alle bevillinger var startet.")
    sign, per = (1.0, 100.0) if outcome == "citizen_involved" else (-1.0, 1.0)
    gain = sign * effect["estimate"] / per
    bounds = None if effect["lower"] is None else sorted((sign * effect["lower"] / per, sign * effect["upper"] / per))
    span = quarter_id(first) if first == last else f"{quarter_id(first)}–{quarter_id(last)}"
    extra = gain * cases
    extra_lower, extra_upper = (bounds[0] * cases, bounds[1] * cases) if bounds else (None, None)
    if gain <= 0:
        return (extra, extra_lower, extra_upper, None, None, None, rules.MISSING,
                f"Ingen beregning: estimatet viser ingen forbedring for kommunernes sager visiteret {span}, så der er "
                "intet at fordele kronerne på.")
    estimate = kroner / extra
    if bounds is None:
        lower = upper = None
        explanation = "Der vises intet interval, fordi effektens usikkerhed ikke kan beregnes pålideligt."
    elif bounds[0] > 0:
        lower, upper = kroner / extra_upper, kroner / extra_lower
        explanation = "Intervallet følger effektens 95 %-interval."
    else:
        lower, upper = kroner / extra_upper, None
        explanation = ("Effektens 95 %-interval rummer nul (ingen forbedring), så prisen har ingen øvre grænse: "
                       "data kan ikke udelukke, at pengene ikke gav nogen forbedring.")
    explanation += (f" Regnet på kommunernes sager visiteret {span}, fra det første kvartal, hvor alle "
                    "bevillingerne i gruppen var startet.")
    return (extra, extra_lower, extra_upper, estimate, lower, upper, rules.SHOWN, explanation)


COST_SCHEMA = {
    "area": pl.String, "focus": pl.String, "outcome": pl.String, "unit": pl.String, "kroner": pl.Int64,
    "kroner_basis": pl.String, "cases_after_start": pl.Int64, "cases_hidden": pl.Boolean,
    "first_quarter": pl.Date, "last_quarter": pl.Date, "extra": pl.Float64, "extra_lower": pl.Float64,
    "extra_upper": pl.Float64, "estimate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
    "status": pl.String, "explanation": pl.String,
}
