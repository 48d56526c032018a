"""Cost engine: hand-computed cases to the cent, payer rules, errors and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_engine import caseload, toy_schedule

from cscplan.errors import InputError
from cscplan.tariffs.engine import COSTS_MONTHLY_COLUMNS, cost_plans
from cscplan.vocabulary import PAYER_COLUMNS

SCHEDULE = toy_schedule()


def rows(plans: list[dict], schedule=SCHEDULE, **options) -> pd.DataFrame:
    return cost_plans(caseload(plans), schedule, **options)


def month_row(frame: pd.DataFrame, month: str, comune: str = "Crema") -> pd.Series:
    hit = frame[(frame.month == month) & (frame.comune == comune)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def amounts(row: pd.Series) -> tuple[float, ...]:
    return tuple(round(float(row[c]), 2) for c in ("net_eur", "vat_eur", "gross_eur"))


def test_columns_and_month_labels():
    frame = rows([{"item": "HOUR", "start": "2023-01-30", "end": "2023-02-02", "qty_per_week": 7}])
    assert list(frame.columns) == COSTS_MONTHLY_COLUMNS
    assert frame["month"].tolist() == ["2023-01", "2023-02"]
    assert frame["scenario"].unique().tolist() == ["baseline"]


def test_hour_item_across_month_start_tariff_change():
    # 1 h/day: 7 days of March at 19.20, 7 days of April at 20.20 (+5% VAT).
    frame = rows([{"item": "HOUR", "start": "2023-03-25", "end": "2023-04-07", "qty_per_week": 7}])
    assert amounts(month_row(frame, "2023-03")) == (134.40, 6.72, 141.12)
    assert amounts(month_row(frame, "2023-04")) == (141.40, 7.07, 148.47)
    assert month_row(frame, "2023-04").quantity == pytest.approx(7.0)


def test_hour_item_across_mid_month_tariff_change():
    # 2 h/day: 10–14 June (5 days) at 20.20, 15–20 June (6 days) at 21.00.
    plan = {"item": "HOUR", "start": "2023-06-10", "end": "2023-06-20", "qty_per_week": 14}
    june = month_row(rows([plan]), "2023-06")
    assert amounts(june) == (454.00, 22.70, 476.70)
    assert amounts(month_row(rows([plan], vat_rate=0.10), "2023-06")) == (454.00, 45.40, 499.40)
    assert amounts(month_row(rows([plan], vat_rate=0.0), "2023-06")) == (454.00, 0.0, 454.00)


def test_plan_clipped_to_year():
    # 1 Dec 2022 – 31 Jan 2023 at 1 h/day: only January, 31 h at 19.20.
    frame = rows([{"item": "HOUR", "start": "2022-12-01", "end": "2024-01-31", "qty_per_week": 7}])
    assert frame["month"].iloc[0] == "2023-01"
    assert len(frame) == 12
    assert amounts(month_row(frame, "2023-01")) == (595.20, 29.76, 624.96)


def test_day_item_with_explicit_district_amount():
    # CSE-like: 5 days/week in February = 20 days × 53 €, of which 21 €/day from the FUD.
    frame = rows(
        [{"item": "DAY_FUD", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 5}]
    )
    feb = month_row(frame, "2023-02")
    assert feb.quantity == pytest.approx(20.0)
    assert (feb.gross_eur, feb.district_eur, feb.comune_eur) == (1060.00, 420.00, 640.00)


def test_week_item_isd_district_share():
    # 120 €/week: 10–30 Sep = 3 weeks; 1–20 Oct = 20/7 weeks. District 80 %.
    frame = rows([{"item": "ISD", "start": "2023-09-10", "end": "2023-10-20"}])
    sep, oct_ = month_row(frame, "2023-09"), month_row(frame, "2023-10")
    assert (sep.gross_eur, sep.district_eur, sep.comune_eur) == (360.00, 288.00, 72.00)
    assert (oct_.gross_eur, oct_.district_eur, oct_.comune_eur) == (342.86, 274.29, 68.57)


def test_month_item_part_months_and_mid_month_rate_change():
    # July: 19 days at 400/31 + 12 days at 450/31; 1–10 Aug at 450 × 10/31.
    frame = rows([{"item": "AFFIDO", "start": "2023-07-01", "end": "2023-08-10"}])
    july, aug = month_row(frame, "2023-07"), month_row(frame, "2023-08")
    assert july.gross_eur == round(13000 / 31, 2) == 419.35
    assert aug.gross_eur == round(4500 / 31, 2) == 145.16
    assert aug.quantity == pytest.approx(10 / 31, abs=1e-6)


def test_abatement_at_and_above_cap():
    # Full March at 400: 50 % = 200 = cap. With uplift 480: 50 % = 240 > cap → 200.
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-31"}
    march = month_row(rows([plan]), "2023-03")
    assert (march.gross_eur, march.district_eur, march.comune_eur) == (400.0, 200.0, 200.0)
    uplifted = month_row(rows([plan | {"uplift": True}]), "2023-03")
    assert (uplifted.gross_eur, uplifted.district_eur, uplifted.comune_eur) == (480, 200, 280)


def test_abatement_below_cap():
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-31", "uplift": True}
    high_cap = toy_schedule(abatement_cap_month=250.0)
    below = month_row(rows([plan], high_cap), "2023-03")
    assert (below.gross_eur, below.district_eur) == (480.0, 240.0)


def test_abatement_cap_in_a_part_month_literal_reading():
    # 10 days of March with uplift: 480 × 10/31 = 154.84; half 77.42. The cap is "mensile"
    # (line 1525): the literal reading keeps 200 € in a part month, so 77.42 is not capped.
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-10", "uplift": True}
    part = month_row(rows([plan]), "2023-03")
    assert (part.gross_eur, part.district_eur, part.comune_eur) == (154.84, 77.42, 77.42)


def test_abatement_cap_in_a_part_month_pro_rated_reading():
    # The other reading (parameter abatement_cap_pro_rata): cap 200 × 10/31 = 64.52 < 77.42.
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-10", "uplift": True}
    for frame in (
        rows([plan], toy_schedule(abatement_cap_pro_rata=True)),
        rows([plan], cap_pro_rata=True),
    ):
        part = month_row(frame, "2023-03")
        assert (part.gross_eur, part.district_eur, part.comune_eur) == (154.84, 64.52, 90.32)


def test_abatement_flag_off():
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-31"}
    march = month_row(rows([plan], district_abatement=False), "2023-03")
    assert (march.gross_eur, march.district_eur, march.comune_eur) == (400.0, 0.0, 400.0)


def test_day_item_vat_included_with_capped_abatement():
    # CDM 60 €/day VAT included, 5 days/week: June = 30 days × 5/7 × 60 = 1285.71; cap 200.
    frame = rows([{"item": "CDM", "start": "2023-06-01", "end": "2023-06-30", "qty_per_week": 5}])
    june = month_row(frame, "2023-06")
    assert (june.vat_eur, june.gross_eur, june.district_eur, june.comune_eur) == (
        0.0,
        1285.71,
        200.0,
        1085.71,
    )


def test_uncapped_abatement_day_item():
    # Same CDM month, abatement without cap (the document caps only affido, line 1525):
    # district = 50 % × 1285.714… = 642.857… → 642.86; comune = 1285.71 − 642.86.
    frame = rows(
        [{"item": "CDM_NOCAP", "start": "2023-06-01", "end": "2023-06-30", "qty_per_week": 5}]
    )
    june = month_row(frame, "2023-06")
    assert (june.gross_eur, june.district_eur, june.comune_eur) == (1285.71, 642.86, 642.85)


def test_real_cdm_is_uncapped_and_affido_capped():
    from cscplan import paths
    from cscplan.tariffs.schedule import load_schedule

    items = load_schedule(paths.TARIFFS).items.set_index("code")
    assert items.loc["CDM_SPAZIO", "abatement"] and not items.loc["CDM_SPAZIO", "abatement_capped"]
    assert items.loc["AFFIDO_FULL", "abatement"] and items.loc["AFFIDO_FULL", "abatement_capped"]


def test_package_charged_once_in_start_month():
    frame = rows(
        [
            {"item": "PACK", "start": "2023-05-30", "end": "2023-06-20"},
            {"item": "PACK", "start": "2023-06-01", "end": "2023-08-20"},
            {"item": "PACK", "start": "2022-12-15", "end": "2023-02-01"},
        ]
    )
    assert frame[["beneficiary_id", "month", "quantity", "gross_eur"]].values.tolist() == [
        ["B0", "2023-05", 1.0, 215.0],
        ["B1", "2023-06", 1.0, 230.0],
    ]


def test_second_comune_splits_every_amount():
    # ADM 7 h/week, 1–31 Jan: 31 h × 20.87 = 646.97 + 5 % = 679.32 €; half (rounded) each.
    plan = {"item": "ADM", "start": "2023-01-01", "end": "2023-01-31", "qty_per_week": 7}
    frame = rows([plan | {"second_comune": "Bagnolo Cremasco"}])
    by_comune = frame.groupby("comune")["comune_eur"].sum()
    assert by_comune.to_dict() == pytest.approx({"Crema": 339.67, "Bagnolo Cremasco": 339.65})
    assert frame["quantity"].sum() == pytest.approx(31.0)
    single = rows([plan])
    assert round(frame["gross_eur"].sum(), 2) == single["gross_eur"].sum() == 679.32


def test_sip_placed_minor_half_district():
    plan = {"item": "SIP", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 7}
    placed = month_row(rows([plan | {"placed_minor": True}]), "2023-02")
    # 28 h × 22.70 = 635.60 + 5 % = 667.38 → district 333.69.
    assert (placed.gross_eur, placed.district_eur, placed.comune_eur) == (667.38, 333.69, 333.69)
    assert month_row(rows([plan]), "2023-02").district_eur == 0.0


def test_placed_minor_ignored_outside_sip():
    plan = {"item": "HOUR", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 7}
    assert rows([plan | {"placed_minor": True}])["district_eur"].sum() == 0.0


def test_group_rates():
    plan = {"item": "GROUP", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 7}
    assert month_row(rows([plan | {"group_size": 3}]), "2023-02").net_eur == 28 * 11.0
    assert month_row(rows([plan | {"group_size": 1}]), "2023-02").net_eur == 28 * 21.0
    assert month_row(rows([plan]), "2023-02").net_eur == 28 * 21.0  # no size: alone


def test_weight_scales_amounts_and_cap():
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-31", "uplift": True}
    frame = caseload([plan]).assign(weight=1.5)
    march = cost_plans(frame, SCHEDULE).iloc[0]
    assert (march.quantity, march.gross_eur, march.district_eur) == (1.5, 720.0, 300.0)


def test_uptake_scales_amounts_not_cap():
    plan = {"item": "AFFIDO", "start": "2023-03-01", "end": "2023-03-31", "uplift": True}
    march = cost_plans(caseload([plan]), SCHEDULE, uptake=np.array([0.5])).iloc[0]
    assert (march.gross_eur, march.district_eur) == (240.0, 120.0)


def test_empty_caseload_gives_empty_table():
    frame = caseload([{"item": "HOUR", "start": "2023-01-01", "end": "2023-01-02"}]).iloc[:0]
    out = cost_plans(frame, SCHEDULE)
    assert out.empty and list(out.columns) == COSTS_MONTHLY_COLUMNS


# --------------------------------------------------------------------------- errors


def test_unknown_item_names_row():
    with pytest.raises(InputError) as err:
        rows(
            [{"item": "HOUR", "start": "2023-01-01", "end": "2023-01-02", "qty_per_week": 1}] * 2
            + [{"item": "NOPE", "start": "2023-01-01", "end": "2023-01-02"}]
        )
    assert err.value.row == 4 and err.value.column == "item"
    assert "'NOPE'" in str(err.value) and "riga 4" in str(err.value)


def test_missing_group_rate_names_group_size():
    with pytest.raises(InputError) as err:
        rows(
            [
                {
                    "item": "GROUP",
                    "start": "2023-01-01",
                    "end": "2023-01-02",
                    "qty_per_week": 1,
                    "group_size": 5,
                }
            ]
        )
    assert err.value.column == "group_size" and err.value.row == 2
    assert "GROUP" in err.value.expected


def test_missing_hours_named():
    with pytest.raises(InputError) as err:
        rows([{"item": "HOUR", "start": "2023-01-01", "end": "2023-01-02"}])
    assert err.value.column == "qty_per_week" and err.value.row == 2


def test_year_without_rates():
    with pytest.raises(InputError) as err:
        rows(
            [{"item": "HOUR", "start": "2024-01-01", "end": "2024-01-02", "qty_per_week": 1}],
            year=2024,
        )
    assert "2024-01-01" in err.value.expected and err.value.file == "toy.yaml"


def test_missing_column():
    frame = caseload([{"item": "HOUR", "start": "2023-01-01", "end": "2023-01-02"}])
    with pytest.raises(InputError) as err:
        cost_plans(frame.drop(columns=["comune"]), SCHEDULE)
    assert "comune" in err.value.found


# --------------------------------------------------------------------------- properties

ITEMS = ["HOUR", "ADM", "SIP", "DAY_FUD", "CDM", "ISD", "AFFIDO", "PACK"]


@st.composite
def plan_st(draw):
    item = draw(st.sampled_from(ITEMS))
    start = pd.Timestamp("2022-12-01") + pd.Timedelta(days=draw(st.integers(0, 420)))
    plan = {
        "item": item,
        "start": start,
        "end": start + pd.Timedelta(days=draw(st.integers(0, 200))),
        "uplift": draw(st.booleans()),
        "placed_minor": draw(st.booleans()),
        "second_comune": draw(st.sampled_from(["", "Offanengo"])),
    }
    if item in ("HOUR", "ADM", "SIP", "DAY_FUD", "CDM"):
        plan["qty_per_week"] = draw(st.integers(0, 80)) / 2
    return plan


@settings(max_examples=80, deadline=None)
@given(st.lists(plan_st(), min_size=1, max_size=8), st.booleans())
def test_payer_shares_sum_to_gross_exactly(plans, abatement):
    frame = rows(plans, district_abatement=abatement)
    payers = frame[list(PAYER_COLUMNS.values())].sum(axis=1)
    assert (payers.round(2) == frame.gross_eur).all()
    assert ((frame.net_eur + frame.vat_eur).round(2) == frame.gross_eur).all()
    assert (frame.district_eur >= 0).all() and (frame.comune_eur >= -0.005).all()


@settings(max_examples=60, deadline=None)
@given(plan_st(), st.integers(1, 40))
def test_cost_monotone_in_hours(plan, extra_half_hours):
    if "qty_per_week" not in plan:
        plan["qty_per_week"] = 1.0
        plan["item"] = "HOUR"
    more = plan | {"qty_per_week": plan["qty_per_week"] + extra_half_hours / 2}
    base, bigger = rows([plan]), rows([more])
    assert bigger.gross_eur.sum() >= base.gross_eur.sum()
    assert bigger.comune_eur.sum() >= base.comune_eur.sum() - 0.01


# --------------------------------------------------------------------------- real schedule


def test_real_schedule_sad_and_cse_figures():
    from cscplan import paths
    from cscplan.tariffs.schedule import load_schedule

    real = load_schedule(paths.TARIFFS)
    plans = [
        {"item": "SAD_FERIALE", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 7},
        {"item": "CSE_FULL", "start": "2023-03-01", "end": "2023-03-31", "qty_per_week": 7},
    ]
    frame = rows(plans, real)
    sad = frame[frame.item == "SAD_FERIALE"]
    # 1 h/day: 90 days at 19.20 (lines 1365) and 275 days at 20.20 (line 1350), + 5 % VAT.
    assert sad.net_eur.sum() == pytest.approx(90 * 19.20 + 275 * 20.20, abs=0.05)
    assert month_row(sad, "2023-03").net_eur == 595.20  # 31 × 19.20
    assert month_row(sad, "2023-04").net_eur == 606.00  # 30 × 20.20
    # CSE full time (line 1479): 31 days × 53 €, FUD 21 €/day.
    cse = month_row(frame[frame.item == "CSE_FULL"], "2023-03")
    assert (cse.gross_eur, cse.district_eur, cse.comune_eur) == (1643.0, 651.0, 992.0)


def test_stacked_scenario_runs_equal_separate_runs():
    from cscplan.tariffs.engine import CostRun, cost_runs

    plans = caseload(
        [
            {"item": "HOUR", "start": "2023-02-10", "end": "2023-08-31", "qty_per_week": 6},
            {"item": "AFFIDO", "start": "2023-01-01", "end": "2023-12-31", "uplift": True},
        ]
    )
    other = toy_schedule(uplift=0.5)
    stacked = cost_runs(
        [
            CostRun("baseline", plans, SCHEDULE),
            CostRun("alt", plans, other, vat_rate=0.1, district_abatement=False),
        ]
    )
    alone = cost_plans(plans, other, vat_rate=0.1, district_abatement=False, scenario="alt")
    pd.testing.assert_frame_equal(stacked[stacked.scenario == "alt"].reset_index(drop=True), alone)
    pd.testing.assert_frame_equal(
        stacked[stacked.scenario == "baseline"].reset_index(drop=True), cost_plans(plans, SCHEDULE)
    )


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(1, 31),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_pro_rata_never_exceeds_the_full_month(month, a, b, uplift, abatement, pro_rata):
    import calendar

    dim = calendar.monthrange(2023, month)[1]
    first, last = sorted((min(a, dim), min(b, dim)))
    label = f"2023-{month:02d}"

    def cost(start: int, end: int) -> pd.Series:
        plan = {"item": "AFFIDO", "start": f"{label}-{start:02d}", "end": f"{label}-{end:02d}"}
        frame = rows(
            [plan | {"uplift": uplift}], district_abatement=abatement, cap_pro_rata=pro_rata
        )
        return month_row(frame, label)

    part, full = cost(first, last), cost(1, dim)
    assert part.gross_eur <= full.gross_eur
    assert part.district_eur <= full.district_eur
    cap = 200 * (last - first + 1) / dim if pro_rata else 200  # pro-rated, or the monthly cap
    assert part.district_eur <= cap + 0.005
