"""Piano Programma 2020–2022 (Comunità Sociale Cremasca): text → nine tidy, validated tables.

The text is a PDF export: tables are tab-separated rows, one table per block of non-blank
lines. Sections are found by their markers/headers, never by line numbers:

* ``Profilo professionale<TAB>N° persone…`` → ``staff`` (Tab1, long format: one row per count
  cell; ``breakdown`` persone/contratto/orario; the unlabelled last row is the total);
* ``Profilo professionale<TAB>Ambito…`` → ``hiring_plan`` (Tab2);
* ``GLI OBIETTIVI STRATEGICI…`` … ``Obiettivo 1.1: title`` + paragraph → ``strategic_objectives``;
* ``BUDGET <anno> – SCHEDE`` … ``CANALI DI FINANZIAMENTO``: the budget sheets. A sheet is a block
  whose first row is ``OBIETTIVO n: …`` followed by column headers that include the two plan
  columns ``PO <anno-1>``/``PO <anno>``; an empty header cell marks a second label column (detail). Objectives 5 and 8 span
  several blocks (``part``); the ``TOTALE OBIETTIVO n`` row closes the objective. Blocks starting
  with ``Strumento<TAB>Indicatore`` are indicator tables (``kpis``) titled by the preceding
  ``OBIETTIVO n …`` line;
* ``ENTRATE PREVISIONALI…`` → ``revenue``; ``CONFRONTO BUDGET…`` → ``comparison``;
  ``BUDGET PLURIENNALE…`` → ``multiyear``. Their TOTALE rows go to ``stated_totals``
  (table entrate/confronto/pluriennale, objective_id NA). Revenue rows labelled ``Totale …``
  are kept in ``revenue`` too (row_kind subtotal; the last row is the total) and a line's
  ``group`` is the label of the subtotal that follows it. Each of these tables must end with
  its TOTALE row (else: truncated).

The parser reports what the document states; it never corrects it. Sums that disagree with
their TOTALE row (e.g. objective 5, PO 2020) are left to the validation step.

Cell rules (budget sheets): one row per amount cell present; an empty cell produces no row;
``€ -`` is 0.0; ``#####`` is ``masked`` with amount NaN; text merged with an amount
(``Costo del personale € 19.893,78``) becomes detail text + amount; a row with no amount at all
is a label (``Azione …`` rows set the current action). A row whose label cells are all empty
continues the previous line's item (a merged cell in the PDF). A row with more non-empty
cells than its header, an unreadable amount, a missing or repeated ``TOTALE OBIETTIVO n``, a
table header without rows, a table row cut off from its header by a blank line or a missing
section raise :class:`InputError` naming line/column. Section content is checked in document
order before missing sections are reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.io import read_source_text
from cscplan.metadata.tables import PLAN_TABLES
from cscplan.plan_years import PLAN_COLUMN, PlanYears, column_year
from cscplan.sources.amounts import (
    MASKED,
    AmountFormatError,
    as_float,
    parse_amount,
    split_label_amount,
)
from cscplan.sources.kpi_targets import parse_target
from cscplan.vocabulary import COMPARISON, MULTIYEAR, REVENUE, SHEET, VARIATION

HTML_TAG = re.compile(r"<[^>]+>")
OBJECTIVE_TITLE = re.compile(r"^OBIETTIVO\s+(\d+)\b\s*(?:[:\-–]\s*)?(.*)$")
OBJECTIVE_TOTAL = re.compile(r"^TOTALE\s+OBIETTIVO\s+(\d+)\s*$", re.I)
TOTAL_LABEL = re.compile(r"^totale\b", re.I)
ACTION = re.compile(r"^Azione\b", re.I)
ACTION_REF = re.compile(r"\bAzione\s+\w+", re.I)
TRIENNIAL = re.compile(r"^Ob?iettivi\s+triennali\b", re.I)
INDICATOR_LIKE = re.compile(r"^(?:n°|n\.|%)", re.I)
DEADLINE = re.compile(r"\bentro\s+(?:il\s+)?(\d{1,2}\s+[a-zà-ù]+\s+\d{4})", re.I)
YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
COUNT = re.compile(r"^\d+$")

MARKERS = {
    "strategic": re.compile(r"^GLI OBIETTIVI STRATEGICI\b"),
    "budget": re.compile(r"^BUDGET\s+(\d{4})\s*[–-]\s*SCHEDE\s*$"),
    "budget_end": re.compile(r"^CANALI DI FINANZIAMENTO\b"),
    "revenue": re.compile(r"^ENTRATE PREVISIONALI\b"),
    "comparison": re.compile(r"^CONFRONTO BUDGET\b"),
    "multiyear": re.compile(r"^BUDGET PLURIENNALE\b"),
}
MARKER_LABELS = {
    "staff": "la tabella 'Profilo professionale / N° persone' (Tab1)",
    "hiring": "la tabella 'Profilo professionale / Ambito' (Tab2)",
    "strategic": "la sezione 'GLI OBIETTIVI STRATEGICI'",
    "budget": "la sezione 'BUDGET <anno> – SCHEDE'",
    "budget_end": "la sezione 'CANALI DI FINANZIAMENTO' dopo le schede",
    "revenue": "la tabella 'ENTRATE PREVISIONALI ESERCIZIO <anno>'",
    "comparison": "la sezione 'CONFRONTO BUDGET <anno> – PRECONSUNTIVO <anno-1>'",
    "multiyear": "la sezione 'BUDGET PLURIENNALE'",
}
COMPARISON_HEADER = (re.compile(r"CONSUNTIVO", re.I), re.compile(r"PREVENTIVO|BUDGET", re.I))
COMPARISON_HEADER += (re.compile(r"VARIAZIONE", re.I),)
HIRING_HEADER = {
    "profilo professionale": "profile",
    "ambito": "area",
    "unità": "units",
    "modalità di copertura": "coverage",
    "anno": "year",
}


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class PlanTables:
    """All tables of the Piano Programma, each validated against its registry declaration."""

    plan_info: pd.DataFrame
    budget_lines: pd.DataFrame
    stated_totals: pd.DataFrame
    revenue: pd.DataFrame
    comparison: pd.DataFrame
    multiyear: pd.DataFrame
    staff: pd.DataFrame
    hiring_plan: pd.DataFrame
    strategic_objectives: pd.DataFrame
    kpis: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in PLAN_TABLES}

    @property
    def years(self) -> PlanYears:
        return PlanYears.from_table(self.plan_info)


@dataclass(frozen=True)
class Row:
    """One source line split into cleaned cells; ``line`` is 1-based."""

    line: int
    cells: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.cells[0] if self.cells else ""

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""

    @property
    def blank(self) -> bool:
        return not any(self.cells)


@dataclass
class Records:
    """Rows collected for each output table while parsing."""

    tables: dict[str, list[dict]] = field(default_factory=lambda: {n: [] for n in PLAN_TABLES})

    def add(self, name: str, /, **row: object) -> None:
        self.tables[name].append(row)


def clean(text: str) -> str:
    """Strip HTML tags, markdown bold and surrounding/duplicate whitespace."""
    text = HTML_TAG.sub("", text).replace("**", "")
    return re.sub(r"[ \u00a0]+", " ", text).strip()


def to_rows(text: str) -> list[Row]:
    lines = re.split(r"\r\n|\r|\n", text)
    return [Row(i, tuple(clean(c) for c in t.split("\t"))) for i, t in enumerate(lines, 1)]


# --------------------------------------------------------------------------- entry points


def load_plan(path: str | Path) -> PlanTables:
    """Read and parse the Piano Programma text file (see :func:`parse_plan`)."""
    return parse_plan(read_source_text(path), source=str(path))


def parse_plan(text: str, source: str = "piano programma") -> PlanTables:
    """Parse the whole document into :class:`PlanTables`; bad input raises :class:`InputError`."""
    rows = to_rows(text)
    if all(row.blank for row in rows):
        raise InputError(source, "il testo del Piano Programma", "testo vuoto")
    ctx = Context(source, rows)
    for step in (
        parse_staff,
        parse_hiring,
        parse_strategic,
        parse_budget_sheets,
        parse_revenue,
        parse_comparison,
        parse_multiyear,
    ):
        step(ctx)
    ctx.raise_missing()
    ctx.add("plan_info", **ctx.plan_years().record())
    frames = {
        name: metadata.validate(name, metadata.frame_from_records(name, records), source)
        for name, records in ctx.items()
    }
    return PlanTables(**frames)


@dataclass
class Context:
    """Parsing state shared by the section parsers: the rows, the records, missing sections."""

    source: str
    rows: list[Row]
    records: Records = field(default_factory=Records)
    missing: list[str] = field(default_factory=list)
    budget_year: int | None = None
    budget_line: int = 1
    plan_columns: tuple[str, str] | None = None
    horizon: tuple[int, ...] = ()

    def plan_years(self) -> PlanYears:
        """The years read from the document (sections are all present when this is called)."""
        previous, current = self.plan_columns
        return PlanYears(
            budget_year=self.budget_year,
            previous_year=column_year(previous),
            first_year=min(self.horizon),
            last_year=max(self.horizon),
            po_previous=previous,
            po_current=current,
            source_line=self.budget_line,
        )

    def add(self, name: str, /, **row: object) -> None:
        self.records.add(name, **row)

    def items(self) -> Iterator[tuple[str, list[dict]]]:
        return iter(self.records.tables.items())

    def error(self, row: Row | int | None, expected: str, found: str = "", **where) -> InputError:
        line = row.line if isinstance(row, Row) else row
        return InputError(self.source, expected, found, row=line, **where)

    def find(self, key: str, start: int = 0, predicate: Callable[[Row], bool] | None = None):
        """Index of the first row at/after ``start`` matching the marker (or predicate)."""
        test = predicate or (lambda r: bool(MARKERS[key].match(r.first)))
        for index in range(start, len(self.rows)):
            if test(self.rows[index]):
                return index
        self.missing.append(key)
        return None

    def block(self, start: int) -> list[Row]:
        """Non-blank rows from ``start`` up to the next blank line."""
        out: list[Row] = []
        for row in self.rows[start:]:
            if row.blank:
                break
            out.append(row)
        return out

    def next_nonblank(self, start: int) -> int | None:
        for index in range(start, len(self.rows)):
            if not self.rows[index].blank:
                return index
        return None

    def raise_missing(self) -> None:
        if self.missing:
            key = self.missing[0]
            raise InputError(self.source, MARKER_LABELS[key], "sezione assente nel testo")


# --------------------------------------------------------------------------- amounts


def amount_cell(ctx: Context, row: Row, index: int, column: str) -> tuple[str, object]:
    """Split a cell into (merged label text, parsed amount); unreadable amounts raise."""
    text, raw = split_label_amount(row.cell(index))
    if text and not raw:
        raise ctx.error(row, "un importo in euro", f"il testo {text!r}", column=column)
    try:
        return text, parse_amount(raw)
    except AmountFormatError as exc:
        raise ctx.error(row, exc.expected, repr(exc.found), column=column) from None


def plain_amount(ctx: Context, row: Row, index: int, column: str, required: bool = True):
    """An amount cell with no label text; masked cells are not allowed here."""
    text, value = amount_cell(ctx, row, index, column)
    if text:
        raise ctx.error(row, "solo un importo", repr(row.cell(index)), column=column)
    if value is MASKED:
        raise ctx.error(row, "un importo leggibile", "'#####'", column=column)
    if value is None and required:
        raise ctx.error(row, "un importo", "cella vuota", column=column)
    return value


def check_width(ctx: Context, row: Row, width: int) -> None:
    """Rows may be shorter than their header, never longer with non-empty extra cells."""
    extra = [c for c in row.cells[width:] if c]
    if extra:
        raise ctx.error(
            row,
            f"al più {width} celle, come l'intestazione della tabella",
            f"{len(row.cells)} celle (in più: {extra[0]!r})",
            column=str(width + 1),
        )


# --------------------------------------------------------------------------- staff / hiring


def parse_staff(ctx: Context) -> None:
    start = ctx.find("staff", predicate=is_staff_header)
    if start is None:
        return
    header, *body = ctx.block(start)
    if not body or body[-1].first:
        last = body[-1] if body else header
        raise ctx.error(last, "la riga di totale (senza profilo) alla fine della Tab1", "troncata")
    for row in body:
        check_width(ctx, row, len(header.cells))
        total = not row.first
        for index, category in enumerate(header.cells[1:], 1):
            ctx.add(
                "staff",
                profile=row.first or "Totale",
                breakdown=staff_breakdown(category),
                category=category,
                count=count_cell(ctx, row, index, category),
                row_kind="total" if total else "line",
                source_line=row.line,
            )


def is_staff_header(row: Row) -> bool:
    return row.first.lower() == "profilo professionale" and row.cell(1).lower().startswith("n°")


def staff_breakdown(category: str) -> str:
    lowered = category.lower()
    if lowered.startswith("n°"):
        return "persone"
    return "orario" if lowered.startswith("di cui") else "contratto"


def count_cell(ctx: Context, row: Row, index: int, column: str) -> int:
    text = row.cell(index)
    if not COUNT.match(text):
        raise ctx.error(row, "un numero intero di persone", repr(text), column=column)
    return int(text)


def parse_hiring(ctx: Context) -> None:
    start = ctx.find("hiring", predicate=is_hiring_header)
    if start is None:
        return
    header, *body = ctx.block(start)
    fields = {
        HIRING_HEADER[c.lower()]: i
        for i, c in enumerate(header.cells)
        if c.lower() in HIRING_HEADER
    }
    absent = sorted(set(HIRING_HEADER.values()) - set(fields))
    if absent or not body:
        found = f"colonne mancanti {absent}" if absent else "nessuna riga"
        raise ctx.error(header, "le colonne e le righe del piano occupazionale", found)
    for row in body:
        check_width(ctx, row, len(header.cells))
        record = {key: row.cell(index) for key, index in fields.items()}
        for key in ("units", "year"):
            record[key] = count_cell(ctx, row, fields[key], header.cells[fields[key]])
        ctx.add("hiring_plan", **record, source_line=row.line)


def is_hiring_header(row: Row) -> bool:
    return row.first.lower() == "profilo professionale" and row.cell(1).lower() == "ambito"


# --------------------------------------------------------------------------- strategic objectives

STRATEGIC_ITEM = re.compile(r"^Obiettivo\s+(\d+\.\d+)\s*:\s*(.+)$", re.I)
AREA_HEADING = re.compile(r"^(\d+)\.\s+([^\d].*?)\s*;?$")


def parse_strategic(ctx: Context) -> None:
    start = ctx.find("strategic")
    if start is None:
        return
    end = ctx.find("budget", start) or len(ctx.rows)
    areas: dict[str, str] = {}
    current: dict | None = None
    for row in ctx.rows[start + 1 : end]:
        text = " ".join(c for c in row.cells if c)
        heading = AREA_HEADING.match(text)
        item = STRATEGIC_ITEM.match(text)
        if heading:
            areas[heading[1]] = heading[2]
            current = None
        elif item:
            current = {"code": item[1], "title": item[2], "description": [], "line": row.line}
            ctx.add("strategic_objectives", **strategic_record(current, areas))
        elif text and current is not None:
            current["description"].append(text)
            ctx.records.tables["strategic_objectives"][-1] = strategic_record(current, areas)
    if not ctx.records.tables["strategic_objectives"]:
        raise ctx.error(ctx.rows[start], "almeno un 'Obiettivo n.m: titolo'", "nessuno")


def strategic_record(item: dict, areas: dict[str, str]) -> dict:
    return {
        "code": item["code"],
        "area": areas.get(item["code"].split(".")[0], ""),
        "title": item["title"],
        "description": " ".join(item["description"]),
        "source_line": item["line"],
    }


# --------------------------------------------------------------------------- budget sheets


@dataclass
class Objective:
    number: int
    title: str
    parts: int = 0
    lines: int = 0
    total_line: int | None = None
    last_line: int = 0


@dataclass
class Sheet:
    """One budget table (a part of an objective's sheet) being read."""

    objective: Objective
    part: int
    header: Row
    columns: dict[int, str]  # amount column index -> header text
    label_columns: list[int]
    action: str = ""
    last_item: str = ""
    rows: int = 0
    buffer: list[Row] = field(default_factory=list)  # physical rows, re-joined at the end


@dataclass
class BudgetState:
    objectives: dict[int, Objective] = field(default_factory=dict)
    current: Objective | None = None
    title: Row | None = None  # the last "OBIETTIVO n …" line that did not open a table
    sheet: Sheet | None = None
    kpi: dict | None = None


def parse_budget_sheets(ctx: Context) -> None:
    start = ctx.find("budget")
    if start is None:
        return
    end = ctx.find("budget_end", start)
    ctx.budget_year = int(MARKERS["budget"].match(ctx.rows[start].first)[1])
    ctx.budget_line = ctx.rows[start].line
    state = BudgetState()
    for row in ctx.rows[start + 1 : end if end is not None else len(ctx.rows)]:
        budget_row(ctx, state, row)
    close_table(ctx, state)
    close_objective(ctx, state, None)
    if not state.objectives:
        raise ctx.error(
            ctx.rows[start], f"almeno una scheda 'OBIETTIVO n' con colonne PO {ctx.budget_year}"
        )


def budget_row(ctx: Context, state: BudgetState, row: Row) -> None:
    if row.blank:
        close_table(ctx, state)
    elif is_budget_header(row):
        close_table(ctx, state)
        check_plan_columns(ctx, row)
        open_sheet(ctx, state, row)
    elif is_kpi_header(row):
        close_table(ctx, state)
        open_kpi(ctx, state, row)
    elif state.sheet is not None:
        state.sheet.buffer.append(row)
    elif state.kpi is not None:
        kpi_row(state.kpi, ctx, row)
    elif OBJECTIVE_TITLE.match(row.first):
        state.title = row
    elif sum(1 for cell in row.cells if cell) > 1:
        raise ctx.error(
            row,
            "una riga dentro una tabella (dopo la sua intestazione, senza righe vuote in mezzo)",
            "una riga di tabella isolata",
        )


def is_budget_header(row: Row) -> bool:
    return bool(OBJECTIVE_TITLE.match(row.first)) and any(PLAN_COLUMN.match(c) for c in row.cells)


def check_plan_columns(ctx: Context, header: Row) -> None:
    """Every sheet has the same two plan columns, ``PO <anno-1>`` and ``PO <anno>``."""
    found = tuple(sorted((c for c in header.cells if PLAN_COLUMN.match(c)), key=column_year))
    expected = (f"PO {ctx.budget_year - 1}", f"PO {ctx.budget_year}")
    if found != expected or (ctx.plan_columns not in (None, found)):
        raise ctx.error(
            header,
            f"le colonne {' e '.join(ctx.plan_columns or expected)} come nell'intestazione "
            f"'BUDGET {ctx.budget_year} – SCHEDE' e nelle altre schede",
            ", ".join(found) or "nessuna colonna PO",
        )
    ctx.plan_columns = found


def is_kpi_header(row: Row) -> bool:
    return row.first.lower() == "strumento" and row.cell(1).lower() == "indicatore"


def close_table(ctx: Context, state: BudgetState) -> None:
    sheet, kpi = state.sheet, state.kpi
    if sheet is not None:
        for row in rejoin_split_rows(ctx, sheet, sheet.buffer):
            sheet_row(ctx, state, row)
    if sheet is not None and sheet.rows == 0:
        raise ctx.error(sheet.header, "le righe della scheda dopo l'intestazione", "nessuna riga")
    if kpi is not None and kpi["rows"] == 0:
        raise ctx.error(kpi["header"], "le righe degli indicatori dopo l'intestazione")
    state.sheet = state.kpi = None


def close_objective(ctx: Context, state: BudgetState, next_header: Row | None) -> None:
    """The current objective must have its TOTALE row before another objective (or the end)."""
    current = state.current
    if current is None or current.total_line is not None:
        return
    found = "tabella troncata: riga di totale assente"
    if next_header is not None:
        found += f" (l'obiettivo successivo inizia alla riga {next_header.line})"
    raise ctx.error(current.last_line, f"la riga 'TOTALE OBIETTIVO {current.number}'", found)


def open_sheet(ctx: Context, state: BudgetState, header: Row) -> None:
    number = int(OBJECTIVE_TITLE.match(header.first)[1])
    known = state.objectives.get(number)
    if known is not None and known.total_line is not None:
        raise ctx.error(
            header,
            f"una sola scheda per l'obiettivo {number}",
            f"scheda ripetuta (già chiusa da 'TOTALE OBIETTIVO {number}' alla riga "
            f"{known.total_line})",
        )
    if state.current is not None and state.current.number != number:
        close_objective(ctx, state, header)
    objective = known or Objective(number, objective_title(state.title, header, number))
    state.objectives[number] = state.current = objective
    objective.parts += 1
    state.sheet = Sheet(objective, objective.parts, header, *sheet_columns(ctx, header))
    state.title = None


def objective_title(title: Row | None, header: Row, number: int) -> str:
    """The section heading ('OBIETTIVO n: TITLE' alone on a line) if present, else the header."""
    for row in (title, header):
        match = OBJECTIVE_TITLE.match(row.first) if row is not None else None
        if match and int(match[1]) == number and match[2]:
            return match[2]
    return f"Obiettivo {number}"


def sheet_columns(ctx: Context, header: Row) -> tuple[dict[int, str], list[int]]:
    columns: dict[int, str] = {}
    labels: list[int] = []
    for index, name in enumerate(header.cells[1:], 1):
        if not name:
            labels.append(index)
        elif name in columns.values():
            raise ctx.error(header, "intestazioni di colonna distinte", repr(name), column=name)
        else:
            columns[index] = name
    return columns, labels


def sheet_row(ctx: Context, state: BudgetState, row: Row) -> None:
    sheet = state.sheet
    check_width(ctx, row, len(sheet.header.cells))
    sheet.rows += 1
    sheet.objective.last_line = row.line
    total = OBJECTIVE_TOTAL.match(row.first)
    cells = {i: amount_cell(ctx, row, i, name) for i, name in sheet.columns.items()}
    if total:
        stated_total(ctx, sheet, row, int(total[1]), cells)
    elif all(value is None for _, value in cells.values()):
        if ACTION.match(row.first):
            sheet.action, sheet.last_item = row.first, ""
    else:
        budget_line(ctx, sheet, row, cells)


def stated_total(ctx: Context, sheet: Sheet, row: Row, number: int, cells: dict) -> None:
    objective = sheet.objective
    if number != objective.number:
        raise ctx.error(row, f"'TOTALE OBIETTIVO {objective.number}'", repr(row.first))
    if objective.total_line is not None:
        raise ctx.error(
            row,
            f"un solo 'TOTALE OBIETTIVO {number}'",
            f"totale ripetuto (già alla riga {objective.total_line})",
        )
    objective.total_line = row.line
    for index, (text, value) in cells.items():
        if text:
            raise ctx.error(row, "solo importi", repr(row.cell(index)), column=sheet.columns[index])
        if value is not None:
            ctx.add(
                "stated_totals",
                table=SHEET,
                objective_id=number,
                column=sheet.columns[index],
                amount=as_float(value),
                masked=value is MASKED,
                source_line=row.line,
            )


def budget_line(ctx: Context, sheet: Sheet, row: Row, cells: dict) -> None:
    labels = [c for c in [row.first, *(row.cell(i) for i in sheet.label_columns)] if c]
    merged = [text for text, _ in cells.values() if text]
    if labels:
        item, detail = labels[0], [*labels[1:], *merged]
    elif sheet.last_item:
        item, detail = sheet.last_item, merged
    elif merged:
        item, detail = merged[0], merged[1:]
    else:
        raise ctx.error(row, "l'etichetta della voce", "riga con importi ma senza etichetta")
    objective = sheet.objective
    objective.lines += 1
    sheet.last_item = item
    line_id = f"{objective.number:02d}-{sheet.part}-{objective.lines:03d}"
    for index, (_, value) in cells.items():
        if value is None:
            continue
        column = sheet.columns[index]
        ctx.add(
            "budget_lines",
            objective_id=objective.number,
            objective=objective.title,
            part=sheet.part,
            line_id=line_id,
            action=sheet.action,
            item=item,
            detail=" — ".join(detail),
            column=column,
            kind="plan" if column in ctx.plan_columns else "source",
            amount=as_float(value),
            masked=value is MASKED,
            imputed=False,
            source_line=row.line,
        )


# --------------------------------------------------------------------------- split rows

CONTINUES = re.compile(
    r"(?:[-–/,(+]|\b(?:e|ed|o|di|del|dello|della|dei|degli|delle|per|con|a|al|allo|alla|ai|"
    r"agli|alle|in|nel|nella|da|dal|dalla|su|sul|sulla|tra|fra))$",
    re.I,
)


def rejoin_split_rows(ctx: Context, sheet: Sheet, rows: list[Row]) -> list[Row]:
    """A sheet's physical rows → its logical rows, re-joining rows the export split in two.

    Re-joined when unambiguous (``source_line`` of the result is the line holding its amounts,
    or the first line of a row whose cells were split):

    * **label alone, amounts on the next line** — a text-only row followed by a row of amounts
      without label: the text is that row's label (not a continuation of the previous item);
    * **label continued** — a text-only row followed by a row whose label starts in lower case,
      or a text ending with a connector (``-``, ``e``, ``di``, ``per`` …): one label;
    * **label tail** — a lower-case text-only row (or one after a label ending with a
      connector) right after a budget line: the end of that line's label;
    * **cells continued** — a row physically shorter than the header followed by a row that
      starts with an amount (its remaining cells) or that holds amounts only in the columns the
      short row lacks.

    A text that could end the previous line's label *and* begin the next one, a row starting
    with an amount that continues nothing, or a continuation with more cells than the header are
    refused, naming the line — never parsed into a wrong line.
    """
    width = len(sheet.header.cells)
    out: list[Row] = []
    pending: list[Row] = []
    for row in rows:
        if _is_text_row(row, sheet):
            pending.append(row)
            continue
        row = _resolve_pending(ctx, sheet, out, pending, row)
        pending = []
        if _starts_with_amount(row):
            out[-1:] = [_join_cells(ctx, out[-1] if out else None, row, width)]
        elif out and _fills_missing_cells(out[-1], row, sheet, width):
            prev = out[-1]
            cells = [row.cell(i) if i >= len(prev.cells) else c for i, c in enumerate(prev.cells)]
            out[-1] = Row(prev.line, (*cells, *row.cells[len(cells) :]))
        else:
            out.append(row)
    _resolve_pending(ctx, sheet, out, pending, None)
    return out


def _labels(row: Row, sheet: Sheet) -> list[str]:
    return [c for c in [row.first, *(row.cell(i) for i in sheet.label_columns)] if c]


def _has_amount_cells(row: Row, sheet: Sheet) -> bool:
    return any(row.cell(i) for i in sheet.columns)


def _is_text_row(row: Row, sheet: Sheet) -> bool:
    special = ACTION.match(row.first) or OBJECTIVE_TOTAL.match(row.first)
    return bool(_labels(row, sheet)) and not _has_amount_cells(row, sheet) and not special


def _starts_lower(text: str) -> bool:
    return text[:1].islower()


def _starts_with_amount(row: Row) -> bool:
    if not row.first:
        return False
    try:
        return parse_amount(row.first) is not None
    except AmountFormatError:
        return False


def _text_groups(pending: list[Row], sheet: Sheet) -> list[Row]:
    """Consecutive text-only rows merged where one continues the other."""
    groups: list[Row] = []
    for row in pending:
        text = " ".join(_labels(row, sheet))
        if groups and (_starts_lower(text) or CONTINUES.search(groups[-1].first)):
            groups[-1] = Row(groups[-1].line, (f"{groups[-1].first} {text}",))
        else:
            groups.append(Row(row.line, (text,)))
    return groups


def _resolve_pending(ctx, sheet: Sheet, out: list[Row], pending: list[Row], nxt: Row | None):
    """Attach pending text rows to the line before and/or after them; returns ``nxt``."""
    if not pending:
        return nxt
    groups = _text_groups(pending, sheet)
    prev = (
        out[-1] if out and _has_amount_cells(out[-1], sheet) and _labels(out[-1], sheet) else None
    )
    first, last = groups[0].first, groups[-1].first
    tail = prev is not None and (
        _starts_lower(first) or bool(CONTINUES.search(_labels(prev, sheet)[-1]))
    )
    head = nxt is not None and _has_amount_cells(nxt, sheet) and not _starts_with_amount(nxt)
    head = head and (
        not _labels(nxt, sheet)
        or _starts_lower(_labels(nxt, sheet)[0])
        or bool(CONTINUES.search(last))
    )
    if tail and head and len(groups) == 1:
        raise ctx.error(
            groups[0],
            "una voce di scheda su una riga (etichetta e importi insieme)",
            f"il testo {first!r} può concludere la voce della riga {prev.line} o iniziare quella "
            f"della riga {nxt.line}: riunirlo alla riga giusta",
        )
    if tail:
        out[-1] = _with_label(out[-1], sheet, _labels(prev, sheet)[-1] + " " + first, last=True)
        groups = groups[1:]
    if head:
        nxt = _with_label(nxt, sheet, " ".join([last, *_labels(nxt, sheet)[:1]]), last=False)
        groups = groups[:-1]
    out.extend(groups)
    return nxt


def _with_label(row: Row, sheet: Sheet, text: str, last: bool) -> Row:
    """``row`` with its first (or last) label cell replaced by ``text`` (cell 0 if none)."""
    slots = [i for i in [0, *sheet.label_columns] if row.cell(i)] or [0]
    index = slots[-1] if last else slots[0]
    cells = list(row.cells) + [""] * max(0, index + 1 - len(row.cells))
    cells[index] = text
    return Row(row.line, tuple(cells))


def _join_cells(ctx: Context, prev: Row | None, row: Row, width: int) -> Row:
    """A row starting with an amount continues the previous, physically short row."""
    if prev is None or len(prev.cells) >= width:
        raise ctx.error(
            row,
            "un'etichetta nella prima colonna della scheda",
            f"un importo {row.first!r}: riga spezzata? riunirla alla riga precedente",
            column="1",
        )
    head = list(prev.cells)
    while head and not head[-1]:
        head.pop()
    cells = (*head, *row.cells)
    if len([c for c in cells[width:] if c]):
        raise ctx.error(
            row,
            f"al più {width} celle per la riga spezzata iniziata alla riga {prev.line}",
            f"{len(head)} + {len(row.cells)} celle",
        )
    return Row(prev.line, cells[:width])


def _fills_missing_cells(prev: Row, row: Row, sheet: Sheet, width: int) -> bool:
    """``row`` (no label) holds amounts only where the physically short ``prev`` has no cell."""
    if len(prev.cells) >= width or _labels(row, sheet) or not _has_amount_cells(prev, sheet):
        return False
    filled = [i for i, c in enumerate(row.cells) if c]
    return bool(filled) and min(filled) >= len(prev.cells)


# --------------------------------------------------------------------------- indicator tables


def open_kpi(ctx: Context, state: BudgetState, header: Row) -> None:
    title = state.title
    match = OBJECTIVE_TITLE.match(title.first) if title is not None else None
    if match is None:
        raise ctx.error(header, "un titolo 'OBIETTIVO n …' prima della tabella indicatori")
    section = title.first
    action = ACTION_REF.search(section)
    years = [int(y[1]) for y in map(YEAR.fullmatch, header.cells[2:]) if y]
    state.kpi = {
        "header": header,
        "objective_id": int(match[1]),
        "section": section,
        "action": action[0] if action else "",
        "kind": "monitoraggio",
        "strumento": "",
        "rows": 0,
        "section_line": title.line,
        "header_years": f"{min(years)}–{max(years)}" if years else "",
    }


def kpi_row(kpi: dict, ctx: Context, row: Row) -> None:
    kpi["rows"] += 1
    if TRIENNIAL.match(row.first):
        kpi["kind"], kpi["strumento"] = "obiettivo triennale", ""
        return
    strumento, indicatore = row.first, row.cell(1)
    misplaced = not indicatore and bool(INDICATOR_LIKE.match(strumento))
    if not indicatore:
        strumento, indicatore = "", strumento
    if not indicatore:
        return
    if strumento and not INDICATOR_LIKE.match(strumento):
        kpi["strumento"] = strumento
    target = " ".join(c for c in row.cells[2:] if c)
    deadline = DEADLINE.search(target)
    structured = parse_target(target)
    ctx.add(
        "kpis",
        objective_id=kpi["objective_id"],
        section=kpi["section"],
        action=kpi["action"],
        kind=kpi["kind"],
        strumento=kpi["strumento"],
        indicatore=indicatore,
        target=target,
        deadline=deadline[1] if deadline else "",
        target_operator=structured.operator,
        target_value=structured.value,
        target_unit=structured.unit,
        target_period=structured.period,
        deadline_date=structured.deadline,
        misplaced_indicator=misplaced,
        section_line=kpi["section_line"],
        header_line=kpi["header"].line,
        header_years=kpi["header_years"],
        source_line=row.line,
    )


# --------------------------------------------------------------------------- revenue


def parse_revenue(ctx: Context) -> None:
    start = ctx.find("revenue")
    if start is None:
        return
    header, *body = ctx.block(start)
    if not body or not TOTAL_LABEL.match(body[-1].first):
        last = body[-1] if body else header
        raise ctx.error(last, "la riga 'TOTALE …' alla fine delle entrate", "tabella troncata")
    group_of = revenue_groups(body)
    for row in body:
        check_width(ctx, row, 2)
        amount = plain_amount(ctx, row, 1, row.first or "importo")
        kind = revenue_kind(row, body[-1])
        ctx.add(
            "revenue",
            group=group_of[row.line],
            label=row.first,
            amount=amount,
            row_kind=kind,
            source_line=row.line,
        )
        if kind != "line":
            stated(ctx, REVENUE, None, row.first, amount, row)


def revenue_kind(row: Row, last: Row) -> str:
    if row is last:
        return "total"
    return "subtotal" if TOTAL_LABEL.match(row.first) else "line"


def revenue_groups(body: list[Row]) -> dict[int, str]:
    """Each line belongs to the subtotal (or total) that follows it."""
    groups: dict[int, str] = {}
    pending: list[Row] = []
    for row in body:
        pending.append(row)
        if TOTAL_LABEL.match(row.first):
            groups.update({r.line: row.first for r in pending})
            pending = []
    return groups


def stated(ctx: Context, table: str, objective_id, column: str, value, row: Row) -> None:
    ctx.add(
        "stated_totals",
        table=table,
        objective_id=objective_id,
        column=column,
        amount=as_float(value),
        masked=value is MASKED,
        source_line=row.line,
    )


# --------------------------------------------------------------------------- comparison


def parse_comparison(ctx: Context) -> None:
    header, body = section_table(ctx, "comparison")
    if header is None:
        return
    for index, pattern in enumerate(COMPARISON_HEADER, 1):
        if not pattern.search(header.cell(index)):
            raise ctx.error(
                header,
                f"la colonna {pattern.pattern!r} del confronto",
                repr(header.cell(index)),
                column=f"colonna {index + 1}",
            )
    if not TOTAL_LABEL.match(body[-1].first):
        raise ctx.error(body[-1], "la riga 'TOTALE PO' alla fine del confronto", "tabella troncata")
    for row in body:
        check_width(ctx, row, max(len(header.cells), 5))
        comparison_row(ctx, row)


def comparison_row(ctx: Context, row: Row) -> None:
    if TOTAL_LABEL.match(row.first):
        for index, column in enumerate(comparison_columns(ctx), 1):
            text, value = amount_cell(ctx, row, index, column)
            if text:
                raise ctx.error(row, "solo un importo", repr(row.cell(index)), column=column)
            if value is not None:
                stated(ctx, COMPARISON, None, column, value, row)
        return
    number = objective_number(ctx, row)
    values = [plain_amount(ctx, row, i, c) for i, c in enumerate(comparison_columns(ctx), 1)]
    ctx.add(
        "comparison",
        objective_id=number,
        objective=OBJECTIVE_TITLE.match(row.first)[2],
        preconsuntivo=values[0],
        budget=values[1],
        variation=values[2],
        note=row.cell(4),
        source_line=row.line,
    )


def comparison_columns(ctx: Context) -> tuple[str, str, str]:
    """Labels of the comparison's amount columns in ``stated_totals`` (years from the plan)."""
    previous = column_year(ctx.plan_columns[0])
    return (f"preconsuntivo {previous}", f"budget {ctx.budget_year}", VARIATION)


def objective_number(ctx: Context, row: Row) -> int:
    match = OBJECTIVE_TITLE.match(row.first)
    if match is None:
        raise ctx.error(row, "una riga 'OBIETTIVO n: …' o 'TOTALE'", repr(row.first))
    return int(match[1])


def section_table(ctx: Context, key: str) -> tuple[Row | None, list[Row]]:
    """The header row (first non-blank after the marker) and the rows of its block."""
    start = ctx.find(key)
    if start is None:
        return None, []
    first = ctx.next_nonblank(start + 1)
    if first is None:
        raise ctx.error(ctx.rows[start], f"la tabella dopo {MARKER_LABELS[key]}", "fine del testo")
    header, *body = ctx.block(first)
    if not body:
        raise ctx.error(header, "le righe della tabella dopo l'intestazione", "nessuna riga")
    return header, body


# --------------------------------------------------------------------------- multi-year


def parse_multiyear(ctx: Context) -> None:
    header, body = section_table(ctx, "multiyear")
    if header is None:
        return
    years = {}
    for index, cell in enumerate(header.cells[1:], 1):
        year = YEAR.search(cell)
        if year is None:
            raise ctx.error(header, "un anno nell'intestazione", repr(cell), column=cell)
        years[index] = int(year[1])
    ctx.horizon = tuple(sorted(years.values()))
    if not TOTAL_LABEL.match(body[-1].first):
        raise ctx.error(body[-1], "la riga 'TOTALE' alla fine del pluriennale", "tabella troncata")
    for row in body:
        check_width(ctx, row, len(header.cells))
        multiyear_row(ctx, row, years, header)


def multiyear_row(ctx: Context, row: Row, years: dict[int, int], header: Row) -> None:
    total = TOTAL_LABEL.match(row.first)
    number = None if total else objective_number(ctx, row)
    for index, year in years.items():
        if total:
            text, value = amount_cell(ctx, row, index, header.cells[index])
            if value is not None:
                stated(ctx, MULTIYEAR, None, str(year), value, row)
            continue
        ctx.add(
            "multiyear",
            objective_id=number,
            objective=OBJECTIVE_TITLE.match(row.first)[2],
            year=year,
            amount=plain_amount(ctx, row, index, header.cells[index]),
            source_line=row.line,
        )


__all__ = [
    "PlanTables",
    "clean",
    "load_plan",
    "parse_plan",
]
