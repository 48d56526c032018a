"""Who pays, as data: ``data/payers.csv`` names each payer, its amount column in ``costs_monthly``,
its Italian label and the Piano Programma columns that fund it (through the funding map), so a
scenario's cost can be read per funding source beside the budget's allocation to that source.

The payer ids and columns are the vocabulary's (:data:`cscplan.vocabulary.PAYERS`,
``PAYER_COLUMNS``); the file must list each exactly once. ``funding_columns`` are sheet columns of
the plan with the year placeholders of the funding map (``FNPS {anno} | FSR {anno}``); each must
be a column of ``data/funding_sources.csv``. A payer without columns (the family) pays outside
the plan's budget.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cscplan import metadata
from cscplan.budget.funding import split_labels
from cscplan.errors import InputError
from cscplan.plan_years import PlanYears
from cscplan.tabular import load_reference, quote, reference_error
from cscplan.vocabulary import BASELINE, PAYER_COLUMNS, PAYERS

FILE_COLUMNS = ["payer", "column", "label", "funding_columns", "note"]
SEPARATOR = " | "
LINE_KEY = ["objective_id", "action", "item"]


def load_payers(path: str | Path) -> pd.DataFrame:
    """Read and check ``payers.csv`` (errors name the file's line and column)."""
    return load_reference(path, validate_payers)


def validate_payers(frame: pd.DataFrame, path: str | Path = "payers.csv") -> pd.DataFrame:
    """Columns, one row per known payer, its amount column, a label, year placeholders only."""
    missing = [c for c in FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"le colonne {', '.join(FILE_COLUMNS)}", f"mancano {missing}", row=1)
    frame = frame[FILE_COLUMNS].astype(str).apply(lambda s: s.str.strip())
    seen: dict[str, int] = {}
    for position, row in enumerate(frame.itertuples(index=False)):
        line = position + 2  # the reader turns it into the file's line
        if row.payer not in PAYERS:
            raise InputError(
                path,
                f"un pagatore tra {', '.join(PAYERS)}",
                quote(row.payer),
                row=line,
                column="payer",
            )
        if row.payer in seen:
            raise InputError(
                path,
                "una riga per pagatore",
                f"{row.payer} già alla riga {seen[row.payer]}",
                row=line,
                column="payer",
            )
        seen[row.payer] = line
        if row.column != PAYER_COLUMNS[row.payer]:
            raise InputError(
                path,
                f"la colonna {PAYER_COLUMNS[row.payer]} per {row.payer}",
                quote(row.column),
                row=line,
                column="column",
            )
        if not row.label:
            raise InputError(
                path, "un nome italiano del pagatore", "cella vuota", row=line, column="label"
            )
        try:
            row.funding_columns.format(anno=0, anno_prec=0)
        except (KeyError, ValueError, IndexError):
            raise InputError(
                path,
                "colonne con i soli segnaposto {anno} e {anno_prec}",
                quote(row.funding_columns),
                row=line,
                column="funding_columns",
            ) from None
    absent = [p for p in PAYERS if p not in seen]
    if absent:
        raise InputError(
            path, f"una riga per ogni pagatore ({', '.join(PAYERS)})", f"mancano {absent}"
        )
    order = {payer: i for i, payer in enumerate(PAYERS)}
    return frame.sort_values("payer", key=lambda s: s.map(order)).reset_index(drop=True)


def payers_table(payers: pd.DataFrame, funding_map: pd.DataFrame, years: PlanYears) -> pd.DataFrame:
    """The published ``payers`` table: funding columns with the plan's years, and their canonical
    sources from the funding map (a column the map does not know is bad input)."""
    sources = funding_map.set_index("column")["source"]
    rows = []
    for position, row in enumerate(payers.to_dict("records")):
        columns = [years.fill(c) for c in split_labels(row["funding_columns"])]
        unknown = [c for c in columns if c not in sources.index]
        if unknown:
            raise reference_error(
                payers,
                position,
                "funding_columns",
                "colonne delle schede presenti nella mappa delle fonti (data/funding_sources.csv)",
                quote(unknown[0]),
                "payers.csv",
            )
        rows.append(
            row
            | {
                "funding_columns": SEPARATOR.join(columns),
                "funding_sources": SEPARATOR.join(dict.fromkeys(sources[c] for c in columns)),
            }
        )
    return metadata.frame_from_records("payers", rows)


def payer_funding_table(
    payers: pd.DataFrame,
    costs_monthly: pd.DataFrame,
    link: pd.DataFrame,
    budget_lines: pd.DataFrame,
) -> pd.DataFrame:
    """Per scenario and payer: the cost it bears beside what the budget allocates to its funding
    columns — on the budget lines linked to the tariff services (``service_budget_link.csv``) and
    in the whole plan (``source`` cells of the budget lines, PO of the year)."""
    cells = budget_lines[budget_lines["kind"] == "source"]
    linked = cells.merge(
        link[["objective_id", "action", "budget_item_label"]]
        .rename(columns={"budget_item_label": "item"})
        .drop_duplicates(),
        on=LINE_KEY,
    )
    totals = costs_monthly.groupby("scenario", sort=False)[list(PAYER_COLUMNS.values())].sum()
    rows = []
    for scenario in dict.fromkeys([BASELINE, *totals.index]):
        if scenario not in totals.index:
            continue
        for row in payers.to_dict("records"):
            columns = split_labels(row["funding_columns"])
            cost = float(totals.at[scenario, row["column"]])
            allocated = float(linked.loc[linked["column"].isin(columns), "amount"].sum())
            rows.append(
                {
                    "scenario": scenario,
                    "payer": row["payer"],
                    "label": row["label"],
                    "funding_sources": row["funding_sources"],
                    "cost_eur": round(cost, 2),
                    "linked_allocation_eur": round(allocated, 2),
                    "plan_allocation_eur": round(
                        float(cells.loc[cells["column"].isin(columns), "amount"].sum()), 2
                    ),
                    "gap_eur": round(cost - allocated, 2),
                }
            )
    return metadata.frame_from_records("payer_funding", rows)
