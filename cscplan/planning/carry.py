"""The next plan from the last one: years moved, amounts carried forward, deadlines moved.

:func:`carry_forward` moves a draft to new years (``delta`` = new budget year − old one):

* each line keeps its labels and funding cells; its previous-year PO becomes the old plan's PO of
  the year; funding columns are renamed through the funding map's templates (``FNPS {anno}``:
  ``FNPS 2020`` → ``FNPS 2021``), other columns and revenue labels by moving their plan years;
* revenue lines are carried with their amounts (a proposal to revise, like every carried figure);
* the comparison's preconsuntivo is proposed as the old plan's PO of the year, and says so;
* the multi-year rules keep the old plan's figure for a year both plans cover (``importo``) and
  repeat the year before (``= anno precedente``) for a new year;
* KPI deadlines (date and the year in the target text) move by ``delta`` years.

With the same years the draft is returned unchanged: ``piano nuovo`` then exports the plan as an
editable workbook (the round trip of the Piano Programma).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from cscplan.errors import InputError
from cscplan.plan_years import PlanYears
from cscplan.planning.draft import PlanDraft, split_columns
from cscplan.planning.rules import AMOUNT, SAME
from cscplan.planning.targets import moved_deadline, moved_text
from cscplan.planning.totals import multiyear_figures, objective_totals

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def plan_years(first: int, last: int) -> PlanYears:
    """The years of a plan whose budget year is its first year (as the Piano Programma's)."""
    return PlanYears(first, first - 1, first, last, f"PO {first - 1}", f"PO {first}")


def next_years(years: PlanYears) -> PlanYears:
    return plan_years(years.first_year + 1, years.last_year + 1)


def carry_forward(draft: PlanDraft, years: PlanYears, template_map: pd.DataFrame) -> PlanDraft:
    """The draft moved to ``years`` (see the module docstring); ``template_map`` is the funding
    map with its ``{anno}`` placeholders (``data/funding_sources.csv`` as read)."""
    old = draft.years
    delta = years.budget_year - old.budget_year
    if delta < 0:
        raise InputError(
            None,
            f"anni dal {old.budget_year} in poi (il piano di partenza è {old.title})",
            f"{years.first_year}-{years.last_year}",
            key="--anni",
        )
    if delta == 0:
        return replace(draft, years=years, multiyear=_multiyear(draft, years, keep=True))
    draft = draft.with_totals()
    move = Mover(old, years, template_map)
    return replace(
        draft,
        years=years,
        objectives=draft.objectives.assign(
            sheet_columns=draft.objectives["sheet_columns"].map(
                lambda text: "; ".join(move.column(c) for c in split_columns(text))
            )
        ),
        lines=_lines(draft, move),
        funding_columns=tuple(move.column(c) for c in draft.funding_columns),
        sources=draft.sources.assign(
            column=draft.sources["column"].map(move.column),
            source=draft.sources["source"].map(move.source),
        ),
        revenue=draft.revenue.assign(
            group=draft.revenue["group"].map(move.text),
            label=draft.revenue["label"].map(move.text),
            source=draft.revenue["source"].map(move.source),
        ),
        revenue_groups=tuple(move.text(g) for g in draft.revenue_groups),
        revenue_total=move.text(draft.revenue_total),
        comparison=_comparison(draft, years),
        multiyear=_multiyear(draft, years),
        kpis=draft.kpis.assign(
            kpi_deadline=draft.kpis["kpi_deadline"].map(lambda d: moved_deadline(d, delta)),
            target=draft.kpis["target"].map(lambda t: moved_text(t, delta)),
        ),
    )


class Mover:
    """Renames year-bearing texts from the old plan's years to the new ones."""

    def __init__(self, old: PlanYears, new: PlanYears, template_map: pd.DataFrame) -> None:
        self.delta = new.budget_year - old.budget_year
        self.span = range(old.previous_year - 1, old.last_year + 1)
        self.columns = {old.fill(t): new.fill(t) for t in template_map["column"]}
        self.sources = {old.fill(t): new.fill(t) for t in template_map["source"]}

    def text(self, text: str) -> str:
        """Plan years (the year before the previous one up to the last) moved by ``delta``."""
        return YEAR.sub(
            lambda m: str(int(m[0]) + self.delta) if int(m[0]) in self.span else m[0], str(text)
        )

    def column(self, column: str) -> str:
        return self.columns.get(column) or self.text(column)

    def source(self, source: str) -> str:
        return self.sources.get(source) or self.text(source) if source else ""


def _lines(draft: PlanDraft, move: Mover) -> pd.DataFrame:
    lines = draft.lines.copy()
    lines["po_previous"] = lines["po_current"]
    lines["note"] = ""
    return lines.rename(columns={c: move.column(c) for c in draft.funding_columns})


def _comparison(draft: PlanDraft, years: PlanYears) -> pd.DataFrame:
    totals = objective_totals(draft)["po_current"]
    note = (
        f"proposta: {draft.years.po_current} del piano precedente; sostituire con il "
        f"preconsuntivo {years.previous_year}"
    )
    return pd.DataFrame(
        {
            "objective_id": totals.index.astype(int),
            "preconsuntivo": totals.to_numpy(),
            "note": "",
            "provenance": note,
        }
    )


def _multiyear(draft: PlanDraft, years: PlanYears, keep: bool = False) -> pd.DataFrame:
    """Rules for the new later years: the draft's own rule (``keep``, same budget year) or the
    old figure where the old plan had the year; ``= anno precedente`` for a new year."""
    rules = draft.multiyear.set_index(["objective_id", "year"])
    old = multiyear_figures(draft).set_index(["objective_id", "year"])["amount"]
    rows = []
    for objective_id in draft.objectives["objective_id"]:
        for year in [y for y in years.horizon if y > years.budget_year]:
            key = (objective_id, year)
            if keep and key in rules.index:
                rows.append((*key, rules.at[key, "rule"], rules.at[key, "rule_value"]))
            elif not keep and key in old.index and year > draft.years.budget_year:
                rows.append((*key, AMOUNT, float(old[key])))
            else:
                rows.append((*key, SAME, float("nan")))
    return pd.DataFrame(rows, columns=["objective_id", "year", "rule", "rule_value"])
