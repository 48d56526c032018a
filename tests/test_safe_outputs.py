"""Hostile labels never become live formulas, CSV formulas or links/styles in the charts.

The payload below is put in every free-text column a user controls (plan labels, scenario
labels, service names, finding columns...). Afterwards: no workbook cell holding it is a
formula, no CSV cell Excel would execute, no ``<a>``/``<span style>`` in any chart, and no link
in the report as Chromium draws it.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import sample_tables
from openpyxl import load_workbook

from cscplan.io import csv_bytes
from cscplan.reports import charts
from cscplan.reports.excel import build_workbook
from cscplan.safe_text import csv_text, neutralise_frame, plot_text

PAYLOAD = '=HYPERLINK("http://evil.example","x")<a href="http://evil.example">clic</a>'
PAYLOAD += '<span style="font-size:80px">GRANDE</span>'
HOSTILE_COLUMNS = {
    "budget_lines": ["objective", "action", "item", "detail"],
    "comparison": ["objective", "note"],
    "multiyear": ["objective"],
    "scenarios": ["label"],
    "findings": ["column", "message"],
    "funding_by_objective": ["source"],
    "funding_sources": ["source"],
    "revenue": ["label"],
    "budget_by_action": ["objective", "action", "item", "detail"],
    "budget_by_objective": ["objective"],
    "comparison_view": ["objective"],
    "costs_summary": ["service"],
    "costs_monthly": ["service", "beneficiary_id"],
    "sensitivity": ["label"],
    "cremona_growth": ["csc_service"],
}
CODE_FORMULA = re.compile(r"^=(SUM|SUMIFS|COUNTIF)?\(?[A-Z$'\w ,:!\-\"().]*$")


def hostile_tables() -> dict[str, pd.DataFrame]:
    tables = sample_tables()
    tables["scenarios"] = pd.DataFrame(
        {"scenario": sorted(set(tables["costs_summary"]["scenario"])), "label": "", "source": ""}
    )
    for name, columns in HOSTILE_COLUMNS.items():
        frame = tables[name].copy()
        for column in columns:
            if column in frame.columns:
                frame[column] = PAYLOAD + frame[column].astype(str)
        tables[name] = frame
    return tables


def strings(value):
    """Every string inside a nested plotly JSON structure."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)
    elif hasattr(value, "tolist"):
        yield from strings(value.tolist())


def test_payload_reaches_the_charts_only_as_text():
    figures = charts.all_charts(hostile_tables())
    assert len(figures) >= 8
    shown = 0
    for name, fig in figures.items():
        for text in strings(fig.to_plotly_json()):
            assert "<a " not in text and "<span" not in text, (name, text[:120])
            shown += "&lt;a href" in text
    assert shown > 0, "the escaped payload must still be visible in some label"


def test_plot_text_escapes_tags_and_ampersands():
    assert plot_text('<a href="x">A & B</a>') == '&lt;a href="x"&gt;A &amp; B&lt;/a&gt;'


def test_workbook_holds_the_payload_only_as_text():
    wb = load_workbook(io.BytesIO(build_workbook(hostile_tables())))
    seen = formulas = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    seen += 1
                if cell.data_type == "f":
                    formulas += 1
                    assert "evil" not in cell.value, (ws.title, cell.coordinate)
    assert seen > 0 and formulas > 0, "payload written as text, the code's formulas still live"


def test_control_characters_do_not_break_the_workbook():
    tables = sample_tables()
    tables["budget_lines"] = tables["budget_lines"].assign(item="voce\x01\x07 strana")
    wb = load_workbook(io.BytesIO(build_workbook(tables)))
    values = [c.value for row in wb["Righe di budget"].iter_rows() for c in row]
    assert "voce strana" in values


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+39 0373", "'+39 0373"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-5", "-5"),
        ("+3,5", "+3,5"),
        ("Crema", "Crema"),
    ],
)
def test_csv_rule(cell, written):
    assert csv_text(cell) == written


def test_csv_cells_never_start_a_formula_and_numbers_stay_numbers():
    for name, frame in hostile_tables().items():
        rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
        for row in rows[1:]:
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", cell), (name, cell)
    frame = pd.DataFrame({"delta": [-5.5], "label": ["=2+2"], "ok": ["Crema"]})
    assert csv_bytes(frame).decode() == "delta,label,ok\n-5.5,'=2+2,Crema\n"
    assert neutralise_frame(frame[["delta", "ok"]]) is not None


def test_hostile_build_end_to_end(tmp_path):
    """Through the CLI: a scenario labelled with the payload and a plan line named '=…'."""
    from cscplan import paths
    from cscplan.cli import main

    scenario = tmp_path / "ostile.yaml"
    scenario.write_text(
        "name: ostile\nlabel: '"
        + PAYLOAD.replace("'", "''")
        + "'\nvolume_multipliers: {SAD: 1.1}\n",
        encoding="utf-8",
    )
    plan = tmp_path / "piano.txt"
    text = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8")
    plan.write_text(text.replace("Coordinamento TM\t", '=HYPERLINK("http://evil.example")\t', 1))
    out = tmp_path / "out"
    args = ["build", "--out", str(out), "--no-screenshot", "--draws", "20"]
    assert main([*args, "--plan", str(plan), "--scenario", str(scenario)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    # each time the payload's link appears, it is escaped text (plotly's JSON in the page writes
    # '<' as \u003c and '&' as \u0026; the HTML tables write &lt;)
    places = [m.start() for m in re.finditer("evil.example", html)]
    assert places, "the scenario label is shown"
    for at in places:
        before = html[max(0, at - 40) : at]
        assert "<a " not in before and "\\u003ca " not in before, before
    assert "\\u003cspan style" not in html and '<span style="font-size:80px' not in html
    wb = load_workbook(out / "piano_programma_2020_2022.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert "evil" not in cell.value and "HYPERLINK" not in cell.value
    for path in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            assert not any(c.startswith("=") for c in row), path.name
    assert "'=HYPERLINK" in (out / "budget_lines.csv").read_text(encoding="utf-8")


@pytest.mark.browser
def test_no_link_or_style_from_user_text_in_chromium(tmp_path):
    from test_report_browser import _sync_playwright

    from cscplan.io import write_text
    from cscplan.reports.html import render_report

    sync_playwright = _sync_playwright()
    report = write_text(tmp_path / "report.html", render_report(hostile_tables()))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(Path(report).resolve().as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 8")
        links = page.eval_on_selector_all(".js-plotly-plot a", "els => els.length")
        big = page.eval_on_selector_all(
            ".js-plotly-plot [style*='font-size: 80px'], .js-plotly-plot [style*='font-size:80px']",
            "els => els.length",
        )
        shown = page.eval_on_selector_all(
            ".js-plotly-plot text", "els => els.filter(e => e.textContent.includes('<a')).length"
        )
        browser.close()
    assert links == 0 and big == 0
    assert shown > 0, "the payload is drawn as literal text"
