"""The catalogue of reconciliation checks on the Piano Programma.

Each check is a small pure function ``(ctx: PlanContext) -> list[Finding]`` registered with
``@check("name")``; :func:`run_checks` builds the context (recovering masked cells first), runs the
selected checks and returns the findings table. Adding a check = one function + the decorator.
Severity: ``error`` = an arithmetic disagreement above 0,01 €, ``warning`` = a structural problem,
``info`` = a remark. Stated figures are never corrected; each disagreement is reported once and,
when the same difference shows up elsewhere, the messages point to each other.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import pandas as pd

from cscplan.budget.funding import funding_balance, source_of_columns
from cscplan.errors import InputError
from cscplan.fmt import eur, signed_eur
from cscplan.plan_years import PlanYears
from cscplan.validation import balance as balance_module
from cscplan.validation.findings import Finding, findings_frame
from cscplan.validation.findings import finding as _finding
from cscplan.validation.masked import masked_recoveries, recover_masked
from cscplan.vocabulary import (
    COMPARISON,
    MULTIYEAR,
    REVENUE,
    SHEET,
    VARIATION,
)
from cscplan.vocabulary import (
    MONEY_TOLERANCE as TOLERANCE,
)


@dataclass(frozen=True)
class PlanContext:
    """Everything a check may read: the parsed tables, the funding map, the recovered lines."""

    years: PlanYears
    budget_lines: pd.DataFrame
    stated_totals: pd.DataFrame
    revenue: pd.DataFrame
    comparison: pd.DataFrame
    multiyear: pd.DataFrame
    funding_map: pd.DataFrame
    lines: pd.DataFrame
    recoveries: pd.DataFrame

    @classmethod
    def build(
        cls,
        plan,
        funding_map: pd.DataFrame,
        lines: pd.DataFrame | None = None,
        recoveries: pd.DataFrame | None = None,
    ) -> PlanContext:
        """From a ``PlanTables`` and the funding map; pass the recovered lines and the recoveries
        when the caller already has them (the build recovers masked cells once)."""
        years = plan.years
        if recoveries is None:
            recoveries = masked_recoveries(plan.budget_lines, plan.stated_totals, years.po_current)
        if lines is None:
            lines = recover_masked(plan.budget_lines, recoveries=recoveries)
        return cls(
            years=years,
            budget_lines=plan.budget_lines,
            stated_totals=plan.stated_totals,
            revenue=plan.revenue,
            comparison=plan.comparison,
            multiyear=plan.multiyear,
            funding_map=funding_map,
            lines=lines,
            recoveries=recoveries,
        )

    def sheet_totals(self, objective_id: int) -> pd.DataFrame:
        st = self.stated_totals
        return st[(st["table"] == SHEET) & (st["objective_id"] == objective_id)]

    @property
    def comparison_total_fields(self) -> dict[str, str]:
        """Stated comparison total label → the comparison column it totals."""
        return {
            self.years.preconsuntivo_label: "preconsuntivo",
            self.years.budget_label: "budget",
            VARIATION: "variation",
        }


CheckFunction = Callable[[PlanContext], list[Finding]]


@dataclass(frozen=True)
class Check:
    name: str
    function: CheckFunction
    description: str


CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` in :data:`CHECKS` under ``name`` (its docstring's first line is the
    description)."""

    def register(function: CheckFunction) -> CheckFunction:
        doc = (function.__doc__ or "").strip().splitlines()
        CHECKS[name] = Check(name, function, doc[0] if doc else "")
        return function

    return register


def run_checks(
    plan_tables,
    funding_map: pd.DataFrame,
    checks: Iterable[str] | None = None,
    lines: pd.DataFrame | None = None,
    recoveries: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Run the selected checks (all by default) and return the findings table."""
    names = list(CHECKS) if checks is None else list(checks)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise InputError(
            None, f"uno dei controlli {', '.join(CHECKS)}", ", ".join(unknown), key="checks"
        )
    ctx = PlanContext.build(plan_tables, funding_map, lines, recoveries)
    findings = [f for name in names for f in CHECKS[name].function(ctx)]
    return findings_frame(cross_reference(one_error_per_cell(findings)))


def one_error_per_cell(findings: list[Finding]) -> list[Finding]:
    """A wrong stated cell is one error: the first check that finds it keeps ``error``; later
    checks that disagree with the *same* stated figure (same line, amount and delta) become
    ``info`` and say so, so a director counts each cell to fix once."""
    first: dict[tuple, Finding] = {}
    result = []
    for finding in findings:
        key = _cell_key(finding)
        if key is None or finding.severity != "error":
            result.append(finding)
        elif key not in first:
            first[key] = finding
            result.append(finding)
        else:
            note = f" È lo stesso importo già segnalato come errore ({describe(first[key])})."
            result.append(replace(finding, severity="info", message=finding.message + note))
    return result


def _cell_key(finding: Finding) -> tuple | None:
    if finding.source_line is None or finding.stated is None or _delta_key(finding) is None:
        return None
    return (finding.source_line, round(finding.stated * 100), _delta_key(finding))


def cross_reference(findings: list[Finding]) -> list[Finding]:
    """Append to each finding the other places where the same difference (±0,01 €) appears."""
    keyed = [(_delta_key(f), f) for f in findings]
    counts = Counter(k for k, _ in keyed if k is not None)
    result = []
    for key, finding in keyed:
        if key is None or counts[key] < 2:
            result.append(finding)
            continue
        others = [describe(f) for k, f in keyed if k == key and f is not finding]
        note = f" Stessa differenza ({eur(abs(finding.delta))}) rilevata anche in: {'; '.join(others)}."
        result.append(replace(finding, message=finding.message + note))
    return result


def _delta_key(finding: Finding) -> int | None:
    if finding.delta is None or math.isnan(finding.delta) or abs(finding.delta) <= TOLERANCE:
        return None
    return round(abs(finding.delta) * 100)


CHECK_LABELS = {
    "row_identity": "identità di riga",
    "column_totals": "totali di colonna",
    "cross_table": "confronto tra tabelle",
    "revenue_subtotals": "subtotali delle entrate",
    "balance": "pareggio delle fonti",
    "masked_cells": "celle oscurate",
}


def describe(finding: Finding) -> str:
    """Where a finding sits, in words: ``totali di colonna: schede, Obiettivo 5, colonna 'ATS'
    (riga 650)``."""
    parts = [f"{CHECK_LABELS.get(finding.check, finding.check)}: {finding.table}"]
    if finding.objective_id is not None:
        parts.append(f"Obiettivo {finding.objective_id}")
    if finding.column:
        parts.append(f"colonna '{finding.column}'")
    text = ", ".join(parts)
    return text + (f" (riga {finding.source_line})" if finding.source_line else "")


def _differs(a: float, b: float) -> bool:
    return abs(a - b) > TOLERANCE


def _gap(delta: float) -> str:
    """``superiore di 5,00 €`` / ``inferiore di 5,00 €`` (delta = stated − computed)."""
    return f"{'superiore' if delta > 0 else 'inferiore'} di {eur(abs(delta))}"


# --- row identity ------------------------------------------------------------------------------


@check("row_identity")
def row_identity(ctx: PlanContext) -> list[Finding]:
    """Per budget line: the year's PO = sum of its funding-source cells."""
    findings = []
    for _, row in ctx.lines.groupby("line_id", sort=False):
        finding = _row_identity_finding(row, ctx.years.po_current)
        if finding:
            findings.append(finding)
    return findings


def _row_identity_finding(row: pd.DataFrame, po_current: str) -> Finding | None:
    plan = row[row["column"] == po_current]
    sources = row[row["kind"] == "source"]
    if row["amount"].isna().any() or (plan.empty and sources.empty):
        return None
    first = row.iloc[0]
    where = f"Riga {int(first['source_line'])} (Obiettivo {int(first['objective_id'])}, '{first['item']}')"
    computed = float(sources["amount"].sum())
    if plan.empty:
        if abs(computed) <= TOLERANCE:
            return None
        message = f"{where}: fonti per {eur(computed)} ma nessun importo {po_current}."
        return _line_finding("warning", message, first, None, computed, po_current)
    stated = float(plan["amount"].iloc[0])
    delta = stated - computed
    if abs(delta) <= TOLERANCE:
        return None
    message = (
        f"{where}: il {po_current} ({eur(stated)}) è {_gap(delta)} "
        f"alla somma delle fonti di finanziamento ({eur(computed)})."
    )
    return _line_finding("error", message, first, stated, computed, po_current)


def _line_finding(severity, message, first, stated, computed, column) -> Finding:
    return _finding(
        "row_identity",
        severity,
        SHEET,
        message,
        objective_id=int(first["objective_id"]),
        column=column,
        source_line=int(first["source_line"]),
        stated=stated,
        computed=computed,
    )


# --- column totals -----------------------------------------------------------------------------


@check("column_totals")
def column_totals(ctx: PlanContext) -> list[Finding]:
    """Per sheet (all parts) and column: sum of the lines vs the stated TOTALE OBIETTIVO."""
    findings = []
    for objective_id, lines in ctx.lines.groupby("objective_id", sort=True):
        findings.extend(_sheet_findings(ctx, int(objective_id), lines))
    return findings


def _sheet_findings(ctx: PlanContext, objective_id: int, lines: pd.DataFrame) -> list[Finding]:
    totals = ctx.sheet_totals(objective_id)
    if totals.empty:
        message = f"Obiettivo {objective_id}: la scheda non ha la riga TOTALE OBIETTIVO."
        return [_finding("column_totals", "warning", SHEET, message, objective_id=objective_id)]
    total_line = int(totals["source_line"].iloc[0])
    columns = list(dict.fromkeys([*lines["column"], *totals["column"]]))
    findings = [
        _column_finding(ctx, objective_id, column, lines, totals, total_line) for column in columns
    ]
    findings = [f for f in findings if f is not None]
    return _explain_plan_delta(findings, ctx.years)


def _column_finding(ctx, objective_id, column, lines, totals, total_line) -> Finding | None:
    cells = lines[lines["column"] == column]
    stated_row = totals[totals["column"] == column]
    computed = float(cells["amount"].sum())
    where = dict(objective_id=objective_id, column=column, source_line=total_line)
    head = f"Obiettivo {objective_id} (colonna {column})"
    if cells["amount"].isna().any():
        message = f"{head}: il totale non è verificabile, una cella oscurata non è ricostruibile."
        return _finding("column_totals", "warning", SHEET, message, **where)
    if stated_row.empty:
        severity = "warning" if abs(computed) > TOLERANCE else "info"
        message = (
            f"{head}: la colonna compare nelle tabelle della scheda ma non ha una cella nella "
            f"riga TOTALE OBIETTIVO; restano fuori dai totali dichiarati {eur(computed)}."
        )
        return _finding("column_totals", severity, SHEET, message, computed=computed, **where)
    if bool(stated_row["masked"].iloc[0]):
        message = f"{head}: il totale dichiarato è oscurato (#####); la somma delle righe è {eur(computed)}."
        return _finding("column_totals", "info", SHEET, message, computed=computed, **where)
    stated = float(stated_row["amount"].iloc[0])
    if not _differs(stated, computed):
        return None
    delta = stated - computed
    message = (
        f"Il totale dichiarato dell'Obiettivo {objective_id} (colonna {column}, {eur(stated)}) è "
        f"{_gap(delta)} alla somma delle righe ({eur(computed)})." + _imputed_note(cells)
    )
    return _finding(
        "column_totals", "error", SHEET, message, stated=stated, computed=computed, **where
    )


def _imputed_note(cells: pd.DataFrame) -> str:
    imputed = cells[cells["imputed"].astype(bool)]
    if imputed.empty:
        return ""
    parts = [f"{eur(r.amount)} alla riga {int(r.source_line)}" for r in imputed.itertuples()]
    return f" La somma comprende valori ricostruiti per celle oscurate: {', '.join(parts)}."


def _explain_plan_delta(findings: list[Finding], years: PlanYears) -> list[Finding]:
    """When the year's PO difference equals the sum of the funding columns' differences, say so."""
    source_errors = [
        f for f in findings if f.severity == "error" and f.column not in years.plan_columns
    ]
    result = []
    for f in findings:
        if f.column == years.po_current and f.severity == "error" and source_errors:
            total = sum(e.delta for e in source_errors)
            if not _differs(total, f.delta):
                detail = ", ".join(f"{e.column} {signed_eur(e.delta)}" for e in source_errors)
                f = replace(
                    f,
                    message=f.message + " La differenza coincide con la somma delle differenze "
                    f"nelle colonne di finanziamento ({detail}).",
                )
        result.append(f)
    return result


# --- cross-table -------------------------------------------------------------------------------


@check("cross_table")
def cross_table(ctx: PlanContext) -> list[Finding]:
    """Each objective's budget-year figure across sheet, comparison and multi-year; grand totals."""
    return [
        *_objective_figures(ctx),
        *_comparison_variations(ctx),
        *_comparison_totals(ctx),
        *_multiyear_totals(ctx),
        *_grand_total_agreement(ctx),
    ]


def _objective_figures(ctx: PlanContext) -> list[Finding]:
    years = ctx.years
    sheet = ctx.stated_totals[
        (ctx.stated_totals["table"] == SHEET) & (ctx.stated_totals["column"] == years.po_current)
    ]
    budget_year = ctx.multiyear[ctx.multiyear["year"] == years.budget_year]
    sources = {
        SHEET: _figures(sheet, "amount"),
        COMPARISON: _figures(ctx.comparison, "budget"),
        MULTIYEAR: _figures(budget_year, "amount"),
    }
    ids = sorted({i for figures in sources.values() for i in figures})
    findings = []
    for objective_id in ids:
        figures = {table: values.get(objective_id) for table, values in sources.items()}
        findings.extend(_objective_disagreement(objective_id, figures, years.budget_year))
    return findings


def _figures(frame: pd.DataFrame, column: str) -> dict[int, tuple[float, int]]:
    rows = frame[frame["objective_id"].notna()]
    return {
        int(r["objective_id"]): (float(r[column]), int(r["source_line"]))
        for _, r in rows.iterrows()
    }


def _objective_disagreement(objective_id: int, figures: dict, year: int) -> list[Finding]:
    missing = [table for table, value in figures.items() if value is None]
    present = {t: v for t, v in figures.items() if v is not None and not math.isnan(v[0])}
    findings = [
        _finding(
            "cross_table",
            "warning",
            table,
            f"L'Obiettivo {objective_id} non compare nella tabella '{table}'.",
            objective_id=objective_id,
        )
        for table in missing
    ]
    for table, reference in _odd_ones_out(present):
        stated, line = present[table]
        delta = stated - reference[1]
        message = (
            f"Il budget {year} dell'Obiettivo {objective_id} nella tabella '{table}' "
            f"({eur(stated)}) è {_gap(delta)} a quello indicato in "
            f"{reference[0]} ({eur(reference[1])})."
        )
        findings.append(
            _finding(
                "cross_table",
                "error",
                table,
                message,
                objective_id=objective_id,
                column=str(year),
                source_line=line,
                stated=stated,
                computed=reference[1],
            )
        )
    return findings


def _odd_ones_out(present: dict) -> list[tuple[str, tuple[str, float]]]:
    """Tables whose figure disagrees with the majority (or, without one, with the comparison)."""
    tables = list(present)
    for anchor in tables:
        agree = [t for t in tables if not _differs(present[t][0], present[anchor][0])]
        if len(agree) * 2 > len(tables):
            label = " e ".join(agree)
            return [(t, (label, present[anchor][0])) for t in tables if t not in agree]
    anchor = COMPARISON if COMPARISON in present else (tables[0] if tables else None)
    return [
        (t, (anchor, present[anchor][0]))
        for t in tables
        if t != anchor and _differs(present[t][0], present[anchor][0])
    ]


def _comparison_variations(ctx: PlanContext) -> list[Finding]:
    findings = []
    years = ctx.years
    for r in ctx.comparison.itertuples():
        computed = r.budget - r.preconsuntivo
        if any(math.isnan(v) for v in (r.variation, computed)) or not _differs(
            r.variation, computed
        ):
            continue
        delta = r.variation - computed
        message = (
            f"Obiettivo {r.objective_id}: la variazione dichiarata ({signed_eur(r.variation)}) è "
            f"{_gap(delta)} alla differenza {years.budget_label} − "
            f"{years.preconsuntivo_label} ({signed_eur(computed)})."
        )
        findings.append(
            _finding(
                "cross_table",
                "error",
                COMPARISON,
                message,
                objective_id=int(r.objective_id),
                column=VARIATION,
                source_line=int(r.source_line),
                stated=float(r.variation),
                computed=float(computed),
            )
        )
    return findings


def _grand_totals(ctx: PlanContext, table: str) -> pd.DataFrame:
    st = ctx.stated_totals
    return st[(st["table"] == table) & st["objective_id"].isna()]


def _comparison_totals(ctx: PlanContext) -> list[Finding]:
    findings = []
    for r in _grand_totals(ctx, COMPARISON).itertuples():
        field = ctx.comparison_total_fields.get(r.column)
        if field is None or math.isnan(r.amount):
            continue
        computed = float(ctx.comparison[field].sum())
        findings.extend(_grand_total_finding(COMPARISON, r, computed))
    return findings


def _multiyear_totals(ctx: PlanContext) -> list[Finding]:
    findings = []
    for r in _grand_totals(ctx, MULTIYEAR).itertuples():
        if not str(r.column).isdigit() or math.isnan(r.amount):
            continue
        year_rows = ctx.multiyear[ctx.multiyear["year"] == int(r.column)]
        findings.extend(_grand_total_finding(MULTIYEAR, r, float(year_rows["amount"].sum())))
    return findings


def _grand_total_finding(table: str, total, computed: float) -> list[Finding]:
    if not _differs(total.amount, computed):
        return []
    delta = total.amount - computed
    message = (
        f"Il totale generale della tabella '{table}' (colonna {total.column}, {eur(total.amount)}) "
        f"è {_gap(delta)} alla somma degli obiettivi ({eur(computed)})."
    )
    return [
        _finding(
            "cross_table",
            "error",
            table,
            message,
            column=str(total.column),
            source_line=int(total.source_line),
            stated=float(total.amount),
            computed=computed,
        )
    ]


def _grand_total_agreement(ctx: PlanContext) -> list[Finding]:
    """The comparison's budget-year grand total against the multi-year one for the same year."""
    years = ctx.years
    comparison = _grand_totals(ctx, COMPARISON)
    multiyear = _grand_totals(ctx, MULTIYEAR)
    a = comparison[comparison["column"] == years.budget_label]
    b = multiyear[multiyear["column"] == str(years.budget_year)]
    if a.empty or b.empty:
        return []
    stated, reference = float(a["amount"].iloc[0]), float(b["amount"].iloc[0])
    if math.isnan(stated) or math.isnan(reference) or not _differs(stated, reference):
        return []
    delta = stated - reference
    message = (
        f"Il totale {years.budget_label} del confronto ({eur(stated)}) è {_gap(delta)}"
        f" al totale {years.budget_year} del pluriennale ({eur(reference)})."
    )
    return [
        _finding(
            "cross_table",
            "error",
            COMPARISON,
            message,
            column=years.budget_label,
            source_line=int(a["source_line"].iloc[0]),
            stated=stated,
            computed=reference,
        )
    ]


# --- revenue -----------------------------------------------------------------------------------


@check("revenue_subtotals")
def revenue_subtotals(ctx: PlanContext) -> list[Finding]:
    """Canali di finanziamento: subtotals vs their lines, TOTALE BUDGET, labels vs content."""
    revenue = ctx.revenue
    lines = revenue[revenue["row_kind"] == "line"]
    subtotals = revenue[revenue["row_kind"] == "subtotal"]
    findings = []
    for sub in subtotals.itertuples():
        members = lines[lines["group"] == sub.group]
        findings.extend(_subtotal_findings(sub, members))
    for total in revenue[revenue["row_kind"] == "total"].itertuples():
        findings.extend(_total_findings(total, lines, subtotals))
    return findings


def _subtotal_findings(sub, members: pd.DataFrame) -> list[Finding]:
    computed = float(members["amount"].sum())
    findings = []
    if _differs(sub.amount, computed):
        delta = sub.amount - computed
        message = (
            f"Il subtotale '{sub.label}' ({eur(sub.amount)}) è {_gap(delta)}"
            f" alla somma delle sue {len(members)} voci ({eur(computed)})."
        )
        findings.append(_revenue_finding("error", message, sub, sub.amount, computed))
    findings.extend(_label_year_findings(sub, members))
    return findings


def _years(text: str) -> list[str]:
    return re.findall(r"\b(20\d\d)\b", str(text))


def _label_year_findings(sub, members: pd.DataFrame) -> list[Finding]:
    label_years = set(_years(sub.label))
    counts = Counter(year for label in members["label"] for year in set(_years(label)))
    if not label_years or not counts:
        return []
    prevailing, _ = counts.most_common(1)[0]
    if prevailing in label_years:
        return []
    others = ", ".join(f"{n} al {y}" for y, n in sorted(counts.items()) if y != prevailing)
    message = (
        f"L'etichetta '{sub.label}' indica l'anno {', '.join(sorted(label_years))}, ma le sue voci "
        f"che citano un anno si riferiscono in prevalenza al {prevailing} ({counts[prevailing]}"
        + (f" contro {others}" if others else "")
        + "): probabile refuso nell'etichetta."
    )
    return [_revenue_finding("info", message, sub, None, None)]


def _total_findings(total, lines: pd.DataFrame, subtotals: pd.DataFrame) -> list[Finding]:
    by_lines = float(lines["amount"].sum())
    uncovered = lines[~lines["group"].isin(subtotals["group"])]
    by_subtotals = float(subtotals["amount"].sum() + uncovered["amount"].sum())
    if _differs(total.amount, by_lines):
        delta = total.amount - by_lines
        message = (
            f"Il totale '{total.label}' ({eur(total.amount)}) è {_gap(delta)}"
            f" alla somma di tutte le voci di entrata ({eur(by_lines)})."
        )
        return [_revenue_finding("error", message, total, total.amount, by_lines)]
    if _differs(total.amount, by_subtotals):
        message = (
            f"Il totale '{total.label}' ({eur(total.amount)}) è coerente con la somma delle voci "
            f"ma non con la somma dei subtotali ({eur(by_subtotals)}): la differenza viene da "
            "un subtotale errato."
        )
        return [_revenue_finding("info", message, total, total.amount, by_subtotals)]
    return []


def _revenue_finding(severity, message, row, stated, computed) -> Finding:
    return _finding(
        "revenue_subtotals",
        severity,
        REVENUE,
        message,
        column=row.label,
        source_line=int(row.source_line),
        stated=stated,
        computed=computed,
    )


# --- balance and masked cells ------------------------------------------------------------------


@check("balance")
def balance(ctx: PlanContext) -> list[Finding]:
    """Total spending vs total funding; per funding source allocated vs available."""
    return [
        *balance_module.total_balance_findings(ctx.lines, ctx.revenue, ctx.years),
        *balance_module.source_balance_findings(ctx.lines, ctx.revenue, ctx.funding_map),
    ]


@check("masked_cells")
def masked_cells(ctx: PlanContext) -> list[Finding]:
    """Each ##### cell: the recovered value, and whether the funding source then balances."""
    balance_table = funding_balance(ctx.lines, ctx.revenue, ctx.funding_map)
    sources = source_of_columns(ctx.funding_map)
    return [
        _masked_finding(r, balance_table, sources, ctx.years) for r in ctx.recoveries.itertuples()
    ]


def _masked_finding(r, balance_table, sources: dict[str, str], years: PlanYears) -> Finding:
    where = f"Cella oscurata (#####) alla riga {r.source_line}, Obiettivo {r.objective_id}, colonna {r.column} ('{r.item}')"
    common = dict(objective_id=r.objective_id, column=r.column, source_line=r.source_line)
    if math.isnan(r.value):
        message = f"{where}: non ricostruibile né dalla riga né dal totale di colonna."
        return _finding("masked_cells", "warning", SHEET, message, **common)
    how = (
        f"dall'identità di riga ({years.po_current} meno le altre fonti della riga)"
        if r.method == "riga"
        else "dal totale di colonna dichiarato meno le altre righe"
    )
    message = f"{where}: ricostruita in {eur(r.value)} {how}."
    if r.method == "riga" and not math.isnan(r.column_value) and _differs(r.value, r.column_value):
        message += (
            f" Il totale di colonna dichiarato darebbe invece {eur(r.column_value)} "
            f"(differenza {eur(abs(r.column_value - r.value))}, dovuta alla discordanza sul totale "
            "della colonna)."
        )
    message += _balance_note(r.column, balance_table, sources)
    return _finding("masked_cells", "info", SHEET, message, computed=float(r.value), **common)


def _balance_note(column: str, balance_table: pd.DataFrame, sources: dict[str, str]) -> str:
    source = sources.get(column)
    row = balance_table[balance_table["source"] == source]
    if source is None or row.empty:
        return " La colonna non è nella mappa delle fonti: valore non verificabile sulle entrate."
    difference = float(row["difference"].iloc[0])
    if not _differs(difference, 0.0):
        return (
            f" Con questo valore la fonte '{source}' è in pareggio con le entrate "
            f"({eur(float(row['available'].iloc[0]))}): il valore è confermato."
        )
    return (
        f" Anche con questo valore la fonte '{source}' non è in pareggio con le entrate "
        f"(differenza {signed_eur(difference)})."
    )
