"""The ``cscplan piano`` commands at the edges: read inputs, compute in memory, write atomically.

* :func:`run_nuovo` — the next plan (or the same plan, with its own years) as a workbook;
* :func:`run_compila` — a workbook back to the document: its tables (xlsx), an A4 PDF and the
  Piano Programma's text layout, with the same checks as the parsed document;
* :func:`run_confronta` — what changed between two plans (text or workbook).

Every file is computed first and written only when all succeeded (one at a time, each to a
temporary name then renamed), so bad input leaves nothing half-written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cscplan import paths
from cscplan.errors import InputError
from cscplan.fmt import eur
from cscplan.io import write_bytes
from cscplan.plan_years import PlanYears
from cscplan.planning.carry import carry_forward, next_years, plan_years
from cscplan.planning.draft import PlanDraft, from_plan
from cscplan.planning.proposals import CostBasis, apply_proposals, cost_proposals

WORKBOOK_SUFFIX = ".xlsx"
YEARS = re.compile(r"^\s*((?:19|20)\d{2})\s*[-–]\s*((?:19|20)\d{2})\s*$")


@dataclass(frozen=True)
class LoadedPlan:
    """A plan read from a text document or a plan workbook: its draft and its document tables."""

    draft: PlanDraft
    tables: object  # PlanTables
    funding_map: pd.DataFrame
    name: str


def load_any(path: Path, funding_map: Path = paths.FUNDING_SOURCES) -> LoadedPlan:
    """A ``.xlsx`` plan workbook (compiled to its text and parsed) or a Piano Programma text."""
    from cscplan.budget.funding import for_plan, load_funding_map
    from cscplan.planning.layout import render
    from cscplan.planning.reader import read_workbook
    from cscplan.sources.piano_programma import load_plan, parse_plan

    path = Path(path)
    if path.suffix.lower() == WORKBOOK_SUFFIX:
        draft = read_workbook(path)
        tables = parse_plan(render(draft, path.name), source=f"{path} (testo compilato)")
        return LoadedPlan(draft, tables, draft.funding_map(), path.name)
    tables = load_plan(path)
    fmap = for_plan(load_funding_map(funding_map), tables.years)
    return LoadedPlan(from_plan(tables, fmap), tables, fmap, path.name)


def parse_years(text: str | None, start: PlanYears) -> PlanYears:
    """``'2021-2023'`` → the plan years (budget year = first); None → the next plan's years."""
    if text is None:
        return next_years(start)
    match = YEARS.match(text)
    if match is None or int(match[1]) > int(match[2]):
        raise InputError(
            None, "due anni AAAA-AAAA in ordine (es. 2021-2023)", repr(text), key="--anni"
        )
    return plan_years(int(match[1]), int(match[2]))


def check_workbook_target(out: Path) -> None:
    if Path(out).suffix.lower() != WORKBOOK_SUFFIX:
        raise InputError(
            out,
            "un file di destinazione .xlsx",
            Path(out).suffix or "nessuna estensione",
            key="--out",
        )


def run_nuovo(
    source: Path,
    out: Path,
    years: str | None = None,
    funding_map: Path = paths.FUNDING_SOURCES,
    budget_link: Path = paths.BUDGET_LINK,
    basis: CostBasis | None = None,
) -> str:
    """Write the next plan's workbook (or the same plan's, ``years`` equal to its own)."""
    from cscplan.budget.funding import load_funding_map
    from cscplan.planning.workbook import write_workbook
    from cscplan.scenarios.budget_link import load_budget_link

    check_workbook_target(out)
    loaded = load_any(source, funding_map)
    target = parse_years(years, loaded.draft.years)
    draft = carry_forward(loaded.draft, target, load_funding_map(funding_map))
    lines = []
    if target.budget_year != loaded.draft.years.budget_year:
        basis = basis or bundled_basis()
        link = load_budget_link(budget_link, target)
        proposals = cost_proposals(link, basis, target.budget_year)
        draft = apply_proposals(draft, proposals)
        lines.append(_proposal_summary(proposals, basis))
    write_bytes(out, write_workbook(draft))
    total = float(draft.lines["po_current"].sum())
    head = (
        f"Cartella di lavoro del {target.title} scritta in {out} (da {loaded.name}): "
        f"{len(draft.lines)} voci, {len(draft.objectives)} obiettivi, "
        f"{target.po_current} totale {eur(total)}."
    )
    return "\n".join([head, *lines])


def bundled_basis(
    caseload: Path = paths.SAMPLE_CASELOAD, tariffs: Path = paths.TARIFFS
) -> CostBasis:
    """The cost basis of the proposals; the bundled sample caseload is labelled synthetic."""
    return CostBasis(
        caseload=Path(caseload),
        tariffs=Path(tariffs),
        caseload_name=_shown(caseload),
        tariffs_name=_shown(tariffs),
        synthetic=Path(caseload).resolve() == paths.SAMPLE_CASELOAD.resolve(),
    )


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(path)


def _proposal_summary(proposals: pd.DataFrame, basis: CostBasis) -> str:
    synthetic = " (SINTETICA)" if basis.synthetic else ""
    return (
        f"Importi proposti dal motore dei costi per {len(proposals)} voci collegate ai servizi "
        f"(casistica {basis.caseload_name}{synthetic}, tariffe {basis.tariffs_name}); "
        "vedi la colonna Nota del foglio Voci di budget."
    )


def compile_outputs(
    workbook: Path, pdf: bool = True
) -> tuple[dict[str, bytes], pd.DataFrame, list[str]]:
    """Every output file of ``piano compila`` (name → bytes), the findings, console notes."""
    from cscplan.planning.document import document_html, document_workbook
    from cscplan.planning.layout import render
    from cscplan.planning.pdf import html_to_pdf
    from cscplan.planning.reader import read_workbook
    from cscplan.sources.piano_programma import parse_plan
    from cscplan.validation.checks import run_checks

    draft = read_workbook(workbook)
    text = render(draft, Path(workbook).name)
    tables = parse_plan(text, source=f"{workbook} (testo compilato)")
    findings = run_checks(tables, draft.funding_map())
    stem = draft.years.workbook_name.removesuffix(WORKBOOK_SUFFIX)
    files = {
        f"{stem}.txt": text.encode("utf-8"),
        f"{stem}_tabelle.xlsx": document_workbook(tables),
        f"{stem}_verifiche.csv": findings.to_csv(index=False, lineterminator="\n").encode("utf-8"),
    }
    notes = []
    if pdf:
        html = document_html(tables, f"Compilato da cscplan dalla cartella {Path(workbook).name}.")
        try:
            files[f"{stem}.pdf"] = html_to_pdf(html)
        except RuntimeError as exc:
            notes.append(f"PDF non generato: {exc}.")
    return files, findings, notes


def run_compila(workbook: Path, out: Path, pdf: bool = True) -> str:
    from cscplan.pipeline import write_files
    from cscplan.validation.report import summary_text

    files, findings, notes = compile_outputs(workbook, pdf)
    write_files(Path(out), files)
    written = ", ".join(files)
    return "\n".join([f"Piano compilato in {out}: {written}.", *notes, summary_text(findings)])


def run_confronta(
    a: Path, b: Path, out: Path | None = None, funding_map: Path = paths.FUNDING_SOURCES
) -> str:
    from cscplan.io import csv_bytes
    from cscplan.planning.compare import changes_text, compare_plans, waterfall

    plan_a, plan_b = load_any(a, funding_map), load_any(b, funding_map)
    changes = compare_plans(plan_a.tables, plan_b.tables, plan_a.funding_map, plan_b.funding_map)
    text = changes_text(changes, plan_a.name, plan_b.name)
    if out is not None:
        from cscplan.pipeline import write_files

        years = plan_a.tables.years
        lines = plan_a.tables.budget_lines
        total = float(lines.loc[lines["column"] == years.po_current, "amount"].sum())
        figure = waterfall(changes, total, plan_a.name, plan_b.name)
        chart = figure.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")
        write_files(
            Path(out), {"confronto_piani.csv": csv_bytes(changes), "confronto_piani.html": chart}
        )
        text += f"\nTabella e grafico a cascata scritti in {out}."
    return text
