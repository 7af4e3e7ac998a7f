"""The briefing's key messages (Hovedbudskaber): short Danish sentences built from released
figures, worded by rules that say what the numbers allow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analysis import pilot, pool_figures as pool, release, stage_times
from analysis.database import LiveDatabase
from analysis.protected import ProtectedInterval
from ui import format as fmt

# "Sjældent": even the interval's upper end is under one request per hundred courses.
RARE_PER_1000 = 10.0
# "Få kommuner": under a quarter of the area's municipalities.
FEW_MUNICIPALITIES_SHARE = 0.25
THRESHOLD_WEEKS = 13  # the union's and the guidance letter's yardstick for a case that drags on
THRESHOLD_DAYS = 7 * THRESHOLD_WEEKS
STAGE = "referral_to_decision"
PACKAGE_EVENT = "initiative_package"


@dataclass(frozen=True)
class Quoted:
    """A released figure a message quotes, with its 95 % interval where it has one."""

    name: str
    value: float | None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class KeyMessage:
    """One key message: its sentence, the figures it quotes and the claim its wording makes."""

    key: str
    text: str
    quoted: tuple[Quoted, ...]
    claim: str  # increase, decrease, no_detectable_change, rare, level, hidden, missing


# --- the wording rules ------------------------------------------------------------------------


def direction(lower: float | None, upper: float | None) -> str:
    """'increase' or 'decrease' only when the whole 95 % interval lies on one side of zero."""
    if lower is None or upper is None:
        return "missing"
    if lower > 0:
        return "increase"
    if upper < 0:
        return "decrease"
    return "no_detectable_change"


def is_rare(upper_per_1000: float | None) -> bool:
    """Rare: the interval's upper end is under RARE_PER_1000 uses per 1.000 courses."""
    return upper_per_1000 is not None and upper_per_1000 < RARE_PER_1000


def is_few(count: float | None, of: int) -> bool:
    """Few: under a quarter of the `of` there are."""
    return count is not None and of > 0 and count < FEW_MUNICIPALITIES_SHARE * of


# --- the messages ---------------------------------------------------------------------------------


def key_messages(db: LiveDatabase, start: date, end: date, region: str | None) -> list[KeyMessage]:
    """Three to six key messages for a briefing of referrals from `start` to `end` in `region`."""
    messages = [
        pilot_uptake(db, region),
        processing_change(db, region),
        *pool_effects(db, start, end, region),
    ]
    return [m for m in messages if m is not None]


def pilot_uptake(db: LiveDatabase, region: str | None) -> KeyMessage:
    """How often citizens used the right to involve the health coordinator over the whole pilot."""
    view, _ = pilot.section_view(db, pilot.PilotView(pilot.window(db).id, region or "000"), "headline")
    head = pilot.headline(db, view)
    place = _place(db, view.area)
    rate = head.uptake_per_1000
    if head.requests.hidden or rate.estimate.hidden:
        return KeyMessage("pilot_uptake", f"Forsøget med sundhedskoordinatoren blev brugt i så få forløb {place}, "
                          "at antallet ikke kan vises (færre end 5).", (Quoted("requests", None),), "hidden")
    n_places = len(_municipalities(db, view.area))
    towns = head.municipalities.value
    where = (f"i {fmt.number(towns)} af {fmt.number(n_places)} kommuner"
             if not head.municipalities.hidden and towns is not None else "i et skjult antal kommuner")
    if is_few(towns, n_places) and not head.municipalities.hidden:
        where = f"i få kommuner ({fmt.number(towns)} af {fmt.number(n_places)})"
    rare = is_rare(rate.upper)
    lead = "Forsøget med sundhedskoordinatoren blev brugt sjældent" if rare else \
        "Forsøget med sundhedskoordinatoren blev brugt"
    text = (f"{lead} {place}: {fmt.number(head.requests.value)} anmodninger {where}, "
            f"{fmt.number(rate.estimate.value, 1)} pr. 1.000 forløb i gang "
            f"(95 %: {fmt.number(rate.lower, 1)}–{fmt.number(rate.upper, 1)}).")
    return KeyMessage("pilot_uptake", text,
                      (Quoted("requests", head.requests.value),
                       Quoted("municipalities", None if head.municipalities.hidden else towns),
                       Quoted("uptake_per_1000", rate.estimate.value, rate.lower, rate.upper)),
                      "rare" if rare else "level")


def processing_change(db: LiveDatabase, region: str | None) -> KeyMessage | None:
    """The share of cases still without a decision after 13 weeks, the year before the initiative
    package against the year after."""
    events = set(stage_times.windows(db)["event_id"].to_list())
    if PACKAGE_EVENT not in events:
        return None
    area = region or "000"
    change = stage_times.before_after(db, stage_times.StageView("all", area), PACKAGE_EVENT, STAGE, THRESHOLD_DAYS)
    if area != "000" and (change.difference.estimate.hidden or change.difference.estimate.value is None):
        area = "000"  # the region's windows are not released: say it for the whole country
        change = stage_times.before_after(db, stage_times.StageView("all", area), PACKAGE_EVENT, STAGE,
                                          THRESHOLD_DAYS)
    place = _place(db, area)
    diff: ProtectedInterval = change.difference
    subject = f"Andelen af sager uden afgørelse efter {THRESHOLD_WEEKS} uger {place}"
    if diff.estimate.hidden:
        return KeyMessage("processing_change", f"{subject} før og efter initiativpakken kan ikke vises "
                          "(diskretionering).", (Quoted("difference", None),), "hidden")
    if diff.estimate.value is None:
        return None
    frame = change.table.frame
    before, after = frame["share_over"][0], frame["share_over"][1]
    claim = direction(diff.lower, diff.upper)
    interval = f"95 %: {fmt.signed(diff.lower * 100)} til {fmt.signed(diff.upper * 100)} procentpoint"
    shares = f"{fmt.percent(before)} året før og {fmt.percent(after)} året efter initiativpakken"
    if claim == "decrease":
        text = f"{subject} faldt: {shares} ({fmt.points(diff.estimate.value)}; {interval})."
    elif claim == "increase":
        text = f"{subject} steg: {shares} ({fmt.points(diff.estimate.value)}; {interval})."
    else:
        text = (f"{subject} ændrede sig ikke påviseligt efter initiativpakken: {shares} "
                f"({fmt.points(diff.estimate.value)}; {interval}, som omfatter nul).")
    return KeyMessage("processing_change", text,
                      (Quoted("share_before", before), Quoted("share_after", after),
                       Quoted("difference", diff.estimate.value, diff.lower, diff.upper)), claim)


OUTCOMES = {
    "citizen_involved": ("andelen af sager forberedt med borgeren", "procentpoint"),
    "days_referral_to_decision": ("tiden fra visitation til afgørelse", "dage"),
    "internship_within": ("andelen i virksomhedspraktik", "procentpoint"),
}


def pool_effects(db: LiveDatabase, start: date, end: date, region: str | None) -> list[KeyMessage]:
    """The pool's estimated effect on each main outcome, worded by whether its interval spans zero."""
    view = pool.PoolFilter(start, end, region)
    messages = []
    for effect in pool.effects(db, view):
        if effect.outcome not in OUTCOMES:
            continue
        what, unit = OUTCOMES[effect.outcome]
        if effect.outcome == "internship_within":
            what = f"{what} inden for {effect.months} måneder"
        key = f"pool_{effect.outcome}"
        if effect.hidden:
            messages.append(KeyMessage(key, f"Puljens effekt på {what} kan ikke vises (diskretionering).",
                                       (Quoted("effect", None),), "hidden"))
            continue
        if effect.estimate is None or effect.lower is None or effect.upper is None:
            continue
        claim = direction(effect.lower, effect.upper)
        interval = f"95 %: {fmt.signed(effect.lower)} til {fmt.signed(effect.upper)} {unit}"
        size = f"{fmt.number(abs(effect.estimate), 1)} {unit}"
        if claim == "no_detectable_change":
            text = (f"Puljens betydning for {what} kan ikke skelnes fra nul: estimatet er "
                    f"{fmt.signed(effect.estimate)} {unit} ({interval}).")
        elif effect.outcome == "days_referral_to_decision":
            way = "kortere" if claim == "decrease" else "længere"
            text = (f"Med puljens midler blev {what} {size} {way} end i kommuner uden bevilling "
                    f"(estimeret effekt; {interval}).")
        else:
            way = "højere" if claim == "increase" else "lavere"
            text = (f"Med puljens midler blev {what} {size} {way} end i kommuner uden bevilling "
                    f"(estimeret effekt; {interval}).")
        messages.append(KeyMessage(key, text, (Quoted("effect", effect.estimate, effect.lower, effect.upper),),
                                   claim))
    return messages


def _place(db: LiveDatabase, area: str) -> str:
    if area == "000":
        return "i hele landet"
    return f"i {release.areas(db, 'region').get(area, area)}"


def _municipalities(db: LiveDatabase, area: str) -> list[str]:
    frame = db.run("release_areas")
    towns = frame.filter(frame["level"] == "municipality")
    if area != "000":
        towns = towns.filter(towns["parent"] == area)
    return towns["area"].to_list()
