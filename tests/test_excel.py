"""Excel workbook: sheets, values, euro formats, live SUM ranges, frozen header, autofilter."""

from __future__ import annotations

import io

import openpyxl
import pytest
from conftest import sample_tables
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan.reports.excel import EURO_FORMAT, build_workbook, sum_of_cells

SHEETS = [
    "Sintesi",
    "Obiettivi x Fonti",
    "Righe di budget",
    "Pluriennale",
    "Entrate 2020",
    "Verifiche",
    "Scenari",
    "Monte Carlo",
    "Sensibilità",
]


@pytest.fixture(scope="module")
def data() -> bytes:
    return build_workbook(sample_tables())


@pytest.fixture(scope="module")
def wb(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def column_of(ws, name: str) -> str:
    return openpyxl.utils.get_column_letter(header(ws).index(name) + 1)


def test_sheet_names_in_order(wb):
    assert wb.sheetnames == SHEETS


def test_every_sheet_has_bold_frozen_header_and_autofilter(wb):
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(c.font.bold for c in ws[1] if c.value), ws.title


def test_budget_lines_wide_values_and_totals(wb):
    ws = wb["Righe di budget"]
    assert header(ws)[:7] == [
        "Voce (id)",
        "Obiettivo",
        "Parte",
        "Azione",
        "Voce",
        "Dettaglio",
        "Riga",
    ]
    po2020 = column_of(ws, "PO 2020")
    assert [ws[f"{po2020}{r}"].value for r in (2, 3, 4)] == [120, 30.5, 250.25]
    assert ws[f"{po2020}5"].value == f"=SUM({po2020}2:{po2020}4)"
    assert ws[f"{po2020}2"].number_format == EURO_FORMAT
    assert ws["E5"].value == "Totale"
    assert ws.auto_filter.ref == f"A1:{column_of(ws, 'Note')}4"  # data rows only, not totals
    note = ws[f"{column_of(ws, 'Note')}4"].value
    assert note == "ATS: cella ##### non ricostruibile"
    assert ws[f"{column_of(ws, 'ATS')}4"].value is None  # masked stays empty, never 0


def test_objectives_by_source_formulas(wb):
    ws = wb["Obiettivi x Fonti"]
    cols = header(ws)
    assert cols[:2] == ["Obiettivo", "Titolo"]
    assert cols[-2:] == ["Totale fonti", "Fonti − PO 2020"]
    first, last = column_of(ws, cols[6]), column_of(ws, cols[-3])
    assert cols[6:9] == ["ATS", "Comuni", "FNPS"]
    assert ws[f"{column_of(ws, 'Totale fonti')}3"].value == f"=SUM({first}3:{last}3)"
    gap = ws[f"{column_of(ws, 'Fonti − PO 2020')}3"].value
    assert gap == f"={column_of(ws, 'Totale fonti')}3-{column_of(ws, 'PO 2020 (somma righe)')}3"
    assert (
        ws[f"{column_of(ws, 'Comuni')}4"].value
        == f"=SUM({column_of(ws, 'Comuni')}2:{column_of(ws, 'Comuni')}3)"
    )


def test_multiyear_totals_and_stated_difference(wb):
    ws = wb["Pluriennale"]
    assert header(ws) == ["Obiettivo", "Titolo", "2020", "2021", "2022"]
    assert ws["D4"].value == "=SUM(D2:D3)"
    assert ws["D5"].value == 400  # stated grand total 2021 from stated_totals
    assert ws["D6"].value == "=D5-D4"
    assert ws["C2"].number_format == EURO_FORMAT


def test_revenue_subtotals_sum_their_group(wb):
    ws = wb["Entrate 2020"]
    assert ws["F4"].value == "=SUM(D2:D3)"  # Totale comuni = two lines
    assert ws["F6"].value == "=SUM(D5)"
    assert ws["F7"].value == "=SUM(F4,F6)"  # TOTALE BUDGET = computed subtotals
    assert ws["G7"].value == "=D7-F7"
    assert ws["D7"].value == 250.75


def test_findings_filled_by_severity(wb):
    ws = wb["Verifiche"]
    fills = {ws[f"A{r}"].value: ws[f"A{r}"].fill.fgColor.rgb[-6:] for r in range(2, 6)}
    assert fills == {"errore": "F8D7D3", "avviso": "FCE8B2", "nota": "DDEBF7"}
    assert ws["J3"].fill.fgColor.rgb[-6:] == "F8D7D3"  # whole row, message included
    assert ws[f"{column_of(ws, 'Dichiarato')}3"].value == 260.25


def test_scenarios_live_baseline_lookup_and_totals(wb):
    ws = wb["Scenari"]
    assert ws["A4"].value == "saap_piu5" and ws["C4"].value == 441
    # gross, then the five payers (comune, distretto, FNA, fondo povertà, famiglia)
    assert [ws.cell(1, c).value for c in range(3, 9)] == [
        "Totale lordo (€)",
        "Quota comune (€)",
        "Quota distretto (€)",
        "Quota FNA (€)",
        "Quota fondo povertà (€)",
        "Quota famiglia (€)",
    ]
    assert ws["I4"].value == '=SUMIFS(C2:C5,A2:A5,"baseline",B2:B5,B4)'
    assert ws["J4"].value == "=C4-I4"
    assert ws["A7"].value == "Totale — Scenario base"
    assert ws["C8"].value == '=SUMIFS(C2:C5,A2:A5,"saap_piu5")'
    assert ws["H8"].value == '=SUMIFS(H2:H5,A2:A5,"saap_piu5")'
    assert ws.auto_filter.ref == "A1:K5"


def test_summary_points_at_the_totals(wb):
    ws = wb["Sintesi"]
    values = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(2, ws.max_row + 1)}
    assert values["Budget 2020 – somma delle righe (PO 2020)"] == "='Righe di budget'!$I$5"
    assert values["Pluriennale 2021 – somma degli obiettivi"] == "='Pluriennale'!$D$4"
    assert values["Verifiche: errore"] == "=COUNTIF('Verifiche'!A2:A5,\"errore\")"


def test_deterministic_bytes(data):
    assert build_workbook(sample_tables()) == data
    props = openpyxl.load_workbook(io.BytesIO(data)).properties
    assert props.created.year == 2020 and props.modified == props.created


def test_missing_tables_give_note_sheets():
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook({})))
    assert wb.sheetnames == [*SHEETS[:4], "Entrate", *SHEETS[5:7]]
    assert "non disponibili" in wb["Righe di budget"]["A2"].value


@pytest.mark.parametrize(
    ("rows", "expected"),
    [([], "=0"), ([5], "=SUM(D5)"), ([2, 3, 4, 7, 9, 10], "=SUM(D2:D4,D7,D9:D10)")],
)
def test_sum_of_cells_compresses_runs(rows, expected):
    assert sum_of_cells("D", rows) == expected


def _expand(formula: str) -> list[int]:
    rows: list[int] = []
    for part in formula.removeprefix("=SUM(").removesuffix(")").split(","):
        first, _, last = part.partition(":")
        start, end = int(first[1:]), int((last or first)[1:])
        rows.extend(range(start, end + 1))
    return rows


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(min_value=2, max_value=60), min_size=1, max_size=25))
def test_sum_of_cells_covers_exactly_the_rows(rows):
    assert _expand(sum_of_cells("F", sorted(rows))) == sorted(rows)
