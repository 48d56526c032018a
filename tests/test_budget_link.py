"""Budget link: the plan's budget lines repriced along the tariffs, and scenario effects."""

from __future__ import annotations

import pandas as pd
import pytest
from reference_engine import caseload

from cscplan import paths
from cscplan.errors import InputError
from cscplan.scenarios.api import cost
from cscplan.scenarios.budget_link import (
    TABLE_COLUMNS,
    budget_link_table,
    linked_cells,
    load_budget_link,
    plan_amounts,
)
from cscplan.sources.piano_programma import load_plan
from cscplan.tariffs.schedule import load_schedule
from cscplan.validation.masked import recover_masked

SCHEDULE = load_schedule(paths.TARIFFS)
PLAN = load_plan(paths.PIANO_PROGRAMMA)
LINES = recover_masked(PLAN.budget_lines, PLAN.stated_totals)
LINK = load_budget_link(paths.BUDGET_LINK, PLAN.years)


def test_real_link_file_reads_amounts_from_the_plan():
    saap = LINK[LINK.service == "SAAP"].iloc[0]
    assert (saap.column, saap.objective_id) == ("PO 2020", 5)
    cells = linked_cells(LINK, LINES)
    assert (cells.loc[saap.name, "source_line"], cells.loc[saap.name, "plan_amount"]) == (
        583,
        2950000.0,
    )
    # the two "Gestione rette" lines of objective 5 are told apart by their action
    rette = cells[LINK["budget_item_label"] == "Gestione rette"]
    assert rette["source_line"].tolist() == [593, 596]
    assert rette["plan_amount"].tolist() == [1490000.0, 130000.0]


def test_price_index_and_scenario_effect_hand_computed():
    plans = caseload(
        [{"item": "SAAP_D1", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 7}]
    )
    scenario = {"name": "saap_piu10", "tariff_changes": [{"item": "SAAP_D1", "percent": 10}]}
    monthly = cost(plans, [scenario], schedule=SCHEDULE)
    table = budget_link_table(LINK[LINK.service == "SAAP"], monthly, SCHEDULE, LINES)
    assert list(table.columns) == TABLE_COLUMNS
    base, plus = table.iloc[0], table.iloc[1]
    # 31 h at 18.87 and 334 h at 20.20, against 365 h at the 1 January rate 18.87.
    index = (31 * 18.87 + 334 * 20.20) / (365 * 18.87)
    assert base.plan_amount == 2950000.0
    assert base.price_index == pytest.approx(index)
    assert base.amount_at_tariffs == round(2950000 * index, 2)
    assert (base.scenario, base.effect_eur, base.scenario_factor) == ("baseline", 0.0, 1.0)
    assert plus.scenario == "saap_piu10"
    assert plus.scenario_factor == pytest.approx(1.10, abs=1e-5)
    assert plus.effect_eur == pytest.approx(2950000 * index * 0.10, abs=5)


def test_line_without_caseload_volume_keeps_amount():
    plans = caseload(
        [{"item": "ADM", "start": "2023-01-01", "end": "2023-01-31", "qty_per_week": 1}]
    )
    table = budget_link_table(LINK, cost(plans, schedule=SCHEDULE), SCHEDULE, LINES)
    affido = table[table.service == "AFFIDO"].iloc[0]
    assert affido.price_index == 1.0 and affido.amount_at_tariffs == 1490000.0
    assert pd.isna(affido.effect_eur)  # no baseline cost: no factor
    assert set(table.scenario) == {"baseline"}


def test_unknown_item_code_names_row():
    bad = LINK.copy()
    bad.loc[2, "item_code"] = "ADM;ADEA"
    with pytest.raises(InputError) as err:
        budget_link_table(bad, cost(_one_plan(), schedule=SCHEDULE), SCHEDULE, LINES)
    assert (err.value.row, err.value.column, err.value.found) == (4, "item_code", "'ADEA'")


def test_link_to_a_cell_the_plan_lacks_names_row():
    bad = LINK.copy()
    bad.loc[1, "budget_item_label"] = "SAD e SADH"
    with pytest.raises(InputError) as err:
        plan_amounts(bad, LINES)
    assert (err.value.row, err.value.column) == (3, "budget_item_label")
    assert "0 celle per 'SAD e SADH'" in err.value.found


def test_ambiguous_link_names_row():
    bad = LINK.copy()
    bad.loc[4, "action"] = bad.loc[5, "action"]  # both "Gestione rette" lines now look alike?
    cells = linked_cells(bad, LINES)  # no: each action has one such line
    assert cells.loc[4, "source_line"] == 596
    lines = pd.concat([LINES, LINES[LINES["source_line"] == 596]])
    with pytest.raises(InputError) as err:
        plan_amounts(LINK, lines)
    assert err.value.row == 7 and "2 celle per 'Gestione rette'" in err.value.found


def test_bad_objective_names_row_and_column(tmp_path):
    text = paths.BUDGET_LINK.read_text(encoding="utf-8").replace("ADM,5,", "ADM,5a,", 1)
    path = tmp_path / "link.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_budget_link(path, PLAN.years)
    assert (err.value.row, err.value.column) == (4, "objective_id")
    assert "5a" in err.value.found and "link.csv" in str(err.value)


def test_italian_excel_copy_reads_the_same(tmp_path):
    """';', BOM and CRLF (as Italian Excel saves it): the same link as the bundled file."""
    frame = pd.read_csv(paths.BUDGET_LINK, dtype=str, keep_default_na=False)
    path = tmp_path / "link_excel.csv"
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    pd.testing.assert_frame_equal(load_budget_link(path, PLAN.years), LINK)


def test_errors_name_the_file_line(tmp_path):
    lines = paths.BUDGET_LINK.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("ADM,5,", "ADM,5a,", 1)
    path = tmp_path / "link.csv"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")  # a blank line after each
    with pytest.raises(InputError) as err:
        load_budget_link(path, PLAN.years)
    assert (err.value.row, err.value.column) == (7, "objective_id")


def test_missing_column(tmp_path):
    path = tmp_path / "link.csv"
    path.write_text("service,item_code\nSAAP,SAAP_D1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_budget_link(path, PLAN.years)
    assert "action" in err.value.found


def _one_plan() -> pd.DataFrame:
    return caseload(
        [{"item": "ADM", "start": "2023-01-01", "end": "2023-01-31", "qty_per_week": 1}]
    )
