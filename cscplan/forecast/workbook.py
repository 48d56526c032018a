"""The forecast's Italian workbooks: one per comune (*Previsione di spesa 2024 – Comune di …*) and
the district summary (comuni × service, with the district fund's part).

Per comune, sheet *Previsione*: the authorising amount (the comune's share, pointing at the total),
the totals per service (``SUMIFS`` over the detail, live), then the detail — one row per
beneficiary and service item with hours or days a week, months, quantity, gross cost, the comune's
share, each fund's share and, where covered, the previous year's figures — and its ``SUM`` totals.
Sheet *Note*: period, tariffs, caseload (*casistica di esempio (sintetica)* for the sample), the
rule of the continuing plans, the files read. Every text cell is written as text
(:func:`cscplan.reports.excel.text_cell`); the only formulas are the code's.
"""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from cscplan import __version__, metadata
from cscplan.forecast.compute import Forecast
from cscplan.payers import COMUNE_SHARE, PREVIOUS, payer_columns, payer_label
from cscplan.periods import Period
from cscplan.reports.excel import (
    BOLD,
    EURO_FORMAT,
    TITLE_FONT,
    TOTAL_FILL,
    Block,
    finish_sheet,
    text_cell,
    total_row,
    workbook_bytes,
    write_table,
)

DETAIL = ["service", "item", "beneficiary_id", "unit", "qty_per_week", "plan_end", "months"]
DETAIL += ["quantity"]
RULE = (
    "Progetti in continuità: un piano senza data di fine continua fino alla fine del periodo con "
    "le stesse ore o giornate; un piano con data di fine si ferma lì (concluso prima del periodo: "
    "solo nell'anno precedente); un pacchetto già avviato non si ripete. Tariffe del periodo, "
    "giorno per giorno."
)


def period_words(period: Period) -> str:
    """``2024`` for a calendar year, ``a.s. 2024/25`` for a school year, else the span."""
    if period.is_calendar_year:
        return str(period.start.year)
    if period.is_school_year:
        return f"a.s. {period.start.year}/{(period.start.year + 1) % 100:02d}"
    return period.label


def title(result: Forecast, comune: str) -> str:
    return f"Previsione di spesa {period_words(result.period)} – Comune di {comune}"


def money_columns(result: Forecast) -> list[str]:
    """Gross, each payer, and the previous year's when it was costed."""
    now = ["gross_eur", *payer_columns(result.lines.columns)]
    return now + ([PREVIOUS + c for c in now] if has_previous(result) else [])


def has_previous(result: Forecast) -> bool:
    return not result.previous_note


def headers(result: Forecast, columns: list[str], table: str = "forecast_lines") -> dict[str, str]:
    """Italian headers: the registry's, payers by the cost table's labels, the previous year named."""
    out = {}
    before = period_words(result.previous)
    for column in columns:
        if column.startswith(PREVIOUS):
            out[column] = f"{before}: {_money_label(column.removeprefix(PREVIOUS))}"
        elif column.endswith("_eur"):
            out[column] = _money_label(column)
        else:
            out[column] = metadata.label(table, column)
    return out


def _money_label(column: str) -> str:
    return (
        metadata.label("forecast_lines", column) if column == "gross_eur" else payer_label(column)
    )


def previous_words(result: Forecast) -> str:
    """Whether the previous year's figures are there, and why not."""
    if has_previous(result):
        return f"{result.previous.label.capitalize()}: stesse cifre nelle colonne «{period_words(result.previous)}»."
    return f"{result.previous.label.capitalize()} non calcolato: {result.previous_note}."


def subtitle(result: Forecast) -> str:
    return (
        f"Periodo: {result.period.label} ({result.period.span}) · tariffe: {result.tariffs} · "
        f"{result.origin.label}"
    )


# --------------------------------------------------------------------------- per comune


def comune_workbook(result: Forecast, comune: str) -> bytes:
    """The workbook of one comune, as ``.xlsx`` bytes (deterministic)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Previsione"
    lines = result.lines[result.lines["comune"] == comune]
    money = money_columns(result)
    names = headers(result, DETAIL + money)
    _heading(ws, title(result, comune), subtitle(result))
    text_cell(ws["A3"], RULE)
    detail_row = 10 + lines["service"].nunique() + 3
    detail = write_table(
        ws,
        lines[DETAIL + money].rename(columns=names),
        money=tuple(names[c] for c in money),
        start_row=detail_row,
    )
    total_row(detail, detail.last + 1, names["service"], [names[c] for c in money])
    services = _service_totals(ws, result, lines, detail, names, money)
    _authorising(ws, result, comune, services, names)
    finish_sheet(detail, {names["item"]: 24, names["service"]: 14})
    ws.freeze_panes = None
    ws.auto_filter.ref = f"A{detail.header_row}:{_last_letter(detail)}{detail.last}"
    notes_sheet(wb.create_sheet("Note"), result, comune)
    wb.properties.title = title(result, comune)
    return workbook_bytes(wb)


def _heading(ws: Worksheet, text: str, sub: str) -> None:
    text_cell(ws["A1"], text).font = TITLE_FONT
    text_cell(ws["A2"], sub)


def _last_letter(block: Block) -> str:
    return list(block.letters.values())[-1]


def _service_totals(ws, result, lines, detail: Block, names, money) -> Block:
    """Per service: beneficiaries and ``SUMIFS`` of every amount over the detail rows."""
    counts = result.district.set_index(["comune", "service"])["beneficiaries"]
    services = sorted(lines["service"].unique())
    comune = lines["comune"].iloc[0] if len(lines) else ""
    frame = pd.DataFrame(
        {
            names["service"]: services,
            metadata.label("forecast_district", "beneficiaries"): [
                int(counts.get((comune, s), 0)) for s in services
            ],
            **{names[c]: None for c in money},
        }
    )
    text_cell(ws["A9"], "Totali per servizio").font = BOLD
    block = write_table(ws, frame, money=tuple(names[c] for c in money), start_row=10)
    key = detail.range(names["service"])
    for offset in range(len(services)):
        row = block.first + offset
        for column in money:
            letter = block.letters[names[column]]
            ws[f"{letter}{row}"] = (
                f"=SUMIFS({detail.range(names[column])},{key},{block.letters[names['service']]}{row})"
            )
    total_row(block, block.last + 1, names["service"], [names[c] for c in money])
    return block


def _authorising(ws, result, comune: str, services: Block, names) -> None:
    """Row 5–7: the authorising amount (the comune's share), gross, and last year's share."""
    total = services.last + 1
    rows = [
        (f"Importo autorizzativo: quota a carico del Comune di {comune}", COMUNE_SHARE),
        ("Costo lordo complessivo dei piani", "gross_eur"),
    ]
    if has_previous(result):
        rows.append(
            (f"{period_words(result.previous)}: quota a carico del Comune", PREVIOUS + COMUNE_SHARE)
        )
    for offset, (label, column) in enumerate(rows):
        row = 5 + offset
        text_cell(ws[f"A{row}"], label).font = BOLD
        cell = ws[f"D{row}"]
        cell.value = f"={services.letters[names[column]]}{total}"
        cell.font, cell.number_format, cell.fill = BOLD, EURO_FORMAT, TOTAL_FILL
    if not has_previous(result):
        text_cell(ws["A7"], previous_words(result))


def notes_sheet(ws: Worksheet, result: Forecast, comune: str | None = None) -> None:
    """What the forecast was built from and how (one label, one value per row)."""
    files = result.submission.origin
    if comune is not None:
        mine = result.submission.plans["comune"].str.casefold() == comune.casefold()
        files = files[mine.to_numpy()]
    shown = sorted({str(f) for f in files["file"]}) or ["—"]
    rows = [
        ("Documento", title(result, comune) if comune else district_title(result)),
        ("Periodo", f"{result.period.label} ({result.period.span})"),
        ("Tariffe", result.tariffs),
        ("Casistica", result.origin.label),
        ("Anno precedente", previous_words(result)),
        ("Progetti in continuità", RULE),
        ("File letti", "; ".join(shown)),
        *(("Nota di lettura", note) for note in result.notes),
        ("Generato da", f"cscplan {__version__}"),
    ]
    frame = pd.DataFrame(rows, columns=["Voce", "Valore"])
    block = write_table(ws, frame)
    finish_sheet(block, {"Voce": 26, "Valore": 120})


# --------------------------------------------------------------------------- district


def district_title(result: Forecast) -> str:
    return f"Previsione di spesa {period_words(result.period)} – riepilogo distrettuale"


def district_workbook(result: Forecast) -> bytes:
    """Comuni × service (with every payer's part), a per-comune summary, and the notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Comuni x servizi"
    money = money_columns(result)
    columns = ["comune", "service", "beneficiaries", *money]
    names = headers(result, columns, "forecast_district")
    block = write_table(
        ws, result.district[columns].rename(columns=names), money=tuple(names[c] for c in money)
    )
    total_row(block, block.last + 1, names["comune"], [names[c] for c in money])
    text_cell(
        ws.cell(row=block.last + 3, column=1), f"{district_title(result)} · {subtitle(result)}"
    )
    finish_sheet(block)
    _per_comune(wb.create_sheet("Per comune"), result, block, names, money)
    notes_sheet(wb.create_sheet("Note"), result)
    wb.properties.title = district_title(result)
    return workbook_bytes(wb)


def _per_comune(ws: Worksheet, result: Forecast, data: Block, names, money) -> None:
    """One row per comune: ``SUMIFS`` over the comuni × service sheet (live)."""
    frame = pd.DataFrame({names["comune"]: result.comuni, **{names[c]: None for c in money}})
    block = write_table(ws, frame, money=tuple(names[c] for c in money))
    sheet = quote_sheetname(data.sheet.title)
    key = f"{sheet}!{data.range(names['comune'])}"
    for row in range(block.first, block.last + 1):
        for column in money:
            target = f"{sheet}!{data.range(names[column])}"
            ws[f"{block.letters[names[column]]}{row}"] = (
                f"=SUMIFS({target},{key},{block.letters[names['comune']]}{row})"
            )
    total_row(block, block.last + 1, names["comune"], [names[c] for c in money])
    text_cell(ws.cell(row=block.last + 3, column=1), subtitle(result))
    finish_sheet(block)
