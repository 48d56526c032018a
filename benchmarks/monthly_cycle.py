"""Benchmark of the monthly cycle: 12 months × the full sample caseload's visits.

    .venv/bin/python benchmarks/monthly_cycle.py            # the year 2023, every comune
    .venv/bin/python benchmarks/monthly_cycle.py --months 3  # a quarter (quicker)

The activity export is generated (seeded) by the worked example's generator
(:mod:`cscplan.monitoring.example`) from ``data/caseload_sample.csv`` for every comune, written as
the Italian CSV a provider exports, and so are the correct invoices and one commitment per
beneficiary. Timed (best of three, after a warm-up): ``compute_cycle`` — reading the three files
through their profiles, the billing rules per visit, the cost engine per visit, the invoice check,
the commitments with the forecast of the open plans. Target: under 5 s for 12 months. Figures are
printed, never asserted (no timed test).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cscplan import paths  # noqa: E402
from cscplan.monitoring import example  # noqa: E402
from cscplan.monitoring.billing import billable_visits  # noqa: E402
from cscplan.monitoring.command import CycleInputs, compute_cycle  # noqa: E402
from cscplan.monitoring.intake import InputFile  # noqa: E402
from cscplan.scenarios.caseload import load_caseload  # noqa: E402
from cscplan.tariffs.schedule import load_schedule  # noqa: E402

TARGET_SECONDS = 5.0


def files(folder: Path, months: list[str]) -> CycleInputs:
    schedule = load_schedule(paths.TARIFFS)
    caseload = load_caseload(paths.SAMPLE_CASELOAD, schedule)
    rng = np.random.default_rng(example.SEED)
    activity = example.generate_activity(caseload, schedule, months, rng).reset_index(drop=True)
    lines = list(range(2, len(activity) + 2))
    visits = billable_visits(InputFile("activity", "bench", activity, lines), schedule)
    invoices = example.correct_invoices(visits, schedule, caseload)
    beneficiaries = sorted(activity["beneficiary_id"].unique())
    plans = caseload[caseload["beneficiary_id"].isin(beneficiaries)]
    commitments = (
        plans.groupby(["comune", "beneficiary_id"], as_index=False)
        .size()
        .assign(
            service="",
            amount_eur=10_000.0,
            start=example.YEAR.start,
            end=example.YEAR.end,
            act=lambda f: [f"Det. {k}" for k in range(len(f))],
        )
    )
    paths_ = {
        "activity": folder / "attivita.csv",
        "invoices": folder / "fatture.csv",
        "commitments": folder / "impegni.csv",
    }
    paths_["activity"].write_bytes(example.activity_csv(activity))
    paths_["invoices"].write_bytes(example.invoices_csv(invoices))
    paths_["commitments"].write_bytes(example.commitments_csv(commitments))
    print(
        f"visite: {len(activity):,}; righe di fattura: {len(invoices):,}; impegni: {len(commitments):,}"
    )
    return CycleInputs(
        paths_["activity"], paths_["invoices"], paths_["commitments"], paths.SAMPLE_CASELOAD
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    months = [f"2023-{m:02d}" for m in range(1, args.months + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        inputs = files(Path(tmp), months)
        print(f"generazione dei file: {time.perf_counter() - started:.1f} s (non misurata)")
        compute_cycle(inputs)  # warm-up
        times = []
        for _ in range(3):
            started = time.perf_counter()
            cycle = compute_cycle(inputs)
            times.append(time.perf_counter() - started)
    best = min(times)
    verdict = "entro" if best < TARGET_SECONDS else "OLTRE"
    print(
        f"ciclo di {len(months)} mesi: {best:.2f} s (migliore di 3; {verdict} l'obiettivo di "
        f"{TARGET_SECONDS:.0f} s); {len(cycle.visits):,} visite, {len(cycle.monthly):,} righe "
        f"fatturabili, {len(cycle.findings)} segnalazioni (impegni fittizi da 10.000 €)"
    )


if __name__ == "__main__":
    main()
