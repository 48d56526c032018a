"""Every total of a draft, derived from its inputs (the Python twin of the workbook's formulas).

Nothing here is stated by anyone: an objective's total is the sum of its lines, a revenue
subtotal the sum of its group, the multi-year budget year the objective's PO of the year and
each later year its rule applied to the year before.
"""

from __future__ import annotations

import pandas as pd

from cscplan.planning.draft import PlanDraft
from cscplan.planning.rules import evaluate


def objective_totals(draft: PlanDraft) -> pd.DataFrame:
    """Per objective (index): ``po_previous``, ``po_current`` and each funding column, summed."""
    lines = draft.with_totals().lines
    columns = ["po_previous", "po_current", *draft.funding_columns]
    sums = lines.groupby("objective_id")[columns].sum(min_count=0)
    return sums.reindex(draft.objectives["objective_id"], fill_value=0.0)


def multiyear_figures(draft: PlanDraft) -> pd.DataFrame:
    """Objective × year of the horizon (long): the budget year from the lines, later years by
    rule. An objective lacking the rule of some later year is left out entirely."""
    totals = objective_totals(draft)["po_current"]
    rules = draft.multiyear.set_index(["objective_id", "year"])
    rows = []
    for objective_id, amount in totals.items():
        figures = {draft.years.budget_year: float(amount)}
        for year in draft.later_years:
            if (objective_id, year) not in rules.index:
                figures = {}
                break
            rule = rules.loc[(objective_id, year)]
            figures[year] = evaluate(rule["rule"], rule["rule_value"], figures[year - 1])
        rows += [(int(objective_id), y, v) for y, v in figures.items()]
    return pd.DataFrame(rows, columns=["objective_id", "year", "amount"])


def revenue_subtotals(draft: PlanDraft) -> dict[str, float]:
    """Subtotal label → sum of its lines, then the total label → sum of every line."""
    sums = draft.revenue.groupby("group", sort=False)["amount"].sum()
    out = {group: float(sums.get(group, 0.0)) for group in draft.revenue_groups}
    out[draft.revenue_total] = float(draft.revenue["amount"].sum())
    return out
