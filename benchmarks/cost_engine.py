"""Benchmark of the cost engine, the end-to-end ``cscplan.cost`` call, the Monte Carlo and the build.

    .venv/bin/python benchmarks/cost_engine.py            # 1k, 10k, 100k, 1M plans + e2e + MC + build
    .venv/bin/python benchmarks/cost_engine.py --quick    # 1k, 10k, 100k plans + e2e + MC, no build

Each caseload size runs in a fresh subprocess so that its peak memory (``ru_maxrss``) is its own.
Caseloads are synthetic and seeded: every item of the bundled 2023 schedule, random start within
Oct 2022–Dec 2023, random durations, hours/days per week where the unit needs them, some uplift,
placed minors and second comuni. The per-day reference oracle (``tests/reference_engine.py``) is
timed on 1 000 plans and scaled linearly to estimate the speed-up.

End to end: ``cscplan.cost(path)`` on a CSV of 20 000 plans resampled (seeded) from the bundled
sample caseload — reading the tariff YAML and the CSV, validating both, costing — beside the
notebook-style pandas peer of ``benchmarks/pandas_peer.py`` (one row per plan and day) on the same
files, in the same process; each is timed as the best of several calls after a warm-up call, and
the two results are compared to the cent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cscplan import paths  # noqa: E402
from cscplan.tariffs.schedule import load_schedule  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))

SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000, 100_000)
REFERENCE_PLANS = 1_000
MC_DRAWS, MC_PLANS = 1_000, 10_000
E2E_PLANS, E2E_REPEATS, PEER_REPEATS = 20_000, 7, 3
TARGETS = {
    "cost vs pandas peer": ("≥ 30×", 30.0),
    "100k plans": ("< 1 s", 1.0),
    "speed-up vs reference": ("≥ 100×", 100.0),
    "1M plans time": ("< 15 s", 15.0),
    "1M plans memory": ("< 16 GiB", 16 * 1024.0),
    "MC 1000×10000": ("< 10 s", 10.0),
    "cscplan build": ("< 20 s", 20.0),
}


def synthetic_caseload(n: int, schedule, seed: int = 42) -> pd.DataFrame:
    """A valid caseload of ``n`` plans over the schedule's items (seeded)."""
    rng = np.random.default_rng(seed)
    items = schedule.items
    codes = items["code"].to_numpy()
    chosen = rng.integers(0, len(codes), n)
    unit = items["unit"].to_numpy()[chosen]
    second_allowed = items["second_comune_allowed"].to_numpy()[chosen]
    placed_allowed = items["placed_minor_allowed"].to_numpy()[chosen]
    start = np.datetime64("2022-10-01") + rng.integers(0, 456, n).astype("timedelta64[D]")
    end = start + rng.integers(0, 365, n).astype("timedelta64[D]")
    qty = np.where(unit == "hour", rng.integers(1, 41, n) / 2, rng.integers(1, 6, n))
    second = np.where(second_allowed & (rng.random(n) < 0.2), "Offanengo", "")
    group = np.where(items["group_pricing"].to_numpy()[chosen], rng.integers(1, 4, n), -1)
    return pd.DataFrame(
        {
            "beneficiary_id": np.char.add("B", np.arange(n).astype(str)),
            "comune": np.array(["Crema", "Soncino", "Castelleone", "Pandino"])[
                rng.integers(0, 4, n)
            ],
            "item": codes[chosen],
            "start": start.astype("datetime64[ns]"),
            "end": end.astype("datetime64[ns]"),
            "qty_per_week": np.where(np.isin(unit, ("hour", "day")), qty, np.nan),
            "second_comune": second,
            "group_size": pd.array(np.where(group > 0, group, 0), dtype="Int64").astype("Int64"),
            "uplift": rng.random(n) < 0.2,
            "placed_minor": placed_allowed & (rng.random(n) < 0.5),
        }
    ).assign(group_size=lambda f: f["group_size"].where(f["group_size"] > 0))


def run_engine(n: int) -> dict:
    """Cost ``n`` synthetic plans once (inside a fresh process): time and peak memory."""
    from cscplan.tariffs.engine import cost_plans

    schedule = load_schedule(paths.TARIFFS)
    plans = synthetic_caseload(n, schedule)
    before = _peak_mib()
    start = time.perf_counter()
    rows = len(cost_plans(plans, schedule))
    seconds = time.perf_counter() - start
    return {
        "plans": n,
        "seconds": seconds,
        "rows": rows,
        "peak_mib": _peak_mib(),
        "base_mib": before,
    }


def run_reference() -> float:
    """Seconds per plan of the day-by-day oracle on REFERENCE_PLANS plans."""
    from reference_engine import reference_costs

    schedule = load_schedule(paths.TARIFFS)
    plans = synthetic_caseload(REFERENCE_PLANS, schedule)
    start = time.perf_counter()
    reference_costs(plans, schedule)
    return (time.perf_counter() - start) / REFERENCE_PLANS


def run_montecarlo(draws: int, n: int) -> dict:
    from cscplan.scenarios.montecarlo import simulate

    schedule = load_schedule(paths.TARIFFS)
    plans = synthetic_caseload(n, schedule)
    start = time.perf_counter()
    simulate(plans, schedule, draws=draws, seed=1)
    return {
        "draws": draws,
        "plans": n,
        "seconds": time.perf_counter() - start,
        "peak_mib": _peak_mib(),
    }


def e2e_caseload(n: int, path: Path, seed: int = 42) -> Path:
    """``n`` plans drawn with replacement from the bundled sample caseload, each a new beneficiary."""
    sample = pd.read_csv(paths.SAMPLE_CASELOAD, dtype=str, keep_default_na=False)
    rows = sample.iloc[np.random.default_rng(seed).integers(0, len(sample), n)]
    rows = rows.assign(beneficiary_id=[f"P{i:06d}" for i in range(n)])
    rows.to_csv(path, index=False)
    return path


def _best(call, repeats: int, clock=time.perf_counter) -> tuple[float, object]:
    """Best time of ``repeats`` calls after one warm-up call, and the last result."""
    result = call()
    times = []
    for _ in range(repeats):
        start = clock()
        result = call()
        times.append(clock() - start)
    return min(times), result


def run_end_to_end(n: int) -> dict:
    """``cscplan.cost`` on a CSV of ``n`` plans beside the pandas peer, same files, same process."""
    from pandas_peer import peer_cost

    import cscplan
    from cscplan.scenarios.api import CostContext
    from cscplan.scenarios.caseload import district_comuni, load_caseload

    with tempfile.TemporaryDirectory() as tmp:
        path = e2e_caseload(n, Path(tmp) / "casistica.csv")
        ours, costs = _best(lambda: cscplan.cost(path), E2E_REPEATS)
        peer, peer_costs = _best(lambda: peer_cost(path, paths.TARIFFS), PEER_REPEATS)
        cpu = time.process_time
        ours_cpu, _ = _best(lambda: cscplan.cost(path), E2E_REPEATS, cpu)
        peer_cpu, _ = _best(lambda: peer_cost(path, paths.TARIFFS), PEER_REPEATS, cpu)
        schedule_s, schedule = _best(lambda: load_schedule(paths.TARIFFS), E2E_REPEATS)
        comuni = district_comuni(paths.COMUNI)
        caseload_s, plans = _best(lambda: load_caseload(path, schedule, comuni=comuni), E2E_REPEATS)
        context = CostContext(schedule=schedule, comuni=comuni)
        engine_s, _ = _best(
            lambda: cscplan.cost(plans, context=context, validated=True), E2E_REPEATS
        )
    money = [c for c in costs.columns if c.endswith("_eur")]
    same_rows = len(costs) == len(peer_costs)
    gap = (
        float((costs[money].to_numpy() - peer_costs[money].to_numpy()).__abs__().max())
        if same_rows
        else float("inf")
    )
    return {
        "plans": n,
        "rows": len(costs),
        "seconds": ours,
        "peer_seconds": peer,
        "cpu_seconds": ours_cpu,
        "peer_cpu_seconds": peer_cpu,
        "schedule_seconds": schedule_s,
        "caseload_seconds": caseload_s,
        "engine_seconds": engine_s,
        "max_gap_eur": gap,
        "peak_mib": _peak_mib(),
    }


def run_build() -> float | str:
    exe = ROOT / ".venv" / "bin" / "cscplan"
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run(
            [str(exe), "build", "--out", out], capture_output=True, text=True, cwd=ROOT
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        return f"saltato: build terminata con codice {done.returncode} ({last[0][:120]})"
    return seconds


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _in_subprocess(task: str, *args) -> dict:
    env = os.environ | {"PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, __file__, "--task", task, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="no 1M plans, no full build")
    parser.add_argument("--task", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.task:
        name, *values = args.task
        tasks = {"engine": run_engine, "montecarlo": run_montecarlo, "e2e": run_end_to_end}
        result = (
            {"per_plan": run_reference()} if name == "reference" else tasks[name](*map(int, values))
        )
        print(json.dumps(result))
        return
    report(args.quick)


def report(quick: bool) -> None:
    per_plan = _in_subprocess("reference")["per_plan"]
    lines = [
        "| plans | wall time (s) | peak memory (MiB) | plans/s | speed-up vs per-day reference |",
        "|---:|---:|---:|---:|---:|",
    ]
    results = {}
    for n in QUICK_SIZES if quick else SIZES:
        r = _in_subprocess("engine", n)
        results[n] = r
        speedup = per_plan * n / r["seconds"]
        lines.append(
            f"| {n:,} | {r['seconds']:.3f} | {r['peak_mib']:.0f} | {n / r['seconds']:,.0f} | "
            f"{speedup:,.0f}× |"
        )
    print(f"Reference (day by day, {REFERENCE_PLANS:,} plans): {per_plan * 1e3:.2f} ms/plan\n")
    print("\n".join(lines))
    e2e = _in_subprocess("e2e", E2E_PLANS)
    ratio = e2e["peer_seconds"] / e2e["seconds"]
    print(
        f"\nEnd to end, `cscplan.cost` on {e2e['plans']:,} plans ({e2e['rows']:,} rows): "
        f"{e2e['seconds']:.3f} s (tariff YAML {e2e['schedule_seconds']:.3f} s, caseload CSV read "
        f"and validated {e2e['caseload_seconds']:.3f} s, engine {e2e['engine_seconds']:.3f} s); "
        f"pandas peer, one row per plan-day: {e2e['peer_seconds']:.3f} s; ratio {ratio:.1f}× "
        f"(CPU time {e2e['cpu_seconds']:.3f} s vs {e2e['peer_cpu_seconds']:.3f} s, "
        f"{e2e['peer_cpu_seconds'] / e2e['cpu_seconds']:.1f}×; largest difference between "
        f"the two results: {e2e['max_gap_eur']:.2f} €)"
    )
    mc = _in_subprocess("montecarlo", MC_DRAWS, MC_PLANS)
    print(
        f"\nMonte Carlo {mc['draws']:,} draws × {mc['plans']:,} plans: {mc['seconds']:.2f} s, "
        f"peak {mc['peak_mib']:.0f} MiB"
    )
    build = "saltato (--quick)" if quick else run_build()
    print(f"Full `cscplan build`: {build if isinstance(build, str) else f'{build:.1f} s'}")
    print("\n| target | goal | measured | met |\n|---|---|---|---|")
    hundred_k = results[100_000]["seconds"]
    checks = [
        ("cost vs pandas peer", f"{ratio:.1f}×", ratio >= 30),
        ("100k plans", f"{hundred_k:.3f} s", hundred_k < 1.0),
        (
            "speed-up vs reference",
            f"{per_plan * 100_000 / hundred_k:,.0f}×",
            per_plan * 100_000 / hundred_k >= 100,
        ),
        ("MC 1000×10000", f"{mc['seconds']:.2f} s", mc["seconds"] < 10),
    ]
    if 1_000_000 in results:
        big = results[1_000_000]
        checks.insert(1, ("1M plans time", f"{big['seconds']:.2f} s", big["seconds"] < 15))
        checks.insert(
            2, ("1M plans memory", f"{big['peak_mib'] / 1024:.2f} GiB", big["peak_mib"] < 16 * 1024)
        )
    if not isinstance(build, str):
        checks.append(("cscplan build", f"{build:.1f} s", build < 20))
    for name, measured, met in checks:
        print(f"| {name} | {TARGETS[name][0]} | {measured} | {'sì' if met else 'NO'} |")


if __name__ == "__main__":
    main()
