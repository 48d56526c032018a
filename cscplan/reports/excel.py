"""Excel workbook of the plan, its checks and the scenarios (openpyxl), deterministic bytes.

Sheets: Sintesi, Obiettivi x Fonti, Righe di budget, Pluriennale, Entrate <anno>, Verifiche,
Scenari (+ Monte Carlo, Sensibilità and Pagatori e fonti when those tables exist). Every sheet has a bold, frozen
header row with an autofilter over its data rows; column headers are the field registry's Italian
labels; euro cells use ``#,##0.00 "€"`` (Excel shows the user's separators); totals are live
``=SUM()`` formulas over the data rows, so edits recompute.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cscplan import metadata
from cscplan.reports.presentation import (
    SEVERITY_LABELS,
    caseload_label,
    costed_period,
    headers,
    known_years,
    plan_years,
    scenario_label,
    source_groups,
)
from cscplan.vocabulary import BASELINE, MULTIYEAR

EURO_FORMAT = '#,##0.00 "€"'
PERCENT_FORMAT = "0.0%"
FIXED_TIME = datetime(2020, 1, 1, 0, 0, 0)
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
"""A sheet's title (the forecast's and the quarterly pack's workbooks)."""
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
MASKED_FILL = PatternFill("solid", fgColor="FFF2CC")
SEVERITY_FILLS = {
    "error": PatternFill("solid", fgColor="F8D7D3"),
    "warning": PatternFill("solid", fgColor="FCE8B2"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}


@dataclass(frozen=True)
class Block:
    """Where a written table sits: its sheet, header row, data rows and column letters by name."""

    sheet: Worksheet
    header_row: int
    first: int
    last: int
    letters: dict[str, str]

    def range(self, column: str) -> str:
        letter = self.letters[column]
        return f"{letter}{self.first}:{letter}{self.last}"

    def ref(self, column: str, row: int) -> str:
        """Absolute reference from another sheet, e.g. ``'Righe di budget'!$J$40``."""
        return f"{quote_sheetname(self.sheet.title)}!${self.letters[column]}${row}"


# --------------------------------------------------------------------------- writing helpers


def text_cell(cell: Cell, value) -> Cell:
    """Set ``cell`` to ``value``; text is always stored as a string, never as a formula.

    openpyxl turns any text starting with ``=`` into a live formula: a plan label or scenario
    label ``=HYPERLINK(…)`` would run in Excel. Formulas are written only by the code itself,
    by assigning ``cell.value`` directly (totals, ``SUMIFS``) or through ``formulas=`` of
    :func:`write_table`. Characters XML cannot hold (control codes) are dropped.
    """
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def write_table(
    ws: Worksheet,
    frame: pd.DataFrame,
    money: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
    start_row: int = 1,
    formulas: tuple[str, ...] = (),
) -> Block:
    """Write ``frame`` with a bold header at ``start_row``; return where it landed.

    Text is written as text (:func:`text_cell`); only the columns named in ``formulas`` hold
    formulas, and those must be written by the code, never taken from the inputs.
    """
    columns = list(frame.columns)
    for col_no, name in enumerate(columns, start=1):
        cell = text_cell(ws.cell(row=start_row, column=col_no), str(name))
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row_no, values in enumerate(frame.itertuples(index=False), start=start_row + 1):
        for col_no, (name, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = ws.cell(row=row_no, column=col_no)
            if name in formulas:
                cell.value = _excel_value(value)
            else:
                text_cell(cell, _excel_value(value))
            if name in money:
                cell.number_format = EURO_FORMAT
            elif name in percent:
                cell.number_format = PERCENT_FORMAT
    letters = {name: get_column_letter(n) for n, name in enumerate(columns, start=1)}
    first = start_row + 1
    return Block(ws, start_row, first, max(first, start_row + len(frame)), letters)


def _excel_value(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def finish_sheet(block: Block, widths: dict[str, float] | None = None) -> None:
    """Freeze the header row, autofilter the data rows, set sensible column widths."""
    ws = block.sheet
    ws.freeze_panes = ws.cell(row=block.header_row + 1, column=1)
    last_letter = get_column_letter(len(block.letters))
    ws.auto_filter.ref = f"A{block.header_row}:{last_letter}{block.last}"
    for name, letter in block.letters.items():
        longest = max(
            (len(str(c.value)) for c in ws[letter] if c.value is not None and c.row > 0),
            default=8,
        )
        width = (widths or {}).get(name, min(max(longest, len(str(name))) + 2, 60))
        ws.column_dimensions[letter].width = width


def fill_row(block: Block, row: int, fill: PatternFill) -> None:
    for letter in block.letters.values():
        block.sheet[f"{letter}{row}"].fill = fill


def total_row(
    block: Block, row: int, label_column: str, columns: list[str], label: str = "Totale"
) -> None:
    """A bold totals row: ``=SUM(<data rows>)`` under every column in ``columns``."""
    ws = block.sheet
    label_cell = ws[f"{block.letters[label_column]}{row}"]
    label_cell.value, label_cell.font = label, BOLD
    for column in columns:
        cell = ws[f"{block.letters[column]}{row}"]
        cell.value = f"=SUM({block.range(column)})"
        cell.font, cell.number_format, cell.fill = BOLD, EURO_FORMAT, TOTAL_FILL


def sum_of_cells(letter: str, rows: list[int]) -> str:
    """``=SUM(D2:D4,D7)``: contiguous rows compressed into ranges."""
    if not rows:
        return "=0"
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    parts = [f"{letter}{a}" if a == b else f"{letter}{a}:{letter}{b}" for a, b in runs]
    return f"=SUM({','.join(parts)})"


def _frame(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    frame = tables.get(name)
    return None if frame is None or frame.empty else frame


def _frame_or_note(ws: Worksheet, tables: dict[str, pd.DataFrame], name: str):
    """The table, or None after writing the Italian note that it is missing on the sheet."""
    frame = _frame(tables, name)
    if frame is None:
        _note_sheet(ws, name)
    return frame


def _note_sheet(ws: Worksheet, table: str) -> None:
    ws["A1"] = "Nota"
    ws["A1"].font = BOLD
    ws["A2"] = f"Dati non disponibili in questa esecuzione (tabella «{table}» assente)."
    ws.column_dimensions["A"].width = 90


# --------------------------------------------------------------------------- sheets


def budget_lines_wide(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per budget line, one column per amount column (plan columns first), plus notes."""
    lines = tables["budget_lines"]
    plan_columns = list(plan_years(tables).plan_columns)
    order = plan_columns + [c for c in dict.fromkeys(lines["column"]) if c not in plan_columns]
    keys = ["line_id", "objective_id", "part", "action", "item", "detail", "source_line"]
    wide = lines.pivot_table(index="line_id", columns="column", values="amount", aggfunc="first")
    wide = wide.reindex(columns=[c for c in order if c in set(lines["column"])])
    meta = lines.drop_duplicates("line_id").set_index("line_id")[keys[1:]]
    masked = lines[lines["masked"].astype(bool)]
    notes = pd.Series(
        {line_id: _mask_note(group) for line_id, group in masked.groupby("line_id")},
        name="Note",
        dtype=object,
    )
    frame = meta.join(wide).join(notes).reset_index()
    frame["Note"] = frame["Note"].fillna("")
    frame = frame.sort_values(["objective_id", "part", "source_line"], kind="stable")
    return frame.rename(columns=headers("budget_lines", keys, tables))


def _mask_note(group: pd.DataFrame) -> str:
    parts = [
        f"{col}: cella ##### {'ricostruita' if pd.notna(amount) else 'non ricostruibile'}"
        for col, amount in zip(group["column"], group["amount"], strict=True)
    ]
    return "; ".join(parts)


def lines_sheet(ws: Worksheet, tables: dict[str, pd.DataFrame]) -> Block | None:
    lines = _frame(tables, "budget_lines")
    if lines is None or known_years(tables) is None:
        _note_sheet(ws, "budget_lines")
        return None
    wide = budget_lines_wide(tables)
    amount_columns = [c for c in wide.columns if c in set(lines["column"])]
    block = write_table(ws, wide, money=tuple(amount_columns))
    for row_no, note in enumerate(wide["Note"], start=block.first):
        if note:
            fill_row(block, row_no, MASKED_FILL)
    label = headers("budget_lines", ["item", "detail", "action"], tables)
    total_row(block, block.last + 1, label["item"], amount_columns)
    widths = {label["item"]: 45, label["detail"]: 40, label["action"]: 35, "Note": 45}
    finish_sheet(block, widths)
    return block


def objectives_sources_frame(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per objective: previous and current PO from the lines, the comparison's figures, then each
    funding source (from the published views)."""
    summary = _frame(tables, "budget_by_objective")
    if summary is None or known_years(tables) is None:
        return pd.DataFrame()
    years = plan_years(tables)
    plan = summary.set_index("objective_id")[["po_previous_computed", "po_current_computed"]]
    names = {
        "po_previous_computed": f"{years.po_previous} (somma righe)",
        "po_current_computed": f"{years.po_current} (somma righe)",
    }
    pieces = [plan.rename(columns=names)]
    comparison = _frame(tables, "comparison_view")
    if comparison is not None:
        pieces.append(
            comparison.set_index("objective_id")[["preconsuntivo", "budget_stated"]].rename(
                columns={
                    "preconsuntivo": f"Preconsuntivo {years.previous_year}",
                    "budget_stated": f"Budget {years.budget_year} (confronto)",
                }
            )
        )
    funding = _frame(tables, "funding_by_objective")
    if funding is not None:
        groups = source_groups(tables)
        wide = funding.pivot_table(
            index="objective_id", columns="source", values="amount", aggfunc="sum"
        )
        order = sorted(wide.columns, key=lambda s: (str(groups.get(s, "~")), str(s)))
        pieces.append(wide[order])
    frame = pd.concat(pieces, axis=1).sort_index()
    titles = summary.set_index("objective_id")["objective"]
    frame.insert(0, "Titolo", [str(titles.get(i, "")) for i in frame.index])
    return frame.rename_axis("Obiettivo").reset_index()


def objectives_sheet(ws: Worksheet, tables: dict[str, pd.DataFrame]) -> Block | None:
    frame = objectives_sources_frame(tables)
    if frame.empty:
        _note_sheet(ws, "budget_by_objective")
        return None
    funding = _frame(tables, "funding_by_objective")
    known = set(funding["source"]) if funding is not None else set()
    sources = [c for c in frame.columns if c in known]
    po_current = plan_years(tables).po_current
    plan_column = f"{po_current} (somma righe)"
    gap_column = f"Fonti − {po_current}"
    if sources:
        frame = frame.assign(**{"Totale fonti": None, gap_column: None})
    amounts = list(frame.columns[2:])
    block = write_table(ws, frame, money=tuple(amounts))
    _source_formulas(block, sources, plan_column, gap_column)
    total_row(block, block.last + 1, "Titolo", amounts)
    finish_sheet(block, {"Titolo": 45})
    return block


def _source_formulas(block: Block, sources: list[str], plan_column: str, gap_column: str) -> None:
    """Per objective row: total of the sources, and its gap to the bottom-up PO of the year."""
    if not sources:
        return
    letters, ws = block.letters, block.sheet
    first, last = letters[sources[0]], letters[sources[-1]]
    for row in range(block.first, block.last + 1):
        ws[f"{letters['Totale fonti']}{row}"] = f"=SUM({first}{row}:{last}{row})"
        ws[f"{letters[gap_column]}{row}"] = (
            f"={letters['Totale fonti']}{row}-{letters[plan_column]}{row}"
        )


def multiyear_sheet(ws: Worksheet, tables: dict[str, pd.DataFrame]) -> Block | None:
    multiyear = _frame_or_note(ws, tables, "multiyear")
    if multiyear is None:
        return None
    wide = multiyear.pivot_table(index="objective_id", columns="year", values="amount")
    years = [str(int(y)) for y in wide.columns]
    wide.columns = years
    titles = multiyear.drop_duplicates("objective_id").set_index("objective_id")["objective"]
    frame = wide.reset_index().rename(columns={"objective_id": "Obiettivo"})
    frame.insert(1, "Titolo", [str(titles.get(i, "")) for i in frame["Obiettivo"]])
    block = write_table(ws, frame, money=tuple(years))
    total_row(block, block.last + 1, "Titolo", years, "Totale (somma degli obiettivi)")
    _stated_rows(block, tables, years)
    finish_sheet(block, {"Titolo": 45})
    return block


def _stated_rows(block: Block, tables: dict[str, pd.DataFrame], years: list[str]) -> None:
    """Under the totals: the grand total stated in the document and the difference formula."""
    stated = _frame(tables, "stated_totals")
    if stated is None:
        return
    rows = stated[(stated["table"] == MULTIYEAR) & stated["objective_id"].isna()]
    by_year = dict(zip(rows["column"].astype(str), rows["amount"], strict=True))
    ws, stated_row, diff_row = block.sheet, block.last + 2, block.last + 3
    ws[f"{block.letters['Titolo']}{stated_row}"] = "Totale dichiarato nel documento"
    ws[f"{block.letters['Titolo']}{diff_row}"] = "Differenza (dichiarato − somma)"
    for year in years:
        letter = block.letters[year]
        ws[f"{letter}{stated_row}"] = _excel_value(by_year.get(year))
        ws[f"{letter}{diff_row}"] = f"={letter}{stated_row}-{letter}{block.last + 1}"
        for row in (stated_row, diff_row):
            ws[f"{letter}{row}"].number_format = EURO_FORMAT


def revenue_sheet(ws: Worksheet, tables: dict[str, pd.DataFrame]) -> Block | None:
    revenue = _frame_or_note(ws, tables, "revenue")
    if revenue is None:
        return None
    frame = pd.DataFrame(
        {
            "Gruppo": revenue["group"],
            "Voce": revenue["label"],
            "Tipo riga": revenue["row_kind"].map(
                {"line": "voce", "subtotal": "subtotale", "total": "totale"}
            ),
            "Importo dichiarato": revenue["amount"],
            "Riga sorgente": revenue["source_line"],
            "Ricalcolato": None,
            "Differenza": None,
        }
    )
    block = write_table(ws, frame, money=("Importo dichiarato", "Ricalcolato", "Differenza"))
    _revenue_formulas(block, revenue.reset_index(drop=True))
    finish_sheet(block, {"Voce": 55, "Gruppo": 30})
    return block


def _revenue_formulas(block: Block, revenue: pd.DataFrame) -> None:
    """Subtotals = SUM of their group's lines; totals = SUM of subtotals and loose lines."""
    ws, amount, computed = (
        block.sheet,
        block.letters["Importo dichiarato"],
        block.letters["Ricalcolato"],
    )
    delta = block.letters["Differenza"]
    row_of = {i: block.first + i for i in revenue.index}
    kinds, groups = revenue["row_kind"], revenue["group"]
    subtotal_groups = set(groups[kinds == "subtotal"])
    for i in revenue.index[kinds.isin(["subtotal", "total"])]:
        if kinds[i] == "subtotal":
            members = [row_of[j] for j in revenue.index[(kinds == "line") & (groups == groups[i])]]
            formula = sum_of_cells(amount, members)
        else:
            subtotals = [row_of[j] for j in revenue.index[kinds == "subtotal"]]
            loose = [
                row_of[j] for j in revenue.index[(kinds == "line") & ~groups.isin(subtotal_groups)]
            ]
            parts = [
                p[5:-1]
                for p in (sum_of_cells(computed, subtotals), sum_of_cells(amount, loose))
                if p != "=0"
            ]
            formula = f"=SUM({','.join(parts)})" if parts else "=0"
        row = row_of[i]
        ws[f"{computed}{row}"] = formula
        ws[f"{delta}{row}"] = f"={amount}{row}-{computed}{row}"
        for letter in block.letters.values():
            ws[f"{letter}{row}"].font = BOLD


FINDING_COLUMNS = ["severity", "check", "table", "objective_id", "column", "source_line"]
FINDING_COLUMNS += ["stated", "computed", "delta", "message"]
MONEY_FIELDS = ("stated", "computed", "delta")


def findings_sheet(ws: Worksheet, tables: dict[str, pd.DataFrame]) -> Block | None:
    findings = _frame_or_note(ws, tables, "findings")
    if findings is None:
        return None
    labels = headers("findings", FINDING_COLUMNS, tables)
    frame = findings[FINDING_COLUMNS].rename(columns=labels)
    severity = labels["severity"]
    frame[severity] = findings["severity"].map(SEVERITY_LABELS).fillna(findings["severity"])
    block = write_table(ws, frame, money=tuple(labels[c] for c in MONEY_FIELDS))
    for row_no, level in enumerate(findings["severity"], start=block.first):
        if level in SEVERITY_FILLS:
            fill_row(block, row_no, SEVERITY_FILLS[level])
    finish_sheet(block, {labels["message"]: 90})
    return block


SCENARIO_COLUMNS = list(metadata.dtypes("costs_summary"))
BASELINE_GROSS = "Costo nello scenario base (€)"
BASELINE_DELTA = "Differenza sullo scenario base (€)"


def scenarios_sheet(ws: Worksheet, tables: dict[str, pd.DataFrame]) -> Block | None:
    summary = _frame_or_note(ws, tables, "costs_summary")
    if summary is None:
        return None
    summary = summary.sort_values(
        ["scenario", "service"], key=lambda s: s.ne(BASELINE) if s.name == "scenario" else s
    )
    labels = headers("costs_summary", SCENARIO_COLUMNS, tables)
    frame = summary[SCENARIO_COLUMNS].rename(columns=labels)
    frame[BASELINE_GROSS] = None
    frame[BASELINE_DELTA] = None
    money = tuple(frame.columns[2:])
    frame["Descrizione scenario"] = summary["scenario"].map(lambda s: scenario_label(s, tables))
    block = write_table(ws, frame, money=money)
    _baseline_formulas(block, labels)
    scenarios = {s: scenario_label(s, tables) for s in dict.fromkeys(summary["scenario"])}
    _scenario_totals(block, labels["scenario"], scenarios, list(money[: len(SCENARIO_COLUMNS) - 2]))
    caseload_note(ws, block.last + 3 + len(scenarios), tables)
    finish_sheet(block)
    return block


def caseload_note(ws: Worksheet, row: int, tables: dict[str, pd.DataFrame]) -> None:
    """Under a table built from the caseload: which one (``casistica di esempio (sintetica)``)."""
    label = caseload_label(tables)
    if label:
        text_cell(ws.cell(row=row, column=1), f"Costi calcolati sulla {label}.")


def _baseline_formulas(block: Block, labels: dict[str, str]) -> None:
    """Per row: the same service's cost in the baseline (``=SUMIFS``) and the difference."""
    ws, letters = block.sheet, block.letters
    name, service, gross = labels["scenario"], labels["service"], labels["gross_eur"]
    lookup = f'=SUMIFS({block.range(gross)},{block.range(name)},"{BASELINE}",'
    base, delta = letters[BASELINE_GROSS], letters[BASELINE_DELTA]
    for row in range(block.first, block.last + 1):
        ws[f"{base}{row}"] = f"{lookup}{block.range(service)},{letters[service]}{row})"
        ws[f"{delta}{row}"] = f"={letters[gross]}{row}-{base}{row}"


def _scenario_totals(
    block: Block, name: str, scenarios: dict[str, str], columns: list[str]
) -> None:
    """Below the data: one row per scenario (id → Italian label) with ``=SUMIFS`` over the rows."""
    ws, name_range = block.sheet, block.range(name)
    for offset, (scenario, label) in enumerate(scenarios.items()):
        row = block.last + 2 + offset
        text_cell(ws[f"{block.letters[name]}{row}"], f"Totale — {label}").font = BOLD
        for column in columns:
            cell = ws[f"{block.letters[column]}{row}"]
            literal = str(scenario).replace('"', '""')  # a quote cannot close the string
            cell.value = f'=SUMIFS({block.range(column)},{name_range},"{literal}")'
            cell.font, cell.number_format, cell.fill = BOLD, EURO_FORMAT, TOTAL_FILL


def optional_sheet(wb: Workbook, tables, name: str, title: str, percent=()) -> None:
    """A plain table sheet (Monte Carlo, sensitivity) when the table exists."""
    frame = _frame(tables, name)
    if frame is None:
        return
    labels = headers(name, frame.columns, tables)
    numeric = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    block = write_table(
        wb.create_sheet(title),
        frame.rename(columns=labels),
        money=tuple(labels[c] for c in numeric if c not in percent),
        percent=tuple(labels[c] for c in percent),
    )
    caseload_note(block.sheet, block.last + 2, tables)
    finish_sheet(block)


def summary_sheet(
    ws: Worksheet, blocks: dict[str, Block | None], tables: dict[str, pd.DataFrame]
) -> None:
    """Headline figures as formulas pointing at the other sheets' totals (live)."""
    rows: list[tuple[str, str, str]] = []
    years = known_years(tables)
    if years is not None:
        rows += _plan_rows(blocks.get("lines"), years.plan_columns)
    multi = blocks.get("multiyear")
    if multi is not None:
        for year in [c for c in multi.letters if c.isdigit()]:
            rows.append(
                (
                    f"Pluriennale {year} – somma degli obiettivi",
                    f"={multi.ref(year, multi.last + 1)}",
                    "Pluriennale",
                )
            )
    findings = blocks.get("findings")
    if findings is not None:
        column = headers("findings", ["severity"], tables)["severity"]
        rng = f"{quote_sheetname(findings.sheet.title)}!{findings.range(column)}"
        for label in SEVERITY_LABELS.values():
            rows.append((f"Verifiche: {label}", f'=COUNTIF({rng},"{label}")', "Verifiche"))
    scen = blocks.get("scenarios")
    if scen is not None:
        labels = headers("costs_summary", ["scenario", "gross_eur"], tables)
        rng = f"{quote_sheetname(scen.sheet.title)}!{scen.range(labels['scenario'])}"
        gross = f"{quote_sheetname(scen.sheet.title)}!{scen.range(labels['gross_eur'])}"
        caseload = caseload_label(tables)
        rows.append(
            (
                f"Costo annuo nello scenario base (tariffe {costed_period(tables)})"
                + (f", {caseload}" if caseload else ""),
                f'=SUMIFS({gross},{rng},"{BASELINE}")',
                "Scenari",
            )
        )
    frame = pd.DataFrame(rows, columns=["Indicatore", "Valore", "Foglio"])
    block = write_table(ws, frame, formulas=("Valore",))
    for row_no, (label, _, _) in enumerate(rows, start=block.first):
        if not label.startswith("Verifiche"):
            ws[f"B{row_no}"].number_format = EURO_FORMAT
    finish_sheet(block, {"Indicatore": 55, "Valore": 20, "Foglio": 20})


def _plan_rows(lines: Block | None, plan_columns) -> list[tuple[str, str, str]]:
    if lines is None:
        return []
    return [
        (
            f"Budget {column[3:]} – somma delle righe ({column})",
            f"={lines.ref(column, lines.last + 1)}",
            "Righe di budget",
        )
        for column in plan_columns
        if column in lines.letters
    ]


# --------------------------------------------------------------------------- workbook


def build_workbook(tables: dict[str, pd.DataFrame]) -> bytes:
    """The whole workbook as ``.xlsx`` bytes; the same tables give the same bytes."""
    wb = Workbook()
    years = known_years(tables)
    revenue_title = f"Entrate {years.budget_year}" if years else "Entrate"
    summary = wb.active
    summary.title = "Sintesi"
    blocks = {
        "objectives": objectives_sheet(wb.create_sheet("Obiettivi x Fonti"), tables),
        "lines": lines_sheet(wb.create_sheet("Righe di budget"), tables),
        "multiyear": multiyear_sheet(wb.create_sheet("Pluriennale"), tables),
        "revenue": revenue_sheet(wb.create_sheet(revenue_title), tables),
        "findings": findings_sheet(wb.create_sheet("Verifiche"), tables),
        "scenarios": scenarios_sheet(wb.create_sheet("Scenari"), tables),
    }
    optional_sheet(wb, tables, "montecarlo_quantiles", "Monte Carlo")
    optional_sheet(wb, tables, "sensitivity", "Sensibilità")
    optional_sheet(wb, tables, "payer_funding", "Pagatori e fonti")
    summary_sheet(summary, blocks, tables)
    return workbook_bytes(wb)


def workbook_bytes(wb: Workbook) -> bytes:
    """A workbook as ``.xlsx`` bytes with fixed timestamps: the same content, the same bytes."""
    wb.properties.creator = "cscplan"
    wb.properties.lastModifiedBy = "cscplan"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    # ExcelWriter directly: Workbook.save() would stamp "modified" with the current time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return normalise_zip(buffer.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite the archive with fixed entry timestamps so identical content gives identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
