"""Vectorised engine == day-by-day reference oracle, to the cent, on random caseloads: every
unit, every payer, the sheet rules (FUD contribution, pronto intervento switch, closing units,
both readings of the cap), dated parameters and periods across the new year."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_engine import caseload, reference_costs, toy_schedule

from cscplan.periods import Period
from cscplan.tariffs.engine import cost_plans
from cscplan.tariffs.parameters import Parameter
from cscplan.vocabulary import PAYER_COLUMNS

SCHEDULE = toy_schedule()
KEY = ["beneficiary_id", "item", "month", "comune"]
MONEY = ["net_eur", "vat_eur", "gross_eur", *PAYER_COLUMNS.values()]
HOURLY = ("HOUR", "ADM", "SIP", "DAY_FUD", "CDD", "CDM", "CDM_NOCAP", "GROUP", "CAMP", "SAAP_SUP")
ITEMS = [*HOURLY, "ISD", "AFFIDO", "PRONTO", "PACK"]


def _dated(name: str, *values) -> Parameter:
    dates = tuple(pd.Timestamp(d).date() for d, _ in values)
    return Parameter(name, dates, tuple(v for _, v in values), (None,) * len(values))


# the toy's parameters changing during 2023 (each on a month start)
DATED = toy_schedule(
    vat_rate=_dated("vat_rate", ("2023-01-01", 0.05), ("2023-07-01", 0.10)),
    abatement_cap_month=_dated("abatement_cap_month", ("2023-01-01", 200.0), ("2023-10-01", 150.0)),
    uplift=_dated("uplift", ("2023-01-01", 0.20), ("2023-04-01", 0.25)),
    abatement_share=_dated("abatement_share", ("2023-01-01", 0.5), ("2023-09-01", 0.4)),
)


def _two_years(schedule):
    """The schedule with every rate dated again in 2024, 10 % higher."""
    from dataclasses import replace

    later = schedule.rates.copy()
    for column in ("valid_from", "valid_to"):
        later[column] = later[column] + pd.DateOffset(years=1)
    later["rate"] = later["rate"] * 1.1
    rates = pd.concat([schedule.rates, later], ignore_index=True)
    end = pd.Timestamp("2024-12-31").date()
    return replace(schedule, rates=rates, dated_end=end, end=end)


@st.composite
def plans(draw):
    item = draw(st.sampled_from(ITEMS))
    start = pd.Timestamp("2022-11-15") + pd.Timedelta(days=draw(st.integers(0, 430)))
    plan = {
        "item": item,
        "comune": draw(st.sampled_from(["Crema", "Offanengo", "Vaiano Cremasco"])),
        "start": start,
        "end": start + pd.Timedelta(days=draw(st.integers(0, 400))),
        "uplift": draw(st.booleans()),
        "placed_minor": draw(st.booleans()),
        "second_comune": draw(st.sampled_from(["", "", "Bagnolo Cremasco"])),
        "weight": draw(st.sampled_from([1.0, 1.0, 0.3, 1.1])),
    }
    if item in HOURLY:
        plan["qty_per_week"] = draw(st.integers(0, 120)) / 4
    if item == "GROUP":
        plan["group_size"] = draw(st.integers(1, 3))
    return plan


def compare(engine: pd.DataFrame, oracle: pd.DataFrame) -> None:
    assert len(engine) == len(oracle)
    a = engine.sort_values(KEY, ignore_index=True)
    b = oracle.sort_values(KEY, ignore_index=True)
    assert (a[KEY + ["service", "scenario"]] == b[KEY + ["service", "scenario"]]).all().all()
    diff = (a[MONEY] - b[MONEY]).abs().to_numpy()
    assert diff.max(initial=0.0) <= 0.0100001, (a[MONEY] - b[MONEY])[diff.max(axis=1) > 0.01]
    assert np.allclose(a["quantity"], b["quantity"], atol=1e-5)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(plans(), min_size=1, max_size=12),
    st.sampled_from([None, 0.0, 0.10]),
    st.booleans(),
    st.sampled_from([None, True, False]),
    st.sampled_from(["toy", "dated"]),
    st.data(),
)
def test_engine_matches_day_by_day_oracle(plan_list, vat_rate, abatement, pro_rata, which, data):
    frame = caseload(plan_list)
    schedule = SCHEDULE if which == "toy" else DATED
    uptake = None
    if data.draw(st.booleans()):
        uptake = np.array(
            data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(frame), max_size=len(frame)))
        )
    options = {
        "vat_rate": vat_rate,
        "district_abatement": abatement,
        "uptake": uptake,
        "cap_pro_rata": pro_rata,
    }
    compare(cost_plans(frame, schedule, **options), reference_costs(frame, schedule, **options))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(plans(), min_size=1, max_size=10),
    st.integers(0, 600),
    st.integers(0, 500),
    st.sampled_from([None, True]),
)
def test_engine_matches_the_oracle_over_any_period_across_years(
    plan_list, offset, length, pro_rata
):
    schedule = _two_years(DATED)
    start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=offset)
    end = min(start + pd.Timedelta(days=length), pd.Timestamp("2024-12-31"))
    period = Period.between(start, end)
    frame = caseload(plan_list)
    options = {"cap_pro_rata": pro_rata}
    engine = cost_plans(frame, schedule, period, **options)
    compare(engine, reference_costs(frame, schedule, period, **options))
    assert set(engine["month"]) <= set(period.month_labels)


def test_payers_sum_to_gross_to_the_cent_on_every_row():
    rng = np.random.default_rng(3)
    items = np.array(ITEMS)
    chosen = items[rng.integers(0, len(items), 400)]
    start = pd.Timestamp("2022-11-01") + pd.to_timedelta(rng.integers(0, 420, 400), unit="D")
    frame = caseload(
        [
            {
                "item": item,
                "start": s,
                "end": s + pd.Timedelta(days=int(d)),
                "qty_per_week": float(q) if item in HOURLY else np.nan,
                "group_size": 2 if item == "GROUP" else pd.NA,
                "uplift": bool(u),
                "second_comune": "Offanengo" if c else "",
            }
            for item, s, d, q, u, c in zip(
                chosen,
                start,
                rng.integers(0, 300, 400),
                rng.integers(1, 60, 400) / 3,
                rng.random(400) < 0.3,
                rng.random(400) < 0.2,
                strict=True,
            )
        ]
    )
    costs = cost_plans(frame, DATED)
    payers = costs[list(PAYER_COLUMNS.values())].sum(axis=1)
    assert ((payers - costs["gross_eur"]).abs() < 0.005).all()
    assert (costs[list(PAYER_COLUMNS.values())] >= -0.005).all().all()


def test_engine_matches_oracle_on_a_seeded_large_caseload():
    rng = np.random.default_rng(7)
    n = 300
    items = np.array(ITEMS)
    chosen = items[rng.integers(0, len(items), n)]
    start = pd.Timestamp("2022-11-01") + pd.to_timedelta(rng.integers(0, 420, n), unit="D")
    plan_list = [
        {
            "item": item,
            "start": s,
            "end": s + pd.Timedelta(days=int(d)),
            "qty_per_week": float(q) if item in HOURLY else np.nan,
            "group_size": int(g) if item == "GROUP" else pd.NA,
            "uplift": bool(u),
            "placed_minor": bool(p),
            "second_comune": "Bagnolo Cremasco" if c else "",
        }
        for item, s, d, q, g, u, p, c in zip(
            chosen,
            start,
            rng.integers(0, 300, n),
            rng.integers(1, 60, n) / 2,
            rng.integers(1, 4, n),
            rng.random(n) < 0.3,
            rng.random(n) < 0.3,
            rng.random(n) < 0.2,
            strict=True,
        )
    ]
    frame = caseload(plan_list)
    compare(cost_plans(frame, SCHEDULE), reference_costs(frame, SCHEDULE))
