"""What the case-processing page asks: how long each stage takes, counting the cases still open.

Durations (analysis/sql/processing_stage_durations.sql): a stage runs from its start event to its
end event. A case that has entered a stage but not left it by the data's end is open; its
duration is censored there, and Kaplan–Meier estimates (lifelines) use it rather than drop it.

Disclosure (docs/disclosure.md):
- every stage count is protected over the whole hierarchy (municipalities -> regions -> the
  country), as pilot.area_hierarchy does for its count, with each municipality's identities
  (cases = closed + open) closed; the regions' and the country's counts are also protected as
  one table (the regions add up to the country, cases = closed + open, and stages that count the
  same persons share a cell), and the country's and a region's view show their row;
- a cell is also hidden where leaving out one filter (period, decision, sex, age band, area)
  changes it by 1..k-1 while the wider cell is not small itself (a small one is hidden in its own
  view), since the two views together would show that small difference;
- a municipality view is protected on its own: those rules, each chosen municipality alone, the
  hierarchy's verdict on its case count, and whatever its region's row hides (or the region's
  municipalities would add up to it); then secondary suppression inside the view;
- quarters and duration bins are protected with the period's total, and for the regions with the
  whole country, sub-table by sub-table (see _protect_cube); a municipality keeps its region's
  hidden cells hidden;
- a true zero is never hidden to protect another cell: it stays 0;
- statistics (medians, quantiles, shares) are hidden when the count they rest on is hidden or
  below k; a quantile also where fewer than k cases were still waiting; a share over a threshold
  also when the cases on either side of it are 1..k-1;
- curves stop where fewer than k cases are still waiting, and each step shown covers at least k
  ended cases, so no step is one person's duration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import polars as pl

import settings
from release.disclosure import suppression
from stats.funnel import FunnelLimits, binomial_funnel, binomial_position
from stats.intervals import Interval
from stats.survival import DurationSummary, Survival, kaplan_meier, kaplan_meier_summary, survival_at, survival_difference, survival_quantile
from analysis.database import LiveDatabase
from analysis.disclosure import in_view, relaxed_views
from analysis.protected import NATIONAL, ProtectedInterval, ProtectedTable, ProtectedValue

K = settings.K_ANONYMITY
GROUPS = ("decision", "sex", "age_band")  # the filters beside period and area


class Stage(NamedTuple):
    """A stage of case processing: the dates it runs between, and its Danish label."""

    start: str
    end: str
    label: str


STAGES: dict[str, Stage] = {
    "referral_to_team_meeting": Stage("referral_date", "team_meeting_date", "Visitation → rehabiliteringsteammøde"),
    "team_meeting_to_decision": Stage("team_meeting_date", "decision_date", "Rehabiliteringsteammøde → afgørelse"),
    "referral_to_decision": Stage("referral_date", "decision_date", "Visitation → afgørelse"),
    "decision_to_course_start": Stage("decision_date", "course_start_date", "Afgørelse → start af ressourceforløb"),
    "decision_to_coordinator": Stage("decision_date", "coordinator_assigned_date",
                                     "Afgørelse → koordinerende sagsbehandler"),
    "course_start_to_internship": Stage("course_start_date", "internship_start_date",
                                        "Forløbsstart → første virksomhedspraktik"),
}
COUNTS = ("cases", "closed", "open")
# The same persons counted in two stages: one cell, protected once and shown alike in both.
_SAME = {
    ("referral_to_decision", "cases"): ("referral_to_team_meeting", "cases"),  # every case in the view
    ("team_meeting_to_decision", "cases"): ("referral_to_team_meeting", "closed"),  # had the meeting
    ("decision_to_coordinator", "cases"): ("decision_to_course_start", "cases"),  # decided on a course
    ("course_start_to_internship", "cases"): ("decision_to_course_start", "closed"),  # course started
}
_CELLS = [(s, c) for s in STAGES for c in COUNTS if (s, c) not in _SAME]
_INDEX = {key: i for i, key in enumerate(_CELLS)}
# cases = closed + open for every stage, in cell indices.
_STAGE_EQUATIONS = [
    ((_INDEX[_SAME.get((s, "closed"), (s, "closed"))], _INDEX[(s, "open")]), _INDEX[_SAME.get((s, "cases"), (s, "cases"))])
    for s in STAGES
]
_VIEW = _INDEX[("referral_to_team_meeting", "cases")]  # the view's own case count


def _cell(stage: str, column: str) -> int:
    """Index of a stage's count among the protected cells."""
    return _INDEX[_SAME.get((stage, column), (stage, column))]


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {list(STAGES)}")


def _check_days(days: int, what: str = "threshold_days") -> None:
    if int(days) != days or days < 0:
        raise ValueError(f"{what} must be a whole number of days >= 0, got {days!r}")


@dataclass(frozen=True)
class CaseFilter:
    """A view of the cases: referral period, area, decision type, sex and age band."""

    start: date
    end: date
    region: str | None = None
    municipalities: tuple[int, ...] = ()
    decision: str | None = None
    sex: str | None = None
    age_band: str | None = None

    def __post_init__(self) -> None:
        # One spelling per selection, so equal views share a cache entry.
        object.__setattr__(self, "municipalities", tuple(sorted({int(c) for c in self.municipalities})))

    def relaxations(self, window: tuple[date, date]) -> list["CaseFilter"]:
        """The views that differ from this one by one filter left out."""
        return relaxed_views(self, window, GROUPS)

    def without_area(self) -> "CaseFilter":
        """The same view for the whole country (the key of the protected area tables)."""
        return replace(self, region=None, municipalities=())


# --- data ------------------------------------------------------------------------------------------


def window(db: LiveDatabase) -> tuple[date, date]:
    """The whole referral period of the loaded data (the period a view is relaxed to)."""
    info = db.refresh()
    return info.first_referral_date, info.data_end_date


def _cases(db: LiveDatabase) -> pl.DataFrame:
    return _load(db, db.refresh().version)


@lru_cache(maxsize=2)
def _load(db: LiveDatabase, version: int) -> pl.DataFrame:
    return db.run("processing_stage_durations")


def _select(frame: pl.DataFrame, f: CaseFilter) -> pl.DataFrame:
    """Cases referred in the view's period, area and groups."""
    return frame.filter(in_view(f, GROUPS, "referral_date"))


class _Durations(NamedTuple):
    days: np.ndarray
    done: np.ndarray
    followup: np.ndarray


def _stage(frame: pl.DataFrame, stage: str) -> _Durations:
    """Days, end event and follow-up of the cases that entered a stage."""
    rows = frame.filter(pl.col(f"{stage}_days").is_not_null())
    return _Durations(
        rows[f"{stage}_days"].to_numpy().astype(float),
        rows[f"{stage}_done"].to_numpy().astype(bool),
        rows[f"{stage}_followup"].to_numpy().astype(float),
    )


# The thresholds a user can choose. Shares at two thresholds, shown side by side or one after the
# other, give the cases between them: a share is hidden when that count is 1..k-1 for any other
# offered threshold (and the funnel counts everyone on the longest follow-up, so its denominators
# do not change with the threshold).
THRESHOLD_WEEKS = (4, 8, 13, 26, 52)
THRESHOLD_DAYS = tuple(7 * w for w in THRESHOLD_WEEKS)
FUNNEL_FOLLOWUP_DAYS = max(THRESHOLD_DAYS)


def _between_small(days: np.ndarray, threshold: int) -> bool:
    """Whether the cases whose time falls between this threshold and any other offered one number
    1..k-1 (two shares would then reveal them)."""
    for other in THRESHOLD_DAYS:
        low, high = sorted((threshold, other))
        if low != high and _small(int(((days > low) & (days <= high)).sum())):
            return True
    return False


def _share_hidden(d: "_Durations", threshold: int) -> bool:
    """Whether a share over the threshold must be hidden: too few on either side of it, or a
    small group between it and another offered threshold."""
    within, over = _parts(d, threshold)
    return _small(within) or _small(over) or _between_small(d.days, threshold)


def _parts(d: _Durations, threshold: int) -> tuple[int, int]:
    """Cases known to have ended within the threshold, and cases known to have waited longer."""
    within = int((d.done & (d.days <= threshold)).sum())
    over = int((d.days > threshold).sum())
    return within, over


def _small(n: int) -> bool:
    return 0 < n < K


def _sparse(s: Survival, t: float | None) -> bool:
    """Whether fewer than k cases were still waiting at day t: a quantile there is read off the
    part of the curve that rests on a few persons' own durations."""
    if t is None:
        return False
    i = int(np.searchsorted(s.times, t, side="left"))
    return i >= len(s.times) or bool(s.at_risk[i] < K)


# --- protection of grids of counts -------------------------------------------------------------------


def _protect_grid(
    values: np.ndarray,
    *,
    parents: Sequence[int | None] = (None,),
    rows_total: bool = False,
    col_equations: Sequence[tuple[tuple[int, ...], int]] = (),
    initial: np.ndarray | None = None,
) -> np.ndarray:
    """Primary and secondary suppression over areas x rows x columns of counts.

    Areas add up to their parent area; with rows_total the last row is the sum of the others;
    col_equations tie columns within a row (parts -> total). Returns the hidden mask. A true zero
    stays shown: it takes no part in the equations (the intruder knows it), so no zero is ever
    hidden to protect another cell.
    """
    n_areas, n_rows, n_cols = values.shape

    def cell(a: int, r: int, c: int) -> int:
        return (a * n_rows + r) * n_cols + c

    equations = []
    for a in range(n_areas):
        for r in range(n_rows):
            for parts, total in col_equations:
                equations.append((tuple(cell(a, r, p) for p in parts), cell(a, r, total)))
    children: dict[int, list[int]] = {}
    for a, parent in enumerate(parents):
        if parent is not None:
            children.setdefault(parent, []).append(a)
    for parent, kids in sorted(children.items()):
        for r in range(n_rows):
            for c in range(n_cols):
                equations.append((tuple(cell(k, r, c) for k in kids), cell(parent, r, c)))
    if rows_total and n_rows > 1:
        for a in range(n_areas):
            for c in range(n_cols):
                equations.append((tuple(cell(a, r, c) for r in range(n_rows - 1)), cell(a, n_rows - 1, c)))
    flat = values.ravel().astype(int)
    start = (np.zeros(values.shape, bool) if initial is None else initial).ravel()
    cells = np.flatnonzero(flat != 0)
    index = {int(c): i for i, c in enumerate(cells)}
    kept = []
    for parts, total in equations:
        if total in index:  # a zero total has only zero parts
            kept.append((tuple(index[p] for p in parts if p in index), index[total]))
    layout = suppression.Layout(len(cells), tuple(kept))
    hidden = suppression.suppress(flat[cells].tolist(), layout, k=K, hidden=start[cells].tolist())
    out = start.copy()
    out[cells] = hidden
    return out.reshape(values.shape)


def _protect_cube(values: np.ndarray, *, parents: Sequence[int | None], col_equations, initial: np.ndarray) -> np.ndarray:
    """Suppression over areas x rows (the last the total) x columns, one sub-table at a time.

    One linear-programming attack over the whole cube takes seconds to minutes when many cells are
    small, too slow for a page. So, in the spirit of τ-ARGUS's hypercube method, each row (a quarter,
    a bin) is protected across the areas with the full attack, and each area's column down the rows
    (rows add up to the total) gets the rule that settles a single sum: no hidden cell alone, and
    the hidden cells together at least k. A cell hidden to protect a column must not be recomputed
    from its row either, so it is protected there in turn, until nothing more is hidden.
    """
    # Cells that must not be recomputed: the small ones, the ones given (guards, totals another
    # table hides), and those the column rule hides. A row's own extra cells protect only its row.
    # Hiding more never narrows an interval, so each round only protects the cells it adds.
    fresh = initial | ((values > 0) & (values < K))
    hidden = fresh.copy()
    n_areas, _, n_cols = values.shape
    while fresh.any():
        for r in np.flatnonzero(fresh.any(axis=(0, 2))):
            hidden[:, r:r + 1, :] |= _protect_grid(values[:, r:r + 1, :], parents=parents,
                                                   col_equations=col_equations, initial=fresh[:, r:r + 1, :])
        before = hidden.copy()
        busy = hidden.any(axis=(0, 2))
        for a in range(n_areas):
            for c in range(n_cols):
                _protect_sum(values[a, :, c], hidden[a, :, c], busy)
        fresh = hidden & ~before
    return hidden


def _protect_sum(values: np.ndarray, mask: np.ndarray, busy: np.ndarray) -> None:
    """Hide parts of parts -> total (the last cell) until the hidden parts can be neither singled
    out nor narrowed below k: at least two of them, adding up to at least k (in place). Parts in
    rows that hide cells already (`busy`) go first, so the hiding spreads to as few rows as can be."""
    if mask[-1]:
        return  # the total is hidden too: the parts tie to nothing shown
    parts = values[:-1]
    while True:
        hidden = np.flatnonzero(mask[:-1] & (parts > 0))  # a hidden zero holds nothing back
        rest = int(parts[hidden].sum())
        if len(hidden) == 0 or (len(hidden) >= 2 and rest >= K):
            return
        shown = np.flatnonzero(~mask[:-1] & (parts > 0))
        if len(shown) == 0:
            return  # every non-zero part is hidden: they add up to the total, at least k
        # In a busy row first, then the smallest: least lost.
        mask[min(shown, key=lambda i: (not busy[i], parts[i], i))] = True


def _guard(count: Callable[[CaseFilter], np.ndarray], f: CaseFilter, views: Iterable[CaseFilter],
           alone: Iterable[CaseFilter] = ()) -> np.ndarray:
    """Cells to hide because a neighbouring view differs from this one by 1..k-1, or because a
    part of the view is 1..k-1 on its own."""
    base = count(f)
    mask = np.zeros(base.shape, bool)
    for other in views:
        wider = count(other)
        diff = wider - base
        # A wider cell of 1..k-1 is hidden in its own view, so the difference cannot be read off.
        mask |= (diff > 0) & (diff < K) & (wider >= K)
    for part in alone:
        n = count(part)
        mask |= (n > 0) & (n < K)
    return mask


def _singles(f: CaseFilter) -> list[CaseFilter]:
    """Each chosen municipality on its own, when several are chosen."""
    if len(f.municipalities) < 2:
        return []
    return [replace(f, municipalities=(code,)) for code in f.municipalities]


# --- the protected area table of stage counts ----------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Areas:
    """Stage counts for every municipality, region and the whole country, and what is hidden.

    Every count is protected over the hierarchy (as pilot.area_hierarchy does for one count); the
    regions and the country also as one table of all their counts. A municipality view adds its
    own rules on top (see _view_cells).
    """

    areas: pl.DataFrame  # level, code, name, region_code (one row per area, in grid order)
    values: np.ndarray  # areas x cells
    hidden: np.ndarray  # areas x cells


def _area_frame(db: LiveDatabase) -> tuple[pl.DataFrame, list[int | None]]:
    """Municipalities (by region), then regions, then the whole country, and each one's parent."""
    municipalities = db.run("municipalities").sort("region_code", "municipality_code")
    regions = db.run("regions").sort("region_code")
    frame = pl.concat([
        municipalities.select(pl.lit("municipality").alias("level"), pl.col("municipality_code").cast(pl.String).alias("code"),
                              "name", "region_code"),
        regions.select(pl.lit("region").alias("level"), pl.col("region_code").alias("code"),
                       pl.col("region_name").alias("name"), "region_code"),
        pl.DataFrame({"level": ["national"], "code": [NATIONAL], "name": ["Hele landet"], "region_code": [None]},
                     schema={"level": pl.String, "code": pl.String, "name": pl.String, "region_code": pl.String}),
    ])
    region_index = {code: municipalities.height + i for i, code in enumerate(regions["region_code"].to_list())}
    national = frame.height - 1
    parents = [region_index[r] for r in municipalities["region_code"].to_list()] + [national] * regions.height + [None]
    return frame, parents


def _roll_up(by_municipality: np.ndarray, areas: pl.DataFrame) -> np.ndarray:
    """Municipality rows, then region sums, then the national sum."""
    muni_regions = areas.filter(pl.col("level") == "municipality")["region_code"].to_numpy()
    region_codes = areas.filter(pl.col("level") == "region")["code"].to_list()
    regions = np.stack([by_municipality[muni_regions == code].sum(axis=0) for code in region_codes])
    return np.concatenate([by_municipality, regions, by_municipality.sum(axis=0, keepdims=True)])


def _municipality_matrix(frame: pl.DataFrame, areas: pl.DataFrame, columns: list[pl.Expr]) -> np.ndarray:
    """Aggregates per municipality in the area order (0 for municipalities without cases)."""
    order = areas.filter(pl.col("level") == "municipality").select(pl.col("code").cast(pl.Int64).alias("municipality_code"))
    names = [c.meta.output_name() for c in columns]
    counts = frame.group_by("municipality_code").agg(columns)
    joined = order.join(counts, on="municipality_code", how="left").with_columns(pl.col(names).fill_null(0))
    return joined.select(names).to_numpy().astype(np.int64)


def _stage_columns() -> list[pl.Expr]:
    columns = []
    for s in STAGES:
        entered = pl.col(f"{s}_days").is_not_null()
        columns += [entered.sum().alias(f"{s}.cases"), (entered & pl.col(f"{s}_done")).sum().alias(f"{s}.closed")]
    return columns


def _to_cells(raw: np.ndarray) -> np.ndarray:
    """Cases and closed per stage (columns of _stage_columns) as the protected cells."""
    names = [c.meta.output_name() for c in _stage_columns()]
    by_name = {name: raw[..., i] for i, name in enumerate(names)}
    cells = np.zeros((*raw.shape[:-1], len(_CELLS)), np.int64)
    for i, (s, c) in enumerate(_CELLS):
        cells[..., i] = by_name[f"{s}.cases"] - by_name[f"{s}.closed"] if c == "open" else by_name[f"{s}.{c}"]
    return cells


def _stage_cells(frame: pl.DataFrame, areas: pl.DataFrame) -> np.ndarray:
    """The protected cells (cases, closed, open of each stage) for every area."""
    return _roll_up(_to_cells(_municipality_matrix(frame, areas, _stage_columns())), areas)


def _view_vector(frame: pl.DataFrame, f: CaseFilter) -> np.ndarray:
    """The protected cells of one view, straight from the cases."""
    return _to_cells(_select(frame, f).select(_stage_columns()).to_numpy().astype(np.int64)[0])


def _areas(db: LiveDatabase, base: CaseFilter) -> _Areas:
    return _protected_areas(db, db.refresh().version, base.without_area())


@lru_cache(maxsize=32)
def _protected_areas(db: LiveDatabase, version: int, base: CaseFilter) -> _Areas:
    frame = _cases(db)
    areas, parents = _area_frame(db)

    def count(f: CaseFilter) -> np.ndarray:
        return _stage_cells(_select(frame, f), areas)

    values = count(base)
    initial = _guard(count, base, base.relaxations(window(db)))
    hidden = _protect_hierarchy(values, parents, initial, (areas["level"] == "municipality").to_numpy())
    # Every stage count of the regions and the country as one table, hiding at least what the
    # hierarchy hides there.
    top = np.flatnonzero((areas["level"] != "municipality").to_numpy())
    hidden[top] = _protect_grid(values[top][:, None, :], parents=[len(top) - 1] * (len(top) - 1) + [None],
                                col_equations=_STAGE_EQUATIONS, initial=(initial[top] | hidden[top])[:, None, :])[:, 0, :]
    return _Areas(areas, values, hidden)


def _protect_hierarchy(values: np.ndarray, parents: list[int | None], initial: np.ndarray,
                       municipal: np.ndarray) -> np.ndarray:
    """Each stage count over municipalities -> regions -> the country, and each municipality's
    identities (cases = closed + open), protected in turn until nothing more is hidden.

    A joint attack over all counts and areas at once takes seconds to minutes on a filtered view;
    this way each count's hierarchy is proven, and inside a municipality no hidden count is alone
    in an identity (so neither can be had from the other two).
    """
    # Hiding more never narrows an interval, so each round only protects the cells it adds: a
    # cell hidden to close an identity must not be had from its hierarchy either.
    fresh = initial | ((values > 0) & (values < K))
    hidden = fresh.copy()
    while fresh.any():
        for c in np.flatnonzero(fresh.any(axis=0)):
            hidden[:, c] |= _protect_grid(values[:, None, c:c + 1], parents=parents,
                                          initial=fresh[:, None, c:c + 1])[:, 0, 0]
        before = hidden.copy()
        for a in np.flatnonzero(municipal):
            _close_identities(values[a], hidden[a])
        fresh = hidden & ~before
    return hidden


def _close_identities(values: np.ndarray, mask: np.ndarray) -> None:
    """Hide cells of one area until no identity has exactly one hidden non-zero cell (in place)."""
    changed = True
    while changed:
        changed = False
        for parts, total in _STAGE_EQUATIONS:
            members = [m for m in (*parts, total) if values[m] != 0]
            hidden = [m for m in members if mask[m]]
            if len(hidden) == 1:
                shown = [m for m in members if not mask[m]]
                # A part before the total (readers look at totals), then the smallest.
                mask[min(shown, key=lambda m: (m == total, values[m], m))] = True
                changed = True


def _area_row(table: _Areas, level: str, code: str) -> int:
    mask = ((table.areas["level"] == level) & (table.areas["code"] == code)).to_numpy()
    found = np.flatnonzero(mask)
    if len(found) != 1:
        raise ValueError(f"no {level} with code {code!r}")
    return int(found[0])


def _view_cells(db: LiveDatabase, f: CaseFilter) -> tuple[np.ndarray, np.ndarray]:
    """The view's stage counts and their hidden mask.

    The country and a region read their row of the protected area table. A municipality view is
    protected on its own: small cells, cells that differ by 1..k-1 from a view with one filter
    left out (the region or country among them), cells where a chosen municipality alone is
    1..k-1, every count the hierarchy hides for any chosen municipality, and the cells its
    region's row hides; then secondary suppression over its identities (cases = closed + open).
    """
    table = _areas(db, f)
    if not f.municipalities:
        row = _area_row(table, "region", f.region) if f.region else _area_row(table, "national", NATIONAL)
        values, hidden = table.values[row].copy(), table.hidden[row].copy()
    else:
        frame = _cases(db)
        values = _view_vector(frame, f)
        hidden = _guard(lambda view: _view_vector(frame, view), f, f.relaxations(window(db)), _singles(f))
        rows = [_area_row(table, "municipality", str(c)) for c in f.municipalities]
        hidden |= table.hidden[rows].any(axis=0)
        # A cell the region table hides stays hidden in every municipality of that region, or the
        # municipalities' views would add up to it.
        regions = _regions_of(table, f.municipalities)
        others = np.arange(len(_CELLS)) != _VIEW
        hidden[others] |= table.hidden[regions][:, others].any(axis=0)
        hidden = _protect_grid(values[None, None, :], col_equations=_STAGE_EQUATIONS, initial=hidden[None, None, :])[0, 0]
    if hidden[_VIEW]:
        hidden[:] = True  # a hidden view shows nothing computed from it
    return values, hidden


def _regions_of(table: _Areas, municipalities: Iterable[int]) -> list[int]:
    """Rows of the regions the municipalities belong to."""
    codes = table.areas.filter((pl.col("level") == "municipality") & pl.col("code").is_in([str(c) for c in municipalities]))
    return sorted({_area_row(table, "region", r) for r in codes["region_code"].to_list()})


def view_hidden(db: LiveDatabase, f: CaseFilter) -> bool:
    """Whether the view's own case count is hidden (then everything computed from it is)."""
    return bool(_view_cells(db, f)[1][_VIEW])


# --- stage summaries -----------------------------------------------------------------------------


def _survival(db: LiveDatabase, f: CaseFilter, stage: str) -> tuple[DurationSummary, Survival]:
    return _fitted(db, db.refresh().version, f, stage)


@lru_cache(maxsize=128)
def _fitted(db: LiveDatabase, version: int, f: CaseFilter, stage: str):
    d = _stage(_select(_cases(db), f), stage)
    return kaplan_meier_summary(d.days, d.done), kaplan_meier(d.days, d.done)


def _hide(value, hidden: bool):
    return None if hidden else value


def stage_summaries(db: LiveDatabase, f: CaseFilter, threshold_days: int) -> ProtectedTable:
    """One row per stage: cases, closed and open; Kaplan–Meier median, quartiles and 90th
    percentile; the naive median of closed cases only; and the share still waiting after
    `threshold_days` (S(threshold)) with lifelines' 95 % interval.

    Populations (who is at risk): every case from referral; cases with a team meeting from the
    meeting; every case from referral to decision; cases decided on a ressourceforløb from the
    decision (course start and coordinating caseworker; a coordinator named before the decision
    counts as 0 days); started courses from the start to a first internship that begins while the
    course runs (a course that ends without one is censored at its end). With a decision filter,
    the stages up to the decision contain only cases that have had that decision.
    """
    _check_days(threshold_days)
    values, hidden = _view_cells(db, f)
    frame = _select(_cases(db), f)
    rows, masks = [], {c: [] for c in ("cases", "closed", "open", "median", "q1", "q3", "p90", "naive_median",
                                       "share_over", "share_over_lower", "share_over_upper")}
    for stage, spec in STAGES.items():
        counts = {c: int(values[_cell(stage, c)]) for c in COUNTS}
        shown = {c: not hidden[_cell(stage, c)] for c in COUNTS}
        summary, survival = _survival(db, f, stage)
        stats_hidden = not shown["cases"] or _small(counts["cases"])
        naive_hidden = stats_hidden or _small(counts["closed"])
        share_hidden = stats_hidden or _share_hidden(_stage(frame, stage), threshold_days)
        share = survival_at(survival, threshold_days)
        quantile_hidden = {q: stats_hidden or _sparse(survival, getattr(summary, q)) for q in ("median", "q1", "q3", "p90")}
        rows.append({
            "stage": stage, "label": spec.label,
            **{c: _hide(counts[c], not shown[c]) for c in COUNTS},
            **{q: _hide(getattr(summary, q), quantile_hidden[q]) for q in ("median", "q1", "q3", "p90")},
            "naive_median": _hide(summary.naive_median, naive_hidden),
            "share_over": _hide(share.estimate, share_hidden),
            "share_over_lower": _hide(share.lower, share_hidden),
            "share_over_upper": _hide(share.upper, share_hidden),
        })
        empty = counts["cases"] == 0  # nothing to compute from: missing, not hidden
        for c in COUNTS:
            masks[c].append(not shown[c])
        for c in ("median", "q1", "q3", "p90"):
            masks[c].append(quantile_hidden[c] and not empty)
        masks["naive_median"].append(naive_hidden and not empty)
        for c in ("share_over", "share_over_lower", "share_over_upper"):
            masks[c].append(share_hidden and not empty)
    frame_out = pl.DataFrame(rows, schema={
        "stage": pl.String, "label": pl.String, "cases": pl.Int64, "closed": pl.Int64, "open": pl.Int64,
        "median": pl.Float64, "q1": pl.Float64, "q3": pl.Float64, "p90": pl.Float64, "naive_median": pl.Float64,
        "share_over": pl.Float64, "share_over_lower": pl.Float64, "share_over_upper": pl.Float64,
    })
    return ProtectedTable(frame_out, {c: pl.Series(c, m) for c, m in masks.items()}, K)


# --- curves -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProtectedCurve:
    """A Kaplan–Meier curve safe to draw: (day, share still waiting) steps with the 95 % band,
    the naive closed-only curve beside it, and where the curve was cut."""

    stage: str
    steps: list[tuple[float, float]]  # from (0, 1.0); empty when the view is hidden
    lower: list[float]  # band at each step
    upper: list[float]
    naive_steps: list[tuple[float, float]]  # closed cases only, as if the open ones did not exist
    n: ProtectedValue
    open: ProtectedValue
    truncated_at: float | None  # the curve ends here: later, fewer than k cases were still waiting
    hidden: bool
    k: int = K


def _safe_steps(s: Survival) -> tuple[list[tuple[float, float]], list[float], list[float], float | None]:
    """Curve points where at least k are at risk, each drop covering at least k events."""
    keep = int(np.sum(s.at_risk >= K))  # at_risk never rises, so the kept times are a prefix
    if keep == 0:
        return [], [], [], None
    times, events = s.times[:keep], s.events[:keep]
    # Group event times forward so every step holds at least k events (as OpenSAFELY's
    # kaplan-meier-function does); the curve is exact at each step's end, flat in between.
    ends, running = [], 0
    for i, e in enumerate(events):
        running += int(e)
        if running >= K:
            ends.append(i)
            running = 0
    if running and ends:
        ends[-1] = int(np.flatnonzero(events)[-1])  # a short last group joins the one before
    steps, lower, upper = [(0.0, 1.0)], [1.0], [1.0]
    for i in ends:
        steps.append((float(times[i]), float(s.survival[i])))
        lower.append(float(s.lower[i]))
        upper.append(float(s.upper[i]))
    end = float(times[-1])
    if end > steps[-1][0]:
        steps.append((end, steps[-1][1]))  # flat to the last day at least k were still followed
        lower.append(lower[-1])
        upper.append(upper[-1])
    cut = end if keep < len(s.times) and s.events[keep:].sum() > 0 else None
    return steps, lower, upper, cut


def curve(db: LiveDatabase, f: CaseFilter, stage: str) -> ProtectedCurve:
    """The Kaplan–Meier curve of a stage with its 95 % band, and the closed-only curve."""
    _check_stage(stage)
    values, hidden = _view_cells(db, f)
    n, open_n = int(values[_cell(stage, "cases")]), int(values[_cell(stage, "open")])
    n_hidden, open_hidden = bool(hidden[_cell(stage, "cases")]), bool(hidden[_cell(stage, "open")])
    n_value = ProtectedValue(_hide(n, n_hidden), n_hidden, n)
    open_value = ProtectedValue(_hide(open_n, open_hidden), open_hidden, open_n)
    if n_hidden or n < K:
        return ProtectedCurve(stage, [], [], [], [], n_value, open_value, None, n_hidden or n > 0)
    _, survival = _survival(db, f, stage)
    steps, lower, upper, cut = _safe_steps(survival)
    d = _stage(_select(_cases(db), f), stage)
    closed = d.days[d.done]
    naive = _safe_steps(kaplan_meier(closed, np.ones(len(closed), bool)))[0] if len(closed) >= K else []
    return ProtectedCurve(stage, steps, lower, upper, naive, n_value, open_value, cut, False)


# --- trend by quarter of referral ------------------------------------------------------------------


def _quarter(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def quarters(start: date, end: date) -> list[date]:
    """First days of the quarters from the one holding `start` to the one holding `end`."""
    return pl.date_range(_quarter(start), _quarter(end), "1q", eager=True).to_list()


def _quarter_counts(frame: pl.DataFrame, stage: str, starts: list[date]) -> np.ndarray:
    """closed, open, cases per quarter, and the period's total as the last row."""
    entered = frame.filter(pl.col(f"{stage}_days").is_not_null())
    counts = entered.group_by("referral_quarter_start").agg(
        pl.col(f"{stage}_done").sum().alias("closed"), pl.len().alias("cases"))
    joined = pl.DataFrame({"referral_quarter_start": starts}, schema={"referral_quarter_start": pl.Date}).join(
        counts, on="referral_quarter_start", how="left").with_columns(pl.col("closed", "cases").fill_null(0))
    closed, cases = joined["closed"].to_numpy().astype(np.int64), joined["cases"].to_numpy().astype(np.int64)
    grid = np.stack([closed, cases - closed, cases], axis=1)
    return np.concatenate([grid, grid.sum(axis=0, keepdims=True)])


_CLOSED_OPEN_CASES = [((0, 1), 2)]


def _counter(kind: str, stage: str, params: tuple) -> Callable[[pl.DataFrame], np.ndarray]:
    """The breakdown a grid holds: ("quarters", first days) or ("bins", bin edges)."""
    if kind == "quarters":
        return lambda frame: _quarter_counts(frame, stage, list(params))
    return lambda frame: _bin_counts(frame, stage, np.asarray(params))


def _cells_of(kind: str) -> list[str]:
    return ["closed", "open", "cases"] if kind == "quarters" else ["closed"]


def _area_breakdown(db: LiveDatabase, f: CaseFilter, kind: str, stage: str, params: tuple) -> tuple[np.ndarray, np.ndarray]:
    """A breakdown (quarters or bins) of the view's stage counts with its total as the last row,
    protected: regions and the whole country as one table, or a municipality view on its own."""
    if f.municipalities:
        values, hidden = _municipality_breakdown(db, f, kind, stage, params)
    else:
        regions = _region_codes(db)
        values, hidden = _region_breakdown(db, db.refresh().version, f.without_area(), kind, stage, params)
        index = regions.index(f.region) if f.region else len(regions)
        values, hidden = values[index], hidden[index].copy()
    if view_hidden(db, f):
        hidden[:] = True
    return values, hidden


def _region_codes(db: LiveDatabase) -> list[str]:
    return db.run("regions").sort("region_code")["region_code"].to_list()


@lru_cache(maxsize=64)
def _region_breakdown(db: LiveDatabase, version: int, base: CaseFilter, kind: str, stage: str, params: tuple):
    frame = _cases(db)
    regions = _region_codes(db)
    count, cells = _counter(kind, stage, params), _cells_of(kind)

    def grid(f: CaseFilter) -> np.ndarray:
        chosen = _select(frame, f)
        per_region = [count(chosen.filter(pl.col("region_code") == r)) for r in regions]
        return np.stack([*per_region, sum(per_region)])

    values = grid(base)
    initial = _guard(grid, base, base.relaxations(window(db)))
    # The total row is a count of the area table: hide there at least what that table hides.
    table = _areas(db, base)
    for a, code in enumerate([*regions, NATIONAL]):
        row = _area_row(table, "region" if code != NATIONAL else "national", code)
        for c, name in enumerate(cells):
            initial[a, -1, c] |= bool(table.hidden[row, _cell(stage, name)])
    hidden = _protect_cube(values, parents=[len(regions)] * len(regions) + [None],
                           col_equations=_CLOSED_OPEN_CASES if len(cells) == 3 else [], initial=initial)
    return values, hidden


def _municipality_breakdown(db: LiveDatabase, f: CaseFilter, kind: str, stage: str, params: tuple):
    frame = _cases(db)
    count, cells = _counter(kind, stage, params), _cells_of(kind)

    def grid(view: CaseFilter) -> np.ndarray:
        return count(_select(frame, view))

    values = grid(f)
    initial = _guard(grid, f, f.relaxations(window(db)), _singles(f))
    _, cell_hidden = _view_cells(db, f)
    for c, name in enumerate(cells):
        initial[-1, c] |= bool(cell_hidden[_cell(stage, name)])
    # What the regions' table hides stays hidden in their municipalities (as in _view_cells).
    regions = _region_codes(db)
    _, region_hidden = _region_breakdown(db, db.refresh().version, f.without_area(), kind, stage, params)
    table = _areas(db, f)
    for row in _regions_of(table, f.municipalities):
        initial |= region_hidden[regions.index(table.areas["code"][row])]
    hidden = _protect_cube(values[None], parents=[None], col_equations=_CLOSED_OPEN_CASES if len(cells) == 3 else [],
                           initial=initial[None])[0]
    return values, hidden


def trend(db: LiveDatabase, f: CaseFilter, stage: str, threshold_days: int) -> ProtectedTable:
    """Per quarter of referral: cases, open, the Kaplan–Meier median, the share still waiting after
    `threshold_days` with its 95 % interval, and whether the quarter is provisional (fewer than
    half its cases followed for `threshold_days`, or more than half still open)."""
    _check_stage(stage)
    _check_days(threshold_days)
    starts = quarters(f.start, f.end)
    values, hidden = _area_breakdown(db, f, "quarters", stage, tuple(starts))
    chosen = _select(_cases(db), f).filter(pl.col(f"{stage}_days").is_not_null())
    by_quarter = {key[0]: part for key, part in chosen.partition_by("referral_quarter_start", as_dict=True).items()}
    rows, masks = [], {c: [] for c in ("cases", "open", "median", "share_over", "share_over_lower", "share_over_upper")}
    for i, q in enumerate(starts):
        d = _stage(by_quarter.get(q, chosen.clear()), stage)
        cases, open_n = int(values[i, 2]), int(values[i, 1])
        cases_hidden, open_hidden = bool(hidden[i, 2]), bool(hidden[i, 1])
        survival = kaplan_meier(d.days, d.done)
        stats_hidden = cases_hidden or _small(cases)
        share_hidden = stats_hidden or _share_hidden(d, threshold_days)
        median = survival_quantile(survival, 0.5).estimate if cases else None
        median_hidden = stats_hidden or _sparse(survival, median)
        share = survival_at(survival, threshold_days)
        followed = int((d.followup >= threshold_days).sum())
        rows.append({
            "quarter_start": q, "cases": _hide(cases, cases_hidden), "open": _hide(open_n, open_hidden),
            "median": _hide(median, median_hidden),
            "share_over": _hide(share.estimate, share_hidden), "share_over_lower": _hide(share.lower, share_hidden),
            "share_over_upper": _hide(share.upper, share_hidden),
            "provisional": cases > 0 and (2 * followed < cases or 2 * open_n > cases),
        })
        empty = cases == 0
        masks["cases"].append(cases_hidden)
        masks["open"].append(open_hidden)
        masks["median"].append(median_hidden and not empty)
        for c in ("share_over", "share_over_lower", "share_over_upper"):
            masks[c].append(share_hidden and not empty)
    frame = pl.DataFrame(rows, schema={
        "quarter_start": pl.Date, "cases": pl.Int64, "open": pl.Int64, "median": pl.Float64,
        "share_over": pl.Float64, "share_over_lower": pl.Float64, "share_over_upper": pl.Float64,
        "provisional": pl.Boolean,
    })
    return ProtectedTable(frame, {c: pl.Series(c, m) for c, m in masks.items()}, K)


# --- before and after a date ------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSummary:
    """A stage in the cases referred in one period: count, open, median and share over threshold."""

    start: date
    end: date
    cases: ProtectedValue
    open: ProtectedValue
    median: ProtectedInterval  # Kaplan–Meier median with the interval read off lifelines' band
    share_over: ProtectedInterval  # S(threshold) with lifelines' 95 % interval


@dataclass(frozen=True)
class BeforeAfter:
    """The cases referred in the months before a date against those referred in the months after."""

    stage: str
    threshold_days: int
    cut: date  # as asked; the periods meet at the first quarter start on or after it
    months: int
    before: PeriodSummary
    after: PeriodSummary
    difference: ProtectedInterval  # share over threshold, after minus before (Greenwood, normal approx.)

    @property
    def table(self) -> ProtectedTable:
        """The two periods as a table ("Før", "Efter"), hidden cells null and flagged."""
        rows, masks = [], {c: [] for c in ("cases", "open", "median", "median_lower", "median_upper",
                                           "share_over", "share_over_lower", "share_over_upper")}
        for label, p in (("Før", self.before), ("Efter", self.after)):
            rows.append({
                "period": label, "start": p.start, "end": p.end, "cases": p.cases.value, "open": p.open.value,
                "median": p.median.estimate.value, "median_lower": p.median.lower, "median_upper": p.median.upper,
                "share_over": p.share_over.estimate.value, "share_over_lower": p.share_over.lower,
                "share_over_upper": p.share_over.upper,
            })
            masks["cases"].append(p.cases.hidden)
            masks["open"].append(p.open.hidden)
            for column, interval in (("median", p.median), ("share_over", p.share_over)):
                for suffix in ("", "_lower", "_upper"):
                    masks[column + suffix].append(interval.estimate.hidden)
        frame = pl.DataFrame(rows, schema={
            "period": pl.String, "start": pl.Date, "end": pl.Date, "cases": pl.Int64, "open": pl.Int64,
            "median": pl.Float64, "median_lower": pl.Float64, "median_upper": pl.Float64,
            "share_over": pl.Float64, "share_over_lower": pl.Float64, "share_over_upper": pl.Float64,
        })
        return ProtectedTable(frame, {c: pl.Series(c, m) for c, m in masks.items()}, K)


def add_months(d: date, months: int) -> date:
    """The same day `months` later (or earlier), on the month's last day where it is shorter."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    first_next = date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return min(date(year, month + 1, 1) + timedelta(days=d.day - 1), first_next - timedelta(days=1))


def _period_summary(db: LiveDatabase, f: CaseFilter, stage: str, threshold: int):
    values, hidden = _view_cells(db, f)
    n, open_n = int(values[_cell(stage, "cases")]), int(values[_cell(stage, "open")])
    n_hidden, open_hidden = bool(hidden[_cell(stage, "cases")]), bool(hidden[_cell(stage, "open")])
    d = _stage(_select(_cases(db), f), stage)
    survival = kaplan_meier(d.days, d.done)
    stats_hidden = n_hidden or _small(n)
    share_hidden = stats_hidden or _share_hidden(d, threshold)
    median = survival_quantile(survival, 0.5)
    median_hidden = stats_hidden or any(_sparse(survival, t) for t in (median.estimate, median.lower, median.upper))
    share = survival_at(survival, threshold)
    summary = PeriodSummary(
        f.start, f.end,
        ProtectedValue(_hide(n, n_hidden), n_hidden, n),
        ProtectedValue(_hide(open_n, open_hidden), open_hidden, open_n),
        _interval(median, median_hidden, n),
        _interval(share, share_hidden, n),
    )
    return summary, survival, share_hidden


def _interval(interval: Interval, hidden: bool, base: int) -> ProtectedInterval:
    if base == 0:
        return ProtectedInterval(ProtectedValue(None, False, 0), None, None)
    if hidden:
        return ProtectedInterval(ProtectedValue(None, True, base), None, None)
    return ProtectedInterval(ProtectedValue(interval.estimate, False, base), interval.lower, interval.upper)


def before_after(db: LiveDatabase, f: CaseFilter, stage: str, threshold_days: int, cut: date,
                 months: int = 12) -> BeforeAfter:
    """Cases referred in the `months` before `cut` against those referred in the `months` from it
    (the view's own period is replaced by these two): count, median with its 95 % interval, share
    still waiting after `threshold_days` with its interval, and the difference in that share
    (after minus before) with a 95 % interval from Greenwood's variances.

    The two periods are whole quarters: a cut inside a quarter moves to the next quarter's first
    day (28 Mar 2017 -> 1 Apr 2017). Periods of a few days' difference would otherwise let two
    views be subtracted to a handful of cases, and whole quarters are views the page can show,
    protected alike.
    """
    _check_stage(stage)
    _check_days(threshold_days)
    if months < 3 or months % 3:
        raise ValueError(f"months must be a whole number of quarters (3, 6, 9, 12, ...), got {months}")
    boundary = cut if cut == _quarter(cut) else add_months(_quarter(cut), 3)
    early = replace(f, start=add_months(boundary, -months), end=boundary - timedelta(days=1))
    late = replace(f, start=boundary, end=add_months(boundary, months) - timedelta(days=1))
    before, s_before, hidden_before = _period_summary(db, early, stage, threshold_days)
    after, s_after, hidden_after = _period_summary(db, late, stage, threshold_days)
    diff = survival_difference(s_before, s_after, threshold_days)
    hidden = hidden_before or hidden_after
    difference = (ProtectedInterval(ProtectedValue(None, True, None), None, None) if hidden and diff.estimate is not None
                  else ProtectedInterval(ProtectedValue(diff.estimate, False, None), diff.lower, diff.upper))
    return BeforeAfter(stage, threshold_days, cut, months, before, after, difference)


# --- regions -------------------------------------------------------------------------------------


def by_region(db: LiveDatabase, f: CaseFilter, stage: str, threshold_days: int) -> ProtectedTable:
    """The five regions and the whole country (code "000", "Hele landet"): cases, closed, open,
    Kaplan–Meier median and the share still waiting after `threshold_days` with its interval.
    The area filter is ignored; period, decision, sex and age band apply."""
    _check_stage(stage)
    _check_days(threshold_days)
    base = f.without_area()
    table = _areas(db, base)
    regions = db.run("regions").sort("region_code")
    codes = [*regions["region_code"].to_list(), NATIONAL]
    names = [*regions["region_name"].to_list(), "Hele landet"]
    chosen = _select(_cases(db), base)
    rows, parts = [], []
    for code in codes:
        part = chosen if code == NATIONAL else chosen.filter(pl.col("region_code") == code)
        d = _stage(part, stage)
        parts.append((d, *_parts(d, threshold_days)))
    # The regions' cases on either side of the threshold add up to the country's: protect them
    # like counts, so no region's hidden share is the country's minus the others'.
    layout = suppression.hierarchy_layout({5: [0, 1, 2, 3, 4]}, 6)
    within_hidden = suppression.suppress([p[1] for p in parts], layout, k=K)
    over_hidden = suppression.suppress([p[2] for p in parts], layout, k=K)
    masks = {c: [] for c in ("cases", "closed", "open", "median", "share_over", "share_over_lower", "share_over_upper")}
    for i, (code, name) in enumerate(zip(codes, names)):
        row = _area_row(table, "national" if code == NATIONAL else "region", code)
        counts = {c: int(table.values[row, _cell(stage, c)]) for c in COUNTS}
        shown = {c: not table.hidden[row, _cell(stage, c)] for c in COUNTS}
        d = parts[i][0]
        survival = kaplan_meier(d.days, d.done)
        stats_hidden = not shown["cases"] or _small(counts["cases"])
        share_hidden = stats_hidden or within_hidden[i] or over_hidden[i] or _between_small(d.days, threshold_days)
        median = survival_quantile(survival, 0.5).estimate if counts["cases"] else None
        median_hidden = stats_hidden or _sparse(survival, median)
        share = survival_at(survival, threshold_days)
        rows.append({
            "region_code": code, "name": name, **{c: _hide(counts[c], not shown[c]) for c in COUNTS},
            "median": _hide(median, median_hidden), "share_over": _hide(share.estimate, share_hidden),
            "share_over_lower": _hide(share.lower, share_hidden), "share_over_upper": _hide(share.upper, share_hidden),
        })
        empty = counts["cases"] == 0
        for c in COUNTS:
            masks[c].append(not shown[c])
        masks["median"].append(median_hidden and not empty)
        for c in ("share_over", "share_over_lower", "share_over_upper"):
            masks[c].append(share_hidden and not empty)
    frame = pl.DataFrame(rows, schema={
        "region_code": pl.String, "name": pl.String, "cases": pl.Int64, "closed": pl.Int64, "open": pl.Int64,
        "median": pl.Float64, "share_over": pl.Float64, "share_over_lower": pl.Float64, "share_over_upper": pl.Float64,
    })
    return ProtectedTable(frame, {c: pl.Series(c, m) for c, m in masks.items()}, K)


# --- municipalities in a funnel -------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessingFunnel:
    """Municipalities' share of cases whose stage ended within `days`, against their cases, with
    exact binomial 95 % and 99.8 % limits around the national share."""

    stage: str
    days: int
    points: ProtectedTable  # shown municipalities: code, name, region_code, cases, within, share, position
    limits: FunnelLimits  # `exposure` holds the numbers of cases
    national_share: float | None  # None when the national count is hidden or empty
    left_out: int  # municipalities with cases whose counts the protected hierarchy hides


def _funnel_counts(frame: pl.DataFrame, areas: pl.DataFrame, stage: str, days: int, followup: int) -> np.ndarray:
    """within, over and cases (followed for `followup` days, at least `days`) per area."""
    followed = pl.col(f"{stage}_days").is_not_null() & (pl.col(f"{stage}_followup") >= max(days, followup))
    within = followed & pl.col(f"{stage}_done") & (pl.col(f"{stage}_days") <= days)
    raw = _municipality_matrix(frame, areas, [within.sum().alias("within"), followed.sum().alias("cases")])
    grid = np.stack([raw[:, 0], raw[:, 1] - raw[:, 0], raw[:, 1]], axis=1)
    return _roll_up(grid, areas)


@lru_cache(maxsize=32)
def _funnel_table(db: LiveDatabase, version: int, base: CaseFilter, stage: str, days: int, followup: int):
    frame = _cases(db)
    areas, parents = _area_frame(db)

    def count(f: CaseFilter) -> np.ndarray:
        return _funnel_counts(_select(frame, f), areas, stage, days, followup)

    values = count(base)
    initial = _guard(count, base, base.relaxations(window(db)))
    # Each count over the hierarchy on its own, as pilot.area_hierarchy: a municipality is left
    # out when any of its three counts is hidden, so a shown point never reveals a hidden part.
    hidden = np.stack([
        _protect_grid(values[:, None, c:c + 1], parents=parents, initial=initial[:, None, c:c + 1])[:, 0, 0]
        for c in range(values.shape[1])
    ], axis=1)
    return areas, values, hidden


def _between_hidden(db: LiveDatabase, base: CaseFilter, stage: str, days: int, followup: int,
                    areas: pl.DataFrame) -> np.ndarray:
    """Per area row: whether its followed cases between `days` and another offered threshold
    number 1..k-1 (two funnels would reveal them)."""
    followed = pl.col(f"{stage}_days").is_not_null() & (pl.col(f"{stage}_followup") >= max(days, followup))
    ended = pl.when(pl.col(f"{stage}_done")).then(pl.col(f"{stage}_days")).otherwise(None)
    columns = []
    for other in THRESHOLD_DAYS:
        low, high = sorted((days, other))
        if low != high:
            columns.append((followed & (ended > low) & (ended <= high)).sum().alias(f"b{other}"))
    if not columns:
        return np.zeros(areas.height, dtype=bool)
    counts = _roll_up(_municipality_matrix(_select(_cases(db), base), areas, columns), areas)
    return ((counts >= 1) & (counts < K)).any(axis=1)


def funnel(db: LiveDatabase, f: CaseFilter, stage: str, days: int,
           followup_days: int = FUNNEL_FOLLOWUP_DAYS) -> ProcessingFunnel:
    """Each municipality's share of cases whose stage ended within `days` days, against its number
    of cases, with exact binomial limits around the national share (area filter ignored).

    The denominator holds only cases that entered the stage at least `followup_days` (or `days`,
    if longer) before the data's end (full follow-up), so recent cases that have not had
    the chance to finish do not pull the share down, and the denominators are the same whichever
    threshold is chosen. A municipality whose cases between `days` and another offered threshold
    number 1..k-1 is left out too. Municipalities whose counts the protected hierarchy (municipalities -> regions -> the
    whole country) hides are left out and counted.
    """
    _check_stage(stage)
    _check_days(days, "days")
    areas, values, hidden = _funnel_table(db, db.refresh().version, f.without_area(), stage, int(days), int(followup_days))
    national = areas.height - 1
    within_n, cases_n = int(values[national, 0]), int(values[national, 2])
    share = within_n / cases_n if cases_n and not hidden[national].any() else None
    is_muni = (areas["level"] == "municipality").to_numpy()
    units = is_muni & (values[:, 2] > 0)
    shown = units & ~hidden.any(axis=1) & ~_between_hidden(db, f.without_area(), stage, int(days), int(followup_days), areas)
    idx = np.flatnonzero(shown)
    points = areas[idx].select("code", "name", "region_code").with_columns(
        pl.Series("cases", values[idx, 2].tolist(), dtype=pl.Int64),
        pl.Series("within", values[idx, 0].tolist(), dtype=pl.Int64),
    ).with_columns((pl.col("within") / pl.col("cases")).alias("share"))
    if share is None:
        points = points.clear()
        positions: list[str] = []
        limits = FunnelLimits([], [], [], [], [])
    else:
        positions = [binomial_position(int(w), int(n), share)
                     for w, n in zip(points["within"].to_list(), points["cases"].to_list())]
        limits = binomial_funnel(share, values[units, 2].tolist() or [1])
    points = points.with_columns(pl.Series("position", positions, dtype=pl.String)).sort("cases")
    left_out = int((units & ~shown).sum())
    return ProcessingFunnel(stage, int(days), ProtectedTable(points, {}, K), limits, share, left_out)


# --- distribution of closed durations -------------------------------------------------------------


@dataclass(frozen=True)
class ProtectedDistribution:
    """Closed durations of a stage in bins of `bin_days`, the last bin open-ended from `tail_from`,
    with the closed and open counts beside them."""

    stage: str
    bins: ProtectedTable  # bin_start, bin_end (None for the open-ended last bin), closed
    closed: ProtectedValue
    open: ProtectedValue
    bin_days: int
    tail_from: int  # the last bin holds every duration from here on


def _tail_from(db: LiveDatabase, base: CaseFilter, stage: str, bin_days: int) -> int:
    """Where the pooled last bin starts: the national 95th percentile of closed durations, rounded
    up to whole bins (so no bin edge is one person's value, and all areas share the edges)."""
    d = _stage(_select(_cases(db), base), stage)
    closed = d.days[d.done]
    if len(closed) < K:
        return bin_days
    p95 = float(np.quantile(closed, 0.95))
    return max(bin_days, int(np.ceil(p95 / bin_days)) * bin_days)


def _bin_counts(frame: pl.DataFrame, stage: str, edges: np.ndarray) -> np.ndarray:
    """Closed durations per bin (edges are the bins' first days; the last bin is open-ended),
    and their total as the last row."""
    rows = frame.filter(pl.col(f"{stage}_days").is_not_null() & pl.col(f"{stage}_done"))
    days = rows[f"{stage}_days"].to_numpy()
    counts = np.bincount(np.searchsorted(edges, days, side="right") - 1, minlength=len(edges)).astype(np.int64)
    return np.concatenate([counts, [counts.sum()]])[:, None]


def distribution(db: LiveDatabase, f: CaseFilter, stage: str, bin_days: int = 14) -> ProtectedDistribution:
    """Histogram of the view's closed durations of a stage; the last bin pools the tail from the
    national 95th percentile (rounded up to whole bins). No minimum or maximum is given."""
    _check_stage(stage)
    if int(bin_days) != bin_days or bin_days < 1:
        raise ValueError(f"bin_days must be a whole number >= 1, got {bin_days!r}")
    bin_days = int(bin_days)
    tail = _tail_from(db, f.without_area(), stage, bin_days)
    edges = np.arange(0, tail + 1, bin_days)
    values, hidden = _area_breakdown(db, f, "bins", stage, tuple(int(e) for e in edges))
    view_values, view_hidden_cells = _view_cells(db, f)
    closed_n, open_n = int(view_values[_cell(stage, "closed")]), int(view_values[_cell(stage, "open")])
    closed_hidden = bool(view_hidden_cells[_cell(stage, "closed")])
    open_hidden = bool(view_hidden_cells[_cell(stage, "open")])
    counts, mask = values[:-1, 0], hidden[:-1, 0]
    frame = pl.DataFrame({
        "bin_start": edges.tolist(),
        "bin_end": [*(edges[1:] - 1).tolist(), None],
        "closed": [None if h else int(v) for v, h in zip(counts, mask)],
    }, schema={"bin_start": pl.Int64, "bin_end": pl.Int64, "closed": pl.Int64})
    return ProtectedDistribution(
        stage, ProtectedTable(frame, {"closed": pl.Series("closed", mask.tolist())}, K),
        ProtectedValue(_hide(closed_n, closed_hidden), closed_hidden, closed_n),
        ProtectedValue(_hide(open_n, open_hidden), open_hidden, open_n),
        bin_days, tail,
    )


def pool_period(db: LiveDatabase) -> tuple[date, date] | None:
    """From the earliest grant period's start to the latest one's end of the pool Bedre
    ressourceforløb (public decisions, no persons); None without grants."""
    row = db.run("processing_pool_period").row(0)
    return None if row[0] is None else (row[0], row[1])


def clear_cache() -> None:
    """Forget the loaded cases and computed tables (for cold measurements and new versions)."""
    for cached in (_load, _protected_areas, _fitted, _region_breakdown, _funnel_table):
        cached.cache_clear()
