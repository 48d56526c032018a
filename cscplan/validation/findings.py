"""The findings table shared by every check (budget totals, service maps, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import pandas as pd

from cscplan.vocabulary import SEVERITIES

FINDING_COLUMNS = [
    "check",
    "severity",
    "table",
    "objective_id",
    "column",
    "source_line",
    "stated",
    "computed",
    "delta",
    "message",
]


@dataclass(frozen=True)
class Finding:
    """One disagreement or remark: where (table, objective, column, line), how much, what it means.

    ``delta`` is ``stated - computed``; ``message`` is Italian, for a director.
    """

    check: str
    severity: str
    table: str
    message: str
    objective_id: int | None = None
    column: str | None = None
    source_line: int | None = None
    stated: float | None = None
    computed: float | None = None
    delta: float | None = None


def finding(check: str, severity: str, table: str, message: str, **where) -> Finding:
    """A Finding whose ``delta`` is ``stated − computed`` when both are given."""
    stated, computed = where.get("stated"), where.get("computed")
    if stated is not None and computed is not None:
        where["delta"] = stated - computed
    return Finding(check=check, severity=severity, table=table, message=message, **where)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with the public columns, in a stable order."""
    rows = [asdict(f) for f in findings]
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["objective_id"] = frame["objective_id"].astype("Int64")
    frame["source_line"] = frame["source_line"].astype("Int64")
    for col in ("stated", "computed", "delta"):
        frame[col] = frame[col].astype("float64")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    frame = frame.sort_values(
        ["severity", "table", "objective_id", "source_line", "check", "column"],
        key=lambda s: s.map(order) if s.name == "severity" else s,
        na_position="last",
        kind="stable",
    )
    return frame.reset_index(drop=True)


def concat_findings(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One findings table from several (budget, service maps, ...), in the stable order."""
    rows = [
        Finding(**{k: (None if pd.isna(v) else v) for k, v in record.items()})
        for frame in frames
        for record in frame[FINDING_COLUMNS].to_dict("records")
    ]
    return findings_frame(rows)
