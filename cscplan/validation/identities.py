"""The Piano Programma's identities as linear equations over its amount cells, in integer cents.

Every amount the document states is a *cell*: each budget-line cell (plan and funding-source
columns), each stated total (``TOTALE OBIETTIVO``, the comparison and multi-year ``TOTALE`` rows),
each comparison and multi-year figure and each revenue line, subtotal and total. Masked cells
(``#####``) are cells without a stated value. Every rule the catalogue of checks
(:mod:`cscplan.validation.checks`) verifies becomes an :class:`Identity` ``Σ coefficient × cell =
0``, built from the same tables and helpers the checks read:

* ``row_identity``: a line's plan-year PO = the sum of its funding-source cells;
* ``column_totals``: per sheet and column with a cell in the ``TOTALE OBIETTIVO`` row, the lines'
  cells = the stated total;
* ``cross_table``: an objective's plan-year figure is the same in the sheet total, the comparison
  and the multi-year table; variation = budget − previous year; each comparison and multi-year
  ``TOTALE`` = the sum of its rows; the comparison's budget total = the multi-year plan-year total;
* ``revenue_subtotals``: each revenue subtotal = its lines, the revenue total = all lines;
* ``balance``: total plan-year spending = total revenue; per mapped funding source, the sheets'
  columns = the revenue lines (``data/funding_sources.csv``, as in
  :func:`cscplan.budget.funding.funding_balance`).

The plan's years and PO columns come from the plan read (``ctx.years``); the comparison and
multi-year labels from the parsed tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cscplan.budget.funding import (
    funding_cells,
    normalize_label,
    revenue_lines,
    source_of_revenue_labels,
)
from cscplan.validation.checks import PlanContext
from cscplan.vocabulary import COMPARISON, MULTIYEAR, REVENUE, SHEET

# Field names of the comparison table: previous year's figure, the plan year's budget, the
# stated variation (the labels of their totals come from ``ctx.comparison_total_fields``).
PREVIOUS, BUDGET, VARIATION = "preconsuntivo", "budget", "variation"
ROLE_SHEET_TOTAL = "totale_scheda"
ROLE_GRAND_TOTAL = "totale_generale"
ROLE_OBJECTIVE_FIGURE = "cifra_obiettivo"
ROLE_LINE = "riga_budget"
ROLE_REVENUE_LINE = "voce_entrata"
ROLE_REVENUE_SUBTOTAL = "subtotale_entrate"
ROLE_REVENUE_TOTAL = "totale_entrate"
ROLES = (
    ROLE_SHEET_TOTAL,
    ROLE_GRAND_TOTAL,
    ROLE_OBJECTIVE_FIGURE,
    ROLE_LINE,
    ROLE_REVENUE_LINE,
    ROLE_REVENUE_SUBTOTAL,
    ROLE_REVENUE_TOTAL,
)
CELL_COLUMNS = ["cell", "table", "objective_id", "column", "source_line", "stated", "role"]
# Only variations may be negative (as in the tables' schemas); every other amount is ≥ 0.


@dataclass(frozen=True)
class Identity:
    """``Σ coefficient × cell = 0``; ``check`` names the catalogue check that verifies it."""

    check: str
    label: str
    terms: tuple[tuple[str, int], ...]


def cents(amount: float) -> int | None:
    """Euros → integer cents; a missing (masked) amount → ``None``."""
    return None if amount is None or math.isnan(amount) else round(amount * 100)


# --- cells -------------------------------------------------------------------------------------


def line_cell(line_id: str, column: str) -> str:
    return f"{SHEET}/{line_id}/{column}"


def sheet_total_cell(objective_id: int, column: str) -> str:
    return f"{SHEET}/totale {objective_id}/{column}"


def comparison_cell(objective_id, field: str) -> str:
    return f"{COMPARISON}/{_objective_key(objective_id)}/{field}"


def multiyear_cell(objective_id, year) -> str:
    return f"{MULTIYEAR}/{_objective_key(objective_id)}/{year}"


def revenue_cell(source_line: int) -> str:
    return f"{REVENUE}/riga {source_line}"


def _objective_key(objective_id) -> str:
    return "totale" if objective_id is None or pd.isna(objective_id) else str(int(objective_id))


def plan_cells(ctx: PlanContext) -> pd.DataFrame:
    """One row per amount cell: id, where it sits, its stated value in cents (NA if masked) and
    whether it may be negative (``signed``: the comparison's variations)."""
    rows = [
        *_line_cells(ctx.budget_lines),
        *_total_cells(ctx),
        *_comparison_cells(ctx),
        *_multiyear_cells(ctx.multiyear),
        *_revenue_cells(ctx.revenue),
    ]
    frame = pd.DataFrame(rows, columns=CELL_COLUMNS)
    frame["objective_id"] = frame["objective_id"].astype("Int64")
    frame["source_line"] = frame["source_line"].astype("Int64")
    frame["stated"] = frame["stated"].astype("Int64")
    frame["signed"] = frame["cell"].str.endswith(f"/{VARIATION}")
    return frame


def _cell_row(cell, table, objective_id, column, source_line, amount, role) -> dict:
    return dict(
        cell=cell,
        table=table,
        objective_id=objective_id,
        column=str(column),
        source_line=source_line,
        stated=cents(amount),
        role=role,
    )


def _line_cells(lines: pd.DataFrame) -> list[dict]:
    return [
        _cell_row(
            line_cell(r.line_id, r.column),
            SHEET,
            int(r.objective_id),
            r.column,
            int(r.source_line),
            r.amount,
            ROLE_LINE,
        )
        for r in lines.itertuples()
    ]


def _total_cells(ctx: PlanContext) -> list[dict]:
    rows = []
    for r in ctx.stated_totals.itertuples():
        if r.table == SHEET:
            cell, table, role = (
                sheet_total_cell(int(r.objective_id), r.column),
                SHEET,
                ROLE_SHEET_TOTAL,
            )
        elif r.table == COMPARISON:
            field = ctx.comparison_total_fields.get(r.column)
            if field is None:
                continue
            cell, table, role = comparison_cell(None, field), COMPARISON, ROLE_GRAND_TOTAL
        elif r.table == MULTIYEAR:
            cell, table, role = multiyear_cell(None, r.column), MULTIYEAR, ROLE_GRAND_TOTAL
        else:  # revenue subtotals and total are rows of the revenue table itself
            continue
        objective = None if pd.isna(r.objective_id) else int(r.objective_id)
        rows.append(_cell_row(cell, table, objective, r.column, int(r.source_line), r.amount, role))
    return rows


def _comparison_cells(ctx: PlanContext) -> list[dict]:
    comparison = ctx.comparison
    labels = {field: label for label, field in ctx.comparison_total_fields.items()}
    return [
        _cell_row(
            comparison_cell(r["objective_id"], field),
            COMPARISON,
            int(r["objective_id"]),
            labels[field],
            int(r["source_line"]),
            float(r[field]),
            ROLE_OBJECTIVE_FIGURE,
        )
        for _, r in comparison.iterrows()
        for field in labels
    ]


def _multiyear_cells(multiyear: pd.DataFrame) -> list[dict]:
    return [
        _cell_row(
            multiyear_cell(r.objective_id, r.year),
            MULTIYEAR,
            int(r.objective_id),
            str(r.year),
            int(r.source_line),
            float(r.amount),
            ROLE_OBJECTIVE_FIGURE,
        )
        for r in multiyear.itertuples()
    ]


def _revenue_cells(revenue: pd.DataFrame) -> list[dict]:
    roles = {"line": ROLE_REVENUE_LINE, "subtotal": ROLE_REVENUE_SUBTOTAL}
    return [
        _cell_row(
            revenue_cell(int(r.source_line)),
            REVENUE,
            None,
            r.label,
            int(r.source_line),
            float(r.amount),
            roles.get(r.row_kind, ROLE_REVENUE_TOTAL),
        )
        for r in revenue.itertuples()
    ]


# --- identities --------------------------------------------------------------------------------


def plan_identities(ctx: PlanContext) -> list[Identity]:
    """Every identity of the document (see the module docstring), over :func:`plan_cells` ids."""
    lines = ctx.budget_lines.assign(cell=_line_ids(ctx.budget_lines))
    return [
        *_row_identities(lines, ctx.years.po_current),
        *_column_identities(lines, ctx.stated_totals),
        *_objective_identities(ctx),
        *_variation_identities(ctx.comparison),
        *_grand_total_identities(ctx),
        *_revenue_identities(ctx.revenue),
        *_balance_identities(ctx, lines),
    ]


def _sum(cells, coefficient: int = 1) -> list[tuple[str, int]]:
    return [(cell, coefficient) for cell in cells]


def _line_ids(lines: pd.DataFrame) -> list[str]:
    return [line_cell(i, c) for i, c in zip(lines["line_id"], lines["column"], strict=True)]


def _row_identities(lines: pd.DataFrame, po_current: str) -> list[Identity]:
    plan = lines[lines["column"] == po_current]
    sources = funding_cells(lines).groupby("line_id", sort=False)["cell"].agg(list)
    return [
        Identity(
            "row_identity",
            f"riga {line}: {po_current} = somma delle fonti",
            ((cell, 1), *_sum(sources.get(line_id, []), -1)),
        )
        for line_id, cell, line in zip(
            plan["line_id"], plan["cell"], plan["source_line"], strict=True
        )
    ]


def _column_identities(lines: pd.DataFrame, totals: pd.DataFrame) -> list[Identity]:
    cells = lines.groupby(["objective_id", "column"])["cell"].agg(list)
    identities = []
    for total in totals[totals["table"] == SHEET].itertuples():
        objective_id = int(total.objective_id)
        members = cells.get((objective_id, total.column), [])
        label = f"Obiettivo {objective_id}, colonna {total.column}: righe = TOTALE OBIETTIVO"
        terms = _sum(members) + [(sheet_total_cell(objective_id, total.column), -1)]
        identities.append(Identity("column_totals", label, tuple(terms)))
    return identities


def _objective_identities(ctx: PlanContext) -> list[Identity]:
    """Sheet total = comparison budget = multi-year plan-year figure, per objective."""
    totals = ctx.stated_totals
    po_current, year = ctx.years.po_current, ctx.years.budget_year
    sheet = totals[(totals["table"] == SHEET) & (totals["column"] == po_current)]
    figures = {
        SHEET: {int(i): sheet_total_cell(int(i), po_current) for i in sheet["objective_id"]},
        COMPARISON: {int(i): comparison_cell(i, BUDGET) for i in ctx.comparison["objective_id"]},
        MULTIYEAR: {
            int(i): multiyear_cell(i, year)
            for i in ctx.multiyear.loc[ctx.multiyear["year"] == year, "objective_id"]
        },
    }
    identities = []
    for objective_id in sorted({i for cells in figures.values() for i in cells}):
        present = [cells[objective_id] for cells in figures.values() if objective_id in cells]
        for a, b in zip(present, present[1:], strict=False):
            label = (
                f"Obiettivo {objective_id}: stessa cifra {year} in schede, confronto, pluriennale"
            )
            identities.append(Identity("cross_table", label, ((a, 1), (b, -1))))
    return identities


def _variation_identities(comparison: pd.DataFrame) -> list[Identity]:
    return [
        Identity(
            "cross_table",
            f"Obiettivo {int(i)}: variazione = budget − anno precedente",
            (
                (comparison_cell(i, VARIATION), 1),
                (comparison_cell(i, BUDGET), -1),
                (comparison_cell(i, PREVIOUS), 1),
            ),
        )
        for i in comparison["objective_id"]
    ]


def _grand_total_identities(ctx: PlanContext) -> list[Identity]:
    """Each comparison and multi-year TOTALE = its rows; the two plan-year totals agree."""
    totals = ctx.stated_totals
    grand = totals[totals["objective_id"].isna()]
    identities, present = [], set()
    for total in grand[grand["table"] == COMPARISON].itertuples():
        field = ctx.comparison_total_fields.get(total.column)
        if field is not None:
            rows = [comparison_cell(i, field) for i in ctx.comparison["objective_id"]]
            present.add(comparison_cell(None, field))
            identities.append(
                _total_identity(COMPARISON, total.column, comparison_cell(None, field), rows)
            )
    for total in grand[grand["table"] == MULTIYEAR].itertuples():
        year_rows = ctx.multiyear[ctx.multiyear["year"].astype(str) == total.column]
        rows = [multiyear_cell(i, total.column) for i in year_rows["objective_id"]]
        present.add(multiyear_cell(None, total.column))
        identities.append(
            _total_identity(MULTIYEAR, total.column, multiyear_cell(None, total.column), rows)
        )
    year = ctx.years.budget_year
    pair = (comparison_cell(None, BUDGET), multiyear_cell(None, year))
    if set(pair) <= present:
        label = f"TOTALE del confronto ({BUDGET}) = TOTALE {year} del pluriennale"
        identities.append(Identity("cross_table", label, ((pair[0], 1), (pair[1], -1))))
    return identities


def _total_identity(table: str, column: str, total: str, rows: list[str]) -> Identity:
    label = f"{table}, colonna {column}: TOTALE = somma degli obiettivi"
    return Identity("cross_table", label, tuple([(total, 1), *_sum(rows, -1)]))


def _revenue_identities(revenue: pd.DataFrame) -> list[Identity]:
    lines = revenue_lines(revenue)
    identities = []
    for row in revenue[revenue["row_kind"] != "line"].itertuples():
        members = lines if row.row_kind == "total" else lines[lines["group"] == row.group]
        cells = [revenue_cell(int(line)) for line in members["source_line"]]
        label = f"entrate: '{row.label}' = somma delle sue voci"
        identities.append(
            Identity(
                "revenue_subtotals",
                label,
                tuple([(revenue_cell(int(row.source_line)), 1), *_sum(cells, -1)]),
            )
        )
    return identities


def _balance_identities(ctx: PlanContext, lines: pd.DataFrame) -> list[Identity]:
    revenue = revenue_lines(ctx.revenue)
    plan = lines[lines["column"] == ctx.years.po_current]
    revenue_ids = [revenue_cell(int(line)) for line in revenue["source_line"]]
    identities = [
        Identity(
            "balance",
            f"spesa {ctx.years.budget_year} (righe) = entrate (voci)",
            tuple(_sum(plan["cell"]) + _sum(revenue_ids, -1)),
        )
    ]
    label_source = source_of_revenue_labels(ctx.funding_map)
    revenue_source = revenue["label"].map(normalize_label).map(label_source)
    cells = funding_cells(lines)
    for source in dict.fromkeys(ctx.funding_map["source"]):
        columns = set(ctx.funding_map.loc[ctx.funding_map["source"] == source, "column"])
        allocated = list(cells.loc[cells["column"].isin(columns), "cell"])
        available = [
            revenue_cell(int(x)) for x in revenue.loc[revenue_source == source, "source_line"]
        ]
        if allocated or available:
            label = f"fonte '{source}': colonne delle schede = voci di entrata"
            terms = _sum(allocated) + _sum(available, -1)
            identities.append(Identity("balance", label, tuple(terms)))
    return identities
