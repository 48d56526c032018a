"""A budget-sheet row split over two (or three) lines: re-joined when unambiguous, else refused.

Each variant edits one real row of objective 3 (data/raw/002, lines 465–469) the way a PDF export
or a hand edit splits it. A re-joined document must give exactly the tables of the original (the
inserted line shifts later ``source_line`` values by one, so those are compared apart); before
the re-joining, the amounts went to the wrong line (the previous item) or to wrong columns, and
the damage surfaced as the document's own findings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cscplan import paths
from cscplan.budget.funding import load_funding_map
from cscplan.errors import InputError
from cscplan.sources.piano_programma import parse_plan
from cscplan.validation.checks import run_checks

RAW = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8")
BAD = Path(__file__).parent / "bad_inputs"
COORD = "Coordinamento TM\t€ 47.467,75\t€ 50.000,00\t€ 6.844,32\t€ 35.000,00\t€ 8.155,68"
EQUIPE = "Equipe Tutela Minori - Assistenti Sociali\t€ 200.977,04\t€ 193.600,25\t\t\t€ 193.600,25"
EQUIPE_AMOUNTS = "\t€ 200.977,04\t€ 193.600,25\t\t\t€ 193.600,25"
SUPERVISION = "Supervisione / Formazione (Rivardo o altri)\t€ 5.000,00\t€ 5.000,00\t\t\t€ 5.000,00"
LINE_SUPERVISION = RAW[: RAW.index(SUPERVISION)].count("\n") + 1
LINE_COORD = RAW[: RAW.index(COORD)].count("\n") + 1
LINE_EQUIPE = LINE_COORD + 1
ORIGINAL = parse_plan(RAW, source="piano")

VARIANTS = {
    # label alone on a line, its amounts (no label) on the next: not the previous item's amounts
    "label_then_amounts": (EQUIPE, EQUIPE.split("\t")[0] + "\n" + EQUIPE_AMOUNTS, LINE_EQUIPE + 1),
    # the label continues on the next line (the first part ends with a connector)
    "label_continued": (
        EQUIPE,
        "Equipe Tutela Minori -\nAssistenti Sociali" + EQUIPE_AMOUNTS,
        LINE_EQUIPE + 1,
    ),
    # the label's tail on the line after the amounts
    "label_tail": (
        EQUIPE,
        "Equipe Tutela Minori -" + EQUIPE_AMOUNTS + "\nAssistenti Sociali",
        LINE_EQUIPE,
    ),
    # a label over three lines (each break after a connector: '/', 'o')
    "label_three_lines": (
        SUPERVISION,
        "Supervisione /\nFormazione (Rivardo o\naltri)" + SUPERVISION[SUPERVISION.index("\t") :],
        LINE_SUPERVISION + 2,
    ),
    # the cells continue on the next line, from its first column
    "cells_continued": (
        COORD,
        "Coordinamento TM\t€ 47.467,75\t€ 50.000,00\n€ 6.844,32\t€ 35.000,00\t€ 8.155,68",
        LINE_COORD,
    ),
    # the cells continue on the next line, in their own columns
    "cells_continued_aligned": (
        COORD,
        "Coordinamento TM\t€ 47.467,75\t€ 50.000,00\n\t\t\t€ 6.844,32\t€ 35.000,00\t€ 8.155,68",
        LINE_COORD,
    ),
}


LINE_COLUMNS = ["source_line", "section_line", "header_line", "group_line"]


def without_lines(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=LINE_COLUMNS, errors="ignore").reset_index(drop=True)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_split_row_is_rejoined_into_the_original_tables(name):
    old, new, line = VARIANTS[name]
    assert RAW.count(old) == 1
    plan = parse_plan(RAW.replace(old, new), source="piano")
    for table, frame in plan.tables().items():
        pd.testing.assert_frame_equal(without_lines(frame), without_lines(getattr(ORIGINAL, table)))
    lines = plan.budget_lines
    row = SUPERVISION if name == "label_three_lines" else EQUIPE
    if name.startswith("cells"):
        row = COORD
    label = row.split("\t")[0]
    assert set(lines.loc[lines["item"] == label, "source_line"]) == {line}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_split_row_gives_the_findings_of_the_original(name):
    old, new, _ = VARIANTS[name]
    fmap = load_funding_map(paths.FUNDING_SOURCES)
    split = run_checks(parse_plan(RAW.replace(old, new)), fmap)
    base = run_checks(ORIGINAL, fmap)
    assert split["check"].tolist() == base["check"].tolist()
    pd.testing.assert_series_equal(split["delta"].round(2), base["delta"].round(2))


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        # lower-case text between two lines: the end of one label or the start of the next?
        (EQUIPE, "sociali\n" + EQUIPE_AMOUNTS, LINE_EQUIPE, "riunirlo alla riga giusta"),
        # an amount in the label column that continues nothing (the row above is complete)
        (COORD, COORD + "\n€ 1.000,00\t€ 2.000,00", LINE_EQUIPE, "riga spezzata"),
        # a continuation with more cells than the header
        (
            COORD,
            "Coordinamento TM\t€ 47.467,75\t€ 50.000,00\n€ 6.844,32\t€ 35.000,00\t€ 8.155,68\t€ 1,00",
            LINE_EQUIPE,
            "al più 6 celle",
        ),
    ],
)
def test_ambiguous_splits_are_refused_naming_the_line(old, new, line, fragment):
    with pytest.raises(InputError) as err:
        parse_plan(RAW.replace(old, new), source="piano")
    assert err.value.row == line
    assert fragment in str(err.value)


def test_a_label_without_amounts_stays_a_label():
    """Line 474 'Sostituzione Psicologo' (no amounts, capitalised, the next row has its own
    label) is an item without figures, as in the document — not joined to its neighbours."""
    lines = ORIGINAL.budget_lines
    assert "Sostituzione Psicologo" not in set(lines["item"])
    assert "Formazione Adozioni e Affidi" in set(lines["item"])
