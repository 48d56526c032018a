"""One model across years: a plan with every year moved forward builds with no code change.

The bundled Piano Programma 2020–2022 is rewritten as a "Piano Programma 2021–2023" (every year in
the text + 1: columns PO 2020/PO 2021, FNPS 2021, comparison with the preconsuntivo 2020,
multi-year 2021–2023). ``cscplan build --plan`` on it must give the same plan tables and findings
with the years moved, the cost tables unchanged, and a workbook named after the plan's years.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cscplan import metadata, paths
from cscplan.cli import main
from cscplan.metadata.fields import STRING
from cscplan.sources.piano_programma import load_plan

YEAR = re.compile(r"\b(20[12]\d)\b")  # the plan years (2010–2029), not laws like 328/2000
PLAN_TABLES = [
    "plan_info",
    "budget_lines",
    "stated_totals",
    "revenue",
    "comparison",
    "multiyear",
    "staff",
    "hiring_plan",
    "strategic_objectives",
    "kpis",
    "findings",
    "funding_by_objective",
    "funding_balance",
    "budget_by_action",
    "budget_by_objective",
    "multiyear_view",
    "comparison_view",
    "funding_sources",
]
YEAR_FIELDS = {"year", "budget_year", "previous_year", "first_year", "last_year"}
COST_TABLES = ["costs_monthly", "costs_summary", "scenario_delta_comune", "montecarlo_summary"]


def moved(text: str) -> str:
    """Every four-digit year of the text one year later."""
    return YEAR.sub(lambda m: str(int(m[0]) + 1), text)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("years")
    plan = root / "piano_2021_2023.txt"
    plan.write_text(moved(paths.PIANO_PROGRAMMA.read_text(encoding="utf-8")), encoding="utf-8")
    outs = root / "originale", root / "spostato"
    for out, source in zip(outs, (paths.PIANO_PROGRAMMA, plan), strict=True):
        args = ["build", "--plan", str(source), "--out", str(out), "--no-screenshot"]
        assert main([*args, "--draws", "20"]) == 0
    return outs


def test_years_are_read_from_the_document(tmp_path):
    plan = tmp_path / "piano.txt"
    plan.write_text(moved(paths.PIANO_PROGRAMMA.read_text(encoding="utf-8")), encoding="utf-8")
    years = load_plan(plan).years
    assert (years.budget_year, years.previous_year) == (2021, 2020)
    assert years.plan_columns == ("PO 2020", "PO 2021")
    assert (years.first_year, years.last_year) == (2021, 2023)
    assert years.title == "Piano Programma 2021–2023"


def with_years_moved(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as it must read for the moved plan: years in texts and year fields + 1,
    amounts unchanged (an amount of 2.000,00 € is not a year)."""
    out = frame.rename(columns=moved)
    for column in frame.columns:
        kind = metadata.field_of(name, column).kind
        if kind == STRING or column in YEAR_FIELDS:
            out[moved(column)] = frame[column].map(moved, na_action="ignore")
    return out


@pytest.mark.parametrize("name", PLAN_TABLES)
def test_plan_tables_and_findings_move_with_the_years(builds, name):
    original, shifted = builds
    before = pd.read_csv(original / f"{name}.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(shifted / f"{name}.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(after, with_years_moved(name, before))


@pytest.mark.parametrize("name", COST_TABLES)
def test_cost_tables_do_not_depend_on_the_plan_years(builds, name):
    original, shifted = builds
    assert (shifted / f"{name}.csv").read_bytes() == (original / f"{name}.csv").read_bytes()


def test_budget_link_follows_the_plan_column(builds):
    original, shifted = builds
    text = (original / "budget_link.csv").read_text(encoding="utf-8")
    assert ",PO 2020," in text
    expected = text.replace(",PO 2020,", ",PO 2021,")
    assert (shifted / "budget_link.csv").read_text(encoding="utf-8") == expected


def test_findings_are_the_same_count_with_the_years_moved(builds):
    original, shifted = builds
    head = (shifted / "findings.csv").read_text(encoding="utf-8").splitlines()
    assert len(head) == 17  # 16 findings: the same 5 errors, 3 warnings and 8 notes
    assert "colonna PO 2021, 6.323.674,94 €" in "\n".join(head)


def test_workbook_and_report_are_named_after_the_plan_years(builds):
    original, shifted = builds
    assert (original / "piano_programma_2020_2022.xlsx").is_file()
    assert (shifted / "piano_programma_2021_2023.xlsx").is_file()
    assert not (shifted / "piano_programma_2020_2022.xlsx").exists()
    report = (shifted / "report.html").read_text(encoding="utf-8")
    assert "Piano Programma 2021–2023" in report and "Pluriennale 2021–2023" in report
