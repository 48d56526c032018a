"""``cscplan mese`` and ``cscplan trimestre``: the monthly cycle and the quarterly pack.

``compute_cycle`` reads every input once (activity export, invoices, commitments, caseload, all
through their column profiles) and computes, for the months asked: the billable visits and
amounts, the invoice check, the commitments' status with the forecast of the open plans, the
alerts and the findings. ``run_mese`` writes the tables; ``run_trimestre`` adds one workbook per
comune and the district overview. The output folder is written as a whole or not at all
(:mod:`cscplan.outfolder`); bad input is one Italian message, exit 2, nothing written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from cscplan import __version__, paths
from cscplan.errors import InputError
from cscplan.fmt import eur, number
from cscplan.intake.provenance import caseload_origin, digest, shown_path
from cscplan.monitoring.billing import billable_monthly, billable_visits
from cscplan.monitoring.commitments import CommitmentWatch, coverage, read_commitments, watch
from cscplan.monitoring.intake import InputFile, month_label, read_input
from cscplan.monitoring.invoices import InvoiceCheck, check_invoices, provider_schedule
from cscplan.periods import Period
from cscplan.validation.findings import Finding, findings_frame
from cscplan.vocabulary import SEVERITIES, SEVERITY_LABELS, SYNTHETIC_WORD

PROFILES = {
    "activity": paths.PROFILES / "attivita_gecas.yaml",
    "invoices": paths.PROFILES / "fatture.yaml",
    "commitments": paths.PROFILES / "impegni.yaml",
}
QUARTER = re.compile(r"(\d{4})\s*[-/ ]?\s*[QqTt]([1-4])")


@dataclass(frozen=True)
class CycleInputs:
    """The files of one run (``None``: not given)."""

    activity: Path
    invoices: Path | None = None
    commitments: Path | None = None
    caseload: Path | None = None
    tariffs: Path = paths.TARIFFS
    comuni: Path = paths.COMUNI

    def files(self) -> list[tuple[str, Path]]:
        named = [
            ("attivita", self.activity),
            ("fatture", self.invoices),
            ("impegni", self.commitments),
            ("casistica", self.caseload),
            ("tariffario", self.tariffs),
        ]
        return [(role, Path(p)) for role, p in named if p is not None]


@dataclass
class Cycle:
    """Everything computed for the months asked."""

    months: list[str]
    visits: pd.DataFrame
    monthly: pd.DataFrame  # billable_monthly of the months asked
    history: pd.DataFrame  # billable_monthly of every exported month up to the last asked
    check: InvoiceCheck | None
    watched: CommitmentWatch | None
    schedule: object
    labels: dict[str, str] = field(default_factory=dict)  # what each input is (synthetic …)
    notes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> pd.DataFrame:
        found: list[Finding] = []
        if self.check is not None:
            found += self.check.findings
        if self.watched is not None:
            found += self.watched.findings
        return findings_frame(found)

    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {"billable_visits": self.visits, "billable_monthly": self.monthly}
        if self.check is not None:
            tables["invoice_check"] = self.check.table
        if self.watched is not None:
            tables["commitment_status"] = self.watched.status
            tables["commitment_alerts"] = self.watched.alerts
        tables["findings"] = self.findings
        return tables


def month_option(mese: str | None) -> str | None:
    if mese is None:
        return None
    label = month_label(mese)
    if label is None:
        raise InputError(None, "un mese come 2023-03", repr(mese), key="--mese")
    return label


def quarter_months(text: str) -> list[str]:
    """``2023Q1`` (or ``2023-T1``) → its three months ``AAAA-MM``."""
    match = QUARTER.fullmatch(str(text).strip())
    if match is None or not 1900 <= int(match[1]) <= 2200:
        raise InputError(None, "un trimestre come 2023Q1", repr(text), key="--trimestre")
    year, quarter = int(match[1]), int(match[2])
    return [f"{year:04d}-{m:02d}" for m in range(3 * quarter - 2, 3 * quarter + 1)]


def compute_cycle(
    inputs: CycleInputs, months: list[str] | None = None, key: str = "--mese"
) -> Cycle:
    """Read the inputs and compute the cycle for ``months`` (None: every exported month)."""
    from cscplan.scenarios.caseload import district_comuni, load_caseload
    from cscplan.tariffs.schedule import load_schedule

    schedule = load_schedule(inputs.tariffs)
    comuni = district_comuni(inputs.comuni)
    activity = read_input(inputs.activity, PROFILES["activity"], comuni, schedule.items)
    exported = sorted(activity.frame["date"].dt.strftime("%Y-%m").unique())
    months = exported if months is None else months
    missing = [m for m in months if m not in exported]
    if missing:
        raise InputError(
            inputs.activity,
            f"prestazioni del mese chiesto ({', '.join(months)})",
            "mesi presenti: " + ", ".join(exported),
            key=key,
        )
    through = max(months)
    history_rows = activity.frame["date"].dt.strftime("%Y-%m") <= through
    visits_all = billable_visits(_subset(activity, history_rows), schedule)
    caseload = load_caseload(inputs.caseload, schedule, comuni=comuni) if inputs.caseload else None
    history = billable_monthly(visits_all, schedule, caseload)
    visits = visits_all[visits_all["month"].isin(months)].reset_index(drop=True)
    monthly = history[history["month"].isin(months)].reset_index(drop=True)
    services = schedule.items.set_index("code")["service"]
    watched = commitments = covered = None
    invoices = _invoices(inputs, months)
    if inputs.commitments is not None:
        file = read_input(inputs.commitments, PROFILES["commitments"], comuni)
        commitments = read_commitments(file, sorted(services.unique()))
        covered = coverage(commitments, history, services)
    check = invoiced = None
    if invoices is not None:
        provider = billable_monthly(visits, provider_schedule(schedule), caseload)
        check = check_invoices(invoices, provider, visits, schedule, covered)
        invoiced = check.table[check.table["scope"] == "beneficiario"]
    if commitments is not None:
        forecast = _forecast(caseload, schedule, commitments, through)
        watched = watch(commitments, history, forecast, services, through, invoiced)
    cycle = Cycle(months, visits, monthly, history, check, watched, schedule)
    cycle.labels = _labels(inputs, caseload)
    return cycle


def _subset(file: InputFile, mask: pd.Series) -> InputFile:
    keep = mask.to_numpy()
    lines = [line for line, k in zip(file.lines, keep, strict=True) if k]
    return InputFile(file.name, file.source, file.frame[keep].reset_index(drop=True), lines)


def _invoices(inputs: CycleInputs, months: list[str]) -> InputFile | None:
    if inputs.invoices is None:
        return None
    file = read_input(inputs.invoices, PROFILES["invoices"])
    return _subset(file, file.frame["month"].isin(months))


def _forecast(caseload, schedule, commitments, through: str) -> pd.DataFrame:
    """``costs_monthly`` of the open plans from the month after ``through`` to the last
    commitment's end, within the tariffs' coverage (empty without a caseload)."""
    from cscplan.scenarios.api import CostContext, cost

    if caseload is None or commitments.frame.empty:
        return pd.DataFrame(columns=["comune", "beneficiary_id", "item", "month", "comune_eur"])
    start = (pd.Period(through, "M") + 1).start_time.date()
    end = min(commitments.frame["end"].max().date(), schedule.coverage.end)
    if end < start:
        return pd.DataFrame(columns=["comune", "beneficiary_id", "item", "month", "comune_eur"])
    open_plans = caseload[caseload["end"] >= pd.Timestamp(start)]
    return cost(
        open_plans,
        period=Period.between(start, end),
        context=CostContext(schedule=schedule),
        validated=True,
    )


def _labels(inputs: CycleInputs, caseload) -> dict[str, str]:
    """How outputs name each input: the worked example's files are *sintetica*."""
    out = {}
    for role, path in inputs.files():
        if role == "tariffario":
            continue
        synthetic = caseload_origin(path, [path]).synthetic or _example(path)
        out[role] = f"{path.name} ({SYNTHETIC_WORD})" if synthetic else path.name
    return out


def _example(path: Path) -> bool:
    from cscplan.monitoring.example import is_example_file

    return is_example_file(path)


# --------------------------------------------------------------------------- writing


def run_metadata(command: str, inputs: CycleInputs, cycle: Cycle, notes: list[str]) -> dict:
    return {
        "command": command,
        "cscplan_version": __version__,
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "months": cycle.months,
        "inputs": [_file_record(role, path) for role, path in inputs.files()],
        "labels": cycle.labels,
        "notes": notes,
    }


def _file_record(role: str, path: Path) -> dict:
    return {
        "role": role,
        "path": shown_path(path),
        "bytes": path.stat().st_size,
        "sha256": digest(path),
    }


def run_mese(
    inputs: CycleInputs, mese: str | None, out: Path, fail_on: str = "error"
) -> tuple[str, int]:
    """Compute and write the month(s); return the console text and the exit code."""
    from cscplan.pipeline import BuildResult, write_result

    cycle = compute_cycle(inputs, None if mese is None else [month_option(mese)])
    write_result(
        BuildResult(tables=cycle.tables()), Path(out), run_metadata("mese", inputs, cycle, [])
    )
    return summary(cycle, Path(out)), exit_code(cycle.findings, fail_on)


def run_trimestre(
    inputs: CycleInputs, trimestre: str, out: Path, fail_on: str = "error"
) -> tuple[str, int]:
    """The quarter: the month's tables for its three months, a workbook per comune, the
    district overview; console text and exit code."""
    from cscplan.monitoring.quarterly import quarter_documents
    from cscplan.pipeline import BuildResult, write_result

    months = quarter_months(trimestre)
    cycle = compute_cycle(inputs, months, key="--trimestre")
    documents = quarter_documents(cycle, trimestre.strip().upper())
    metadata = run_metadata("trimestre", inputs, cycle, [])
    write_result(BuildResult(tables=cycle.tables(), documents=documents), Path(out), metadata)
    text = summary(cycle, Path(out))
    text += f"\nPacchetto trimestrale: {len(documents) - 1} cartelle Excel per Comune e panoramica distrettuale."
    return text, exit_code(cycle.findings, fail_on)


def exit_code(findings: pd.DataFrame, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    worst = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    return int(findings["severity"].isin(worst).any())


def summary(cycle: Cycle, out: Path) -> str:
    """The console lines (Italian)."""
    monthly = cycle.monthly
    labels = ", ".join(f"{role}: {text}" for role, text in cycle.labels.items())
    lines = [
        f"Mesi: {', '.join(cycle.months)} — {labels}.",
        f"Prestazioni: {number(len(cycle.visits))} (back-office non fatturato: "
        f"{number((cycle.visits['rule'] == 'back_office').sum())}); fatturabile lordo "
        f"{eur(monthly['gross_eur'].sum())}, quota dei Comuni {eur(monthly['comune_eur'].sum())}.",
    ]
    if cycle.check is not None:
        table = cycle.check.table
        wrong = table[table["reason"] != ""]
        lines.append(
            f"Fatture: {number(len(table))} confronti, {number(len(wrong))} con differenze o "
            "senza impegno."
        )
    if cycle.watched is not None:
        watched = cycle.watched
        lines.append(
            f"Impegni: {number(len(watched.status))}; avvisi: {number(len(watched.alerts))}."
        )
    found = cycle.findings
    for row in found.itertuples():
        lines.append(f"- [{SEVERITY_LABELS[row.severity]}] {row.message}")
    lines.append(f"Scritti in {out}.")
    return "\n".join(lines)
