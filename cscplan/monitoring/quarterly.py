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
from plotly.offline import get_plotlyjs

from cscplan import metadata
from cscplan.fmt import eur, percent
from cscplan.forecast.command import slug
from cscplan.reports.charts import chart_layout, chart_text, money_axis, the_percent
from cscplan.reports.excel import (
    BOLD,
    EURO_FORMAT,
    TITLE_FONT,
    finish_sheet,
    text_cell,
    total_row,
    workbook_bytes,
    write_table,
)
from cscplan.reports.html import STYLE, figure_html
from cscplan.reports.narrative import month_name
from cscplan.reports.presentation import DECREASE_COLOR as ALERT_COLOR
from cscplan.reports.presentation import series_color
from cscplan.vocabulary import ALERT_SHARE, SYNTHETIC_WORD

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
    """Spent (the comunes' share, year to date) and committed, by comune or by service.

    By service, a commitment counts under its own service, else under the service on which its
    beneficiary spent most (the commitment covers that beneficiary's plan)."""
    services = cycle.schedule.items.set_index("code")["service"]
    history = cycle.history.assign(service=cycle.history["item"].map(services))
    if by == "comune":
        spent = history.groupby("comune")["comune_eur"].sum()
    else:
        spent = history.groupby("service")["comune_eur"].sum()
    frame = spent.rename("spent_eur").rename_axis(by).reset_index()
    if cycle.watched is None:
        return frame
    status = cycle.watched.status.assign(
        service=_commitment_services(cycle.watched.status, history)
    )
    committed = status.groupby(by)["amount_eur"].sum().rename_axis(by).reset_index()
    return frame.merge(committed, on=by, how="outer").fillna(0.0).sort_values(by)


def _commitment_services(status: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """Each commitment's service: the one its scope names, else its beneficiary's main one."""
    scope = status["scope"].str.extract(
        r"^(?:utente (?P<who>[^,]+))?(?:,? ?(?:servizio )?(?P<what>.+))?$"
    )
    spend = history.groupby(["comune", "beneficiary_id", "service"])["comune_eur"].sum()
    main = spend.sort_values(ascending=False, kind="stable").reset_index()
    main = main.drop_duplicates(["comune", "beneficiary_id"]).set_index(
        ["comune", "beneficiary_id"]
    )
    keys = list(zip(status["comune"], scope["who"].fillna(""), strict=True))
    inferred = pd.Series([main["service"].get(k, "") for k in keys], index=status.index)
    named = scope["what"].fillna("").str.strip()
    return named.where(named != "", inferred).replace("", "(non attribuito)")


def overview_figure(frame: pd.DataFrame, by: str, title: str, subtitle: str) -> go.Figure:
    """Spent beside committed (bars) with the alert threshold of each commitment (a dash)."""
    fig = go.Figure()
    names = frame[by].map(chart_text)
    series = [
        ("spent_eur", "Speso (quota dei Comuni)", "speso"),
        ("amount_eur", "Impegnato", "impegnato"),
    ]
    for n, (column, name, verb) in enumerate(series):
        if column in frame:
            values = frame[column]
            fig.add_bar(
                x=names, y=values, name=name, marker_color=series_color(n), **_hover(values, verb)
            )
    if "amount_eur" in frame:
        threshold = frame["amount_eur"] * ALERT_SHARE
        fig.add_scatter(
            x=names,
            y=threshold,
            mode="markers",
            marker={
                "symbol": "line-ew-open",
                "size": 28,
                "color": ALERT_COLOR,
                "line": {"width": 3},
            },
            name=f"Soglia di allerta ({percent(ALERT_SHARE, 0)} dell'impegnato)",
            **_hover(threshold, "soglia"),
        )
    chart_layout(fig, title, subtitle, barmode="group")
    fig.update_layout(legend={"y": -0.14, "yanchor": "top"})
    money_axis(fig, "y", "Euro (quota dei Comuni)")
    return fig


def _hover(values: pd.Series, what: str) -> dict:
    """Hover text: the category, then ``what`` and the amount in Italian."""
    return {
        "customdata": [eur(v) for v in values],
        "hovertemplate": f"<b>%{{x}}</b><br>{what} %{{customdata}}<extra></extra>",
    }


def _used_title(frame: pd.DataFrame, what: str) -> str:
    """The message of a chart: who has used the largest share of its commitments."""
    if "amount_eur" not in frame or not (frame["amount_eur"] > 0).any():
        top = frame.sort_values("spent_eur", ascending=False).iloc[0]
        return f"{top.iloc[0]}: la spesa maggiore per {what}, {eur(top['spent_eur'])}"
    with_amount = frame[frame["amount_eur"] > 0]
    used = with_amount["spent_eur"] / with_amount["amount_eur"]
    top = with_amount.loc[used.idxmax()]
    return (
        f"{top.iloc[0]} ha usato {the_percent(used.max())} dell'impegnato "
        f"({eur(top['spent_eur'])} su {eur(top['amount_eur'])})"
    )


def overview_html(cycle, quarter: str) -> bytes:
    """The district overview: spent and committed by comune and by service (offline page)."""
    inputs = "; ".join(f"{role}: {text}" for role, text in cycle.labels.items())
    through = month_name(cycle.months[-1]) if cycle.months else ""
    synthetic = any(SYNTHETIC_WORD in text for text in cycle.labels.values())
    subtitle = f"Da gennaio a {through} · trattino = soglia dell'80%" + (
        " · dati sintetici" if synthetic else ""
    )
    parts = [
        f"<h1>Panoramica distrettuale {html.escape(quarter)}</h1>",
        f"<p>{html.escape(inputs)}</p>",
    ]
    if cycle.watched is None:
        parts.append("<p>Nessun impegno indicato (--impegni): solo la spesa.</p>")
    figures = {}
    for by, what in (("comune", "Comune"), ("service", "servizio")):
        frame = overview_frame(cycle, by)
        if not frame.empty:
            figures[by] = overview_figure(frame, by, _used_title(frame, what), subtitle)
    parts += [figure_html(f"panoramica-{by}", fig) for by, fig in figures.items()]
    body = "\n".join(parts)
    return (
        '<!doctype html><html lang="it"><head><meta charset="utf-8">'
        f"<title>Panoramica {html.escape(quarter)}</title>"
        f"<script>{get_plotlyjs()}</script><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    ).encode()


def quarter_documents(cycle, quarter: str) -> dict[str, bytes]:
    docs = {
        f"trimestre_{quarter}_{slug(comune)}.xlsx": comune_workbook(cycle, comune, quarter)
        for comune in quarter_comuni(cycle)
    }
    docs["panoramica_distretto.html"] = overview_html(cycle, quarter)
    return docs
