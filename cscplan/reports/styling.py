"""One pandas Styler for every notebook table: Italian headers and amounts as ``1.234,56 €``.

Headers come from the field registry (``metadata.label`` with the plan's years filled in) when
the frame is a published table; a caller can add labels for derived columns (pivots, scenarios).
Money columns are the registry's euro fields (``unit="EUR"``) or columns ending in ``_eur``.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from cscplan import metadata
from cscplan.fmt import eur, number
from cscplan.reports.presentation import plan_values


def _label(table: str | None, column, plan: dict | None) -> str | None:
    if table is None or not isinstance(column, str):
        return None
    try:
        return metadata.label(table, column, plan)
    except KeyError:
        return None


def is_money(table: str | None, column) -> bool:
    """A euro column: the registry says so, or its name ends in ``_eur``."""
    if not isinstance(column, str):
        return False
    if table is not None:
        try:
            return metadata.field_of(table, column).unit == "EUR"
        except KeyError:
            pass
    return column.endswith("_eur")


def _cell(value, money: bool) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "sì" if value else "no"
    if money:
        return eur(value)
    if isinstance(value, float):
        return number(value, 0 if value.is_integer() else 2)
    return str(value)


def styled(
    frame: pd.DataFrame,
    table: str | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
    labels: dict | None = None,
    money: bool | list | None = None,
) -> Styler:
    """``frame`` for display: Italian headers, euro amounts, Italian numbers, ``sì``/``no``.

    ``table`` names the published table the columns belong to (their registry labels);
    ``labels`` adds or overrides headers; ``money`` = True formats every numeric column as euro,
    a list names the euro columns, None asks the registry.
    """
    plan = plan_values(tables or {})
    numeric = frame.select_dtypes("number").columns
    if money is True:
        euro = set(numeric)
    elif isinstance(money, list):
        euro = set(money)
    else:
        euro = {c for c in frame.columns if is_money(table, c)}
    headers = {c: _label(table, c, plan) for c in frame.columns}
    headers = {c: h for c, h in headers.items() if h} | dict(labels or {})
    shown = frame.rename(columns=headers)
    if shown.index.name in headers:
        shown.index.name = headers[shown.index.name]
    formatters = {headers.get(c, c): (lambda v, m=c in euro: _cell(v, m)) for c in frame.columns}
    return shown.style.format(formatters).set_properties(
        subset=[headers.get(c, c) for c in numeric], **{"text-align": "right"}
    )
