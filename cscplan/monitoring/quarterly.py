"""The quarterly pack (guidelines, lines 177–181 and 189–191): one Italian workbook per comune and
the district overview.

Per comune (*Monitoraggio 2023Q1 – Comune di …*):

* **Riepilogo**: the quarter's and the year-to-date spend and the comune's share; the *nota di
  riparto* amount (the comune's share of the quarter, what CSC asks it to reimburse) — live
  ``SUM`` formulas over the sheet *Beneficiari*;
* **Beneficiari**: one row per beneficiary and service: quantity, gross and comune's share in the
  quarter and since January of its year (the validated months of the export);
* **Impegni** and **Avvisi**: the comune's commitments (spent, forecast, 80 % and 100 % months)
  and its alerts.

The overview (``panoramica_distretto.html``, offline) charts spend against commitments by comune
and by service, with the 80 % line. Text is written as text (:func:`~cscplan.reports.excel.text_cell`).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Font

from cscplan import metadata
from cscplan.forecast.command import slug
from cscplan.reports.charts import chart_text
from cscplan.reports.excel import (
    BOLD,
    EURO_FORMAT,
    finish_sheet,
    text_cell,
    total_row,
    workbook_bytes,
    write_table,
)
from cscplan.reports.presentation import series_color
from cscplan.vocabulary import ALERT_SHARE

TITLE_FONT = Font(bold=True, size=14)
MONEY = ("gross_q", "comune_q", "gross_ytd", "comune_ytd")
HEADERS = {
    "beneficiary_id": "Codice utente",
    "service": "Servizio",
    "quantity_q": "Quantità nel trimestre",
    "gross_q": "Spesa lorda nel trimestre (€)",
    "comune_q": "Quota del Comune nel trimestre (€)",
    "gross_ytd": "Spesa lorda dall'inizio dell'anno (€)",
    "comune_ytd": "Quota del Comune dall'inizio dell'anno (€)",
}
STATUS_COLUMNS = ["commitment_id", "scope", "amount_eur", "spent_eur", "forecast_eur"]
STATUS_COLUMNS += ["used_share", "alert_month", "full_month", "state"]
ALERT_COLUMNS = ["commitment_id", "severity", "message"]


def spend_per_beneficiary(cycle, comune: str) -> pd.DataFrame:
    """Per beneficiary and service: the quarter's and the year-to-date figures."""
    services = cycle.schedule.items.set_index("code")["service"]
    year = min(cycle.months)[:4]
    history = cycle.history[
        (cycle.history["comune"] == comune) & (cycle.history["month"] >= f"{year}-01")
    ]
    history = history.assign(service=history["item"].map(services))
    key = ["beneficiary_id", "service"]
    ytd = history.groupby(key, as_index=False).agg(
        gross_ytd=("gross_eur", "sum"), comune_ytd=("comune_eur", "sum")
    )
    quarter = history[history["month"].isin(cycle.months)]
    q = quarter.groupby(key, as_index=False).agg(
        quantity_q=("quantity", "sum"), gross_q=("gross_eur", "sum"), comune_q=("comune_eur", "sum")
    )
    out = ytd.merge(q, on=key, how="left").fillna(0.0)
    return out[list(HEADERS)].sort_values(key).reset_index(drop=True)


def quarter_comuni(cycle) -> list[str]:
    comuni = set(cycle.monthly["comune"])
    if cycle.watched is not None:
        comuni |= set(cycle.watched.status["comune"])
    return sorted(comuni)


def comune_workbook(cycle, comune: str, quarter: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Riepilogo"
    detail = wb.create_sheet("Beneficiari")
    frame = spend_per_beneficiary(cycle, comune)
    block = write_table(
        detail, frame.rename(columns=HEADERS), money=tuple(HEADERS[m] for m in MONEY)
    )
    total_at = block.last + 1
    total_row(block, total_at, HEADERS["beneficiary_id"], [HEADERS[m] for m in MONEY])
    finish_sheet(block)
    title = f"Monitoraggio trimestrale {quarter} – Comune di {comune}"
    text_cell(ws["A1"], title).font = TITLE_FONT
    inputs = "; ".join(f"{role}: {text}" for role, text in cycle.labels.items())
    text_cell(ws["A2"], f"Mesi: {', '.join(cycle.months)} · {inputs}")
    rows = [
        ("Spesa lorda del trimestre (€)", "gross_q"),
        ("Nota di riparto: quota del Comune del trimestre (€)", "comune_q"),
        ("Spesa lorda dall'inizio dell'anno (€)", "gross_ytd"),
        ("Quota del Comune dall'inizio dell'anno (€)", "comune_ytd"),
    ]
    for offset, (label, column) in enumerate(rows, start=4):
        text_cell(ws.cell(row=offset, column=1), label).font = BOLD
        cell = ws.cell(row=offset, column=2)
        cell.value = f"='Beneficiari'!{block.letters[HEADERS[column]]}{total_at}"
        cell.number_format = EURO_FORMAT
    text_cell(
        ws["A9"],
        "La nota di riparto chiede al Comune il rimborso della sua quota delle ore validate "
        "(linee guida, righe 189–191); gli importi per beneficiario sono nel foglio Beneficiari "
        "(riga 179).",
    )
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 55, 18
    _status_sheets(wb, cycle, comune)
    return workbook_bytes(wb)


def _status_sheets(wb: Workbook, cycle, comune: str) -> None:
    if cycle.watched is None:
        return
    status = cycle.watched.status
    mine = status[status["comune"] == comune][STATUS_COLUMNS]
    sheet = wb.create_sheet("Impegni")
    names = metadata.labels("commitment_status", STATUS_COLUMNS)
    money = tuple(names[c] for c in ("amount_eur", "spent_eur", "forecast_eur"))
    block = write_table(
        sheet, mine.rename(columns=names), money=money, percent=(names["used_share"],)
    )
    finish_sheet(block)
    alerts = cycle.watched.alerts
    sheet = wb.create_sheet("Avvisi")
    names = metadata.labels("commitment_alerts", ALERT_COLUMNS)
    block = write_table(
        sheet, alerts[alerts["comune"] == comune][ALERT_COLUMNS].rename(columns=names)
    )
    finish_sheet(block, {names["message"]: 100})


# --------------------------------------------------------------------------- district overview


def overview_frame(cycle, by: str) -> pd.DataFrame:
    """Spent (comune's share, year to date) and commitments by comune or by service."""
    status = cycle.watched.status
    if by == "comune":
        return status.groupby("comune", as_index=False)[["spent_eur", "amount_eur"]].sum()
    services = cycle.schedule.items.set_index("code")["service"]
    spent = cycle.history.assign(service=cycle.history["item"].map(services))
    spent = spent.groupby("service", as_index=False)["comune_eur"].sum()
    return spent.rename(columns={"comune_eur": "spent_eur"})


def overview_figure(frame: pd.DataFrame, by: str, title: str) -> go.Figure:
    fig = go.Figure()
    names = frame[by].map(chart_text)
    fig.add_bar(
        x=names, y=frame["spent_eur"], name="Speso (quota dei Comuni)", marker_color=series_color(0)
    )
    if "amount_eur" in frame:
        fig.add_bar(x=names, y=frame["amount_eur"], name="Impegnato", marker_color=series_color(1))
        fig.add_scatter(
            x=names,
            y=frame["amount_eur"] * ALERT_SHARE,
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 18, "color": series_color(2)},
            name=f"Soglia di allerta ({ALERT_SHARE:.0%})",
        )
    fig.update_layout(title=chart_text(title), barmode="group", yaxis_title="€")
    return fig


def overview_html(cycle, quarter: str) -> bytes:
    parts = [
        f"<h1>Panoramica distrettuale {html.escape(quarter)}</h1>",
        "<p>" + html.escape("; ".join(f"{r}: {t}" for r, t in cycle.labels.items())) + "</p>",
    ]
    if cycle.watched is None:
        parts.append("<p>Nessun impegno indicato (--impegni): solo la spesa per servizio.</p>")
    figures = []
    if cycle.watched is not None:
        figures.append(
            overview_figure(
                overview_frame(cycle, "comune"), "comune", "Speso e impegnato per Comune"
            )
        )
    figures.append(overview_figure(overview_frame_services(cycle), "service", "Speso per servizio"))
    for k, fig in enumerate(figures):
        parts.append(fig.to_html(full_html=False, include_plotlyjs=k == 0))
    body = "\n".join(parts)
    return f'<!doctype html><html lang="it"><meta charset="utf-8"><title>Panoramica {html.escape(quarter)}</title><body>{body}</body></html>'.encode()


def overview_frame_services(cycle) -> pd.DataFrame:
    frame = overview_frame(cycle, "service")
    if cycle.watched is None:
        return frame
    status = cycle.watched.status
    service = status["scope"].str.extract(r"servizio (.+)$")[0]
    committed = status.assign(service=service).dropna(subset=["service"])
    if committed.empty:
        return frame
    amounts = committed.groupby("service", as_index=False)["amount_eur"].sum()
    return frame.merge(amounts, on="service", how="left")


def quarter_documents(cycle, quarter: str) -> dict[str, bytes]:
    docs = {
        f"trimestre_{quarter}_{slug(comune)}.xlsx": comune_workbook(cycle, comune, quarter)
        for comune in quarter_comuni(cycle)
    }
    docs["panoramica_distretto.html"] = overview_html(cycle, quarter)
    return docs
