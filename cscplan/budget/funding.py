"""Funding sources: the editable map from sheet columns to canonical sources, and the balance.

The budget sheets finance each line through columns ("FNPS 2020", "COMUNI", "Residui 2019
vincolati", ...); the revenue table ("Canali di finanziamento 2020") lists what is available under
other labels. ``data/funding_sources.csv`` links the two (see ``data/funding_sources.md``); its
texts name years as placeholders (``FNPS {anno}``), filled from the plan read (:func:`for_plan`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.plan_years import PlanYears
from cscplan.tabular import load_reference
from cscplan.vocabulary import FUNDING_GROUPS as GROUPS

MAP_COLUMNS = list(metadata.dtypes("funding_sources"))
TEMPLATE_COLUMNS = ["column", "source", "revenue_labels", "note"]
LABEL_SEPARATOR = " | "
SOURCE_KIND = "source"

STATUS_MAPPED = "mappata"
STATUS_UNMAPPED_COLUMN = "colonna non mappata"
STATUS_UNMAPPED_REVENUE = "entrata non mappata"
BALANCE_COLUMNS = list(metadata.dtypes("funding_balance"))


def normalize_label(label: str) -> str:
    """Compare labels without HTML tags, case and repeated blanks (``<i>Avanzo</i>`` = ``avanzo``)."""
    text = re.sub(r"<[^>]+>", "", str(label))
    return re.sub(r"\s+", " ", text).strip().casefold()


def split_labels(cell: str) -> list[str]:
    """The revenue labels of one map row (``"A | B"`` → ``["A", "B"]``), blanks dropped."""
    return [part.strip() for part in str(cell).split("|") if part.strip()]


def load_funding_map(path: str | Path) -> pd.DataFrame:
    """Read and validate ``funding_sources.csv`` (UTF-8 or Windows-1252, ',' or ';', as saved
    by Excel); any bad row raises :class:`InputError` naming the file's line."""
    return load_reference(path, validate_funding_map)


def validate_funding_map(frame: pd.DataFrame, file: str | Path = "mappa fonti") -> pd.DataFrame:
    """Check columns, required cells, groups, uniqueness and provenance; return a clean copy."""
    missing = [c for c in MAP_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            file, f"le colonne {', '.join(MAP_COLUMNS)}", f"mancano {', '.join(missing)}", row=1
        )
    clean = frame[MAP_COLUMNS].astype(str).apply(lambda s: s.str.strip())
    for index, row in clean.iterrows():
        _validate_row(row, int(index) + 2, file)
    _reject_duplicates(clean, "column", file)
    _reject_shared_labels(clean, file)
    clean["source_line"] = clean["source_line"].astype(int)
    return clean.reset_index(drop=True)


def _validate_row(row: pd.Series, line: int, file: str | Path) -> None:
    for name in ("column", "source", "group"):
        if not row[name]:
            raise InputError(file, "un valore non vuoto", "cella vuota", row=line, column=name)
    for name in TEMPLATE_COLUMNS:
        _check_template(row[name], line, name, file)
    if row["group"] not in GROUPS:
        raise InputError(
            file,
            f"uno dei gruppi {', '.join(GROUPS)}",
            repr(row["group"]),
            row=line,
            column="group",
        )
    if not row["source_line"].isdigit() or int(row["source_line"]) < 1:
        raise InputError(
            file,
            "il numero (intero positivo) della riga del documento da cui proviene la voce",
            repr(row["source_line"]),
            row=line,
            column="source_line",
        )


def _check_template(text: str, line: int, column: str, file: str | Path) -> None:
    """Only the year placeholders ``{anno}`` and ``{anno_prec}`` may appear in braces."""
    try:
        text.format(anno=0, anno_prec=0)
    except (KeyError, ValueError, IndexError):
        raise InputError(
            file,
            "testo con i soli segnaposto {anno} e {anno_prec}",
            repr(text[:80]),
            row=line,
            column=column,
        ) from None


def _reject_duplicates(frame: pd.DataFrame, name: str, file: str | Path) -> None:
    duplicated = frame[frame[name].duplicated()]
    if not duplicated.empty:
        index = int(duplicated.index[0])
        raise InputError(
            file,
            f"una sola riga per ogni valore di '{name}'",
            f"'{duplicated.iloc[0][name]}' ripetuto",
            row=index + 2,
            column=name,
        )


def _reject_shared_labels(frame: pd.DataFrame, file: str | Path) -> None:
    owner: dict[str, str] = {}
    for index, row in frame.iterrows():
        for label in split_labels(row["revenue_labels"]):
            key = normalize_label(label)
            if owner.get(key, row["source"]) != row["source"]:
                raise InputError(
                    file,
                    "ogni voce di entrata assegnata a una sola fonte",
                    f"'{label}' assegnata sia a '{owner[key]}' sia a '{row['source']}'",
                    row=int(index) + 2,
                    column="revenue_labels",
                )
            owner[key] = row["source"]


def for_plan(fmap: pd.DataFrame, years: PlanYears) -> pd.DataFrame:
    """The map with its year placeholders (``{anno}``, ``{anno_prec}``) filled for the plan read."""
    filled = fmap.copy()
    for name in TEMPLATE_COLUMNS:
        filled[name] = filled[name].map(years.fill)
    return filled


def source_of_columns(fmap: pd.DataFrame) -> dict[str, str]:
    """Sheet column header → canonical source name."""
    return dict(zip(fmap["column"], fmap["source"], strict=True))


def source_of_revenue_labels(fmap: pd.DataFrame) -> dict[str, str]:
    """Normalized revenue label → canonical source name."""
    return {
        normalize_label(label): row.source
        for row in fmap.itertuples()
        for label in split_labels(row.revenue_labels)
    }


def funding_cells(lines: pd.DataFrame) -> pd.DataFrame:
    """The funding-source cells of the budget lines (all funding columns are budget-year money)."""
    return lines[lines["kind"] == SOURCE_KIND]


def revenue_lines(revenue: pd.DataFrame) -> pd.DataFrame:
    """The detail rows of the revenue table (no subtotals or totals)."""
    return revenue[revenue["row_kind"] == "line"]


def funding_balance(lines: pd.DataFrame, revenue: pd.DataFrame, fmap: pd.DataFrame) -> pd.DataFrame:
    """Per canonical source: allocated in the budget sheets vs available in the year's revenue.

    ``difference = available - allocated`` (positive: money not yet allocated). Every funding
    column of every sheet and every revenue line appears: unmapped ones get their own row with
    ``status`` ``colonna non mappata`` / ``entrata non mappata``. Masked cells not recovered count
    as missing (pass lines through :func:`cscplan.validation.masked.recover_masked` first).
    """
    cells = funding_cells(lines)
    by_column = cells.groupby("column", sort=False)["amount"].sum()
    revenue_rows = revenue_lines(revenue)
    label_source = source_of_revenue_labels(fmap)
    rows = [
        _mapped_row(source, group, by_column, revenue_rows, label_source, fmap)
        for source, group in _sources(fmap)
    ]
    known_columns = set(fmap["column"])
    rows += [
        _row(column, "", [column], [], float(amount), 0.0, STATUS_UNMAPPED_COLUMN)
        for column, amount in by_column.items()
        if column not in known_columns
    ]
    rows += [
        _row(r.label, "", [], [r.label], 0.0, float(r.amount), STATUS_UNMAPPED_REVENUE)
        for r in revenue_rows.itertuples()
        if normalize_label(r.label) not in label_source
    ]
    return pd.DataFrame(rows, columns=BALANCE_COLUMNS)


def _sources(fmap: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(fmap["source"], fmap["group"], strict=True)))


def _mapped_row(source, group, by_column, revenue_rows, label_source, fmap) -> dict:
    columns = list(fmap.loc[fmap["source"] == source, "column"])
    allocated = float(sum(by_column.get(c, 0.0) for c in columns))
    mine = revenue_rows[revenue_rows["label"].map(normalize_label).map(label_source) == source]
    return _row(
        source,
        group,
        columns,
        list(mine["label"]),
        allocated,
        float(mine["amount"].sum()),
        STATUS_MAPPED,
    )


def _row(source, group, columns, labels, allocated, available, status) -> dict:
    return {
        "source": source,
        "group": group,
        "columns": LABEL_SEPARATOR.join(columns),
        "revenue_labels": LABEL_SEPARATOR.join(labels),
        "allocated": allocated,
        "available": available,
        "difference": available - allocated,
        "status": status,
    }
