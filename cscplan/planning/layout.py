"""The Piano Programma's own text layout (tab-separated, as the source export), from a draft.

The text is the one the parser reads (:mod:`cscplan.sources.piano_programma`): the staff and
hiring tables, the strategic objectives, ``BUDGET <anno> – SCHEDE`` with each objective's sheet
(one table per part, the ``TOTALE OBIETTIVO n`` row closing the last) followed by its indicator
tables, ``CANALI DI FINANZIAMENTO`` with subtotals and ``TOTALE BUDGET``, the comparison with the
previous year and the multi-year budget. Every total is computed here from the draft's inputs
(:mod:`.totals`), never copied, so ``cscplan build --plan`` on this text finds no arithmetic
disagreement. Amounts are written the document's way: ``€ 1.234,56``, zero as ``€ -``.
"""

from __future__ import annotations

import math

import pandas as pd

from cscplan.fmt import number
from cscplan.planning.draft import STAFF_KEY, PlanDraft
from cscplan.planning.totals import multiyear_figures, objective_totals, revenue_subtotals
from cscplan.vocabulary import TOTAL

TAB = "\t"
MONITORING, TRIENNIAL = "monitoraggio", "obiettivo triennale"
HIRING_HEADER = ("Profilo professionale", "Ambito", "Unità", "Modalità di copertura", "Anno")
HIRING_FIELDS = ("profile", "area", "units", "coverage", "year")


def amount_text(value: float | None) -> str:
    """``1234.5`` → ``€ 1.234,50``; zero → ``€ -``; missing → ``''``; negative → ``-€ 7,00``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    cents = round(float(value), 2)
    if cents == 0:
        return "€ -"
    return ("-" if cents < 0 else "") + "€ " + number(abs(cents), 2)


def row(*cells: object) -> str:
    return TAB.join("" if c is None else str(c) for c in cells)


def render(draft: PlanDraft, origin: str = "la cartella di lavoro del piano") -> str:
    """The whole document as text (UTF-8, ``\\n`` line ends)."""
    draft = draft.with_totals()
    blocks = [
        _heading(draft, origin),
        _staff(draft),
        _hiring(draft),
        _strategic(draft),
        _budget(draft),
        _revenue(draft),
        _comparison(draft),
        _multiyear(draft),
    ]
    return "\n\n".join(blocks) + "\n"


def _heading(draft: PlanDraft, origin: str) -> str:
    years = draft.years
    return "\n\n".join(
        [
            "PIANO PROGRAMMA",
            f"BUDGET ECONOMICO {years.first_year} - {years.last_year}",
            f"Testo compilato da cscplan (piano compila) da {origin}.",
        ]
    )


# --------------------------------------------------------------------------- staff and hiring


def _staff(draft: PlanDraft) -> str:
    staff = draft.staff
    categories = [c for c in staff.columns if c != STAFF_KEY]
    lines = ["POLITICA DEL PERSONALE", "", row("Profilo professionale", *categories)]
    lines += [row(r[STAFF_KEY], *(int(r[c]) for c in categories)) for _, r in staff.iterrows()]
    lines.append(row("", *(int(staff[c].sum()) for c in categories)))
    return "\n".join([*lines, "", "Tab1: Dotazione organica"])


def _hiring(draft: PlanDraft) -> str:
    lines = [row(*HIRING_HEADER)]
    lines += [row(*(r[f] for f in HIRING_FIELDS)) for _, r in draft.hiring_plan.iterrows()]
    return "\n".join([*lines, "", "Tab2: Piano occupazionale"])


# --------------------------------------------------------------------------- strategic objectives


def _strategic(draft: PlanDraft) -> str:
    years = draft.years
    lines = [f"GLI OBIETTIVI STRATEGICI DEL PIANO PROGRAMMA {years.first_year}-{years.last_year}"]
    items = draft.strategic_objectives
    areas = items["code"].str.split(".").str[0]
    for area in dict.fromkeys(areas):
        mine = items[areas == area]
        lines += ["", f"{area}. {mine['area'].iloc[0]}"]
        for r in mine.itertuples():
            lines += ["", f"Obiettivo {r.code}: {r.title}"]
            if r.description:
                lines += ["", r.description]
    return "\n".join(lines)


# --------------------------------------------------------------------------- budget sheets


def _budget(draft: PlanDraft) -> str:
    totals = objective_totals(draft)
    blocks = [f"BUDGET {draft.years.budget_year} – SCHEDE"]
    for objective in draft.objectives.itertuples():
        blocks.append(f"OBIETTIVO {objective.objective_id}: {objective.objective}")
        blocks += _sheet(draft, objective, totals.loc[objective.objective_id])
        blocks += _kpi_tables(draft, objective.objective_id)
    return "\n\n".join(blocks)


def _sheet(draft: PlanDraft, objective, totals: pd.Series) -> list[str]:
    """One table per part; every part shows the objective's columns; the last has the total."""
    years = draft.years
    lines = draft.lines[draft.lines["objective_id"] == objective.objective_id]
    columns = draft.sheet_columns(objective.objective_id)
    detail = bool((lines["detail"] != "").any())
    title = f"OBIETTIVO {objective.objective_id}: {objective.objective}"
    header = row(title, *([""] if detail else []), *years.plan_columns, *columns)
    parts = sorted(lines["part"].unique()) or [1]
    tables = []
    for part in parts:
        body = [header, *_part_rows(lines[lines["part"] == part], columns, detail)]
        if part == parts[-1]:
            amounts = [totals["po_previous"], totals["po_current"], *(totals[c] for c in columns)]
            label = [f"{TOTAL} OBIETTIVO {objective.objective_id}", *([""] if detail else [])]
            body.append(row(*label, *(amount_text(a) for a in amounts)))
        tables.append("\n".join(body))
    return tables


def _part_rows(lines: pd.DataFrame, columns: list[str], detail: bool) -> list[str]:
    """Lines grouped under their action (first appearance order; lines without one first)."""
    rank = {a: i for i, a in enumerate(dict.fromkeys(lines["action"]))}
    order = lines.assign(_rank=lines["action"].map(lambda a: -1 if a == "" else rank[a]))
    out, action = [], ""
    for r in order.sort_values("_rank", kind="stable").to_dict("records"):
        if r["action"] != action:
            out.append(r["action"])
            action = r["action"]
        cells = [r["po_previous"], r["po_current"], *(r[c] for c in columns)]
        labels = [r["item"], *([r["detail"]] if detail else [])]
        out.append(row(*labels, *(amount_text(a) for a in cells)))
    return out


def _kpi_tables(draft: PlanDraft, objective_id: int) -> list[str]:
    kpis = draft.kpis[draft.kpis["objective_id"] == objective_id]
    header = row("Strumento", "Indicatore", *draft.years.horizon)
    blanks = [""] * len(draft.years.horizon)
    tables = []
    for _, table in kpis.groupby("kpi_table", sort=True):
        body = [table["section"].iloc[0], header]
        for kind in (MONITORING, TRIENNIAL):
            rows = table[table["kind"] == kind]
            if kind == TRIENNIAL and len(rows):
                body.append(row("Obiettivi triennali", "Indicatore"))
            shown = ""
            for r in rows.itertuples():
                strumento = r.strumento if r.strumento != shown else ""
                shown = r.strumento
                body.append(row(strumento, r.indicatore, *blanks, r.target).rstrip(TAB))
        tables.append("\n".join(body))
    return tables


# --------------------------------------------------------------------------- the other tables


def _revenue(draft: PlanDraft) -> str:
    years = draft.years
    sums = revenue_subtotals(draft)
    lines = [f"ENTRATE PREVISIONALI ESERCIZIO {years.budget_year}" + TAB]
    for group in [*draft.revenue_groups, draft.revenue_total]:
        members = draft.revenue[draft.revenue["group"] == group]
        lines += [row(r.label, amount_text(r.amount)) for r in members.itertuples()]
        lines.append(row(group, amount_text(sums[group])))
    return "\n\n".join([f"CANALI DI FINANZIAMENTO {years.budget_year}", "\n".join(lines)])


def _titles(draft: PlanDraft) -> dict[int, str]:
    return {
        int(r.objective_id): f"OBIETTIVO {r.objective_id}: {r.objective}"
        for r in draft.objectives.itertuples()
    }


def _comparison(draft: PlanDraft) -> str:
    years = draft.years
    budget = objective_totals(draft)["po_current"]
    titles = _titles(draft)
    header = row(
        f"OBIETTIVI PO {years.previous_year}",
        f"PRE-CONSUNTIVO {years.previous_year}",
        f"PREVENTIVO {years.budget_year}",
        "VARIAZIONE",
        "MOTIVAZIONE",
    )
    lines, pre_sum, budget_sum = [header], 0.0, 0.0
    for r in draft.comparison.dropna(subset=["preconsuntivo"]).itertuples():
        value = float(budget.get(r.objective_id, 0.0))
        cells = (r.preconsuntivo, value, value - r.preconsuntivo)
        lines.append(row(titles[r.objective_id], *(amount_text(c) for c in cells), r.note))
        pre_sum, budget_sum = pre_sum + r.preconsuntivo, budget_sum + value
    lines.append(row(f"{TOTAL} PO", amount_text(pre_sum), amount_text(budget_sum)))
    title = f"CONFRONTO BUDGET {years.budget_year} – PRECONSUNTIVO {years.previous_year}"
    return "\n\n".join([title, "\n".join(lines)])


def _multiyear(draft: PlanDraft) -> str:
    years = draft.years
    figures = multiyear_figures(draft)
    wide = figures.pivot_table(index="objective_id", columns="year", values="amount", sort=False)
    wide = wide.reindex(columns=list(years.horizon))
    titles = _titles(draft)
    lines = [row("OBIETTIVI", *(f"BUDGET {y}" for y in years.horizon))]
    for objective_id, values in wide.iterrows():
        lines.append(
            row(titles[int(objective_id)], *(amount_text(values[y]) for y in years.horizon))
        )
    lines.append(row(f"{TOTAL} PO", *(amount_text(wide[y].sum()) for y in years.horizon)))
    title = f"BUDGET PLURIENNALE {years.first_year}-{years.last_year}"
    return "\n\n".join([title, "\n".join(lines)])
