"""Italian console summary of findings and the CLI exit-code rule."""

from __future__ import annotations

import pandas as pd

from cscplan.fmt import eur, signed_eur
from cscplan.vocabulary import FAIL_ON, SEVERITIES, SEVERITY_PLURALS

THRESHOLDS = {level: SEVERITIES[: SEVERITIES.index(level) + 1] for level in FAIL_ON[:-1]}
THRESHOLDS[FAIL_ON[-1]] = ()


def exit_code_for(findings: pd.DataFrame, fail_on: str) -> int:
    """1 when a finding at or above ``fail_on`` exists, else 0 (``never`` always 0)."""
    return int(findings["severity"].isin(THRESHOLDS[fail_on]).any())


def _finding_line(row: pd.Series) -> str:
    where = [row["table"]]
    if pd.notna(row["objective_id"]):
        where.append(f"Obiettivo {int(row['objective_id'])}")
    if isinstance(row["column"], str) and row["column"]:
        where.append(row["column"])
    if pd.notna(row["source_line"]):
        where.append(f"riga {int(row['source_line'])}")
    figures = ""
    if pd.notna(row["stated"]) and pd.notna(row["computed"]):
        figures = (
            f"  dichiarato {eur(row['stated'])}  calcolato {eur(row['computed'])}"
            f"  Δ {signed_eur(row['delta'])}"
        )
    return f"  {' · '.join(where)}{figures}\n      {row['message']}"


def summary_text(findings: pd.DataFrame) -> str:
    """A director-readable summary: counts by severity, then each finding grouped by severity."""
    counts = findings["severity"].value_counts()
    labels = {s: SEVERITY_PLURALS[s].capitalize() for s in SEVERITIES}
    head = ", ".join(f"{labels[s]}: {int(counts.get(s, 0))}" for s in SEVERITIES)
    lines = [f"Verifica dei totali — {len(findings)} segnalazioni ({head})"]
    for severity, label in labels.items():
        group = findings[findings["severity"] == severity]
        if group.empty:
            continue
        lines.append(f"\n{label} ({len(group)}):")
        lines.extend(_finding_line(row) for _, row in group.iterrows())
    return "\n".join(lines)
