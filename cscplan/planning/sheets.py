"""The plan workbook's format, declared once for the writer and the reader.

Sheet names, the format mark, the spare rows left for additions and every header: headers of
registry fields are the registry's Italian labels with the plan's years filled in
(:func:`cscplan.metadata.labels`); the funding columns are headed by the column itself
(``FNPS 2021``), as in the document.
"""

from __future__ import annotations

from cscplan import metadata
from cscplan.plan_years import PlanYears

FORMAT_MARK = "cscplan · piano modificabile · formato 1"
TOTAL_LABEL = "TOTALE"

INSTRUCTIONS = "Istruzioni"
PLAN = "Piano"
OBJECTIVES = "Obiettivi"
ACTIONS = "Azioni"
LINES = "Voci di budget"
SOURCES = "Fonti"
REVENUE = "Entrate"
MULTIYEAR = "Pluriennale"
COMPARISON = "Confronto"
STAFF = "Personale"
HIRING = "Assunzioni"
STRATEGIC = "Obiettivi strategici"
KPIS = "Indicatori"
CHECKS = "Controlli"
SHEET_ORDER = (
    INSTRUCTIONS,
    PLAN,
    OBJECTIVES,
    ACTIONS,
    LINES,
    SOURCES,
    REVENUE,
    MULTIYEAR,
    COMPARISON,
    STAFF,
    HIRING,
    STRATEGIC,
    KPIS,
    CHECKS,
)

SPARE = {
    OBJECTIVES: 10,
    ACTIONS: 20,
    LINES: 60,
    SOURCES: 6,
    REVENUE: 10,
    STAFF: 5,
    HIRING: 10,
    STRATEGIC: 10,
    KPIS: 40,
}
"""Empty rows left (with their formulas) for additions, per sheet."""

PLAN_FIELDS = ("plan_title", "budget_year", "previous_year", "first_year", "last_year")
PLAN_FIELDS += ("po_previous_column", "po_current_column")
OBJECTIVE_INPUTS = ("objective_id", "objective", "sheet_columns")
LINE_LABELS = ("objective_id", "part", "action", "item", "detail", "po_previous", "po_current")
LINE_TAIL = ("note", "origin_line")
REVENUE_INPUTS = ("group", "label", "amount", "source")
SOURCE_INPUTS = ("column", "source", "group")
BALANCE_COLUMNS = ("source", "allocated", "available", "difference")
COMPARISON_COLUMNS = ("preconsuntivo", "budget", "variation", "note", "provenance")
HIRING_COLUMNS = ("profile", "area", "units", "coverage", "year")
STRATEGIC_COLUMNS = ("code", "area", "title", "description")
KPI_COLUMNS = tuple(metadata.dtypes("draft_kpis"))
STAFF_PROFILE = "Profilo professionale"
SUBTOTAL_HEADER, SUBTOTAL_SUM, ROW_KIND_HEADER = "Subtotale / totale", "Somma (€)", "Tipo"
SUBTOTAL_KIND, TOTAL_KIND = "subtotale", "totale"
OBJECTIVE_TITLE = "Titolo dell'obiettivo"


def labels(table: str, columns, years: PlanYears) -> dict[str, str]:
    return metadata.labels(table, columns, years.record())


def line_headers(years: PlanYears, funding_columns) -> list[str]:
    """Voci di budget: registry labels, then the funding columns, then note and origin line."""
    named = labels("draft_lines", (*LINE_LABELS, *LINE_TAIL), years)
    return [
        *(named[c] for c in LINE_LABELS),
        *funding_columns,
        *(named[c] for c in LINE_TAIL),
    ]


def year_headers(years: PlanYears, year: int) -> tuple[str, str, str]:
    """Pluriennale, a later year: its rule, its value and its figure."""
    named = labels("draft_multiyear", ("rule", "rule_value"), years)
    return f"{named['rule']} {year}", f"{named['rule_value']} {year}", budget_header(year)


def budget_header(year: int) -> str:
    return f"Budget {year} (€)"


def source_headers(years: PlanYears) -> list[str]:
    """Fonti: per column (column, its source, group, allocated), a gap, then the per-source
    balance (registry labels of ``funding_balance``)."""
    balance = labels("funding_balance", BALANCE_COLUMNS, years)
    column = labels("funding_sources", ("column", "group"), years)
    return [
        column["column"],
        "Fonte della colonna",
        column["group"],
        "Assegnato nelle voci (€)",
        "",
        *(balance[c] for c in BALANCE_COLUMNS),
    ]
