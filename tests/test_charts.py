"""Italian plotly charts: titles, trace counts and values on small hand-made tables.

``sample_tables()`` is the fixture shared by the report tests (HTML, Excel, browser): small frames
with the contract columns of the parser, the checks, the cost engine and the Monte Carlo, plus the
real Cremona growth table. Its figures are hand-made so every expected value below is computed by
hand in the comments.
"""

from __future__ import annotations

import re

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


FIGURE = re.compile(r"\d[\d.]*(,\d+)?(%| €)")


def test_all_charts_in_presentation_order(figures):
    assert list(figures) == [spec.name for spec in charts.CHARTS]


def test_every_title_states_a_figure_from_the_tables(figures):
    for name, fig in figures.items():
        assert FIGURE.search(fig.layout.title.text), (name, fig.layout.title.text)
        assert fig.layout.title.subtitle.text, name
        assert fig.layout.separators == ",."


def test_titles_carry_the_message(figures):
    titles = {name: fig.layout.title.text.replace("<br>", " ") for name, fig in figures.items()}
    # objective 2: 250,25 of 400,75 = 62,4%
    assert titles["budget_obiettivi"] == "L'Obiettivo 2 assorbe il 62% del budget 2020"
    # comunali 130,5 + 150 = 280,50 of 400,75
    assert titles["fonti_obiettivi"].startswith("«Comunali» è la prima fonte: 70% del budget 2020")
    assert "(280,50 €)" in titles["fonti_obiettivi"]
    # 400,75 − 350 = +50,75 = +14,5%
    assert titles["preconsuntivo_budget"].endswith("+50,75 € (+14,5%)")
    assert titles["pluriennale"] == (
        "Il budget passa da 400,75 € nel 2020 a 390,00 € nel 2022 (−2,7%)"
    )
    assert titles["verifiche"].startswith("2 totali dichiarati non tornano")
    assert titles["scenari_servizi"].startswith("SAAP è il servizio più costoso: 420,00 €")
    assert "i comuni pagano il 75% (450,00 €)" in titles["scenari_pagatori"]
    assert titles["spesa_cumulata"].endswith("l'80% dell'impegno si raggiunge a marzo 2023")
    assert titles["montecarlo"] == "Probabilità di superare l'impegno di 600,00 €: 42,0%"
    assert "«Volumi ±10%»: da −60,00 € a +60,00 €" in titles["sensibilita"]


def test_long_titles_wrap_at_spaces_never_before_the_euro_sign():
    wrapped = charts.wrap("la spesa sale di 1.234,56 € in dodici mesi", 18)
    assert wrapped == "la spesa sale di<br>1.234,56 € in<br>dodici mesi"


def test_one_colour_per_objective_in_every_chart(figures):
    colour = {}
    sankey = figures["fonti_obiettivi"].data[0]
    for label, node_colour in zip(sankey.node.label, sankey.node.color, strict=True):
        if label.startswith("Ob. "):
            colour[label.split(" –")[0]] = node_colour
    for trace in figures["pluriennale"].data:
        assert colour[trace.name.split(" –")[0]] == trace.marker.color
    treemap = figures["budget_obiettivi"].data[0]
    for node, node_colour in zip(treemap.ids, treemap.marker.colors, strict=True):
        if node in ("o1", "o2"):
            assert colour[f"Ob. {node[1:]}"] == node_colour
    assert colour["Ob. 1"] != colour["Ob. 2"]


def test_treemap_shows_objectives_and_drills_down(figures):
    trace = figures["budget_obiettivi"].data[0]
    values = dict(zip(trace.ids, trace.values, strict=True))
    assert values["root"] == pytest.approx(400.75)
    assert values["o1"] == pytest.approx(150.5)  # 120 + 30,5
    assert values["o2"] == pytest.approx(250.25)
    assert trace.maxdepth == 2  # root + objectives; a click opens actions and lines
    assert len(trace.ids) == 1 + 2 + 3 + 3  # root, objectives, actions, lines
    assert "(senza azione)" in trace.labels
    assert "250,25 €" in trace.text[list(trace.ids).index("o2")]
    assert figures["budget_obiettivi"].layout.uniformtext.minsize >= 11


def test_sankey_flows_from_groups_to_objectives_with_amounts(figures):
    trace = figures["fonti_obiettivi"].data[0]
    labels = list(trace.node.label)
    assert labels[:3] == ["Comunali · 280,50 €", "Fondi nazionali · 70,25 €", "ATS · 50,00 €"]
    flows = {
        (labels[s], labels[t]): v
        for s, t, v in zip(trace.link.source, trace.link.target, trace.link.value, strict=True)
    }
    comunali_ob2 = next(v for (g, o), v in flows.items() if "Comunali" in g and "Ob. 2" in o)
    assert comunali_ob2 == pytest.approx(150.0)
    assert sum(flows.values()) == pytest.approx(400.75)
    assert any(label.endswith("· 250,25 €") and "Ob. 2" in label for label in labels)


def test_top_rows_fold_the_rest_into_one_entry():
    frame = pd.DataFrame({"v": [5.0, 1.0, 3.0, 2.0, 4.0]}, index=list("abcde"))
    folded = charts.top_rows(frame, "v", 2, "Altri")
    assert list(folded.index) == ["a", "e", "Altri (3)"]
    assert list(folded["v"]) == [5.0, 4.0, 6.0]
    assert list(charts.top_rows(frame, "v", 4, "Altri").index) == list("aecdb")  # 1 left: kept


def test_waterfall_goes_from_2019_to_2020_horizontally(figures):
    trace = figures["preconsuntivo_budget"].data[0]
    assert trace.orientation == "h"
    assert list(trace.measure) == ["absolute", "relative", "relative", "total"]
    assert list(trace.x) == pytest.approx([350.0, 0.5, 50.25, 400.75])
    assert trace.y[0] == "Preconsuntivo 2019" and trace.y[-1] == "Budget 2020"
    assert trace.y[2] == "Ob. 2 – Tutela minori e famiglia"
    assert list(trace.text[1:3]) == ["+0,50 €", "+50,25 €"]  # amounts to the cent


def test_multiyear_one_trace_per_objective_and_totals(figures):
    fig = figures["pluriennale"]
    assert len(fig.data) == 2
    assert list(fig.data[0].y) == [250.25, 240.0, 230.0]  # largest objective first
    totals = [a.text for a in fig.layout.annotations]
    assert totals == ["<b>400,75 €</b>", "<b>395,00 €</b>", "<b>390,00 €</b>"]
    assert [a.x for a in fig.layout.annotations] == [0, 1, 2]  # category positions


def test_wrong_totals_are_labelled_bars(figures):
    trace = figures["verifiche"].data[0]
    assert list(trace.y) == ["Scheda Ob. 2 · PO 2020 · riga 25", "Pluriennale · 2021 · riga 40"]
    assert list(trace.x) == [10.0, 5.0]
    assert trace.text[0] == "<b>+10,00 €</b><br>dichiarato 260,25 € · calcolato 250,25 €"


def test_services_sorted_by_cost_with_scenarios_as_markers(figures):
    by_service = figures["scenari_servizi"]
    assert [t.name for t in by_service.data] == ["Scenario base", "Saap piu5"]
    assert list(by_service.data[0].y) == ["SAAP", "SAD-SADH"]  # 420 before 180
    saap = dict(zip(by_service.data[1].y, by_service.data[1].x, strict=True))["SAAP"]
    assert saap == pytest.approx(3 * 140 * 1.05)
    assert by_service.data[1].customdata[0][1] == "+21,00 €"
    by_payer = figures["scenari_pagatori"]
    comuni, distretto = (list(t.x) for t in by_payer.data)
    assert comuni[0] + distretto[0] == pytest.approx(600.0)
    assert by_payer.data[0].marker.color != by_payer.data[1].marker.color


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
    assert list(fig.data[0].y)[0] == "Volumi ±10%"
    assert list(fig.data[0].x)[0] == pytest.approx(-60.0)
    assert list(fig.data[1].x)[0] == pytest.approx(60.0)


def test_tornado_shows_the_abatement_on_the_comuni(tables):
    sens = pd.DataFrame(
        {
            "parameter": ["volumi", "abbattimento"],
            "label": ["Volumi ±10%", "Abbattimento distrettuale"],
            "low_label": ["−10%", "sì"],
            "high_label": ["+10%", "no"],
            "baseline_eur": [600.0, 600.0],
            "low_eur": [540.0, 600.0],
            "high_eur": [660.0, 600.0],
            "comune_delta_low_eur": [-45.0, 0.0],
            "comune_delta_high_eur": [45.0, 75.0],
        }
    )
    fig = charts.tornado(dict(tables, sensitivity=sens))
    title = fig.layout.title.text.replace("<br>", " ")
    assert title == (
        "Abbattimento distrettuale «no»: +75,00 € a carico dei comuni, a costo totale invariato"
    )
    comuni_high = next(t for t in fig.data if t.xaxis == "x2" and t.name == "valore alto")
    bars = dict(zip(comuni_high.y, comuni_high.x, strict=True))
    assert bars["Abbattimento distrettuale<br>(sì / no)"] == 75.0  # the bar is not empty
    assert "+75,00 €" in comuni_high.text


def test_cremona_chart_uses_real_growth_and_csc_volumes(figures, tables):
    fig = figures["crescita_cremona"]
    mean = next(t for t in fig.data if t.name == "media annua")
    saap = dict(zip(mean.x, mean.y, strict=True))["SAAP"]
    assert saap == pytest.approx((204 / 176) ** 0.5 - 1)
    assert mean.y[0] == max(mean.y)  # fastest growth first
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


def test_every_label_from_user_text_goes_through_chart_text(tables):
    labelled = dict(
        tables,
        scenarios=pd.DataFrame({"scenario": ["saap_piu5"], "label": ["SAAP   +5%\n da aprile"]}),
    )
    names = [t.name for t in charts.scenario_by_service(labelled).data]
    assert names == ["Scenario base", "SAAP +5% da aprile"]  # spaces collapsed
    assert charts.chart_text("una voce molto lunga", 10) == "una voce…"


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
        if parent:
            children[parent] = children.get(parent, 0.0) + values[node]
    assert values["root"] == pytest.approx(sum(r[2] for r in rows), rel=1e-9)
    for parent, total in children.items():
        assert total == pytest.approx(values[parent], rel=1e-9)
