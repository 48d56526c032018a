"""Payers as data: data/payers.csv (checked), its funding sources, and the cost per payer beside
the budget's allocation to those sources."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import YEARS

from cscplan import paths
from cscplan.budget.funding import for_plan, load_funding_map
from cscplan.errors import InputError
from cscplan.scenarios.payers import load_payers, payer_funding_table, payers_table, validate_payers
from cscplan.vocabulary import PAYERS

FMAP = for_plan(load_funding_map(paths.FUNDING_SOURCES), YEARS)


def frame(changes: dict | None = None) -> pd.DataFrame:
    payers = pd.read_csv(paths.PAYERS, dtype=str, keep_default_na=False)
    for (row, column), value in (changes or {}).items():
        payers.loc[row, column] = value
    return payers


@pytest.mark.parametrize(
    ("changes", "column", "fragment"),
    [
        ({(2, "payer"): "regione"}, "payer", "un pagatore tra comune, distretto"),
        ({(1, "column"): "fud_eur"}, "column", "district_eur"),
        ({(3, "label"): ""}, "label", "nome italiano"),
        ({(1, "funding_columns"): "FNPS {anno_succ}"}, "funding_columns", "segnaposto"),
        ({(4, "payer"): "fna"}, "payer", "già alla riga 4"),
    ],
)
def test_bad_payer_rows(changes, column, fragment):
    with pytest.raises(InputError) as info:
        validate_payers(frame(changes), "payers.csv")
    assert info.value.column == column and fragment in str(info.value)


def test_every_payer_once():
    with pytest.raises(InputError, match="mancano"):
        validate_payers(frame().iloc[:4], "payers.csv")


def test_funding_sources_through_the_funding_map():
    table = payers_table(load_payers(paths.PAYERS), FMAP, YEARS).set_index("payer")
    assert table.index.tolist() == list(PAYERS)
    assert table.loc["distretto", "funding_columns"] == "FNPS 2020 | FSR 2020"
    assert table.loc["fna", "funding_sources"] == "Fondo Non Autosufficienza (FNA)"
    assert table.loc["fondo_poverta", "funding_sources"] == "Avanzo 2019 Fondo Povertà"
    assert table.loc["famiglia", "funding_sources"] == ""  # outside the plan's budget


def test_a_funding_column_the_map_does_not_know_is_refused():
    payers = validate_payers(frame({(2, "funding_columns"): "FONDO X {anno}"}), "payers.csv")
    with pytest.raises(InputError, match="FONDO X 2020") as info:
        payers_table(payers, FMAP, YEARS)
    assert info.value.column == "funding_columns"


def test_cost_beside_the_allocation_hand_computed():
    payers = payers_table(load_payers(paths.PAYERS), FMAP, YEARS)
    costs = pd.DataFrame(
        {
            "scenario": ["baseline", "baseline"],
            "comune_eur": [100.0, 50.0],
            "district_eur": [10.0, 0.0],
            "fna_eur": [0.0, 30.0],
            "poverty_fund_eur": [0.0, 0.0],
            "family_eur": [0.0, 7.5],
        }
    )
    link = pd.DataFrame(
        {"objective_id": [1], "action": ["Azione 1"], "budget_item_label": ["Voce A"]}
    )
    lines = pd.DataFrame(
        {
            "objective_id": [1, 1, 1, 2],
            "action": ["Azione 1"] * 3 + ["Azione 9"],
            "item": ["Voce A", "Voce A", "Voce A", "Voce B"],
            "column": ["COMUNI", "FNPS 2020", "PO 2020", "COMUNI"],
            "kind": ["source", "source", "plan", "source"],
            "amount": [120.0, 5.0, 125.0, 80.0],
        }
    )
    table = payer_funding_table(payers, costs, link, lines).set_index("payer")
    assert table.loc[
        "comune", ["cost_eur", "linked_allocation_eur", "plan_allocation_eur", "gap_eur"]
    ].tolist() == [
        150.0,
        120.0,
        200.0,
        30.0,
    ]
    assert table.loc["distretto", ["cost_eur", "linked_allocation_eur", "gap_eur"]].tolist() == [
        10.0,
        5.0,
        5.0,
    ]
    assert table.loc["famiglia", ["cost_eur", "linked_allocation_eur"]].tolist() == [7.5, 0.0]
