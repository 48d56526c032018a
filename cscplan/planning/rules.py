"""Multi-year rules of the editable plan: how each later year's figure of an objective is made.

A year after the budget year holds a *rule* and a *value*:

* ``importo`` — the value is the amount in euro;
* ``= anno precedente`` — the previous year's figure (the value is ignored);
* ``+x %`` — the previous year's figure changed by the value in percent (``2,5`` or ``-3``).

The budget year itself is never a rule: it is the objective's total of the year's PO (a formula
in the workbook, recomputed from the lines when compiling). The same rule is evaluated in two
places that must agree: :func:`evaluate` here (compiling) and :func:`excel_formula` (the live
workbook), both from this module.
"""

from __future__ import annotations

import math
import re

from cscplan.metadata.fields import DRAFT_RULES

AMOUNT, SAME, PERCENT = DRAFT_RULES
_PERCENT_TEXT = re.compile(r"^([+-]?)\s*(\d+(?:[.,]\d+)?)\s*%$")


def normalise(rule: object, value: object) -> tuple[str, float] | None:
    """A rule cell and its value → ``(rule, value)``, or None if they are not a rule.

    Accepts the three rule words, and — for convenience — a percent written in the rule cell
    itself (``+3 %``, ``-2,5%``); the value of ``= anno precedente`` is ignored (NaN).
    """
    text = "" if rule is None else str(rule).strip()
    number = _number(value)
    if text == AMOUNT:
        return (AMOUNT, number) if not math.isnan(number) and number >= 0 else None
    if text == SAME or text.lstrip("=").strip() == "anno precedente":
        return SAME, math.nan
    if text == PERCENT:
        return (PERCENT, number) if not math.isnan(number) else None
    match = _PERCENT_TEXT.match(text)
    if match:
        sign = -1.0 if match[1] == "-" else 1.0
        return PERCENT, sign * float(match[2].replace(",", "."))
    return None


def evaluate(rule: str, value: float, previous: float) -> float:
    """The year's figure from its rule and the previous year's figure."""
    if rule == AMOUNT:
        return float(value)
    if rule == SAME:
        return float(previous)
    return float(previous) * (1 + float(value) / 100)


def excel_formula(rule_cell: str, value_cell: str, previous_cell: str) -> str:
    """The same rule as a live Excel formula (empty text when the rule is missing)."""
    return (
        f'=IF({rule_cell}="{AMOUNT}",{value_cell},'
        f'IF({rule_cell}="{SAME}",{previous_cell},'
        f'IF({rule_cell}="{PERCENT}",{previous_cell}*(1+{value_cell}/100),"")))'
    )


def _number(value: object) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("€", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?|[+-]?\d+(,\d+)?", text):
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return math.nan
