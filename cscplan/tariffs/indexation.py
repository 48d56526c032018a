"""Indexation: how tariffs go on past the last dated value, when someone says so explicitly.

A tariff file or a scenario may state one or more steps::

    indicizzazione: "+2,0 % dal 2025-01-01"
    indicizzazione:
      - "+2,0 % dal 2025-01-01"
      - {percent: 1.5, from: 2026-01-01, source_line: 12, note: "delibera …"}

From each step's date every € amount per unit (rate, district € part, FUD contribution) is the
amount in force the day before × (1 + percent/100); the steps compound. A step inside the
timeline changes the rates from its date; the first step past the timeline must start the day
after it ends, and from there the indexed rates hold without end (each later step compounds on
the previous one). Caps and shares are parameters, not tariffs: indexation leaves them alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscplan.metadata.fields import RATE_BASES
from cscplan.yamlspec import (
    Date,
    Integer,
    Number,
    OneOrMany,
    Record,
    Spec,
    Text,
    Where,
    it_date,
    optional,
    required,
    show,
)

INDEXED = RATE_BASES[2]
OPEN_END = dt.date(2199, 12, 31)
"""``valid_to`` of an indexed rate that holds without end (far beyond any plan)."""
STEP_TEXT = re.compile(r"([+\-−]?)\s*(\d+(?:[.,]\d+)?)\s*%\s*dal\s+(\d{4}-\d{2}-\d{2})")
AMOUNTS = ("rate", "district_rate", "fud_contribution")
PERCENT = Number(above=-100, text="una percentuale come 2.0 (maggiore di -100, senza %)")
STEP_RECORD = Record(
    {
        "percent": required(PERCENT),
        "from": required(Date()),
        "source_line": optional(Integer(minimum=1)),
        "note": optional(Text(strip=False)),
    }
)


@dataclass(frozen=True)
class Step:
    percent: float
    start: dt.date
    source_line: int | None = None
    note: str = ""

    @property
    def factor(self) -> float:
        return 1.0 + self.percent / 100.0

    @property
    def text(self) -> str:
        number = f"{self.percent:+.1f}".replace(".", ",")
        return f"{number} % dal {it_date(self.start)}"


@dataclass(frozen=True)
class StepSpec(Spec):
    """One step: ``"+2,0 % dal 2025-01-01"`` or ``{percent, from, source_line?, note?}``."""

    expected: str = 'un\'indicizzazione come "+2,0 % dal 2025-01-01" o una mappa {percent, from}'

    def read(self, value, path, where):
        if isinstance(value, dict):
            raw = STEP_RECORD.read(value, path, where)
            return Step(raw["percent"], raw["from"], raw["source_line"], raw["note"] or "")
        match = STEP_TEXT.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            where.fail(path, self.expected, show(value))
        sign = -1.0 if match.group(1) in ("-", "−") else 1.0
        percent = sign * float(match.group(2).replace(",", "."))
        start = Date().read(match.group(3), path, where)
        if not PERCENT.within(percent):
            where.fail(path, PERCENT.expected, show(value))
        return Step(percent, start, None, value.strip())


STEPS = OneOrMany(StepSpec())


def read_steps(value, path: str, where: Where) -> tuple[Step, ...]:
    """The steps of an ``indicizzazione`` key, in date order (dates must differ)."""
    steps = sorted(STEPS.read(value, path, where), key=lambda s: s.start)
    for before, after in zip(steps, steps[1:], strict=False):
        if before.start == after.start:
            where.fail(path, "passi di indicizzazione con date diverse", it_date(after.start))
    return tuple(steps)


def indexed_rates(
    rates: pd.DataFrame,
    steps: tuple[Step, ...],
    timeline_end: dt.date,
    source: str,
    key: str = "indicizzazione",
    row: int | None = None,
) -> pd.DataFrame:
    """``rates`` (one timeline per item and group size, ending on ``timeline_end``) with the
    steps applied: the last rates continued without end from the first step past the timeline,
    then every step multiplying the amounts in force from its date. Rows are labelled
    ``basis = indicizzazione`` from the first step on."""
    if not steps:
        return rates
    beyond = [s for s in steps if s.start > timeline_end]
    if beyond and beyond[0].start != timeline_end + dt.timedelta(days=1):
        from cscplan.errors import InputError

        raise InputError(
            source,
            "un'indicizzazione dal giorno dopo la fine delle tariffe "
            f"({it_date(timeline_end + dt.timedelta(days=1))}), senza periodi scoperti",
            f"{beyond[0].text}",
            row=row,
            key=key,
        )
    if beyond:
        rates = _continued(rates, beyond[0], timeline_end)
    for step in steps:
        rates = _applied(rates, step)
    return rates


def _continued(rates: pd.DataFrame, step: Step, timeline_end: dt.date) -> pd.DataFrame:
    end = pd.Timestamp(timeline_end)
    last = rates[rates["valid_to"] == end]
    extra = last.assign(
        valid_from=pd.Timestamp(step.start),
        valid_to=pd.Timestamp(OPEN_END),
        basis=INDEXED,
        basis_line=_line(step),
        basis_note="",
    )
    return pd.concat([rates, extra], ignore_index=True)


def _applied(rates: pd.DataFrame, step: Step) -> pd.DataFrame:
    cut = pd.Timestamp(step.start)
    straddles = (rates["valid_from"] < cut) & (rates["valid_to"] >= cut)
    if straddles.any():
        before = rates[straddles].assign(valid_to=cut - pd.Timedelta(days=1))
        after = rates[straddles].assign(valid_from=cut)
        rates = pd.concat([rates[~straddles], before, after], ignore_index=True)
    later = (rates["valid_from"] >= cut).to_numpy()
    rates = rates.copy()
    for name in AMOUNTS:
        values = rates[name].to_numpy(float).copy()
        values[later] *= step.factor
        rates[name] = values
    basis = rates["basis"].to_numpy(object).copy()
    basis[later] = INDEXED
    rates["basis"] = basis
    lines = rates["basis_line"].astype("Int64").to_numpy(object).copy()
    lines[later] = pd.NA if step.source_line is None else step.source_line
    rates["basis_line"] = pd.array(lines, dtype="Int64")
    notes = rates["basis_note"].to_numpy(object).copy()
    notes[later] = [_join(n, step.text) for n in notes[later]]
    rates["basis_note"] = notes
    return sort_rates(rates)


def _line(step: Step):
    return pd.NA if step.source_line is None else step.source_line


def _join(note: str, text: str) -> str:
    word = f"indicizzazione {text}"
    return f"{note}; {word}" if note else word


def sort_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """Rates sorted by code, group size and start (the schedule's order)."""
    order = rates["group_size"].astype("Float64").fillna(0).to_numpy(float)
    keys = np.lexsort((rates["valid_from"].to_numpy(), order, rates["code"].to_numpy(str)))
    return rates.iloc[keys].reset_index(drop=True)
