"""The main job: extract → transform → validate → simulate → present, then write atomically.

Everything is computed in memory first; only when every step has succeeded are the files written,
each to a temporary name in the output folder and renamed into place. A failing run therefore leaves
the previous outputs intact. Outputs are deterministic (sorted rows, fixed seeds, no timestamps); the
run's date goes only into ``run_metadata.json``.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cscplan import __version__, paths
from cscplan.errors import InputError
from cscplan.io import csv_bytes, write_bytes

WORKBOOK_NAME = "piano_programma_2020_2022.xlsx"
OS_REASONS = {
    errno.EEXIST: "un file (non una cartella) con questo nome",
    errno.ENOTDIR: "un file (non una cartella) nel percorso",
    errno.ENOENT: "un percorso che non si può creare",
    errno.EACCES: "permesso negato",
    errno.EROFS: "un file system in sola lettura",
}
SEVERITY_WORDS = {"error": "errori", "warning": "avvisi", "info": "note"}
REPORT_NAME = "report.html"
SCREENSHOT_NAME = "report.png"


def default_scenarios() -> tuple[Path, ...]:
    return tuple(sorted(paths.SCENARIOS_DIR.glob("*.yaml")))


@dataclass(frozen=True)
class BuildInputs:
    """Every input of a build: bundled defaults, overridable from the CLI or a notebook."""

    plan: Path = paths.PIANO_PROGRAMMA
    service_maps: Path = paths.SERVICE_MAPS
    tariffs: Path = paths.TARIFFS_2023
    funding_map: Path = paths.FUNDING_SOURCES
    caseload: Path = paths.SAMPLE_CASELOAD
    scenarios: tuple[Path, ...] = field(default_factory=default_scenarios)
    benchmark_map: Path = paths.BENCHMARK_MAP
    budget_link: Path = paths.BUDGET_LINK
    year: int | None = None  # calendar year to cost; None = what the tariff schedule covers
    seed: int = 2023
    draws: int = 1000
    commitment: float | None = None  # € committed; None = the baseline at full delivery


@dataclass
class BuildResult:
    """All tables (name → frame, written as ``name.csv``) and the rendered documents."""

    tables: dict[str, pd.DataFrame]
    documents: dict[str, bytes] = field(default_factory=dict)


# --- stages (pure: inputs → tables) -------------------------------------------------------------


def plan_stage(inputs: BuildInputs) -> dict[str, pd.DataFrame]:
    """Liberate the Piano Programma, recover masked cells, run the checks, build the views."""
    from cscplan.budget import funding, views
    from cscplan.sources.piano_programma import load_plan
    from cscplan.validation.checks import run_checks
    from cscplan.validation.masked import recover_masked

    plan = load_plan(inputs.plan)
    fmap = funding.load_funding_map(inputs.funding_map)
    tables = dict(plan.tables())
    lines = recover_masked(plan.budget_lines, plan.stated_totals)
    tables["budget_lines"] = lines
    tables["findings_plan"] = run_checks(plan, fmap)
    tables["funding_by_objective"] = views.funding_by_objective(lines, fmap)
    tables["funding_balance_2020"] = funding.funding_balance(lines, plan.revenue_2020, fmap)
    tables["budget_by_action"] = views.by_action(lines)
    tables["budget_by_objective"] = views.objective_summary(lines, plan.stated_totals, fmap)
    tables["multiyear_view"] = views.multiyear_view(plan.multiyear, plan.stated_totals)
    tables["comparison_view"] = views.comparison_view(plan.comparison, lines)
    tables["funding_sources"] = fmap
    return tables


def maps_stage(inputs: BuildInputs) -> dict[str, pd.DataFrame]:
    """Liberate the Cremona service maps, check their Totale rows, compute growth benchmarks."""
    from cscplan.scenarios.benchmarks import growth_table, load_benchmark_map
    from cscplan.sources.service_maps import load_service_maps
    from cscplan.validation.findings import findings_frame
    from cscplan.validation.service_map_checks import check_service_map_totals

    maps = load_service_maps(inputs.service_maps)
    tables = dict(maps.tables())
    tables["findings_maps"] = findings_frame(check_service_map_totals(maps.values))
    tables["cremona_growth"] = growth_table(maps.values, load_benchmark_map(inputs.benchmark_map))
    return tables


def cost_stage(inputs: BuildInputs, growth: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Cost the caseload at the tariffs (baseline + scenarios), compare, Monte Carlo, budget link."""
    from cscplan.scenarios import budget_link, compare, montecarlo
    from cscplan.scenarios.api import cost_validated, costed_period, load_reforms
    from cscplan.scenarios.benchmarks import benchmark_volume_multipliers
    from cscplan.scenarios.caseload import district_comuni, load_caseload
    from cscplan.tariffs.schedule import load_schedule

    # each input is read and validated once, then handed to every stage that needs it
    schedule = load_schedule(inputs.tariffs)
    period = costed_period(schedule, year=inputs.year)
    caseload = load_caseload(inputs.caseload, schedule, comuni=district_comuni())
    reforms = load_reforms(list(inputs.scenarios))
    monthly = cost_validated(
        caseload, schedule, reforms, period, benchmarks=benchmark_volume_multipliers(growth)
    )
    tables = {"costs_monthly": monthly, "costs_summary": compare.summarise(monthly)}
    tables["scenarios"] = scenario_table(reforms)
    tables.update(compare.compare_scenarios(monthly))
    tables.update(
        montecarlo.montecarlo_tables(
            caseload,
            schedule,
            period,
            seed=inputs.seed,
            draws=inputs.draws,
            commitment=inputs.commitment,
        )
    )
    tables["sensitivity"] = montecarlo.parameter_sensitivity(caseload, schedule, period)
    link = budget_link.load_budget_link(inputs.budget_link)
    tables["budget_link"] = budget_link.budget_link_table(link, monthly, schedule, period)
    tables["caseload"] = caseload
    return tables


def scenario_table(reforms) -> pd.DataFrame:
    """Name, Italian label and source file of the baseline and of each scenario."""
    rows = [("baseline", "Baseline (tariffe 2023)", "")]
    rows += [(r.name, r.label or r.name, _relative(Path(r.source))) for r in reforms]
    return pd.DataFrame(rows, columns=["scenario", "label", "source"])


def compute_build(inputs: BuildInputs) -> BuildResult:
    """Every table and document of a build, in memory (nothing is written here)."""
    from cscplan.schemas.outputs import validate_outputs
    from cscplan.validation.findings import concat_findings

    tables = plan_stage(inputs)
    tables.update(maps_stage(inputs))
    tables.update(cost_stage(inputs, tables["cremona_growth"]))
    tables["findings"] = concat_findings([tables.pop("findings_plan"), tables.pop("findings_maps")])
    validate_outputs(tables)
    return BuildResult(tables=tables, documents=render_documents(tables, inputs))


def render_documents(tables: dict[str, pd.DataFrame], inputs: BuildInputs) -> dict[str, bytes]:
    """The HTML report, the Excel workbook and the Data Package descriptor."""
    from cscplan.reports.excel import build_workbook
    from cscplan.reports.html import render_report

    return {
        REPORT_NAME: render_report(tables).encode("utf-8"),
        WORKBOOK_NAME: build_workbook(tables),
        "datapackage.json": datapackage_json(tables, inputs).encode("utf-8"),
    }


def datapackage_json(tables: dict[str, pd.DataFrame], inputs: BuildInputs) -> str:
    from cscplan.datapackage import datapackage
    from cscplan.schemas import registry

    sources = [
        {"title": path.name, "path": _relative(path)}
        for path in (inputs.plan, inputs.service_maps, paths.GUIDELINES_2023)
    ]
    return datapackage(tables, registry.all_schemas(), sources)


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


def run_metadata(inputs: BuildInputs) -> dict:
    return {
        "cscplan_version": __version__,
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": {
            "plan": _relative(inputs.plan),
            "service_maps": _relative(inputs.service_maps),
            "tariffs": _relative(inputs.tariffs),
            "caseload": _relative(inputs.caseload),
            "scenarios": [_relative(p) for p in inputs.scenarios],
        },
        "seed": inputs.seed,
        "draws": inputs.draws,
        "commitment": inputs.commitment,
    }


def take_screenshot(out: Path, echo: Callable[[str], None]) -> None:
    from cscplan.reports.screenshot import screenshot

    note = screenshot(out / REPORT_NAME, out / SCREENSHOT_NAME)
    echo(note)


def run_build(
    inputs: BuildInputs,
    out: Path = paths.DEFAULT_OUT,
    screenshot: bool = True,
    echo: Callable[[str], None] = print,
) -> str:
    """Compute everything, then write it; returns the Italian summary for the console."""
    result = compute_build(inputs)
    write_result(result, Path(out), run_metadata(inputs))
    if screenshot:
        take_screenshot(Path(out), echo)
    return build_summary(result, Path(out))


def build_summary(result: BuildResult, out: Path) -> str:
    from cscplan.fmt import eur

    tables = result.tables
    findings = tables["findings"]
    counts = findings["severity"].value_counts()
    base = tables["costs_summary"]
    base_total = base.loc[base["scenario"] == "baseline", "gross_eur"].sum()
    lines = [
        f"Output scritti in {out}: {len(tables)} tabelle CSV, report HTML, cartella Excel.",
        f"Righe di budget: {len(tables['budget_lines'])}; mappe Cremona: {len(tables['service_maps'])}.",
        "Verifiche: "
        + ", ".join(f"{label} {int(counts.get(k, 0))}" for k, label in SEVERITY_WORDS.items()),
        f"Costo baseline del campione sintetico: {eur(base_total)}.",
    ]
    return "\n".join(lines)


# --- the other commands -------------------------------------------------------------------------


def validate_plan(plan: Path, funding_map: Path = paths.FUNDING_SOURCES) -> pd.DataFrame:
    """Findings of every check on a Piano Programma text (no files written)."""
    from cscplan.budget.funding import load_funding_map
    from cscplan.sources.piano_programma import load_plan
    from cscplan.validation.checks import run_checks

    return run_checks(load_plan(plan), load_funding_map(funding_map))


def run_cost(
    caseload: Path,
    scenarios: Sequence[Path],
    year: int | None = None,
    out: Path = paths.DEFAULT_OUT,
    tariffs: Path = paths.TARIFFS_2023,
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


def run_report(inputs: BuildInputs, out: Path = paths.DEFAULT_OUT, screenshot: bool = True) -> str:
    """Rebuild the report and the workbook (the whole computation; only documents are written)."""
    result = compute_build(inputs)
    out = Path(out)
    # datapackage.json is not written here: it describes CSVs that only `build` writes.
    write_files(out, {name: result.documents[name] for name in (REPORT_NAME, WORKBOOK_NAME)})
    if screenshot:
        take_screenshot(out, print)
    return f"Report scritto in {out / REPORT_NAME} e {out / WORKBOOK_NAME}."
