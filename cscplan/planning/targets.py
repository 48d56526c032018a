"""KPI targets as operator, value, unit and deadline, the original text kept beside them.

The parser structures each target (:mod:`cscplan.sources.kpi_targets`, columns ``target_operator``,
``target_value``, ``target_unit``, ``deadline_date`` of ``kpis``); :func:`structured_targets` renames
them for the plan workbook, where a director may also type a target as text (read with the same
:func:`~cscplan.sources.kpi_targets.parse_target`). Moving a plan forward moves the deadlines.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from cscplan.sources.kpi_targets import DEADLINE, parse_target

MONTHS = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
).split()
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
    rows = [_fields(parse_target(str(text))) for text in kpis["target"]]
    return pd.DataFrame(rows, columns=COLUMNS, index=kpis.index)


def _fields(target) -> tuple[str, float, str, str]:
    return target.operator, target.value, target.unit, target.deadline


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
