"""SYNTHETIC per-comune submissions (``data/esempi/``): the sample caseload as comuni would send it.

A few comuni's plans of ``data/caseload_sample.csv`` written as the *prospetto di dettaglio degli
utenti* a comune attaches to its spending forecast: Italian headers of the default column profile
(``data/profili/prospetto_comune.yaml``), service names in words (the profile's last name for the
item), Italian dates, hours and days in two columns, an extra column *Note* (kept aside by the
reader), optional columns only where a plan uses them. ``EXAMPLES`` says which comuni and in which
format: ``.xlsx`` (dates and numbers as Excel values) or a Windows-1252 CSV with ``;`` and decimal
commas, as Italian Excel saves it. A plan that runs to the last day of the sample's year is written
without an end date (*in corso*: a continuing project); the others keep their end.

Written by ``python -m cscplan.scenarios.sample_caseload`` together with the sample.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from cscplan import paths
from cscplan.intake.profile import load_profile
from cscplan.io import write_bytes
from cscplan.tariffs.schedule import TariffSchedule

EXAMPLES = {  # comune → format: the largest comune, two of middle size, a small one
    "Crema": "xlsx",
    "Castelleone": "xlsx",
    "Offanengo": "csv",
    "Moscazzano": "xlsx",
}
HEADERS = {  # caseload column → header written (each one of the profile's names)
    "beneficiary_id": "Codice utente",
    "comune": "Comune",
    "item": "Servizio",
    "start": "Data inizio",
    "end": "Data fine",
    "second_comune": "Secondo comune",
    "group_size": "Componenti del gruppo",
    "uplift": "Maggiorazione 20%",
    "placed_minor": "Minore collocato",
}
HOURS, DAYS, NOTE = "Ore settimanali", "Giorni settimanali", "Note"
OPTIONAL = ("second_comune", "group_size", "uplift", "placed_minor")


def submission_frame(
    plans: pd.DataFrame, schedule: TariffSchedule, comune: str, service_names: dict[str, str]
) -> pd.DataFrame:
    """One comune's plans as its prospetto: Italian headers, words, dates, an extra column."""
    mine = plans[plans["comune"] == comune].sort_values(["item", "beneficiary_id", "start"])
    unit = mine["item"].map(schedule.items.set_index("code")["unit"])
    year_end = pd.Timestamp(schedule.period.end)
    end = pd.to_datetime(mine["end"])
    start = pd.to_datetime(mine["start"])
    qty = mine["qty_per_week"].astype(float)
    frame = pd.DataFrame(
        {
            HEADERS["beneficiary_id"]: mine["beneficiary_id"],
            HEADERS["comune"]: mine["comune"],
            HEADERS["item"]: mine["item"].map(service_names),
            HEADERS["start"]: start.dt.date,
            HEADERS["end"]: end.dt.date.where(end != year_end, None),
            HOURS: qty.where(unit == "hour"),
            DAYS: qty.where(unit == "day"),
        }
    )
    for column in OPTIONAL:
        values = mine[column]
        if column in ("uplift", "placed_minor"):
            values = values.map({True: "sì", False: ""})
        else:
            values = values.astype(object).where(values.notna() & values.ne(""), None)
        if values.replace("", None).notna().any():
            frame[HEADERS[column]] = values
    frame[NOTE] = ["progetto in continuità" if e == year_end else "" for e in end]
    return frame.reset_index(drop=True)


def write_examples(plans: pd.DataFrame, schedule: TariffSchedule, folder: Path) -> list[Path]:
    """Write the submissions of ``EXAMPLES`` into ``folder``; returns the files written."""
    profile = load_profile(paths.DEFAULT_PROFILE)
    names = {code: _last_name(profile, code) for code in schedule.items["code"]}
    written = []
    for comune, kind in EXAMPLES.items():
        frame = submission_frame(plans, schedule, comune, names)
        name = f"prospetto_{comune.lower().replace(' ', '_')}"
        data = _csv_bytes(frame) if kind == "csv" else _xlsx_bytes(frame, comune)
        written.append(write_bytes(Path(folder) / f"{name}.{kind}", data))
    return written


def _last_name(profile, code: str) -> str:
    return profile.service_names.get(code, (code,))[-1]


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """As Italian Excel saves a CSV: ``;``, decimal comma, GG/MM/AAAA, Windows-1252, CRLF."""
    text = frame.copy()
    for column in text.columns:
        text[column] = [_italian(v) for v in text[column]]
    out = text.to_csv(index=False, sep=";", lineterminator="\r\n")
    return out.encode("cp1252")


def _italian(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _xlsx_bytes(frame: pd.DataFrame, comune: str) -> bytes:
    from cscplan.reports.excel import workbook_bytes

    wb = Workbook()
    ws = wb.active
    ws.title = "Prospetto utenti"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in ("D", "E"):
        for cell in ws[column][1:]:
            cell.number_format = "DD/MM/YYYY"
    wb.properties.title = f"Prospetto utenti – Comune di {comune} (SINTETICO)"
    return workbook_bytes(wb)


def _cell(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
