"""One call to cost a caseload under the baseline and any number of scenarios.

>>> from cscplan import cost
>>> monthly = cost("data/caseload_sample.csv", scenarios=["data/scenarios/saap_piu5_da_aprile.yaml"])

The result is the ``costs_monthly`` table (see :mod:`cscplan.tariffs.engine`) with the baseline
first and then each scenario in the order given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from cscplan import paths
from cscplan.errors import InputError
from cscplan.periods import Period, resolve_period
from cscplan.scenarios.reforms import Reform, apply_reform, load_scenario, parse_scenario
from cscplan.tariffs.engine import CostRun, cost_runs
from cscplan.tariffs.schedule import indexed_schedule
from cscplan.vocabulary import BASELINE

ScenarioSpec = str | Path | Mapping | Reform


@dataclass(frozen=True)
class CostContext:
    """What costing reads besides the caseload: the tariffs, the district's comuni and the
    Cremona benchmarks (growth factors; map values and indicator map for ``cremona_size``)."""

    schedule: Any
    comuni: list[str] | None = None
    growth: dict[str, float] | None = None
    map_values: pd.DataFrame | None = None
    benchmark_map: pd.DataFrame | None = None


def bundled_context(
    schedule: Any = None,
    tariffs: str | Path = paths.TARIFFS,
    check_comuni: bool = True,
    with_maps: bool = True,
) -> CostContext:
    """The context from the bundled data files (the public API's default, never the pipeline's);
    ``with_maps=False`` skips the Cremona maps (only scenarios with ``volumes_from`` read them)."""
    from cscplan.scenarios.caseload import district_comuni
    from cscplan.tariffs.schedule import load_schedule

    context = CostContext(
        schedule=load_schedule(tariffs) if schedule is None else schedule,
        comuni=district_comuni(paths.COMUNI) if check_comuni else None,
    )
    return replace(context, **bundled_maps()) if with_maps else context


def bundled_maps() -> dict[str, Any]:
    """The bundled Cremona maps, indicator map and growth factors, as CostContext fields."""
    from cscplan.scenarios.benchmarks import (
        benchmark_volume_multipliers,
        growth_table,
        load_benchmark_map,
    )
    from cscplan.sources.service_maps import load_service_maps

    values = load_service_maps(paths.SERVICE_MAPS).values
    mapping = load_benchmark_map(paths.BENCHMARK_MAP)
    return {
        "growth": benchmark_volume_multipliers(growth_table(values, mapping)),
        "map_values": values,
        "benchmark_map": mapping,
    }


def cost(
    caseload: pd.DataFrame | str | Path,
    scenarios: Sequence[ScenarioSpec] | None = None,
    year: int | None = None,
    *,
    period: Period | None = None,
    schedule: Any = None,
    tariffs: str | Path = paths.TARIFFS,
    benchmarks: dict[str, float] | None = None,
    check_comuni: bool = True,
    context: CostContext | None = None,
    validated: bool = False,
    period_key: str = "--year",
) -> pd.DataFrame:
    """``costs_monthly`` for the baseline and each scenario (paths, mappings or Reforms).

    ``context`` holds the tariffs, comuni and Cremona benchmarks; without it they come from the
    bundled data (``schedule``/``tariffs`` choose the tariffs, ``benchmarks`` overrides the growth
    factors). The costed ``period`` (a :class:`~cscplan.periods.Period`, or the calendar
    ``year``) defaults to the days the tariffs date and must lie inside the schedule's coverage
    (its validity, or further with an indexation: in the tariff file, or stated by the scenarios,
    which the baseline then takes too, see :func:`baseline_schedule`); a scenario's
    ``horizon_year`` costs that calendar year instead. ``validated=True`` says the caseload frame
    was already validated against this schedule (each input is validated once). ``period_key``
    names the option the period came from in a refusal (``--year``, ``--from``, …).
    """
    from cscplan.scenarios.caseload import load_caseload

    bundled = context is None
    if bundled:
        context = bundled_context(schedule, tariffs, check_comuni, with_maps=False)
    reforms = load_reforms(scenarios or [])
    schedule, _ = baseline_schedule(context.schedule, reforms, period, year, period_key)
    costed = costed_period(schedule, period, year, period_key)
    plans = caseload if validated else load_caseload(caseload, schedule, comuni=context.comuni)
    if bundled and any(r.volumes_from for r in reforms):
        context = replace(context, **bundled_maps())
    if benchmarks is not None:
        context = replace(context, growth=benchmarks)
    runs: dict[Period, list[CostRun]] = {costed: [CostRun(BASELINE, plans, schedule)]}
    for reform in reforms:
        factors = reform_benchmarks(reform, plans, context)
        new_plans, new_schedule, options = apply_reform(plans, schedule, reform, factors)
        run_period = reform_period(reform, new_schedule, costed)
        check_change_dates(reform, run_period)
        run = CostRun(reform.name, new_plans, new_schedule, **options)
        runs.setdefault(run_period, []).append(run)
    frames = [cost_runs(group, run_period) for run_period, group in runs.items()]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


INDEXATION_HINT = (
    "per costare oltre indicare un'indicizzazione (es. indicizzazione: \"+2,0 % dal "
    '2025-01-01") in uno scenario o nel tariffario'
)


def baseline_schedule(
    schedule: Any,
    reforms: Sequence[Reform],
    period: Period | None = None,
    year: int | None = None,
    key: str = "--year",
) -> tuple[Any, str]:
    """The baseline's tariffs for the period asked, and an Italian note when they are not the
    schedule's own: a period past the schedule's coverage is costed only with an indexation,
    which the baseline takes from the scenarios (they must state the same one)."""
    if period is not None and year is not None:
        raise InputError(None, "un periodo oppure un anno, non entrambi", "entrambi", key=key)
    chosen = resolve_period(period, year, default=schedule.period)
    if schedule.coverage.contains(chosen):
        return schedule, ""
    stated = {reform.indexation: reform for reform in reforms if reform.indexation}
    if len(stated) > 1:
        names = ", ".join(reform.name for reform in stated.values())
        raise InputError(
            None,
            "una sola indicizzazione tra gli scenari",
            f"indicizzazioni diverse in {names}",
            key=key,
        )
    if not stated:
        return schedule, ""  # refused by costed_period, with its message
    steps, reform = next(iter(stated.items()))
    indexed = indexed_schedule(schedule, steps, reform.source)
    text = ", ".join(step.text for step in steps)
    note = (
        f"lo scenario base usa l'indicizzazione dello scenario «{reform.label or reform.name}» "
        f"({text}): il tariffario copre {schedule.describe_coverage()}"
    )
    return indexed, note


def costed_period(
    schedule: Any, period: Period | None = None, year: int | None = None, key: str = "--year"
) -> Period:
    """The period to cost (default: what the schedule dates); it must lie inside the schedule's
    coverage, else one Italian refusal saying what is covered and how to go on."""
    if period is not None and year is not None:
        raise InputError(None, "un periodo oppure un anno, non entrambi", "entrambi", key=key)
    chosen = resolve_period(period, year, default=schedule.period)
    if not schedule.coverage.contains(chosen):
        raise InputError(
            schedule.source,
            f"un periodo coperto dal tariffario ({schedule.describe_coverage()}); {INDEXATION_HINT}",
            chosen.label,
            key=key,
        )
    return chosen


def reform_period(reform: Reform, schedule: Any, period: Period) -> Period:
    """The period a reform is costed over: its ``horizon_year``, if any, else ``period``."""
    if reform.horizon_year is None:
        return period
    chosen = Period.calendar_year(reform.horizon_year)
    if not schedule.coverage.contains(chosen):
        raise reform.error(
            "horizon_year",
            f"un anno coperto dal tariffario ({schedule.describe_coverage()}); {INDEXATION_HINT}",
            str(reform.horizon_year),
        )
    return chosen


def check_change_dates(reform: Reform, period: Period) -> None:
    """A tariff change starting outside the costed period would silently do nothing."""
    for change in reform.tariff_changes:
        start = change.valid_from
        if start is not None and not period.contains(start):
            raise reform.error(
                f"{change.key}.from",
                f"una data di inizio nel periodo costato ({period.span})",
                start.isoformat(),
            )


def load_reforms(scenarios: Sequence[ScenarioSpec]) -> list[Reform]:
    """Scenario specs → validated Reforms; names must be unique."""
    reforms = []
    for index, spec in enumerate(scenarios):
        if isinstance(spec, Reform):
            reforms.append(spec)
        elif isinstance(spec, Mapping):
            reforms.append(parse_scenario(dict(spec), f"scenario[{index}]"))
        else:
            reforms.append(load_scenario(spec))
    seen: dict[str, str] = {}
    for reform in reforms:
        if reform.name in seen:
            raise InputError(
                reform.source,
                "un nome di scenario non già usato",
                f"'{reform.name}' (anche in {seen[reform.name]})",
                key="name",
            )
        seen[reform.name] = reform.source
    return reforms


def reform_benchmarks(
    reform: Reform, plans: pd.DataFrame, context: CostContext
) -> dict[str, float] | None:
    """The volume factors a reform's ``volumes_from`` asks for, limited to its services."""
    if reform.volumes_from == "cremona_size":
        factors = cremona_size_factors(plans, reform, context)
    elif reform.volumes_from == "cremona_growth":
        factors = context.growth
    else:
        factors = None
    if factors is None or not reform.benchmark_services:
        return factors
    unknown = sorted(set(reform.benchmark_services) - set(factors))
    if unknown:
        raise reform.error(
            "benchmark_services",
            f"servizi con un benchmark di Cremona ({sorted(factors)})",
            str(unknown),
        )
    return {s: f for s, f in factors.items() if s in reform.benchmark_services}


def cremona_size_factors(
    plans: pd.DataFrame, reform: Reform, context: CostContext
) -> dict[str, float]:
    """Per service: Cremona's users in the benchmark year / CSC beneficiaries in the caseload.

    Computed for every service with both figures; ``reform_benchmarks`` then keeps the
    reform's ``benchmark_services``.
    """
    from cscplan.scenarios.benchmarks import cremona_sized_volumes

    services = plans["item"].map(context.schedule.items.set_index("code")["service"])
    people = pd.DataFrame({"beneficiary_id": plans["beneficiary_id"], "service": services})
    return cremona_sized_volumes(
        context.map_values,
        context.benchmark_map,
        people.drop_duplicates(),
        year=reform.benchmark_year,
    )
