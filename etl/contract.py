"""The input data contract (v1): tables, columns, types, aliases and category labels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

CONTRACT_VERSION = "v1"

TEXT, INTEGER, DATE, BOOLEAN, CATEGORY, QUARTER = (
    "text",
    "integer",
    "date",
    "boolean",
    "category",
    "quarter",
)


@dataclass(frozen=True)
class Column:
    """One contract column: canonical name, Danish aliases, type, and allowed values."""

    name: str
    type: str
    required: bool
    aliases: tuple[str, ...] = ()
    # canonical code -> accepted labels (besides the code itself)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """One contract table."""

    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        """The column with this canonical name."""
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        """Canonical column names in contract order."""
        return [c.name for c in self.columns]


MUNICIPALITY = Column("municipality_code", INTEGER, True, ("kommunekode",))

CASES = Table(
    "cases",
    required=True,
    key=("case_id",),
    columns=(
        Column("case_id", TEXT, True, ("sags_id",)),
        MUNICIPALITY,
        Column("sex", CATEGORY, True, ("koen", "køn"), {"F": ("K", "kvinde"), "M": ("mand",)}),
        Column(
            "age_band",
            CATEGORY,
            True,
            ("aldersgruppe",),
            {"16-29": (), "30-39": (), "40-49": (), "50-59": (), "60+": ()},
        ),
        Column("referral_date", DATE, True, ("visitationsdato",)),
        Column("team_meeting_date", DATE, False, ("moededato_rehabiliteringsteam",)),
        Column(
            "decision",
            CATEGORY,
            False,
            ("afgoerelse",),
            {
                "resource_course": ("ressourceforløb",),
                "flex_job": ("fleksjob",),
                "disability_pension": ("førtidspension",),
                "other": ("andet",),
            },
        ),
        Column("decision_date", DATE, False, ("afgoerelsesdato",)),
        Column("citizen_involved", BOOLEAN, False, ("borger_inddraget",)),
        Column("course_start_date", DATE, False, ("forloeb_start",)),
        Column("coordinator_assigned_date", DATE, False, ("koordinerende_sagsbehandler_dato",)),
        Column("internship_start_date", DATE, False, ("praktik_start",)),
        Column("internship_completed", BOOLEAN, False, ("praktik_gennemfoert",)),
        Column("course_end_date", DATE, False, ("forloeb_slut",)),
        Column(
            "end_reason",
            CATEGORY,
            False,
            ("afslutningsaarsag",),
            {
                "job": (),
                "education": ("uddannelse",),
                "flex_job": ("fleksjob",),
                "disability_pension": ("førtidspension",),
                "other_benefit": ("anden ydelse",),
                "other": ("andet",),
            },
        ),
    ),
)

PILOT_REQUESTS = Table(
    "pilot_requests",
    required=True,
    key=("request_id",),
    columns=(
        Column("request_id", TEXT, True, ("anmodning_id",)),
        Column("case_id", TEXT, True, ("sags_id",)),
        Column("request_date", DATE, True, ("anmodningsdato",)),
        Column(
            "offer_type",
            CATEGORY,
            True,
            ("tilbudstype",),
            {
                "company_internship": ("virksomhedspraktik",),
                "mentor": (),
                "education": ("uddannelse",),
                "health_or_social": ("sundheds- eller socialindsats",),
                "other": ("andet",),
            },
        ),
        Column(
            "request_context",
            CATEGORY,
            True,
            ("anledning",),
            {"concrete_offer": ("konkret tilbud",), "early_clarification": ("tidlig afklaring",)},
        ),
        Column("dialogue_date", DATE, False, ("dialogmoede_dato",)),
        Column("advice_date", DATE, False, ("raadgivning_dato",)),
        Column(
            "advice_outcome",
            CATEGORY,
            False,
            ("udfald",),
            {
                "offer_adjusted": ("tilbud tilpasset",),
                "offer_kept": ("tilbud fastholdt",),
                "offer_replaced": ("andet tilbud",),
                "withdrawn": ("trukket tilbage",),
            },
        ),
    ),
)

POOL_GRANTS = Table(
    "pool_grants",
    required=True,
    key=("grant_id",),
    columns=(
        Column("grant_id", TEXT, True, ("bevilling_id",)),
        MUNICIPALITY,
        Column(
            "focus_area",
            CATEGORY,
            True,
            ("fokusomraade",),
            {
                "citizen_involvement": ("borgerinddragelse",),
                "company_internships": ("virksomhedspraktik",),
                "processing_times": ("sagsbehandlingstider",),
            },
        ),
        Column("project_title", TEXT, False, ("projekttitel",)),
        Column("granted_dkk", INTEGER, True, ("bevilget_kr",)),
        Column("spent_dkk", INTEGER, False, ("forbrugt_kr",)),
        Column("period_start", DATE, True, ("periode_start",)),
        Column("period_end", DATE, True, ("periode_slut",)),
    ),
)

HEALTH_ADVICE_CHANNELS = Table(
    "health_advice_channels",
    required=False,
    key=("municipality_code", "quarter", "channel"),
    columns=(
        MUNICIPALITY,
        Column("quarter", QUARTER, True, ("kvartal",)),
        Column(
            "channel",
            CATEGORY,
            True,
            ("kanal",),
            {
                "coordinator_sparring": ("sparring med sundhedskoordinator",),
                "gp_involvement": ("praktiserende læge",),
            },
        ),
        Column("count", INTEGER, True, ("antal",)),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (CASES, PILOT_REQUESTS, POOL_GRANTS, HEALTH_ADVICE_CHANNELS)
}

def fold(text: str) -> str:
    """Normalise a header or label for matching: case, spacing, Danish letters, accents."""
    text = text.replace("\ufeff", "").strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text)


def header_lookup(table: Table) -> dict[str, str]:
    """Folded header spelling -> canonical column name."""
    lookup: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, *col.aliases):
            lookup[fold(spelling)] = col.name
    return lookup


def label_lookup(col: Column) -> dict[str, str]:
    """Folded category label -> canonical code, for a categorical column."""
    lookup: dict[str, str] = {}
    for code, labels in col.values.items():
        for label in (code, *labels):
            lookup[fold(label)] = code
    return lookup


def table_for_name(name: str) -> Table | None:
    """The contract table a file stem or sheet name refers to, if any."""
    return TABLES.get(fold(name))


# The CPR rule in Python, for what is checked outside SQL (headers, sheet names, the manifest);
# the same rule as rf_is_cpr in sql/macros.sql.
_CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})-?[0-9]{4}(?![0-9])")


def _is_ddmmyy(digits: str) -> bool:
    try:
        datetime.strptime(digits, "%d%m%y")
    except ValueError:
        return False
    return True


def is_cpr(text: str) -> bool:
    """True when the text holds a CPR-shaped number (DDMMYY-SSSS, ten digits starting with a
    valid date, or nine digits alone: a number that lost its leading zero)."""
    text = text.strip()
    if re.fullmatch(r"[0-9]{9}", text):
        text = "0" + text
    return any(_is_ddmmyy(m.group(1)) for m in _CPR_IN_TEXT.finditer(text))
