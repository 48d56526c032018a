"""The editable plan in memory (:class:`PlanDraft`): what the plan workbook holds, and nothing else.

A draft holds only what a director types: the lines' previous-year PO and funding cells, the
revenue lines, the multi-year rules, the comparison's preconsuntivo, staff, strategic objectives
and KPIs. Every total of the Piano Programma (a line's PO of the year, the TOTALE OBIETTIVO rows,
the revenue subtotals, the comparison's budget and variation, the multi-year budget year and
totals) is *derived* from those inputs, so a compiled plan cannot contain an arithmetic error.

:func:`from_plan` builds the draft of a parsed document (masked cells recovered, each noted), the
starting point of ``cscplan piano nuovo``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from cscplan import metadata
from cscplan.budget.funding import (
    LABEL_SEPARATOR,
    normalize_label,
    source_of_revenue_labels,
    validate_funding_map,
)
from cscplan.fmt import eur
from cscplan.plan_years import PlanYears
from cscplan.planning.rules import AMOUNT
from cscplan.planning.targets import structured_targets
from cscplan.validation.masked import recover_masked
from cscplan.vocabulary import SHEET

LINE_COLUMNS = list(metadata.dtypes("draft_lines"))
SOURCE_COLUMNS = ["column", "source", "group"]
STAFF_KEY = "profile"
KPI_TABLE_GAP = 3
"""Indicator rows more than this many lines apart belong to different tables (same title)."""


@dataclass(frozen=True)
class PlanDraft:
    """The inputs of a plan (see the module docstring); frames follow the ``draft_*`` tables."""

    years: PlanYears
    objectives: pd.DataFrame
    lines: pd.DataFrame  # draft_lines columns, then one column per funding column
    funding_columns: tuple[str, ...]
    sources: pd.DataFrame  # column, source ('' if unmapped), group
    revenue: pd.DataFrame
    revenue_groups: tuple[str, ...]  # subtotal labels, in order
    revenue_total: str
    comparison: pd.DataFrame
    multiyear: pd.DataFrame
    staff: pd.DataFrame  # profile + one column per category
    hiring_plan: pd.DataFrame
    strategic_objectives: pd.DataFrame
    kpis: pd.DataFrame

    @property
    def later_years(self) -> list[int]:
        return [y for y in self.years.horizon if y > self.years.budget_year]

    def with_totals(self) -> PlanDraft:
        """The lines with their PO of the year recomputed from the funding cells."""
        lines = self.lines.copy()
        lines["po_current"] = lines[list(self.funding_columns)].sum(axis=1, min_count=0)
        return replace(self, lines=lines)

    def sheet_columns(self, objective_id: int) -> list[str]:
        """The funding columns the objective's printed sheet shows: declared ∪ used, plan order."""
        row = self.objectives[self.objectives["objective_id"] == objective_id]
        declared = set(split_columns(row["sheet_columns"].iloc[0])) if len(row) else set()
        lines = self.lines[self.lines["objective_id"] == objective_id]
        used = {c for c in self.funding_columns if lines[c].notna().any()}
        return [c for c in self.funding_columns if c in declared | used]

    def funding_map(self) -> pd.DataFrame:
        """The funding map the plan itself declares (Fonti and Entrate sheets), validated."""
        labels = self.revenue.groupby("source", sort=False)["label"].apply(list).to_dict()
        rows = [
            {
                "column": r.column,
                "source": r.source,
                "group": r.group,
                "revenue_labels": LABEL_SEPARATOR.join(labels.get(r.source, [])),
                "note": "dalla cartella di lavoro del piano",
                "source_line": str(index + 2),
            }
            for index, r in enumerate(self.sources.itertuples())
            if r.source
        ]
        frame = pd.DataFrame(rows, columns=[*metadata.dtypes("funding_sources")])
        return validate_funding_map(frame.astype(str), "foglio Fonti")


def split_columns(text: object) -> list[str]:
    return [part.strip() for part in str(text or "").split(";") if part.strip()]


# --------------------------------------------------------------------------- from a parsed plan


def from_plan(plan, funding_map: pd.DataFrame) -> PlanDraft:
    """The draft of a parsed Piano Programma (``PlanTables``) and its (filled) funding map."""
    years = plan.years
    lines = recover_masked(plan.budget_lines, plan.stated_totals)
    columns = _funding_columns(lines, plan.stated_totals, funding_map, years)
    revenue, groups, total = _revenue(plan.revenue, funding_map)
    return PlanDraft(
        years=years,
        objectives=_objectives(lines, plan.stated_totals, columns, years),
        lines=_wide_lines(lines, columns, years),
        funding_columns=tuple(columns),
        sources=_sources(columns, funding_map),
        revenue=revenue,
        revenue_groups=groups,
        revenue_total=total,
        comparison=_comparison(plan.comparison),
        multiyear=_multiyear(plan.multiyear, years),
        staff=_staff(plan.staff),
        hiring_plan=plan.hiring_plan.drop(columns="source_line").reset_index(drop=True),
        strategic_objectives=plan.strategic_objectives.drop(columns="source_line").reset_index(
            drop=True
        ),
        kpis=_kpis(plan.kpis),
    )


def _funding_columns(lines, stated, fmap, years: PlanYears) -> list[str]:
    present = [c for c in dict.fromkeys([*lines["column"], *stated["column"]]) if c]
    sheet = set(stated.loc[stated["table"] == SHEET, "column"]) | set(lines["column"])
    used = [c for c in present if c in sheet and c not in years.plan_columns]
    mapped = [c for c in fmap["column"] if c in used]
    return mapped + [c for c in used if c not in mapped]


def _objectives(lines, stated, columns: list[str], years: PlanYears) -> pd.DataFrame:
    titles = lines.drop_duplicates("objective_id").set_index("objective_id")["objective"]
    sheet = stated[stated["table"] == SHEET]
    rows = []
    for objective_id, title in titles.items():
        mine = set(lines.loc[lines["objective_id"] == objective_id, "column"])
        mine |= set(sheet.loc[sheet["objective_id"] == objective_id, "column"])
        shown = [c for c in columns if c in mine]
        rows.append((int(objective_id), title, "; ".join(shown)))
    frame = pd.DataFrame(rows, columns=["objective_id", "objective", "sheet_columns"])
    return frame.sort_values("objective_id", kind="stable").reset_index(drop=True)


def _wide_lines(lines: pd.DataFrame, columns: list[str], years: PlanYears) -> pd.DataFrame:
    order = lines.drop_duplicates("line_id").sort_values("source_line", kind="stable")
    amounts = lines.pivot_table(index="line_id", columns="column", values="amount", aggfunc="first")
    amounts = amounts.reindex(index=order["line_id"], columns=[years.po_previous, *columns])
    frame = pd.DataFrame(
        {
            "objective_id": order["objective_id"].to_numpy(),
            "part": order["part"].to_numpy(),
            "action": order["action"].to_numpy(),
            "item": order["item"].to_numpy(),
            "detail": order["detail"].to_numpy(),
            "po_previous": amounts[years.po_previous].to_numpy(),
            "po_current": amounts[columns].sum(axis=1, min_count=0).to_numpy(),
            "note": [_masked_note(lines, line_id) for line_id in order["line_id"]],
            "origin_line": order["source_line"].to_numpy(),
        }
    )
    for column in columns:
        frame[column] = amounts[column].to_numpy()
    return frame.astype({"origin_line": "Int64"})


def _masked_note(lines: pd.DataFrame, line_id: str) -> str:
    masked = lines[(lines["line_id"] == line_id) & lines["masked"].astype(bool)]
    return "; ".join(
        f"{r.column}: cella ##### nel documento (riga {int(r.source_line)}), "
        + (f"ricostruita in {eur(r.amount)}" if not math.isnan(r.amount) else "non ricostruibile")
        for r in masked.itertuples()
    )


def _sources(columns: list[str], fmap: pd.DataFrame) -> pd.DataFrame:
    known = fmap.set_index("column")
    rows = [
        (c, known.at[c, "source"], known.at[c, "group"]) if c in known.index else (c, "", "")
        for c in columns
    ]
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _revenue(revenue: pd.DataFrame, fmap: pd.DataFrame) -> tuple[pd.DataFrame, tuple, str]:
    sources = source_of_revenue_labels(fmap)
    lines = revenue[revenue["row_kind"] == "line"]
    frame = pd.DataFrame(
        {
            "group": lines["group"].to_numpy(),
            "label": lines["label"].to_numpy(),
            "amount": lines["amount"].to_numpy(),
            "source": [sources.get(normalize_label(label), "") for label in lines["label"]],
        }
    )
    groups = tuple(revenue.loc[revenue["row_kind"] == "subtotal", "label"])
    total = revenue.loc[revenue["row_kind"] == "total", "label"]
    return frame, groups, str(total.iloc[-1]) if len(total) else "TOTALE BUDGET"


def _comparison(comparison: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "objective_id": comparison["objective_id"].to_numpy(),
            "preconsuntivo": comparison["preconsuntivo"].to_numpy(),
            "note": comparison["note"].to_numpy(),
            "provenance": [f"documento, riga {n}" for n in comparison["source_line"]],
        }
    )


def _multiyear(multiyear: pd.DataFrame, years: PlanYears) -> pd.DataFrame:
    later = multiyear[multiyear["year"] > years.budget_year]
    return pd.DataFrame(
        {
            "objective_id": later["objective_id"].to_numpy(),
            "year": later["year"].to_numpy(),
            "rule": AMOUNT,
            "rule_value": later["amount"].to_numpy(),
        }
    )


def _staff(staff: pd.DataFrame) -> pd.DataFrame:
    lines = staff[staff["row_kind"] == "line"]
    wide = lines.pivot_table(
        index="profile", columns="category", values="count", aggfunc="first", sort=False
    )
    wide = wide.reindex(index=list(dict.fromkeys(lines["profile"])))
    wide = wide[list(dict.fromkeys(lines["category"]))]
    return wide.rename_axis(columns=None).reset_index().rename(columns={"profile": STAFF_KEY})


def _kpis(kpis: pd.DataFrame) -> pd.DataFrame:
    new_table = (kpis["section"] != kpis["section"].shift()) | (
        kpis["source_line"].diff().fillna(KPI_TABLE_GAP + 1) > KPI_TABLE_GAP
    )
    frame = kpis[["objective_id", "section", "action", "kind", "strumento", "indicatore"]].copy()
    frame.insert(0, "kpi_table", new_table.cumsum().astype(int))
    frame = frame.join(structured_targets(kpis))
    frame["target"] = kpis["target"]
    return frame.reset_index(drop=True)
