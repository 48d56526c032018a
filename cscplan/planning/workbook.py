"""The editable plan workbook (``.xlsx``): inputs in white cells, every total a live formula.

The format is declared in :mod:`.sheets` and explained to its users in the *Istruzioni* sheet
(:mod:`.instructions`). Inputs: the lines (objective, part, action, item, detail, previous-year PO,
one column per funding source), the objectives and their actions, the funding sources, the
revenue lines, the multi-year rules, the comparison's preconsuntivo, staff, hiring, strategic
objectives and KPIs. Formulas (grey, on protected sheets): each line's PO of the year = the sum
of its funding cells; per-objective and per-action subtotals; per-source allocated against the
revenue channels; revenue subtotals and TOTALE; multi-year figures from their rules; the
comparison's budget and variation; the *Controlli* sheet, where every identity that does not
hold reads ``NON TORNA``. Data-validation lists offer the objectives, the actions, the funding
sources, the revenue groups, the funding groups and the multi-year rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cscplan.metadata.fields import DRAFT_RULES
from cscplan.planning import sheets as S
from cscplan.planning.draft import STAFF_KEY, PlanDraft
from cscplan.planning.instructions import instruction_rows
from cscplan.planning.rules import excel_formula
from cscplan.reports.excel import BOLD, EURO_FORMAT, HEADER_FILL, TOTAL_FILL, workbook_bytes
from cscplan.sources.piano_programma import staff_breakdown
from cscplan.vocabulary import FUNDING_GROUPS, MONEY_TOLERANCE

FORMULA_FILL = PatternFill("solid", fgColor="EDEDED")
NOT_OK = "NON TORNA"
OK = "OK"
UNLOCKED = Protection(locked=False)


@dataclass
class Grid:
    """Where a list sheet's data sit: header row 1, data rows ``first..last``, total row after."""

    ws: Worksheet
    headers: list[str]
    first: int = 2
    last: int = 2
    letters: dict[str, str] = field(default_factory=dict)

    @property
    def total_row(self) -> int:
        return self.last + 1

    def col(self, header: str) -> str:
        return self.letters[header]

    def range(self, header: str, absolute: bool = True, sheet: bool = True) -> str:
        letter = self.letters[header]
        cells = f"${letter}${self.first}:${letter}${self.last}" if absolute else ""
        return f"{quote_sheetname(self.ws.title)}!{cells}" if sheet else cells

    def cell(self, header: str, row: int) -> str:
        return f"{quote_sheetname(self.ws.title)}!${self.letters[header]}${row}"


def grid(ws: Worksheet, headers: list[str], rows: int, spare: int) -> Grid:
    """Write a bold header row; reserve ``rows + spare`` data rows (unlocked by default)."""
    g = Grid(ws, headers, last=1 + max(rows + spare, 1))
    for number, header in enumerate(headers, start=1):
        letter = get_column_letter(number)
        g.letters[header] = letter
        cell = ws.cell(row=1, column=number, value=header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = max(12, min(len(header) + 4, 45))
        for row in range(g.first, g.last + 1):
            ws.cell(row=row, column=number).protection = UNLOCKED
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    return g


def put(ws: Worksheet, ref: str, value, money: bool = False, formula: bool = False) -> None:
    cell = ws[ref]
    cell.value = _value(value)
    if isinstance(cell.value, str) and cell.value.startswith("=") and not formula:
        cell.data_type = "s"  # text such as '= anno precedente', not a formula
        cell.quotePrefix = True
    if money:
        cell.number_format = EURO_FORMAT
    if formula:
        cell.fill, cell.protection = FORMULA_FILL, Protection(locked=True)


def formula(ws: Worksheet, ref: str, text: str, money: bool = True) -> None:
    put(ws, ref, text, money=money, formula=True)


def total_row(g: Grid, label_header: str, money_headers: list[str]) -> None:
    ws, row = g.ws, g.total_row
    ws[f"{g.col(label_header)}{row}"] = S.TOTAL_LABEL
    ws[f"{g.col(label_header)}{row}"].font = BOLD
    for header in money_headers:
        letter = g.col(header)
        formula(ws, f"{letter}{row}", f"=SUM({letter}{g.first}:{letter}{g.last})")
        ws[f"{letter}{row}"].font, ws[f"{letter}{row}"].fill = BOLD, TOTAL_FILL


def validation(ws: Worksheet, source: str, cells: str, kind: str = "list") -> None:
    dv = DataValidation(type=kind, formula1=source, allow_blank=True)
    if kind == "decimal":
        dv = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
    dv.error = "Valore non ammesso: scegliere dall'elenco (vedi il foglio Istruzioni)."
    dv.errorTitle = "cscplan"
    ws.add_data_validation(dv)
    dv.add(cells)


def _value(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------- the workbook


@dataclass
class Book:
    draft: PlanDraft
    wb: Workbook
    grids: dict[str, Grid] = field(default_factory=dict)


def write_workbook(draft: PlanDraft) -> bytes:
    """The editable workbook of ``draft`` as ``.xlsx`` bytes (deterministic)."""
    draft = draft.with_totals()
    wb = Workbook()
    wb.active.title = S.INSTRUCTIONS
    for name in S.SHEET_ORDER[1:]:
        wb.create_sheet(name)
    book = Book(draft, wb)
    _plan_sheet(book)
    _objectives_sheet(book)
    _actions_sheet(book)
    _lines_sheet(book)
    _objective_formulas(book)
    _action_formulas(book)
    _sources_sheet(book)
    _revenue_sheet(book)
    _multiyear_sheet(book)
    _comparison_sheet(book)
    _staff_sheet(book)
    _plain_sheet(book, S.HIRING, "hiring_plan", S.HIRING_COLUMNS, draft.hiring_plan)
    _plain_sheet(
        book, S.STRATEGIC, "strategic_objectives", S.STRATEGIC_COLUMNS, draft.strategic_objectives
    )
    _kpi_sheet(book)
    _checks_sheet(book)
    _instructions_sheet(book)
    return workbook_bytes(wb)


def _plan_sheet(book: Book) -> None:
    ws, years = book.wb[S.PLAN], book.draft.years
    values = years.record()
    names = S.labels("plan_info", S.PLAN_FIELDS, years)
    ws["A1"], ws["B1"] = "Formato", S.FORMAT_MARK
    for row, name in enumerate(S.PLAN_FIELDS, start=2):
        ws[f"A{row}"], ws[f"B{row}"] = names[name], values[name]
        ws[f"A{row}"].font = BOLD
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 30, 40
    ws.protection.sheet = True


def _objectives_sheet(book: Book) -> None:
    draft = book.draft
    names = S.labels("draft_objectives", S.OBJECTIVE_INPUTS, draft.years)
    amounts = _amount_headers(draft)
    headers = [*(names[c] for c in S.OBJECTIVE_INPUTS), *amounts, _gap_header(draft)]
    g = grid(book.wb[S.OBJECTIVES], headers, len(draft.objectives), S.SPARE[S.OBJECTIVES])
    for row, r in enumerate(draft.objectives.itertuples(), start=g.first):
        for column in S.OBJECTIVE_INPUTS:
            put(g.ws, f"{g.col(names[column])}{row}", getattr(r, column))
    g.ws.column_dimensions[g.col(names["objective"])].width = 45
    book.grids[S.OBJECTIVES] = g


def _amount_headers(draft: PlanDraft) -> list[str]:
    named = S.labels("draft_lines", ("po_previous", "po_current"), draft.years)
    return [named["po_previous"], named["po_current"], *draft.funding_columns]


def _gap_header(draft: PlanDraft) -> str:
    return f"Fonti − {draft.years.po_current} (€)"


def _actions_sheet(book: Book) -> None:
    draft = book.draft
    pairs = draft.lines[["objective_id", "action"]].drop_duplicates()
    pairs = pairs[pairs["action"] != ""]
    names = S.labels("draft_lines", ("objective_id", "action"), draft.years)
    headers = [names["objective_id"], names["action"], *_amount_headers(draft)]
    g = grid(book.wb[S.ACTIONS], headers, len(pairs), S.SPARE[S.ACTIONS])
    for row, r in enumerate(pairs.itertuples(), start=g.first):
        put(g.ws, f"A{row}", r.objective_id)
        put(g.ws, f"B{row}", r.action)
    g.ws.column_dimensions["B"].width = 50
    book.grids[S.ACTIONS] = g


def _lines_sheet(book: Book) -> None:
    draft = book.draft
    headers = S.line_headers(draft.years, draft.funding_columns)
    g = grid(book.wb[S.LINES], headers, len(draft.lines), S.SPARE[S.LINES])
    book.grids[S.LINES] = g
    names = S.labels("draft_lines", (*S.LINE_LABELS, *S.LINE_TAIL), draft.years)
    funding = [g.col(c) for c in draft.funding_columns]
    po_current = g.col(names["po_current"])
    for row, r in enumerate([*draft.lines.to_dict("records")], start=g.first):
        for column in (*S.LINE_LABELS, *S.LINE_TAIL):
            if column != "po_current":
                put(g.ws, f"{g.col(names[column])}{row}", r[column], money=column == "po_previous")
        for column in draft.funding_columns:
            put(g.ws, f"{g.col(column)}{row}", r[column], money=True)
    for row in range(g.first, g.last + 1):
        span = f"{funding[0]}{row}:{funding[-1]}{row}" if funding else "0"
        formula(g.ws, f"{po_current}{row}", f"=SUM({span})")
        g.ws[f"{g.col(names['po_previous'])}{row}"].number_format = EURO_FORMAT
        for letter in funding:
            g.ws[f"{letter}{row}"].number_format = EURO_FORMAT
    total_row(g, names["item"], _amount_headers(draft))
    objectives, actions = book.grids[S.OBJECTIVES], book.grids[S.ACTIONS]
    validation(
        g.ws, f"={objectives.range(objectives.headers[0])}", _cells(g, names["objective_id"])
    )
    validation(g.ws, f"={actions.range(actions.headers[1])}", _cells(g, names["action"]))
    money = [names["po_previous"], *draft.funding_columns]
    for header in money:
        validation(g.ws, "", _cells(g, header), kind="decimal")
    for header, width in ((names["item"], 45), (names["detail"], 35), (names["action"], 40)):
        g.ws.column_dimensions[g.col(header)].width = width
    g.ws.column_dimensions[g.col(names["note"])].width = 60


def _cells(g: Grid, header: str) -> str:
    letter = g.col(header)
    return f"{letter}{g.first}:{letter}{g.last}"


def _objective_formulas(book: Book) -> None:
    """Per objective and amount column: SUMIF over the lines; the sources' gap to the PO."""
    g, lines, draft = book.grids[S.OBJECTIVES], book.grids[S.LINES], book.draft
    key = lines.range(lines.headers[0])
    amounts = _amount_headers(draft)
    for row in range(g.first, g.last + 1):
        guard = f"$A{row}"
        for header in amounts:
            text = f'=IF({guard}="","",SUMIF({key},{guard},{lines.range(header)}))'
            formula(g.ws, f"{g.col(header)}{row}", text)
        if draft.funding_columns:
            first, last = g.col(draft.funding_columns[0]), g.col(draft.funding_columns[-1])
            po = g.col(amounts[1])
            text = f'=IF({guard}="",0,SUM({first}{row}:{last}{row})-{po}{row})'
            formula(g.ws, f"{g.col(_gap_header(draft))}{row}", text)
    total_row(g, g.headers[1], [*amounts, _gap_header(draft)])


def _action_formulas(book: Book) -> None:
    g, lines, draft = book.grids[S.ACTIONS], book.grids[S.LINES], book.draft
    objective, action = lines.range(lines.headers[0]), lines.range(lines.headers[2])
    for row in range(g.first, g.last + 1):
        for header in _amount_headers(draft):
            text = (
                f'=IF($B{row}="","",SUMIFS({lines.range(header)},{objective},$A{row},'
                f"{action},$B{row}))"
            )
            formula(g.ws, f"{g.col(header)}{row}", text)
    total_row(g, g.headers[1], _amount_headers(draft))
    objectives = book.grids[S.OBJECTIVES]
    validation(g.ws, f"={objectives.range(objectives.headers[0])}", _cells(g, g.headers[0]))


def _sources_sheet(book: Book) -> None:
    """Per funding column: its source, group and allocated total; per source: the balance."""
    draft, ws = book.draft, book.wb[S.SOURCES]
    g = grid(ws, S.source_headers(draft.years), len(draft.sources), S.SPARE[S.SOURCES])
    column, source, group, allocated = g.headers[:4]
    lines = book.grids[S.LINES]
    for row, r in enumerate(draft.sources.itertuples(), start=g.first):
        put(ws, f"{g.col(column)}{row}", r.column)
        ws[f"{g.col(column)}{row}"].protection = Protection(locked=True)
        put(ws, f"{g.col(source)}{row}", r.source)
        put(ws, f"{g.col(group)}{row}", r.group)
        formula(ws, f"{g.col(allocated)}{row}", f"={lines.cell(r.column, lines.total_row)}")
    book.grids[S.SOURCES] = g
    _balance_block(book, g, list(dict.fromkeys(s for s in draft.sources["source"] if s)))
    validation(ws, '"' + ",".join(FUNDING_GROUPS) + '"', _cells(g, group))
    ws.column_dimensions[g.col(source)].width = 40
    ws.column_dimensions[g.col(g.headers[5])].width = 40


def _balance_block(book: Book, g: Grid, sources: list[str]) -> None:
    """Per source: allocated (its columns), available (revenue lines of that source), gap."""
    ws = g.ws
    source, allocated, available, difference = (g.col(h) for h in g.headers[5:9])
    own_source, own_allocated = (
        g.range(g.headers[1], sheet=False),
        g.range(g.headers[3], sheet=False),
    )
    revenue_rows = _revenue_rows(book.draft)
    amount = f"{quote_sheetname(S.REVENUE)}!$C$2:$C${revenue_rows}"
    revenue_source = f"{quote_sheetname(S.REVENUE)}!$D$2:$D${revenue_rows}"
    for row in range(g.first, g.last + 1):
        index = row - g.first
        if index < len(sources):
            put(ws, f"{source}{row}", sources[index])
        guard = f'IF(${source}{row}="",0,'
        formula(
            ws, f"{allocated}{row}", f"={guard}SUMIF({own_source},${source}{row},{own_allocated}))"
        )
        formula(
            ws, f"{available}{row}", f"={guard}SUMIF({revenue_source},${source}{row},{amount}))"
        )
        formula(ws, f"{difference}{row}", f"={available}{row}-{allocated}{row}")
    total_row(g, g.headers[5], list(g.headers[6:9]))


def _revenue_rows(draft: PlanDraft) -> int:
    return 1 + len(draft.revenue) + S.SPARE[S.REVENUE]


def _revenue_sheet(book: Book) -> None:
    draft, ws = book.draft, book.wb[S.REVENUE]
    names = S.labels("draft_revenue", S.REVENUE_INPUTS, draft.years)
    headers = [*(names[c] for c in S.REVENUE_INPUTS), "", S.SUBTOTAL_HEADER, S.SUBTOTAL_SUM]
    headers.append(S.ROW_KIND_HEADER)
    g = grid(ws, headers, len(draft.revenue), S.SPARE[S.REVENUE])
    for row, r in enumerate(draft.revenue.itertuples(), start=g.first):
        put(ws, f"A{row}", r.group)
        put(ws, f"B{row}", r.label)
        put(ws, f"C{row}", r.amount, money=True)
        put(ws, f"D{row}", r.source)
    for row in range(g.first, g.last + 1):
        ws[f"C{row}"].number_format = EURO_FORMAT
    groups = [*draft.revenue_groups, *([""] * 3)]
    amounts = f"$C${g.first}:$C${g.last}"
    for row, group in enumerate([*groups, draft.revenue_total], start=g.first):
        put(ws, f"F{row}", group)
        ws[f"F{row}"].protection = UNLOCKED
        kind = S.TOTAL_KIND if row == g.first + len(groups) else S.SUBTOTAL_KIND
        ws[f"H{row}"] = kind
        text = (
            f"=SUM({amounts})"
            if kind == S.TOTAL_KIND
            else f'=IF(F{row}="","",SUMIF($A${g.first}:$A${g.last},F{row},{amounts}))'
        )
        formula(ws, f"G{row}", text)
    book.grids[S.REVENUE] = g
    book.grids["revenue_groups"] = Grid(ws, [], first=g.first, last=g.first + len(groups))
    validation(ws, f"=$F${g.first}:$F${g.first + len(groups)}", f"A{g.first}:A{g.last}")
    sources = book.grids[S.SOURCES]
    validation(ws, f"={sources.range(sources.headers[5])}", f"D{g.first}:D{g.last}")
    ws.column_dimensions["B"].width = 55
    ws.column_dimensions["F"].width = 30


def _aligned_objective(book: Book, ws: Worksheet, row: int) -> None:
    """Columns A-B of a sheet aligned with the Obiettivi rows: number and title (formulas)."""
    for letter in "AB":
        ref = f"{quote_sheetname(S.OBJECTIVES)}!{letter}{row}"
        formula(ws, f"{letter}{row}", f'=IF({ref}="","",{ref})', money=False)


def _multiyear_sheet(book: Book) -> None:
    draft, ws = book.draft, book.wb[S.MULTIYEAR]
    objectives = book.grids[S.OBJECTIVES]
    named = S.labels("draft_lines", ("objective_id",), draft.years)
    headers = [named["objective_id"], S.OBJECTIVE_TITLE, S.budget_header(draft.years.budget_year)]
    for year in draft.later_years:
        headers += list(S.year_headers(draft.years, year))
    g = grid(ws, headers, len(draft.objectives), S.SPARE[S.OBJECTIVES])
    rules = draft.multiyear.set_index(["objective_id", "year"])
    po = objectives.col(_amount_headers(draft)[1])
    for row in range(g.first, g.last + 1):
        _aligned_objective(book, ws, row)
        formula(ws, f"C{row}", f'=IF(A{row}="","",{quote_sheetname(S.OBJECTIVES)}!{po}{row})')
        objective_id = _objective_at(draft, row - g.first)
        previous = f"C{row}"
        for year in draft.later_years:
            rule_h, value_h, budget_h = S.year_headers(draft.years, year)
            rule, value, budget = g.col(rule_h), g.col(value_h), g.col(budget_h)
            if (objective_id, year) in rules.index:
                put(ws, f"{rule}{row}", rules.loc[(objective_id, year), "rule"])
                put(ws, f"{value}{row}", rules.loc[(objective_id, year), "rule_value"], money=True)
            formula(ws, f"{budget}{row}", excel_formula(f"{rule}{row}", f"{value}{row}", previous))
            previous = f"{budget}{row}"
    budget_headers = [h for h in headers if h.startswith("Budget ")]
    total_row(g, S.OBJECTIVE_TITLE, budget_headers)
    for year in draft.later_years:
        rule_h = S.year_headers(draft.years, year)[0]
        validation(ws, '"' + ",".join(DRAFT_RULES) + '"', _cells(g, rule_h))
    ws.column_dimensions["B"].width = 40
    book.grids[S.MULTIYEAR] = g


def _objective_at(draft: PlanDraft, index: int):
    ids = list(draft.objectives["objective_id"])
    return ids[index] if index < len(ids) else None


def _comparison_sheet(book: Book) -> None:
    draft, ws = book.draft, book.wb[S.COMPARISON]
    names = S.labels("comparison_view", ("preconsuntivo", "variation_computed"), draft.years)
    inputs = S.labels("draft_comparison", ("note", "provenance"), draft.years)
    budget = S.budget_header(draft.years.budget_year)
    headers = [
        S.labels("draft_lines", ("objective_id",), draft.years)["objective_id"],
        S.OBJECTIVE_TITLE,
        names["preconsuntivo"],
        budget,
        names["variation_computed"],
        "Motivazione",
        inputs["provenance"],
    ]
    g = grid(ws, headers, len(draft.objectives), S.SPARE[S.OBJECTIVES])
    given = draft.comparison.set_index("objective_id")
    objectives = book.grids[S.OBJECTIVES]
    po = objectives.col(_amount_headers(draft)[1])
    for row in range(g.first, g.last + 1):
        _aligned_objective(book, ws, row)
        objective_id = _objective_at(draft, row - g.first)
        if objective_id in given.index:
            put(ws, f"C{row}", given.at[objective_id, "preconsuntivo"], money=True)
            put(ws, f"F{row}", given.at[objective_id, "note"])
            put(ws, f"G{row}", given.at[objective_id, "provenance"])
        ws[f"C{row}"].number_format = EURO_FORMAT
        formula(ws, f"D{row}", f'=IF(A{row}="","",{quote_sheetname(S.OBJECTIVES)}!{po}{row})')
        formula(ws, f"E{row}", f'=IF(OR(A{row}="",C{row}=""),"",D{row}-C{row})')
    total_row(g, S.OBJECTIVE_TITLE, [headers[2], budget, headers[4]])
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["F"].width = ws.column_dimensions["G"].width = 45
    book.grids[S.COMPARISON] = g


def _staff_sheet(book: Book) -> None:
    staff, ws = book.draft.staff, book.wb[S.STAFF]
    categories = [c for c in staff.columns if c != STAFF_KEY]
    g = grid(ws, [S.STAFF_PROFILE, *categories], len(staff), S.SPARE[S.STAFF])
    for row, r in enumerate(staff.to_dict("records"), start=g.first):
        put(ws, f"A{row}", r[STAFF_KEY])
        for header in categories:
            put(ws, f"{g.col(header)}{row}", r[header])
    total_row(g, S.STAFF_PROFILE, categories)
    for header in categories:
        ws[f"{g.col(header)}{g.total_row}"].number_format = "0"
    ws.column_dimensions["A"].width = 35
    book.grids[S.STAFF] = g


def _plain_sheet(book: Book, title: str, table: str, columns, frame: pd.DataFrame) -> None:
    names = S.labels(table, columns, book.draft.years)
    g = grid(book.wb[title], [names[c] for c in columns], len(frame), S.SPARE[title])
    for row, r in enumerate(frame.to_dict("records"), start=g.first):
        for column in columns:
            put(g.ws, f"{g.col(names[column])}{row}", r[column])
    for header in g.headers:
        g.ws.column_dimensions[g.col(header)].width = 30
    book.grids[title] = g


def _kpi_sheet(book: Book) -> None:
    draft = book.draft
    _plain_sheet(book, S.KPIS, "draft_kpis", S.KPI_COLUMNS, draft.kpis)
    g = book.grids[S.KPIS]
    names = S.labels("draft_kpis", S.KPI_COLUMNS, draft.years)
    validation(g.ws, '"monitoraggio,obiettivo triennale"', _cells(g, names["kind"]))
    validation(g.ws, '"≥,≤,="', _cells(g, names["kpi_operator"]))
    objectives = book.grids[S.OBJECTIVES]
    validation(
        g.ws, f"={objectives.range(objectives.headers[0])}", _cells(g, names["objective_id"])
    )
    for column in ("section", "indicatore", "target"):
        g.ws.column_dimensions[g.col(names[column])].width = 50


# --------------------------------------------------------------------------- Controlli


def _checks_sheet(book: Book) -> None:
    """One row per identity: expected, computed, difference, OK / NON TORNA (all formulas)."""
    ws = book.wb[S.CHECKS]
    rows = _identities(book)
    ws["A1"] = "Identità che non tornano"
    ws["A1"].font = BOLD
    headers = ["Controllo", "Atteso", "Calcolato", "Differenza", "Esito"]
    for number, header in enumerate(headers, start=1):
        cell = ws.cell(row=3, column=number, value=header)
        cell.font, cell.fill = BOLD, HEADER_FILL
    for row, (label, expected, computed, money) in enumerate(rows, start=4):
        ws[f"A{row}"] = label
        formula(ws, f"B{row}", expected, money=money)
        formula(ws, f"C{row}", computed, money=money)
        formula(ws, f"D{row}", f"=C{row}-B{row}", money=money)
        formula(ws, f"E{row}", f'=IF(ABS(D{row})<={MONEY_TOLERANCE},"{OK}","{NOT_OK}")', False)
    last = 3 + len(rows)
    formula(ws, "B1", f'=COUNTIF(E4:E{last},"{NOT_OK}")', money=False)
    ws.column_dimensions["A"].width = 80
    for letter in "BCD":
        ws.column_dimensions[letter].width = 20
    ws.protection.sheet = True


def _identities(book: Book) -> list[tuple[str, str, str, bool]]:
    draft, grids = book.draft, book.grids
    years = draft.years
    lines, objectives, actions = grids[S.LINES], grids[S.OBJECTIVES], grids[S.ACTIONS]
    sources, revenue, multiyear = grids[S.SOURCES], grids[S.REVENUE], grids[S.MULTIYEAR]
    comparison = grids[S.COMPARISON]
    po_header = _amount_headers(draft)[1]
    po_total = lines.cell(po_header, lines.total_row)
    funding = [lines.range(c) for c in draft.funding_columns] or ["0"]
    per_line = f"{lines.range(po_header)}-({'+'.join(funding)})"
    gap = objectives.range(_gap_header(draft))
    groups = grids["revenue_groups"]
    revenue_sheet = quote_sheetname(S.REVENUE)
    budget = multiyear.cell(S.budget_header(years.budget_year), multiyear.total_row)
    rows = [
        (
            f"Voci in cui il {years.po_current} non è la somma delle fonti (numero)",
            "=0",
            f"=SUMPRODUCT((ABS({per_line})>{MONEY_TOLERANCE})*1)",
            False,
        ),
        (
            f"Obiettivi in cui le fonti non coprono il {years.po_current} (numero)",
            "=0",
            f"=SUMPRODUCT((ABS({gap})>{MONEY_TOLERANCE})*1)",
            False,
        ),
        (
            f"Totale {years.po_current} degli obiettivi = totale delle voci (voci con obiettivo "
            "non elencato nel foglio Obiettivi)",
            f"={po_total}",
            f"={objectives.cell(po_header, objectives.total_row)}",
            True,
        ),
        (
            f"Totale {years.po_current} delle azioni = totale delle voci con azione (azioni non "
            "elencate nel foglio Azioni)",
            f'=SUMPRODUCT(({lines.range(lines.headers[2])}<>"")*{lines.range(po_header)})',
            f"={actions.cell(po_header, actions.total_row)}",
            True,
        ),
        (
            f"Entrate {years.budget_year} (totale) = spesa {years.budget_year} (totale delle voci)",
            f"={po_total}",
            f"={revenue_sheet}!$G${groups.last}",
            True,
        ),
        (
            "Fonti in cui il disponibile nelle entrate non è l'assegnato nelle voci (numero)",
            "=0",
            f"=SUMPRODUCT((ABS({sources.range(sources.headers[8])})>{MONEY_TOLERANCE})*1)",
            False,
        ),
        (
            "Fonti assegnate a una fonte dichiarata = totale delle fonti delle voci",
            f"=SUM({sources.range(sources.headers[3])})",
            f"={sources.cell(sources.headers[6], sources.total_row)}",
            True,
        ),
        (
            "Entrate: subtotali + voci del totale = totale (voci con gruppo non elencato)",
            f"={revenue_sheet}!$G${groups.last}",
            f'=SUMIF({revenue_sheet}!$H${groups.first}:$H${groups.last},"{S.SUBTOTAL_KIND}",'
            f"{revenue_sheet}!$G${groups.first}:$G${groups.last})"
            f"+SUMIF({revenue.range(revenue.headers[0])},{revenue_sheet}!$F${groups.last},"
            f"{revenue.range(revenue.headers[2])})",
            True,
        ),
        (
            f"Pluriennale {years.budget_year} = spesa {years.budget_year} (totale delle voci)",
            f"={po_total}",
            f"={budget}",
            True,
        ),
        (
            f"Confronto: budget {years.budget_year} = spesa {years.budget_year}",
            f"={po_total}",
            f"={comparison.cell(S.budget_header(years.budget_year), comparison.total_row)}",
            True,
        ),
    ]
    rows += _multiyear_identities(book)
    rows += _staff_identities(book)
    return rows


def _multiyear_identities(book: Book) -> list[tuple[str, str, str, bool]]:
    g, draft = book.grids[S.MULTIYEAR], book.draft
    rows = []
    for year in draft.later_years:
        budget = g.range(S.year_headers(draft.years, year)[2])
        rows.append(
            (
                f"Pluriennale {year}: obiettivi senza regola o valore (numero)",
                "=0",
                f'=SUMPRODUCT(({g.range(g.headers[0])}<>"")*({budget}=""))',
                False,
            )
        )
    return rows


def _staff_identities(book: Book) -> list[tuple[str, str, str, bool]]:
    g = book.grids[S.STAFF]
    categories = g.headers[1:]
    by_kind = {}
    for header in categories:
        by_kind.setdefault(staff_breakdown(header), []).append(g.range(header))
    people = by_kind.get("persone")
    rows = []
    for kind, words in (("contratto", "tipo di rapporto"), ("orario", "orario")):
        if people and kind in by_kind:
            parts = "+".join(by_kind[kind])
            rows.append(
                (
                    f"Personale: profili in cui N° persone ≠ somma per {words} (numero)",
                    "=0",
                    f"=SUMPRODUCT((({people[0]})-({parts})<>0)*1)",
                    False,
                )
            )
    return rows


def _instructions_sheet(book: Book) -> None:
    ws = book.wb[S.INSTRUCTIONS]
    for row, (text, bold) in enumerate(instruction_rows(book.draft), start=1):
        ws[f"A{row}"] = text
        ws[f"A{row}"].font = Font(bold=bold, size=13 if row == 1 else 11)
        ws[f"A{row}"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 120
    ws.protection.sheet = True
