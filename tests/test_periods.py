"""Costed periods: the Period type, the default period from the schedule, periods across years."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import replace

import pandas as pd
import pytest
from reference_engine import caseload, reference_costs, toy_schedule

import cscplan
from cscplan import paths
from cscplan.errors import InputError
from cscplan.periods import Period, resolve_period
from cscplan.scenarios import api, budget_link, montecarlo
from cscplan.tariffs import engine
from cscplan.tariffs.schedule import load_schedule

SCHEDULE = load_schedule(paths.TARIFFS)


def test_constructors_and_labels():
    year = Period.calendar_year(2024)
    assert (year.start, year.end, year.days, year.label) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        366,
        "anno 2024",
    )
    school = Period.school_year(2023)
    assert (school.start, school.end) == (dt.date(2023, 9, 1), dt.date(2024, 6, 30))
    assert school.label == "anno scolastico 2023/24"
    span = Period.between("2023-11-15", pd.Timestamp("2024-01-10"))
    assert span.label == "dal 15/11/2023 al 10/01/2024"
    assert span.month_labels == ["2023-11", "2023-12", "2024-01"]
    assert Period.school_year(2099).label == "anno scolastico 2099/00"


def test_contains_and_order():
    year = Period.calendar_year(2023)
    assert year.contains(Period.between("2023-03-01", "2023-03-31"))
    assert not year.contains(Period.school_year(2023))
    assert year.contains(dt.date(2023, 12, 31)) and not year.contains(dt.date(2024, 1, 1))
    with pytest.raises(ValueError):
        Period.between("2023-02-01", "2023-01-31")


def test_resolve_period():
    default = Period.calendar_year(2023)
    assert resolve_period(None, None, default=default) == default
    assert resolve_period(2024, None, default=default) == Period.calendar_year(2024)
    assert resolve_period(None, 2022, default=default) == Period.calendar_year(2022)
    school = Period.school_year(2023)
    assert resolve_period(school, None, default=default) == school


def test_schedule_period_is_what_its_rates_cover():
    assert SCHEDULE.period == Period.calendar_year(2023)
    assert toy_schedule().period == Period.calendar_year(2023)


@pytest.mark.parametrize(
    "function",
    [
        cscplan.cost,
        api.cost,
        engine.cost_plans,
        engine.cost_runs,
        engine.plan_months,
        montecarlo.simulate,
        montecarlo.montecarlo_tables,
        montecarlo.parameter_sensitivity,
    ],
)
def test_no_year_is_a_default(function):
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in ("year", "period"):
            assert parameter.default is None, function


def test_budget_link_needs_its_schedule():
    schedule = inspect.signature(budget_link.budget_link_table).parameters["schedule"]
    assert schedule.default is inspect.Parameter.empty


# --------------------------------------------------------------------------- the engine


def _two_years():
    """The toy schedule with rates dated over 2023 and 2024 (2024 rates 10 % higher)."""
    toy = toy_schedule()
    later = toy.rates.copy()
    later["valid_from"] = later["valid_from"] + pd.DateOffset(years=1)
    later["valid_to"] = later["valid_to"] + pd.DateOffset(years=1)
    later["rate"] = later["rate"] * 1.1
    rates = pd.concat([toy.rates, later], ignore_index=True)
    end = dt.date(2024, 12, 31)
    return replace(toy, rates=rates, dated_end=end, end=end)


PLANS = caseload(
    [
        {"item": "HOUR", "start": "2023-08-20", "end": "2024-07-10", "qty_per_week": 7},
        {"item": "AFFIDO", "start": "2023-10-15", "end": "2024-03-03"},
        {"item": "ISD", "start": "2023-12-20", "end": "2024-01-20"},
        {"item": "PACK", "start": "2023-09-01", "end": "2023-09-30"},
        {"item": "PACK", "start": "2023-08-31", "end": "2023-09-30"},
        {"item": "CDM", "start": "2024-06-01", "end": "2024-06-30", "qty_per_week": 5},
        {
            "item": "ADM",
            "start": "2023-01-01",
            "end": "2024-12-31",
            "qty_per_week": 3,
            "second_comune": "Offanengo",
        },
    ]
)


def test_a_school_year_is_costed_across_the_new_year():
    schedule = _two_years()
    school = Period.school_year(2023)
    costs = engine.cost_plans(PLANS, schedule, school)
    assert sorted(costs["month"].unique()) == school.month_labels
    expected = reference_costs(PLANS, schedule, school)
    key = ["beneficiary_id", "item", "month", "comune"]
    got = costs.sort_values(key).reset_index(drop=True)
    want = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[want.columns], want, check_dtype=False)


def test_a_sub_period_costs_its_months_as_the_whole_year_does():
    spring = Period.between("2023-03-01", "2023-06-30")
    year = engine.cost_plans(PLANS, toy_schedule())
    part = engine.cost_plans(PLANS, toy_schedule(), spring)
    inside = year[year["month"].isin(spring.month_labels)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part.reset_index(drop=True), inside)


def test_the_default_period_is_the_schedules():
    # the bundled book dates 2023 and covers 2024 by continuation: the default stays 2023
    assert SCHEDULE.period == Period.calendar_year(2023)
    assert SCHEDULE.coverage == Period.between("2023-01-01", "2024-12-31")
    shifted = SCHEDULE.rates.assign(
        valid_from=SCHEDULE.rates["valid_from"] + pd.DateOffset(years=1),
        valid_to=SCHEDULE.rates["valid_to"] + pd.DateOffset(years=1),
    )
    start, end = dt.date(2024, 1, 1), dt.date(2025, 12, 31)
    schedule_2024 = replace(
        SCHEDULE, rates=shifted, start=start, dated_end=dt.date(2024, 12, 31), end=end
    )
    plan = {"beneficiary_id": "B1", "comune": "Crema", "item": "SAAP_D1", "qty_per_week": 10}
    plans = pd.DataFrame([plan | {"start": "2024-03-01", "end": "2024-03-31"}])
    costs = api.cost(plans, schedule=schedule_2024)
    assert costs["month"].tolist() == ["2024-03"]
    assert costs["net_eur"].iloc[0] == pytest.approx(round(31 * 10 / 7 * 20.20, 2))


def test_a_period_outside_the_schedule_is_refused():
    plans = caseload([{"item": "HOUR", "start": "2023-03-01", "end": "2023-03-31"}])
    for options in ({"year": 2024}, {"period": Period.school_year(2023)}):
        with pytest.raises(InputError) as info:
            api.cost(plans, schedule=toy_schedule(), check_comuni=False, **options)
        assert "01/01/2023–31/12/2023" in info.value.expected
    with pytest.raises(InputError, match="non entrambi"):
        api.cost(plans, schedule=toy_schedule(), year=2023, period=Period.calendar_year(2023))


def test_montecarlo_and_budget_link_follow_the_period():
    spring = Period.between("2023-03-01", "2023-06-30")
    tables = montecarlo.montecarlo_tables(PLANS, toy_schedule(), spring, draws=5, seed=1)
    assert tables["montecarlo_path"]["month"].tolist() == spring.month_labels
    prices = budget_link.month_prices(toy_schedule(), spring.month_labels)
    assert sorted(prices["month"].unique()) == spring.month_labels
    hour = prices[prices["item"] == "HOUR"].set_index("month")
    assert hour.loc["2023-03", "start_price"] == pytest.approx(19.20 * 1.05)
