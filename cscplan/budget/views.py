"""Reconstructed budget views, bottom-up from the budget lines (with recovered masked cells).

Every figure here is a sum of parsed cells; stated totals from the document appear beside the
computed ones, never in their place. Pass lines through
:func:`cscplan.validation.masked.recover_masked` first so recovered cells are counted.
"""

from __future__ import annotations

import pandas as pd

from cscplan.budget.funding import GROUPS, funding_cells, source_of_columns
from cscplan.plan_years import PlanYears
from cscplan.vocabulary import MULTIYEAR, SHEET, UNMAPPED_GROUP


def objective_titles(lines: pd.DataFrame) -> pd.Series:
    """objective_id → objective title, as in the sheets."""
    return lines.drop_duplicates("objective_id").set_index("objective_id")["objective"]


def funding_by_objective(lines: pd.DataFrame, fmap: pd.DataFrame) -> pd.DataFrame:
    """Long table objective_id, source, group, amount: the year's funding per objective and
    canonical source (a column missing from the map keeps its header as source and an empty
    group)."""
    cells = funding_cells(lines)
    sources = source_of_columns(fmap)
    groups = dict(zip(fmap["source"], fmap["group"], strict=False))
    frame = cells.assign(source=cells["column"].map(lambda c: sources.get(c, c)))
    out = frame.groupby(["objective_id", "source"], as_index=False, sort=False)["amount"].sum()
    out["group"] = out["source"].map(lambda s: groups.get(s, ""))
    order = {s: i for i, s in enumerate(dict.fromkeys(fmap["source"]))}
    out = out.sort_values(
        ["objective_id", "source"],
        key=lambda s: s.map(lambda v: order.get(v, len(order))) if s.name == "source" else s,
        kind="stable",
    )
    return out[["objective_id", "source", "group", "amount"]].reset_index(drop=True)


def sheet_plan_totals(stated_totals: pd.DataFrame, column: str) -> pd.Series:
    """objective_id → stated TOTALE OBIETTIVO figure of ``column`` (NaN if masked)."""
    sheet = stated_totals[(stated_totals["table"] == SHEET) & (stated_totals["column"] == column)]
    return sheet.set_index(sheet["objective_id"].astype(int))["amount"]


def plan_by_objective(lines: pd.DataFrame, column: str) -> pd.Series:
    """objective_id → bottom-up sum of ``column`` (a plan or funding column) over the lines."""
    cells = lines[lines["column"] == column]
    return cells.groupby("objective_id")["amount"].sum()


def by_objective_source_wide(
    lines: pd.DataFrame, fmap: pd.DataFrame, stated_totals: pd.DataFrame, years: PlanYears
) -> pd.DataFrame:
    """Objective × canonical source, then total of sources, the year's PO computed and stated."""
    funding = funding_by_objective(lines, fmap)
    wide = funding.pivot_table(
        index="objective_id", columns="source", values="amount", aggfunc="sum", sort=False
    ).fillna(0.0)
    ids = sorted(lines["objective_id"].unique())
    wide = wide.reindex(ids, fill_value=0.0)
    wide.columns = list(wide.columns)
    po = years.po_current
    wide["totale fonti"] = wide.sum(axis=1)
    wide[f"{po} calcolato"] = plan_by_objective(lines, po).reindex(ids)
    wide[f"{po} dichiarato"] = sheet_plan_totals(stated_totals, po).reindex(ids)
    wide["differenza"] = wide[f"{po} dichiarato"] - wide[f"{po} calcolato"]
    wide.insert(0, "objective", objective_titles(lines).reindex(ids))
    return wide.rename_axis("objective_id").reset_index()


def by_action(lines: pd.DataFrame, years: PlanYears) -> pd.DataFrame:
    """One row per budget line: objective, action, item, previous and current PO (bottom-up)."""
    keys = ["line_id", "objective_id", "objective", "part", "action", "item", "detail"]
    plan = lines[lines["kind"] == "plan"]
    wide = plan.pivot_table(index="line_id", columns="column", values="amount", aggfunc="sum")
    first = lines.drop_duplicates("line_id").set_index("line_id")
    out = first[keys[1:] + ["source_line"]].copy()
    for name, column in (("po_previous", years.po_previous), ("po_current", years.po_current)):
        out[name] = wide.get(column, pd.Series(dtype=float)).reindex(out.index)
    imputed = lines.groupby("line_id")["imputed"].any()
    out["has_imputed"] = imputed.reindex(out.index).astype(bool)
    columns = ["objective_id", "objective", "part", "action", "item", "detail"]
    columns += ["po_previous", "po_current", "has_imputed", "source_line"]
    return out.reset_index()[["line_id", *columns]]


def multiyear_view(multiyear: pd.DataFrame, stated_totals: pd.DataFrame) -> pd.DataFrame:
    """Objective × year (wide) plus the computed total row and the stated total row."""
    wide = multiyear.pivot_table(
        index=["objective_id", "objective"], columns="year", values="amount", aggfunc="sum"
    ).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    years = [str(y) for y in sorted(multiyear["year"].unique())]
    computed = {"objective_id": pd.NA, "objective": "Totale calcolato"}
    computed.update({y: float(wide[y].sum()) for y in years})
    stated_rows = stated_totals[
        (stated_totals["table"] == MULTIYEAR) & stated_totals["objective_id"].isna()
    ]
    stated = {"objective_id": pd.NA, "objective": "Totale dichiarato"}
    stated.update({y: _stated(stated_rows, y) for y in years})
    difference = {"objective_id": pd.NA, "objective": "Differenza (dichiarato − calcolato)"}
    difference.update({y: stated[y] - computed[y] for y in years})
    out = pd.concat([wide, pd.DataFrame([computed, stated, difference])], ignore_index=True)
    out["objective_id"] = out["objective_id"].astype("Int64")
    return out


def _stated(rows: pd.DataFrame, column: str) -> float:
    match = rows[rows["column"] == column]
    return float(match["amount"].iloc[0]) if not match.empty else float("nan")


def comparison_view(
    comparison: pd.DataFrame, budget_lines: pd.DataFrame, years: PlanYears
) -> pd.DataFrame:
    """Per objective: preconsuntivo, budget stated (confronto), computed from the lines, the gap
    between the two, and the variation stated and recomputed."""
    computed = plan_by_objective(budget_lines, years.po_current)
    out = comparison[["objective_id", "objective", "preconsuntivo", "budget"]].copy()
    out = out.rename(columns={"budget": "budget_stated"})
    out["budget_computed"] = out["objective_id"].map(computed).astype(float)
    out["budget_gap"] = out["budget_stated"] - out["budget_computed"]
    out["variation_stated"] = comparison["variation"]
    out["variation_computed"] = out["budget_computed"] - out["preconsuntivo"]
    out["note"] = comparison["note"]
    out["source_line"] = comparison["source_line"]
    return out.reset_index(drop=True)


def objective_summary(
    lines: pd.DataFrame, stated_totals: pd.DataFrame, fmap: pd.DataFrame, years: PlanYears
) -> pd.DataFrame:
    """Per objective: previous and current PO (stated and computed) and funding per group."""
    ids = sorted(lines["objective_id"].unique())
    out = pd.DataFrame({"objective_id": ids})
    out["objective"] = out["objective_id"].map(objective_titles(lines))
    for name, column in (("po_previous", years.po_previous), ("po_current", years.po_current)):
        out[f"{name}_stated"] = out["objective_id"].map(sheet_plan_totals(stated_totals, column))
        out[f"{name}_computed"] = out["objective_id"].map(plan_by_objective(lines, column))
    funding = funding_by_objective(lines, fmap)
    groups = funding.assign(group=funding["group"].replace("", UNMAPPED_GROUP)).pivot_table(
        index="objective_id", columns="group", values="amount", aggfunc="sum", sort=False
    )
    groups = groups.reindex(ids).fillna(0.0)
    ordered = [g for g in (*GROUPS, UNMAPPED_GROUP) if g in groups.columns]
    for group in ordered:
        out[f"fonti {group}"] = groups[group].to_numpy()
    return out
