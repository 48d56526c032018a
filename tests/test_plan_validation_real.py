"""The checks on the real Piano Programma 2020-2022 (data/raw/002).

Expected figures were derived by hand from the raw text (scratch sums of the € cells of each
sheet, revenue and comparison section), not copied from the checks' output:
- Sheet 5 (lines 581-650): PO 2020 cells sum to 6.643.674,94, the TOTALE row says 6.323.674,94
  (-320.000); COMUNI cells 5.085.818,36 vs 4.685.818,36 (-400.000); ATS cells 40.000 + the masked
  cell of line 602 vs 420.000. Line 602: PO 2020 550.000 = COMUNI 250.000 + ATS #####, so the
  masked ATS is 300.000 and the ATS column sums to 340.000 (+80.000 in the total).
  Columns "Residui 2019 vincolati" (6.400, line 586) and "FSR 2020" (539.000 + 20.000 + 30.000)
  exist in part 1 but have no cell in the TOTALE row.
- Sheet 8: "FNPS 2020" (20.000 + 10.100, lines 881-882) is in part 1 only, not in the TOTALE row.
- Sheet 10: PO 2019 cells sum to 999.817,29, the TOTALE row says 1.072.277,29 (+72.460).
- Comparison and multi-year give 6.643.674,94 for objective 5 (the lines' sum, not the sheet total).
- Revenue: the lines after "Totale avanzo 2019" sum to 10.828.172,44, the subtotal labelled
  "Totale Entrate 2019" (its lines are 2020 funds) says 10.508.172,44 (-320.000); TOTALE BUDGET
  12.236.661,01 equals the sum of all lines, not of the two subtotals (11.916.661,01).
- Per source, the sheets' columns add up exactly to the revenue lines (e.g. ATS 40.000 + 300.000
  + 11.000 = 40.000 + 311.000), once the masked cell is recovered.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cscplan import paths
from cscplan.budget import views
from cscplan.budget.funding import for_plan, funding_balance, load_funding_map
from cscplan.sources.piano_programma import load_plan
from cscplan.validation.checks import run_checks
from cscplan.validation.masked import masked_recoveries, recover_masked

EXPECTED_FINDINGS = {
    # (check, severity, table, objective_id, column, source_line): delta (or computed if no delta)
    ("column_totals", "error", "scheda", 5, "PO 2020", 650): -320_000.00,
    ("column_totals", "error", "scheda", 5, "COMUNI", 650): -400_000.00,
    ("column_totals", "error", "scheda", 5, "ATS", 650): 80_000.00,
    ("column_totals", "error", "scheda", 10, "PO 2019", 954): 72_460.00,
    ("column_totals", "warning", "scheda", 5, "Residui 2019 vincolati", 650): 6_400.00,
    ("column_totals", "warning", "scheda", 5, "FSR 2020", 650): 589_000.00,
    ("column_totals", "warning", "scheda", 8, "FNPS 2020", 906): 30_100.00,
    ("cross_table", "info", "scheda", 5, "2020", 650): -320_000.00,
    ("revenue_subtotals", "error", "entrate", None, "Totale Entrate 2019", 1053): -320_000.00,
    ("revenue_subtotals", "info", "entrate", None, "Totale Entrate 2019", 1053): None,
    ("revenue_subtotals", "info", "entrate", None, "TOTALE BUDGET", 1054): 320_000.00,
    ("masked_cells", "info", "scheda", 5, "ATS", 602): 300_000.00,
    ("balance", "info", "entrate", None, "Fondo POVERTA' - Reddito di Cittadinanza", 1038): None,
    ("balance", "info", "entrate", None, "Dopo di noi", 1039): None,
    ("balance", "info", "entrate", None, "Misura regionale - REDDITO DI AUTONOMIA", 1046): None,
    ("balance", "info", "entrate", None, "Bonus famiglia - Assistenti Familiari", 1050): None,
}


@pytest.fixture(scope="module")
def plan():
    return load_plan(paths.PIANO_PROGRAMMA)


@pytest.fixture(scope="module")
def fmap():
    return for_plan(load_funding_map(paths.FUNDING_SOURCES), load_plan(paths.PIANO_PROGRAMMA).years)


@pytest.fixture(scope="module")
def findings(plan, fmap):
    return run_checks(plan, fmap)


@pytest.fixture(scope="module")
def lines(plan):
    return recover_masked(plan.budget_lines, plan.stated_totals)


def _key(row) -> tuple:
    objective = None if pd.isna(row["objective_id"]) else int(row["objective_id"])
    return (
        row["check"],
        row["severity"],
        row["table"],
        objective,
        row["column"],
        int(row["source_line"]),
    )


def _figure(row) -> float | None:
    value = row["delta"] if pd.notna(row["delta"]) else row["computed"]
    return None if pd.isna(value) else round(float(value), 2)


def test_exact_list_of_findings(findings):
    got = {_key(row): _figure(row) for _, row in findings.iterrows()}
    assert len(findings) == len(got)  # each disagreement reported once
    assert got == EXPECTED_FINDINGS


def test_the_320k_gap_is_cross_referenced(findings):
    related = findings[findings["delta"].abs().round(2) == 320_000]
    assert len(related) == 4
    assert all("Stessa differenza (320.000,00 €)" in m for m in related["message"])
    po = findings[(findings["check"] == "column_totals") & (findings["column"] == "PO 2020")]
    assert "COMUNI −400.000,00 €, ATS +80.000,00 €" in po.iloc[0]["message"]


def test_masked_cell_row_and_column_identities(plan):
    recovery = masked_recoveries(plan.budget_lines, plan.stated_totals).iloc[0]
    assert (recovery["source_line"], recovery["column"]) == (602, "ATS")
    assert recovery["row_value"] == pytest.approx(300_000.00, abs=0.01)
    # the stated ATS total (420.000) minus the other ATS cell (40.000) would give 380.000
    assert recovery["column_value"] == pytest.approx(380_000.00, abs=0.01)


def test_bottom_up_total_equals_multiyear_and_comparison_grand_totals(plan, lines):
    bottom_up = lines.loc[lines["column"] == "PO 2020", "amount"].sum()
    grand = plan.stated_totals.set_index(["table", "column"])["amount"]
    assert bottom_up == pytest.approx(12_236_661.01, abs=0.01)
    assert grand[("pluriennale", "2020")] == pytest.approx(bottom_up, abs=0.01)
    assert grand[("confronto", "budget 2020")] == pytest.approx(bottom_up, abs=0.01)
    # the stated sheet totals fall short by the objective-5 gap (320.000)
    sheets = plan.stated_totals
    stated = sheets[(sheets["table"] == "scheda") & (sheets["column"] == "PO 2020")]["amount"].sum()
    assert bottom_up - stated == pytest.approx(320_000.00, abs=0.01)


def test_every_source_balances_once_masked_cell_is_recovered(plan, lines, fmap):
    balance = funding_balance(lines, plan.revenue, fmap)
    assert balance["difference"].abs().max() <= 0.01
    assert balance["allocated"].sum() == pytest.approx(12_236_661.01, abs=0.01)
    ats = balance.set_index("source").loc["Fondi ATS"]
    assert (ats["allocated"], ats["available"]) == pytest.approx((351_000.00, 351_000.00))
    unrecovered = funding_balance(plan.budget_lines, plan.revenue, fmap).set_index("source")
    assert unrecovered.loc["Fondi ATS", "difference"] == pytest.approx(300_000.00, abs=0.01)


def test_views_on_the_real_plan(plan, lines, fmap):
    wide = views.by_objective_source_wide(lines, fmap, plan.stated_totals, plan.years).set_index(
        "objective_id"
    )
    assert wide.loc[5, "Fondi ATS"] == pytest.approx(340_000.00, abs=0.01)
    assert wide.loc[5, "differenza"] == pytest.approx(-320_000.00, abs=0.01)
    assert wide.loc[3, "PO 2020 calcolato"] == pytest.approx(417_906.19, abs=0.01)
    by_action = views.by_action(lines, plan.years)
    assert by_action["line_id"].is_unique and by_action["has_imputed"].sum() == 1
    comparison = views.comparison_view(plan.comparison, lines, plan.years).set_index("objective_id")
    assert comparison["budget_gap"].abs().max() <= 0.01
    summary = views.objective_summary(lines, plan.stated_totals, fmap, plan.years).set_index(
        "objective_id"
    )
    assert summary.loc[10, "po_previous_stated"] - summary.loc[
        10, "po_previous_computed"
    ] == pytest.approx(72_460.00, abs=0.01)
    multi = views.multiyear_view(plan.multiyear, plan.stated_totals).set_index("objective")
    assert multi.loc["Totale calcolato", "2021"] == pytest.approx(12_131_997.98, abs=0.01)
