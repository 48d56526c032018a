"""Budget link: 2020 budget lines repriced at 2023 tariffs and scenario effects."""

from __future__ import annotations

import pandas as pd
import pytest
from reference_engine import caseload

from cscplan import paths
from cscplan.errors import InputError
from cscplan.scenarios.api import cost
from cscplan.scenarios.budget_link import TABLE_COLUMNS, budget_link_table, load_budget_link
from cscplan.tariffs.schedule import load_schedule

SCHEDULE = load_schedule(paths.TARIFFS_2023)
LINK = load_budget_link(paths.BUDGET_LINK)


def test_real_link_file():
    saap = LINK[LINK.service == "SAAP"].iloc[0]
    assert (saap.amount_2020, saap.source_line, saap.objective_id) == (2950000.0, 583, 5)
    assert LINK["amount_2020"].dtype == float and LINK["source_line"].dtype == int


def test_price_index_and_scenario_effect_hand_computed():
    plans = caseload(
        [{"item": "SAAP_D1", "start": "2023-01-01", "end": "2023-12-31", "qty_per_week": 7}]
    )
    scenario = {"name": "saap_piu10", "tariff_changes": [{"item": "SAAP_D1", "percent": 10}]}
    monthly = cost(plans, [scenario], schedule=SCHEDULE)
    table = budget_link_table(LINK[LINK.service == "SAAP"], monthly, SCHEDULE)
    assert list(table.columns) == TABLE_COLUMNS
    base, plus = table.iloc[0], table.iloc[1]
    # 31 h at 18.87 and 334 h at 20.20, against 365 h at the 1 January rate 18.87.
    index = (31 * 18.87 + 334 * 20.20) / (365 * 18.87)
    assert base.price_index == pytest.approx(index)
    assert base.amount_2020_at_2023_tariffs == round(2950000 * index, 2)
    assert (base.scenario, base.effect_eur, base.scenario_factor) == ("baseline", 0.0, 1.0)
    assert plus.scenario == "saap_piu10"
    assert plus.scenario_factor == pytest.approx(1.10, abs=1e-5)
    assert plus.effect_eur == pytest.approx(2950000 * index * 0.10, abs=5)


def test_line_without_caseload_volume_keeps_amount():
    plans = caseload(
        [{"item": "ADM", "start": "2023-01-01", "end": "2023-01-31", "qty_per_week": 1}]
    )
    table = budget_link_table(LINK, cost(plans, schedule=SCHEDULE), SCHEDULE)
    affido = table[table.service == "AFFIDO"].iloc[0]
    assert affido.price_index == 1.0 and affido.amount_2020_at_2023_tariffs == 1490000.0
    assert pd.isna(affido.effect_eur)  # no baseline cost: no factor
    assert set(table.scenario) == {"baseline"}


def test_unknown_item_code_names_row(tmp_path):
    bad = LINK.copy()
    bad.loc[2, "item_code"] = "ADM;ADEA"
    with pytest.raises(InputError) as err:
        budget_link_table(bad, cost(_one_plan(), schedule=SCHEDULE), SCHEDULE)
    assert (err.value.row, err.value.column, err.value.found) == (4, "item_code", "'ADEA'")


def test_bad_amount_names_row_and_column(tmp_path):
    text = paths.BUDGET_LINK.read_text(encoding="utf-8").replace("270000.00", '"270.000"', 1)
    path = tmp_path / "link.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_budget_link(path)
    assert (err.value.row, err.value.column) == (4, "amount_2020")
    assert "270.000" in err.value.found and "ambiguo" in err.value.found
    assert "link.csv" in str(err.value)


def test_italian_excel_copy_reads_the_same(tmp_path):
    """';', BOM, CRLF and '2.950.000,00': the same link as the bundled file."""
    frame = pd.read_csv(paths.BUDGET_LINK, dtype=str, keep_default_na=False)
    frame["amount_2020"] = [
        f"{float(v):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        for v in frame["amount_2020"]
    ]
    path = tmp_path / "link_excel.csv"
    frame.to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    assert "2.950.000,00" in path.read_text(encoding="utf-8-sig")
    pd.testing.assert_frame_equal(load_budget_link(path), LINK)


def test_missing_column(tmp_path):
    path = tmp_path / "link.csv"
    path.write_text("service,item_code\nSAAP,SAAP_D1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_budget_link(path)
    assert "amount_2020" in err.value.found


def _one_plan() -> pd.DataFrame:
    return caseload(
        [{"item": "ADM", "start": "2023-01-01", "end": "2023-01-31", "qty_per_week": 1}]
    )
