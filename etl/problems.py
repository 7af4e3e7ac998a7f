"""Problems found in input files, and how they are reported to the person loading them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Rule id -> the rule in Danish, as the person who made the file should read it.
RULES: dict[str, str] = {
    "file.missing": "filen eller mappen findes ikke",
    "file.unreadable": "filen kan ikke læses",
    "file.unknown_table": "filnavnet er ikke en tabel i datakontrakten (cases, pilot_requests, pool_grants, health_advice_channels)",
    "file.duplicate_table": "tabellen findes i mere end én fil",
    "file.format": "ukendt filformat (brug .csv, .xlsx eller .parquet)",
    "file.empty": "filen har ingen kolonneoverskrifter",
    "file.size": "filen er større end grænsen for en inputfil (indstillingen RF_MAX_FILE_BYTES)",
    "file.rows": "tabellen har flere rækker end grænsen (indstillingen RF_MAX_ROWS)",
    "file.columns": "tabellen har flere kolonner end grænsen (indstillingen RF_MAX_COLUMNS)",
    "xlsx.dimension": "arket erklærer et område med flere rækker eller kolonner end grænserne (RF_MAX_ROWS, RF_MAX_COLUMNS); gem arket igen, så det kun dækker tabellen",
    "table.empty": "tabellen skal have mindst én række",
    "manifest.invalid": "manifestet skal være et JSON-objekt i UTF-8",
    "manifest.data_end_date": "data_end_date skal være en gyldig dato (ÅÅÅÅ-MM-DD) og må ikke ligge før den seneste dato i data",
    "table.missing": "en påkrævet tabel mangler i datasættet",
    "csv.structure": "linjen har et andet antal felter end overskriften, eller et citationstegn er ikke lukket",
    "csv.encoding": "filen kan ikke læses med den angivne tegnkodning",
    "csv.encoding_mixed": "filen blander tegnkodninger (UTF-8 og cp1252/latin-1); gem hele filen i én tegnkodning",
    "csv.line_size": "en linje er længere end grænsen (indstillingen RF_MAX_LINE_BYTES), eller et citationstegn er ikke lukket",
    "column.unknown": "kolonnen findes ikke i datakontrakten (brug --ignore-extra-columns for at udelade den bevidst)",
    "column.duplicate": "kolonnen optræder mere end én gang",
    "column.missing": "en påkrævet kolonne mangler",
    "column.cpr": "kolonneoverskriften ligner et CPR-nummer: udtrækket er ikke pseudonymiseret, og hele indlæsningen afvises",
    "value.required": "værdien er påkrævet, men cellen er tom",
    "value.integer": "ikke et heltal (fx 1234 eller 1.234)",
    "value.date": "ikke en gyldig dato (ÅÅÅÅ-MM-DD, DD-MM-ÅÅÅÅ eller DD.MM.ÅÅÅÅ)",
    "value.boolean": "ikke ja/nej (ja/nej, true/false, 1/0, sand/falsk, j/n, yes/no)",
    "value.category": "værdien er ikke en af de tilladte",
    "value.quarter": "ikke et kvartal (ÅÅÅÅ-Qn, ÅÅÅÅQn eller ÅÅÅÅKn)",
    "value.cpr": "værdien ligner et CPR-nummer: udtrækket er ikke pseudonymiseret, og hele indlæsningen afvises",
    "value.control": "værdien indeholder et kontroltegn (fx NUL); kun tabulator og linjeskift er tilladt i en værdi",
    "value.size": "værdien er længere end grænsen (indstillingen RF_MAX_CELL_CHARS)",
    "value.municipality": "ikke en af de 98 kommunekoder",
    "value.positive": "skal være større end 0",
    "value.non_negative": "må ikke være negativ",
    "key.duplicate": "nøglen optræder mere end én gang",
    "order.team_meeting": "mødedatoen ligger før visitationsdatoen",
    "order.decision": "afgørelsesdatoen ligger før mødedatoen eller visitationsdatoen",
    "order.course_start": "forløbets start ligger før afgørelsesdatoen",
    "order.coordinator": "koordinerende sagsbehandler er tildelt før visitationsdatoen",
    "order.internship": "praktikken starter før forløbet",
    "order.course_end": "forløbets slutdato ligger før startdatoen",
    "order.dialogue": "dialogmødet ligger før anmodningen",
    "order.advice": "rådgivningen ligger før anmodningen",
    "order.period": "periodens slutdato skal ligge efter startdatoen",
    "when.decision": "afgørelse er påkrævet, når der er en afgørelsesdato",
    "when.course_start": "forløbsstart kun når afgørelsen er ressourceforløb",
    "when.course_end_start": "en slutdato kræver en startdato for forløbet",
    "when.internship_start": "en praktik kræver en startdato for forløbet",
    "when.internship_completed": "praktik gennemført kun når der er en praktikstart",
    "when.end_reason": "afslutningsårsag er påkrævet, når der er en slutdato",
    "when.advice_outcome": "udfald er påkrævet, når der er en rådgivningsdato",
    "ref.case_missing": "sagen findes ikke i cases",
    "ref.case_not_course": "sagen er ikke afgjort som ressourceforløb",
    "ref.outside_course": "anmodningen ligger uden for sagens ressourceforløb",
    "ref.outside_pilot": "anmodningen ligger uden for forsøgsperioden",
}


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one input file."""

    file: str
    location: str  # "linje 17", "ark cases, række 17", "række 17", or "" for the whole file
    column: str
    value: str | None
    rule: str  # a key of RULES
    detail: str = ""

    def describe(self) -> str:
        """One line for the person who made the file; every part is made safe to print."""
        parts = [safe_text(self.file)]
        if self.location:
            parts.append(safe_text(self.location))  # may name a sheet
        if self.column:
            parts.append(f"kolonne {safe_text(self.column)}")
        if self.value is not None:
            parts.append(f"værdi {shown_value(self.value)!r}")
        text = RULES[self.rule] + (f" ({safe_text(self.detail)})" if self.detail else "")
        return ", ".join(parts) + f": {text} [{self.rule}]"


# Ten digits with an optional dash after the sixth (DDMMYY-SSSS), or nine digits: a CPR number
# whose leading zero a spreadsheet dropped. Masked wherever they stand, dates or not: showing a
# harmless number masked costs nothing, printing a CPR number cannot be undone.
_CPR_SHAPE = re.compile(r"(?<![0-9])([0-9]{6}-?|[0-9]{5})[0-9]{4}(?![0-9])")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def mask_cpr(text: str) -> str:
    """The text with the last four digits of every CPR-shaped number replaced by ****.

    The one masking rule for everything the ETL prints or stores about its input: reports,
    headers, file names, manifests and the load log."""
    return _CPR_SHAPE.sub(lambda m: m.group(1) + "****", text)


def mask_json(value):
    """A JSON-like value (dicts, lists, strings) with every string and key masked."""
    if isinstance(value, str):
        return mask_cpr(value)
    if isinstance(value, dict):
        return {mask_cpr(str(k)): mask_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def safe_text(text: str) -> str:
    """Text from a file as printed: CPR-shaped numbers masked, control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", mask_cpr(str(text)))


def shown_value(value: str) -> str:
    """The value as reported: CPR-shaped digits masked, whatever the rule, and long values cut."""
    value = mask_cpr(value)
    return value if len(value) <= 60 else value[:57] + "..."


class InvalidInput(Exception):
    """The input breaks the data contract; nothing was published."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        super().__init__(f"{self.total} problems in the input")

    def report(self, limit: int) -> str:
        """The problems as lines, the first `limit` listed and the rest counted."""
        lines = [p.describe() for p in self.problems[:limit]]
        rest = self.total - len(lines)
        if rest > 0:
            lines.append(f"... og {rest:,} problemer mere (ikke vist)".replace(",", "."))
        return "\n".join(lines)


def dk(n: int) -> str:
    """A whole number the Danish way: 20.015."""
    return f"{n:,}".replace(",", ".")
