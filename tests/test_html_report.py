"""Offline HTML report: sections, Italian text from the data, plotly inlined once, deterministic."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest
from conftest import base_tables, sample_tables, with_views
from plotly.offline import get_plotlyjs

from cscplan.reports import charts, narrative
from cscplan.reports.html import SECTIONS, _heading, css_string, render_report

HEADINGS = [
    "Sintesi",
    "Budget per obiettivo e fonte",
    "Pluriennale 2020–2022",
    "Verifiche dei totali",
    "Scenari tariffari",
    "Quote dei comuni",
    "Benchmark Cremona",
]


@pytest.fixture(scope="module")
def tables():
    return sample_tables()


@pytest.fixture(scope="module")
def report(tables) -> str:
    return render_report(tables)


def test_italian_document_with_every_section(report, tables):
    assert report.startswith('<!DOCTYPE html>\n<html lang="it">')
    assert [_heading(s, tables) for s in SECTIONS] == HEADINGS
    for section in SECTIONS:
        assert f'<section id="{section.id}"><h2>' in report
        assert f'href="#{section.id}"' in report


def test_plotly_inlined_exactly_once(report):
    assert report.count(get_plotlyjs()[:200]) == 1
    assert report.count("<script") == 2 + len(charts.CHARTS)  # plotly.js, print script, charts


def test_nothing_loaded_from_the_network(report):
    # plotly.js itself mentions map-tile and logo URLs (unused here: no maps, no logo);
    # everything else in the document must not point at the network.
    own = report.replace(get_plotlyjs(), "")
    loads = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", own, flags=re.I)
    assert loads == []
    assert "@import" not in own and "url(" not in own
    assert "http://" not in own and "https://" not in own


def test_every_chart_has_its_fixed_div(report):
    for spec in charts.CHARTS:
        assert report.count(f'id="grafico-{spec.name}"') == 1


def test_narrative_numbers_come_from_the_tables(report):
    assert "Il budget 2020 ricostruito dalle righe delle schede vale 400,75 €" in report
    assert "(+14,5%)" in report  # 400,75 / 350 − 1
    assert "2 errori, 1 avviso, 1 nota" in report
    assert "Scenario «Saap piu5»: 621,00 €, +21,00 € (+3,5%)" in report
    assert "Fonte Comuni: assegnati alle righe 280,50 €" in report
    assert "probabilità di superarlo: 42,0%" in report
    assert "si raggiunge a marzo 2023" in report
    assert "«Volumi ±10%»: da −60,00 € a +60,00 €" in report


def test_findings_table_rows_coloured_by_severity(report):
    assert report.count('<tr class="sev-error">') == 2
    assert report.count('<tr class="sev-warning">') == 1
    assert report.count('<tr class="sev-info">') == 1
    assert "+10,00 €" in report


def test_same_input_gives_byte_identical_html(tables, report):
    assert render_report(sample_tables()) == report


def test_narrative_changes_with_the_data(tables):
    changed = base_tables()
    lines = changed["budget_lines"]
    lines.loc[lines["column"] == "PO 2020", "amount"] *= 2
    changed = with_views(changed)
    assert "vale 801,50 €" in " ".join(narrative.summary_paragraphs(changed))


def test_missing_tables_give_italian_notes_not_errors():
    report = render_report({})
    for heading in HEADINGS:
        assert heading.replace(" 2020–2022", "") in report
    assert "Dati non disponibili in questa esecuzione: tabella «plan_info»" in report
    assert report.count('class="note"') == len(charts.CHARTS)
    assert 'id="grafico-' not in report


def test_given_figures_replace_the_drawn_ones(tables):
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    report = render_report(tables, figures={"pluriennale": fig, "extra": fig})
    assert 'id="grafico-pluriennale"' in report and 'id="grafico-extra"' in report
    assert 'id="grafico-budget_obiettivi"' not in report
    assert "Grafico «Budget per obiettivo, azione e voce» non fornito." in report


def test_wrong_totals_listed_visibly_with_where_and_difference(report):
    block = report[report.index("<h3>Totali da correggere (2)</h3>") :]
    block = block[: block.index("</table>")]
    assert "Scheda Ob. 2 · PO 2020 · riga 25" in block
    assert "260,25 €" in block and "250,25 €" in block and "+10,00 €" in block
    assert "<details" not in block  # not collapsed


def test_print_stylesheet_a4_footer_and_no_toolbar(report):
    assert "@page{size:A4 portrait" in report
    assert 'counter(page) " di " counter(pages)' in report
    assert '@bottom-left{content:"Comunità Sociale Cremasca — Piano Programma 2020–2022"' in report
    assert ".modebar-container,.modebar{display:none!important}" in report
    assert ".chart{break-inside:avoid" in report
    assert "window.cscplanPerStampa=toPrint" in report  # opens details, charts at page width


def test_css_string_cannot_close_the_style_element():
    assert css_string('Piano "2020" </style>') == '"Piano \\22 2020\\22  \\3c /style\\3e "'


def test_commitment_says_where_it_comes_from(tables):
    summary = tables["montecarlo_summary"].assign(commitment_source="voci_collegate")
    linked = dict(tables, montecarlo_summary=summary)
    assert narrative.commitment_note(linked) == (
        "somma delle voci del budget 2020 collegate ai servizi tariffati"
    )
    text = " ".join(narrative.scenario_paragraphs(linked))
    assert "Impegno di spesa confrontato: 600,00 €, somma delle voci del budget 2020" in text
    full = dict(tables, montecarlo_summary=summary.assign(commitment_source="costo_pieno"))
    assert "non può essere superato per costruzione" in " ".join(
        narrative.scenario_paragraphs(full)
    )
    cards = dict(narrative.key_figures(linked))
    assert cards["Probabilità di superare l'impegno"] == "42,0%"
