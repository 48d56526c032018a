"""The notebooks' Styler: Italian headers from the registry, amounts as 1.234,56 €."""

from __future__ import annotations

import pandas as pd
from conftest import sample_tables

from cscplan.reports.styling import styled


def test_registry_headers_with_the_plan_years_and_euro_amounts():
    tables = sample_tables()
    view = tables["budget_by_action"].head(2)
    shown = styled(view, "budget_by_action", tables)
    assert "PO 2020 (€)" in shown.data.columns and "po_current" not in shown.data.columns
    html = shown.to_html()
    assert "120,00 €" in html  # the first line's PO 2020
    assert "gross_eur" not in styled(tables["costs_summary"], "costs_summary").data.columns


def test_extra_labels_and_money_for_derived_frames():
    frame = pd.DataFrame({"baseline": [1234.5], "quota": [0.25], "n": [3]}, index=["SAAP"])
    html = styled(frame, labels={"baseline": "Scenario base"}, money=["baseline"]).to_html()
    assert "Scenario base" in html and "1.234,50 €" in html and "0,25" in html
    assert "1.234,50 €" in styled(frame, money=True).to_html()
    flags = pd.DataFrame({"commitment_given": [True]})
    assert ">sì<" in styled(flags, "montecarlo_summary").to_html()
