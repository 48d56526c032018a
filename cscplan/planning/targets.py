"""KPI targets as operator, value, unit and deadline, the original text kept beside them.

The indicator tables state a target as Italian free text (``Almeno 8 all'anno``, ``100% entro il
31 dicembre 2020``, ``max. 60 gg.``, ``Entro il 30 Giugno 2020``). :func:`structured_targets` is
the one place that turns the ``kpis`` table into structured targets: when the parser already
publishes structured columns (``target_operator``, ``target_value``, ``target_unit``,
``deadline_date``) they are used as they are; otherwise the text is read here. The deadline is an
ISO date (``2020-12-31``), ``''`` when the text has none.
"""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd

MONTHS = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
).split()
NUMBER_WORDS = dict(
    zip(
        "uno una due tre quattro cinque sei sette otto nove dieci".split(),
        [1, 1, *range(2, 11)],
        strict=True,
    )
)
DEADLINE = re.compile(r"\bentro\s+(?:il\s+)?(\d{1,2})\s+([a-zà-ù]+)\s+(\d{4})\b", re.I)
WITHIN_DAYS = re.compile(r"\bentro\s+(\d+)\s*(?:gg|giorni)\b", re.I)
AT_LEAST = re.compile(r"\b(?:almeno|minimo)\b", re.I)
AT_MOST = re.compile(r"\b(?:max|massimo)\b", re.I)
VALUE = re.compile(
    r"(?<![\w,.])(\d+(?:,\d+)?|" + "|".join(NUMBER_WORDS) + r")(?!\w)\s*(%|ore\b|gg\b|giorni\b)?",
    re.I,
)
UNITS = {"%": "%", "ore": "ore", "gg": "gg", "giorni": "gg"}
PARSER_COLUMNS = {
    "target_operator": "kpi_operator",
    "target_value": "kpi_value",
    "target_unit": "kpi_unit",
    "deadline_date": "kpi_deadline",
}
COLUMNS = list(PARSER_COLUMNS.values())


def structured_targets(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per KPI row: operator, value, unit and ISO deadline (columns ``kpi_*``), same index.

    Reads the parser's structured columns when present, else parses ``target`` here.
    """
    if set(PARSER_COLUMNS) <= set(kpis.columns):
        return kpis[list(PARSER_COLUMNS)].rename(columns=PARSER_COLUMNS)
    rows = [parse_target(str(text)) for text in kpis["target"]]
    return pd.DataFrame(rows, columns=COLUMNS, index=kpis.index)


def parse_target(text: str) -> tuple[str, float, str, str]:
    """``'Almeno 80% entro il 31 dicembre 2020'`` → ``('≥', 80.0, '%', '2020-12-31')``."""
    deadline = deadline_date(text)
    rest = DEADLINE.sub(" ", text)
    within = WITHIN_DAYS.search(rest)
    if within:
        return "≤", float(within[1]), "gg", deadline
    value = VALUE.search(rest)
    if value is None:
        return "", math.nan, "", deadline
    operator = "≥" if AT_LEAST.search(rest) else "≤" if AT_MOST.search(rest) else "="
    token = value[1].lower()
    number = NUMBER_WORDS.get(token) or float(token.replace(",", "."))
    return operator, float(number), UNITS.get((value[2] or "").lower(), ""), deadline


def deadline_date(text: str) -> str:
    """``'entro il 31 dicembre 2020'`` → ``'2020-12-31'``; ``''`` if the text has no such date."""
    match = DEADLINE.search(text)
    if match is None or match[2].lower() not in MONTHS:
        return ""
    return date(int(match[3]), MONTHS.index(match[2].lower()) + 1, int(match[1])).isoformat()


def moved_deadline(iso: str, years: int) -> str:
    """An ISO deadline ``years`` later (29 February becomes 28 February)."""
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:
        return day.replace(year=day.year + years, day=28).isoformat()


def moved_text(text: str, years: int) -> str:
    """The target text with the year of its deadline phrase moved (``entro il 31 dicembre 2021``)."""
    return DEADLINE.sub(
        lambda m: m[0][: m.start(3) - m.start(0)] + str(int(m[3]) + years), str(text)
    )
