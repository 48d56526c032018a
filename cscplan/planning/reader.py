"""Read a plan workbook back into a :class:`PlanDraft` (inputs only; formulas are recomputed).

Only the white (input) cells are read: a total typed over a formula changes nothing, because
every total is derived again from the inputs. Each sheet is found by name and each column by its
header (:mod:`.sheets`); any bad cell is one :class:`InputError` naming the file, the sheet, the
row as Excel shows it, the column, what was expected and what was found.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.metadata.fields import KPI_KINDS, TARGET_OPERATORS
from cscplan.plan_years import PlanYears
from cscplan.planning import sheets as S
from cscplan.planning.draft import STAFF_KEY, PlanDraft, split_columns
from cscplan.planning.rules import normalise
from cscplan.planning.targets import MONTHS
from cscplan.sources.amounts import AmountFormatError, parse_amount
from cscplan.vocabulary import FUNDING_GROUPS

ACTION = re.compile(r"^Azione\b")
TOTAL = re.compile(r"^totale\b", re.I)
CODE = re.compile(r"^\d+\.\d+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WORKBOOK = "una cartella di lavoro .xlsx creata da 'cscplan piano nuovo'"


class Sheet:
    """One sheet of the workbook with its header → column map and error helpers."""

    def __init__(self, path: Path, ws: Worksheet) -> None:
        self.path, self.ws = path, ws
        self.columns = {str(c.value).strip(): c.column for c in ws[1] if c.value not in (None, "")}

    @property
    def where(self) -> str:
        return f"{self.path} (foglio '{self.ws.title}')"

    def error(self, expected: str, found: object = "", row=None, column=None) -> InputError:
        shown = found if isinstance(found, str) and found.startswith("'") else repr(found)
        return InputError(self.where, expected, "" if found == "" else shown, row, column)

    def require(self, headers) -> None:
        missing = [h for h in headers if h and h not in self.columns]
        if missing:
            raise self.error(
                f"le colonne {', '.join(headers)}", f"'mancano {', '.join(missing)}'", 1
            )

    def value(self, row: int, header: str):
        value = self.ws.cell(row=row, column=self.columns[header]).value
        return value.strip() if isinstance(value, str) else value

    def rows(self, headers, stop_at_total: bool = True) -> Iterator[tuple[int, dict]]:
        """Data rows (row number, header → value) up to the TOTALE row; empty rows skipped."""
        self.require(headers)
        for row in range(2, self.ws.max_row + 1):
            values = {h: self.value(row, h) for h in headers if h}
            if stop_at_total and S.TOTAL_LABEL in values.values():
                return
            if any(v not in (None, "") for v in values.values()):
                yield row, values

    # --- typed cells --------------------------------------------------------------------------

    def text(self, value, row, header, required=False) -> str:
        text = "" if value is None else str(value).strip()
        if required and not text:
            raise self.error("un testo non vuoto", "cella vuota", row, header)
        return text

    def integer(self, value, row, header, default=None, minimum=1) -> int:
        if value in (None, "") and default is not None:
            return default
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None and isinstance(value, str) and value.strip().isdigit():
            number = int(value.strip())
        if number is None or number != int(number) or number < minimum:
            raise self.error(
                f"un numero intero ≥ {minimum}",
                value if value is not None else "cella vuota",
                row,
                header,
            )
        return int(number)

    def amount(self, value, row, header, required=False) -> float:
        """An euro amount ≥ 0 (a number, or Italian text like '€ 1.234,56'); NaN if empty."""
        if value in (None, ""):
            if required:
                raise self.error("un importo in euro (0 se nullo)", "cella vuota", row, header)
            return math.nan
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                parsed = parse_amount(str(value))
            except AmountFormatError:
                parsed = None
            if not isinstance(parsed, float):
                raise self.error("un importo in euro ≥ 0", str(value), row, header)
            number = parsed
        if math.isnan(number) or number < 0:
            raise self.error("un importo in euro ≥ 0", value, row, header)
        return number


def read_workbook(path: str | Path) -> PlanDraft:
    """The draft held by a plan workbook (see the module docstring)."""
    path = Path(path)
    book = _open(path)
    years = _years(book)
    funding = _funding_columns(book, years)
    objectives = _objectives(book, years, funding)
    sources = _sources(book, funding)
    known_sources = {s for s in sources["source"] if s}
    revenue, groups, total = _revenue(book, years, known_sources)
    draft = PlanDraft(
        years=years,
        objectives=objectives,
        lines=_lines(book, years, funding, set(objectives["objective_id"])),
        funding_columns=tuple(funding),
        sources=sources,
        revenue=revenue,
        revenue_groups=groups,
        revenue_total=total,
        comparison=_comparison(book, years, objectives),
        multiyear=_multiyear(book, years, objectives),
        staff=_staff(book),
        hiring_plan=_plain(book, S.HIRING, "hiring_plan", S.HIRING_COLUMNS, years),
        strategic_objectives=_plain(
            book, S.STRATEGIC, "strategic_objectives", S.STRATEGIC_COLUMNS, years
        ),
        kpis=_kpis(book, years, set(objectives["objective_id"])),
    )
    return draft.with_totals()


def _open(path: Path) -> dict[str, Sheet]:
    if not path.is_file():
        raise InputError(path, WORKBOOK, "nessun file a questo percorso")
    try:
        wb = load_workbook(path)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InputError(path, WORKBOOK, "un file che non è una cartella .xlsx leggibile") from None
    missing = [name for name in S.SHEET_ORDER if name not in wb.sheetnames]
    if missing:
        raise InputError(
            path, f"i fogli {', '.join(S.SHEET_ORDER)}", f"mancano {', '.join(missing)}"
        )
    if wb[S.PLAN]["B1"].value != S.FORMAT_MARK:
        raise InputError(
            f"{path} (foglio '{S.PLAN}')",
            f"il formato '{S.FORMAT_MARK}'",
            repr(wb[S.PLAN]["B1"].value),
            1,
            "B",
        )
    return {name: Sheet(path, wb[name]) for name in S.SHEET_ORDER}


def _years(book: dict[str, Sheet]) -> PlanYears:
    sheet = book[S.PLAN]
    placeholder = PlanYears(2000, 1999, 2000, 2000, "PO 1999", "PO 2000")
    names = S.labels("plan_info", S.PLAN_FIELDS, placeholder)
    found = {
        str(sheet.ws.cell(row=r, column=1).value): (r, sheet.ws.cell(row=r, column=2).value)
        for r in range(2, sheet.ws.max_row + 1)
    }
    values = {}
    for key in ("budget_year", "first_year", "last_year"):
        if names[key] not in found:
            raise sheet.error(f"la riga '{names[key]}'", "'assente'", column="A")
        row, value = found[names[key]]
        values[key] = sheet.integer(value, row, "B", minimum=1900)
    budget = values["budget_year"]
    if not values["first_year"] <= budget <= values["last_year"]:
        raise sheet.error("un anno di budget tra il primo e l'ultimo anno", str(budget), column="B")
    return PlanYears(
        budget,
        budget - 1,
        values["first_year"],
        values["last_year"],
        f"PO {budget - 1}",
        f"PO {budget}",
    )


def _funding_columns(book: dict[str, Sheet], years: PlanYears) -> list[str]:
    sheet = book[S.LINES]
    names = S.labels("draft_lines", (*S.LINE_LABELS, *S.LINE_TAIL), years)
    headers = [str(c.value or "").strip() for c in sheet.ws[1]]
    sheet.require([names[c] for c in (*S.LINE_LABELS, *S.LINE_TAIL)])
    start, end = headers.index(names["po_current"]) + 1, headers.index(names["note"])
    return [h for h in headers[start:end] if h]


def _objectives(book, years: PlanYears, funding: list[str]) -> pd.DataFrame:
    sheet = book[S.OBJECTIVES]
    names = S.labels("draft_objectives", S.OBJECTIVE_INPUTS, years)
    rows, seen = [], set()
    for row, v in sheet.rows([names[c] for c in S.OBJECTIVE_INPUTS]):
        number = sheet.integer(v[names["objective_id"]], row, names["objective_id"])
        if number in seen:
            raise sheet.error(
                "numeri di obiettivo non ripetuti", str(number), row, names["objective_id"]
            )
        seen.add(number)
        columns = split_columns(v[names["sheet_columns"]])
        unknown = [c for c in columns if c not in funding]
        if unknown:
            raise sheet.error(
                f"colonne del foglio '{S.LINES}' ({', '.join(funding)})",
                unknown[0],
                row,
                names["sheet_columns"],
            )
        title = sheet.text(v[names["objective"]], row, names["objective"], required=True)
        rows.append((number, title, "; ".join(columns)))
    frame = metadata.frame_from_records(
        "draft_objectives", [dict(zip(S.OBJECTIVE_INPUTS, r, strict=True)) for r in rows]
    )
    return metadata.validate("draft_objectives", frame, sheet.where)


def _sources(book, funding: list[str]) -> pd.DataFrame:
    sheet = book[S.SOURCES]
    column, source, group = S.source_headers(PlanYears(2000, 1999, 2000, 2000, "", ""))[:3]
    rows = {}
    for row, v in sheet.rows([column, source, group]):
        name = sheet.text(v[column], row, column)
        if not name:
            continue
        text_group = sheet.text(v[group], row, group)
        text_source = sheet.text(v[source], row, source)
        if text_source and text_group not in FUNDING_GROUPS:
            raise sheet.error(f"uno dei gruppi {', '.join(FUNDING_GROUPS)}", text_group, row, group)
        rows[name] = (name, text_source, text_group)
    missing = [c for c in funding if c not in rows]
    if missing:
        raise sheet.error(
            f"una riga per ogni colonna di '{S.LINES}'", f"'manca {missing[0]}'", column=column
        )
    return pd.DataFrame([rows[c] for c in funding], columns=["column", "source", "group"])


def _lines(book, years: PlanYears, funding: list[str], objectives: set[int]) -> pd.DataFrame:
    sheet = book[S.LINES]
    names = S.labels("draft_lines", (*S.LINE_LABELS, *S.LINE_TAIL), years)
    inputs = [c for c in (*S.LINE_LABELS, *S.LINE_TAIL) if c != "po_current"]
    records = []
    for row, v in sheet.rows([*(names[c] for c in inputs), *funding]):
        records.append(_line(sheet, row, v, names, funding, objectives))
    columns = [*metadata.dtypes("draft_lines"), *funding]
    frame = pd.DataFrame(records, columns=columns)
    fixed = metadata.frame_from_records(
        "draft_lines", frame[list(metadata.dtypes("draft_lines"))].to_dict("records")
    )
    metadata.validate("draft_lines", fixed, sheet.where)
    return pd.concat([fixed, frame[funding].astype(float)], axis=1)


def _line(
    sheet: Sheet, row: int, v: dict, names: dict, funding: list[str], objectives: set[int]
) -> dict:
    objective = sheet.integer(v[names["objective_id"]], row, names["objective_id"])
    if objective not in objectives:
        raise sheet.error(
            f"un obiettivo del foglio '{S.OBJECTIVES}'", objective, row, names["objective_id"]
        )
    action = sheet.text(v[names["action"]], row, names["action"])
    if action and not ACTION.match(action):
        raise sheet.error(
            "un'azione che inizia con 'Azione' (es. 'Azione 1: …') o vuota",
            action,
            row,
            names["action"],
        )
    item = sheet.text(v[names["item"]], row, names["item"], required=True)
    if TOTAL.match(item) or re.match(r"^OBIETTIVO\s+\d", item):
        raise sheet.error(
            "una voce che non inizi con 'TOTALE' o 'OBIETTIVO n'", item, row, names["item"]
        )
    origin = v[names["origin_line"]]
    return {
        "objective_id": objective,
        "part": sheet.integer(v[names["part"]], row, names["part"], default=1),
        "action": action,
        "item": item,
        "detail": sheet.text(v[names["detail"]], row, names["detail"]),
        "po_previous": sheet.amount(v[names["po_previous"]], row, names["po_previous"]),
        "po_current": math.nan,
        "note": sheet.text(v[names["note"]], row, names["note"]),
        "origin_line": None
        if origin in (None, "")
        else sheet.integer(origin, row, names["origin_line"]),
        **{c: sheet.amount(v[c], row, c) for c in funding},
    }


def _revenue(book, years: PlanYears, sources: set[str]) -> tuple[pd.DataFrame, tuple, str]:
    sheet = book[S.REVENUE]
    groups, total = _revenue_groups(sheet)
    names = S.labels("draft_revenue", S.REVENUE_INPUTS, years)
    records = []
    for row, v in sheet.rows([names[c] for c in S.REVENUE_INPUTS], stop_at_total=False):
        label = sheet.text(v[names["label"]], row, names["label"], required=True)
        if TOTAL.match(label):
            raise sheet.error(
                "una voce di entrata che non inizi con 'Totale' (i subtotali sono a destra)",
                label,
                row,
                names["label"],
            )
        group = sheet.text(v[names["group"]], row, names["group"])
        if group not in (*groups, total):
            raise sheet.error(
                f"uno dei gruppi {', '.join((*groups, total))}",
                group or "cella vuota",
                row,
                names["group"],
            )
        source = sheet.text(v[names["source"]], row, names["source"])
        if source and source not in sources:
            raise sheet.error(
                f"una fonte del foglio '{S.SOURCES}' o vuoto", source, row, names["source"]
            )
        amount = sheet.amount(v[names["amount"]], row, names["amount"], required=True)
        records.append({"group": group, "label": label, "amount": amount, "source": source})
    frame = metadata.frame_from_records("draft_revenue", records)
    return metadata.validate("draft_revenue", frame, sheet.where), tuple(groups), total


def _revenue_groups(sheet: Sheet) -> tuple[list[str], str]:
    sheet.require([S.SUBTOTAL_HEADER, S.ROW_KIND_HEADER])
    groups, total = [], None
    for row in range(2, sheet.ws.max_row + 1):
        label = sheet.text(sheet.value(row, S.SUBTOTAL_HEADER), row, S.SUBTOTAL_HEADER)
        kind = sheet.value(row, S.ROW_KIND_HEADER)
        if kind not in (S.SUBTOTAL_KIND, S.TOTAL_KIND) or (not label and kind == S.SUBTOTAL_KIND):
            continue
        if not TOTAL.match(label):
            raise sheet.error(
                "un'etichetta che inizia con 'Totale'",
                label or "cella vuota",
                row,
                S.SUBTOTAL_HEADER,
            )
        if kind == S.TOTAL_KIND:
            total = label
        else:
            groups.append(label)
    if total is None:
        raise sheet.error("la riga del totale generale", "'assente'", column=S.SUBTOTAL_HEADER)
    return groups, total


def _aligned(book, objectives: pd.DataFrame) -> list[tuple[int, int]]:
    """(row, objective) of the Obiettivi sheet: Pluriennale and Confronto share its rows."""
    sheet = book[S.OBJECTIVES]
    header = sheet.ws.cell(row=1, column=1).value
    out = []
    for row, v in sheet.rows([header]):
        out.append((row, int(v[header])))
    return out


def _multiyear(book, years: PlanYears, objectives: pd.DataFrame) -> pd.DataFrame:
    sheet = book[S.MULTIYEAR]
    records = []
    later = [y for y in years.horizon if y > years.budget_year]
    for year in later:
        sheet.require(S.year_headers(years, year)[:2])
    for row, objective in _aligned(book, objectives):
        for year in later:
            rule_h, value_h, _ = S.year_headers(years, year)
            rule, value = sheet.value(row, rule_h), sheet.value(row, value_h)
            if rule in (None, "") and value in (None, ""):
                continue
            parsed = normalise(rule, value)
            if parsed is None:
                raise sheet.error(
                    "una regola 'importo' con un importo ≥ 0, '= anno precedente' o '+x %' con la "
                    "percentuale in Valore",
                    f"'{rule}' con valore {value!r}",
                    row,
                    rule_h,
                )
            records.append(
                {
                    "objective_id": objective,
                    "year": year,
                    "rule": parsed[0],
                    "rule_value": parsed[1],
                }
            )
    frame = metadata.frame_from_records("draft_multiyear", records)
    return metadata.validate("draft_multiyear", frame, sheet.where)


def _comparison(book, years: PlanYears, objectives: pd.DataFrame) -> pd.DataFrame:
    sheet = book[S.COMPARISON]
    headers = [c.value for c in sheet.ws[1]]
    pre, note, provenance = headers[2], headers[5], headers[6]
    records = []
    for row, objective in _aligned(book, objectives):
        records.append(
            {
                "objective_id": objective,
                "preconsuntivo": sheet.amount(sheet.value(row, pre), row, pre),
                "note": sheet.text(sheet.value(row, note), row, note),
                "provenance": sheet.text(sheet.value(row, provenance), row, provenance),
            }
        )
    frame = metadata.frame_from_records("draft_comparison", records)
    return metadata.validate("draft_comparison", frame, sheet.where)


def _staff(book) -> pd.DataFrame:
    sheet = book[S.STAFF]
    categories = [h for h in sheet.columns if h != S.STAFF_PROFILE]
    if not categories or not categories[0].lower().startswith("n°"):
        raise sheet.error(
            "'N° persone' come prima categoria dopo il profilo",
            categories[0] if categories else "nessuna",
            1,
        )
    records = []
    for row, v in sheet.rows([S.STAFF_PROFILE, *categories]):
        record = {STAFF_KEY: sheet.text(v[S.STAFF_PROFILE], row, S.STAFF_PROFILE, required=True)}
        for header in categories:
            record[header] = sheet.integer(v[header], row, header, default=0, minimum=0)
        records.append(record)
    return pd.DataFrame(records, columns=[STAFF_KEY, *categories])


def _plain(book, title: str, table: str, columns, years: PlanYears) -> pd.DataFrame:
    sheet = book[title]
    names = S.labels(table, columns, years)
    fields = {c: metadata.field_of(table, c) for c in columns}
    records = []
    for row, v in sheet.rows([names[c] for c in columns]):
        record = {}
        for column in columns:
            value = v[names[column]]
            if fields[column].kind == "integer":
                record[column] = sheet.integer(value, row, names[column], minimum=0)
            else:
                record[column] = sheet.text(value, row, names[column])
        records.append(record)
    frame = pd.DataFrame(records, columns=list(columns))
    if table == "strategic_objectives":
        for row, code in zip(range(2, 2 + len(frame)), frame["code"], strict=True):
            if not CODE.match(code):
                raise sheet.error("un codice come 1.1", code, row, names["code"])
    return frame.astype({c: "int64" for c in columns if fields[c].kind == "integer"})


def _kpis(book, years: PlanYears, objectives: set[int]) -> pd.DataFrame:
    sheet = book[S.KPIS]
    names = S.labels("draft_kpis", S.KPI_COLUMNS, years)
    records = []
    for row, v in sheet.rows([names[c] for c in S.KPI_COLUMNS]):
        records.append(_kpi(sheet, row, v, names, objectives))
    frame = metadata.frame_from_records("draft_kpis", records)
    return metadata.validate("draft_kpis", frame, sheet.where)


def _kpi(sheet: Sheet, row: int, v: dict, names: dict, objectives: set[int]) -> dict:
    objective = sheet.integer(v[names["objective_id"]], row, names["objective_id"])
    if objective not in objectives:
        raise sheet.error(
            f"un obiettivo del foglio '{S.OBJECTIVES}'", objective, row, names["objective_id"]
        )
    section = sheet.text(v[names["section"]], row, names["section"], required=True)
    if not re.match(rf"^OBIETTIVO\s+{objective}\b", section):
        raise sheet.error(
            f"un titolo che inizia con 'OBIETTIVO {objective}'", section, row, names["section"]
        )
    kind = sheet.text(v[names["kind"]], row, names["kind"])
    if kind not in KPI_KINDS:
        raise sheet.error(
            f"uno dei tipi {', '.join(KPI_KINDS)}", kind or "cella vuota", row, names["kind"]
        )
    operator = sheet.text(v[names["kpi_operator"]], row, names["kpi_operator"])
    if operator not in TARGET_OPERATORS:
        raise sheet.error(
            "uno degli operatori ≥, ≤, = o vuoto", operator, row, names["kpi_operator"]
        )
    value = v[names["kpi_value"]]
    number = math.nan if value in (None, "") else _number(sheet, value, row, names["kpi_value"])
    record = {
        "kpi_table": sheet.integer(v[names["kpi_table"]], row, names["kpi_table"]),
        "objective_id": objective,
        "section": section,
        "action": sheet.text(v[names["action"]], row, names["action"]),
        "kind": kind,
        "strumento": sheet.text(v[names["strumento"]], row, names["strumento"]),
        "indicatore": sheet.text(v[names["indicatore"]], row, names["indicatore"], required=True),
        "kpi_operator": operator,
        "kpi_value": number,
        "kpi_unit": sheet.text(v[names["kpi_unit"]], row, names["kpi_unit"]),
        "kpi_deadline": _deadline(sheet, v[names["kpi_deadline"]], row, names["kpi_deadline"]),
        "target": sheet.text(v[names["target"]], row, names["target"]),
    }
    if not record["target"]:
        record["target"] = target_text(record)
    return record


def _number(sheet: Sheet, value, row: int, header: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise sheet.error("un numero", value, row, header) from None


def _deadline(sheet: Sheet, value, row: int, header: str) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    if not ISO_DATE.match(text):
        raise sheet.error("una data AAAA-MM-GG o vuoto", text, row, header)
    return text


def target_text(record: dict) -> str:
    """A target's text from its structured fields (when the text cell was left empty)."""
    words = {"≥": "Almeno ", "≤": "Al massimo ", "=": ""}
    parts = []
    if record["kpi_operator"] and not math.isnan(record["kpi_value"]):
        value = f"{record['kpi_value']:g}".replace(".", ",")
        unit = record["kpi_unit"]
        parts.append(
            f"{words[record['kpi_operator']]}{value}{unit if unit == '%' else ' ' + unit if unit else ''}"
        )
    if record["kpi_deadline"]:
        day = date.fromisoformat(record["kpi_deadline"])
        parts.append(f"entro il {day.day} {MONTHS[day.month - 1]} {day.year}")
    text = " ".join(parts)
    return text[:1].upper() + text[1:]
