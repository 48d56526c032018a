"""Remarks on the indicator tables of the Piano Programma (``kpis``), found by rules over the
parsed table, never by line numbers:

* ``kpi_duplicate`` (warning): the same indicator table (same objective and title) printed twice,
  with the rows that differ between the two copies;
* ``kpi_years`` (warning): a table whose year columns are not the plan's years (those of the
  multi-year budget table);
* ``kpi_shared_cell`` (warning): two indicators written in one cell (a second ``n°`` inside it);
* ``kpi_misplaced`` (info): an indicator written in the instrument column.
"""

from __future__ import annotations

import re

import pandas as pd

from cscplan.validation.findings import Finding

TABLE = "indicatori"
SECOND_INDICATOR = re.compile(r"\S\s+(?:n°|n\.)\s", re.I)


def kpi_findings(kpis: pd.DataFrame, multiyear: pd.DataFrame) -> list[Finding]:
    """Every remark on the indicator tables (see the module docstring)."""
    return [
        *duplicate_tables(kpis),
        *mislabelled_years(kpis, multiyear),
        *shared_cells(kpis),
        *misplaced_indicators(kpis),
    ]


def _finding(check: str, severity: str, row, message: str, **where) -> Finding:
    return Finding(
        check=check,
        severity=severity,
        table=TABLE,
        message=message,
        objective_id=int(row.objective_id),
        **where,
    )


def duplicate_tables(kpis: pd.DataFrame) -> list[Finding]:
    findings = []
    for _, copies in kpis.groupby(["objective_id", "section"], sort=False):
        tables = [t for _, t in copies.groupby("section_line", sort=True)]
        first = tables[0]
        for repeat in tables[1:]:
            findings.append(_duplicate_finding(first, repeat))
    return findings


def _span(table: pd.DataFrame) -> str:
    return f"{int(table['section_line'].iloc[0])}–{int(table['source_line'].max())}"


def _duplicate_finding(first: pd.DataFrame, repeat: pd.DataFrame) -> Finding:
    differences = _differences(first, repeat)
    detail = f"con contenuti diversi: {'; '.join(differences)}" if differences else "uguali"
    row = repeat.iloc[0]
    message = (
        f"La tabella indicatori «{row.section}» compare due volte, alle righe {_span(first)} "
        f"e {_span(repeat)}, {detail}. Va tenuta una sola versione."
    )
    return _finding("kpi_duplicate", "warning", row, message, source_line=int(row.section_line))


def _differences(first: pd.DataFrame, repeat: pd.DataFrame) -> list[str]:
    """Indicators present in one copy only, or under another instrument or target."""
    a = first.drop_duplicates("indicatore").set_index("indicatore")
    b = repeat.drop_duplicates("indicatore").set_index("indicatore")
    out = [
        f"«{i}» solo alla riga {int(a.at[i, 'source_line'])}"
        for i in a.index.difference(b.index, sort=False)
    ]
    out += [
        f"«{i}» solo alla riga {int(b.at[i, 'source_line'])}"
        for i in b.index.difference(a.index, sort=False)
    ]
    for indicator in a.index.intersection(b.index, sort=False):
        for field, label in (("strumento", "strumento"), ("target", "traguardo")):
            if a.at[indicator, field] != b.at[indicator, field]:
                out.append(
                    f"«{indicator}» con {label} «{a.at[indicator, field]}» alla riga "
                    f"{int(a.at[indicator, 'source_line'])} e «{b.at[indicator, field]}» alla "
                    f"riga {int(b.at[indicator, 'source_line'])}"
                )
    return out


def mislabelled_years(kpis: pd.DataFrame, multiyear: pd.DataFrame) -> list[Finding]:
    if multiyear.empty:
        return []
    expected = f"{multiyear['year'].min()}–{multiyear['year'].max()}"
    headers = kpis[kpis["header_years"].ne("") & kpis["header_years"].ne(expected)]
    findings = []
    for row in headers.drop_duplicates("header_line").itertuples():
        message = (
            f"La tabella indicatori «{row.section}» (intestazione alla riga {row.header_line}) ha "
            f"le colonne degli anni {row.header_years}, ma il piano copre gli anni {expected} "
            "(bilancio pluriennale): probabile intestazione copiata dal piano precedente."
        )
        findings.append(
            _finding(
                "kpi_years",
                "warning",
                row,
                message,
                column=row.header_years,
                source_line=int(row.header_line),
            )
        )
    return findings


def shared_cells(kpis: pd.DataFrame) -> list[Finding]:
    findings = []
    for row in kpis[kpis["indicatore"].str.contains(SECOND_INDICATOR)].itertuples():
        start = SECOND_INDICATOR.search(row.indicatore).start() + 1
        parts = (row.indicatore[:start].strip(), row.indicatore[start:].strip())
        message = (
            f"Due indicatori nella stessa cella alla riga {row.source_line}: «{parts[0]}» e "
            f"«{parts[1]}»; vanno misurati e riportati separatamente."
        )
        findings.append(
            _finding("kpi_shared_cell", "warning", row, message, source_line=int(row.source_line))
        )
    return findings


def misplaced_indicators(kpis: pd.DataFrame) -> list[Finding]:
    findings = []
    for row in kpis[kpis["misplaced_indicator"]].itertuples():
        message = (
            f"L'indicatore «{row.indicatore}» alla riga {row.source_line} è scritto nella colonna "
            "Strumento (cella spostata): è letto come indicatore"
            + (f" dello strumento «{row.strumento}»." if row.strumento else ".")
        )
        findings.append(
            _finding("kpi_misplaced", "info", row, message, source_line=int(row.source_line))
        )
    return findings
