"""The rules of the economic sheets, costed: each hand-computed to the cent on the real tariff
book (data/tariffs/tariffario.yaml), each failing if its rule is removed from the data.

* SAAP in upper-secondary schools: 3 coordination hours per project, at the end (line 1432);
* affido in pronto intervento: 500 € a month for the first three months, then 400 € (1510–1511);
* CDD "Alimenta quota FUD": 1 € a day full time, 0,50 € part time, paid by the comune (1463–1465);
* the abatement's 200 € monthly cap in a part month: literal (full cap) or pro-rated (1517, 1525);
* payers: FNA vouchers (AID), the poverty fund (QSFP), the family's franchigia (1596–1598).
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from reference_engine import caseload

from cscplan import paths
from cscplan.periods import Period
from cscplan.scenarios.caseload import load_caseload
from cscplan.tariffs.engine import cost_plans
from cscplan.tariffs.schedule import load_schedule, parse_schedule
from cscplan.vocabulary import PAYER_COLUMNS

SCHEDULE = load_schedule(paths.TARIFFS)
DATA = yaml.safe_load(paths.TARIFFS.read_text(encoding="utf-8"))


def costs(plans: list[dict], schedule=SCHEDULE, period=None, **options) -> pd.DataFrame:
    base = {"comune": "Crema", "qty_per_week": None}
    frame = pd.DataFrame([base | {"beneficiary_id": f"B{i}"} | p for i, p in enumerate(plans)])
    return cost_plans(load_caseload(frame, schedule), schedule, period, **options)


def month(frame: pd.DataFrame, label: str) -> pd.Series:
    rows = frame[frame["month"] == label]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def without(edit) -> object:
    """The tariff book with one rule taken out of the data (``edit`` changes a copy)."""
    data = copy.deepcopy(DATA)
    edit(data)
    return parse_schedule(data, "senza_regola.yaml")


def item(data: dict, code: str) -> dict:
    return next(i for i in data["items"] if i["code"] == code)


# --------------------------------------------------------------------------- SAAP coordination

SAAP = {"item": "SAAP_SUPERIORI", "start": "2023-09-11", "end": "2024-06-08", "qty_per_week": 10}


def test_saap_upper_secondary_coordination_hours_at_the_end_of_the_project():
    """June 2024: 8 days × 10/7 h = 11,428571 h + 3 h of coordination = 14,428571 h × 20,00 €
    (line 1424, continued in 2024) = 288,57 € net, VAT 5% 14,43 €, gross 303,00 €."""
    june = month(costs([SAAP], period=Period.school_year(2023)), "2024-06")
    assert june.quantity == pytest.approx(8 * 10 / 7 + 3, abs=1e-6)
    assert (june.net_eur, june.vat_eur, june.gross_eur, june.comune_eur) == (
        288.57,
        14.43,
        303.0,
        303.0,
    )
    # the other months carry only the weekly hours: September 20 days × 10/7 × 20,00 = 571,43
    assert month(costs([SAAP], period=Period.school_year(2023)), "2023-09").net_eur == 571.43


def test_without_the_rule_june_has_no_coordination_hours():
    def edit(data):
        item(data, "SAAP_SUPERIORI").pop("closing_units")
        data["parameters"].pop("saap_superiori_coordination_hours")

    schedule = without(edit)
    june = month(costs([SAAP], schedule, Period.school_year(2023)), "2024-06")
    assert (june.net_eur, june.gross_eur) == (228.57, 240.0)  # 11,428571 h × 20,00 €


def test_coordination_hours_only_when_the_project_ends_in_the_period():
    # costed for 2023 only, the project has not ended yet: no coordination hours in 2023
    total = costs([SAAP], period=Period.calendar_year(2023))["quantity"].sum()
    assert total == pytest.approx(112 * 10 / 7, abs=1e-6)
    # other SAAP profiles have no coordination hours
    d1 = month(costs([SAAP | {"item": "SAAP_D1"}], period=Period.school_year(2023)), "2024-06")
    assert d1.quantity == pytest.approx(8 * 10 / 7, abs=1e-6)


def test_coordination_hours_are_a_dated_parameter():
    """Reading "per l'anno scolastico in corso" as 2022/23 only is a data edit: 0 from
    1 September 2023 (the hours of the June 2023 project stay)."""
    import datetime as dt

    def edit(data):
        data["parameters"]["saap_superiori_coordination_hours"]["values"][dt.date(2023, 9, 1)] = 0

    schedule = without(edit)
    june_2024 = month(costs([SAAP], schedule, Period.school_year(2023)), "2024-06")
    assert june_2024.net_eur == 228.57
    spring = {
        "item": "SAAP_SUPERIORI",
        "start": "2023-01-09",
        "end": "2023-06-10",
        "qty_per_week": 10,
    }
    june_2023 = month(costs([spring], schedule), "2023-06")
    assert june_2023.net_eur == round((10 * 10 / 7 + 3) * 20.00, 2) == 345.71


# --------------------------------------------------------------------------- pronto intervento

PRONTO = {"item": "AFFIDO_PRONTO", "start": "2023-03-10", "end": "2023-08-31"}


def test_pronto_intervento_is_500_for_three_months_then_the_full_time_contribution():
    """10 March → switch on 10 June: March 500 × 22/31 = 354,84; April and May 500;
    June 500 × 9/30 + 400 × 21/30 = 150 + 280 = 430; July and August 400 (line 1510).
    District abatement 50%, cap 200 € a month (line 1525): March 177,42; then 200 each month."""
    frame = costs([PRONTO]).set_index("month")
    assert frame["gross_eur"].tolist() == [354.84, 500.0, 500.0, 430.0, 400.0, 400.0]
    assert frame["district_eur"].tolist() == [177.42, 200.0, 200.0, 200.0, 200.0, 200.0]
    assert frame["comune_eur"].tolist() == [177.42, 300.0, 300.0, 230.0, 200.0, 200.0]
    assert set(frame["item"]) == {"AFFIDO_PRONTO"}  # the rows keep the plan's item


def test_without_the_rule_pronto_stays_at_500():
    schedule = without(lambda d: item(d, "AFFIDO_PRONTO").pop("continues_as"))
    frame = costs([PRONTO], schedule).set_index("month")
    assert frame["gross_eur"].tolist() == [354.84, 500.0, 500.0, 500.0, 500.0, 500.0]


def test_the_three_months_count_from_the_start_even_before_the_period():
    # started 15 November 2022 (a plan the engine clips to the period): pronto until
    # 14 February 2023, then 400 €
    plan = {"item": "AFFIDO_PRONTO", "start": "2022-11-15", "end": "2023-03-31"}
    frame = cost_plans(caseload([plan]), SCHEDULE).set_index("month")
    # February: 500 × 14/28 + 400 × 14/28 = 450
    assert frame["gross_eur"].tolist() == [500.0, 450.0, 400.0]


# --------------------------------------------------------------------------- CDD quota FUD


def test_cdd_fud_contribution_is_paid_by_the_comune():
    """February 2023, 5 days a week = 20 days: full time 20 × (33,00 + 1,00) = 680,00;
    part time 20 × (16,50 + 0,50) = 340,00 — all on the comune (lines 1464–1465)."""
    plans = [
        {"item": "CDD_FULL", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 5},
        {"item": "CDD_PART", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 5},
    ]
    frame = costs(plans)
    assert frame["gross_eur"].tolist() == [680.0, 340.0]
    assert frame["comune_eur"].tolist() == [680.0, 340.0]
    assert frame["district_eur"].tolist() == [0.0, 0.0]


def test_without_the_rule_cdd_costs_only_the_tariff():
    def edit(data):
        for code in ("CDD_FULL", "CDD_PART"):
            for period in item(data, code)["periods"]:
                period.pop("fud_contribution")

    plans = [{"item": "CDD_FULL", "start": "2023-02-01", "end": "2023-02-28", "qty_per_week": 5}]
    assert costs(plans, without(edit))["gross_eur"].tolist() == [660.0]


# --------------------------------------------------------------------------- the cap in part months

UPLIFTED = {"item": "AFFIDO_FULL", "start": "2023-03-10", "end": "2023-04-30", "uplift": True}


def test_cap_in_a_part_month_literal_reading_is_the_default():
    """March: 480 × 22/31 = 340,65; half 170,32 < the monthly cap 200 (literal, line 1525)."""
    march = month(costs([UPLIFTED]), "2023-03")
    assert (march.gross_eur, march.district_eur, march.comune_eur) == (340.65, 170.32, 170.33)
    assert SCHEDULE.value("abatement_cap_pro_rata", SCHEDULE.period.start) is False


def test_cap_in_a_part_month_pro_rated_reading():
    """The other reading: cap 200 × 22/31 = 141,94 < 170,32 (the contribution's pro-rata of
    line 1517 applied to the cap)."""
    march = month(costs([UPLIFTED], cap_pro_rata=True), "2023-03")
    assert (march.gross_eur, march.district_eur, march.comune_eur) == (340.65, 141.94, 198.71)
    import datetime as dt

    def edit(data):
        data["parameters"]["abatement_cap_pro_rata"]["values"][dt.date(2023, 1, 1)] = True

    assert month(costs([UPLIFTED], without(edit)), "2023-03").district_eur == 141.94
    # a full month is the same under both readings: 480 → half 240, capped at 200
    assert month(costs([UPLIFTED], cap_pro_rata=True), "2023-04").district_eur == 200.0
    assert month(costs([UPLIFTED]), "2023-04").district_eur == 200.0


# --------------------------------------------------------------------------- payers


def test_fna_voucher_poverty_fund_and_family_pay_not_the_comune():
    """AID 2 h/week in July: 31 × 2/7 h × 21,00 = 186,00 + VAT 9,30 = 195,30 on the FNA;
    a QSFP package (860,00, line 1629) on the poverty fund; the exclusive summer centre
    20 h/week in July: 31 × 20/7 h × 14,00 = 1.240,00 + 62,00 = 1.302,00, of which the
    family's franchigia 30% = 390,60 and the FNA 911,40. No euro of them on the comune."""
    plans = [
        {"item": "AID", "start": "2023-07-01", "end": "2023-07-31", "qty_per_week": 2},
        {"item": "QSFP_EDU_ALTA", "start": "2023-07-03", "end": "2023-09-30"},
        {
            "item": "AID_CE_ESCLUSIVO_ALTA",
            "start": "2023-07-01",
            "end": "2023-07-31",
            "qty_per_week": 20,
        },
    ]
    frame = costs(plans)
    assert frame["gross_eur"].tolist() == [195.30, 860.0, 1302.0]
    assert frame["fna_eur"].tolist() == [195.30, 0.0, 911.40]
    assert frame["poverty_fund_eur"].tolist() == [0.0, 860.0, 0.0]
    assert frame["family_eur"].tolist() == [0.0, 0.0, 390.60]
    assert frame["comune_eur"].tolist() == [0.0, 0.0, 0.0]
    assert frame["district_eur"].tolist() == [0.0, 0.0, 0.0]
    assert (frame[list(PAYER_COLUMNS.values())].sum(axis=1) == frame["gross_eur"]).all()


def test_without_the_payer_data_the_comune_would_pay():
    def edit(data):
        for raw in data["items"]:
            raw.pop("payer", None)
            raw.pop("shares", None)
        data["parameters"].pop("summer_centre_franchigia")

    plans = [{"item": "AID", "start": "2023-07-01", "end": "2023-07-31", "qty_per_week": 2}]
    assert costs(plans, without(edit))["comune_eur"].tolist() == [195.30]


def test_isd_district_share_reads_its_parameter():
    # 120 €/week (profile 2), 10–30 Sep = 3 weeks: 360,00; comune 20% (line 1548) 72,00
    plan = {"item": "ISD_P2", "start": "2023-09-10", "end": "2023-09-30"}
    row = costs([plan]).iloc[0]
    assert (row.gross_eur, row.comune_eur, row.district_eur) == (360.0, 72.0, 288.0)
