"""Shared test builders: a small hand-made plan whose arithmetic is checkable by eye.

Imported by the test modules (``from conftest import budget_lines, plan, ...``); the figures are
chosen so every check passes on the consistent plan and fails by a known delta when perturbed.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import pandas as pd

from cscplan import paths
from cscplan.budget import views
from cscplan.budget.funding import validate_funding_map
from cscplan.plan_years import PlanYears
from cscplan.scenarios.benchmarks import growth_table, load_benchmark_map
from cscplan.sources.service_maps import load_service_maps
from cscplan.tariffs.engine import COSTS_MONTHLY_COLUMNS
from cscplan.validation.findings import Finding, findings_frame
from cscplan.vocabulary import PAYER_COLUMNS

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


# --- the report fixture: every table the report reads, small and hand-made ----------------------

REPORT_LINE_COLUMNS = [
    "objective_id",
    "objective",
    "part",
    "line_id",
    "action",
    "item",
    "detail",
    "column",
    "kind",
    "amount",
    "masked",
    "imputed",
    "source_line",
]
# (objective, line_id, action, item, {column: amount}, source_line); None = masked "#####"
REPORT_LINES = [
    (
        1,
        "01-1-001",
        "Azione 1: Direzione",
        "Direttore",
        {"PO 2019": 100.0, "PO 2020": 120.0, "FNPS 2020": 20.0, "COMUNI": 100.0},
        10,
    ),
    (1, "01-1-002", "", "Cancelleria", {"PO 2019": 50.0, "PO 2020": 30.5, "COMUNI": 30.5}, 11),
    (
        2,
        "02-1-001",
        "Azione 1: Affidi",
        "Coordinamento Affidi",
        {"PO 2019": 200.0, "PO 2020": 250.25, "FNPS 2020": 50.25, "ATS": None, "COMUNI": 150.0},
        20,
    ),
]
TITLES = {1: "Servizi generali e governance", 2: "Tutela minori e famiglia"}
REPORT_YEARS = PlanYears(2020, 2019, 2020, 2022, "PO 2019", "PO 2020")


def report_budget_lines() -> pd.DataFrame:
    rows = []
    for obj, line_id, action, item, cells, line in REPORT_LINES:
        for column, amount in cells.items():
            kind = "plan" if column.startswith("PO ") else "source"
            rows.append(
                [
                    obj,
                    TITLES[obj],
                    1,
                    line_id,
                    action,
                    item,
                    "",
                    column,
                    kind,
                    np.nan if amount is None else amount,
                    amount is None,
                    False,
                    line,
                ]
            )
    return pd.DataFrame(rows, columns=REPORT_LINE_COLUMNS)


def report_findings() -> pd.DataFrame:
    return findings_frame(
        [
            Finding(
                "column_totals",
                "error",
                "scheda",
                "Il totale dichiarato dell'Obiettivo 2 "
                "(colonna PO 2020) supera di 10,00 € la somma delle righe",
                2,
                "PO 2020",
                25,
                260.25,
                250.25,
                10.0,
            ),
            Finding(
                "cross_table",
                "error",
                "pluriennale",
                "Il totale 2021 non torna",
                None,
                "2021",
                40,
                400.0,
                395.0,
                5.0,
            ),
            Finding(
                "column_totals", "warning", "scheda", "Colonna ATS assente nel totale", 2, "ATS", 25
            ),
            Finding(
                "masked_cells",
                "info",
                "scheda",
                "Cella ##### ricostruita: 50,00 €",
                2,
                "ATS",
                20,
                None,
                50.0,
            ),
        ]
    )


def report_costs_monthly() -> pd.DataFrame:
    rows = []
    plans = [
        ("b1", "Crema", "SAAP", "SAAP_D1", 100.0),
        ("b2", "Offanengo", "SAD-SADH", "SAD_FERIALE", 60.0),
        ("b3", "Crema", "SAAP", "SAAP_D2", 40.0),
    ]
    for scenario, factor in (("baseline", 1.0), ("saap_piu5", 1.05)):
        for month in ("2023-01", "2023-02", "2023-03"):
            for ben, comune, service, item, gross in plans:
                value = gross * (factor if service == "SAAP" else 1.0)
                district = round(value * 0.25, 2)
                rows.append(
                    [
                        scenario,
                        ben,
                        comune,
                        service,
                        item,
                        month,
                        10.0,
                        value,
                        0.0,
                        value,
                        value - district,
                        district,
                        0.0,
                        0.0,
                        0.0,
                    ]
                )
    return pd.DataFrame(rows, columns=COSTS_MONTHLY_COLUMNS)


@functools.cache
def cremona_growth() -> pd.DataFrame:
    return growth_table(
        load_service_maps(paths.SERVICE_MAPS).values, load_benchmark_map(paths.BENCHMARK_MAP)
    )


def with_views(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The published views of the plan, computed from the hand-made tables by the real code."""
    lines, fmap = tables["budget_lines"], tables["funding_sources"]
    return {
        **tables,
        "plan_info": pd.DataFrame([REPORT_YEARS.record()]),
        "budget_by_action": views.by_action(lines, REPORT_YEARS),
        "budget_by_objective": views.objective_summary(
            lines, tables["stated_totals"], fmap, REPORT_YEARS
        ),
        "comparison_view": views.comparison_view(tables["comparison"], lines, REPORT_YEARS),
    }


def sample_tables() -> dict[str, pd.DataFrame]:
    """Every table the report reads, small and hand-made (Cremona growth is the real one)."""
    return with_views(base_tables())


def base_tables() -> dict[str, pd.DataFrame]:
    monthly = report_costs_monthly()
    summary = monthly.groupby(["scenario", "service"], as_index=False)[
        ["gross_eur", *PAYER_COLUMNS.values()]
    ].sum()
    return {
        "budget_lines": report_budget_lines(),
        "stated_totals": pd.DataFrame(
            {
                "table": ["scheda", "scheda", "pluriennale"],
                "objective_id": pd.array([1, 2, None], dtype="Int64"),
                "column": ["PO 2020", "PO 2020", "2021"],
                "amount": [150.5, 260.25, 400.0],
                "masked": False,
                "source_line": [12, 25, 40],
            }
        ),
        "revenue": pd.DataFrame(
            {
                "group": ["Comuni", "Comuni", "Comuni", "Fondi nazionali", "Fondi nazionali", ""],
                "label": [
                    "Quote comuni",
                    "Altri comuni",
                    "Totale comuni",
                    "FNPS 2020",
                    "Totale fondi nazionali",
                    "TOTALE BUDGET",
                ],
                "amount": [130.5, 50.0, 180.5, 70.25, 70.25, 250.75],
                "row_kind": ["line", "line", "subtotal", "line", "subtotal", "total"],
                "source_line": [50, 51, 52, 53, 54, 55],
            }
        ),
        "comparison": pd.DataFrame(
            {
                "objective_id": [1, 2],
                "objective": [TITLES[1], TITLES[2]],
                "preconsuntivo": [150.0, 200.0],
                "budget": [150.5, 250.25],
                "variation": [0.5, 50.25],
                "note": ["", "più affidi"],
                "source_line": [60, 61],
            }
        ),
        "multiyear": pd.DataFrame(
            {
                "objective_id": [1, 1, 1, 2, 2, 2],
                "objective": [TITLES[1]] * 3 + [TITLES[2]] * 3,
                "year": [2020, 2021, 2022] * 2,
                "amount": [150.5, 155.0, 160.0, 250.25, 240.0, 230.0],
                "source_line": [70, 70, 70, 71, 71, 71],
            }
        ),
        "findings": report_findings(),
        "funding_by_objective": pd.DataFrame(
            {
                "objective_id": [1, 1, 2, 2, 2],
                "source": ["FNPS", "Comuni", "FNPS", "Comuni", "ATS"],
                "amount": [20.0, 130.5, 50.25, 150.0, 50.0],
            }
        ),
        "funding_sources": pd.DataFrame(
            {
                "column": ["FNPS 2020", "COMUNI", "ATS"],
                "source": ["FNPS", "Comuni", "ATS"],
                "group": ["fondi nazionali", "comunali", "ATS"],
            }
        ),
        "funding_balance": pd.DataFrame(
            {
                "source": ["ATS", "Comuni", "FNPS"],
                "allocated": [50.0, 280.5, 70.25],
                "available": [50.0, 180.5, 70.25],
                "difference": [0.0, -100.0, 0.0],
            }
        ),
        "costs_monthly": monthly,
        "costs_summary": summary,
        "montecarlo_quantiles": pd.DataFrame(
            {
                "service": ["SAAP", "TOTALE"],
                "payer": ["comune", "comune"],
                "baseline_eur": [315.0, 450.0],
                "p10_eur": [280.0, 400.0],
                "p50_eur": [300.0, 430.0],
                "p90_eur": [312.0, 445.0],
            }
        ),
        "montecarlo_path": pd.DataFrame(
            {
                "month": ["2023-01", "2023-02", "2023-03"],
                "baseline_cum_eur": [200.0, 400.0, 600.0],
                "p10_eur": [190.0, 390.0, 590.0],
                "p50_eur": [200.0, 400.0, 600.0],
                "p90_eur": [210.0, 410.0, 610.0],
                "alert_threshold_eur": [480.0] * 3,
            }
        ),
        "montecarlo_summary": pd.DataFrame(
            {
                "draws": [100],
                "commitment_eur": [600.0],
                "p10_eur": [590.0],
                "p50_eur": [600.0],
                "p90_eur": [610.0],
                "prob_exceed": [0.42],
                "alert_share": [0.8],
                "alert_month": ["2023-03"],
            }
        ),
        "sensitivity": pd.DataFrame(
            {
                "parameter": ["tariffe", "iva", "volumi"],
                "label": ["Tariffe ±5%", "IVA dal 5% al 10%", "Volumi ±10%"],
                "baseline_eur": [600.0] * 3,
                "low_eur": [570.0, 600.0, 540.0],
                "high_eur": [630.0, 628.0, 660.0],
            }
        ),
        "cremona_growth": cremona_growth(),
    }


def recalculated(path) -> dict[tuple[str, str], object]:
    """Every formula cell of an .xlsx recomputed by the `formulas` engine: (SHEET, cell) → value."""
    import formulas

    model = formulas.ExcelModel().loads(str(path)).finish()
    values = {}
    for key, value in model.calculate().items():
        if "]" not in str(key) or "!" not in str(key):
            continue
        sheet, cell = str(key).split("]", 1)[1].rsplit("!", 1)
        values[(sheet.strip("'").upper(), cell)] = (
            value.value[0][0] if hasattr(value, "value") else value
        )
    return values
