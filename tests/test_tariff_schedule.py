"""The 2023 tariff schedule: provenance of every amount, hand-checked rates, structural errors."""

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

from cscplan import paths
from cscplan.errors import InputError
from cscplan.tariffs.schedule import load_schedule, parse_schedule, rate_in_force

BAD = Path(__file__).parent / "bad_inputs"
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
    for row in schedule.rates.itertuples():
        line = raw_lines[row.source_line - 1]
        for amount in (row.rate, row.district_rate, row.fud_contribution):
            if pd.notna(amount):
                assert _amount_on_line(amount, line), (row.code, amount, row.source_line, line)


def test_every_item_line_lies_in_the_economic_sheets(schedule):
    assert schedule.items["source_line"].between(1339, 1666).all()
    assert schedule.rates["source_line"].between(1339, 1666).all()


def test_parameters_and_their_lines(schedule, raw_lines):
    params, lines = schedule.parameters, schedule.parameter_lines
    assert params["year"] == 2023
    assert params["abatement_share"] == 0.5 and "50%" in raw_lines[lines["abatement_share"] - 1]
    assert params["abatement_cap_month"] == 200.0
    assert "200,00" in raw_lines[lines["abatement_cap_month"] - 1]
    assert params["uplift"] == 0.2 and "20%" in raw_lines[lines["uplift"] - 1]
    assert params["isd_comune_share"] == 0.2 and "20%" in raw_lines[lines["isd_comune_share"] - 1]
    assert "50% cadauno" in raw_lines[lines["adm_second_comune_share"] - 1]
    assert "50%" in raw_lines[lines["sip_placed_minor_district_share"] - 1]
    assert lines["vat_rate"] is None  # not stated by the document: a scenario parameter


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
        1 - schedule.parameters["isd_comune_share"]
    )
    assert (items.loc["ISD_P3", "min_weeks"], items.loc["ISD_P3", "max_weeks"]) == (3, 6)
    assert items.loc["CSE_FULL", "district_share"] == pytest.approx(21 / 53)
    assert items.loc["AFFIDO_FULL", ["abatement", "uplift_allowed"]].all()
    assert items.loc["CDM_SPAZIO", "abatement"] and not items.loc["CDM_SPAZIO", "uplift_allowed"]
    assert items.loc["CDM_SPAZIO", "vat"] == "included"
    assert items.loc["SAAP_D1", "vat"] == "added" and items.loc["AFFIDO_FULL", "vat"] == "none"
    assert items.loc["SAAP_D1", "qty_required"] and not items.loc["ISD_P1", "qty_required"]
    assert items.loc["AID", "group_pricing"] and not items.loc["SIP", "group_pricing"]


def test_explicit_district_rates(schedule):
    rates = schedule.rates.set_index("code")
    assert rates.loc["CSE_FULL", "district_rate"] == 21.0
    assert rates.loc["SFA_FULL", "district_rate"] == 0.5
    assert pd.isna(rates.loc["CDD_FULL", "district_rate"])
    assert rates.loc["CDD_FULL", "fud_contribution"] == 1.0


@functools.cache
def _shared_schedule():
    return load_schedule(paths.TARIFFS)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2023, 12, 31)))
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
    data["parameters"]["uplift"]["value"] = "20%"
    with pytest.raises(InputError, match="un numero") as info:
        parse_schedule(data, "t.yaml")
    assert info.value.key == "parameters.uplift.value"


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
    path.write_text("parameters:\n  year: [2023\nitems: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML valido") as info:
        load_schedule(path)
    assert info.value.row is not None
