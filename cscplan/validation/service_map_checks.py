"""Checks on the Cremona service maps: stated totals against the sum of their segments."""

from __future__ import annotations

import math

import pandas as pd

from cscplan.fmt import number
from cscplan.validation.findings import Finding
from cscplan.vocabulary import COUNT_TOLERANCE as TOLERANCE

CHECK_TOTAL = "totale_mappa"
TABLE = "mappe_cremona"


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
        segments = segments[segments["row_kind"] == "segmento"]
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
