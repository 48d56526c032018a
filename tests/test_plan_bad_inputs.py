"""Broken Piano Programma inputs: each raises InputError naming file, line, column, expectation.

Files in tests/bad_inputs/plan_* are small excerpts of data/raw/002 with one defect:
truncated (obj 3 sheet without its TOTALE row), extra_column (obj 1 line 389 with an 8th cell),
english_amount (obj 4 'Referente servizio' PO 2020 written '€ 24,432.91'), duplicate_sheet
(obj 4 sheet twice), masked_total (a minimal complete document whose TOTALE OBIETTIVO 1 has
'#####': accepted, flagged masked), empty, binary, cp1252.
The parametrized cases below apply one documented edit to the full raw text instead.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cscplan import paths
from cscplan.errors import InputError
from cscplan.sources.piano_programma import load_plan, parse_plan

BAD = Path(__file__).parent / "bad_inputs"
RAW = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8")


def raises(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_plan(path)
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("name", "row", "column", "fragments"),
    [
        ("truncated", 18, None, ["TOTALE OBIETTIVO 3", "troncata", "riga 22"]),
        ("extra_column", 7, "8", ["al più 7 celle", "'€ 5,00'"]),
        ("english_amount", 7, "PO 2020", ["formato italiano", "'€ 24,432.91'"]),
        ("duplicate_sheet", 18, None, ["una sola scheda per l'obiettivo 4", "riga 14"]),
        ("cp1252", 1, None, ["UTF-8", "cp1252"]),
        ("empty", None, None, ["non vuoto", "file vuoto"]),
    ],
)
def test_bad_files(name, row, column, fragments):
    error = raises(BAD / f"plan_{name}.txt")
    assert error.row == row
    assert error.column == column
    for fragment in fragments:
        assert fragment in str(error)


def test_binary_file():
    error = raises(BAD / "plan_binary.bin")
    assert "binario" in str(error)


def test_masked_total_is_accepted_and_flagged():
    plan = load_plan(BAD / "plan_masked_total.txt")
    totals = plan.stated_totals
    masked = totals[totals.masked]
    assert masked[["table", "objective_id", "column", "source_line"]].values.tolist() == [
        ["scheda", 1, "Residui 2019 non vincolati", 52]
    ]
    assert math.isnan(masked.amount.iloc[0])
    # the rest of the minimal document is read normally
    assert len(plan.budget_lines.line_id.unique()) == 7
    assert plan.staff.query("row_kind == 'line' and breakdown == 'persone'")["count"].sum() == 43
    assert len(plan.hiring_plan) == 5
    assert plan.strategic_objectives.code.tolist() == ["1.1"]
    assert plan.comparison.objective_id.tolist() == [1]
    assert plan.multiyear.year.tolist() == [2020, 2021, 2022]


def edited(old: str, new: str, count: int = 1) -> str:
    assert RAW.count(old) >= 1, old
    return RAW.replace(old, new, count)


def line_of(text: str) -> int:
    return RAW[: RAW.index(text)].count("\n") + 1


CASES = {
    # sheet header followed directly by a blank line (obj 9 rows removed)
    "header_without_rows": (
        edited(
            "Azione 1: REC - Servizio Distrettuale\t\t\t\t\t\n"
            "Piano Azione Povertà\t€ 462.186,60\t€ 188.624,94\t€ 188.624,94\t\t\n"
            "Costo di personale\t€ 33.017,93\t€ 6.729,61\t\t€ 439,83\t€ 6.289,78\n"
            "TOTALE OBIETTIVO 9\t€ 495.204,53\t€ 195.354,55\t€ 188.624,94\t€ 439,83\t€ 6.289,78\n",
            "",
        ),
        line_of("OBIETTIVO 9: REDDITO DI CITTADINANZA\tPO 2019"),
        None,
        ["righe della scheda", "nessuna riga"],
    ),
    "wrong_total_number": (
        edited("TOTALE OBIETTIVO 7\t", "TOTALE OBIETTIVO 8\t"),
        line_of("TOTALE OBIETTIVO 7\t"),
        None,
        ["'TOTALE OBIETTIVO 7'", "TOTALE OBIETTIVO 8"],
    ),
    "masked_cell_in_revenue": (
        edited("PROVI\t€ 80.000,00", "PROVI\t#####"),
        line_of("PROVI\t€ 80.000,00"),
        "PROVI",
        ["importo leggibile"],
    ),
    "revenue_total_missing": (
        edited("Totale Entrate 2019\t€ 10.508.172,44\nTOTALE BUDGET\t€ 12.236.661,01\n", ""),
        line_of("Fondi ATS (previsionale)\t"),
        None,
        ["TOTALE", "troncata"],
    ),
    "bad_amount_in_comparison": (
        edited("€ 44.071,11", "€ 44.O71,11"),
        line_of("€ 44.071,11"),
        "preconsuntivo 2019",
        ["formato italiano", "44.O71,11"],
    ),
    "text_in_amount_column": (
        edited("Tirocini\t€ -\t", "Tirocini\tda definire\t"),
        line_of("Tirocini\t€ -\t"),
        "PO 2019",
        ["un importo in euro", "da definire"],
    ),
    "staff_count_not_integer": (
        edited("Psicologi\t2\t2\t", "Psicologi\t2,5\t2\t"),
        line_of("Psicologi\t2\t2\t"),
        "N° persone",
        ["numero intero", "2,5"],
    ),
    "duplicate_column_header": (
        edited("PO 2020\tFNPS 2020\tFSOL 2020\n", "PO 2020\tFNPS 2020\tFNPS 2020\n"),
        line_of("OBIETTIVO 4: SERVIZIO SIL\t"),
        "FNPS 2020",
        ["intestazioni di colonna distinte"],
    ),
    "multiyear_objective_twice": (
        edited("OBIETTIVO 15: UFFICIO DI PIANO\t€ 86.453,59\t€ 86.453,59", "OBIETTIVO 14: X\t€ 1,00\t€ 1,00"),
        line_of("OBIETTIVO 14: SERVIZI ABITATIVI\t€ -\t€ -\t€ -"),
        None,
        ["tabella 'multiyear'", "righe non ripetute per la chiave (objective_id, year)", "14"],
    ),
    "blank_line_inside_sheet": (
        edited("SAD\tProgetto di sviluppo e gestione", "\nSAD\tProgetto di sviluppo e gestione"),
        line_of("SAD\tProgetto di sviluppo e gestione") + 1,
        None,
        ["dentro una tabella", "isolata"],
    ),
    "staff_total_missing": (
        edited("\t43\t38\t5\t0\t0\t28\t15\n", ""),
        line_of("Educatori\t2\t"),
        None,
        ["riga di totale", "Tab1"],
    ),
    "multiyear_total_missing": (
        RAW[: RAW.rindex("\nTOTALE PO\t")],
        line_of("OBIETTIVO 15: UFFICIO DI PIANO\t€ 86.453,59\t€ 86.453,59"),
        None,
        ["'TOTALE'", "pluriennale", "troncata"],
    ),
    "kpi_without_title": (
        edited("OBIETTIVO 8 - PROGETTAZIONE\t\t\t\t\t\n", ""),
        line_of("OBIETTIVO 8 - PROGETTAZIONE\t") ,
        None,
        ["titolo 'OBIETTIVO n", "tabella indicatori"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_edited_raw_text(case):
    text, row, column, fragments = CASES[case]
    with pytest.raises(InputError) as info:
        parse_plan(text, source="piano.txt")
    error = info.value
    assert str(error).startswith("file piano.txt")
    assert (error.row, error.column) == (row, column)
    for fragment in fragments:
        assert fragment in str(error)


@pytest.mark.parametrize(
    ("marker", "fragment"),
    [
        ("BUDGET PLURIENNALE 2020-2022\n", "BUDGET PLURIENNALE"),
        ("CONFRONTO BUDGET 2020 – PRECONSUNTIVO 2019\n", "CONFRONTO BUDGET"),
        ("GLI OBIETTIVI STRATEGICI DEL PIANO PROGRAMMA 2020-2022\n", "OBIETTIVI STRATEGICI"),
        ("ENTRATE PREVISIONALI ESERCIZIO 2020\t\n", "ENTRATE PREVISIONALI"),
    ],
)
def test_missing_section(marker, fragment):
    with pytest.raises(InputError) as info:
        parse_plan(edited(marker, ""), source="piano.txt")
    assert fragment in str(info.value)
    assert "sezione assente" in str(info.value)


def test_blank_text():
    with pytest.raises(InputError, match="testo vuoto"):
        parse_plan("\n \n\t\n", source="piano.txt")
