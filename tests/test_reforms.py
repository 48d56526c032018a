"""Scenario reforms: YAML parsing and errors, tariff/volume/mix changes, API and comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_engine import caseload, toy_schedule

from cscplan import paths
from cscplan.errors import InputError
from cscplan.scenarios import compare
from cscplan.scenarios.api import cost, load_reforms
from cscplan.scenarios.reforms import Reform, apply_reform, load_scenario, parse_scenario
from cscplan.tariffs.engine import cost_plans
from cscplan.tariffs.schedule import load_schedule

BAD = Path(__file__).parent / "bad_inputs"
SCHEDULE = load_schedule(paths.TARIFFS)
TOY = toy_schedule()


def rate(schedule, code: str, day: str) -> pd.Series:
    rates = schedule.rates
    hit = rates[
        (rates.code == code)
        & (rates.valid_from <= pd.Timestamp(day))
        & (rates.valid_to >= pd.Timestamp(day))
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def reform(**mapping) -> Reform:
    return parse_scenario({"name": "test"} | mapping, "test.yaml")


def saap_plan(**extra) -> pd.DataFrame:
    plan = {"item": "SAAP_D1", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 10}
    return caseload([plan | extra])


# --------------------------------------------------------------------------- shipped files


def test_shipped_scenarios_load():
    files = sorted(paths.SCENARIOS_DIR.glob("*.yaml"))
    names = {load_scenario(f).name for f in files}
    assert {"saap_piu5_da_aprile", "iva_10_senza_abbattimento", "cremona_crescita"} <= names
    saap = load_scenario(paths.SCENARIOS_DIR / "saap_piu5_da_aprile.yaml")
    (change,) = saap.tariff_changes
    assert (change.target, change.by, change.percent, str(change.valid_from)) == (
        "SAAP",
        "service",
        5.0,
        "2023-04-01",
    )
    stress = load_scenario(paths.SCENARIOS_DIR / "iva_10_senza_abbattimento.yaml")
    assert stress.vat_rate == 0.10 and stress.flags == {"district_abatement": False}


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("name", "key", "expected", "found"),
    [
        ("scenario_unknown_key.yaml", "iva", "una delle chiavi", "'iva'"),
        ("scenario_percent_string.yaml", "tariff_changes[0].percent", "un numero come 10", "'10%'"),
        ("scenario_bad_date.yaml", "tariff_changes[0].from", "AAAA-MM-GG", "01/04/2023"),
        ("scenario_vat_as_percent.yaml", "vat_rate", "una frazione tra 0 e 1", "10"),
    ],
)
def test_bad_scenario_files(name, key, expected, found):
    with pytest.raises(InputError) as err:
        load_scenario(BAD / name)
    assert err.value.key == key
    assert expected in err.value.expected and found in err.value.found
    assert name in str(err.value) and f"chiave '{key}'" in str(err.value)


def test_unknown_item_named_when_applied():
    scenario = load_scenario(BAD / "scenario_unknown_item.yaml")
    with pytest.raises(InputError) as err:
        apply_reform(saap_plan(), SCHEDULE, scenario)
    assert err.value.key == "tariff_changes[0].item" and "'SAAP_D3'" in err.value.found
    assert "scenario_unknown_item.yaml" in str(err.value) and "codice voce" in err.value.expected


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"name": "Maiuscolo"}, "name"),
        ({"name": "baseline"}, "name"),
        ({"label": "senza nome"}, "name"),
        ({"name": "x", "tariff_changes": [{"item": "ADM", "service": "SAD", "percent": 1}]}, None),
        ({"name": "x", "tariff_changes": {"item": "ADM"}}, "tariff_changes"),
        ({"name": "x", "volume_multipliers": {"SAAP": -1}}, "volume_multipliers.SAAP"),
        ({"name": "x", "flags": {"abbattimento": False}}, "flags.abbattimento"),
        ({"name": "x", "flags": {"district_abatement": "no"}}, "flags.district_abatement"),
        ({"name": "x", "horizon_year": "2023"}, "horizon_year"),
        ({"name": "x", "volumes_from": "milano"}, "volumes_from"),
        ({"name": "x", "operator_mix": [{"from_item": "SAAP_D1", "share": 0.3}]}, None),
    ],
)
def test_bad_mappings(mapping, key):
    with pytest.raises(InputError) as err:
        parse_scenario(mapping, "s.yaml")
    assert err.value.file == "s.yaml"
    if key is not None:
        assert err.value.key == key


def test_apply_time_errors_name_the_scenario_line():
    scenario = load_scenario(BAD / "scenario_unknown_item.yaml")
    with pytest.raises(InputError) as err:
        apply_reform(saap_plan(), SCHEDULE, scenario)
    assert err.value.row == 4


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ({"service": "SAAP", "absolute": -30, "from": "2023-04-01"}, "SAAP_ASA_OSS dal 01/04/2023"),
        ({"item": "CSE_FULL", "absolute": -40}, "quota distrettuale 21,00 €"),
    ],
)
def test_a_change_may_not_drive_a_rate_negative_or_below_the_district_part(change, found):
    with pytest.raises(InputError) as err:
        apply_reform(saap_plan(), SCHEDULE, reform(tariff_changes=[change]))
    assert err.value.key == "tariff_changes[0].absolute" and found in err.value.found
    assert err.value.file == "test.yaml"


def test_absolute_change_down_to_zero_is_allowed():
    _, schedule, _ = apply_reform(
        saap_plan(),
        SCHEDULE,
        reform(tariff_changes=[{"item": "SAAP_D1", "absolute": -20.20, "from": "2023-02-01"}]),
    )
    assert rate(schedule, "SAAP_D1", "2023-06-01").rate == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"vat_rate": float("nan")}, "vat_rate"),
        ({"vat_rate": 1.0}, "vat_rate"),
        ({"volume_multipliers": {"SAD": float("inf")}}, "volume_multipliers.SAD"),
        ({"tariff_changes": [{"service": "SAAP", "percent": float("nan")}]}, None),
        ({"tariff_changes": [{"service": "SAAP", "absolute": float("-inf")}]}, None),
        ({"operator_mix": [{"from_item": "A", "to_item": "B", "share": float("nan")}]}, None),
    ],
)
def test_non_finite_values_are_blamed_on_the_scenario(mapping, key):
    with pytest.raises(InputError) as err:
        parse_scenario({"name": "x"} | mapping, "scenario.yaml")
    assert err.value.file == "scenario.yaml"
    if key is not None:
        assert err.value.key == key


def test_a_zero_multiplier_drops_a_service():
    assert reform(volume_multipliers={"SAAP": 0}).volume_multipliers == {"SAAP": 0.0}


def test_mix_between_incompatible_items_rejected():
    shift = reform(operator_mix=[{"from_item": "SAAP_D1", "to_item": "ISD_P1", "share": 0.3}])
    with pytest.raises(InputError) as err:
        apply_reform(saap_plan(), SCHEDULE, shift)
    assert err.value.key == "operator_mix[0].to_item" and "unit" in err.value.found


def test_mix_service_must_match():
    shift = reform(
        operator_mix=[{"service": "SAD", "from_item": "SAAP_D1", "to_item": "SAAP_D2", "share": 1}]
    )
    with pytest.raises(InputError) as err:
        apply_reform(saap_plan(), SCHEDULE, shift)
    assert err.value.key == "operator_mix[0].from_item"


def test_volumes_from_needs_benchmarks():
    with pytest.raises(InputError) as err:
        apply_reform(saap_plan(), SCHEDULE, reform(volumes_from="cremona_growth"))
    assert err.value.key == "volumes_from"


# --------------------------------------------------------------------------- tariff changes


def test_percent_change_from_april_on_real_schedule():
    plans, schedule, options = apply_reform(
        saap_plan(),
        SCHEDULE,
        reform(tariff_changes=[{"service": "SAAP", "percent": 5, "from": "2023-04-01"}]),
    )
    assert rate(schedule, "SAAP_D1", "2023-01-15").rate == 18.87
    assert rate(schedule, "SAAP_D1", "2023-03-31").rate == 20.20
    assert rate(schedule, "SAAP_D1", "2023-04-01").rate == pytest.approx(21.21)
    assert rate(schedule, "SAAP_D2", "2023-12-31").rate == pytest.approx(22.575)
    assert rate(schedule, "SAD_FERIALE", "2023-12-31").rate == 20.20
    assert options == {"vat_rate": None, "district_abatement": True, "cap_pro_rata": None}
    assert SCHEDULE.rates.equals(load_schedule(paths.TARIFFS).rates)  # input untouched
    # 10 h/week from 1 April = 275 days × 10/7 h × 1.01 € × 1.05 = 416.63 € more.
    base = cost_plans(plans, SCHEDULE)["gross_eur"].sum()
    more = cost_plans(plans, schedule)["gross_eur"].sum()
    assert round(more - base, 2) == pytest.approx(round(275 * 10 / 7 * 1.01 * 1.05, 2), abs=0.02)


def test_percent_change_scales_district_amount_and_absolute_does_not():
    pct = apply_reform(
        saap_plan(), SCHEDULE, reform(tariff_changes=[{"item": "CSE_FULL", "percent": 10}])
    )
    row = rate(pct[1], "CSE_FULL", "2023-06-01")
    assert (row.rate, row.district_rate) == (pytest.approx(58.3), pytest.approx(23.1))
    add = apply_reform(
        saap_plan(), SCHEDULE, reform(tariff_changes=[{"item": "CSE_FULL", "absolute": 2}])
    )
    row = rate(add[1], "CSE_FULL", "2023-06-01")
    assert (row.rate, row.district_rate) == (55.0, 21.0)


def test_bounded_change_splits_periods_contiguously():
    change = {"item": "ADM", "absolute": 1.0, "from": "2023-03-15", "to": "2023-05-10"}
    _, schedule, _ = apply_reform(saap_plan(), SCHEDULE, reform(tariff_changes=[change]))
    adm = schedule.rates[schedule.rates.code == "ADM"].sort_values("valid_from")
    starts = ["2023-01-01", "2023-03-15", "2023-04-01", "2023-05-11", "2024-01-01"]
    assert adm["valid_from"].dt.strftime("%Y-%m-%d").tolist() == starts
    assert adm["rate"].tolist() == pytest.approx([20.87, 21.87, 23.50, 22.50, 22.50])
    assert adm["basis"].tolist()[-1] == "continuazione"  # 2024: the validity (line 76)
    gaps = adm["valid_from"].iloc[1:].to_numpy() - adm["valid_to"].iloc[:-1].to_numpy()
    assert (gaps == np.timedelta64(1, "D")).all()


# --------------------------------------------------------------------------- volumes and mix


def test_volume_multipliers_scale_hours_or_plans():
    plans = caseload(
        [
            {"item": "SAAP_D1", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 10},
            {"item": "SAAP_D2", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 10},
            {"item": "AFFIDO_FULL", "start": "2023-01-01", "end": "2023-12-31"},
        ]
    )
    scenario = reform(volume_multipliers={"SAAP": 1.1, "SAAP_D2": 2, "AFFIDO": 1.5})
    new, _, _ = apply_reform(plans, SCHEDULE, scenario)
    assert new["qty_per_week"].iloc[:2].tolist() == pytest.approx([11.0, 20.0])
    assert new["weight"].tolist() == [1.0, 1.0, 1.5]
    assert np.isnan(new["qty_per_week"].iloc[2])


def test_benchmark_multipliers_split_joint_services():
    plans = caseload(
        [
            {"item": "SAD_FERIALE", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 4},
            {"item": "SADH_FESTIVO", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 2},
            {"item": "ADM", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 2},
        ]
    )
    scenario = reform(volumes_from="cremona_growth", volume_multipliers={"ADM-ADEA": 2})
    new, _, _ = apply_reform(plans, SCHEDULE, scenario, {"SAD-SADH": 1.5, "ADM-ADEA": 1.1})
    assert new["qty_per_week"].tolist() == pytest.approx([6.0, 3.0, 4.4])


def test_operator_mix_moves_a_share_of_plans():
    shift = reform(
        operator_mix=[
            {"service": "SAAP", "from_item": "SAAP_D1", "to_item": "SAAP_D2", "share": 0.3}
        ]
    )
    new, _, _ = apply_reform(saap_plan(), SCHEDULE, shift)
    assert new[["item", "weight"]].values.tolist() == [
        ["SAAP_D1", 0.7],
        ["SAAP_D2", pytest.approx(0.3)],
    ]
    both = cost_plans(new, SCHEDULE).groupby("item")["net_eur"].sum()
    d1 = cost_plans(saap_plan(), SCHEDULE)["net_eur"].sum()
    d2 = cost_plans(saap_plan(item="SAAP_D2"), SCHEDULE)["net_eur"].sum()
    assert both["SAAP_D1"] == pytest.approx(0.7 * d1, abs=0.1)
    assert both["SAAP_D2"] == pytest.approx(0.3 * d2, abs=0.1)


# --------------------------------------------------------------------------- properties


@st.composite
def toy_plans(draw):
    item = draw(st.sampled_from(["HOUR", "ADM", "CDM", "ISD", "AFFIDO", "PACK"]))
    start = pd.Timestamp("2023-01-01") + pd.Timedelta(days=draw(st.integers(0, 364)))
    plan = {
        "item": item,
        "start": start,
        "end": start + pd.Timedelta(days=draw(st.integers(0, 300))),
    }
    if item in ("HOUR", "ADM", "CDM"):
        plan["qty_per_week"] = draw(st.integers(0, 40)) / 2
    plan["uplift"] = draw(st.booleans())
    return plan


@settings(max_examples=40, deadline=None)
@given(st.lists(toy_plans(), min_size=1, max_size=6))
def test_reform_without_overrides_equals_baseline(plan_list):
    plans = caseload(plan_list)
    new_plans, schedule, options = apply_reform(plans, TOY, reform())
    base = cost_plans(plans, TOY)
    same = cost_plans(new_plans, schedule, **options)
    pd.testing.assert_frame_equal(base, same)


@settings(max_examples=40, deadline=None)
@given(st.lists(toy_plans(), min_size=1, max_size=6), st.floats(0.0, 30.0))
def test_tariff_increase_never_lowers_cost(plan_list, percent):
    plans = caseload(plan_list)
    change = reform(tariff_changes=[{"service": s, "percent": percent} for s in ("SAD", "AFFIDO")])
    new_plans, schedule, _ = apply_reform(plans, TOY, change)
    assert (
        cost_plans(new_plans, schedule)["gross_eur"].sum()
        >= cost_plans(plans, TOY)["gross_eur"].sum()
    )


# --------------------------------------------------------------------------- API and comparison


def test_api_costs_baseline_and_scenarios_and_compares():
    plans = caseload(
        [
            {"item": "SAAP_D1", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 7},
            {
                "item": "AFFIDO_FULL",
                "start": "2023-01-01",
                "end": "2023-12-31",
                "comune": "Offanengo",
            },
        ]
    )
    scenarios = [
        {"name": "stress", "vat_rate": 0.1, "flags": {"district_abatement": False}},
        paths.SCENARIOS_DIR / "saap_piu5_da_aprile.yaml",
    ]
    monthly = cost(plans, scenarios, schedule=SCHEDULE)
    assert monthly["scenario"].unique().tolist() == ["baseline", "stress", "saap_piu5_da_aprile"]
    summary = compare.summarise(monthly)
    base = summary[summary.scenario == "baseline"].set_index("service")
    # Affido 400 €/month × 12, half from district funds (exactly at the 200 € cap).
    assert base.loc["AFFIDO", ["gross_eur", "district_eur"]].tolist() == [4800.0, 2400.0]
    # SAAP_D1 1 h/day: 31 h × 18.87 + 334 h × 20.20 = 7331.77 € + 5 % VAT.
    assert base.loc["SAAP", "gross_eur"] == round(7331.77 * 1.05, 2)
    deltas = compare.compare_scenarios(monthly)
    payer = deltas["scenario_delta_payer"].set_index(["scenario", "payer"])
    assert payer.loc[("stress", "distretto"), "delta_eur"] == -2400.0
    assert payer.loc[("stress", "comune"), "delta_eur"] == pytest.approx(
        2400 + 7331.77 * 0.05, abs=0.02
    )
    comune = deltas["scenario_delta_comune"].set_index(["scenario", "comune"])
    assert comune.loc[("stress", "Offanengo"), "delta_eur"] == 2400.0
    month = deltas["scenario_delta_month"]
    assert len(month[month.scenario == "saap_piu5_da_aprile"]) == 12
    assert set(deltas) == {
        "scenario_delta_service",
        "scenario_delta_payer",
        "scenario_delta_comune",
        "scenario_delta_month",
    }


def test_duplicate_scenario_names_rejected():
    with pytest.raises(InputError) as err:
        load_reforms([{"name": "a"}, {"name": "a"}])
    assert err.value.key == "name" and "'a'" in err.value.found


def test_compare_without_scenarios_gives_empty_deltas():
    plans = caseload(
        [{"item": "ADM", "start": "2023-01-01", "end": "2023-01-31", "qty_per_week": 7}]
    )
    tables = compare.compare_scenarios(cost(plans, schedule=SCHEDULE))
    assert all(t.empty for t in tables.values())
