"""Amounts proposed by the cost engine for the budget lines linked to tariff services.

``data/service_budget_link.csv`` ties tariff items to budget lines (objective and the line of the
document the plan came from). For each linked line the proposal is the caseload's gross cost of
the linked items (:func:`cscplan.scenarios.api.cost`, baseline) at the chosen tariffs, costed for
the plan's budget year. When the tariff schedule does not cover that year, the engine refuses it;
the proposal then costs the schedule's own year and the note says so — no rate is invented.

The line's funding cells are scaled to the proposed amount (the funding mix is kept); the note
column names the caseload (and whether it is synthetic), the tariffs, the year costed, the items
and the line's previous amount.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from cscplan.errors import InputError
from cscplan.fmt import eur
from cscplan.planning.draft import PlanDraft
from cscplan.vocabulary import BASELINE


@dataclass(frozen=True)
class CostBasis:
    """What the proposals are costed on, with the names the notes show."""

    caseload: Path
    tariffs: Path
    caseload_name: str
    tariffs_name: str
    synthetic: bool = False


@dataclass(frozen=True)
class Costing:
    monthly: pd.DataFrame
    year: int
    note: str  # how the year was costed


def cost_for_year(basis: CostBasis, year: int) -> Costing:
    """The baseline costs for ``year``; the schedule's own year if the engine refuses ``year``."""
    from cscplan.scenarios.api import cost

    try:
        return Costing(cost(basis.caseload, year=year, tariffs=basis.tariffs), year, f"anno {year}")
    except InputError as err:
        if err.key != "--year":
            raise
    monthly = cost(basis.caseload, tariffs=basis.tariffs)
    costed = int(monthly["month"].iloc[0][:4]) if len(monthly) else year
    note = (
        f"ATTENZIONE: il tariffario non copre il {year}; costato il {costed}, l'anno del "
        "tariffario (nessuna tariffa inventata)"
    )
    return Costing(monthly, costed, note)


def cost_proposals(link: pd.DataFrame, basis: CostBasis, year: int) -> pd.DataFrame:
    """Per linked line (objective, origin line): the proposed amount and its note."""
    costing = cost_for_year(basis, year)
    baseline = costing.monthly[costing.monthly["scenario"] == BASELINE]
    gross = baseline.groupby("item")["gross_eur"].sum()
    caseload = basis.caseload_name + (" (casistica SINTETICA)" if basis.synthetic else "")
    rows = []
    for (objective_id, line), group in link.groupby(["objective_id", "source_line"], sort=False):
        codes = [c.strip() for cell in group["item_code"] for c in cell.split(";") if c.strip()]
        amount = float(gross.reindex(codes, fill_value=0.0).sum())
        note = (
            f"Proposta del motore dei costi: {eur(amount)} = costo della casistica {caseload} "
            f"per le voci {', '.join(codes)} alle tariffe {basis.tariffs_name}, {costing.note}."
        )
        rows.append((int(objective_id), int(line), amount, note))
    return pd.DataFrame(rows, columns=["objective_id", "origin_line", "amount", "note"])


def apply_proposals(draft: PlanDraft, proposals: pd.DataFrame) -> PlanDraft:
    """Each linked line's funding cells scaled to the proposal (cents; the rounding residue on
    the largest cell), its note written; lines not found or without funding are only noted."""
    lines = draft.lines.copy()
    columns = list(draft.funding_columns)
    for p in proposals.itertuples():
        hit = (lines["objective_id"] == p.objective_id) & (lines["origin_line"] == p.origin_line)
        for index in lines.index[hit.fillna(False)]:
            cells = lines.loc[index, columns].astype(float)
            before = float(cells.sum())
            lines.loc[index, columns] = _scaled(cells, p.amount, before)
            extra = (
                f" Fonti riproporzionate; importo del piano precedente {eur(before)}."
                if before > 0
                else " La voce non ha fonti: importo non applicato, da ripartire a mano."
            )
            lines.loc[index, "note"] = p.note + extra
    return replace(draft, lines=lines).with_totals()


def _scaled(cells: pd.Series, amount: float, before: float) -> pd.Series:
    if before <= 0:
        return cells
    scaled = (cells * (amount / before)).round(2)
    residue = round(amount - float(scaled.sum()), 2)
    if residue:
        largest = scaled.idxmax()
        scaled[largest] = round(scaled[largest] + residue, 2)
    return scaled.where(cells.notna(), np.nan)
