"""Shared test builders: a small hand-made plan whose arithmetic is checkable by eye.

Imported by the test modules (``from conftest import budget_lines, plan, ...``); the figures are
chosen so every check passes on the consistent plan and fails by a known delta when perturbed.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from cscplan.budget.funding import validate_funding_map
from cscplan.plan_years import PlanYears

YEARS = PlanYears(
    budget_year=2020,
    previous_year=2019,
    first_year=2020,
    last_year=2021,
    po_previous="PO 2019",
    po_current="PO 2020",
)

# (objective, part, line_id, source_line, item, {column: amount or None for masked})
LINES = [
    (1, 1, "01-1-001", 10, "Servizio A", {"PO 2019": 100, "PO 2020": 120, "FNPS 2020": 20, "COMUNI": 100}),
    (1, 1, "01-1-002", 11, "Servizio B", {"PO 2019": 50, "PO 2020": 60, "FNPS 2020": 60}),
    (1, 2, "01-2-001", 20, "Servizio C", {"PO 2019": 30, "PO 2020": 40, "COMUNI": 10, "ATS": 30}),
    (2, 1, "02-1-001", 40, "Servizio D", {"PO 2019": 10, "PO 2020": 10, "COMUNI": 10}),
]  # fmt: skip
SHEET_TOTALS = {
    1: (25, {"PO 2019": 180, "PO 2020": 220, "FNPS 2020": 80, "COMUNI": 110, "ATS": 30}),
    2: (42, {"PO 2019": 10, "PO 2020": 10, "COMUNI": 10}),
}
REVENUE = [
    ("Totale entrate", "FNPS 2020 (previsionale)", 80.0, "line", 50),
    ("Totale entrate", "Comuni 2020", 120.0, "line", 51),
    ("Totale entrate", "Fondi ATS", 30.0, "line", 52),
    ("Totale entrate", "Totale entrate", 230.0, "subtotal", 53),
    ("TOTALE BUDGET", "TOTALE BUDGET", 230.0, "total", 54),
]
COMPARISON = [(1, 170.0, 220.0, 50.0, 60), (2, 10.0, 10.0, 0.0, 61)]
MULTIYEAR = {1: (220.0, 200.0), 2: (10.0, 10.0)}
FUNDING_MAP = [
    ("FNPS 2020", "FNPS", "fondi nazionali", "FNPS 2020 (previsionale)", "", "1"),
    ("COMUNI", "Fondi comunali", "comunali", "Comuni 2020", "", "2"),
    ("ATS", "Fondi ATS", "ATS", "Fondi ATS", "", "3"),
]


def budget_lines(lines=LINES) -> pd.DataFrame:
    rows = []
    for objective_id, part, line_id, source_line, item, cells in lines:
        for column, amount in cells.items():
            rows.append(
                {
                    "objective_id": objective_id,
                    "objective": f"OBIETTIVO {objective_id}",
                    "part": part,
                    "line_id": line_id,
                    "action": "Azione 1: prova",
                    "item": item,
                    "detail": "",
                    "column": column,
                    "kind": "plan" if column.startswith("PO ") else "source",
                    "amount": float("nan") if amount is None else float(amount),
                    "masked": amount is None,
                    "imputed": False,
                    "source_line": source_line,
                }
            )
    return pd.DataFrame(rows)


def stated_totals(sheet=SHEET_TOTALS, comparison_total=(180.0, 230.0), years=(230.0, 210.0)):
    rows = [
        (
            "scheda",
            objective_id,
            column,
            float("nan" if amount is None else amount),
            amount is None,
            line,
        )
        for objective_id, (line, cells) in sheet.items()
        for column, amount in cells.items()
    ]
    rows += [
        ("confronto", None, "preconsuntivo 2019", comparison_total[0], False, 62),
        ("confronto", None, "budget 2020", comparison_total[1], False, 62),
    ]
    rows += [("pluriennale", None, str(2020 + i), v, False, 72) for i, v in enumerate(years)]
    frame = pd.DataFrame(
        rows, columns=["table", "objective_id", "column", "amount", "masked", "source_line"]
    )
    frame["objective_id"] = frame["objective_id"].astype("Int64")
    return frame


def revenue(rows=REVENUE) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["group", "label", "amount", "row_kind", "source_line"])


def comparison(rows=COMPARISON) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows,
        columns=["objective_id", "preconsuntivo", "budget", "variation", "source_line"],
    )
    frame["objective"] = "x"
    frame["note"] = ""
    return frame


def multiyear(figures=MULTIYEAR) -> pd.DataFrame:
    rows = [
        (objective_id, "x", 2020 + i, amount, 70 + objective_id)
        for objective_id, amounts in figures.items()
        for i, amount in enumerate(amounts)
    ]
    return pd.DataFrame(
        rows, columns=["objective_id", "objective", "year", "amount", "source_line"]
    )


def funding_map(rows=FUNDING_MAP) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["column", "source", "group", "revenue_labels", "note", "source_line"]
    )
    return validate_funding_map(frame)


def plan(**overrides) -> SimpleNamespace:
    tables = {
        "years": YEARS,
        "budget_lines": budget_lines(),
        "stated_totals": stated_totals(),
        "revenue": revenue(),
        "comparison": comparison(),
        "multiyear": multiyear(),
    }
    tables.update(overrides)
    return SimpleNamespace(**tables)


def with_cell(lines, line_id, column, amount):
    """LINES with one cell changed (None = masked, KeyError-free: adds the cell if absent)."""
    return [
        (o, p, lid, sl, item, {**cells, column: amount} if lid == line_id else cells)
        for o, p, lid, sl, item, cells in lines
    ]


def only(findings: pd.DataFrame, **where) -> pd.DataFrame:
    mask = pd.Series(True, index=findings.index)
    for key, value in where.items():
        mask &= findings[key] == value
    return findings[mask]
