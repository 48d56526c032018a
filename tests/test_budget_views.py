"""Funding map loading (bundled file and broken copies), funding balance and the budget views,
on the small hand-made plan of test_checks (figures checkable by eye)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import (
    COMPARISON,
    LINES,
    YEARS,
    budget_lines,
    comparison,
    funding_map,
    multiyear,
    revenue,
    stated_totals,
    with_cell,
)

from cscplan import paths
from cscplan.budget import views
from cscplan.budget.funding import GROUPS, for_plan, funding_balance, load_funding_map
from cscplan.errors import InputError
from cscplan.validation.masked import recover_masked

BAD = Path(__file__).parent / "bad_inputs"


def test_bundled_map_is_valid_and_covers_every_sheet_column():
    templates = load_funding_map(paths.FUNDING_SOURCES)
    assert set(templates["group"]) <= set(GROUPS)
    assert len(templates) == 13 and templates["column"].is_unique
    assert "FNPS {anno}" in set(templates["column"])
    fmap = for_plan(templates, YEARS)
    assert fmap.set_index("column").loc["COMUNI", "revenue_labels"] == (
        "Comuni 2020(previsionale) | Comune di Crema"
    )
    assert {"FNPS 2020", "Residui 2019 vincolati"} <= set(fmap["column"])


def test_funding_map_placeholder_other_than_the_years_is_refused(tmp_path):
    text = paths.FUNDING_SOURCES.read_text(encoding="utf-8").replace("FNPS {anno},", "FNPS {y},")
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_funding_map(path)
    assert (err.value.row, err.value.column) == (7, "column")
    assert "{anno}" in err.value.expected


@pytest.mark.parametrize(
    ("name", "row", "column", "expected"),
    [
        ("funding_bad_group.csv", 3, "group", "uno dei gruppi comunali"),
        ("funding_duplicate_column.csv", 3, "column", "una sola riga per ogni valore"),
        ("funding_shared_label.csv", 3, "revenue_labels", "una sola fonte"),
        ("funding_missing_column.csv", 1, None, "le colonne column, source, group"),
        ("funding_bad_source_line.csv", 2, "source_line", "numero (intero positivo)"),
        ("funding_empty_source.csv", 3, "source", "un valore non vuoto"),
    ],
)
def test_bad_funding_maps_raise_input_error(name, row, column, expected):
    with pytest.raises(InputError) as err:
        load_funding_map(BAD / name)
    error = err.value
    assert (error.row, error.column) == (row, column)
    assert name in str(error) and expected in str(error)


def test_missing_map_file_is_an_input_error():
    with pytest.raises(InputError, match="nessun file"):
        load_funding_map(BAD / "funding_nonexistent.csv")


def test_funding_balance_per_source_with_unmapped_rows():
    fmap = funding_map()[lambda f: f["column"] != "ATS"]
    balance = funding_balance(budget_lines(), revenue(), fmap).set_index("source")
    assert balance.loc["FNPS", ["allocated", "available", "difference"]].tolist() == [80, 80, 0]
    assert balance.loc["Fondi comunali", "allocated"] == 120
    assert balance.loc["ATS", ["allocated", "available", "status"]].tolist() == [
        30.0,
        0.0,
        "colonna non mappata",
    ]
    assert balance.loc["Fondi ATS", ["available", "status"]].tolist() == [
        30.0,
        "entrata non mappata",
    ]


def test_funding_by_objective_uses_canonical_names_and_recovered_cells():
    lines = recover_masked(budget_lines(with_cell(LINES, "01-2-001", "ATS", None)))
    table = views.funding_by_objective(lines, funding_map())
    assert table.values.tolist() == [
        [1, "FNPS", "fondi nazionali", 80.0],
        [1, "Fondi comunali", "comunali", 110.0],
        [1, "Fondi ATS", "ATS", 30.0],
        [2, "Fondi comunali", "comunali", 10.0],
    ]


def test_wide_view_puts_stated_beside_computed():
    wide = views.by_objective_source_wide(budget_lines(), funding_map(), stated_totals(), YEARS)
    first = wide.set_index("objective_id").loc[1]
    assert first[["FNPS", "Fondi comunali", "Fondi ATS", "totale fonti"]].tolist() == [
        80,
        110,
        30,
        220,
    ]
    assert first[["PO 2020 calcolato", "PO 2020 dichiarato", "differenza"]].tolist() == [
        220,
        220,
        0,
    ]
    assert wide.set_index("objective_id").loc[2, "Fondi ATS"] == 0


def test_by_action_one_row_per_line():
    table = views.by_action(budget_lines(), YEARS)
    assert table["line_id"].tolist() == ["01-1-001", "01-1-002", "01-2-001", "02-1-001"]
    assert table[["po_previous", "po_current", "source_line"]].values.tolist()[2] == [30, 40, 20]
    assert not table["has_imputed"].any()


def test_multiyear_view_totals_stated_and_computed():
    table = views.multiyear_view(multiyear(), stated_totals(years=(230.0, 211.0)))
    rows = table.set_index("objective")
    assert rows.loc["Totale calcolato", ["2020", "2021"]].tolist() == [230, 210]
    assert rows.loc["Totale dichiarato", ["2020", "2021"]].tolist() == [230, 211]
    assert rows.loc["Differenza (dichiarato − calcolato)", ["2020", "2021"]].tolist() == [0, 1]


def test_comparison_view_recomputes_budget_and_variation():
    rows = [(1, 170.0, 225.0, 55.0, 60), COMPARISON[1]]
    table = views.comparison_view(comparison(rows), budget_lines(), YEARS).set_index("objective_id")
    assert table.loc[1, ["budget_stated", "budget_computed", "budget_gap"]].tolist() == [
        225,
        220,
        5,
    ]
    assert table.loc[1, ["variation_stated", "variation_computed"]].tolist() == [55, 50]


def test_objective_summary_groups_and_stated_vs_computed():
    lines = budget_lines(with_cell(LINES, "01-1-002", "PO 2019", 40))
    summary = views.objective_summary(lines, stated_totals(), funding_map(), YEARS).set_index(
        "objective_id"
    )
    assert summary.loc[1, ["po_previous_stated", "po_previous_computed"]].tolist() == [180, 170]
    assert summary.loc[1, ["fonti comunali", "fonti fondi nazionali", "fonti ATS"]].tolist() == [
        110,
        80,
        30,
    ]
    assert summary.loc[2, "fonti ATS"] == 0
    assert not math.isnan(summary.loc[2, "po_current_stated"])
