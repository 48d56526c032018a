"""Masked (#####) cells: recovered from the row identity, else the column identity, never zero."""

from __future__ import annotations

import math

from conftest import LINES, SHEET_TOTALS, budget_lines, stated_totals, with_cell
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan.validation.masked import masked_recoveries, recover_masked


def cell(lines, line_id, column):
    row = lines[(lines["line_id"] == line_id) & (lines["column"] == column)].iloc[0]
    return row["amount"], bool(row["masked"]), bool(row["imputed"])


def test_source_cell_recovered_from_the_row():
    lines = budget_lines(with_cell(LINES, "01-1-001", "COMUNI", None))
    recovered = recover_masked(lines)
    assert cell(recovered, "01-1-001", "COMUNI") == (100.0, True, True)
    assert math.isnan(lines["amount"][lines["masked"]].iloc[0])  # input left untouched
    assert recovered["imputed"].sum() == 1


def test_plan_cell_recovered_as_the_sum_of_sources():
    recovered = recover_masked(budget_lines(with_cell(LINES, "01-1-001", "PO 2020", None)))
    assert cell(recovered, "01-1-001", "PO 2020") == (120.0, True, True)


def test_po_2019_needs_the_column_identity():
    lines = budget_lines(with_cell(LINES, "01-1-002", "PO 2019", None))
    assert math.isnan(cell(recover_masked(lines), "01-1-002", "PO 2019")[0])
    recovered = recover_masked(lines, stated_totals())
    assert cell(recovered, "01-1-002", "PO 2019") == (50.0, True, True)  # 180 - 100 - 30


def test_row_and_column_values_are_both_kept():
    totals = {**SHEET_TOTALS, 1: (25, {**SHEET_TOTALS[1][1], "ATS": 38})}
    lines = budget_lines(with_cell(LINES, "01-2-001", "ATS", None))
    table = masked_recoveries(lines, stated_totals(totals))
    row = table.iloc[0]
    assert (row["row_value"], row["column_value"], row["value"], row["method"]) == (
        30.0,
        38.0,
        30.0,
        "riga",
    )
    assert (row["source_line"], row["objective_id"], row["column"]) == (20, 1, "ATS")


def test_two_masked_cells_on_one_row_without_totals_stay_missing():
    lines = with_cell(with_cell(LINES, "01-1-001", "COMUNI", None), "01-1-001", "FNPS 2020", None)
    recovered = recover_masked(budget_lines(lines))
    assert recovered.loc[recovered["masked"], "amount"].isna().all()
    assert not recovered["imputed"].any()


def test_no_masked_cells_returns_an_equal_copy():
    lines = budget_lines()
    recovered = recover_masked(lines)
    assert recovered.equals(lines) and recovered is not lines


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(*[st.integers(0, 10**9)] * 3), min_size=1, max_size=8),
    st.data(),
)
def test_property_any_single_masked_cell_is_recovered_exactly(cents, data):
    columns = ["PO 2020", "FNPS 2020", "COMUNI", "ATS"]
    lines = [
        (1, 1, f"01-1-{i:03d}", 10 + i, "v", dict(zip(columns, [(a + b + c) / 100, a / 100, b / 100, c / 100], strict=True)))
        for i, (a, b, c) in enumerate(cents)
    ]  # fmt: skip
    index = data.draw(st.integers(0, len(lines) - 1))
    column = data.draw(st.sampled_from(columns))
    original = lines[index][5][column]
    recovered = recover_masked(budget_lines(with_cell(lines, lines[index][2], column, None)))
    amount, masked, imputed = cell(recovered, lines[index][2], column)
    assert masked and imputed
    assert abs(amount - original) <= 0.01
