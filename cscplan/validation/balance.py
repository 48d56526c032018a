"""Does the money add up? The year's spending (bottom-up) against funding, in total and per source."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from cscplan.budget.funding import (
    STATUS_UNMAPPED_COLUMN,
    STATUS_UNMAPPED_REVENUE,
    funding_balance,
    normalize_label,
    revenue_lines,
    split_labels,
)
from cscplan.fmt import eur
from cscplan.plan_years import PlanYears
from cscplan.validation.findings import Finding, finding
from cscplan.vocabulary import MONEY_TOLERANCE as TOLERANCE
from cscplan.vocabulary import REVENUE, SHEET

CHECK = "balance"
FUNDING_MAP_TABLE = "mappa fonti"


def total_balance_findings(
    lines: pd.DataFrame, revenue: pd.DataFrame, years: PlanYears
) -> list[Finding]:
    """The year's total spending (its PO over all lines) against the sum of all revenue lines."""
    spending = float(lines.loc[lines["column"] == years.po_current, "amount"].sum())
    funding = float(revenue_lines(revenue)["amount"].sum())
    delta = funding - spending
    if abs(delta) <= TOLERANCE:
        return []
    direction = "superano" if delta > 0 else "non coprono"
    message = (
        f"Le entrate {years.budget_year} ({eur(funding)}, somma delle voci) {direction} "
        f"la spesa {years.budget_year} "
        f"calcolata dalle righe di budget ({eur(spending)}): differenza {eur(abs(delta))}."
    )
    return [_finding("error", REVENUE, message, None, funding, spending)]


def source_balance_findings(
    lines: pd.DataFrame, revenue: pd.DataFrame, fmap: pd.DataFrame
) -> list[Finding]:
    """Per funding source: allocated vs available; unmapped columns, revenue lines and map labels."""
    balance = funding_balance(lines, revenue, fmap)
    lines_of = dict(zip(revenue["label"], revenue["source_line"], strict=True))
    findings = [_source_finding(row, lines_of.get(row.source)) for row in balance.itertuples()]
    findings += _unknown_map_labels(revenue, fmap)
    return [f for f in findings if f is not None]


def _source_finding(row, revenue_line) -> Finding | None:
    if row.status == STATUS_UNMAPPED_COLUMN:
        message = (
            f"La colonna di finanziamento '{row.source}' delle schede non è nella mappa delle "
            f"fonti (data/funding_sources.csv): {eur(row.allocated)} assegnati non confrontabili "
            "con le entrate."
        )
        return _finding("warning", SHEET, message, row.source, None, row.allocated)
    if row.status == STATUS_UNMAPPED_REVENUE:
        severity = "warning" if abs(row.available) > TOLERANCE else "info"
        message = (
            f"La voce di entrata '{row.source}' ({eur(row.available)}) non corrisponde a nessuna "
            "colonna di finanziamento delle schede (data/funding_sources.csv)."
        )
        finding = _finding(severity, REVENUE, message, row.source, row.available, None)
        return replace(finding, source_line=int(revenue_line)) if revenue_line else finding
    delta = row.available - row.allocated
    if abs(delta) <= TOLERANCE:
        return None
    verb = "supera" if delta > 0 else "è inferiore a"
    message = (
        f"Fonte '{row.source}': il disponibile nelle entrate ({eur(row.available)}) {verb} "
        f"quanto assegnato nelle schede ({eur(row.allocated)}, colonne {row.columns}) "
        f"di {eur(abs(delta))}."
    )
    return _finding("error", REVENUE, message, row.source, row.available, row.allocated)


def _unknown_map_labels(revenue: pd.DataFrame, fmap: pd.DataFrame) -> list[Finding]:
    present = set(revenue["label"].map(normalize_label))
    findings = []
    for row in fmap.itertuples():
        for label in split_labels(row.revenue_labels):
            if normalize_label(label) not in present:
                message = (
                    f"La mappa delle fonti collega '{label}' alla fonte '{row.source}', ma nelle "
                    "entrate del documento non c'è una voce con questa etichetta."
                )
                findings.append(
                    _finding("warning", FUNDING_MAP_TABLE, message, row.column, None, None)
                )
    return findings


def _finding(severity, table, message, column, stated, computed) -> Finding:
    return finding(CHECK, severity, table, message, column=column, stated=stated, computed=computed)
