"""The tariff book: provenance of every amount, hand-checked rates, structural errors, the
timeline (dated values, continuation for the document's validity, indexation)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan import metadata, paths
from cscplan.errors import InputError
from cscplan.periods import Period
from cscplan.scenarios.caseload import load_caseload
from cscplan.tariffs.engine import cost_plans
from cscplan.tariffs.schedule import load_schedule, parse_schedule, rate_in_force
from cscplan.vocabulary import PAYER_COLUMNS

BAD = Path(__file__).parent / "bad_inputs"
ISD = 36  # position of ISD_P1 in data/tariffs/tariffario.yaml
JAN_1 = dt.date(2023, 1, 1)
REQUIRED_CODES = (
    "SAD_FERIALE SAD_FESTIVO ADM SIP SAAP_D2 SAAP_D1 SAAP_ASA_OSS SAAP_SUPERIORI CSE_FULL "
    "CSE_PART SFA_FULL CDD_FULL AFFIDO_FULL CDM_SPAZIO ISD_P1 ISD_P2 ISD_P3 ISD_P4 ISD_P5 ISD_P6 AID"
).split()


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(paths.TARIFFS)


@pytest.fixture(scope="module")
def raw_lines():
    return paths.GUIDELINES.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def yaml_data():
    return yaml.safe_load(paths.TARIFFS.read_text(encoding="utf-8"))


def _amount_on_line(amount: float, line: str) -> bool:
    """The amount as the document writes it: '19,20' or, for whole euros, '400'."""
    italian = f"{amount:.2f}".replace(".", ",")
    if italian in line:
        return True
    whole = re.search(rf"(?<![\d.,]){int(amount)}(?![\d,])", line)
    return amount == int(amount) and whole is not None


def test_required_codes_present(schedule):
    assert set(REQUIRED_CODES) <= set(schedule.items["code"])


def test_every_amount_appears_on_its_source_line(schedule, raw_lines):
    for row in schedule.rates.itertuples():  # continued rows keep the line of their amount
        line = raw_lines[row.source_line - 1]
        for amount in (row.rate, row.district_rate, row.fud_contribution):
            if pd.notna(amount):
                assert _amount_on_line(amount, line), (row.code, amount, row.source_line, line)


def test_every_item_line_lies_in_the_economic_sheets(schedule):
    assert schedule.items["source_line"].between(1339, 1666).all()
    assert schedule.rates["source_line"].between(1339, 1666).all()


def test_parameters_and_their_lines(schedule, raw_lines):
    lines = schedule.parameter_lines

    def value(name):
        return schedule.value(name, JAN_1)

    assert "year" not in schedule.parameters  # the timeline is dated, not a year
    assert value("abatement_share") == 0.5 and "50%" in raw_lines[lines["abatement_share"] - 1]
    assert value("abatement_cap_month") == 200.0
    assert "200,00" in raw_lines[lines["abatement_cap_month"] - 1]
    assert value("abatement_cap_pro_rata") is False  # the literal reading of line 1525
    assert "mensili" in raw_lines[lines["abatement_cap_pro_rata"] - 1]
    assert value("uplift") == 0.2 and "20%" in raw_lines[lines["uplift"] - 1]
    assert value("isd_comune_share") == 0.2 and "20%" in raw_lines[lines["isd_comune_share"] - 1]
    assert "50% cadauno" in raw_lines[lines["adm_second_comune_share"] - 1]
    assert "50% cadauno" in raw_lines[lines["sip_second_comune_share"] - 1]
    assert "50%" in raw_lines[lines["sip_placed_minor_district_share"] - 1]
    assert value("saap_superiori_coordination_hours") == 3
    assert "3h" in raw_lines[lines["saap_superiori_coordination_hours"] - 1]
    assert value("summer_centre_franchigia") == 0.3
    assert "30%" in raw_lines[lines["summer_centre_franchigia"] - 1]
    assert lines["vat_rate"] is None  # not stated by the document: a scenario parameter
    for parameter in schedule.parameters.values():  # dated values, each from 1 January 2023
        assert parameter.dates == (JAN_1,) and parameter.note


def test_the_timeline_continues_2024_at_the_end_of_2023_values(schedule, raw_lines):
    """Line 76: the guidelines hold until 31/12/2024; 2024 rates are the ones in force on
    31/12/2023, labelled as a continuation with the validity's line."""
    assert "31 dicembre 2024" in raw_lines[schedule.validity_line - 1]
    assert schedule.validity_line == 76
    rates = schedule.rates
    later = rates[rates["valid_from"] >= pd.Timestamp("2024-01-01")]
    assert set(later["basis"]) == {"continuazione"} and set(later["basis_line"]) == {76}
    assert (later["valid_from"] == pd.Timestamp("2024-01-01")).all()
    assert (later["valid_to"] == pd.Timestamp("2024-12-31")).all()
    assert later["basis_note"].str.contains("31/12/2023").all()
    dated = rates[rates["basis"] == "datata"]
    assert (
        dated["valid_to"].max() == pd.Timestamp("2023-12-31") and dated["basis_line"].isna().all()
    )
    for code in ("SAD_FERIALE", "SAAP_D1", "ADM", "SIP", "AFFIDO_FULL"):
        assert rate_in_force(schedule, code, dt.date(2024, 7, 1)) == rate_in_force(
            schedule, code, dt.date(2023, 12, 31)
        )
    assert rate_in_force(schedule, "AID", dt.date(2024, 7, 1), group_size=3) == 11.0
    with pytest.raises(InputError, match="data coperta"):
        rate_in_force(schedule, "SAD_FERIALE", dt.date(2025, 1, 1))


def test_aid_group_rates_are_written_once(yaml_data, schedule):
    """The AID group rates (lines 1576–1581) are one shared list, read by both AID items."""
    lists = yaml_data["rate_lists"]
    assert list(lists) == ["aid_group"] and len(lists["aid_group"]) == 7
    users = [i["code"] for i in yaml_data["items"] if i["periods"] == "aid_group"]
    assert users == ["AID", "AID_CE_ACCOMPAGNAMENTO"]
    for size, rate in ((1, 21.0), (4, 9.0), (7, 6.5)):
        day = dt.date(2023, 7, 1)
        assert rate_in_force(schedule, "AID_CE_ACCOMPAGNAMENTO", day, group_size=size) == rate


@pytest.mark.parametrize(
    ("code", "day", "expected"),
    [
        ("SAD_FERIALE", dt.date(2023, 3, 31), 19.20),  # line 1365
        ("SAD_FERIALE", dt.date(2023, 4, 1), 20.20),  # line 1350
        ("SAD_FESTIVO", dt.date(2023, 2, 1), 24.00),
        ("ADM", dt.date(2023, 3, 31), 20.87),  # line 1387
        ("ADM", dt.date(2023, 4, 1), 22.50),  # line 1373
        ("SIP", dt.date(2023, 1, 31), 21.73),  # line 1411
        ("SIP", dt.date(2023, 2, 1), 22.70),  # line 1395
        ("SAAP_D2", dt.date(2023, 1, 15), 18.87),  # line 1452
        ("SAAP_D2", dt.date(2023, 2, 1), 21.50),
        ("SAAP_D1", dt.date(2023, 9, 12), 20.20),
        ("SAAP_ASA_OSS", dt.date(2023, 12, 31), 20.20),
        ("SAAP_SUPERIORI", dt.date(2023, 6, 1), 20.00),
        ("CDD_FULL", dt.date(2023, 6, 1), 33.00),
        ("CSE_FULL", dt.date(2023, 6, 1), 53.00),
        ("CSE_DISTANZA", dt.date(2023, 6, 1), 21.09),
        ("SFA_FULL", dt.date(2023, 6, 1), 29.00),
        ("AFFIDO_FULL", dt.date(2023, 6, 1), 400.0),
        ("AFFIDO_PRONTO", dt.date(2023, 6, 1), 500.0),
        ("AFFIDO_PARZIALE_SETTIMANA", dt.date(2023, 6, 1), 15.0),
        ("CDM_SPAZIO", dt.date(2023, 6, 1), 60.00),
        ("ISD_P1", dt.date(2023, 6, 1), 80.00),
        ("ISD_P6", dt.date(2023, 6, 1), 280.00),
        ("MEDIAZIONE_CULTURALE", dt.date(2023, 6, 1), 21.00),
        ("QSFP_DOM_ALTA", dt.date(2023, 6, 1), 380.00),
    ],
)
def test_hand_checked_rates(schedule, code, day, expected):
    assert rate_in_force(schedule, code, day) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 21.0), (2, 13.0), (3, 11.0), (4, 9.0), (5, 7.5), (6, 7.0), (7, 6.5)]
)
def test_aid_group_rates(schedule, size, expected):
    assert rate_in_force(schedule, "AID", dt.date(2023, 7, 10), group_size=size) == expected


def test_aid_without_group_size_is_individual(schedule):
    assert rate_in_force(schedule, "AID", dt.date(2023, 7, 10)) == 21.0


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 860.0), (2, 452.0), (3, 452.0), (5, 228.0), (8, 154.0)]
)
def test_qsfp_group_rates(schedule, size, expected):
    assert (
        rate_in_force(schedule, "QSFP_EDU_ALTA", dt.date(2023, 5, 2), group_size=size) == expected
    )


def test_group_size_beyond_the_sheet_is_rejected(schedule):
    with pytest.raises(InputError, match="dimensione di gruppo"):
        rate_in_force(schedule, "AID", dt.date(2023, 7, 10), group_size=8)


def test_unknown_code_is_rejected(schedule):
    with pytest.raises(InputError, match="codice voce"):
        rate_in_force(schedule, "NOPE", dt.date(2023, 7, 10))


def test_item_attributes(schedule):
    items = schedule.items.set_index("code")
    assert items.loc["ISD_P3", "district_share"] == pytest.approx(
        1 - schedule.value("isd_comune_share", JAN_1)
    )
    assert (items.loc["ISD_P3", "min_weeks"], items.loc["ISD_P3", "max_weeks"]) == (3, 6)
    assert items.loc["CSE_FULL", "district_share"] == pytest.approx(21 / 53)
    assert items.loc["AFFIDO_FULL", ["abatement", "uplift_allowed"]].all()
    assert items.loc["CDM_SPAZIO", "abatement"] and not items.loc["CDM_SPAZIO", "uplift_allowed"]
    assert items.loc["CDM_SPAZIO", "vat"] == "included"
    assert items.loc["SAAP_D1", "vat"] == "added" and items.loc["AFFIDO_FULL", "vat"] == "none"
    assert items.loc["SAAP_D1", "qty_required"] and not items.loc["ISD_P1", "qty_required"]
    assert items.loc["AID", "group_pricing"] and not items.loc["SIP", "group_pricing"]


def test_eligibility_and_payers_are_data(schedule):
    """Which items accept an option, and who pays, are read from the tariff book."""
    items = schedule.items.set_index("code")
    assert set(items.index[items["second_comune_allowed"]]) == {"ADM", "SIP"}
    assert set(items.index[items["placed_minor_allowed"]]) == {"SIP"}
    assert set(items.index[items["uplift_allowed"]]) == {c for c in items.index if "AFFIDO" in c}
    assert set(items.index[items["closing_units"]]) == {"SAAP_SUPERIORI"}
    assert items.loc["AFFIDO_PRONTO", ["continues_as", "continues_after_months"]].tolist() == [
        "AFFIDO_FULL",
        3,
    ]
    assert items.loc["SAAP_D1", "operator_alternative"] == "SAAP_D2"
    payer = items["payer"]
    assert set(payer[items["service"] == "QSFP"]) == {"fondo_poverta"}
    assert payer["MEDIAZIONE_CULTURALE"] == "fondo_poverta"
    assert set(payer[items["service"] == "AID"]) == {"fna"}
    assert (payer[~items["service"].isin(["QSFP", "AID", "MEDIAZIONE"])] == "comune").all()
    family = schedule.item_values[schedule.item_values["role"] == "share:famiglia"]
    assert sorted(family["code"]) == ["AID_CE_ESCLUSIVO_ALTA", "AID_CE_ESCLUSIVO_MEDIA"]
    assert set(family["value"]) == {"summer_centre_franchigia"}


def test_explicit_district_rates(schedule):
    rates = schedule.rates[schedule.rates["basis"] == "datata"].set_index("code")
    assert rates.loc["CSE_FULL", "district_rate"] == 21.0
    assert rates.loc["SFA_FULL", "district_rate"] == 0.5
    assert pd.isna(rates.loc["CDD_FULL", "district_rate"])
    assert rates.loc["CDD_FULL", "fud_contribution"] == 1.0


@functools.cache
def _shared_schedule():
    return load_schedule(paths.TARIFFS)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2024, 12, 31)))
def test_every_item_has_exactly_one_rate_every_day(day):
    schedule = _shared_schedule()
    stamp = pd.Timestamp(day)
    rates = schedule.rates
    live = rates[(rates["valid_from"] <= stamp) & (rates["valid_to"] >= stamp)]
    counts = live.groupby(["code", live["group_size"].fillna(0)]).size()
    assert (counts == 1).all()
    assert set(live["code"]) == set(schedule.items["code"])


def _assert_error(path: Path, *fragments: str) -> None:
    with pytest.raises(InputError) as info:
        load_schedule(path)
    message = str(info.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, message


def test_bad_overlap():
    _assert_error(
        BAD / "tariff_overlap.yaml", "items[1].periods[1].from", "sovrappos", "SIP", "01/02/2023"
    )


def test_bad_gap():
    _assert_error(
        BAD / "tariff_gap.yaml", "items[1].periods[1].from", "contigui", "SIP", "01/02/2023"
    )


def test_bad_unit():
    _assert_error(BAD / "tariff_bad_unit.yaml", "items[1].unit", "hour, day", "'ora'")


def test_bad_unknown_key():
    _assert_error(BAD / "tariff_unknown_key.yaml", "items[1].periods[0].tariffa", "sconosciuta")


def test_missing_end_of_year_is_a_gap(yaml_data):
    data = copy.deepcopy(yaml_data)
    data["items"][0]["periods"][1]["to"] = dt.date(2023, 12, 30)
    with pytest.raises(InputError, match=r"31/12/2023") as info:
        parse_schedule(data, "t.yaml")
    assert info.value.key == "items[0].periods[1].to"


def test_bad_vat_and_percent_string(yaml_data):
    data = copy.deepcopy(yaml_data)
    data["items"][2]["vat"] = "iva"
    with pytest.raises(InputError, match="added, included, none"):
        parse_schedule(data, "t.yaml")
    data = copy.deepcopy(yaml_data)
    data["parameters"]["uplift"]["values"][JAN_1] = "20%"
    with pytest.raises(InputError, match="un numero") as info:
        parse_schedule(data, "t.yaml")
    assert info.value.key == "parameters.uplift.values.2023-01-01"


def test_duplicate_code_and_group_rules(yaml_data):
    data = copy.deepcopy(yaml_data)
    data["items"][1]["code"] = data["items"][0]["code"]
    with pytest.raises(InputError, match="già definito"):
        parse_schedule(data, "t.yaml")
    data = copy.deepcopy(yaml_data)
    data["items"][0]["periods"][0]["group_size"] = 2
    with pytest.raises(InputError, match="group_pricing"):
        parse_schedule(data, "t.yaml")


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("parameters:\n  uplift: [0.2\nitems: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML valido") as info:
        load_schedule(path)
    assert info.value.row is not None


# --- parameters are read, contracts hold ---------------------------------------------------------


def test_isd_items_read_the_comune_share_parameter(yaml_data):
    data = copy.deepcopy(yaml_data)
    assert {i["comune_share"] for i in data["items"] if i["service"] == "ISD"} == {
        "isd_comune_share"
    }
    data["parameters"]["isd_comune_share"]["values"][JAN_1] = 0.3
    items = parse_schedule(data, "t.yaml").items.set_index("code")
    assert items.loc[["ISD_P1", "ISD_P6"], "district_share"].tolist() == pytest.approx([0.7, 0.7])


def _gross(schedule) -> float:
    plans = pd.DataFrame(
        [
            {"item": "SAAP_D1", "qty_per_week": 10, "uplift": False},  # vat_rate
            {"item": "AFFIDO_FULL", "qty_per_week": None, "uplift": True, "end": "2023-06-20"},
            {"item": "ADM", "qty_per_week": 5, "second_comune": "Dovera"},
            {
                "item": "SIP",
                "qty_per_week": 2,
                "placed_minor": True,
                "second_comune": "Bagnolo Cremasco",
            },
            {"item": "ISD_P1", "qty_per_week": None, "end": "2023-03-21"},
            {"item": "SAAP_SUPERIORI", "qty_per_week": 8},
            {"item": "AID_CE_ESCLUSIVO_ALTA", "qty_per_week": 20},
        ]
    )
    plans = plans.assign(beneficiary_id="B", comune="Crema", start="2023-03-01")
    plans["end"] = plans.get("end", pd.Series(dtype=object)).fillna("2023-06-30")
    costs = cost_plans(load_caseload(plans, schedule), schedule)
    money = ["gross_eur", *PAYER_COLUMNS.values()]
    return costs.groupby("comune")[money].sum().to_numpy().round(2).tolist()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("vat_rate", 0.1),
        ("abatement_share", 0.4),
        ("abatement_cap_month", 100.0),
        ("uplift", 0.3),
        ("adm_second_comune_share", 0.4),
        ("sip_second_comune_share", 0.4),
        ("sip_placed_minor_district_share", 0.6),
        ("isd_comune_share", 0.3),
        ("abatement_cap_pro_rata", True),
        ("saap_superiori_coordination_hours", 5),
        ("summer_centre_franchigia", 0.2),
    ],
)
def test_every_parameter_changes_some_cost(yaml_data, name, value):
    """A parameter that nothing reads would leave every amount unchanged."""
    assert set(yaml_data["parameters"]) == {
        "vat_rate", "abatement_share", "abatement_cap_month", "uplift", "adm_second_comune_share",
        "sip_second_comune_share", "sip_placed_minor_district_share", "isd_comune_share",
        "abatement_cap_pro_rata", "saap_superiori_coordination_hours", "summer_centre_franchigia",
    }  # fmt: skip
    base = _gross(parse_schedule(copy.deepcopy(yaml_data), "t.yaml"))
    data = copy.deepcopy(yaml_data)
    data["parameters"][name]["values"][JAN_1] = value
    assert _gross(parse_schedule(data, "t.yaml")) != base


def test_a_dated_parameter_changes_the_cost_from_its_month(yaml_data):
    """VAT 5% until June, 10% from 1 July 2023: July's VAT doubles, June's does not move."""
    data = copy.deepcopy(yaml_data)
    data["parameters"]["vat_rate"]["values"][dt.date(2023, 7, 1)] = 0.10
    plan = {"beneficiary_id": "B", "comune": "Crema", "item": "SAD_FERIALE", "qty_per_week": 7}
    plans = pd.DataFrame([plan | {"start": "2023-06-01", "end": "2023-07-31"}])
    for schedule, july_vat in (
        (parse_schedule(data, "t.yaml"), 62.62),
        (load_schedule(paths.TARIFFS), 31.31),
    ):
        costs = cost_plans(load_caseload(plans, schedule), schedule).set_index("month")
        # 30 h × 20,20 = 606,00 at 5% = 30,30; 31 h × 20,20 = 626,20 at 10% = 62,62 (5%: 31,31)
        assert (costs.at["2023-06", "vat_eur"], costs.at["2023-07", "vat_eur"]) == (30.30, july_vat)


def test_a_period_past_the_validity_is_refused(yaml_data):
    data = copy.deepcopy(yaml_data)
    data["validity"]["to"] = dt.date(2023, 6, 30)
    with pytest.raises(InputError, match="30/06/2023") as info:
        parse_schedule(data, "t.yaml")
    assert info.value.key.endswith(".to")


def test_without_validity_the_timeline_ends_with_the_dated_values(yaml_data):
    data = copy.deepcopy(yaml_data)
    del data["validity"]
    schedule = parse_schedule(data, "t.yaml")
    assert schedule.coverage == schedule.period == Period.calendar_year(2023)
    assert set(schedule.rates["basis"]) == {"datata"}


def test_indexation_in_the_tariff_file(yaml_data):
    """+2,0 % from 1 January 2025: 2025 and later at the 2024 values × 1,02, labelled."""
    data = copy.deepcopy(yaml_data)
    data["indicizzazione"] = "+2,0 % dal 2025-01-01"
    schedule = parse_schedule(data, "t.yaml")
    assert schedule.open_ended and schedule.period == Period.calendar_year(2023)
    assert rate_in_force(schedule, "SAD_FERIALE", dt.date(2025, 3, 1)) == pytest.approx(20.604)
    assert rate_in_force(schedule, "SAD_FERIALE", dt.date(2031, 3, 1)) == pytest.approx(20.604)
    assert rate_in_force(schedule, "SAD_FERIALE", dt.date(2024, 12, 31)) == 20.20
    later = schedule.rates[schedule.rates["valid_from"] >= pd.Timestamp("2025-01-01")]
    assert set(later["basis"]) == {"indicizzazione"}
    data["indicizzazione"] = [
        "+2,0 % dal 2025-01-01",
        {"percent": 1.5, "from": dt.date(2026, 1, 1)},
    ]
    schedule = parse_schedule(data, "t.yaml")
    assert rate_in_force(schedule, "SAD_FERIALE", dt.date(2026, 3, 1)) == pytest.approx(
        20.20 * 1.02 * 1.015
    )
    data["indicizzazione"] = "+2,0 % dal 2025-03-01"  # Jan–Feb 2025 would have no rule
    with pytest.raises(InputError, match="01/01/2025") as info:
        parse_schedule(data, "t.yaml")
    assert info.value.key == "indicizzazione"


@pytest.mark.parametrize(
    ("edit", "key", "fragment"),
    [
        (
            lambda d: d["parameters"].update(extra_share={"value": 0.3}),
            "parameters.extra_share",
            "non è letto",
        ),
        (
            lambda d: d["items"][ISD].update(district_share=0.8),
            "items[36].comune_share",
            "al più una",
        ),
        (
            lambda d: d["items"][ISD].update(comune_share="nessuno"),
            "items[36].comune_share",
            "nome di un parametro",
        ),
        (
            lambda d: d["parameters"]["vat_rate"]["values"].update({JAN_1: 1}),
            "parameters.vat_rate.values.2023-01-01",
            "1 escluso",
        ),
        (
            lambda d: d["parameters"]["abatement_share"]["values"].update({JAN_1: 1.5}),
            "parameters.abatement_share.values.2023-01-01",
            "tra 0 e 1",
        ),
        (
            lambda d: d["parameters"]["uplift"]["values"].update({dt.date(2023, 7, 15): 0.3}),
            "parameters.uplift.values.2023-07-15",
            "inizio mese",
        ),
        (
            lambda d: d["parameters"]["uplift"].update(value=0.3),
            "parameters.uplift",
            "una sola tra 'value' e 'values'",
        ),
        (
            lambda d: d["parameters"]["uplift"].update(values={dt.date(2023, 2, 1): 0.3}),
            "parameters.uplift.values",
            "dal primo giorno del tariffario",
        ),
        (
            lambda d: d["items"][0].update(payer="distretto"),
            "items[0].payer",
            "comune, fna, fondo_poverta, famiglia",
        ),
        (
            lambda d: d["items"][0].update(shares={"fondo_x": 0.3}),
            "items[0].shares.fondo_x",
            "uno tra comune, distretto",
        ),
        (
            lambda d: d["items"][0].update(payer="fna", shares={"fna": 0.3}),
            "items[0].shares.fna",
            "paga il resto",
        ),
        (
            lambda d: d["items"][0].update(shares={"fna": 0.7, "famiglia": 0.5}),
            "items[0].shares.famiglia",
            "al più a 1",
        ),
        (
            lambda d: d["items"][0].update(
                continues_as={"item": "CDD_FULL", "after_months": 3, "source_line": 1}
            ),
            "items[0].continues_as.item",
            "stesso unit",
        ),
        (
            lambda d: d["items"][0].update(operator_alternative="NOPE"),
            "items[0].operator_alternative",
            "un'altra voce",
        ),
        (
            lambda d: d["items"][0].update(closing_units="ore_fantasma"),
            "items[0].closing_units",
            "nome di un parametro",
        ),
        (
            lambda d: d["items"][0].update(periods="lista_fantasma"),
            "items[0].periods",
            "rate_lists",
        ),
        (
            lambda d: d.update(indicizzazione="2 per cento nel 2025"),
            "indicizzazione",
            "+2,0 % dal 2025-01-01",
        ),
        (
            lambda d: d["items"][0]["periods"][0].update(rate=float("inf")),
            "items[0].periods[0].rate",
            ".inf",
        ),
        (
            lambda d: d["items"][0]["periods"][0].update(to="2023-02-30"),
            "items[0].periods[0].to",
            "esistente",
        ),
        (
            lambda d: d["items"][0].update(min_weeks=7, max_weeks=6),
            "items[0].min_weeks",
            "non superiore",
        ),
    ],
)
def test_value_contracts(yaml_data, edit, key, fragment):
    data = copy.deepcopy(yaml_data)
    assert data["items"][ISD]["code"] == "ISD_P1"
    edit(data)
    with pytest.raises(InputError) as info:
        parse_schedule(data, "t.yaml")
    assert info.value.key == key and fragment in str(info.value)


def test_frames_keep_their_declared_contracts(schedule):
    """The spec validates the file once; the frames it builds conform to the pandera schemas."""
    metadata.validate("tariff_items", schedule.items, "t.yaml")
    metadata.validate("tariff_rates", schedule.rates, "t.yaml")


def test_errors_carry_the_file_line(tmp_path):
    text = paths.TARIFFS.read_text(encoding="utf-8").replace("rate: 20.87,", "rate: -20.87,")
    path = tmp_path / "tariffe.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_schedule(path)
    line = text.splitlines()[info.value.row - 1]
    assert "-20.87" in line and info.value.key == "items[4].periods[0].rate"
