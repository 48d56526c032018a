"""The field and table registry: every published table has an enforced contract, and any breach
of any contract reads as the one input-error message (where, what was expected, what was found)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.metadata.fields import FIELDS, NUMBER, STRING
from cscplan.metadata.tables import TABLES
from cscplan.pipeline import BuildInputs, compute_build, validate_tables

ONE_FORMAT = re.compile(r"^tabella '(\w+)', riga \d+(, colonna '[^']+')?: atteso .+; trovato .+$")


@pytest.fixture(scope="module")
def result():
    return compute_build(BuildInputs(draws=20))


def test_every_published_table_is_declared_and_validated(result):
    assert set(result.tables) <= set(TABLES)
    validate_tables(result.tables)  # the build's own tables pass their contracts


def test_every_field_has_an_italian_label_and_description():
    for name, field in FIELDS.items():
        assert field.label and field.description, name
    for name, table in TABLES.items():
        assert table.description, name
        for column in table.columns:
            assert column.field in FIELDS, (name, column.field)


def test_datapackage_describes_every_table_with_types_titles_and_keys(result):
    package = json.loads(result.documents["datapackage.json"])
    names = {r["path"][:-4] for r in package["resources"]}
    assert names == set(result.tables)
    lines = next(r for r in package["resources"] if r["name"] == "budget-lines")
    fields = {f["name"]: f for f in lines["schema"]["fields"]}
    assert fields["amount"]["type"] == "number" and fields["amount"]["unit"] == "EUR"
    assert lines["schema"]["primaryKey"] == ["line_id", "column"]
    po = next(r for r in package["resources"] if r["name"] == "budget-by-action")
    titles = {f["name"]: f["title"] for f in po["schema"]["fields"]}
    assert titles["po_current"] == "PO 2020 (€)" and titles["po_previous"] == "PO 2019 (€)"
    assert all(s["hash"].startswith("sha256:") for s in package["sources"])


def corrupted(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """One value of the table that its contract forbids."""
    bad = frame.copy()
    for column in frame.columns:
        kind = metadata.field_of(name, column).kind
        if kind == NUMBER:
            bad[column] = bad[column].astype(object)
            bad.loc[bad.index[0], column] = "non un numero"
            return bad
    column = next(c for c in frame.columns if metadata.field_of(name, c).kind == STRING)
    bad[column] = bad[column].astype(object)
    bad.loc[bad.index[0], column] = 12345
    return bad


def test_a_corrupted_derived_table_gives_the_one_error_format(result):
    checked = 0
    for name, frame in result.tables.items():
        if frame.empty:
            continue
        with pytest.raises(InputError) as err:
            validate_tables({name: corrupted(name, frame)})
        assert ONE_FORMAT.match(str(err.value)), str(err.value)
        assert err.value.place == "tabella" and f"'{name}'" in str(err.value)
        checked += 1
    assert checked == len(result.tables)


def test_a_value_rule_names_row_column_and_words(result):
    costs = result.tables["costs_monthly"].copy()
    costs.loc[costs.index[4], "vat_eur"] = -1.0
    with pytest.raises(InputError) as err:
        metadata.validate("costs_monthly", costs)
    assert str(err.value) == (
        "tabella 'costs_monthly', riga 6, colonna 'vat_eur': atteso un valore ≥ 0; trovato -1.0"
    )


def test_a_parsed_table_names_the_document_line(result):
    lines = result.tables["budget_lines"].copy()
    lines.loc[lines.index[0], "kind"] = "altro"
    with pytest.raises(InputError) as err:
        metadata.validate("budget_lines", lines, "piano.txt")
    assert err.value.row == int(lines["source_line"].iloc[0])
    assert "uno dei valori 'plan', 'source'" in str(err.value) and "altro" in str(err.value)


def test_labels_fill_the_plan_years(result):
    plan = result.tables["plan_info"].iloc[0].to_dict()
    assert metadata.label("comparison", "preconsuntivo", plan) == "Preconsuntivo 2019 (€)"
    assert metadata.label("multiyear_view", "2021", plan) == "2021 (€)"
    assert metadata.label("cremona_growth", "value_2018") == "Valore value_2018"
