"""Checks on the Cremona service maps: stated totals against the sum of their segments, and the
quirks of the source the parser had to read around (each a finding with its line):

* ``totale_implicito`` (warning): a total row published as an ordinary segment (``is_total``),
  left out of segment sums;
* ``gruppo_mappa`` (info): a group header row without values, kept in the ``group`` column;
* ``numero_scritto`` (info): numbers written in words, after a label or as a sum ("10 + 6"),
  read with the original text kept in ``note``.
"""

from __future__ import annotations

import math

import pandas as pd

from cscplan.fmt import number
from cscplan.validation.findings import Finding
from cscplan.vocabulary import COUNT_TOLERANCE as TOLERANCE

CHECK_TOTAL = "totale_mappa"
CHECK_IMPLICIT_TOTAL = "totale_implicito"
CHECK_GROUP = "gruppo_mappa"
CHECK_WRITTEN = "numero_scritto"
TABLE = "mappe_cremona"
WRITTEN_KINDS = {
    "somma": "la somma",
    "numero_in_lettere": "il numero scritto in lettere",
    "numero_in_testo": "il numero dopo l'etichetta",
}


def check_service_map_totals(values: pd.DataFrame) -> list[Finding]:
    """One error finding per year where a stated ``Totale`` differs from its segments' sum.

    The segments of a total are the rows of the same table (same map, table and block) between
    the previous total (or the top of the table) and the total itself. Text-only cells (NaN) are
    left out of the sum; a year with no numeric segment is not checked.
    """
    findings: list[Finding] = []
    for _, rows in values.groupby(["service_no", "table", "block"], sort=True):
        findings.extend(_block_findings(rows.sort_values(["source_line", "year"])))
    return findings


def _block_findings(rows: pd.DataFrame) -> list[Finding]:
    findings: list[Finding] = []
    top = 0
    for line in sorted(rows.loc[rows["row_kind"] == "totale", "source_line"].unique()):
        segments = rows[(rows["source_line"] > top) & (rows["source_line"] < line)]
        segments = segments[(segments["row_kind"] == "segmento") & ~segments["is_total"]]
        for total in rows[rows["source_line"] == line].itertuples():
            finding = _compare(total, segments[segments["year"] == total.year])
            if finding:
                findings.append(finding)
        top = line
    return findings


def _compare(total, segments: pd.DataFrame) -> Finding | None:
    computed = segments["value"].sum(min_count=1)
    if math.isnan(total.value) or math.isnan(computed):
        return None
    delta = float(total.value) - float(computed)
    if abs(delta) <= TOLERANCE:
        return None
    first, last = int(segments["source_line"].min()), int(segments["source_line"].max())
    direction = "superiore" if delta > 0 else "inferiore"
    message = (
        f"Mappa del servizio {total.service_no} ({total.service}), tabella "
        f"'{total.table}', anno {total.year}: il totale dichiarato ({_fmt(total.value)}) è "
        f"{direction} di {_fmt(abs(delta))} alla somma dei segmenti (righe {first}–{last}, "
        f"{_fmt(computed)})."
    )
    return Finding(
        check=CHECK_TOTAL,
        severity="error",
        table=TABLE,
        message=message,
        objective_id=None,
        column=str(total.year),
        source_line=int(total.source_line),
        stated=float(total.value),
        computed=float(computed),
        delta=delta,
    )


def _fmt(value: float) -> str:
    return number(value, 0 if float(value).is_integer() else 2)


def service_map_findings(values: pd.DataFrame) -> list[Finding]:
    """The totals check and every remark on the source's quirks (see the module docstring)."""
    return [
        *check_service_map_totals(values),
        *implicit_totals(values),
        *group_headers(values),
        *written_numbers(values),
    ]


def _where(row) -> str:
    return f"Mappa del servizio {row.service_no} ({row.service}), tabella '{row.table}'"


def _remark(check: str, severity: str, message: str, line: int) -> Finding:
    return Finding(check=check, severity=severity, table=TABLE, message=message, source_line=line)


def implicit_totals(values: pd.DataFrame) -> list[Finding]:
    rows = values[values["is_total"] & (values["row_kind"] == "segmento")]
    findings = []
    for line, cells in rows.groupby("source_line", sort=True):
        row = cells.iloc[0]
        block = values[
            (values["service_no"] == row.service_no)
            & (values["table"] == row.table)
            & (values["block"] == row.block)
            & (values["source_line"] < line)
        ]
        figures = ", ".join(f"{r.year}: {_fmt(r.value)}" for r in cells.itertuples())
        message = (
            f"{_where(row)}: la riga {line} ('{row.indicator}') è il totale delle righe "
            f"{int(block['source_line'].min())}–{int(block['source_line'].max())} ({figures}) "
            "ma è pubblicata come un segmento; è segnata is_total e va esclusa dalle somme dei "
            "segmenti, che altrimenti la conterebbero due volte."
        )
        findings.append(_remark(CHECK_IMPLICIT_TOTAL, "warning", message, int(line)))
    return findings


def group_headers(values: pd.DataFrame) -> list[Finding]:
    grouped = values[values["group"] != ""]
    findings = []
    for line, rows in grouped.groupby("group_line", sort=True):
        row = rows.iloc[0]
        message = (
            f"{_where(row)}: la riga {int(line)} ('{row.group}') non ha valori ed è "
            f"l'intestazione delle righe {int(rows['source_line'].min())}–"
            f"{int(rows['source_line'].max())}; conservata nella colonna group."
        )
        findings.append(_remark(CHECK_GROUP, "info", message, int(line)))
    return findings


def written_numbers(values: pd.DataFrame) -> list[Finding]:
    cells = values[values["cell_kind"].isin(list(WRITTEN_KINDS))]
    findings = []
    for line, rows in cells.groupby("source_line", sort=True):
        parts = "; ".join(
            f"{r.year}: '{r.raw}' → {_fmt(r.value)} ({WRITTEN_KINDS[r.cell_kind]})"
            for r in rows.itertuples()
        )
        row = rows.iloc[0]
        message = (
            f"{_where(row)}, riga {line} ('{row.indicator}'): numeri non scritti come cifre, "
            f"letti così: {parts}. Il testo originale resta nella colonna note."
        )
        findings.append(_remark(CHECK_WRITTEN, "info", message, int(line)))
    return findings
