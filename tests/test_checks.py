"""The checks catalogue on small hand-made plans: each check passes on a consistent plan and
fails by a known delta on a perturbed one (figures chosen so the arithmetic is checkable by eye)."""

from __future__ import annotations

import pytest
from conftest import (
    COMPARISON,
    FUNDING_MAP,
    LINES,
    REVENUE,
    SHEET_TOTALS,
    budget_lines,
    comparison,
    funding_map,
    only,
    plan,
    revenue,
    stated_totals,
    with_cell,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan.errors import InputError
from cscplan.validation.checks import CHECKS, check, run_checks
from cscplan.validation.findings import Finding


def test_consistent_plan_has_no_findings():
    findings = run_checks(plan(), funding_map())
    assert findings.empty, findings["message"].tolist()


def test_registry_lists_the_catalogue():
    expected = {"row_identity", "column_totals", "cross_table", "revenue_subtotals", "balance"}
    assert expected | {"masked_cells"} <= set(CHECKS)
    assert all(c.description for c in CHECKS.values())


def test_new_check_is_one_decorated_function():
    @check("test_always_info")
    def always(ctx):
        """A remark per objective."""
        ids = sorted(ctx.lines["objective_id"].unique())
        return [
            Finding("test_always_info", "info", "scheda", "nota", objective_id=int(i)) for i in ids
        ]

    try:
        findings = run_checks(plan(), funding_map(), checks=["test_always_info"])
        assert findings["objective_id"].tolist() == [1, 2]
    finally:
        del CHECKS["test_always_info"]


def test_unknown_check_name_is_an_input_error():
    with pytest.raises(InputError) as err:
        run_checks(plan(), funding_map(), checks=["nonexistent"])
    assert "nonexistent" in str(err.value) and "row_identity" in str(err.value)


def test_row_identity_reports_the_delta_of_a_wrong_source_cell():
    lines = budget_lines(with_cell(LINES, "01-1-001", "FNPS 2020", 25))
    findings = run_checks(plan(budget_lines=lines), funding_map(), checks=["row_identity"])
    assert len(findings) == 1
    row = findings.iloc[0]
    assert (row["severity"], row["objective_id"], row["source_line"]) == ("error", 1, 10)
    assert row["stated"] == 120 and row["computed"] == 125 and row["delta"] == -5
    assert "inferiore di 5,00 €" in row["message"] and "Servizio A" in row["message"]


def test_row_identity_flags_sources_without_plan_amount():
    lines = [(3, 1, "03-1-001", 80, "Orfana", {"PO 2019": 5, "FNPS 2020": 7})]
    findings = run_checks(plan(budget_lines=budget_lines(lines)), funding_map(), ["row_identity"])
    assert findings[["severity", "computed"]].values.tolist() == [["warning", 7.0]]


def test_column_totals_error_with_known_delta():
    totals = {**SHEET_TOTALS, 1: (25, {**SHEET_TOTALS[1][1], "COMUNI": 115})}
    findings = run_checks(
        plan(stated_totals=stated_totals(totals)), funding_map(), checks=["column_totals"]
    )
    assert len(findings) == 1
    row = findings.iloc[0]
    assert (row["column"], row["stated"], row["computed"], row["delta"]) == ("COMUNI", 115, 110, 5)
    assert row["message"].startswith(
        "Il totale dichiarato dell'Obiettivo 1 (colonna COMUNI, 115,00 €) è superiore di 5,00 €"
    )


def test_column_absent_from_total_row_is_a_warning_with_the_amount_left_out():
    cells = {k: v for k, v in SHEET_TOTALS[1][1].items() if k != "ATS"}
    totals = {**SHEET_TOTALS, 1: (25, cells)}
    findings = run_checks(
        plan(stated_totals=stated_totals(totals)), funding_map(), ["column_totals"]
    )
    assert findings[["severity", "column", "computed"]].values.tolist() == [
        ["warning", "ATS", 30.0]
    ]
    assert "30,00 €" in findings.iloc[0]["message"]


def test_plan_delta_explained_by_funding_columns():
    cells = {**SHEET_TOTALS[1][1], "PO 2020": 215, "COMUNI": 100, "ATS": 35}
    findings = run_checks(
        plan(stated_totals=stated_totals({**SHEET_TOTALS, 1: (25, cells)})),
        funding_map(),
        ["column_totals"],
    )
    po = only(findings, column="PO 2020").iloc[0]
    assert po["delta"] == -5
    assert "COMUNI −10,00 €, ATS +5,00 €" in po["message"]


def test_cross_table_names_the_odd_table_out():
    rows = [(1, 170.0, 230.0, 60.0, 60), COMPARISON[1]]
    findings = run_checks(
        plan(comparison=comparison(rows), stated_totals=stated_totals(comparison_total=(180, 240))),
        funding_map(),
        ["cross_table"],
    )
    assert len(findings) == 2  # the objective's figure, and the comparison vs multi-year total
    odd = only(findings, objective_id=1).iloc[0]
    assert (odd["table"], odd["stated"], odd["computed"], odd["delta"]) == (
        "confronto",
        230,
        220,
        10,
    )
    assert "scheda e pluriennale" in odd["message"]


def test_cross_table_variation_and_grand_totals():
    rows = [COMPARISON[0], (2, 10.0, 10.0, 1.0, 61)]
    findings = run_checks(
        plan(comparison=comparison(rows), stated_totals=stated_totals(years=(231.0, 210.0))),
        funding_map(),
        ["cross_table"],
    )
    variation = only(findings, column="variazione").iloc[0]
    assert (variation["objective_id"], variation["delta"]) == (2, 1)
    year = only(findings, column="2020", table="pluriennale").iloc[0]
    assert (year["stated"], year["computed"], year["delta"]) == (231, 230, 1)
    assert len(only(findings, column="budget 2020")) == 1  # confronto 230 vs pluriennale 231


def test_cross_table_warns_about_an_objective_missing_from_a_table():
    findings = run_checks(
        plan(
            comparison=comparison([COMPARISON[0]]),
            stated_totals=stated_totals(comparison_total=(170, 220)),
        ),
        funding_map(),
        ["cross_table"],
    )
    missing = only(findings, severity="warning")
    assert missing[["table", "objective_id"]].values.tolist() == [["confronto", 2]]


def test_revenue_subtotal_error_then_total_is_explained_once():
    rows = [*REVENUE[:3], ("Totale entrate", "Totale entrate", 200.0, "subtotal", 53), REVENUE[4]]
    findings = run_checks(plan(revenue=revenue(rows)), funding_map(), ["revenue_subtotals"])
    assert findings[["severity", "column", "delta"]].values.tolist() == [
        ["error", "Totale entrate", -30.0],
        ["info", "TOTALE BUDGET", 30.0],
    ]
    assert "subtotale errato" in findings.iloc[1]["message"]
    assert "Stessa differenza (30,00 €)" in findings.iloc[0]["message"]


def test_revenue_total_disagreeing_with_lines_is_an_error():
    rows = [*REVENUE[:4], ("TOTALE BUDGET", "TOTALE BUDGET", 229.0, "total", 54)]
    findings = run_checks(plan(revenue=revenue(rows)), funding_map(), ["revenue_subtotals"])
    assert findings[["severity", "delta"]].values.tolist() == [["error", -1.0]]


def test_revenue_label_with_a_contradicting_year_is_a_remark():
    rows = [
        ("Totale 2019", "FNPS 2020 (previsionale)", 80.0, "line", 50),
        ("Totale 2019", "Comuni 2020", 120.0, "line", 51),
        ("Totale 2019", "Fondi ATS", 30.0, "line", 52),
        ("Totale 2019", "Totale 2019", 230.0, "subtotal", 53),
        REVENUE[4],
    ]
    findings = run_checks(plan(revenue=revenue(rows)), funding_map(), ["revenue_subtotals"])
    assert findings[["severity", "column"]].values.tolist() == [["info", "Totale 2019"]]
    assert "prevalenza al 2020" in findings.iloc[0]["message"]


def test_balance_per_source_and_total():
    rows = [(*REVENUE[0][:2], 90.0, *REVENUE[0][3:]), *REVENUE[1:]]
    findings = run_checks(plan(revenue=revenue(rows)), funding_map(), ["balance"])
    assert sorted(findings["delta"].tolist()) == [10.0, 10.0]
    source = only(findings, column="FNPS").iloc[0]
    assert (source["stated"], source["computed"]) == (90, 80)


def test_balance_reports_unmapped_columns_and_revenue_lines():
    fmap = funding_map([r for r in FUNDING_MAP if r[0] != "ATS"])
    rows = [*REVENUE, ("Totale entrate", "Lascito", 0.0, "line", 55)]
    findings = run_checks(plan(revenue=revenue(rows)), fmap, ["balance"])
    got = findings[["severity", "table", "column"]].values.tolist()
    assert ["warning", "scheda", "ATS"] in got  # ATS column allocated 30, not in the map
    assert ["warning", "entrate", "Fondi ATS"] in got  # 30 available, not mapped
    assert ["info", "entrate", "Lascito"] in got  # zero-amount unmapped revenue line


def test_balance_reports_map_labels_missing_from_revenue():
    fmap = funding_map(
        [*FUNDING_MAP[:2], ("ATS", "Fondi ATS", "ATS", "Fondi ATS | Fondo X", "", "3")]
    )
    findings = run_checks(plan(), fmap, ["balance"])
    assert findings[["table", "column"]].values.tolist() == [["mappa fonti", "ATS"]]
    assert "Fondo X" in findings.iloc[0]["message"]


def test_masked_cell_is_recovered_and_confirmed_by_the_balance():
    lines = budget_lines(with_cell(LINES, "01-2-001", "ATS", None))
    findings = run_checks(plan(budget_lines=lines), funding_map())
    assert findings[["check", "severity", "column", "computed"]].values.tolist() == [
        ["masked_cells", "info", "ATS", 30.0]
    ]
    message = findings.iloc[0]["message"]
    assert "ricostruita in 30,00 €" in message and "in pareggio" in message


def test_masked_cells_recovered_by_column_then_unrecoverable_is_reported():
    lines = with_cell(with_cell(LINES, "01-2-001", "ATS", None), "01-2-001", "COMUNI", None)
    totals = {**SHEET_TOTALS, 1: (25, {**SHEET_TOTALS[1][1], "ATS": None})}
    findings = run_checks(
        plan(budget_lines=budget_lines(lines), stated_totals=stated_totals(totals)), funding_map()
    )
    masked = only(findings, check="masked_cells").sort_values("column")
    assert masked[["column", "severity", "computed"]].fillna(-1).values.tolist() == [
        ["ATS", "warning", -1.0],
        ["COMUNI", "info", 10.0],
    ]
    assert "dal totale di colonna" in masked.iloc[1]["message"]
    ats = only(findings, check="column_totals")
    assert ats[["column", "severity"]].values.tolist() == [["ATS", "warning"]]
    assert "non è verificabile" in ats.iloc[0]["message"]


def test_same_delta_in_two_places_is_cross_referenced():
    totals = {**SHEET_TOTALS, 2: (42, {**SHEET_TOTALS[2][1], "PO 2019": 17})}
    rows = [*REVENUE[:3], ("Totale entrate", "Totale entrate", 223.0, "subtotal", 53), REVENUE[4]]
    findings = run_checks(
        plan(stated_totals=stated_totals(totals), revenue=revenue(rows)), funding_map()
    )
    errors = only(findings, severity="error")
    assert len(errors) == 2
    assert all("Stessa differenza (7,00 €)" in m for m in errors["message"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**8), st.integers(0, 10**8), st.integers(0, 10**8)),
        min_size=1,
        max_size=6,
    ),
    st.data(),
)
def test_property_consistent_sheet_passes_and_one_perturbation_is_found(cents, data):
    lines = [
        (1, 1, f"01-1-{i:03d}", 10 + i, f"Voce {i}", {
            "PO 2020": (a + b + c) / 100, "FNPS 2020": a / 100, "COMUNI": b / 100, "ATS": c / 100,
        })
        for i, (a, b, c) in enumerate(cents)
    ]  # fmt: skip
    sums = {c: round(sum(cells[c] for *_, cells in lines), 2) for c in lines[0][5]}
    totals = stated_totals({1: (99, sums)})
    assert run_checks(
        plan(budget_lines=budget_lines(lines), stated_totals=totals),
        funding_map(),
        ["row_identity", "column_totals"],
    ).empty
    index = data.draw(st.integers(0, len(lines) - 1))
    bump = data.draw(st.integers(2, 10**6)) / 100
    line = lines[index]
    changed = with_cell(lines, line[2], "COMUNI", line[5]["COMUNI"] + bump)
    findings = run_checks(
        plan(budget_lines=budget_lines(changed), stated_totals=totals),
        funding_map(),
        ["row_identity", "column_totals"],
    )
    assert findings[["check", "column"]].values.tolist() == [
        ["row_identity", "PO 2020"],
        ["column_totals", "COMUNI"],
    ] or findings[["check", "column"]].values.tolist() == [
        ["column_totals", "COMUNI"],
        ["row_identity", "PO 2020"],
    ]
    assert findings["delta"].abs().round(2).tolist() == [round(bump, 2)] * 2


def test_one_error_per_wrong_cell():
    from cscplan.validation.checks import one_error_per_cell
    from cscplan.validation.findings import Finding

    first = Finding("column_totals", "error", "scheda", "a", 5, "PO 2020", 650, 10.0, 13.0, -3.0)
    same = Finding("cross_table", "error", "scheda", "b", 5, "2020", 650, 10.0, 13.0, -3.0)
    other = Finding("cross_table", "error", "scheda", "c", 6, "2020", 700, 10.0, 13.0, -3.0)
    out = one_error_per_cell([first, same, other])
    assert [f.severity for f in out] == ["error", "info", "error"]
    assert "già segnalato" in out[1].message and "riga 650" in out[1].message
