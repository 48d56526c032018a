"""Masked cells (``#####``): recover each one from the identities the sheet must satisfy.

Row identity: on a budget line, the year's PO (``PO 2020`` in the 2020–2022 plan) equals the sum
of its funding-source cells, so one masked cell among them (or a masked PO) is determined by the
others.
Column identity: within an objective sheet (all parts), a column's cells add up to the stated
``TOTALE OBIETTIVO`` cell, so a single masked cell in a column is the stated total minus the rest.
The row identity is preferred (it only involves one printed row); the column value is kept
beside it so the checks can tell whether the two agree. Stated figures are never changed.
"""

from __future__ import annotations

import math

import pandas as pd

from cscplan.plan_years import current_plan_column
from cscplan.vocabulary import SHEET

METHOD_ROW = "riga"
METHOD_COLUMN = "colonna"
RECOVERY_COLUMNS = [
    "line_id",
    "objective_id",
    "column",
    "item",
    "source_line",
    "row_value",
    "column_value",
    "value",
    "method",
]


def masked_recoveries(
    budget_lines: pd.DataFrame,
    stated_totals: pd.DataFrame | None = None,
    po_current: str | None = None,
) -> pd.DataFrame:
    """One row per masked cell: the value from each identity (NaN if not solvable) and the choice.

    ``po_current`` is the year's plan column (default: the later of the lines' plan columns).
    """
    masked = budget_lines[budget_lines["masked"]]
    po_current = po_current or current_plan_column(budget_lines)
    rows = []
    for cell in masked.itertuples():
        row_value = _row_identity(budget_lines, cell, po_current)
        column_value = _column_identity(budget_lines, stated_totals, cell)
        value, method = _choose(row_value, column_value)
        rows.append(
            {
                "line_id": cell.line_id,
                "objective_id": int(cell.objective_id),
                "column": cell.column,
                "item": cell.item,
                "source_line": int(cell.source_line),
                "row_value": row_value,
                "column_value": column_value,
                "value": value,
                "method": method,
            }
        )
    return pd.DataFrame(rows, columns=RECOVERY_COLUMNS)


def recover_masked(
    budget_lines: pd.DataFrame,
    stated_totals: pd.DataFrame | None = None,
    recoveries: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``budget_lines`` with recovered masked cells filled in and flagged ``imputed=True``.

    ``masked`` stays True on those cells; a cell no identity can solve keeps ``amount`` NaN and
    ``imputed`` False (the ``masked_cells`` check reports it). Pass ``recoveries`` (from
    :func:`masked_recoveries`) when already computed.
    """
    if recoveries is None:
        recoveries = masked_recoveries(budget_lines, stated_totals)
    recovered = recoveries.dropna(subset=["value"])
    lines = budget_lines.copy()
    if recovered.empty:
        return lines
    values = recovered.set_index(["line_id", "column"])["value"]
    keys = pd.MultiIndex.from_frame(lines[["line_id", "column"]])
    filled = pd.Series(values.reindex(keys).to_numpy(), index=lines.index)
    hit = lines["masked"] & filled.notna()
    lines.loc[hit, "amount"] = filled[hit]
    lines.loc[hit, "imputed"] = True
    return lines


def _row_identity(lines: pd.DataFrame, cell, po_current: str) -> float:
    row = lines[lines["line_id"] == cell.line_id]
    sources = row[row["kind"] == "source"]
    plan = row[row["column"] == po_current]
    if cell.column == po_current:
        if sources.empty or sources["masked"].any():
            return math.nan
        return float(sources["amount"].sum())
    if cell.kind != "source" or plan.empty or plan["masked"].any():
        return math.nan
    others = sources[sources["column"] != cell.column]
    if others["masked"].any():
        return math.nan
    return float(plan["amount"].iloc[0] - others["amount"].sum())


def _column_identity(lines: pd.DataFrame, stated: pd.DataFrame | None, cell) -> float:
    if stated is None or stated.empty:
        return math.nan
    total = stated[
        (stated["table"] == SHEET)
        & (stated["objective_id"] == cell.objective_id)
        & (stated["column"] == cell.column)
    ]
    if total.empty or total["masked"].any():
        return math.nan
    column = lines[(lines["objective_id"] == cell.objective_id) & (lines["column"] == cell.column)]
    others = column[column["line_id"] != cell.line_id]
    if others["masked"].any():
        return math.nan
    return float(total["amount"].iloc[0] - others["amount"].sum())


def _choose(row_value: float, column_value: float) -> tuple[float, str]:
    if not math.isnan(row_value):
        return row_value, METHOD_ROW
    if not math.isnan(column_value):
        return column_value, METHOD_COLUMN
    return math.nan, ""
