"""The certificate: an intruder who holds the whole release attacks every protected cell.

The intruder knows every shown cell, every relation between cells (release/disclosure/relations),
and what the released statistics imply: a rate or a share is shown only where its counts are
(rules.py), a curve's points are cells of the release, and a count of municipalities with at
least one request tells, beside the list of municipalities, that each hidden one is at least 1.
For every protected cell the intruder solves the smallest and largest value consistent with all
of it; the release is written only if every interval is at least k wide.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

import polars as pl

from release import CertificationFailed
from release.disclosure.suppression import Layout, prove

__all__ = ["Certificate", "CertificationFailed", "Claim", "certify", "settle"]


@dataclass(frozen=True)
class Certificate:
    """What the intruder's attack on the whole release found, stored with the release."""

    k: int
    released_cells: int
    hidden_cells: int
    unreleased_cells: int
    protected_cells: int
    relations: int
    narrowest_cell: str | None
    narrowest_low: float | None
    narrowest_high: float | None
    linear_programs: int
    suppression_seconds: float
    attack_seconds: float
    built_at: datetime


@dataclass(frozen=True)
class Claim:
    """Something a released statistic tells about cells beyond their relations: each of `cells`
    (row numbers of the release's cells) is at least 1."""

    table: str
    row: int  # the statistic's row in its table
    cells: tuple[int, ...]


def settle(cells: pl.DataFrame, layout: Layout, hidden: list[bool], k: int,
           claims: list[Claim]) -> tuple[list[Claim], list[int]]:
    """The claims the release can make without narrowing a protected cell below k, in order, and
    the smallest value of every cell that the accepted claims tell the intruder."""
    values, released = cells["value"].to_list(), cells["released"].to_list()
    lower = [0] * len(values)
    accepted = []
    for claim in claims:
        trial = list(lower)
        for c in claim.cells:
            trial[c] = max(trial[c], 1)
        if not prove(values, layout, hidden, released, k=k, lower=trial).narrow:
            accepted.append(claim)
            lower = trial
    return accepted, lower


def certify(cells: pl.DataFrame, layout: Layout, hidden: list[bool], k: int, lower: list[int],
            suppression_seconds: float) -> Certificate:
    """Attack the whole release; raise CertificationFailed if any protected cell is narrower
    than k, else return the certificate."""
    values, released = cells["value"].to_list(), cells["released"].to_list()
    started = time.perf_counter()
    proof = prove(values, layout, hidden, released, k=k, lower=lower)
    seconds = time.perf_counter() - started
    labels = [f"{m} {p} {a}" + (f" {g}" if g else "") for m, p, a, g in
              zip(cells["measure"], cells["period"], cells["area"], cells["grp"])]
    if proof.narrow:
        raise CertificationFailed([(labels[c], lo, hi) for c, (lo, hi) in proof.narrow.items()], k)
    narrowest = proof.narrowest
    return Certificate(
        k=k,
        released_cells=sum(released),
        hidden_cells=sum(h and r for h, r in zip(hidden, released)),
        unreleased_cells=len(released) - sum(released),
        protected_cells=proof.protected,
        relations=len(layout.equations),
        narrowest_cell=labels[narrowest[0]] if narrowest else None,
        narrowest_low=narrowest[1] if narrowest else None,
        narrowest_high=narrowest[2] if narrowest else None,
        linear_programs=proof.linear_programs,
        suppression_seconds=round(suppression_seconds, 3),
        attack_seconds=round(seconds, 3),
        built_at=datetime.now(timezone.utc).replace(microsecond=0),
    )
