"""The main job: extract → transform → validate → simulate → present, then write atomically.

Everything is computed in memory first; only when every step has succeeded are the files written,
each to a temporary name in the output folder and renamed into place. A failing run therefore leaves
the previous outputs intact. Outputs are deterministic (sorted rows, fixed seeds, no timestamps); the
run's date goes only into ``run_metadata.json``.
"""

from __future__ import annotations

import errno
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cscplan import __version__, paths
from cscplan.errors import InputError
from cscplan.io import csv_bytes, write_bytes
from cscplan.vocabulary import BASELINE, BASELINE_LABEL, SEVERITY_PLURALS

OS_REASONS = {
    errno.EEXIST: "un file (non una cartella) con questo nome",
    errno.ENOTDIR: "un file (non una cartella) nel percorso",
    errno.ENOENT: "un percorso che non si può creare",
    errno.EACCES: "permesso negato",
    errno.EROFS: "un file system in sola lettura",
}
REPORT_NAME = "report.html"
SCREENSHOT_NAME = "report.png"
PDF_NAME = "report.pdf"


def default_scenarios() -> tuple[Path, ...]:
    return tuple(sorted(paths.SCENARIOS_DIR.glob("*.yaml")))


@dataclass(frozen=True)
class BuildInputs:
    """Every input file of a build: bundled defaults, overridable from the CLI or a notebook."""

    plan: Path = paths.PIANO_PROGRAMMA
    service_maps: Path = paths.SERVICE_MAPS
    tariffs: Path = paths.TARIFFS
    funding_map: Path = paths.FUNDING_SOURCES
    caseload: Path = paths.SAMPLE_CASELOAD
    scenarios: tuple[Path, ...] = field(default_factory=default_scenarios)
    benchmark_map: Path = paths.BENCHMARK_MAP
    budget_link: Path = paths.BUDGET_LINK
    comuni: Path = paths.COMUNI
    seed: int = 2023
    draws: int = 1000
    commitment: float | None = None  # € committed; None = the linked budget lines' amounts

    def files(self) -> list[tuple[str, Path]]:
        """(role, path) of every file the build reads, in a stable order."""
        named = [
            ("piano", self.plan),
            ("mappe_servizi", self.service_maps),
            ("tariffario", self.tariffs),
            ("mappa_fonti", self.funding_map),
            ("casistica", self.caseload),
            ("mappa_benchmark", self.benchmark_map),
            ("collegamento_budget", self.budget_link),
            ("comuni", self.comuni),
        ]
        return named + [("scenario", path) for path in self.scenarios]


@dataclass(frozen=True)
class LoadedInputs:
    """Every input read and validated once; the stages receive these, never a path."""

    plan: Any
    funding_map: pd.DataFrame
    maps: Any
    benchmark_map: pd.DataFrame
    schedule: Any
    comuni: list[str]
    caseload: pd.DataFrame
    reforms: list
    budget_link: pd.DataFrame
    files: list[dict]


@dataclass
class BuildResult:
    """All tables (name → frame, written as ``name.csv``) and the rendered documents."""

    tables: dict[str, pd.DataFrame]
    documents: dict[str, bytes] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)


# --- the edge: reading every input once --------------------------------------------------------


def load_inputs(inputs: BuildInputs) -> LoadedInputs:
    """Read and validate every input file (bad input raises InputError before any computing)."""
    from cscplan.budget.funding import for_plan, load_funding_map
    from cscplan.scenarios.api import load_reforms
    from cscplan.scenarios.benchmarks import load_benchmark_map
    from cscplan.scenarios.budget_link import load_budget_link
    from cscplan.scenarios.caseload import district_comuni, load_caseload
    from cscplan.sources.piano_programma import load_plan
    from cscplan.sources.service_maps import load_service_maps
    from cscplan.tariffs.schedule import load_schedule

    plan = load_plan(inputs.plan)
    schedule = load_schedule(inputs.tariffs)
    comuni = district_comuni(inputs.comuni)
    return LoadedInputs(
        plan=plan,
        funding_map=for_plan(load_funding_map(inputs.funding_map), plan.years),
        maps=load_service_maps(inputs.service_maps),
        benchmark_map=load_benchmark_map(inputs.benchmark_map),
        schedule=schedule,
        comuni=comuni,
        caseload=load_caseload(inputs.caseload, schedule, comuni=comuni),
        reforms=load_reforms(list(inputs.scenarios)),
        budget_link=load_budget_link(inputs.budget_link, plan.years),
        files=input_files(inputs),
    )


def input_files(inputs: BuildInputs) -> list[dict]:
    """Role, path (relative to the repository when inside it), size and SHA-256 of each input."""
    return [
        {
            "role": role,
            "path": _relative(path),
            "bytes": Path(path).stat().st_size,
            "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        }
        for role, path in inputs.files()
    ]


# --- stages (pure: loaded inputs → tables) -----------------------------------------------------


def plan_stage(plan, funding_map: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The Piano Programma's tables, masked cells recovered once, the checks and the views."""
    from cscplan.budget import funding, views
    from cscplan.validation.checks import run_checks
    from cscplan.validation.masked import masked_recoveries, recover_masked

    years = plan.years
    recoveries = masked_recoveries(plan.budget_lines, plan.stated_totals, years.po_current)
    lines = recover_masked(plan.budget_lines, recoveries=recoveries)
    tables = dict(plan.tables())
    tables["budget_lines"] = lines
    tables["findings_plan"] = run_checks(plan, funding_map, lines=lines, recoveries=recoveries)
    tables["funding_by_objective"] = views.funding_by_objective(lines, funding_map)
    tables["funding_balance"] = funding.funding_balance(lines, plan.revenue, funding_map)
    tables["budget_by_action"] = views.by_action(lines, years)
    tables["budget_by_objective"] = views.objective_summary(
        lines, plan.stated_totals, funding_map, years
    )
    tables["multiyear_view"] = views.multiyear_view(plan.multiyear, plan.stated_totals)
    tables["comparison_view"] = views.comparison_view(plan.comparison, lines, years)
    tables["funding_sources"] = funding_map
    return tables


def maps_stage(maps, benchmark_map: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The Cremona service maps, their Totale checks and the growth benchmarks."""
    from cscplan.scenarios.benchmarks import growth_table
    from cscplan.validation.findings import findings_frame
    from cscplan.validation.service_map_checks import check_service_map_totals

    tables = dict(maps.tables())
    tables["findings_maps"] = findings_frame(check_service_map_totals(maps.values))
    tables["cremona_growth"] = growth_table(maps.values, benchmark_map)
    return tables


def cost_stage(loaded: LoadedInputs, inputs: BuildInputs, tables: dict) -> dict[str, pd.DataFrame]:
    """Cost the caseload (baseline + scenarios), compare, Monte Carlo, sensitivity, budget link."""
    from cscplan.scenarios import budget_link, compare, montecarlo
    from cscplan.scenarios.api import CostContext, cost
    from cscplan.scenarios.benchmarks import benchmark_volume_multipliers

    schedule, caseload = loaded.schedule, loaded.caseload
    context = CostContext(
        schedule=schedule,
        comuni=loaded.comuni,
        growth=benchmark_volume_multipliers(tables["cremona_growth"]),
        map_values=loaded.maps.values,
        benchmark_map=loaded.benchmark_map,
    )
    monthly = cost(caseload, scenarios=loaded.reforms, context=context, validated=True)
    out = {"costs_monthly": monthly, "costs_summary": compare.summarise(monthly)}
    out["scenarios"] = scenario_table(loaded.reforms, schedule)
    out.update(compare.compare_scenarios(monthly))
    year = int(schedule.parameters["year"])
    linked = budget_link.linked_amount(loaded.budget_link, tables["budget_lines"])
    commitment, source = montecarlo.choose_commitment(inputs.commitment, linked)
    out.update(
        montecarlo.montecarlo_tables(
            caseload,
            schedule,
            year=year,
            seed=inputs.seed,
            draws=inputs.draws,
            commitment=commitment,
            commitment_source=source,
        )
    )
    out["sensitivity"] = montecarlo.parameter_sensitivity(caseload, schedule, year=year)
    out["budget_link"] = budget_link.budget_link_table(
        loaded.budget_link, monthly, schedule, tables["budget_lines"]
    )
    out["caseload"] = caseload
    return out


def scenario_table(reforms, schedule) -> pd.DataFrame:
    """Name, Italian label and source file of the baseline and of each scenario."""
    label = f"{BASELINE_LABEL} (tariffe {schedule.parameters['year']})"
    rows = [(BASELINE, label, "")]
    rows += [(r.name, r.label or r.name, _relative(Path(r.source))) for r in reforms]
    return pd.DataFrame(rows, columns=["scenario", "label", "source"])


def compute_build(inputs: BuildInputs) -> BuildResult:
    """Every table and document of a build, in memory (nothing is written here)."""
    from cscplan.validation.findings import concat_findings

    loaded = load_inputs(inputs)
    tables = plan_stage(loaded.plan, loaded.funding_map)
    tables.update(maps_stage(loaded.maps, loaded.benchmark_map))
    tables.update(cost_stage(loaded, inputs, tables))
    tables["findings"] = concat_findings([tables.pop("findings_plan"), tables.pop("findings_maps")])
    validate_tables(tables)
    documents = render_documents(tables, loaded.files)
    return BuildResult(tables=tables, documents=documents, files=loaded.files)


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Every published table against its contract before anything is written (a failure here is
    a defect of cscplan; it is still reported as the one input-error message)."""
    from cscplan import metadata

    for name, frame in tables.items():
        metadata.validate(name, frame)


def workbook_name(tables: dict[str, pd.DataFrame]) -> str:
    from cscplan.plan_years import PlanYears

    return PlanYears.from_table(tables["plan_info"]).workbook_name


def render_documents(tables: dict[str, pd.DataFrame], files: list[dict]) -> dict[str, bytes]:
    """The HTML report, the Excel workbook and the Data Package descriptor."""
    from cscplan.datapackage import datapackage
    from cscplan.reports.excel import build_workbook
    from cscplan.reports.html import render_report

    return {
        REPORT_NAME: render_report(tables, files).encode("utf-8"),
        workbook_name(tables): build_workbook(tables),
        "datapackage.json": datapackage(tables, files).encode("utf-8"),
    }


def _relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(path)


# --- edges: writing -----------------------------------------------------------------------------


def serialise(result: BuildResult, metadata: dict) -> dict[str, bytes]:
    """Every output file's bytes, in memory: a failure here leaves the output folder untouched."""
    files = {f"{name}.csv": csv_bytes(frame) for name, frame in result.tables.items()}
    files.update(result.documents)
    text = json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    files["run_metadata.json"] = text.encode("utf-8")
    return dict(sorted(files.items()))


def write_result(result: BuildResult, out: Path, metadata: dict) -> list[Path]:
    """Write every file atomically (temporary name in ``out``, then rename), after serialising all."""
    return write_files(Path(out), serialise(result, metadata))


def write_files(out: Path, files: dict[str, bytes]) -> list[Path]:
    """Each file atomically into ``out``; an unusable folder is bad input (one message, exit 2)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        return [write_bytes(out / name, data) for name, data in files.items()]
    except OSError as exc:
        reason = OS_REASONS.get(exc.errno, exc.strerror or str(exc))
        raise InputError(out, "una cartella di output scrivibile", reason) from None


def run_metadata(inputs: BuildInputs, files: list[dict]) -> dict:
    return {
        "cscplan_version": __version__,
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": files,
        "seed": inputs.seed,
        "draws": inputs.draws,
        "commitment": inputs.commitment,
    }


def take_screenshot(out: Path, echo: Callable[[str], None]) -> None:
    from cscplan.reports.screenshot import screenshot

    note = screenshot(out / REPORT_NAME, out / SCREENSHOT_NAME)
    echo(note)


def add_deck(result: BuildResult, browser: bool, echo: Callable[[str], None]) -> None:
    """Add the Assemblea deck to the documents; its pictures are the report's charts taken by
    Chromium (``browser``), else the deck says why they are missing."""
    from cscplan.reports.deck import CARDS, DECK_NAME, build_deck
    from cscplan.reports.screenshot import chart_pictures, unavailable

    pictures, reason = None, "screenshot disattivati (--no-screenshot)"
    if browser:
        html = result.documents[REPORT_NAME].decode("utf-8")
        pictures = chart_pictures(html, _chart_names(), extra={CARDS: ".cards"})
        reason = unavailable() or ""
    if pictures is None:
        echo(f"Presentazione senza immagini dei grafici: {reason}.")
    result.documents[DECK_NAME] = build_deck(result.tables, pictures, missing_reason=reason)


def _chart_names() -> list[str]:
    from cscplan.reports.charts import CHARTS

    return [spec.name for spec in CHARTS]


def take_pdf(out: Path, echo: Callable[[str], None]) -> None:
    from cscplan.reports.screenshot import pdf

    echo(pdf(out / REPORT_NAME, out / PDF_NAME))


def run_build(
    inputs: BuildInputs,
    out: Path = paths.DEFAULT_OUT,
    screenshot: bool = True,
    echo: Callable[[str], None] = print,
    pdf: bool = False,
) -> str:
    """Compute everything, then write it; returns the Italian summary for the console."""
    result = compute_build(inputs)
    add_deck(result, screenshot, echo)
    write_result(result, Path(out), run_metadata(inputs, result.files))
    if screenshot:
        take_screenshot(Path(out), echo)
    if pdf:
        take_pdf(Path(out), echo)
    return build_summary(result, Path(out))


def build_summary(result: BuildResult, out: Path) -> str:
    from cscplan.fmt import eur

    tables = result.tables
    findings = tables["findings"]
    counts = findings["severity"].value_counts()
    base = tables["costs_summary"]
    base_total = base.loc[base["scenario"] == BASELINE, "gross_eur"].sum()
    lines = [
        f"Output scritti in {out}: {len(tables)} tabelle CSV, report HTML, cartella Excel, "
        "presentazione per l'Assemblea.",
        f"Righe di budget: {len(tables['budget_lines'])}; mappe Cremona: {len(tables['service_maps'])}.",
        "Verifiche: "
        + ", ".join(f"{label} {int(counts.get(k, 0))}" for k, label in SEVERITY_PLURALS.items()),
        f"Costo dello scenario base del campione sintetico: {eur(base_total)}.",
    ]
    return "\n".join(lines)


# --- the other commands -------------------------------------------------------------------------


def validate_plan(plan: Path, funding_map: Path = paths.FUNDING_SOURCES) -> pd.DataFrame:
    """Findings of every check on a Piano Programma text (no files written)."""
    from cscplan.budget.funding import for_plan, load_funding_map
    from cscplan.sources.piano_programma import load_plan
    from cscplan.validation.checks import run_checks

    tables = load_plan(plan)
    return run_checks(tables, for_plan(load_funding_map(funding_map), tables.years))


def run_cost(
    caseload: Path,
    scenarios: Sequence[Path],
    year: int | None = None,
    out: Path = paths.DEFAULT_OUT,
    tariffs: Path = paths.TARIFFS,
) -> str:
    """Cost a caseload (baseline + scenarios) and write costs_monthly.csv and costs_summary.csv."""
    from cscplan.fmt import eur
    from cscplan.scenarios import compare
    from cscplan.scenarios.api import cost

    monthly = cost(caseload, scenarios=list(scenarios), year=year, tariffs=tariffs)
    summary = compare.summarise(monthly)
    tables = {"costs_monthly": monthly, "costs_summary": summary}
    tables.update(compare.compare_scenarios(monthly))
    write_result(BuildResult(tables=tables), Path(out), {"command": "cost"})
    totals = summary.groupby("scenario", sort=False)["gross_eur"].sum()
    rows = [f"  {name}: {eur(value)}" for name, value in totals.items()]
    return "Costo annuo lordo per scenario:\n" + "\n".join(rows)


def run_report(
    inputs: BuildInputs,
    out: Path = paths.DEFAULT_OUT,
    screenshot: bool = True,
    pdf: bool = False,
    echo: Callable[[str], None] = print,
) -> str:
    """Rebuild the report, the workbook and the deck (the whole computation; only documents are
    written); ``pdf`` also prints the report to ``report.pdf``."""
    from cscplan.reports.deck import DECK_NAME

    result = compute_build(inputs)
    add_deck(result, screenshot, echo)
    out = Path(out)
    workbook = workbook_name(result.tables)
    # datapackage.json is not written here: it describes CSVs that only `build` writes.
    names = (REPORT_NAME, workbook, DECK_NAME)
    write_files(out, {name: result.documents[name] for name in names})
    if screenshot:
        take_screenshot(out, echo)
    if pdf:
        take_pdf(out, echo)
    return f"Report scritto in {out / REPORT_NAME}, {out / workbook} e {out / DECK_NAME}."
