"""The areas of the release: the whole country, the five regions and the 98 municipalities, with
Statistics Denmark's codes ('000', '081'..'085', three-digit municipality codes)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

COUNTRY = "000"


@dataclass(frozen=True)
class Area:
    """One area: its code, Danish name, level and the area it lies in."""

    code: str
    name: str
    level: str  # country, region, municipality
    parent: str | None


class Areas:
    """The area tree: country -> regions -> municipalities."""

    def __init__(self, areas: list[Area]):
        self.by_code = {a.code: a for a in areas}
        self.children: dict[str, list[str]] = {}
        for a in areas:
            if a.parent is not None:
                self.children.setdefault(a.parent, []).append(a.code)

    def __getitem__(self, code: str) -> Area:
        return self.by_code[code]

    def at(self, level: str) -> list[str]:
        """Codes of one level, in code order."""
        return sorted(a.code for a in self.by_code.values() if a.level == level)

    def municipality_map(self, level: str) -> dict[str, str]:
        """Each municipality's code -> the code of its area at `level`."""
        out = {}
        for code in self.at("municipality"):
            area = self.by_code[code]
            out[code] = {"municipality": code, "region": area.parent, "country": COUNTRY}[level]
        return out

    def rows(self) -> list[tuple]:
        """(code, name, level, parent) of every area, country first."""
        order = {"country": 0, "region": 1, "municipality": 2}
        return [(a.code, a.name, a.level, a.parent) for a in sorted(self.by_code.values(), key=lambda a: (order[a.level], a.code))]


def municipality_code(code: int) -> str:
    """A municipality's code as the release writes it: three digits ('101')."""
    return f"{int(code):03d}"


def load(con: duckdb.DuckDBPyConnection) -> Areas:
    """The areas from the reference tables of the load."""
    areas = [Area(COUNTRY, "Hele landet", "country", None)]
    for code, name in con.execute("SELECT region_code, region_name FROM ref_region ORDER BY region_code").fetchall():
        areas.append(Area(code, name, "region", COUNTRY))
    for code, name, region in con.execute("SELECT code, name, region_code FROM ref_municipality ORDER BY code").fetchall():
        areas.append(Area(municipality_code(code), name, "municipality", region))
    return Areas(areas)
