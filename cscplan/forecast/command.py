"""``cscplan previsione CASELOAD --anno 2024`` (or ``--anno-scolastico 2024/25``).

Reads a caseload file or a folder of submissions through a column profile, costs the continuing
plans over the period at its tariffs and writes, into ``--out`` as a whole (staged, then swapped
in: :mod:`cscplan.outfolder`), one workbook per comune, the district summary as xlsx and CSV, the
forecast's rows as CSV and ``run_metadata.json``. Bad input: one Italian message, exit 2, nothing
written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from cscplan import __version__, paths
from cscplan.errors import InputError
from cscplan.fmt import eur
from cscplan.forecast.compute import Forecast, forecast
from cscplan.forecast.workbook import comune_workbook, district_workbook
from cscplan.intake.profile import load_profile
from cscplan.intake.provenance import caseload_origin, digest, shown_path
from cscplan.intake.submissions import read_submissions
from cscplan.payers import payer_columns, payer_label
from cscplan.periods import Period
from cscplan.reports.narrative import counted
from cscplan.scenarios.api import CostContext, costed_period

YEARS = (2000, 2100)
SCHOOL_YEAR = re.compile(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})")


def forecast_period(anno: int | None, anno_scolastico: str | None) -> tuple[Period, str]:
    """The period asked for on the command line, and the option that named it."""
    if (anno is None) == (anno_scolastico is None):
        raise InputError(
            None,
            "uno tra --anno (es. 2024) e --anno-scolastico (es. 2024/25)",
            "entrambi" if anno is not None else "nessuno dei due",
            key="--anno",
        )
    if anno is not None:
        _check_year(anno, "--anno", str(anno))
        return Period.calendar_year(anno), "--anno"
    match = SCHOOL_YEAR.fullmatch(anno_scolastico.strip())
    first = int(match[1]) if match else None
    second = int(match[2]) if match else None
    if match is None or second not in (first + 1, (first + 1) % 100):
        raise InputError(
            None,
            "un anno scolastico come 2024/25 (settembre–giugno)",
            repr(anno_scolastico),
            key="--anno-scolastico",
        )
    _check_year(first, "--anno-scolastico", anno_scolastico)
    return Period.school_year(first), "--anno-scolastico"


def _check_year(year: int, key: str, found: str) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise InputError(None, f"un anno tra {YEARS[0]} e {YEARS[1]}", found, key=key)


def period_slug(period: Period) -> str:
    """``2024`` or ``2024-25`` (file names)."""
    if period.is_school_year:
        return f"{period.start.year}-{(period.start.year + 1) % 100:02d}"
    if period.is_calendar_year:
        return str(period.start.year)
    return f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def slug(text: str) -> str:
    """``Rivolta d'Adda`` → ``rivolta_d_adda`` (ASCII file names)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def build_forecast(
    caseload: str | Path,
    period: Period,
    key: str = "--anno",
    tariffs: str | Path = paths.TARIFFS,
    profile: str | Path = paths.DEFAULT_PROFILE,
    comuni: str | Path = paths.COMUNI,
    synthetic_files=None,
) -> Forecast:
    """Read everything and compute the forecast (nothing is written)."""
    from cscplan.scenarios.caseload import district_comuni
    from cscplan.tariffs.schedule import load_schedule

    schedule = load_schedule(tariffs)
    costed_period(schedule, period, key=key)  # a period without tariffs stops here
    context = CostContext(schedule=schedule, comuni=district_comuni(comuni))
    submission = read_submissions(caseload, load_profile(profile), schedule.items)
    origin = caseload_origin(caseload, submission.files, synthetic_files)
    result = forecast(submission, period, context, origin, key=key)
    return replace(result, tariffs=shown_path(tariffs))


def forecast_outputs(result: Forecast) -> tuple[dict, dict[str, bytes]]:
    """The tables (written as CSV) and the workbooks of a forecast, by file name."""
    stem = f"previsione_{period_slug(result.period)}"
    tables = {f"{stem}_distretto": result.district, f"{stem}_righe": result.lines}
    documents = {f"{stem}_{slug(c)}.xlsx": comune_workbook(result, c) for c in result.comuni}
    documents[f"{stem}_distretto.xlsx"] = district_workbook(result)
    return tables, documents


def run_previsione(
    caseload: Path,
    period: Period,
    key: str,
    out: Path,
    tariffs: Path = paths.TARIFFS,
    profile: Path = paths.DEFAULT_PROFILE,
) -> str:
    """Compute the forecast, write the folder at once, return the Italian console summary."""
    from cscplan.pipeline import BuildResult, write_result

    result = build_forecast(caseload, period, key, tariffs, profile)
    tables, documents = forecast_outputs(result)
    inputs = [("casistica", f) for f in result.submission.files]
    inputs += [("tariffario", Path(tariffs)), ("profilo", Path(profile))]
    metadata = {
        "command": "previsione",
        "cscplan_version": __version__,
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "period": result.period.label,
        "caseload": result.origin.label,
        "inputs": [_file_record(role, path) for role, path in inputs],
        "notes": result.notes + ([result.previous_note] if result.previous_note else []),
    }
    write_result(BuildResult(tables=tables, documents=documents), Path(out), metadata)
    return summary(result, Path(out), len(documents) - 1)


def _file_record(role: str, path: Path) -> dict:
    size = path.stat().st_size
    return {"role": role, "path": shown_path(path), "bytes": size, "sha256": digest(path)}


def summary(result: Forecast, out: Path, workbooks: int) -> str:
    """The console lines: what was read, the authorising total, each payer, what was written."""
    costs = result.costs
    plans = result.submission.plans
    shares = [
        f"{payer_label(c).removesuffix(' (€)')}: {eur(costs[c].sum())}"
        for c in payer_columns(costs.columns)
    ]
    lines = [
        f"Previsione di spesa, {result.period.label} — {result.origin.label}: "
        f"{len(result.submission.files)} file, {counted(len(plans), 'piano', 'piani')}, "
        f"{counted(len(result.comuni), 'comune', 'comuni')}.",
        f"Costo lordo {eur(costs['gross_eur'].sum())}; " + "; ".join(shares) + ".",
        f"Scritti in {out}: {counted(workbooks, 'cartella', 'cartelle')} Excel per Comune "
        "(importo autorizzativo, totali per servizio, dettaglio), riepilogo distrettuale "
        "(xlsx e CSV).",
    ]
    if result.previous_note:
        lines.append(f"Nota: {result.previous.label} non calcolato: {result.previous_note}.")
    return "\n".join(lines + [f"Nota: {note}" for note in result.notes])
