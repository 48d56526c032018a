"""Monte Carlo on uptake and the parameter tornado."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_engine import caseload, toy_schedule

from cscplan import paths
from cscplan.scenarios import compare
from cscplan.scenarios.montecarlo import (
    DEFAULT_COMMON,
    choose_commitment,
    draw_uptake,
    montecarlo_tables,
    parameter_sensitivity,
    simulate,
    summary_table,
)
from cscplan.tariffs.engine import cost_plans
from cscplan.tariffs.schedule import load_schedule
from cscplan.vocabulary import PAYER_COLUMNS, PAYERS

TOY = toy_schedule()
SCHEDULE = load_schedule(paths.TARIFFS)
PLANS = caseload(
    [
        {"item": "HOUR", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 10},
        {"item": "AFFIDO", "start": "2023-02-10", "end": "2023-11-30", "uplift": True},
        {"item": "AFFIDO", "start": "2023-01-01", "end": "2023-12-31"},
        {"item": "CDM", "start": "2023-03-01", "end": "2023-09-30", "qty_per_week": 5},
        {"item": "ISD", "start": "2023-05-01", "end": "2023-06-10"},
        {"item": "SIP", "start": "2023-01-01", "end": "2023-06-30", "qty_per_week": 2},
        {"item": "PRONTO", "start": "2023-03-10", "end": "2023-09-20"},
        {"item": "GROUP", "start": "2023-06-01", "end": "2023-08-31", "qty_per_week": 6},
        {"item": "CAMP", "start": "2023-07-01", "end": "2023-07-31", "qty_per_week": 20},
        {"item": "PACK", "start": "2023-04-05", "end": "2023-06-04"},
    ]
)


def test_each_draw_equals_an_engine_run_with_that_uptake():
    sim = simulate(PLANS, TOY, draws=4, seed=11)
    uptake = draw_uptake(np.random.default_rng(11), (9.0, 1.0), DEFAULT_COMMON, 4, len(PLANS))
    for d in range(4):
        costs = cost_plans(PLANS, TOY, uptake=uptake[d], rounded=False)
        by_service = costs.groupby("service")[["gross_eur", *PAYER_COLUMNS.values()]].sum()
        by_service = by_service.reindex(sim.services)
        assert np.allclose(sim.gross[d], by_service["gross_eur"], atol=1e-6)
        assert set(sim.payers) == set(PAYERS)  # the toy caseload has all five
        for payer, values in sim.payers.items():
            assert np.allclose(values[d], by_service[PAYER_COLUMNS[payer]], atol=1e-6), payer
        monthly = costs.groupby("month")["gross_eur"].sum().to_numpy()
        assert np.allclose(sim.monthly[d], monthly, atol=1e-6)


def test_independent_draws_are_plain_beta():
    sim = simulate(PLANS, TOY, draws=3, seed=4, common=None)
    uptake = np.random.default_rng(4).beta(9.0, 1.0, size=(3, len(PLANS)))
    costs = cost_plans(PLANS, TOY, uptake=uptake[0], rounded=False)
    assert np.isclose(sim.gross[0].sum(), costs["gross_eur"].sum(), atol=1e-6)


def test_common_shock_widens_the_district_band_and_keeps_the_mean():
    plans = caseload(
        [{"item": "HOUR", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 5}] * 300
    )
    shared = simulate(plans, TOY, draws=400, seed=9).gross.sum(axis=1)
    alone = simulate(plans, TOY, draws=400, seed=9, common=None).gross.sum(axis=1)
    full = simulate(plans, TOY, draws=1, seed=9, beta=(1e9, 1.0), common=None).gross.sum()
    assert shared.std() > 3 * alone.std()
    assert shared.mean() / full == pytest.approx(0.9, abs=0.01)
    assert alone.mean() / full == pytest.approx(0.9, abs=0.005)


def test_same_seed_same_figures_other_seed_differs():
    first = montecarlo_tables(PLANS, TOY, draws=200, seed=5)
    again = montecarlo_tables(PLANS, TOY, draws=200, seed=5)
    other = montecarlo_tables(PLANS, TOY, draws=200, seed=6)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["montecarlo_quantiles"].equals(other["montecarlo_quantiles"])


def test_quantiles_ordered_and_baseline_matches_summary():
    tables = montecarlo_tables(PLANS, TOY, draws=300, seed=1)
    q = tables["montecarlo_quantiles"]
    assert (q.p10_eur <= q.p50_eur).all() and (q.p50_eur <= q.p90_eur).all()
    assert (q.p90_eur <= q.baseline_eur + 0.01).all()  # uptake never above 1
    summary = compare.summarise(cost_plans(PLANS, TOY))
    total = q[q.service == "TOTALE"].set_index("payer")["baseline_eur"]
    for payer, column in PAYER_COLUMNS.items():
        assert total[payer] == pytest.approx(summary[column].sum(), abs=0.005)


def test_median_total_near_mean_uptake():
    # Many identical plans: the annual total concentrates at 0.9 × full delivery.
    plans = caseload(
        [{"item": "HOUR", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 5}] * 400
    )
    tables = montecarlo_tables(plans, TOY, draws=200, seed=3)
    summary = tables["montecarlo_summary"].iloc[0]
    assert summary.p50_eur == pytest.approx(0.9 * summary.commitment_eur, rel=0.01)
    assert summary.prob_exceed == 0.0


def test_probability_of_exceeding_a_smaller_commitment():
    sim = simulate(PLANS, TOY, draws=500, seed=2)
    total = sim.gross.sum(axis=1)
    low = summary_table(sim, commitment=float(np.quantile(total, 0.25))).iloc[0]
    assert low.prob_exceed == pytest.approx(0.75, abs=0.01)
    assert summary_table(sim, commitment=1e12).iloc[0].prob_exceed == 0.0


def test_alert_month_for_a_constant_plan():
    # Constant daily cost, uptake ≈ 1: 80 % of the year is reached on day 292 (19 October).
    plans = caseload(
        [{"item": "DAY_FUD", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 7}]
    )
    tables = montecarlo_tables(plans, TOY, draws=50, seed=0, beta=(1e9, 1.0))
    assert tables["montecarlo_summary"].iloc[0].alert_month == "2023-10"
    path = tables["montecarlo_path"]
    assert path.baseline_cum_eur.iloc[-1] == pytest.approx(365 * 53.0)
    assert path.alert_threshold_eur.iloc[0] == pytest.approx(0.8 * 365 * 53.0)
    # A commitment twice the cost is never reached.
    sim = simulate(plans, TOY, draws=10, seed=0)
    assert summary_table(sim, commitment=2 * 365 * 53.0).iloc[0].alert_month == ""


def test_sensitivity_hand_computed_on_one_saap_plan():
    plans = caseload(
        [{"item": "SAAP_D1", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 7}]
    )
    table = parameter_sensitivity(plans, SCHEDULE).set_index("parameter")
    net = 31 * 18.87 + 334 * 20.20  # 7331.77 €
    cents = 0.12  # 12 monthly rows, net and VAT each rounded to the cent
    assert table.loc["iva", "delta_high_eur"] == pytest.approx(net * 0.05, abs=cents)
    assert table.loc["iva", "delta_low_eur"] == 0.0
    assert table.loc["volumi", "delta_high_eur"] == pytest.approx(net * 1.05 * 0.1, abs=cents)
    assert table.loc["tariffe", "delta_low_eur"] == pytest.approx(-net * 1.05 * 0.05, abs=cents)
    assert table.loc["abbattimento", "comune_delta_high_eur"] == 0.0
    # 30 % of the plan to D2: 30 % × (31 h × 0 + 334 h × 1.30 €) × 1.05.
    assert table.loc["mix", "delta_high_eur"] == pytest.approx(0.3 * 334 * 1.30 * 1.05, abs=cents)
    assert table.index[0] == "volumi"  # the largest swing first


def test_sensitivity_abatement_moves_cost_to_comuni():
    plans = caseload([{"item": "AFFIDO_FULL", "start": "2023-01-01", "end": "2023-12-31"}])
    table = parameter_sensitivity(plans, SCHEDULE).set_index("parameter")
    assert table.loc["abbattimento", "delta_high_eur"] == 0.0
    assert table.loc["abbattimento", "comune_delta_high_eur"] == 2400.0
    assert "mix" in table.index


def test_sensitivity_says_what_each_side_is():
    plans = caseload([{"item": "AFFIDO_FULL", "start": "2023-01-01", "end": "2023-12-31"}])
    table = parameter_sensitivity(plans, SCHEDULE).set_index("parameter")
    sides = table[["low_label", "high_label"]].apply(tuple, axis=1).to_dict()
    assert sides["abbattimento"] == ("sì", "no")  # low = the baseline: abatement on
    assert sides["tariffe"] == ("−5%", "+5%")
    assert sides["iva"] == ("5%", "10%")  # the schedule's 5 % VAT
    assert sides["mix"] == ("D2→D1", "D1→D2")


def test_commitment_comes_from_impegno_then_the_linked_lines():
    assert choose_commitment(7_000_000.0, 7_871_884.94) == (7_000_000.0, "impegno")
    assert choose_commitment(None, 7_871_884.94) == (7_871_884.94, "voci_collegate")
    assert choose_commitment(None, 0.0) == (None, "costo_pieno")
    sim = simulate(PLANS, TOY, draws=20, seed=1)
    row = summary_table(sim, 1000.0, "voci_collegate").iloc[0]
    assert row.commitment_source == "voci_collegate" and not row.commitment_given
    assert summary_table(sim).iloc[0].commitment_source == "costo_pieno"
