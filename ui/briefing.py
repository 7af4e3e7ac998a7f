"""The briefing for the parties behind the agreement: the three themes' headline figures, four key
charts and short notes, assembled from one view (period and region) of one data version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import settings
from analysis import overview, pilot, pool_figures as pool, release, stage_times
from analysis.database import LiveDatabase
from analysis.protected import ProtectedValue, note, select_rows, value_of
from ui import charts, key_messages, labels, pool_charts, processing_charts
from ui import format as fmt
from ui.briefing_document import Briefing, Figure, Section, docx_bytes, pdf_bytes
from ui.briefings import BriefedFigure
from ui.key_messages import STAGE, THRESHOLD_WEEKS
from ui.views import View

TITLE = "Ressourceforløb: status til forligskredsen"

METHOD_NOTES = [
    "Sagsbehandlingstider er Kaplan–Meier-estimater: sager, der endnu ikke er nået videre, tæller med som "
    "åbne (censurerede) ved datas slutdato, så ventetiden ikke undervurderes.",
    "Forsøgets anvendelse er anmodninger pr. 1.000 ressourceforløb i gang i perioden, med eksakt "
    "Poisson-interval (Garwood).",
    "Puljens effekter er forskelle-i-forskelle: kommuner med bevilling efter bevillingens start mod de "
    "øvrige kommuner, med kommune- og kvartalseffekter og 95 %-intervaller, der tager højde for "
    "samvariation inden for kommunen. De forudsætter, at grupperne ville have fulgt hinanden uden puljen.",
    "Én sag = én person. Definitionen af hvert mål står ved tallet i dashboardet og i tabellerne her.",
]


@dataclass(frozen=True)
class Contents:
    """A briefing document and the headline figures it records."""

    document: Briefing
    figures: list[BriefedFigure]


def assemble(db: LiveDatabase, start: date, end: date, region: str | None, view: View,
             generated_at: datetime) -> Contents:
    """Everything the briefing says for referrals/requests from `start` to `end` in `region`."""
    info = db.refresh()
    recorded: list[BriefedFigure] = []
    source = f"Indlæste data, dataversion {info.version}"

    def figure(figure_id: str, theme: str, label: str, text: str, definition: str = "") -> Figure:
        recorded.append(BriefedFigure(figure_id, theme, label, text))
        # The interval goes beside the definition: the value column stays one short line.
        value, _, interval = text.partition(" (95 %: ")
        if interval:
            definition = f"95 %-konfidensinterval: {interval.rstrip(')')}. {definition}".strip()
        return Figure(label, value, definition, source)

    sections = [
        _overview(db, region, figure),
        _pilot(db, start, end, region, figure),
        _processing(db, start, end, region, figure),
        _pool(db, start, end, region, figure),
    ]
    document = Briefing(
        title=TITLE,
        generated_at=generated_at,
        version=info.version,
        loaded_at=info.loaded_at,
        data_end_date=info.data_end_date,
        synthetic=info.synthetic,
        filters=dict(view.filters),
        link=view.link(),
        sections=sections,
        method_notes=METHOD_NOTES,
        disclosure_note=note(settings.K_ANONYMITY),
        key_messages=[m.text for m in key_messages.key_messages(db, start, end, region)],
    )
    return Contents(document, recorded)


def headline_figures(db: LiveDatabase, start: date, end: date, region: str | None) -> list[BriefedFigure]:
    """The headline figures a briefing of this view would print now (to say what has moved)."""
    return assemble(db, start, end, region, View("briefing"), datetime.now().astimezone()).figures


def _overview(db: LiveDatabase, region: str | None, figure) -> Section:
    theme = "Overblik"
    key = overview.key_figures(db, region)
    figures = [
        figure("persons_in_course", theme, f"Personer i ressourceforløb {fmt.day(key.as_of)}",
               fmt.protected(key.persons_in_course), labels.DEFINITIONS["persons_in_course"]),
    ]
    chart = charts.persons_in_course_trend(overview.persons_by_quarter(db, region), overview.events(db),
                                           overview.pilot_window(db))
    return Section("Overblik", figures, [(chart, "Personer i ressourceforløb pr. kvartal.")])


def _scope(exact: bool, start: date, end: date, label: str, note: str) -> list[str]:
    """What a section says when it shows another released view than the briefing's range."""
    text = [] if exact else [f"Tallene udgives for faste perioder; briefingens periode ({fmt.day(start)} – "
                             f"{fmt.day(end)}) er vist som den nærmeste: {label}."]
    return text + ([note] if note else [])


def _pilot(db: LiveDatabase, start: date, end: date, region: str | None, figure) -> Section:
    theme = "Forsøget med sundhedskoordinatoren"
    info = db.refresh()
    first, last = max(start, info.pilot_start), min(end, info.pilot_end)
    if first > last:
        return Section(theme, text=[f"Den valgte periode ligger uden for forsøget ({fmt.day(info.pilot_start)} – "
                                    f"{fmt.day(info.pilot_end)})."])
    # The release holds fixed periods: the briefing's range opens the nearest one, and says so.
    period, exact = release.nearest_period(pilot.periods(db), first, last)
    view, note = pilot.section_view(db, pilot.PilotView(period, region or "000"), "headline")
    head = pilot.headline(db, view)
    D = labels.PILOT_DEFINITIONS
    figures = [
        figure("pilot_requests", theme, "Anmodninger", fmt.protected(head.requests), D["pilot_requests"]),
        figure("pilot_uptake", theme, "Pr. 1.000 forløb",
               _with_interval(head.uptake_per_1000.estimate, head.uptake_per_1000.lower, head.uptake_per_1000.upper,
                              lambda v: fmt.number(v, 2)), D["pilot_uptake"]),
        figure("pilot_municipalities", theme, "Kommuner med anmodninger", fmt.protected(head.municipalities),
               D["pilot_municipalities"]),
    ]
    quarterly, _ = pilot.section_view(db, view, "quarters")
    chart = charts.pilot_requests_by_quarter(pilot.by_quarter(db, quarterly), overview.events(db))
    label = {p.id: p.label for p in pilot.periods(db)}[view.period]
    text = [f"Forsøgets anmodninger, {label}."]
    text += _scope(exact, first, last, label, note)
    return Section(theme, figures, [(chart, "Anmodninger pr. kvartal og i alt.")], text)


def _processing(db: LiveDatabase, start: date, end: date, region: str | None, figure) -> Section:
    theme = "Sagsbehandlingstider"
    # The release holds fixed periods: the briefing's range opens the nearest one, and says so.
    period, exact = release.nearest_period(stage_times.periods(db), start, end)
    view, note = stage_times.section_view(db, stage_times.StageView(period, region or "000"), "stages")
    days = 7 * THRESHOLD_WEEKS
    row = stage_times.stage_table(db, view, days)
    chosen = select_rows(row, "stage", STAGE)

    def cell(column: str) -> ProtectedValue:
        return value_of(chosen, column)

    D = labels.PROCESSING_DEFINITIONS
    stage = stage_times.stages(db)[STAGE]
    lower = None if cell("share_over").hidden or not chosen.frame.height else chosen.frame["share_over_lower"][0]
    upper = None if cell("share_over").hidden or not chosen.frame.height else chosen.frame["share_over_upper"][0]
    figures = [
        figure("processing_cases", theme, "Sager visiteret i perioden", fmt.protected(cell("cases")), D["stages"]),
        figure("processing_median", theme, f"Median, {stage.lower()}",
               fmt.protected(cell("median"), _days), D["median"]),
        figure("processing_naive_median", theme, "Median, hvis de åbne sager blev udeladt",
               fmt.protected(cell("naive_median"), _days), D["naive_median"]),
        figure("processing_share_over", theme, f"Andel uden afgørelse efter {THRESHOLD_WEEKS} uger",
               _with_interval(cell("share_over"), lower, upper, fmt.percent), D["share_over"]),
        figure("processing_open", theme, "Åbne sager (endnu uden afgørelse)", fmt.protected(cell("open")), D["open"]),
    ]
    trend_view, _ = stage_times.section_view(db, view, "trend")
    trend = stage_times.trend(db, trend_view, STAGE, days)
    chart = processing_charts.trend(trend, overview.events(db), overview.pilot_window(db),
                                    overview.pool_period(db), "median", days)
    label = stage_times.label(db, view)
    text = [f"Sager visiteret: {label}."]
    text += _scope(exact, start, end, label, note)
    return Section(theme, figures, [(chart, f"Median, {stage.lower()}, efter visitationskvartal.")], text)


def _pool(db: LiveDatabase, start: date, end: date, region: str | None, figure) -> Section:
    theme = "Puljen Bedre ressourceforløb"
    view = pool.PoolFilter(start, end, region)
    totals = pool.totals(db, view)
    figures = [
        figure("pool_granted", theme, "Bevilget", fmt.protected(totals.granted_dkk, fmt.kroner),
               labels.DEFINITIONS["pool_granted"]),
        figure("pool_spent", theme, "Brugt (projekter, der har indberettet)", fmt.protected(totals.spent_dkk, fmt.kroner),
               labels.POOL_DEFINITIONS["pool_spent"]),
        figure("pool_municipalities", theme, "Kommuner med bevilling", fmt.protected(totals.municipalities),
               labels.DEFINITIONS["pool_municipalities"]),
    ]
    effects = {e.outcome: e for e in pool.effects(db, view)}
    names = {"citizen_involved": "Effekt: sager forberedt med borgeren",
             "days_referral_to_decision": "Effekt: dage fra visitation til afgørelse"}
    for outcome, label in names.items():
        effect = effects.get(outcome)
        if effect is not None:
            figures.append(figure(f"pool_effect_{outcome}", theme, label, effect_text(effect),
                                  f"{labels.POOL_DEFINITIONS['pool_effect']} {effect.sample}"))
    text = list(dict.fromkeys(c for e in effects.values() if e.outcome in names for c in e.caveats))
    chart = pool_charts.effects_chart(list(effects.values()))
    return Section(theme, figures, [(chart, "Forskelle-i-forskelle med 95 %-intervaller.")], text)


def render(document: Briefing) -> dict[str, bytes]:
    """The briefing as Word and PDF (charts drawn once, shared by both)."""
    return {"docx": docx_bytes(document), "pdf": pdf_bytes(document)}


def effect_text(effect: pool.Effect) -> str:
    """An effect estimate with its interval, as printed ('..' hidden, '–' when none can be made)."""
    if effect.hidden:
        return ".."
    if effect.estimate is None:
        return fmt.MISSING
    text = f"{fmt.signed(effect.estimate)} {effect.unit}"
    if effect.lower is not None and effect.upper is not None:
        text += f" (95 %: {fmt.signed(effect.lower)} til {fmt.signed(effect.upper)})"
    return text


def _days(v) -> str:
    return fmt.MISSING if v is None else f"{fmt.number(v)} dage"


def _value(table, column: str, i: int):
    return None if bool(table.is_hidden(column)[i]) else table.frame[column][i]


def _with_interval(value: ProtectedValue, lower, upper, render) -> str:
    """'4,3 (95 %: 3,1–5,6)'; '..' when hidden."""
    shown = fmt.protected(value, render)
    if value.hidden or value.value is None or lower is None or upper is None:
        return shown
    return f"{shown} (95 %: {render(lower)}–{render(upper)})"
