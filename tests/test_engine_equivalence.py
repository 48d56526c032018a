"""Vectorised engine == day-by-day reference oracle, to the cent, on random caseloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_engine import caseload, reference_costs, toy_schedule

from cscplan.tariffs.engine import cost_plans

SCHEDULE = toy_schedule()
KEY = ["beneficiary_id", "item", "month", "comune"]
MONEY = ["net_eur", "vat_eur", "gross_eur", "comune_eur", "district_eur"]
HOURLY = ("HOUR", "ADM", "SIP", "DAY_FUD", "CDM", "GROUP")


@st.composite
def plans(draw):
    item = draw(
        st.sampled_from(["HOUR", "ADM", "SIP", "DAY_FUD", "CDM", "ISD", "AFFIDO", "PACK", "GROUP"])
    )
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
    st.data(),
)
def test_engine_matches_day_by_day_oracle(plan_list, vat_rate, abatement, data):
    frame = caseload(plan_list)
    uptake = None
    if data.draw(st.booleans()):
        uptake = np.array(
            data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(frame), max_size=len(frame)))
        )
    options = {"vat_rate": vat_rate, "district_abatement": abatement, "uptake": uptake}
    compare(cost_plans(frame, SCHEDULE, **options), reference_costs(frame, SCHEDULE, **options))


def test_engine_matches_oracle_on_a_seeded_large_caseload():
    rng = np.random.default_rng(7)
    n = 300
    items = np.array(["HOUR", "ADM", "SIP", "DAY_FUD", "CDM", "ISD", "AFFIDO", "PACK", "GROUP"])
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
