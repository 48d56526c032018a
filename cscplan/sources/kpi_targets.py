"""The targets of the Piano Programma's indicator tables, from free text to structured fields.

A target ("Valore atteso") is written as Italian free text; the forms found in the plan are:

* a threshold: ``Almeno 8 all'anno``, ``Almeno 80% delle famiglie …``, ``max. 60 gg.``,
  ``Almeno quattro nell'anno`` (numbers may be written in words), ``Riduzione di almeno 5% …``;
* a plain value: ``100% entro il 31 dicembre 2020``, ``15% entro …``;
* a time limit: ``Entro 20 gg.`` (at most 20 days);
* a deadline only: ``Entro il 30 Giugno 2020``, ``Avvio entro il 31 ottobre 2020``.

:func:`parse_target` returns the operator (``≥``, ``≤``, ``=`` or ``''``), the value, its unit
(``%``, ``ore``, ``gg`` or ``''`` for a count), the period it refers to (``anno``,
``settimana`` or ``''``) and the deadline as an ISO date (``''`` if none). The original text is
always kept beside them (column ``target``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ),
        start=1,
    )
}
NUMBER_WORDS = {
    "uno": 1,
    "una": 1,
    "due": 2,
    "tre": 3,
    "quattro": 4,
    "cinque": 5,
    "sei": 6,
    "sette": 7,
    "otto": 8,
    "nove": 9,
    "dieci": 10,
}
AT_LEAST = re.compile(r"\b(?:almeno|minimo|non meno di)\b", re.I)
AT_MOST = re.compile(r"\b(?:max\.?|massimo|non più di)(?=\s|$)", re.I)
DEADLINE = re.compile(r"\bentro\s+(?:il\s+)?(\d{1,2})\s+([a-zà-ù]+)\s+(\d{4})\b", re.I)
WITHIN = re.compile(r"\bentro\s+(\d+)\s*(gg|giorni)\b", re.I)
VALUE = re.compile(
    r"(?<![\w,.])(\d+(?:,\d+)?|" + "|".join(NUMBER_WORDS) + r")(?![\w])\s*(%|ore\b|gg\b|giorni\b)?",
    re.I,
)
PER_YEAR = re.compile(
    r"(?:/\s*anno|\ball'anno|\bin un anno|\bnell'anno|\banno)\b(?!\s+precedente)", re.I
)
PER_WEEK = re.compile(r"/\s*settimana\b|\ba settimana\b", re.I)
UNITS = {"%": "%", "ore": "ore", "gg": "gg", "giorni": "gg"}


@dataclass(frozen=True)
class Target:
    operator: str = ""
    value: float = math.nan
    unit: str = ""
    period: str = ""
    deadline: str = ""  # ISO date


def parse_target(text: str) -> Target:
    """Structured fields of one target text (see the module docstring)."""
    deadline = deadline_date(text)
    rest = DEADLINE.sub(" ", text)
    within = WITHIN.search(rest)
    if within:
        return Target("≤", float(within[1]), "gg", "", deadline)
    value = VALUE.search(rest)
    if value is None:
        return Target(deadline=deadline)
    operator = "≥" if AT_LEAST.search(rest) else "≤" if AT_MOST.search(rest) else "="
    unit = UNITS.get((value[2] or "").lower(), "")
    return Target(operator, _number(value[1]), unit, _period(rest[value.end() :]), deadline)


def deadline_date(text: str) -> str:
    """``entro il 31 dicembre 2020`` → ``2020-12-31``; ``''`` if there is no such date."""
    match = DEADLINE.search(text)
    month = MONTHS.get(match[2].lower()) if match else None
    if month is None:
        return ""
    return f"{int(match[3]):04d}-{month:02d}-{int(match[1]):02d}"


def _number(token: str) -> float:
    word = NUMBER_WORDS.get(token.lower())
    return float(word) if word is not None else float(token.replace(",", "."))


def _period(tail: str) -> str:
    if PER_WEEK.search(tail):
        return "settimana"
    return "anno" if PER_YEAR.search(tail) else ""
