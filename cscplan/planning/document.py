"""The Piano Programma's tables in the document's own layout, as an Excel workbook and as HTML.

From the plan's tables (a compiled plan, parsed back from its text): each objective's budget
sheet (one table per part, the ``TOTALE OBIETTIVO`` row under the last), *Canali di finanziamento*
with subtotals and ``TOTALE BUDGET``, the comparison with the previous year (variation and
motivation) and the multi-year budget. Both renderings read one list of :class:`DocTable`, so the
workbook mirrors the pages. The HTML is printed to an A4 PDF by :mod:`.pdf`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from cscplan.fmt import eur
from cscplan.reports.excel import BOLD, EURO_FORMAT, HEADER_FILL, TOTAL_FILL, workbook_bytes
from cscplan.vocabulary import COMPARISON, MULTIYEAR, SHEET, TOTAL, VARIATION

LINE, ACTION, SUBTOTAL, GRAND = "voce", "azione", "subtotale", "totale"


@dataclass
class DocTable:
    header: list[str]
    rows: list[tuple[str, list]] = field(default_factory=list)  # (kind, cells)
    labels: int = 1  # leading text columns; the rest are amounts


@dataclass
class Section:
    title: str
    tables: list[DocTable]
    sheet: str  # workbook sheet it goes to
    kind: str = "tabella"  # 'scheda' for an objective's budget sheet


def sections(plan) -> list[Section]:
    """Every table of the document, in the document's order."""
    years = plan.years
    out = [
        _sheet(plan, objective_id)
        for objective_id in sorted(plan.budget_lines["objective_id"].unique())
    ]
    out.append(_revenue(plan))
    out.append(_comparison(plan))
    out.append(_multiyear(plan))
    for section in out[:-3]:
        section.sheet = f"Schede {years.budget_year}"
    return out


def _sheet(plan, objective_id: int) -> Section:
    years = plan.years
    lines = plan.budget_lines[plan.budget_lines["objective_id"] == objective_id]
    stated = plan.stated_totals
    totals = stated[(stated["table"] == SHEET) & (stated["objective_id"] == objective_id)]
    columns = [c for c in totals["column"] if c not in years.plan_columns]
    columns += [
        c for c in dict.fromkeys(lines["column"]) if c not in (*columns, *years.plan_columns)
    ]
    amounts = [*years.plan_columns, *columns]
    detail = bool((lines["detail"] != "").any())
    header = ["Voce", *(["Dettaglio"] if detail else []), *amounts]
    labels = 2 if detail else 1
    parts = sorted(lines["part"].unique())
    tables = []
    for part in parts:
        table = DocTable(header, labels=labels)
        mine = lines[lines["part"] == part].sort_values("source_line", kind="stable")
        action = ""
        for _, cells in mine.groupby("line_id", sort=False):
            first = cells.iloc[0]
            if first["action"] != action:
                action = first["action"]
                table.rows.append((ACTION, [action]))
            values = dict(zip(cells["column"], cells["amount"], strict=True))
            label = [first["item"], *([first["detail"]] if detail else [])]
            table.rows.append((LINE, [*label, *(values.get(c) for c in amounts)]))
        if part == parts[-1]:
            values = dict(zip(totals["column"], totals["amount"], strict=True))
            label = [f"{TOTAL} OBIETTIVO {objective_id}", *([""] if detail else [])]
            table.rows.append((GRAND, [*label, *(values.get(c) for c in amounts)]))
        tables.append(table)
    title = f"OBIETTIVO {objective_id}: {lines['objective'].iloc[0]}"
    return Section(title, tables, "", kind="scheda")


def _revenue(plan) -> Section:
    table = DocTable(["Voce di entrata", "Importo"])
    kinds = {"line": LINE, "subtotal": SUBTOTAL, "total": GRAND}
    for r in plan.revenue.itertuples():
        table.rows.append((kinds[r.row_kind], [r.label, r.amount]))
    title = f"Canali di finanziamento {plan.years.budget_year}"
    return Section(title, [table], "Canali di finanziamento")


def _grand(plan, table: str) -> dict[str, float]:
    st = plan.stated_totals
    rows = st[(st["table"] == table) & st["objective_id"].isna()]
    return dict(zip(rows["column"].astype(str), rows["amount"], strict=True))


def _comparison(plan) -> Section:
    years = plan.years
    header = [
        "Obiettivo",
        f"Preconsuntivo {years.previous_year}",
        f"Budget {years.budget_year}",
        "Variazione",
        "Motivazione",
    ]
    table = DocTable(header)
    for r in plan.comparison.itertuples():
        table.rows.append(
            (
                LINE,
                [
                    f"OBIETTIVO {r.objective_id}: {r.objective}",
                    r.preconsuntivo,
                    r.budget,
                    r.variation,
                    r.note,
                ],
            )
        )
    grand = _grand(plan, COMPARISON)
    total = [
        grand.get(years.preconsuntivo_label),
        grand.get(years.budget_label),
        grand.get(VARIATION),
    ]
    table.rows.append((GRAND, [f"{TOTAL} PO", *total, ""]))
    title = f"Confronto budget {years.budget_year} – preconsuntivo {years.previous_year}"
    return Section(title, [table], "Confronto")


def _multiyear(plan) -> Section:
    years = plan.years
    wide = plan.multiyear.pivot_table(
        index=["objective_id", "objective"], columns="year", values="amount", sort=False
    )
    wide = wide.reindex(columns=list(years.horizon))
    table = DocTable(["Obiettivo", *(f"Budget {y}" for y in years.horizon)])
    for (objective_id, title), values in wide.iterrows():
        table.rows.append((LINE, [f"OBIETTIVO {objective_id}: {title}", *values.tolist()]))
    grand = _grand(plan, MULTIYEAR)
    table.rows.append((GRAND, [f"{TOTAL} PO", *(grand.get(str(y)) for y in years.horizon)]))
    return Section(
        f"Budget pluriennale {years.first_year}–{years.last_year}", [table], "Budget pluriennale"
    )


# --------------------------------------------------------------------------- workbook


def document_workbook(plan) -> bytes:
    """The document's tables as a workbook: all objective sheets on one sheet, then one sheet
    per other table; amounts as euro cells."""
    wb = Workbook()
    wb.remove(wb.active)
    rows: dict[str, int] = {}
    for section in sections(plan):
        ws = wb[section.sheet] if section.sheet in wb.sheetnames else wb.create_sheet(section.sheet)
        row = rows.get(section.sheet, 1)
        ws.cell(row=row, column=1, value=section.title).font = Font(bold=True, size=12)
        row += 1
        for table in section.tables:
            row = _write_table(ws, table, row) + 1
        rows[section.sheet] = row + 1
        ws.column_dimensions["A"].width = 55
        for letter in "BCDEFGHIJKLMN":
            ws.column_dimensions[letter].width = 18
    return workbook_bytes(wb)


def _write_table(ws, table: DocTable, row: int) -> int:
    for number, text in enumerate(table.header, start=1):
        cell = ws.cell(row=row, column=number, value=text)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True)
    for kind, cells in table.rows:
        row += 1
        for number, value in enumerate(cells, start=1):
            amount = number > table.labels and not isinstance(value, str)
            cell = ws.cell(row=row, column=number, value=None if pd.isna(value) else value)
            if amount:
                cell.number_format = EURO_FORMAT
            if kind in (SUBTOTAL, GRAND, ACTION):
                cell.font = BOLD
            if kind in (SUBTOTAL, GRAND):
                cell.fill = TOTAL_FILL
    return row


# --------------------------------------------------------------------------- HTML

CSS = """
@page { size: A4 landscape; margin: 10mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 8pt; color: #1a1a1a; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 4mm 0; }
h2 { font-size: 10pt; margin: 0 0 2mm 0; }
section { break-inside: avoid; page-break-inside: avoid; margin-bottom: 5mm; }
section.capitolo { break-before: page; page-break-before: always; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; break-inside: avoid; }
th { background: #dce6f0; text-align: left; padding: 1px 3px; border: 0.5px solid #b4c0cc; }
td { padding: 1px 3px; border: 0.5px solid #d0d7de; vertical-align: top; }
td.importo, th.importo { text-align: right; white-space: nowrap; }
tr.azione td { font-weight: bold; background: #f5f7fa; }
tr.subtotale td, tr.totale td { font-weight: bold; background: #f2f2f2; }
p.nota { font-size: 7pt; color: #555; }
"""


def document_html(plan, note: str = "") -> str:
    """The document as one offline HTML page (A4 landscape print styles), Italian amounts."""
    years = plan.years
    parts = [
        "<!DOCTYPE html>",
        '<html lang="it"><head><meta charset="utf-8">',
        f"<title>{html.escape(years.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(years.title)} — Budget {years.budget_year}</h1>",
    ]
    if note:
        parts.append(f'<p class="nota">{html.escape(note)}</p>')
    chapter = None
    for section in sections(plan):
        opens = section.sheet != chapter
        chapter = section.sheet
        classes = " ".join(
            c for c in (section.kind, "capitolo" if opens and section.kind != "scheda" else "") if c
        )
        parts.append(f'<section class="{classes}"><h2>{html.escape(section.title)}</h2>')
        parts += [_html_table(table) for table in section.tables]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_table(table: DocTable) -> str:
    head = "".join(
        f'<th class="{"importo" if i >= table.labels and i < _amount_end(table) else ""}">{html.escape(h)}</th>'
        for i, h in enumerate(table.header)
    )
    rows = []
    for kind, cells in table.rows:
        if kind == ACTION:
            rows.append(
                f'<tr class="azione"><td colspan="{len(table.header)}">{html.escape(cells[0])}</td></tr>'
            )
            continue
        tds = []
        for i, value in enumerate(cells):
            if isinstance(value, str) or i < table.labels:
                tds.append(f"<td>{html.escape(str(value or ''))}</td>")
            else:
                tds.append(f'<td class="importo">{"" if pd.isna(value) else eur(value)}</td>')
        rows.append(f'<tr class="{kind}">{"".join(tds)}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _amount_end(table: DocTable) -> int:
    return len(table.header) - (1 if table.header[-1] == "Motivazione" else 0)
