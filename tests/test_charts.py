"""Italian plotly charts: titles, trace counts and values on small hand-made tables.

``sample_tables()`` is the fixture shared by the report tests (HTML, Excel, browser): small frames
with the contract columns of the parser, the checks, the cost engine and the Monte Carlo, plus the
real Cremona growth table. Its figures are hand-made so every expected value below is computed by
hand in the comments.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan import paths
from cscplan.budget import views
from cscplan.plan_years import PlanYears
from cscplan.reports import charts
from cscplan.scenarios.benchmarks import growth_table, load_benchmark_map
from cscplan.sources.service_maps import load_service_maps
from cscplan.tariffs.engine import COSTS_MONTHLY_COLUMNS
from cscplan.validation.findings import Finding, findings_frame

LINE_COLUMNS = [
    "objective_id",
    "objective",
    "part",
    "line_id",
    "action",
    "item",
    "detail",
    "column",
    "kind",
    "amount",
    "masked",
    "imputed",
    "source_line",
]
# (objective, line_id, action, item, {column: amount}, source_line); None = masked "#####"
LINES = [
    (
        1,
        "01-1-001",
        "Azione 1: Direzione",
        "Direttore",
        {"PO 2019": 100.0, "PO 2020": 120.0, "FNPS 2020": 20.0, "COMUNI": 100.0},
        10,
    ),
    (1, "01-1-002", "", "Cancelleria", {"PO 2019": 50.0, "PO 2020": 30.5, "COMUNI": 30.5}, 11),
    (
        2,
        "02-1-001",
        "Azione 1: Affidi",
        "Coordinamento Affidi",
        {"PO 2019": 200.0, "PO 2020": 250.25, "FNPS 2020": 50.25, "ATS": None, "COMUNI": 150.0},
        20,
    ),
]
TITLES = {1: "Servizi generali e governance", 2: "Tutela minori e famiglia"}
YEARS = PlanYears(2020, 2019, 2020, 2022, "PO 2019", "PO 2020")


def budget_lines() -> pd.DataFrame:
    rows = []
    for obj, line_id, action, item, cells, line in LINES:
        for column, amount in cells.items():
            kind = "plan" if column.startswith("PO ") else "source"
            rows.append(
                [
                    obj,
                    TITLES[obj],
                    1,
                    line_id,
                    action,
                    item,
                    "",
                    column,
                    kind,
                    np.nan if amount is None else amount,
                    amount is None,
                    False,
                    line,
                ]
            )
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def findings() -> pd.DataFrame:
    return findings_frame(
        [
            Finding(
                "column_totals",
                "error",
                "scheda",
                "Il totale dichiarato dell'Obiettivo 2 "
                "(colonna PO 2020) supera di 10,00 € la somma delle righe",
                2,
                "PO 2020",
                25,
                260.25,
                250.25,
                10.0,
            ),
            Finding(
                "cross_table",
                "error",
                "pluriennale",
                "Il totale 2021 non torna",
                None,
                "2021",
                40,
                400.0,
                395.0,
                5.0,
            ),
            Finding(
                "column_totals", "warning", "scheda", "Colonna ATS assente nel totale", 2, "ATS", 25
            ),
            Finding(
                "masked_cells",
                "info",
                "scheda",
                "Cella ##### ricostruita: 50,00 €",
                2,
                "ATS",
                20,
                None,
                50.0,
            ),
        ]
    )


def costs_monthly() -> pd.DataFrame:
    rows = []
    plans = [
        ("b1", "Crema", "SAAP", "SAAP_D1", 100.0),
        ("b2", "Offanengo", "SAD-SADH", "SAD_FERIALE", 60.0),
        ("b3", "Crema", "SAAP", "SAAP_D2", 40.0),
    ]
    for scenario, factor in (("baseline", 1.0), ("saap_piu5", 1.05)):
        for month in ("2023-01", "2023-02", "2023-03"):
            for ben, comune, service, item, gross in plans:
                value = gross * (factor if service == "SAAP" else 1.0)
                district = round(value * 0.25, 2)
                rows.append(
                    [
                        scenario,
                        ben,
                        comune,
                        service,
                        item,
                        month,
                        10.0,
                        value,
                        0.0,
                        value,
                        value - district,
                        district,
                    ]
                )
    return pd.DataFrame(rows, columns=COSTS_MONTHLY_COLUMNS)


@functools.cache
def cremona_growth() -> pd.DataFrame:
    return growth_table(
        load_service_maps(paths.SERVICE_MAPS).values, load_benchmark_map(paths.BENCHMARK_MAP)
    )


def with_views(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The published views of the plan, computed from the hand-made tables by the real code."""
    lines, fmap = tables["budget_lines"], tables["funding_sources"]
    return {
        **tables,
        "plan_info": pd.DataFrame([YEARS.record()]),
        "budget_by_action": views.by_action(lines, YEARS),
        "budget_by_objective": views.objective_summary(lines, tables["stated_totals"], fmap, YEARS),
        "comparison_view": views.comparison_view(tables["comparison"], lines, YEARS),
    }


def sample_tables() -> dict[str, pd.DataFrame]:
    """Every table the report reads, small and hand-made (Cremona growth is the real one)."""
    return with_views(base_tables())


def base_tables() -> dict[str, pd.DataFrame]:
    monthly = costs_monthly()
    summary = monthly.groupby(["scenario", "service"], as_index=False)[
        ["gross_eur", "comune_eur", "district_eur"]
    ].sum()
    return {
        "budget_lines": budget_lines(),
        "stated_totals": pd.DataFrame(
            {
                "table": ["scheda", "scheda", "pluriennale"],
                "objective_id": pd.array([1, 2, None], dtype="Int64"),
                "column": ["PO 2020", "PO 2020", "2021"],
                "amount": [150.5, 260.25, 400.0],
                "masked": False,
                "source_line": [12, 25, 40],
            }
        ),
        "revenue": pd.DataFrame(
            {
                "group": ["Comuni", "Comuni", "Comuni", "Fondi nazionali", "Fondi nazionali", ""],
                "label": [
                    "Quote comuni",
                    "Altri comuni",
                    "Totale comuni",
                    "FNPS 2020",
                    "Totale fondi nazionali",
                    "TOTALE BUDGET",
                ],
                "amount": [130.5, 50.0, 180.5, 70.25, 70.25, 250.75],
                "row_kind": ["line", "line", "subtotal", "line", "subtotal", "total"],
                "source_line": [50, 51, 52, 53, 54, 55],
            }
        ),
        "comparison": pd.DataFrame(
            {
                "objective_id": [1, 2],
                "objective": [TITLES[1], TITLES[2]],
                "preconsuntivo": [150.0, 200.0],
                "budget": [150.5, 250.25],
                "variation": [0.5, 50.25],
                "note": ["", "più affidi"],
                "source_line": [60, 61],
            }
        ),
        "multiyear": pd.DataFrame(
            {
                "objective_id": [1, 1, 1, 2, 2, 2],
                "objective": [TITLES[1]] * 3 + [TITLES[2]] * 3,
                "year": [2020, 2021, 2022] * 2,
                "amount": [150.5, 155.0, 160.0, 250.25, 240.0, 230.0],
                "source_line": [70, 70, 70, 71, 71, 71],
            }
        ),
        "findings": findings(),
        "funding_by_objective": pd.DataFrame(
            {
                "objective_id": [1, 1, 2, 2, 2],
                "source": ["FNPS", "Comuni", "FNPS", "Comuni", "ATS"],
                "amount": [20.0, 130.5, 50.25, 150.0, 50.0],
            }
        ),
        "funding_sources": pd.DataFrame(
            {
                "column": ["FNPS 2020", "COMUNI", "ATS"],
                "source": ["FNPS", "Comuni", "ATS"],
                "group": ["fondi nazionali", "comunali", "ATS"],
            }
        ),
        "funding_balance": pd.DataFrame(
            {
                "source": ["ATS", "Comuni", "FNPS"],
                "allocated": [50.0, 280.5, 70.25],
                "available": [50.0, 180.5, 70.25],
                "difference": [0.0, -100.0, 0.0],
            }
        ),
        "costs_monthly": monthly,
        "costs_summary": summary,
        "montecarlo_quantiles": pd.DataFrame(
            {
                "service": ["SAAP", "TOTALE"],
                "payer": ["comune", "comune"],
                "baseline_eur": [315.0, 450.0],
                "p10_eur": [280.0, 400.0],
                "p50_eur": [300.0, 430.0],
                "p90_eur": [312.0, 445.0],
            }
        ),
        "montecarlo_path": pd.DataFrame(
            {
                "month": ["2023-01", "2023-02", "2023-03"],
                "baseline_cum_eur": [200.0, 400.0, 600.0],
                "p10_eur": [190.0, 390.0, 590.0],
                "p50_eur": [200.0, 400.0, 600.0],
                "p90_eur": [210.0, 410.0, 610.0],
                "alert_threshold_eur": [480.0] * 3,
            }
        ),
        "montecarlo_summary": pd.DataFrame(
            {
                "draws": [100],
                "commitment_eur": [600.0],
                "p10_eur": [590.0],
                "p50_eur": [600.0],
                "p90_eur": [610.0],
                "prob_exceed": [0.42],
                "alert_share": [0.8],
                "alert_month": ["2023-03"],
            }
        ),
        "sensitivity": pd.DataFrame(
            {
                "parameter": ["tariffe", "iva", "volumi"],
                "label": ["Tariffe ±5%", "IVA dal 5% al 10%", "Volumi ±10%"],
                "baseline_eur": [600.0] * 3,
                "low_eur": [570.0, 600.0, 540.0],
                "high_eur": [630.0, 628.0, 660.0],
            }
        ),
        "cremona_growth": cremona_growth(),
    }


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
