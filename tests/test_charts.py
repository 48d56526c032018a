"""Italian plotly charts: titles, trace counts and values on small hand-made tables.

``sample_tables()`` is the fixture shared by the report tests (HTML, Excel, browser): small frames
with the contract columns of the parser, the checks, the cost engine and the Monte Carlo, plus the
real Cremona growth table. Its figures are hand-made so every expected value below is computed by
hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import REPORT_YEARS as YEARS
from conftest import sample_tables
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan.reports import charts


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return sample_tables()


@pytest.fixture(scope="module")
def figures(tables) -> dict[str, go.Figure]:
    return charts.all_charts(tables)


ITALIAN_WORDS = (
    "budget",
    "obiettivo",
    "fonti",
    "preconsuntivo",
    "pluriennale",
    "totali",
    "costo",
    "paga",
    "spesa",
    "incertezza",
    "sensibilità",
    "cremona",
)


def test_all_charts_in_presentation_order(figures):
    assert list(figures) == [spec.name for spec in charts.CHARTS]


def test_every_chart_has_an_italian_title_and_separators(figures):
    for name, fig in figures.items():
        title = fig.layout.title.text.lower()
        assert any(word in title for word in ITALIAN_WORDS), (name, title)
        assert fig.layout.separators == ",."


def test_treemap_sums_lines_bottom_up(figures):
    trace = figures["budget_obiettivi"].data[0]
    values = dict(zip(trace.ids, trace.values, strict=True))
    assert values["o1"] == pytest.approx(150.5)  # 120 + 30,5
    assert values["o2"] == pytest.approx(250.25)
    assert len(trace.ids) == 2 + 3 + 3  # objectives, actions (one "senza azione"), lines
    assert "(senza azione)" in trace.labels
    assert "400,75 €" in figures["budget_obiettivi"].layout.title.text


def test_sankey_flows_from_groups_to_objectives(figures):
    trace = figures["fonti_obiettivi"].data[0]
    labels = list(trace.node.label)
    assert labels[:3] == ["ATS", "Comunali", "Fondi nazionali"]
    flows = {
        (labels[s], labels[t]): v
        for s, t, v in zip(trace.link.source, trace.link.target, trace.link.value, strict=True)
    }
    comunali_ob2 = next(v for (g, o), v in flows.items() if g == "Comunali" and "Ob. 2" in o)
    assert comunali_ob2 == pytest.approx(150.0)
    assert sum(flows.values()) == pytest.approx(400.75)
    assert "150,00 €" in trace.link.customdata


def test_waterfall_goes_from_2019_to_2020(figures):
    trace = figures["preconsuntivo_budget"].data[0]
    assert list(trace.measure) == ["absolute", "relative", "relative", "total"]
    assert list(trace.y) == pytest.approx([350.0, 0.5, 50.25, 400.75])
    assert list(trace.customdata[-1]) == ["Budget 2020", "400,75 €"]
    assert list(trace.x)[1:3] == ["Ob. 1", "Ob. 2"]
    assert list(trace.text[1:3]) == ["+0,50 €", "+50,25 €"]  # amounts to the cent


def test_multiyear_one_trace_per_objective_and_totals(figures):
    fig = figures["pluriennale"]
    assert len(fig.data) == 2
    assert list(fig.data[1].y) == [250.25, 240.0, 230.0]
    totals = [a.text for a in fig.layout.annotations]
    assert totals == ["<b>400,75 €</b>", "<b>395,00 €</b>", "<b>390,00 €</b>"]


def test_validation_only_failing_totals_sized_by_delta(figures):
    fig = figures["verifiche"]
    points = [t for t in fig.data if t.mode == "markers"]
    assert len(points) == 1 and points[0].name == "errore (2)"
    by_label = {
        c[0]: (y, size, c[3])
        for c, y, size in zip(points[0].customdata, points[0].y, points[0].marker.size, strict=True)
    }
    assert by_label["scheda · Ob. 2 · PO 2020"] == (260.25, pytest.approx(50.0), "+10,00 €")
    assert by_label["pluriennale · 2021"][0] == 400.0
    assert by_label["pluriennale · 2021"][1] == pytest.approx(12 + 38 * 0.5**0.5)


def test_scenarios_by_service_and_payer(figures):
    by_service = figures["scenari_servizi"]
    assert [t.name for t in by_service.data] == ["Scenario base", "Saap piu5"]
    saap = dict(zip(by_service.data[1].x, by_service.data[1].y, strict=True))["SAAP"]
    assert saap == pytest.approx(3 * 140 * 1.05)
    assert by_service.data[1].customdata[0][1] == "+21,00 €"
    by_payer = figures["scenari_pagatori"]
    comuni, distretto = (list(t.y) for t in by_payer.data)
    assert comuni[0] + distretto[0] == pytest.approx(600.0)


def test_cumulative_spend_reaches_commitment(figures):
    fig = figures["spesa_cumulata"]
    baseline = fig.data[0]
    assert list(baseline.y) == pytest.approx([200.0, 400.0, 600.0])
    assert list(baseline.x) == ["gen 2023", "feb 2023", "mar 2023"]
    lines = {t.name: t.y[0] for t in fig.data[2:]}
    assert lines == {"Impegno annuo: 600,00 €": 600.0, "Soglia di allerta 80%: 480,00 €": 480.0}


def test_montecarlo_fan_band(figures):
    fig = figures["montecarlo"]
    assert fig.data[1].fill == "tonexty"
    assert list(fig.data[2].y) == [200.0, 400.0, 600.0]


def test_tornado_widest_parameter_on_top(figures):
    fig = figures["sensibilita"]
    assert list(fig.data[0].y)[-1] == "Volumi ±10%"
    assert list(fig.data[0].x)[-1] == pytest.approx(-60.0)
    assert list(fig.data[1].x)[-1] == pytest.approx(60.0)


def test_cremona_chart_uses_real_growth_and_csc_volumes(figures, tables):
    fig = figures["crescita_cremona"]
    mean = next(t for t in fig.data if t.name == "media annua")
    saap = dict(zip(mean.x, mean.y, strict=True))["SAAP"]
    assert saap == pytest.approx((204 / 176) ** 0.5 - 1)
    cases = next(t for t in fig.data if t.name == "casi CSC (scenario base)")
    assert dict(zip(cases.x, cases.y, strict=True))["SAAP"] == 2  # b1 and b3


def test_missing_tables_are_skipped_with_an_italian_note(tables):
    partial = {k: v for k, v in tables.items() if k not in ("montecarlo_path", "sensitivity")}
    assert "montecarlo" not in charts.all_charts(partial)
    notes = charts.skipped_charts(partial)
    assert set(notes) == {"montecarlo", "sensibilita"}
    assert "non disponibile" in notes["montecarlo"]
    assert charts.all_charts({}) == {}


def test_no_failing_totals_gives_a_note_not_a_chart(tables):
    ok = dict(tables, findings=tables["findings"].iloc[2:])
    assert "tornano" in charts.skipped_charts(ok)["verifiche"]


def test_scenario_labels_from_the_optional_scenarios_table(tables):
    labelled = dict(
        tables,
        scenarios=pd.DataFrame({"scenario": ["saap_piu5"], "label": ["SAAP +5% da aprile"]}),
    )
    names = [t.name for t in charts.scenario_by_service(labelled).data]
    assert names == ["Scenario base", "SAAP +5% da aprile"]
    assert charts.scenario_label("iva_10") == "Iva 10"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            st.sampled_from(["", "Azione 1", "Azione 2"]),
            st.floats(0.01, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_treemap_parents_equal_the_sum_of_their_children(rows):
    lines = pd.DataFrame(
        {
            "objective_id": [r[0] for r in rows],
            "objective": [f"Obiettivo {r[0]}" for r in rows],
            "line_id": [f"L{n}" for n in range(len(rows))],
            "action": [r[1] for r in rows],
            "item": [f"voce {n}" for n in range(len(rows))],
            "po_current": [r[2] for r in rows],
        }
    )
    tables = {"budget_by_action": lines, "plan_info": pd.DataFrame([YEARS.record()])}
    trace = charts.budget_treemap(tables).data[0]
    values = dict(zip(trace.ids, trace.values, strict=True))
    children: dict[str, float] = {}
    for node, parent in zip(trace.ids, trace.parents, strict=True):
        children[parent] = children.get(parent, 0.0) + values[node]
    for parent, total in children.items():
        expected = sum(r[2] for r in rows) if parent == "" else values[parent]
        assert total == pytest.approx(expected, rel=1e-9)
