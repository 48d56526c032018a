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
from cscplan.scenarios.reforms import Reform, apply_reform, load_scenario, parse_scenario
from cscplan.tariffs.engine import CostRun, cost_runs
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
    schedule: Any = None, tariffs: str | Path = paths.TARIFFS, check_comuni: bool = True
) -> CostContext:
    """The context from the bundled data files (the public API's default, never the pipeline's)."""
    from cscplan.scenarios.benchmarks import (
        benchmark_volume_multipliers,
        growth_table,
        load_benchmark_map,
    )
    from cscplan.scenarios.caseload import district_comuni
    from cscplan.sources.service_maps import load_service_maps
    from cscplan.tariffs.schedule import load_schedule

    values = load_service_maps(paths.SERVICE_MAPS).values
    mapping = load_benchmark_map(paths.BENCHMARK_MAP)
    return CostContext(
        schedule=load_schedule(tariffs) if schedule is None else schedule,
        comuni=district_comuni(paths.COMUNI) if check_comuni else None,
        growth=benchmark_volume_multipliers(growth_table(values, mapping)),
        map_values=values,
        benchmark_map=mapping,
    )


def cost(
    caseload: pd.DataFrame | str | Path,
    scenarios: Sequence[ScenarioSpec] | None = None,
    year: int | None = None,
    *,
    schedule: Any = None,
    tariffs: str | Path = paths.TARIFFS,
    benchmarks: dict[str, float] | None = None,
    check_comuni: bool = True,
    context: CostContext | None = None,
    validated: bool = False,
) -> pd.DataFrame:
    """``costs_monthly`` for the baseline and each scenario (paths, mappings or Reforms).

    ``context`` holds the tariffs, comuni and Cremona benchmarks; without it they come from the
    bundled data (``schedule``/``tariffs`` choose the tariffs, ``benchmarks`` overrides the growth
    factors). ``year`` defaults to the schedule's year; a scenario's ``horizon_year`` overrides
    it. ``validated=True`` says the caseload frame was already validated against this schedule.
    """
    from cscplan.scenarios.caseload import load_caseload

    if context is None:
        context = bundled_context(schedule, tariffs, check_comuni)
    if benchmarks is not None:
        context = replace(context, growth=benchmarks)
    schedule = context.schedule
    year = int(schedule.parameters["year"]) if year is None else year
    plans = caseload if validated else load_caseload(caseload, schedule, comuni=context.comuni)
    reforms = load_reforms(scenarios or [])
    check_year(schedule, year, "--year")
    for reform in reforms:
        if reform.horizon_year is not None:
            check_year(schedule, reform.horizon_year, "horizon_year", reform.source)
        check_change_dates(reform, reform.horizon_year or year)
    runs: dict[int, list[CostRun]] = {year: [CostRun(BASELINE, plans, schedule)]}
    for reform in reforms:
        factors = reform_benchmarks(reform, plans, context)
        new_plans, new_schedule, options = apply_reform(plans, schedule, reform, factors)
        run_year = reform.horizon_year or year
        run = CostRun(
            reform.name,
            new_plans,
            new_schedule,
            vat_rate=options["vat_rate"],
            district_abatement=options["district_abatement"],
        )
        runs.setdefault(run_year, []).append(run)
    frames = [cost_runs(group, run_year) for run_year, group in runs.items()]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def check_year(schedule: Any, year: int, key: str, source: str | None = None) -> None:
    """The costed year must be the tariff schedule's year (otherwise nothing would be costed)."""
    covered = schedule.parameters.get("year")
    if covered is not None and int(year) != int(covered):
        raise InputError(
            source or schedule.source,
            f"l'anno del tariffario ({covered}); per un altro anno indicare il suo tariffario "
            "con --tariffs data/tariffs/<anno>.yaml",
            str(year),
            key=key,
        )


def check_change_dates(reform: Reform, year: int) -> None:
    """A tariff change starting outside the costed year would silently do nothing."""
    for change in reform.tariff_changes:
        start = change.valid_from
        if start is not None and start.year != year:
            raise InputError(
                reform.source,
                f"una data di inizio nell'anno costato ({year})",
                start.isoformat(),
                key=f"{change.key}.from",
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
        raise InputError(
            reform.source,
            f"servizi con un benchmark di Cremona ({sorted(factors)})",
            str(unknown),
            key="benchmark_services",
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
