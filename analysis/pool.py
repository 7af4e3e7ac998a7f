"""What the pool page asks: what the grants from "Bedre ressourceforløb" went to, and whether
outcomes moved more in the grant municipalities than in the rest.

Groups: the treated group is the grant municipalities (with a focus-area filter: those with a
grant in that focus area); the comparison group is always the municipalities without any grant.
A region filter restricts both. A municipality counts as treated for cases referred on or after
its earliest grant's period_start (any focus area: its projects change practice from then on).

Disclosure (docs/disclosure.md):
- grants are public decisions about municipalities: amounts are shown as they are;
- counts of persons per referral quarter are protected once per quarter for every view the
  filters can show (each region and the whole country, the grant group with and without each
  focus area, the comparison group) together: the views are sums of disjoint "units" (a region's
  comparison municipalities, or a region's grant municipalities with the same focus areas), and
  cells are hidden until no count of 1..k-1 persons, in a unit or a view, can be narrowed below
  k by combining what the views show (`_suppress_views`);
- a share is hidden when its count or its base is hidden; statistics on fewer than k persons are
  hidden; effect estimates are hidden when a group-period cell has fewer than k persons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import polars as pl
import statsmodels.api as sm
from scipy import linalg as scipy_linalg
from scipy import stats as scipy_stats

import settings
from stats.intervals import Interval, proportion
from analysis.database import LiveDatabase
from analysis.protected import NATIONAL, ProtectedTable, ProtectedValue, public_table, public_value
from analysis.disclosure import protect_count

K = settings.K_ANONYMITY
FOCUS_AREAS = ("citizen_involvement", "company_internships", "processing_times")
PUBLISHED_IDS = ("pool_initiative_package", "pool_satspulje_2016", "pool_municipalities")
GRANT, OTHER = "grant", "other"
# Windows for "a company internship within N months of course start" that the page offers. They
# are protected together: two windows side by side would otherwise show the count between them.
INTERNSHIP_MONTHS = (6, 12)
DEFAULT_MONTHS = 6
# The effect estimates use referrals followed for at least two years, so that almost every case
# has had its team meeting and decision (censoring would otherwise bias the latest quarters).
FOLLOW_UP_DAYS = 730
EVENT_WINDOW = 8  # event study: quarters -8..+8 around the grant start, the ends binned
REFERENCE_QUARTER = -1
OUTCOMES = ("citizen_involved", "days_referral_to_decision", "internship_within")
# Below this many treated clusters, clustered intervals are known to be too narrow
# (MacKinnon & Webb 2017; Cameron & Miller 2015).
FEW_TREATED = 20
# With one or two treated municipalities a clustered interval is meaningless (it rests on one or
# two clusters' scores), so none is given.
MIN_TREATED_FOR_INTERVAL = 3
FEW_QUARTERS = 4


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


def clear_cache() -> None:
    """Forget everything computed (for cold measurements and after a new version)."""
    for cached in (_reference, _case_frame, _protected_cells, _view_outcomes, _design, _effects):
        cached.cache_clear()


# --- reference: municipalities, their grants and their groups ----------------------------------


@dataclass(frozen=True)
class _Reference:
    """Municipalities with their grant status, the grants, and the regions (one data version)."""

    municipalities: pl.DataFrame  # municipality_code, name, region_code, grant_start, focus (list)
    grants: pl.DataFrame  # pool_grants.sql
    regions: tuple[str, ...]
    data_end: date


@lru_cache(maxsize=4)
def _reference(db: LiveDatabase, version: int) -> _Reference:
    grants = db.run("pool_grants")
    status = grants.group_by("municipality_code").agg(
        pl.col("period_start").min().alias("grant_start"),
        pl.col("focus_area").unique().sort().alias("focus"),
    )
    municipalities = db.run("municipalities").join(status, on="municipality_code", how="left")
    regions = tuple(db.run("regions")["region_code"].to_list())
    return _Reference(municipalities, grants, regions, db.refresh().data_end_date)


def _ref(db: LiveDatabase) -> _Reference:
    return _reference(db, db.refresh().version)


def _treated(ref: _Reference, f: PoolFilter) -> dict[int, date]:
    """The treated group's municipalities and the day their (earliest) grant started."""
    m = ref.municipalities.filter(pl.col("grant_start").is_not_null())
    if f.region:
        m = m.filter(pl.col("region_code") == f.region)
    if f.focus_area:
        m = m.filter(pl.col("focus").list.contains(f.focus_area))
    return dict(zip(m["municipality_code"].to_list(), m["grant_start"].to_list()))


def _control(ref: _Reference, f: PoolFilter) -> list[int]:
    """The comparison group: municipalities without any grant (in the region, if one is chosen)."""
    m = ref.municipalities.filter(pl.col("grant_start").is_null())
    if f.region:
        m = m.filter(pl.col("region_code") == f.region)
    return m["municipality_code"].to_list()


def _selected_grants(ref: _Reference, f: PoolFilter) -> pl.DataFrame:
    """The grants in the region and focus area that ran at some point in the period."""
    g = ref.grants
    if f.region:
        g = g.filter(pl.col("region_code") == f.region)
    if f.focus_area:
        g = g.filter(pl.col("focus_area") == f.focus_area)
    return g.filter((pl.col("period_start") <= f.end) & (pl.col("period_end") >= f.start))


# --- grants, totals, published figures -------------------------------------------------------


def grants(db: LiveDatabase, f: PoolFilter) -> ProtectedTable:
    """One row per grant running in the period: municipality, region, focus area, title, granted,
    spent (null when not reported), spent share and period. Public decisions, shown as they are."""
    return public_table(_selected_grants(_ref(db), f))


@dataclass(frozen=True)
class PoolTotals:
    """The grants in the view added up; all public (decisions about municipalities)."""

    granted_dkk: ProtectedValue  # all grants
    spent_dkk: ProtectedValue  # reported spending only
    granted_reported_dkk: ProtectedValue  # granted to the projects that reported spending
    spent_share_reported: ProtectedValue  # spent / granted over the reporting projects
    municipalities: ProtectedValue
    grants: ProtectedValue
    not_reported: ProtectedValue  # grants without reported spending


def totals(db: LiveDatabase, f: PoolFilter) -> PoolTotals:
    """Granted and spent in the view, and how many grants did not report spending."""
    g = _selected_grants(_ref(db), f)
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
    """The three published figures about the pool (40,4 mio. kr., 27 mio. kr., 17 kommuner)."""
    return public_table(db.run("pool_published_figures", {"figure_ids": list(PUBLISHED_IDS)}))


# --- the cases and the protected views ---------------------------------------------------------


def _quarter(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _quarter_end(first_day: date) -> date:
    month = first_day.month + 3
    return date(first_day.year + (month > 12), (month - 1) % 12 + 1, 1) - timedelta(days=1)


def _quarter_index(column: str) -> pl.Expr:
    return pl.col(column).dt.year() * 4 + (pl.col(column).dt.month() - 1) // 3


@lru_cache(maxsize=4)
def _case_frame(db: LiveDatabase, version: int) -> pl.DataFrame:
    """Every case with the classes the protected cells count (one row per case, no ids)."""
    ref = _reference(db, version)
    end = ref.data_end
    cases = db.run("pool_cases")
    start = pl.col("course_start_date")
    # For each course: the longest internship window it has been followed for, and the shortest
    # window its internship started within (0 = none of them / not followed for any).
    followed = pl.lit(0)
    within = pl.lit(0)
    for m in sorted(INTERNSHIP_MONTHS, reverse=True):
        limit = start.dt.offset_by(f"{m}mo")
        followed = pl.when(followed == 0).then(pl.when(limit <= end).then(m).otherwise(0)).otherwise(followed)
        within = pl.when(pl.col("internship_start_date") <= limit).then(m).otherwise(within)
    return cases.with_columns(
        followed_months=pl.when(start.is_not_null()).then(followed).otherwise(0).cast(pl.Int32),
        internship_within_months=within.fill_null(0).cast(pl.Int32),
    ).with_columns(
        involvement_class=pl.when(pl.col("citizen_involved").is_null()).then(pl.lit("pending"))
        .when(pl.col("citizen_involved")).then(pl.lit("inv")).otherwise(pl.lit("notinv")),
        # Only windows the course has been followed for count: a later window is "later".
        internship_class=pl.when(pl.col("followed_months") == 0).then(None).otherwise(pl.format(
            "{}:{}", pl.col("followed_months"),
            pl.when((pl.col("internship_within_months") > 0)
                    & (pl.col("internship_within_months") <= pl.col("followed_months")))
            .then(pl.col("internship_within_months").cast(pl.String)).otherwise(pl.lit("later")))),
        completion_class=pl.when(pl.col("internship_start_date").is_null()).then(None)
        .when(pl.col("internship_completed")).then(pl.lit("completed")).otherwise(pl.lit("not_completed")),
    )


@dataclass(frozen=True)
class _Measure:
    """Counts that are protected together: atom classes, and the shown columns as sets of them."""

    name: str
    class_column: str
    classes: tuple[str, ...]
    columns: dict[str, frozenset[str]]


def _internship_measure() -> _Measure:
    months = sorted(INTERNSHIP_MONTHS)
    classes, columns = [], {}
    for f in months:
        classes += [f"{f}:{b}" for b in months if b <= f] + [f"{f}:later"]
    for m in months:
        followed = [c for c in classes if int(c.split(":")[0]) >= m]
        inside = {c for c in followed if c.split(":")[1] != "later" and int(c.split(":")[1]) <= m}
        columns[f"courses_{m}"] = frozenset(followed)
        columns[f"internship_within_{m}"] = frozenset(inside)
        columns[f"internship_not_within_{m}"] = frozenset(followed) - inside
    return _Measure("internship", "internship_class", tuple(classes), columns)


MEASURES = (
    _Measure("involvement", "involvement_class", ("inv", "notinv", "pending"), {
        "cases": frozenset({"inv", "notinv", "pending"}),
        "involved_base": frozenset({"inv", "notinv"}),
        "involved": frozenset({"inv"}),
        "not_involved": frozenset({"notinv"}),
        "pending": frozenset({"pending"}),
    }),
    _internship_measure(),
    _Measure("completion", "completion_class", ("completed", "not_completed"), {
        "internships": frozenset({"completed", "not_completed"}),
        "internships_completed": frozenset({"completed"}),
        "internships_not_completed": frozenset({"not_completed"}),
    }),
)


# (national?, focus area?) -> cost of hiding a cell of such a view.
_VIEW_WEIGHT = {(True, False): 100, (True, True): 30, (False, False): 10, (False, True): 3}


def _views(ref: _Reference) -> tuple[pl.DataFrame, list[tuple[str, str, str]], np.ndarray]:
    """Units (municipality -> unit), every view the filters can show, and which units each holds.

    A unit is a region's comparison municipalities, or a region's grant municipalities with the
    same set of focus areas: every view is a sum of whole units.
    """
    m = ref.municipalities.with_columns(
        status=pl.when(pl.col("grant_start").is_null()).then(pl.lit(OTHER))
        .otherwise(pl.col("focus").list.join("+"))
    )
    units = m.select("region_code", "status").unique().sort("region_code", "status").with_row_index("unit")
    municipality_unit = m.join(units, on=["region_code", "status"]).select("municipality_code", "unit")
    views = []
    for area in [*ref.regions, NATIONAL]:
        views.append((area, OTHER, ""))
        views += [(area, GRANT, focus) for focus in ("", *FOCUS_AREAS)]
    membership = np.zeros((len(views), units.height), dtype=bool)
    for u, (region, status) in enumerate(units.select("region_code", "status").iter_rows()):
        for v, (area, group, focus) in enumerate(views):
            in_area = area == NATIONAL or area == region
            if group == OTHER:
                membership[v, u] = in_area and status == OTHER
            else:
                membership[v, u] = in_area and status != OTHER and (not focus or focus in status.split("+"))
    return municipality_unit, views, membership


@lru_cache(maxsize=4)
def _protected_cells(db: LiveDatabase, version: int) -> pl.DataFrame:
    """Every count column for every referral quarter and view, with its hidden flag.

    One row per quarter x view (area, group, focus; focus "" = all); for each column c, c and
    c_hidden. The values are true counts: callers null the hidden ones.
    """
    ref = _reference(db, version)
    cases = _case_frame(db, version)
    municipality_unit, views, membership = _views(ref)
    cases = cases.join(municipality_unit, on="municipality_code")
    quarters = sorted(cases["quarter_start"].unique().to_list())
    n_units = membership.shape[1]
    # How much each view is looked at: the whole country's groups most, a region's focus areas least.
    weight = np.array([_VIEW_WEIGHT[(area == NATIONAL, bool(focus))] for area, _, focus in views])
    frames = []
    for measure in MEASURES:
        class_index = {c: i for i, c in enumerate(measure.classes)}
        column_names = list(measure.columns)
        # A total (view x column) holds an atom (unit x class) when the view holds the unit and
        # the column the class.
        column_classes = np.array([[c in measure.columns[col] for c in measure.classes] for col in column_names])
        members = np.kron(membership, column_classes).astype(bool)  # rows: view-major, columns: unit-major
        total_weight = np.repeat(weight, len(column_names))
        counts = (
            cases.filter(pl.col(measure.class_column).is_not_null())
            .group_by("quarter_start", "unit", measure.class_column).len("n")
        )
        by_quarter = {q: frame for (q,), frame in counts.partition_by("quarter_start", as_dict=True).items()}
        rows = []
        for q in quarters:
            atoms = np.zeros(n_units * len(measure.classes), dtype=np.int64)
            part = by_quarter.get(q)
            if part is not None:
                idx = part["unit"].to_numpy() * len(measure.classes) + np.array(
                    [class_index[c] for c in part[measure.class_column].to_list()], dtype=np.int64)
                atoms[idx] = part["n"].to_numpy()
            values = members.astype(np.int64) @ atoms
            hidden = _suppress_views(atoms, members, total_weight, K)
            values = values.reshape(len(views), len(column_names))
            hidden = hidden.reshape(len(views), len(column_names))
            for v, (area, group, focus) in enumerate(views):
                row = {"quarter_start": q, "area": area, "group": group, "focus": focus}
                for j, col in enumerate(column_names):
                    row[col] = int(values[v, j])
                    row[f"{col}_hidden"] = bool(hidden[v, j])
                rows.append(row)
        frames.append(pl.DataFrame(rows))
    keys = ["quarter_start", "area", "group", "focus"]
    out = frames[0]
    for frame in frames[1:]:
        out = out.join(frame, on=keys)
    return out.sort(keys)


def _suppress_views(atoms: np.ndarray, members: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Hidden mask over totals (views' counts), each a sum of atoms (units' counts, never shown).

    Protected: every atom and every total of 1..k-1 persons. Protection is proven without linear
    programs, by a certificate: atoms that lie in exactly the same shown totals can trade persons
    without changing anything shown, so a reader cannot tell them apart. An atom in such a group
    of at least k persons, or in no shown total at all, can be anything from 0 to k or more; a
    total is protected when the groups it splits hold at least k persons. The certificate can
    only understate what a reader cannot know, so it is sufficient (not always necessary).
    While a small count lacks it, more totals are hidden: those that tell it from a partner atom,
    choosing the partner whose hidden totals weigh least (`weight`: how much a view is looked
    at), then hold the fewest persons. Cheap fixes are made first: they often protect others too.
    """
    keep = atoms > 0  # a zero atom has no persons to trade, so it never helps a certificate
    x = atoms[keep]
    if x.size == 0:
        return np.zeros(members.shape[0], dtype=bool)
    # Totals holding the same non-zero atoms are the same number: hide them together.
    rows, inverse = _distinct_rows(members[:, keep])
    values = rows.astype(np.int64) @ x
    weights = np.zeros(len(rows), dtype=np.int64)
    np.maximum.at(weights, inverse, weight)
    hidden = (values > 0) & (values < k)
    items = [("atom", int(i)) for i in np.flatnonzero(x < k)] + [("total", int(t)) for t in np.flatnonzero(hidden)]
    groups, unbounded, sums = _trading_groups(rows, hidden, x)
    costs = {}
    for item in items:
        width = _certified_width(*item, rows, groups, unbounded, sums)
        if width < k:
            costs[item] = _cheapest_fix(*item, rows, hidden, groups, unbounded, sums, width, values, weights, k)[0]
    for item in sorted(costs, key=lambda i: (costs[i], i)):
        while (width := _certified_width(*item, rows, groups, unbounded, sums)) < k:
            hidden |= _cheapest_fix(*item, rows, hidden, groups, unbounded, sums, width, values, weights, k)[1]
            groups, unbounded, sums = _trading_groups(rows, hidden, x)
    return hidden[inverse]


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix, and each row's index among them."""
    index: dict[bytes, int] = {}
    inverse = np.array([index.setdefault(key.tobytes(), len(index)) for key in np.packbits(matrix, axis=1)],
                       dtype=np.int64)
    first = np.zeros(len(index), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    return matrix[first], inverse


def _trading_groups(rows: np.ndarray, hidden: np.ndarray, x: np.ndarray):
    """Atoms grouped by the shown totals they lie in; atoms in none; persons per group."""
    shown = rows[~hidden]
    keys = np.packbits(shown.T, axis=1)
    index: dict[bytes, int] = {}
    groups = np.array([index.setdefault(key.tobytes(), len(index)) for key in keys], dtype=np.int64)
    unbounded = ~shown.any(axis=0)
    return groups, unbounded, np.bincount(groups, weights=x)


def _certified_width(kind: str, index: int, rows, groups, unbounded, sums) -> float:
    """How far a reader's interval for the atom or total is at least wide (inf: unbounded)."""
    if kind == "atom":
        return math.inf if unbounded[index] else float(sums[groups[index]])
    inside = rows[index]
    if (unbounded & inside).any():
        return math.inf
    n = len(sums)
    split = (np.bincount(groups[inside], minlength=n) > 0) & (np.bincount(groups[~inside], minlength=n) > 0)
    return float(sums[split].sum())


def _cheapest_fix(kind, index, rows, hidden, groups, unbounded, sums, width, values, weights, k):
    """(cost, totals to hide): the cheapest hiding that gives the item a wide enough certificate."""
    shown = ~hidden
    candidates_a = [index] if kind == "atom" else list(np.flatnonzero(rows[index]))
    outside = np.ones(rows.shape[1], dtype=bool) if kind == "atom" else ~rows[index]
    n = len(sums)
    if kind == "total":
        split = (np.bincount(groups[rows[index]], minlength=n) > 0) & (np.bincount(groups[~rows[index]], minlength=n) > 0)
    best = None
    for a in candidates_a:
        # Hiding every shown total that tells a from b puts them in one group.
        differs = (rows != rows[:, [a]]) & shown[:, None]  # totals x partner atoms
        # The certificate after merging a's group with each partner's (per partner atom).
        gain = sums[groups[a]] + sums[groups]
        if kind == "total":
            gain = gain + width - np.where(split[groups[a]], sums[groups[a]], 0) - np.where(split[groups], sums[groups], 0)
        enough = outside & (groups != groups[a]) & (gain >= k)
        if enough.any():
            cost_weight, cost_persons = weights @ differs, values @ differs
            order = np.lexsort((np.arange(len(gain)), cost_persons, cost_weight))
            b = order[np.argmax(enough[order])]
            option = ((int(cost_weight[b]), int(cost_persons[b])), differs[:, b])
            if best is None or option[0] < best[0]:
                best = option
        # Or set a free: hide every shown total that holds it.
        free = rows[:, a] & shown
        option = ((int(weights[free].sum()), int(values[free].sum())), free)
        if best is None or option[0] < best[0]:
            best = option
    return best


# --- outcomes per quarter ------------------------------------------------------------------------

_COUNTS = ("cases", "involved_base", "involved", "courses", "internship_within", "internships",
           "internships_completed")
# share column -> (count, base)
_SHARES = {
    "involved_share": ("involved", "involved_base"),
    "internship_share": ("internship_within", "courses"),
    "completed_share": ("internships_completed", "internships"),
}


def quarters(f: PoolFilter) -> list[date]:
    """First days of the referral quarters the view covers (whole quarters)."""
    return pl.date_range(_quarter(f.start), _quarter(f.end), "1q", eager=True).to_list()


def outcomes_by_quarter(db: LiveDatabase, f: PoolFilter, months: int = DEFAULT_MONTHS) -> ProtectedTable:
    """Per referral quarter, grant municipalities against the rest: cases; the share prepared with
    the citizen; the share of started courses with a company internship within `months` months
    (courses followed that long); the share of internships completed; the Kaplan–Meier median
    days from referral to decision (open cases censored at the data's end). Each share has its
    base and a 95 % exact interval."""
    if months not in INTERNSHIP_MONTHS:
        raise ValueError(f"months must be one of {INTERNSHIP_MONTHS}, got {months}")
    return _view_outcomes(db, db.refresh().version, f, months)


@lru_cache(maxsize=64)
def _view_outcomes(db: LiveDatabase, version: int, f: PoolFilter, months: int) -> ProtectedTable:
    ref = _reference(db, version)
    chosen = quarters(f)
    cells = _protected_cells(db, version).filter(
        (pl.col("area") == f.area) & pl.col("quarter_start").is_in(chosen)
        & (((pl.col("group") == OTHER) & (pl.col("focus") == ""))
           | ((pl.col("group") == GRANT) & (pl.col("focus") == (f.focus_area or ""))))
    ).rename({
        f"courses_{months}": "courses", f"internship_within_{months}": "internship_within",
        f"courses_{months}_hidden": "courses_hidden", f"internship_within_{months}_hidden": "internship_within_hidden",
    })
    groups = {GRANT: list(_treated(ref, f)), OTHER: _control(ref, f)}
    medians = _medians(_case_frame(db, version), groups, chosen)
    frame = (
        cells.select("quarter_start", "group", *_COUNTS, *(f"{c}_hidden" for c in _COUNTS))
        .join(medians, on=["quarter_start", "group"], how="left")
        .with_columns(pl.col("group").replace_strict({GRANT: len(groups[GRANT]), OTHER: len(groups[OTHER])},
                                                     return_dtype=pl.Int64).alias("municipalities"))
        .sort("quarter_start", pl.col("group") != GRANT)
    )
    hidden = {c: frame[f"{c}_hidden"].alias(c) for c in _COUNTS}
    for share, (count, base) in _SHARES.items():
        # A share shown beside its base reveals its count and the rest: hide it with either.
        mask = (hidden[count] | hidden[base]).alias(share)
        intervals = [
            proportion(x, n) if n else Interval(None, None, None)
            for x, n in zip(frame[count].to_list(), frame[base].to_list())
        ]
        frame = frame.with_columns(
            pl.Series(share, [i.estimate for i in intervals], dtype=pl.Float64),
            pl.Series(f"{share}_lower", [i.lower for i in intervals], dtype=pl.Float64),
            pl.Series(f"{share}_upper", [i.upper for i in intervals], dtype=pl.Float64),
        )
        for column in (share, f"{share}_lower", f"{share}_upper"):
            hidden[column] = mask.alias(column)
    # A median of fewer than k persons is hidden; of none, missing.
    small = frame["cases"].is_between(1, K - 1)
    hidden["median_days"] = small.alias("median_days")
    frame = frame.drop([f"{c}_hidden" for c in _COUNTS]).with_columns(
        pl.when(hidden[c]).then(None).otherwise(pl.col(c)).alias(c) for c in hidden
    )
    columns = ["quarter_start", "group", "municipalities", "cases", "involved_base", "involved", "involved_share",
               "involved_share_lower", "involved_share_upper", "courses", "internship_within", "internship_share",
               "internship_share_lower", "internship_share_upper", "internships", "internships_completed",
               "completed_share", "completed_share_lower", "completed_share_upper", "median_days"]
    return ProtectedTable(frame.select(columns), {c: hidden[c] for c in columns if c in hidden}, K)


def _medians(cases: pl.DataFrame, groups: dict[str, list[int]], chosen: list[date]) -> pl.DataFrame:
    """Kaplan–Meier median days from referral to decision per quarter and group."""
    rows = []
    for group, municipalities in groups.items():
        part = cases.filter(pl.col("municipality_code").is_in(municipalities) & pl.col("quarter_start").is_in(chosen))
        for (q,), frame in sorted(part.partition_by("quarter_start", as_dict=True).items()):
            median = km_median(frame["days_to_decision_or_end"].to_numpy(), frame["decided"].to_numpy())
            rows.append({"quarter_start": q, "group": group, "median_days": median})
    return pl.DataFrame(rows, schema={"quarter_start": pl.Date, "group": pl.String, "median_days": pl.Float64})


def km_median(durations: np.ndarray, observed: np.ndarray) -> float | None:
    """The Kaplan–Meier median as kaplan_meier_summary gives it, without lifelines.

    Same arithmetic as lifelines (survival as the exponential of summed log factors, the first
    time it is at or below one half), so the medians agree exactly; about a hundred times faster,
    which matters with one curve per quarter and group.
    """
    if len(durations) == 0:
        return None
    times, inverse = np.unique(np.asarray(durations, dtype=float), return_inverse=True)
    removed = np.bincount(inverse, minlength=len(times))
    deaths = np.bincount(inverse, weights=np.asarray(observed, dtype=float), minlength=len(times))
    at_risk = len(durations) - np.concatenate(([0], np.cumsum(removed)[:-1]))
    with np.errstate(divide="ignore"):
        survival = np.exp(np.cumsum(np.log(at_risk - deaths) - np.log(at_risk)))
    if survival[-1] > 0.5:
        return None  # never reached: more than half still without a decision
    return float(times[np.searchsorted(-survival, -0.5)])


# --- difference-in-differences ---------------------------------------------------------------------

UNITS = {"citizen_involved": "procentpoint", "days_referral_to_decision": "dage", "internship_within": "procentpoint"}


def _sample_quarters(ref: _Reference, f: PoolFilter) -> list[date]:
    """The view's quarters whose referrals have all been followed for FOLLOW_UP_DAYS."""
    return [q for q in quarters(f) if _quarter_end(q) + timedelta(days=FOLLOW_UP_DAYS) <= ref.data_end]


def _outcome_rows(cases: pl.DataFrame, outcome: str) -> tuple[pl.DataFrame, str]:
    """The cases an outcome is measured on, with y; and the protected count column they make up."""
    if outcome == "citizen_involved":
        return cases.filter(pl.col("citizen_involved").is_not_null()).with_columns(
            y=pl.col("citizen_involved").cast(pl.Float64) * 100), "involved_base"
    if outcome == "days_referral_to_decision":
        # Restricted mean: a case still without a decision after FOLLOW_UP_DAYS counts with
        # FOLLOW_UP_DAYS, which every case in the sample has been followed for (no censoring).
        return cases.with_columns(y=pl.col("days_to_decision_or_end").clip(upper_bound=FOLLOW_UP_DAYS)
                                  .cast(pl.Float64)), "cases"
    if outcome == "internship_within":
        m = DEFAULT_MONTHS
        return cases.filter(pl.col("followed_months") >= m).with_columns(
            y=((pl.col("internship_within_months") > 0) & (pl.col("internship_within_months") <= m))
            .cast(pl.Float64) * 100), f"courses_{m}"
    raise ValueError(f"unknown outcome {outcome!r}")


@dataclass(frozen=True)
class _Design:
    """The estimation sample of one outcome in one view, as municipality x quarter cells."""

    cells: pl.DataFrame  # municipality_code, quarter_start, treated, start, post, event, n, y_sum
    treated: dict[int, date]
    control: list[int]
    sample_quarters: list[date]
    count_column: str


@lru_cache(maxsize=64)
def _design(db: LiveDatabase, version: int, f: PoolFilter, outcome: str) -> _Design:
    ref = _reference(db, version)
    treated, control = _treated(ref, f), _control(ref, f)
    sample_quarters = _sample_quarters(ref, f)
    rows, count_column = _outcome_rows(_case_frame(db, version), outcome)
    starts = pl.DataFrame({"municipality_code": list(treated), "start": list(treated.values())},
                          schema={"municipality_code": pl.Int64, "start": pl.Date})
    rows = (
        rows.filter(pl.col("municipality_code").is_in([*treated, *control])
                    & pl.col("quarter_start").is_in(sample_quarters))
        .join(starts, on="municipality_code", how="left")
        .with_columns(
            treated=pl.col("start").is_not_null(),
            post=(pl.col("referral_date") >= pl.col("start")).fill_null(False),
            event=(_quarter_index("quarter_start") - _quarter_index("start")).clip(-EVENT_WINDOW, EVENT_WINDOW),
        )
    )
    cells = rows.group_by("municipality_code", "quarter_start", "treated", "start", "post", "event").agg(
        pl.len().alias("n"), pl.col("y").sum().alias("y_sum"),
    ).sort("municipality_code", "quarter_start", "post")
    return _Design(cells, treated, control, sample_quarters, count_column)


@dataclass(frozen=True)
class _Fit:
    """Coefficients of interest with a cluster-robust covariance (clusters: municipalities)."""

    kept: list[int]  # the regressors that could be estimated (others are collinear with the fixed effects)
    params: np.ndarray
    cov: np.ndarray
    df: int  # degrees of freedom for t: clusters - 1
    clusters: int


def _twfe(cells: pl.DataFrame, regressors: np.ndarray) -> _Fit:
    """Weighted least squares of cell means on `regressors` with municipality and quarter fixed
    effects; standard errors clustered by municipality (statsmodels, cov_type="cluster").

    Every regressor is constant within a cell, so cells weighted by their cases give the same
    coefficients and clustered scores as the regression on single cases. The fixed effects are
    swept out first (Frisch–Waugh–Lovell: same coefficients and residuals, a far smaller matrix),
    and the small-sample factor (N-1)/(N-K) is set to the number of cases and every parameter of
    the full regression, so the standard errors are those of the case-level regression with
    dummies for every municipality and quarter.
    """
    municipality = np.unique(cells["municipality_code"].to_numpy(), return_inverse=True)[1].reshape(-1)
    quarter = np.unique(cells["quarter_start"].to_physical().to_numpy(), return_inverse=True)[1].reshape(-1)
    n = cells["n"].to_numpy().astype(float)
    y = cells["y_sum"].to_numpy() / n
    swept = _sweep(np.column_stack([y, regressors]), n, municipality, quarter)
    kept = _identified(regressors, swept[:, 1:], n)
    clusters = int(municipality.max()) + 1
    if not kept:
        return _Fit([], np.zeros(0), np.zeros((0, 0)), clusters - 1, clusters)
    fit = sm.WLS(swept[:, 0], swept[:, [1 + j for j in kept]], weights=n).fit(
        cov_type="cluster", cov_kwds={"groups": municipality}, use_t=True)
    r = len(kept)
    k_full = r + int(municipality.max()) + int(quarter.max()) + 1  # regressors, constant, dummies
    cells_n, cases_n = cells.height, float(n.sum())
    factor = ((cases_n - 1) / (cases_n - k_full)) / ((cells_n - 1) / (cells_n - r))
    return _Fit(kept, np.asarray(fit.params), np.asarray(fit.cov_params()) * factor, clusters - 1, clusters)


def _identified(raw: np.ndarray, swept: np.ndarray, weights: np.ndarray) -> list[int]:
    """The regressors that the fixed effects leave something of, and that are not collinear."""
    if raw.shape[1] == 0:
        return []
    root = np.sqrt(weights)[:, None]
    r, pivot = scipy_linalg.qr(root * swept, mode="r", pivoting=True)
    scale = np.linalg.norm(root * raw, axis=0)[pivot]
    diagonal = np.abs(np.diag(r))
    # A regressor the fixed effects (or the others) explain leaves rounding noise only.
    return sorted(int(j) for j, d, s in zip(pivot, diagonal, scale) if s > 0 and d > 1e-9 * s)


def _sweep(values: np.ndarray, weights: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columns less their weighted two-way fixed effects (alternating projections to convergence)."""
    out = values.astype(float).copy()
    wa, wb = np.bincount(a, weights=weights), np.bincount(b, weights=weights)
    scale = np.maximum(np.abs(out).max(axis=0), 1.0)
    for _ in range(10_000):
        before = out.copy()
        for index, total in ((a, wa), (b, wb)):
            means = np.stack([np.bincount(index, weights=weights * col) for col in out.T], axis=1) / total[:, None]
            out -= means[index]
        if (np.abs(out - before).max(axis=0) <= 1e-13 * scale).all():
            return out
    raise RuntimeError("the fixed effects did not converge")


def _interval(estimate: float, se: float, df: int) -> tuple[float, float]:
    """95 % interval from t with df degrees of freedom."""
    half = float(scipy_stats.t.ppf(0.975, df)) * se
    return estimate - half, estimate + half


# --- effects and the event study -------------------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """A difference-in-differences estimate: grant municipality x after its grant start.

    estimate, lower, upper and se are in `unit` (percentage points or days); all None when the
    estimate is hidden (`hidden`) or cannot be made (the caveats say why).
    """

    outcome: str
    unit: str
    estimate: float | None
    lower: float | None  # 95 % interval, clustered by municipality, t with clusters - 1 df
    upper: float | None
    se: float | None
    hidden: bool
    n_cases: ProtectedValue
    n_treated_municipalities: int
    n_control_municipalities: int
    pre_quarters: int  # quarters in the sample before the first grant start
    post_quarters: int  # quarters from the first grant start on
    pretrend_p: float | None  # test of a linear pre-period slope in the event study (parallel paths)
    sample: str  # which cases, in Danish
    caveats: list[str] = field(default_factory=list)


def effects(db: LiveDatabase, f: PoolFilter) -> list[Effect]:
    """Difference-in-differences estimates for the three outcomes, with plain Danish caveats."""
    version = db.refresh().version
    return [_effects(db, version, f, outcome)[0] for outcome in OUTCOMES]


def event_study(db: LiveDatabase, f: PoolFilter, outcome: str) -> ProtectedTable:
    """Coefficients for quarters relative to the grant start (-8..+8, ends binned, -1 the
    reference) with clustered 95 % intervals; the grant group's observed mean per quarter; and
    the counterfactual: the grant group's level before the start moved as the comparison group
    moved, with a 95 % band (the observed mean less the quarter's difference to the pre-period)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return _effects(db, db.refresh().version, f, outcome)[1]


@lru_cache(maxsize=64)
def _effects(db: LiveDatabase, version: int, f: PoolFilter, outcome: str) -> tuple[Effect, ProtectedTable]:
    design = _design(db, version, f, outcome)
    cells = design.cells
    first_start = min(design.treated.values()) if design.treated else None
    pre_q = [q for q in design.sample_quarters if first_start and _quarter_end(q) < first_start]
    post_q = [q for q in design.sample_quarters if first_start and q >= _quarter(first_start)]
    # Municipalities with cases in the sample (a municipality without any adds nothing).
    n_treated = cells.filter(pl.col("treated"))["municipality_code"].n_unique()
    n_control = cells.filter(~pl.col("treated"))["municipality_code"].n_unique()
    base = dict(
        outcome=outcome, unit=UNITS[outcome], n_treated_municipalities=n_treated,
        n_control_municipalities=n_control, pre_quarters=len(pre_q), post_quarters=len(post_q),
        sample=_sample_text(outcome, design.sample_quarters),
        n_cases=_sample_count(db, version, f, design, int(cells["n"].sum() or 0)),
    )
    blocked = _not_estimable(design, cells, first_start)
    if blocked:
        return (Effect(estimate=None, lower=None, upper=None, se=None, hidden=False, pretrend_p=None,
                       caveats=[blocked], **base), _empty_event_table())
    small = _small_cells(cells, first_start)
    did = _twfe(cells, (cells["treated"] & cells["post"]).cast(pl.Float64).to_numpy()[:, None])
    if not did.kept:
        return (Effect(estimate=None, lower=None, upper=None, se=None, hidden=False, pretrend_p=None,
                       caveats=["Kan ikke beregnes: i perioden kan forskellen før og efter bevillingens start ikke "
                                "skilles fra forskellene mellem kommuner og kvartaler."], **base), _empty_event_table())
    estimate, se = float(did.params[0]), float(math.sqrt(did.cov[0, 0]))
    lower, upper = _interval(estimate, se, did.df)
    with_intervals = n_treated >= MIN_TREATED_FOR_INTERVAL
    events, pretrend_p, event_table = _event_fit(cells, small, with_intervals)
    if not with_intervals:
        se = lower = upper = None
    caveats = _caveats(n_treated, len(pre_q), len(post_q), pretrend_p, events)
    if small:
        caveats.insert(0, f"Skjult: mindst én af grupperne bygger før eller efter bevillingens start på færre end "
                          f"{K} personer (diskretionering).")
        return (Effect(estimate=None, lower=None, upper=None, se=None, hidden=True, pretrend_p=None,
                       caveats=caveats, **base), event_table)
    return (Effect(estimate=estimate, lower=lower, upper=upper, se=se, hidden=False, pretrend_p=pretrend_p,
                   caveats=caveats, **base), event_table)


def _not_estimable(design: _Design, cells: pl.DataFrame, first_start: date | None) -> str | None:
    """Why no estimate can be made in this view, in Danish; None when it can."""
    if not design.treated:
        return "Kan ikke beregnes: der er ingen kommuner med bevilling i udvalget."
    if not design.control:
        return "Kan ikke beregnes: der er ingen kommuner uden bevilling i udvalget at sammenligne med."
    if not design.sample_quarters:
        return (f"Kan ikke beregnes: perioden har ingen kvartaler, hvor sagerne er fulgt i mindst "
                f"{FOLLOW_UP_DAYS} dage.")
    treated = cells.filter(pl.col("treated"))
    if treated.is_empty():
        return "Kan ikke beregnes: kommunerne med bevilling har ingen sager i perioden."
    if cells.filter(~pl.col("treated")).is_empty():
        return "Kan ikke beregnes: kommunerne uden bevilling har ingen sager i perioden at sammenligne med."
    if treated.filter(~pl.col("post")).is_empty():
        return "Kan ikke beregnes: perioden har ingen sager fra før bevillingernes start at sammenligne med."
    if treated.filter(pl.col("post")).is_empty():
        return (f"Kan ikke beregnes: perioden har ingen sager visiteret efter bevillingernes start, som er "
                f"fulgt i mindst {FOLLOW_UP_DAYS} dage.")
    return None


def _small_cells(cells: pl.DataFrame, first_start: date) -> bool:
    """Whether a group-period cell (grant/other x before/after the grant start) has 1..k-1 persons."""
    period = pl.when(pl.col("treated")).then(pl.col("post")).otherwise(pl.col("quarter_start") >= _quarter(first_start))
    n = cells.group_by(pl.col("treated"), period.alias("after")).agg(pl.col("n").sum())["n"]
    return bool(n.is_between(1, K - 1).any())


def _sample_count(db: LiveDatabase, version: int, f: PoolFilter, design: _Design, n: int) -> ProtectedValue:
    """The sample's size: shown only when it is a sum of shown cells of the quarterly table (so
    it reveals nothing the table hides)."""
    cells = _protected_cells(db, version).filter(
        (pl.col("area") == f.area) & pl.col("quarter_start").is_in(design.sample_quarters)
        & (((pl.col("group") == OTHER) & (pl.col("focus") == ""))
           | ((pl.col("group") == GRANT) & (pl.col("focus") == (f.focus_area or ""))))
    )
    if bool(cells[f"{design.count_column}_hidden"].any()):
        return ProtectedValue(None, True, n)
    return protect_count(n)


def _event_fit(
    cells: pl.DataFrame, hide_all: bool, with_intervals: bool = True
) -> tuple[dict[int, tuple[float, float, float]], float | None, ProtectedTable]:
    """Event-study coefficients {quarter: (estimate, lower, upper)}, the pre-trend p-value, and
    the table the chart reads (intervals and p-value left out when `with_intervals` is false).

    The coefficients are differences to the quarter before the start (the reference). The
    counterfactual path uses the whole pre-period instead: the grant group's level before the
    start (the average of the pre-period coefficients and the reference's zero) moved as the
    comparison group moved. One quarter alone is a noisy baseline; the average of all is not.
    """
    treated = cells["treated"].to_numpy()
    event = cells["event"].fill_null(0).to_numpy()
    quarters_used = [e for e in range(-EVENT_WINDOW, EVENT_WINDOW + 1)
                     if e != REFERENCE_QUARTER and bool((treated & (event == e)).any())]
    regressors = np.column_stack([(treated & (event == e)).astype(float) for e in quarters_used]) \
        if quarters_used else np.zeros((cells.height, 0))
    coefficients: dict[int, tuple[float, float, float]] = {REFERENCE_QUARTER: (0.0, 0.0, 0.0)}
    gaps: dict[int, tuple[float, float, float]] = {REFERENCE_QUARTER: (0.0, 0.0, 0.0)}
    pretrend_p = None
    fit = _twfe(cells, regressors) if quarters_used else None
    if fit is not None and fit.kept:
        quarters_used = [quarters_used[j] for j in fit.kept]
        pre = [j for j, e in enumerate(quarters_used) if e < REFERENCE_QUARTER]
        baseline = np.zeros(len(quarters_used))
        baseline[pre] = 1 / (len(pre) + 1)
        for j, e in [*enumerate(quarters_used), (None, REFERENCE_QUARTER)]:
            if j is not None:
                se = math.sqrt(max(fit.cov[j, j], 0.0))
                coefficients[e] = (float(fit.params[j]), *_interval(float(fit.params[j]), se, fit.df))
            weights = -baseline.copy()
            if j is not None:
                weights[j] += 1
            gap = float(weights @ fit.params)
            gaps[e] = (gap, *_interval(gap, math.sqrt(max(float(weights @ fit.cov @ weights), 0.0)), fit.df))
        if pre and with_intervals:
            pretrend_p = _pretrend_p(fit, pre, [quarters_used[j] for j in pre])
    observed = (
        cells.filter(pl.col("treated")).group_by("event").agg(pl.col("y_sum").sum(), pl.col("n").sum())
        .with_columns((pl.col("y_sum") / pl.col("n")).alias("observed"))
    )
    rows = []
    for e, n, mean in observed.select("event", "n", "observed").sort("event").iter_rows():
        if e not in coefficients:
            continue
        est, lo, hi = coefficients[e]
        gap, gap_lo, gap_hi = gaps[e]
        if not with_intervals:
            lo = hi = gap_lo = gap_hi = None
        rows.append({"event": e, "label": _event_label(e), "reference": e == REFERENCE_QUARTER, "base": n,
                     "estimate": est, "lower": lo, "upper": hi, "observed": mean,
                     "counterfactual": mean - gap,
                     "counterfactual_lower": None if gap_hi is None else mean - gap_hi,
                     "counterfactual_upper": None if gap_lo is None else mean - gap_lo})
    frame = pl.DataFrame(rows, schema=_EVENT_SCHEMA)
    mask = (frame["base"].is_between(1, K - 1) | hide_all) if frame.height else pl.Series([], dtype=pl.Boolean)
    shown = [c for c in _EVENT_SCHEMA if c not in ("event", "label", "reference", "base")]
    hidden = {c: mask.alias(c) for c in shown}
    frame = frame.with_columns(pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in shown).drop("base")
    return coefficients, pretrend_p, ProtectedTable(frame, hidden, K)


def _pretrend_p(fit: _Fit, pre: list[int], events: list[int]) -> float:
    """p-value of a t-test that the grant group's path before the start has no linear slope
    against the comparison group's (the pre-period coefficients and the reference's zero).

    One restriction rather than a joint test of every pre-period coefficient: with few treated
    clusters a clustered joint Wald test rejects far too often (Cameron & Miller 2015).
    """
    times = np.array([*events, REFERENCE_QUARTER], dtype=float)
    centred = times - times.mean()
    weights = (centred / (centred @ centred))[:-1]  # least-squares slope; the reference's 0 drops out
    slope = float(weights @ fit.params[pre])
    se = math.sqrt(max(float(weights @ fit.cov[np.ix_(pre, pre)] @ weights), 0.0))
    if se == 0:
        return 1.0 if slope == 0 else 0.0
    return float(2 * scipy_stats.t.sf(abs(slope / se), fit.df))


_EVENT_SCHEMA = {
    "event": pl.Int64, "label": pl.String, "reference": pl.Boolean, "base": pl.Int64, "estimate": pl.Float64,
    "lower": pl.Float64, "upper": pl.Float64, "observed": pl.Float64, "counterfactual": pl.Float64,
    "counterfactual_lower": pl.Float64, "counterfactual_upper": pl.Float64,
}


def _empty_event_table() -> ProtectedTable:
    schema = {c: t for c, t in _EVENT_SCHEMA.items() if c != "base"}
    return ProtectedTable(pl.DataFrame(schema=schema), {}, K)


def _event_label(e: int) -> str:
    """'≤ -8', '-7', ..., '0', ..., '≥ 8' (quarters from the grant start; the ends are binned)."""
    text = str(e).replace("-", "−")
    if e == -EVENT_WINDOW:
        return f"≤ {text}"
    if e == EVENT_WINDOW:
        return f"≥ {text}"
    return text


def _sample_text(outcome: str, sample_quarters: list[date]) -> str:
    """Which cases an estimate rests on, in Danish."""
    if not sample_quarters:
        return "Ingen sager i perioden er fulgt længe nok."
    first, last = _quarter_label(sample_quarters[0]), _quarter_label(sample_quarters[-1])
    span = f"visiteret {first}" if first == last else f"visiteret {first}–{last}"
    follow = f"så alle er fulgt i mindst {FOLLOW_UP_DAYS} dage (to år)"
    if outcome == "citizen_involved":
        return f"Sager {span}, {follow}, og hvor rehabiliteringsteamets møde er holdt."
    if outcome == "days_referral_to_decision":
        return (f"Sager {span}, {follow}. En sag uden afgørelse efter {FOLLOW_UP_DAYS} dage tæller med "
                f"{FOLLOW_UP_DAYS} dage (begrænset gennemsnit), så åbne sager hverken udelades eller forvrider.")
    return (f"Ressourceforløb fra sager {span}, {follow}, og hvor forløbet er fulgt mindst "
            f"{DEFAULT_MONTHS} måneder efter start.")


def _quarter_label(d: date) -> str:
    return f"{d.year}K{(d.month - 1) // 3 + 1}"


def _caveats(n: int, pre: int, post: int, pretrend_p: float | None, events: dict) -> list[str]:
    """Plain Danish reasons to read an estimate with care (n: treated municipalities)."""
    out = []
    if n < MIN_TREATED_FOR_INTERVAL:
        out.append(f"Kun {n} kommune{'r' if n != 1 else ''} med bevilling i udvalget: estimatet hviler på "
                   f"{'én kommunes' if n == 1 else 'to kommuners'} udvikling, som kan skyldes meget andet end "
                   "puljen. Usikkerheden kan ikke beregnes pålideligt, så der vises intet interval.")
    elif n < FEW_TREATED:
        out.append(f"Kun {n} kommuner med bevilling i udvalget. Med under 20–30 kommuner i gruppen bliver "
                   "intervaller, der tager højde for samvariation inden for kommunen, ofte for smalle: den "
                   "reelle usikkerhed er større end vist.")
    if pre < FEW_QUARTERS:
        out.append(f"Kun {pre} kvartal{'er' if pre != 1 else ''} før bevillingernes start i perioden: for få til "
                   "at se, om grupperne fulgtes ad, før puljen begyndte.")
    if post < FEW_QUARTERS:
        out.append(f"Kun {post} kvartal{'er' if post != 1 else ''} efter bevillingernes start med mindst to års "
                   "opfølgning: for kort til at sige noget om en varig effekt.")
    if pretrend_p is not None and pretrend_p < 0.05:
        out.append("Før bevillingernes start bevægede kommunerne med bevilling sig allerede væk fra de øvrige "
                   f"(test for en jævn forskel i udviklingen i kvartalerne før start: p {_p_text(pretrend_p)}). "
                   "Estimatet forudsætter, at grupperne ville have fulgt hinanden uden puljen, og skal læses "
                   "med forbehold.")
    elif pretrend_p is None and len(events) <= 1:
        out.append("Hændelsesstudiet har ingen kvartaler før start at tjekke parallelle forløb på.")
    return out


def _p_text(p: float) -> str:
    return "= " + f"{p:.3f}".replace(".", ",") if p >= 0.001 else "< 0,001"


# --- cost per outcome ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostPerOutcome:
    """Kroner per extra outcome, with the interval carried from the effect's interval.

    `upper` is None when the effect's interval reaches zero or beyond: then the data cannot rule
    out that the money bought nothing, and no finite upper bound exists (`explanation` says so).
    """

    outcome: str
    unit: str  # what one outcome is, in Danish ("sag forberedt sammen med borgeren", "sagsdag sparet")
    kroner: ProtectedValue  # public: spent where reported, granted otherwise
    kroner_basis: str  # which amounts, in Danish
    cases_after_start: ProtectedValue  # the grant group's cases the extra outcomes are counted on
    extra: float | None  # extra outcomes (cases or case-days) in the grant group
    extra_lower: float | None
    extra_upper: float | None
    estimate: float | None  # kroner per extra outcome
    lower: float | None
    upper: float | None
    hidden: bool
    explanation: str


_COST_UNITS = {
    "citizen_involved": "sag forberedt sammen med borgeren",
    "days_referral_to_decision": "sagsdag sparet (visitation til afgørelse)",
}


def cost_per_outcome(db: LiveDatabase, f: PoolFilter) -> list[CostPerOutcome]:
    """Kroner per extra case prepared with the citizen, and per case-day saved from referral to
    decision: the grant group's kroner over (effect x the group's cases after its grant start)."""
    version = db.refresh().version
    ref = _reference(db, version)
    kroner, basis = _kroner(ref, f)
    out = []
    for outcome in _COST_UNITS:
        effect = _effects(db, version, f, outcome)[0]
        design = _design(db, version, f, outcome)
        cases, first, last = _cases_after_start(db, version, f, design)
        out.append(_cost(outcome, effect, kroner, basis, cases, first, last))
    return out


def _kroner(ref: _Reference, f: PoolFilter) -> tuple[int, str]:
    """What the grant group's municipalities got: spent where reported, else granted (all their
    grants, whatever the focus area: the effect is measured on the municipality)."""
    g = ref.grants.filter(pl.col("municipality_code").is_in(list(_treated(ref, f))))
    reported = g.filter(pl.col("spent_reported"))
    missing = g.filter(~pl.col("spent_reported"))
    kroner = int(reported["spent_dkk"].sum() or 0) + int(missing["granted_dkk"].sum() or 0)
    basis = f"Forbrug for {reported.height} bevilling{'er' if reported.height != 1 else ''}"
    if missing.height:
        named = ", ".join(f"{r['municipality_name']} ({r['project_title']})" for r in missing.iter_rows(named=True))
        basis += (f"; bevilget beløb for {missing.height}, der ikke har indberettet forbrug: {named}")
    basis += ". Alle kommunernes bevillinger tæller med, også med andet fokus, fordi effekten måles på kommunen."
    return kroner, basis


def _cases_after_start(
    db: LiveDatabase, version: int, f: PoolFilter, design: _Design
) -> tuple[ProtectedValue, date | None, date | None]:
    """The grant group's cases in the effect's sample from the first quarter in which every grant
    had started: a sum of whole cells of the quarterly table, hidden if any of them is."""
    if not design.treated:
        return ProtectedValue(None, False, None), None, None
    all_started = _quarter(max(design.treated.values()))
    if max(design.treated.values()) != all_started:
        all_started = _quarter(_quarter_end(all_started) + timedelta(days=1))
    chosen = [q for q in design.sample_quarters if q >= all_started]
    if not chosen:
        return ProtectedValue(None, False, None), None, None
    cells = _protected_cells(db, version).filter(
        (pl.col("area") == f.area) & (pl.col("group") == GRANT) & (pl.col("focus") == (f.focus_area or ""))
        & pl.col("quarter_start").is_in(chosen))
    n = int(cells[design.count_column].sum())
    if bool(cells[f"{design.count_column}_hidden"].any()):
        return ProtectedValue(None, True, n), chosen[0], chosen[-1]
    return protect_count(n), chosen[0], chosen[-1]


def _cost(outcome: str, effect: Effect, kroner: int, basis: str, cases: ProtectedValue,
          first: date | None, last: date | None) -> CostPerOutcome:
    unit = _COST_UNITS[outcome]
    base = dict(outcome=outcome, unit=unit, kroner=public_value(kroner), kroner_basis=basis, cases_after_start=cases)

    def none(explanation: str, hidden: bool = False) -> CostPerOutcome:
        return CostPerOutcome(extra=None, extra_lower=None, extra_upper=None, estimate=None, lower=None, upper=None,
                              hidden=hidden, explanation=explanation, **base)

    if effect.hidden or cases.hidden:
        return none("Skjult: beregningen bygger på tal, der er skjult for at beskytte enkeltpersoner "
                    "(diskretionering).", hidden=True)
    if effect.estimate is None:
        return none(effect.caveats[0] if effect.caveats else "Kan ikke beregnes: der er intet estimat.")
    if not cases.value:
        return none("Kan ikke beregnes: kommunerne med bevilling har ingen sager efter, at alle bevillinger var startet.")
    # Gains per case: points of involvement as a share, or days saved (a negative effect on days).
    sign, per = (1.0, 100.0) if outcome == "citizen_involved" else (-1.0, 1.0)
    gain = sign * effect.estimate / per
    bounds = None if effect.lower is None else sorted((sign * effect.lower / per, sign * effect.upper / per))
    n = cases.value
    span = _quarter_label(first) if first == last else f"{_quarter_label(first)}–{_quarter_label(last)}"
    extra = gain * n
    extra_lower, extra_upper = (bounds[0] * n, bounds[1] * n) if bounds else (None, None)
    if gain <= 0:
        return replace(none(f"Ingen beregning: estimatet viser ingen forbedring for kommunernes sager visiteret "
                            f"{span}, så der er intet at fordele kronerne på."),
                       extra=extra, extra_lower=extra_lower, extra_upper=extra_upper)
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
    return CostPerOutcome(extra=extra, extra_lower=extra_lower, extra_upper=extra_upper, estimate=estimate,
                          lower=lower, upper=upper, hidden=False, explanation=explanation, **base)
