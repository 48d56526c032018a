"""Piano Programma parser: figures pinned by reading data/raw/002 (not from the parser's output)."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan import metadata, paths
from cscplan.metadata.tables import PLAN_TABLES
from cscplan.sources.amounts import (
    MASKED,
    AmountFormatError,
    parse_amount,
    split_label_amount,
)
from cscplan.sources.piano_programma import PlanTables, load_plan

RAW_LINES = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def plan() -> PlanTables:
    return load_plan(paths.PIANO_PROGRAMMA)


def lines_sum(plan: PlanTables, objective: int, column: str) -> float:
    b = plan.budget_lines
    return b.loc[(b.objective_id == objective) & (b.column == column), "amount"].sum()


def stated(plan: PlanTables, table: str, objective: int | None, column: str) -> float:
    s = plan.stated_totals
    mask = (s.table == table) & (s.column == column)
    mask &= s.objective_id.isna() if objective is None else s.objective_id == objective
    (value,) = s.loc[mask, "amount"].tolist()
    return value


# --------------------------------------------------------------------------- contract


def test_tables_match_schemas(plan):
    tables = plan.tables()
    assert list(tables) == list(PLAN_TABLES)
    for name, frame in tables.items():
        metadata.validate(name, frame)
        schema = metadata.schema(name)
        assert list(frame.columns) == list(schema.columns)
        assert all(col.description for col in schema.columns.values()), name


# --------------------------------------------------------------------------- budget sheets


def test_every_totale_obiettivo_row_captured(plan):
    raw = {
        int(m[1]): n
        for n, text in enumerate(RAW_LINES, 1)
        if (m := re.match(r"^TOTALE OBIETTIVO (\d+)\t", text))
    }
    assert sorted(raw) == list(range(1, 16))
    s = plan.stated_totals[plan.stated_totals.table == "scheda"]
    got = s.groupby("objective_id").source_line.first().to_dict()
    assert got == raw


def test_objective_5_stated_total_and_line_sums(plan):
    # TOTALE OBIETTIVO 5 (line 650) states PO 2020 6.323.674,94 and PO 2019 6.212.540,11.
    assert stated(plan, "scheda", 5, "PO 2020") == pytest.approx(6_323_674.94, abs=0.01)
    # Hand sum of the PO 2020 column over the three tables (lines 583-649): 6.643.674,94,
    # i.e. 320.000 € more than the total row; the comparison table states 6.643.674,94.
    assert lines_sum(plan, 5, "PO 2020") == pytest.approx(6_643_674.94, abs=0.01)
    assert lines_sum(plan, 5, "PO 2019") == pytest.approx(6_212_540.11, abs=0.01)
    assert sorted(plan.budget_lines.query("objective_id == 5").part.unique()) == [1, 2, 3]


@pytest.mark.parametrize(
    ("objective", "po_current"),
    [(1, 130_477.20), (3, 417_906.19), (4, 56_464.54), (9, 195_354.55), (15, 86_453.59)],
)
def test_lines_sum_to_stated_total(plan, objective, po_current):
    assert stated(plan, "scheda", objective, "PO 2020") == pytest.approx(po_current, abs=0.01)
    assert lines_sum(plan, objective, "PO 2020") == pytest.approx(po_current, abs=0.01)


def test_line_counts_per_objective(plan):
    counts = plan.budget_lines.groupby("objective_id").line_id.nunique().to_dict()
    # obj 1: lines 389-391, 393-394, 396, 398; obj 3: 465-469, 471-473, 475-476 (474 is empty);
    # obj 4: 540-546; obj 8: 873-877, 879, 881-882, 884, 888-896, 898-901, 903-905.
    assert counts[1] == 7
    assert counts[3] == 10
    assert counts[4] == 7
    assert counts[8] == 25
    assert counts[12] == 2
    assert counts[13] == 1
    assert sorted(counts) == list(range(1, 16))


def test_masked_cell_obj5_ats(plan):
    b = plan.budget_lines
    masked = b[b.masked]
    assert len(masked) == 1
    row = masked.iloc[0]
    assert (row.objective_id, row.part, row.column, row.source_line) == (5, 1, "ATS", 602)
    assert math.isnan(row.amount)
    assert not b.imputed.any()


def test_merged_label_amount_cell(plan):
    b = plan.budget_lines
    row = b[(b.source_line == 589) & (b.column == "PO 2019")].iloc[0]
    assert row["item"] == "Gestione servizi accreditati"
    assert row["detail"] == "Costo del personale"
    assert row.amount == pytest.approx(19_893.78)
    assert row.action == "Azione 1: Gestione servizi accreditati"
    # line 604 has no label of its own: it continues "Affitto sede" (line 603).
    cont = b[b.source_line == 604].iloc[0]
    assert (cont["item"], cont["detail"]) == ("Affitto sede", "Tassa di registro")


def test_detail_column_and_sources_of_a_line(plan):
    b = plan.budget_lines
    rows = b[b.source_line == 593].set_index("column")
    assert rows.loc["PO 2020", "item"] == "Gestione rette"
    assert rows.amount.to_dict() == {
        "PO 2019": 1_489_520.95,
        "PO 2020": 1_490_000.00,
        "Residui 2019 non vincolati": 30_000.00,
        "FNPS 2020": 31_000.00,
        "FSR 2020": 539_000.00,
        "COMUNI": 850_000.00,
        "ATS": 40_000.00,
    }
    assert rows.kind.to_dict()["PO 2019"] == "plan"
    assert set(rows.kind) == {"plan", "source"}


def test_same_label_twice_survives(plan):
    b = plan.budget_lines
    psy = b[(b.item == "Equipe Tutela Minori - Psicologi") & (b.column == "PO 2020")]
    assert psy.amount.tolist() == [28_116.78, 61_100.00]
    assert psy.line_id.nunique() == 2


def test_dash_is_zero_and_empty_is_absent(plan):
    b = plan.budget_lines
    row = b[b.source_line == 394]  # "Strumentazione operatori SSD  € -" and empty cells
    assert row.column.tolist() == ["PO 2019"]
    assert row.amount.tolist() == [0.0]
    assert b[b.source_line == 474].empty  # "Sostituzione Psicologo" has no amounts


def test_total_columns_recorded_as_in_the_total_row(plan):
    s = plan.stated_totals
    obj5 = s[(s.table == "scheda") & (s.objective_id == 5)].column.tolist()
    assert obj5 == [
        "PO 2019",
        "PO 2020",
        "Residui 2019 non vincolati",
        "Residui 2019 Smart Bear",
        "FNPS 2020",
        "FSOL 2020",
        "COMUNI",
        "ATS",
    ]
    # present in part 1's header (line 581) but not in the total row (line 650)
    used = set(plan.budget_lines.query("objective_id == 5").column)
    assert {"Residui 2019 vincolati", "FSR 2020"} <= used
    assert stated(plan, "scheda", 11, "FNPS 2020") == 0.0


def test_objective_titles_from_headings(plan):
    titles = plan.budget_lines.groupby("objective_id").objective.first()
    assert titles[3] == "SERVIZIO TUTELA MINORI"  # heading line 461, header says "SERVIZIO TM"
    assert titles[5] == "GESTIONE ASSOCIATA"


# --------------------------------------------------------------------------- other tables


def test_revenue(plan):
    r = plan.revenue
    assert len(r) == 28
    assert r.iloc[0].label == "Avanzo gestionale 2019 vincolato"  # <i>…</i> stripped
    assert r.row_kind.value_counts().to_dict() == {"line": 25, "subtotal": 2, "total": 1}
    avanzo = r[(r.group == "Totale avanzo 2019") & (r.row_kind == "line")].amount.sum()
    assert avanzo == pytest.approx(1_408_488.57, abs=0.01)
    assert stated(plan, "entrate", None, "TOTALE BUDGET") == pytest.approx(12_236_661.01)


def test_comparison(plan):
    c = plan.comparison.set_index("objective_id")
    assert list(c.index) == list(range(1, 16))
    assert c.loc[3, "variation"] == pytest.approx(-7_662.99)
    assert c.loc[5, "budget"] == pytest.approx(6_643_674.94)
    assert c.loc[1, "note"] == "Sviluppo interoperabilità piattaforma"
    assert c.loc[3, "note"] == ""
    assert stated(plan, "confronto", None, "preconsuntivo 2019") == pytest.approx(9_569_298.01)
    assert stated(plan, "confronto", None, "budget 2020") == pytest.approx(12_236_661.01)
    assert "variazione" not in set(plan.stated_totals.query("table == 'confronto'").column)


def test_multiyear(plan):
    m = plan.multiyear
    assert len(m) == 45
    assert set(m.groupby("objective_id").year.apply(tuple)) == {(2020, 2021, 2022)}
    obj5 = m[m.objective_id == 5].set_index("year").amount
    assert obj5.to_dict() == {2020: 6_643_674.94, 2021: 6_500_000.0, 2022: 6_500_000.0}
    assert stated(plan, "pluriennale", None, "2021") == pytest.approx(12_131_997.98)


def test_staff_tab1(plan):
    s = plan.staff
    lines = s[(s.row_kind == "line") & (s.breakdown == "persone")]
    assert lines["count"].sum() == 43
    assert s[(s.row_kind == "line") & (s.breakdown == "contratto")]["count"].sum() == 43
    assert s[(s.row_kind == "line") & (s.breakdown == "orario")]["count"].sum() == 43
    total = s[(s.row_kind == "total") & (s.category == "N° persone")]
    assert total["count"].tolist() == [43]
    social = s[(s.profile == "Assistenti Sociali")].set_index("category")["count"]
    assert social["Tempo indeterminato"] == 24
    assert social["di cui part-time"] == 3


def test_hiring_plan_tab2(plan):
    h = plan.hiring_plan
    assert len(h) == 5
    assert h.units.sum() == 9
    assert h.iloc[0].to_dict() == {
        "profile": "Assistente Sociale",
        "area": "Fondo povertà",
        "units": 4,
        "coverage": "Selezione pubblica",
        "year": 2020,
        "source_line": 295,
    }


def test_strategic_objectives(plan):
    s = plan.strategic_objectives
    assert s.code.tolist() == [
        "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "3.1", "3.2"
    ]  # fmt: skip
    assert s.groupby("area").size().to_dict() == {"Organizzazione": 6, "Servizi": 3, "Progetti": 2}
    row = s.set_index("code").loc["1.4"]
    assert row.title == "Approfondimento natura giuridica di CSC"
    assert row.description.startswith("Analisi dell'attuale configurazione giuridica")


def test_kpis(plan):
    k = plan.kpis.set_index("source_line")
    assert k.loc[407, "deadline"] == "31 Dicembre 2021"
    assert k.loc[409, "target"] == "Almeno due/anno"
    assert k.loc[409, "deadline"] == ""
    assert k.loc[409, "kind"] == "obiettivo triennale"  # after the misspelt "Oiettivi triennali"
    assert k.loc[405, "strumento"] == "Caricamento dati"  # merged cell repeated
    assert k.loc[672, ["strumento", "indicatore"]].tolist() == [
        "Servizi",
        "n° progetti SIP caricati anno in corso",
    ]
    assert k.loc[505 + 7, "action"] == "Azione 1A"
    assert set(k.objective_id) == {1, 2, 3, 4, 5, 6, 7, 8, 10, 11}


# --------------------------------------------------------------------------- completeness


def test_every_euro_cell_appears_exactly_once(plan):
    """Independent count: each tab-separated cell with '€' or '#####' from the budget sheets on."""
    start = RAW_LINES.index("BUDGET 2020 – SCHEDE")
    expected: Counter[int] = Counter()
    for number, text in enumerate(RAW_LINES[start:], start + 1):
        if "\t" in text:
            expected[number] = sum(1 for c in text.split("\t") if "€" in c or "#####" in c)
    expected = +expected
    got: Counter[int] = Counter()
    got.update(plan.budget_lines.source_line)
    got.update(plan.stated_totals.source_line)  # includes revenue subtotals and total
    got.update(plan.revenue.query("row_kind == 'line'").source_line)
    got.update(plan.multiyear.source_line)
    for line in plan.comparison.source_line:
        got[line] += 3
    assert got == expected
    assert sum(expected.values()) == 707


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("€ 1.234,56", 1234.56),
        ("1.234,56 €", 1234.56),
        ("€ 9.569.298,01 €", 9_569_298.01),
        ("-€ 7.662,99", -7662.99),
        ("€ -7.662,99", -7662.99),
        ("€ -", 0.0),
        ("€ 70,00", 70.0),
        ("€ 439,83", 439.83),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_amount(cell, value):
    assert parse_amount(cell) == value


def test_parse_amount_masked():
    assert parse_amount("#####") is MASKED
    assert not MASKED


@pytest.mark.parametrize("cell", ["€ 1,234.56", "€ 12x", "abc", "€ 1.23.4", "--€ 5,00"])
def test_parse_amount_rejects(cell):
    with pytest.raises(AmountFormatError) as info:
        parse_amount(cell)
    assert info.value.found == cell


def test_split_label_amount():
    assert split_label_amount("Costo del personale € 19.893,78") == (
        "Costo del personale",
        "€ 19.893,78",
    )
    assert split_label_amount("€ 5,00") == ("", "€ 5,00")
    assert split_label_amount("Indicatore") == ("Indicatore", "")


def italian(cents: int) -> str:
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    return f"{'-' if cents < 0 else ''}€ {grouped},{rest:02d}"


@settings(max_examples=200)
@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_parse_amount_roundtrip(cents):
    assert parse_amount(italian(cents)) == pytest.approx(cents / 100, abs=1e-6)
