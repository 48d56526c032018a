"""The monthly cycle: billing rules to the cent, invoice check, commitments, CLI (issue 15).

Every expected figure is computed by hand from the tariff sheets of
``data/raw/004_a279edaa88320457.txt``: SAD feriale € 20,20 from 1/04/2023 (line 1350), € 19,20
before (line 1365), festivo € 24,00 (line 1351); ADM € 22,50 (line 1373); CDD full € 33 + € 1 FUD,
part € 16,50 + € 0,50 (lines 1464–1465); SFA full € 29, part € 14,50 (lines 1492–1493); VAT 5 %.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import pandas as pd
import pytest

from cscplan import paths
from cscplan.cli import main
from cscplan.errors import InputError
from cscplan.io import read_yaml_document
from cscplan.monitoring.billing import billable_monthly, billable_visits
from cscplan.monitoring.command import CycleInputs, compute_cycle, quarter_months
from cscplan.monitoring.intake import month_label, read_input
from cscplan.monitoring.invoices import provider_schedule
from cscplan.scenarios.caseload import district_comuni
from cscplan.tariffs.schedule import load_schedule, parse_schedule

HEADER = "Data;Codice utente;Comune;Ente;Prestazione;Minuti;Operatori;Codice attività"
RAW = paths.GUIDELINES.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(paths.TARIFFS)


def activity(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "attivita.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def billed(tmp_path, schedule, *rows):
    file = read_input(
        activity(tmp_path, *rows),
        paths.PROFILES / "attivita_gecas.yaml",
        district_comuni(paths.COMUNI),
        schedule.items,
    )
    visits = billable_visits(file, schedule)
    return visits, billable_monthly(visits, schedule)


def one(tmp_path, schedule, row):
    visits, monthly = billed(tmp_path, schedule, row)
    assert len(visits) == 1
    return visits.iloc[0], monthly


# --------------------------------------------------------------------------- billing rules


def test_a_20_minute_sad_visit_bills_the_30_minute_minimum(tmp_path, schedule):
    visit, monthly = one(tmp_path, schedule, "03/04/2023;U1;Crema;Coop;SAD_FERIALE;20;1;SAD-02")
    assert visit["billable_minutes"] == 30 and visit["quantity"] == 0.5  # 20 + 10 = 30 (l. 109)
    assert visit["rule"] == "sad" and "1357" in visit["rule_lines"].split(";")
    row = monthly.iloc[0]
    assert row["net_eur"] == pytest.approx(10.10, abs=0.001)  # 0,5 h × 20,20
    assert row["gross_eur"] == pytest.approx(10.10 * 1.05, abs=0.01)


def test_a_52_minute_visit_is_rounded_down(tmp_path, schedule):
    sad, monthly = one(tmp_path, schedule, "04/04/2023;U1;Crema;Coop;SAD_FERIALE;52;1;SAD-02")
    assert sad["billable_minutes"] == 60  # 52 + 10 = 62 → 60 (line 1359)
    assert monthly.iloc[0][["net_eur", "vat_eur", "gross_eur"]].tolist() == [20.20, 1.01, 21.21]
    adm, monthly = one(tmp_path, schedule, "04/04/2023;U2;Crema;Coop;ADM;52;1;ADM-03")
    assert adm["billable_minutes"] == 45 and adm["quantity"] == 0.75  # no travel (line 294)
    assert monthly.iloc[0]["net_eur"] == pytest.approx(16.875, abs=0.0051)  # 0,75 × 22,50


def test_each_operator_present_bills(tmp_path, schedule):
    visit, monthly = one(tmp_path, schedule, "05/04/2023;U1;Crema;Coop;SAD_FERIALE;50;2;SAD-08")
    assert visit["quantity"] == 2.0  # 60 minutes × 2 operators (line 105)
    assert monthly.iloc[0][["net_eur", "vat_eur", "gross_eur"]].tolist() == [40.40, 2.02, 42.42]


def test_easter_monday_is_billed_at_the_holiday_item(tmp_path, schedule):
    assert dt.date(2023, 4, 10) in holidays.country_holidays("IT", years=2023)
    visit, monthly = one(tmp_path, schedule, "10/04/2023;U1;Crema;Coop;SAD_FERIALE;50;1;SAD-02")
    assert visit["holiday"] and visit["item"] == "SAD_FESTIVO"
    assert visit["planned_item"] == "SAD_FERIALE"
    assert monthly.iloc[0][["item", "net_eur", "gross_eur"]].tolist() == [
        "SAD_FESTIVO",
        24.00,
        25.20,
    ]


def test_a_sunday_is_a_holiday_and_a_weekday_bills_the_weekday_item(tmp_path, schedule):
    visits, _ = billed(
        tmp_path,
        schedule,
        "02/04/2023;U1;Crema;Coop;SAD_FERIALE;50;1;SAD-02",  # Sunday
        "03/04/2023;U1;Crema;Coop;SAD_FESTIVO;50;1;SAD-02",  # Monday: the weekday item
    )
    assert visits["item"].tolist() == ["SAD_FESTIVO", "SAD_FERIALE"]


def test_a_patron_saints_day_is_a_weekday(tmp_path, schedule):
    # San Pantaleone, patron of Crema: 10 June, a Monday in 2024 (not a national holiday)
    day = dt.date(2024, 6, 10)
    assert day.weekday() == 0 and day not in holidays.country_holidays("IT", years=2024)
    visit, monthly = one(tmp_path, schedule, "10/06/2024;U1;Crema;Coop;SAD_FERIALE;50;1;SAD-02")
    assert not visit["holiday"] and visit["item"] == "SAD_FERIALE"
    assert monthly.iloc[0]["net_eur"] == 20.20  # the end-2023 rate continued in 2024 (line 76)


def test_the_first_quarter_rate_applies_before_april(tmp_path, schedule):
    _, monthly = one(tmp_path, schedule, "10/01/2023;U1;Crema;Coop;SAD_FERIALE;50;1;SAD-02")
    assert monthly.iloc[0]["net_eur"] == 19.20  # line 1365


def test_back_office_hours_are_logged_never_billed(tmp_path, schedule):
    visits, monthly = billed(
        tmp_path,
        schedule,
        "04/04/2023;U2;Crema;Coop;ADM;60;1;ADM-03",
        "28/04/2023;U2;Crema;Coop;ADM;120;1;ADM-14",
        "28/04/2023;U3;Crema;Coop;SIP;120;1;SIP-05",
    )
    assert visits["rule"].tolist() == ["diretta", "back_office", "back_office"]
    assert visits["quantity"].tolist() == [1.0, 0.0, 0.0]
    assert monthly["beneficiary_id"].tolist() == ["U2"]
    assert monthly.iloc[0]["net_eur"] == 22.50


def test_day_centre_hours_decide_part_or_full_time(tmp_path, schedule):
    visits, monthly = billed(
        tmp_path,
        schedule,
        "04/04/2023;U3;Crema;Coop;CDD_FULL;240;;",  # 4 h: part time (line 1487)
        "05/04/2023;U3;Crema;Coop;CDD_PART;360;;",  # 6 h: full time
        "04/04/2023;U4;Crema;Coop;SFA_FULL;180;;",  # 3 h: part time (line 1499)
        "05/04/2023;U4;Crema;Coop;SFA_PART;195;;",  # 3 h 15: full time
    )
    assert visits["item"].tolist() == ["CDD_PART", "CDD_FULL", "SFA_PART", "SFA_FULL"]
    gross = monthly.set_index(["beneficiary_id", "item"])["gross_eur"]
    assert gross[("U3", "CDD_PART")] == 17.00 and gross[("U3", "CDD_FULL")] == 34.00
    assert gross[("U4", "SFA_PART")] == 14.50 and gross[("U4", "SFA_FULL")] == 29.00


def test_payer_columns_sum_to_gross_and_follow_the_plan(tmp_path, schedule):
    caseload = pd.DataFrame(
        {
            "beneficiary_id": ["U5"],
            "comune": ["Crema"],
            "item": ["SIP"],
            "start": [pd.Timestamp("2023-01-01")],
            "end": [pd.Timestamp("2023-12-31")],
            "qty_per_week": [1.0],
            "placed_minor": [True],
        }
    )
    file = read_input(
        activity(tmp_path, "04/04/2023;U5;Crema;Coop;SIP;60;1;SIP-02"),
        paths.PROFILES / "attivita_gecas.yaml",
        None,
        schedule.items,
    )
    row = billable_monthly(billable_visits(file, schedule), schedule, caseload).iloc[0]
    assert row["gross_eur"] == pytest.approx(22.70 * 1.05, abs=0.005)  # line 1395
    assert row["district_eur"] == pytest.approx(row["gross_eur"] / 2, abs=0.01)  # line 1407
    assert row["comune_eur"] + row["district_eur"] == row["gross_eur"]


def test_every_billing_number_is_written_on_its_line():
    document = read_yaml_document(paths.TARIFFS).data["billing"]
    for rule in document["minute_rules"]:
        for key in ("travel_minutes", "step_minutes", "minimum_minutes"):
            entry = rule.get(key)
            if entry and entry["value"]:
                assert f"{entry['value']} minuti" in RAW[entry["source_line"] - 1], (rule, key)
    for pair in document["attendance"]:
        for key in ("part_from_hours", "full_above_hours"):
            if key in pair:
                assert f"{pair[key]['value']} ore" in RAW[pair[key]["source_line"] - 1]
    for code in document["back_office"]["codes"]:
        assert any(line.startswith(code + "\t") for line in RAW[1723:1773]), code


def test_a_billing_rule_naming_an_unknown_item_is_refused():
    document = read_yaml_document(paths.TARIFFS)
    data = document.data
    data["billing"]["minute_rules"][0]["items"].append("SAD_NOTTURNO")
    with pytest.raises(InputError) as err:
        parse_schedule(data, "t.yaml", document.lines)
    assert "minute_rules[0].items[4]" in err.value.message and "SAD_NOTTURNO" in err.value.message


# --------------------------------------------------------------------------- invoices, commitments


def write(tmp_path, name, *lines) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ROWS = (
    "03/04/2023;U1;Crema;Coop A;SAD_FERIALE;20;1;SAD-02",  # 0,5 h
    "04/04/2023;U1;Crema;Coop A;SAD_FERIALE;52;1;SAD-02",  # 1 h
    "10/04/2023;U1;Crema;Coop A;SAD_FERIALE;50;1;SAD-02",  # 1 h festivo
    "04/04/2023;U2;Offanengo;Coop B;ADM;60;1;ADM-03",  # 1 h
    "04/04/2023;U3;Offanengo;Coop C;CDD_FULL;360;;",  # full day
)


def test_invoices_agreeing_pass_and_each_difference_is_explained(tmp_path, schedule):
    # U1 billable: 1,5 h × 20,20 + 1 h × 24,00 = 54,30 + IVA 2,72 = 57,02 (rounded per row:
    # 30,30 + 1,52 and 24,00 + 1,20)
    path = write(
        tmp_path,
        "fatture.csv",
        "Ente;Mese;Codice utente;Imponibile;IVA;Totale",
        "Coop A;2023-04;U1;54,30;11,95;66,25",  # VAT at 22 %
        "Coop B;04/2023;U2;20,87;1,04;21,91",  # the January–March ADM rate (line 1387)
        "Coop C;aprile 2023;;33,00;0,00;33,00",  # provider and month only; CDD without FUD
    )
    cycle = compute_cycle(CycleInputs(activity(tmp_path, *ROWS), invoices=path))
    table = cycle.check.table.set_index("provider")
    assert table.loc["Coop A", "reason"] == "IVA"
    assert table.loc["Coop A", "billable"] == pytest.approx(57.02, abs=0.01)
    assert table.loc["Coop B", "reason"] == "tariffa"
    assert table.loc["Coop B", "delta"] == pytest.approx(21.91 - 23.62, abs=0.01)
    assert table.loc["Coop C", "reason"] == "" and table.loc["Coop C", "scope"] == "ente e mese"
    findings = cycle.findings
    assert sorted(findings["check"]) == ["fattura_iva", "fattura_tariffa"]
    assert findings.set_index("check").loc["fattura_iva", "source_line"] == 2


def test_unvalidated_hours_and_rounding_are_told_apart(tmp_path, schedule):
    path = write(
        tmp_path,
        "fatture.csv",
        "Ente;Mese;Codice utente;Imponibile;IVA;Totale",
        # without rounding: (30 + 62 min)/60 × 20,20 + 1 h × 24,00 = 54,97
        "Coop A;2023-04;U1;54,97;2,75;57,72",
        "Coop B;2023-04;U2;45,00;2,25;47,25",  # two hours instead of one
        "Coop B;2023-04;U9;22,50;1,13;23,63",  # nobody validated
    )
    cycle = compute_cycle(CycleInputs(activity(tmp_path, *ROWS), invoices=path))
    reasons = cycle.check.table.set_index("beneficiary_id")["reason"].to_dict()
    assert reasons == {"U1": "arrotondamento", "U2": "ore non validate", "U9": "ore non validate"}


def test_commitments_spent_forecast_and_the_80_percent_month(tmp_path, schedule):
    plans = write(
        tmp_path,
        "piani.csv",
        "beneficiary_id,comune,item,start,end,qty_per_week",
        "U2,Offanengo,ADM,2023-01-01,2023-12-31,7",
    )
    commitments = write(
        tmp_path,
        "impegni.csv",
        "Comune;Codice utente;Servizio;Importo;Dal;Al;Atto",
        "Crema;U1;;60,00;01/01/2023;31/12/2023;Det. 1",
        "Offanengo;U2;;5.000,00;01/01/2023;31/12/2023;Det. 2",
        "Offanengo;;CDD;1.000,00;01/01/2023;31/12/2023;Det. 3",
    )
    cycle = compute_cycle(
        CycleInputs(activity(tmp_path, *ROWS), commitments=commitments, caseload=plans)
    )
    status = cycle.watched.status.set_index("commitment_id")
    # U1: 57,02 € of 60 € spent in April → the 80 % reached
    assert status.loc["Det. 1", "spent_eur"] == pytest.approx(57.02, abs=0.01)
    assert status.loc["Det. 1", "state"] == "soglia 80% raggiunta"
    assert status.loc["Det. 1", "alert_month"] == "2023-04"
    # U2: 23,63 € in April; May–December forecast: 1 h a day × 22,50 × 1,05 → 80 % of 5.000 €
    adm = status.loc["Det. 2"]
    assert adm["spent_eur"] == pytest.approx(23.62, abs=0.01)
    daily = 22.50 * 1.05
    days = (pd.Timestamp("2023-12-31") - pd.Timestamp("2023-05-01")).days + 1
    assert adm["forecast_eur"] == pytest.approx(daily * days, abs=0.05)
    assert adm["state"] == "soglia 80% prevista"
    cumulative, month = 23.62, None
    for m in pd.period_range("2023-05", "2023-12", freq="M"):
        cumulative += daily * m.days_in_month
        if month is None and cumulative >= 4000:
            month = str(m)
    assert adm["alert_month"] == month
    # the CDD commitment of Offanengo covers U3 (a service commitment): 34 € a day
    assert status.loc["Det. 3", "spent_eur"] == 34.00
    alerts = cycle.watched.alerts
    assert set(alerts["commitment_id"]) == {"Det. 1", "Det. 2"}


def test_month_and_quarter_options():
    assert [month_label(t) for t in ("2023-03", "03/2023", "marzo 2023", "2023-3-01")] == [
        "2023-03"
    ] * 4
    assert month_label("2023-13") is None and month_label("tredici") is None
    assert quarter_months("2023Q2") == ["2023-04", "2023-05", "2023-06"]
    with pytest.raises(InputError):
        quarter_months("2023Q5")


def test_cli_mese_writes_the_tables_and_refuses_a_month_not_exported(tmp_path, capsys):
    export = activity(tmp_path, *ROWS)
    out = tmp_path / "out"
    assert main(["mese", str(export), "--mese", "2023-04", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert {"billable_visits.csv", "billable_monthly.csv", "findings.csv"} <= set(names)
    monthly = pd.read_csv(out / "billable_monthly.csv")
    # ADM: 22,50 + IVA 1,125 → 1,12 (half to even, as every output row of the engine)
    assert monthly["gross_eur"].sum() == pytest.approx(57.02 + 23.62 + 34.00, abs=0.001)
    capsys.readouterr()
    assert main(["mese", str(export), "--mese", "2023-05", "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "'--mese'" in err and "2023-04" in err and not (tmp_path / "o2").exists()
    assert main(["mese", str(export), "--mese", "2023-13", "--out", str(tmp_path / "o3")]) == 2


def test_provider_schedule_leaves_out_the_fud_contribution(schedule):
    rates = provider_schedule(schedule).rates
    assert (rates["fud_contribution"].fillna(0) == 0).all()
