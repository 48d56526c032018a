"""The main job: extract → transform → validate → simulate → present, then write atomically.

Everything is computed in memory first; only when every step has succeeded are the files written,
into a staging folder beside the output folder that is then swapped in as a whole
(:mod:`cscplan.outfolder`). A failing or killed run therefore leaves the previous outputs intact. Outputs are deterministic (sorted rows, fixed seeds, no timestamps); the
run's date goes only into ``run_metadata.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cscplan import __version__, paths
from cscplan.errors import InputError
from cscplan.io import csv_bytes, write_bytes
from cscplan.outfolder import OutputFolder, os_error
from cscplan.periods import Period
from cscplan.vocabulary import (
    BASELINE,
    BASELINE_LABEL,
    DEFAULT_SEED,
    PAYER_COLUMNS,
    SEVERITY_PLURALS,
)

METADATA_NAME = "run_metadata.json"
MAX_SEED = 2**32 - 1
MAX_DRAWS = 100_000
REPORT_NAME = "report.html"
SCREENSHOT_NAME = "report.png"
PDF_NAME = "report.pdf"


def default_scenarios() -> tuple[Path, ...]:
    return tuple(sorted(paths.SCENARIOS_DIR.glob("*.yaml")))


def default_synthetic() -> tuple[Path, ...]:
    """The bundled synthetic caseloads (sample and data/esempi): outputs built from them say so."""
    from cscplan.intake.provenance import bundled_synthetic_files

    return tuple(bundled_synthetic_files())


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
    payers: Path = paths.PAYERS
    localisation_weights: Path = paths.LOCALISATION_WEIGHTS
    seed: int = DEFAULT_SEED
    draws: int = 1000
    commitment: float | None = None  # € committed; None = the linked budget lines' amounts
    optional_scenarios: bool = False  # bundled scenarios: skip (with a note) those not applicable
    synthetic: tuple[Path, ...] = field(default_factory=default_synthetic, compare=False)

    def __post_init__(self) -> None:
        """The Monte Carlo parameters' contract: a seed numpy accepts, bounded draws, a real sum."""
        check_seed_draws(self.seed, self.draws)
        commitment = self.commitment
        if commitment is not None and not (math.isfinite(commitment) and commitment >= 0):
            raise InputError(
                None, "un importo in euro finito e non negativo", str(commitment), key="--impegno"
            )

    def files(self) -> list[tuple[str, Path]]:
        """(role, path) of every file the build reads, in a stable order."""
        named = [
            ("piano", self.plan),
            ("mappe_servizi", self.service_maps),
            ("tariffario", self.tariffs),
            ("mappa_fonti", self.funding_map),
            *(("casistica", path) for path in caseload_files(self.caseload)),
            ("mappa_benchmark", self.benchmark_map),
            ("collegamento_budget", self.budget_link),
            ("comuni", self.comuni),
            ("pagatori", self.payers),
            ("pesi_localizzazione", self.localisation_weights),
        ]
        return named + [("scenario", path) for path in self.scenarios]


def caseload_files(caseload: Path) -> list[Path]:
    """The caseload file, or the table files of a caseload folder (submissions)."""
    from cscplan.intake.submissions import table_files

    return table_files(Path(caseload)) if Path(caseload).is_dir() else [Path(caseload)]


def check_seed_draws(seed: int, draws: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise InputError(None, f"un seme intero tra 0 e {MAX_SEED}", str(seed), key="--seed")
    if not 1 <= draws <= MAX_DRAWS:
        raise InputError(
            None,
            f"un numero di estrazioni tra 1 e {MAX_DRAWS:_}".replace("_", "."),
            str(draws),
            key="--draws",
        )


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
    localisation_weights: dict
    files: list[dict]
    origin: Any = None  # cscplan.intake.provenance.CaseloadOrigin: how outputs name the caseload
    payers: pd.DataFrame | None = None


@dataclass
class BuildResult:
    """All tables (name → frame, written as ``name.csv``), the rendered documents, the inputs
    read and the Italian notes for the console (e.g. a bundled scenario skipped)."""

    tables: dict[str, pd.DataFrame]
    documents: dict[str, bytes] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Italian console notes (scenario skipped…)


# --- the edge: reading every input once --------------------------------------------------------


def load_inputs(inputs: BuildInputs) -> LoadedInputs:
    """Read and validate every input file (bad input raises InputError before any computing)."""
    from cscplan.budget.funding import for_plan, load_funding_map
    from cscplan.intake.provenance import caseload_origin
    from cscplan.scenarios.api import load_reforms
    from cscplan.scenarios.benchmarks import load_benchmark_map
    from cscplan.scenarios.budget_link import load_budget_link
    from cscplan.scenarios.caseload import district_comuni, load_caseload
    from cscplan.scenarios.payers import load_payers
    from cscplan.sources.piano_programma import load_plan
    from cscplan.sources.service_maps import load_service_maps
    from cscplan.tariffs.schedule import load_schedule
    from cscplan.validation.localisation import load_weights

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
        localisation_weights=load_weights(inputs.localisation_weights),
        files=input_files(inputs),
        origin=caseload_origin(inputs.caseload, caseload_files(inputs.caseload), inputs.synthetic),
        payers=load_payers(inputs.payers),
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


def plan_stage(plan, funding_map: pd.DataFrame, weights: dict) -> dict[str, pd.DataFrame]:
    """The Piano Programma's tables, masked cells recovered once, the checks and the views."""
    from cscplan.budget import funding, views
    from cscplan.validation.masked import masked_recoveries, recover_masked

    years = plan.years
    recoveries = masked_recoveries(plan.budget_lines, plan.stated_totals, years.po_current)
    lines = recover_masked(plan.budget_lines, recoveries=recoveries)
    tables = dict(plan.tables())
    tables["budget_lines"] = lines
    tables["error_localisation"], tables["findings_plan"] = plan_findings(
        plan, funding_map, weights, lines, recoveries
    )
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


def plan_findings(
    plan, funding_map: pd.DataFrame, weights: dict, lines=None, recoveries=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The error localisation table, and the findings of the catalogue of checks together with
    the localisation's summary and the remarks on the indicator tables."""
    from cscplan.validation.checks import run_checks
    from cscplan.validation.findings import concat_findings, findings_frame
    from cscplan.validation.kpi_checks import kpi_findings
    from cscplan.validation.localisation import localise_plan

    localisation, summary = localise_plan(plan, funding_map, weights)
    extra = findings_frame([*summary, *kpi_findings(plan.kpis, plan.multiyear)])
    checks = run_checks(plan, funding_map, lines=lines, recoveries=recoveries)
    return localisation, concat_findings([checks, extra])


def maps_stage(maps, benchmark_map: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The Cremona service maps, their checks and quirks, and the growth benchmarks."""
    from cscplan.scenarios.benchmarks import growth_table
    from cscplan.validation.findings import findings_frame
    from cscplan.validation.service_map_checks import service_map_findings

    tables = dict(maps.tables())
    tables["findings_maps"] = findings_frame(service_map_findings(maps.values))
    tables["cremona_growth"] = growth_table(maps.values, benchmark_map)
    return tables


def cost_stage(
    loaded: LoadedInputs, inputs: BuildInputs, tables: dict, notes: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Cost the caseload (baseline + scenarios), compare, Monte Carlo, sensitivity, budget link.

    With ``inputs.optional_scenarios`` a scenario that cannot apply to this caseload (e.g. it
    scales CDD to Cremona's size and the caseload has no CDD plan) is skipped, with a note
    appended to ``notes``; a scenario the user named is always applied or refused.
    """
    from cscplan.scenarios import budget_link, compare, montecarlo, payers
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
    reforms = loaded.reforms
    if inputs.optional_scenarios:
        reforms = applicable_reforms(reforms, caseload, context, notes)
    period = schedule.period  # the costed period: what the tariff schedule covers
    monthly = cost(caseload, scenarios=reforms, period=period, context=context, validated=True)
    out = {"costs_monthly": monthly, "costs_summary": compare.summarise(monthly)}
    out["scenarios"] = scenario_table(reforms, schedule)
    out.update(compare.compare_scenarios(monthly))
    linked = budget_link.linked_amount(loaded.budget_link, tables["budget_lines"])
    commitment, source = montecarlo.choose_commitment(inputs.commitment, linked)
    out.update(
        montecarlo.montecarlo_tables(
            caseload,
            schedule,
            period,
            seed=inputs.seed,
            draws=inputs.draws,
            commitment=commitment,
            commitment_source=source,
        )
    )
    out["sensitivity"] = montecarlo.parameter_sensitivity(caseload, schedule, period)
    out["budget_link"] = budget_link.budget_link_table(
        loaded.budget_link, monthly, schedule, tables["budget_lines"]
    )
    if loaded.payers is not None:
        out["payers"] = payers.payers_table(loaded.payers, loaded.funding_map, loaded.plan.years)
        out["payer_funding"] = payers.payer_funding_table(
            out["payers"], monthly, loaded.budget_link, tables["budget_lines"]
        )
    out["caseload"] = caseload
    if loaded.origin is not None:
        from cscplan.intake.provenance import caseload_info

        out["caseload_info"] = caseload_info(loaded.origin, caseload, inputs.caseload)
    return out


def applicable_reforms(reforms, caseload, context, notes: list[str] | None) -> list:
    """The reforms whose Cremona benchmark can apply to this caseload; a note for each other."""
    from cscplan.scenarios.api import reform_benchmarks

    kept = []
    for reform in reforms:
        try:
            reform_benchmarks(reform, caseload, context)
        except InputError as err:
            codes = context.schedule.items.set_index("code")["service"]
            services = set(caseload["item"].map(codes))
            missing = sorted(set(reform.benchmark_services or ()) - services) or [err.found]
            if notes is not None:
                notes.append(
                    f"scenario incluso «{reform.label or reform.name}» saltato: la casistica non "
                    f"ha piani di {', '.join(missing)} da confrontare con Cremona"
                )
            continue
        kept.append(reform)
    return kept


def scenario_table(reforms, schedule) -> pd.DataFrame:
    """Name, Italian label and source file of the baseline and of each scenario."""
    label = f"{BASELINE_LABEL} (tariffe {tariffs_label(schedule.period)})"
    rows = [(BASELINE, label, "")]
    rows += [(r.name, r.label or r.name, _relative(Path(r.source))) for r in reforms]
    return pd.DataFrame(rows, columns=["scenario", "label", "source"])


def tariffs_label(period) -> str:
    """``2023`` for a calendar year, else the period's Italian label."""
    return str(period.start.year) if period.is_calendar_year else period.label


def compute_build(inputs: BuildInputs) -> BuildResult:
    """Every table and document of a build, in memory (nothing is written here)."""
    from cscplan.validation.findings import concat_findings

    loaded = load_inputs(inputs)
    read_as = loaded.caseload.attrs.get("notes", [])  # how the reader read it (tabular)
    notes = [f"casistica {Path(inputs.caseload).name}: {n}" for n in read_as if "Windows" in n]
    tables = plan_stage(loaded.plan, loaded.funding_map, loaded.localisation_weights)
    tables.update(maps_stage(loaded.maps, loaded.benchmark_map))
    tables.update(cost_stage(loaded, inputs, tables, notes))
    tables["findings"] = concat_findings([tables.pop("findings_plan"), tables.pop("findings_maps")])
    validate_tables(tables)
    documents = render_documents(tables, loaded.files)
    return BuildResult(tables=tables, documents=documents, files=loaded.files, notes=notes)


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
    """Every output file's bytes, in memory; ``run_metadata.json`` lists them (strict JSON)."""
    files = {f"{name}.csv": csv_bytes(frame) for name, frame in result.tables.items()}
    files.update(result.documents)
    metadata = {**metadata, "files": sorted([*files, METADATA_NAME])}
    files[METADATA_NAME] = metadata_json(metadata)
    return dict(sorted(files.items()))


def metadata_json(metadata: dict) -> bytes:
    """Strict JSON: a non-finite number becomes null, never a bare ``NaN`` (allow_nan=False)."""
    text = json.dumps(
        _finite(metadata), ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False
    )
    return (text + "\n").encode("utf-8")


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def write_result(result: BuildResult, out: Path, metadata: dict) -> None:
    """Publish the whole folder at once (staged beside ``out``, then swapped in)."""
    with OutputFolder(out) as folder:
        folder.stage(serialise(result, metadata))
        folder.commit()


def write_files(out: Path, files: dict[str, bytes]) -> list[Path]:
    """A few documents, each atomically, into ``out`` (a folder that may hold other files; locked
    so that no build swaps it meanwhile). A build's whole set goes through :func:`write_result`;
    an unusable folder is bad input (one message, exit 2)."""
    out = Path(out)
    with OutputFolder(out):
        try:
            out.mkdir(parents=True, exist_ok=True)
            return [write_bytes(out / name, data) for name, data in files.items()]
        except OSError as exc:
            raise os_error(out, exc) from None


def run_metadata(inputs: BuildInputs, files: list[dict], notes: Sequence[str] = ()) -> dict:
    return {
        "cscplan_version": __version__,
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": files,
        "seed": inputs.seed,
        "draws": inputs.draws,
        "commitment": inputs.commitment,
        "notes": list(notes),
    }


def take_screenshot(folder: Path, echo: Callable[[str], None], shown: Path | None = None) -> None:
    """The report's picture (a failure — a broken browser… — is a warning, not an error)."""
    from cscplan.reports.screenshot import screenshot

    _optional_document(screenshot, folder / SCREENSHOT_NAME, "screenshot", folder, echo, shown)


def take_pdf(folder: Path, echo: Callable[[str], None], shown: Path | None = None) -> None:
    """The report printed to A4 PDF (a failure is a warning, as for the screenshot)."""
    from cscplan.reports.screenshot import pdf

    _optional_document(pdf, folder / PDF_NAME, "PDF", folder, echo, shown)


def _optional_document(make, target: Path, what: str, folder: Path, echo, shown) -> None:
    """Run ``make(report, target)``; the outputs are complete without it, so any failure is one
    warning line; paths are shown as the folder the user named (not the staging one)."""
    try:
        note = make(folder / REPORT_NAME, target)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        note = f"Avviso: {what} del report non generato ({first}); il report HTML è completo."
    echo(note.replace(str(folder), str(shown or folder)))


def add_deck(result: BuildResult, browser: bool, echo: Callable[[str], None]) -> None:
    """Add the Assemblea deck to the documents; its pictures are the report's charts taken by
    Chromium (``browser``), else the deck says why they are missing."""
    from cscplan.reports.deck import CARDS, DECK_NAME, build_deck
    from cscplan.reports.screenshot import chart_pictures, unavailable

    pictures, reason = None, "screenshot disattivati (--no-screenshot)"
    if browser:
        html = result.documents[REPORT_NAME].decode("utf-8")
        try:
            pictures = chart_pictures(html, _chart_names(), extra={CARDS: ".cards"})
            reason = unavailable() or ""
        except Exception as exc:  # a broken browser: the deck is still written, without pictures
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    if pictures is None:
        echo(f"Presentazione senza immagini dei grafici: {reason}.")
    result.documents[DECK_NAME] = build_deck(result.tables, pictures, missing_reason=reason)


def _chart_names() -> list[str]:
    from cscplan.reports.charts import CHARTS

    return [spec.name for spec in CHARTS]


def run_build(
    inputs: BuildInputs,
    out: Path = paths.DEFAULT_OUT,
    screenshot: bool = True,
    echo: Callable[[str], None] = print,
    pdf: bool = False,
) -> str:
    """Compute everything, stage it beside ``out``, take the screenshot and the PDF, swap the
    folder in. ``out`` is locked for the whole run; see :mod:`cscplan.outfolder`.
    """
    with OutputFolder(out) as folder:
        result = compute_build(inputs)
        add_deck(result, screenshot, echo)
        metadata = run_metadata(inputs, result.files, result.notes)
        staging = folder.stage(serialise(result, metadata))
        if screenshot:
            take_screenshot(staging, echo, shown=Path(out))
        if pdf:
            take_pdf(staging, echo, shown=Path(out))
        folder.commit()
    return build_summary(result, Path(out))


def build_summary(result: BuildResult, out: Path) -> str:
    from cscplan.fmt import eur

    tables = result.tables
    findings = tables["findings"]
    counts = findings["severity"].value_counts()
    base = tables["costs_summary"]
    base_total = base.loc[base["scenario"] == BASELINE, "gross_eur"].sum()
    info = tables.get("caseload_info")
    caseload = info["caseload_label"].iloc[0] if info is not None else "casistica"
    lines = [
        f"Output scritti in {out}: {len(tables)} tabelle CSV, report HTML, cartella Excel, "
        "presentazione per l'Assemblea.",
        f"Righe di budget: {len(tables['budget_lines'])}; mappe Cremona: {len(tables['service_maps'])}.",
        "Verifiche: "
        + ", ".join(f"{label} {int(counts.get(k, 0))}" for k, label in SEVERITY_PLURALS.items()),
        f"Costo dello scenario base, {caseload}: {eur(base_total)}.",
    ]
    return "\n".join(lines + [f"Nota: {note}" for note in result.notes])


# --- the other commands -------------------------------------------------------------------------


def validate_plan(
    plan: Path,
    funding_map: Path = paths.FUNDING_SOURCES,
    weights: Path = paths.LOCALISATION_WEIGHTS,
) -> pd.DataFrame:
    """Findings of every check on a Piano Programma text (no files written)."""
    from cscplan.budget.funding import for_plan, load_funding_map
    from cscplan.sources.piano_programma import load_plan
    from cscplan.validation.localisation import load_weights

    tables = load_plan(plan)
    fmap = for_plan(load_funding_map(funding_map), tables.years)
    return plan_findings(tables, fmap, load_weights(weights))[1]


def run_cost(
    caseload: Path,
    scenarios: Sequence[Path],
    year: int | None = None,
    out: Path = paths.DEFAULT_OUT,
    tariffs: Path = paths.TARIFFS,
    *,
    period=None,
    period_key: str = "--year",
) -> str:
    """Cost a caseload (baseline + scenarios) over ``period`` (or the calendar ``year``; default
    the days the tariffs date) and write costs_monthly.csv, costs_summary.csv and the deltas."""
    from cscplan.intake.provenance import caseload_origin
    from cscplan.scenarios import compare
    from cscplan.scenarios.api import baseline_schedule, bundled_context, cost, load_reforms

    reforms = load_reforms(list(scenarios))
    maps = any(reform.volumes_from for reform in reforms)
    context = bundled_context(tariffs=tariffs, with_maps=maps)
    schedule, note = baseline_schedule(context.schedule, reforms, period, year, period_key)
    monthly = cost(
        caseload,
        scenarios=reforms,
        year=year,
        period=period,
        context=context,
        period_key=period_key,
    )
    summary = compare.summarise(monthly)
    tables = {"costs_monthly": monthly, "costs_summary": summary}
    tables.update(compare.compare_scenarios(monthly))
    write_result(BuildResult(tables=tables), Path(out), {"command": "cost"})
    costed = period or (Period.calendar_year(year) if year else schedule.period)
    label = caseload_origin(caseload, caseload_files(caseload)).label
    labels = {reform.name: reform.label for reform in reforms}
    return cost_console(summary, f"{costed.label}, {label}", note, labels)


def cost_console(
    summary: pd.DataFrame,
    heading: str,
    note: str | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The Italian console summary of ``cscplan cost``: the gross cost per scenario and, for the
    baseline, each payer's amount (labels from the registry); says so when no plan is active."""
    from cscplan.fmt import eur
    from cscplan.payers import payer_label
    from cscplan.reports.presentation import scenario_label

    totals = summary.groupby("scenario", sort=False)["gross_eur"].sum()
    lines = [f"Costo lordo per scenario ({heading}):"]
    names = {name: (labels or {}).get(name) or scenario_label(name) for name in totals.index}
    lines += [f"  {names[name]}: {eur(value)}" for name, value in totals.items()]
    if summary.empty or not totals.any():
        lines.append(
            "  nessun piano attivo nel periodo: controllare le date dei piani e il periodo."
        )
    payers = summary[summary["scenario"] == BASELINE][list(PAYER_COLUMNS.values())].sum()
    paid = [
        f"{payer_label(c).removesuffix(' (€)')} {eur(payers[c])}" for c in payers.index if payers[c]
    ]
    if paid:
        lines.append(f"{BASELINE_LABEL} per pagatore: " + ", ".join(paid))
    if note:
        lines.append(f"Nota: {note}.")
    return "\n".join(line for line in lines if line)


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
