"""Indicator tables of the real Piano Programma: structured targets and the remarks on the
source's quirks (lines read by hand in data/raw/002_…txt):

- 428–439 and 449–459: the objective 2, action 1 table twice; the first has the extra row 438
  ("Organizzazione e partecipazione ad equipe …") and files "n° dimissioni/conclusione rapporti di
  lavoro" under "Pareri legali" (433), the second under "Utilizzo del servizio" (454);
- 782, 793, 824, 957, 977: "Strumento / Indicatore / 2019 / 2020 / 2021" headers in a 2020–2022 plan;
- 524: "n° affidi ad associazioni n° affidi ad altre strutture" in one cell;
- 672, 698: an indicator ("n° …") alone in the first (instrument) column.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cscplan import paths
from cscplan.sources.kpi_targets import parse_target
from cscplan.sources.piano_programma import load_plan
from cscplan.validation.kpi_checks import kpi_findings


@pytest.fixture(scope="module")
def plan():
    return load_plan(paths.PIANO_PROGRAMMA)


@pytest.fixture(scope="module")
def findings(plan):
    return kpi_findings(plan.kpis, plan.multiyear)


def by_check(findings, check):
    return [f for f in findings if f.check == check]


def test_duplicated_objective_2_action_1_table(findings):
    (dup,) = by_check(findings, "kpi_duplicate")
    assert (dup.severity, dup.objective_id, dup.source_line) == ("warning", 2, 449)
    assert "righe 428–439 e 449–459" in dup.message
    assert "solo alla riga 438" in dup.message
    assert "«Pareri legali» alla riga 433 e «Utilizzo del servizio» alla riga 454" in dup.message


def test_tables_headed_with_the_previous_plans_years(findings):
    years = by_check(findings, "kpi_years")
    assert [f.source_line for f in years] == [782, 793, 824, 957, 977]
    assert {f.column for f in years} == {"2019–2021"}
    assert all(f.severity == "warning" and "2020–2022" in f.message for f in years)


def test_two_indicators_in_one_cell(findings):
    (shared,) = by_check(findings, "kpi_shared_cell")
    assert (shared.source_line, shared.objective_id) == (524, 3)
    assert "«n° affidi ad associazioni» e «n° affidi ad altre strutture»" in shared.message


def test_indicator_in_the_instrument_column(findings, plan):
    misplaced = by_check(findings, "kpi_misplaced")
    assert [(f.source_line, f.severity) for f in misplaced] == [(672, "info"), (698, "info")]
    assert plan.kpis["misplaced_indicator"].sum() == 2


def test_no_other_remark(findings):
    assert len(findings) == 1 + 5 + 1 + 2


def test_rules_not_line_numbers():
    """The same rules on a hand-made table: a second copy with one row changed, a 2021–2023
    header, a shared cell and a misplaced indicator."""
    base = dict(objective_id=1, action="", kind="monitoraggio", target="", deadline="")
    rows = [
        dict(base, section="A", section_line=10, header_line=11, header_years="2020–2022",
             strumento="S", indicatore="n° x", misplaced_indicator=False, source_line=12),
        dict(base, section="A", section_line=20, header_line=21, header_years="2021–2023",
             strumento="T", indicatore="n° x", misplaced_indicator=False, source_line=22),
        dict(base, section="B", section_line=30, header_line=31, header_years="2020–2022",
             strumento="", indicatore="n° a n° b", misplaced_indicator=True, source_line=32),
    ]  # fmt: skip
    multiyear = pd.DataFrame({"year": [2020, 2021, 2022]})
    found = {(f.check, f.source_line) for f in kpi_findings(pd.DataFrame(rows), multiyear)}
    assert found == {
        ("kpi_duplicate", 20),
        ("kpi_years", 21),
        ("kpi_shared_cell", 32),
        ("kpi_misplaced", 32),
    }


def test_structured_targets_of_the_real_plan(plan):
    k = plan.kpis.set_index("source_line")
    fields = ["target_operator", "target_value", "target_unit", "target_period", "deadline_date"]
    assert k.loc[409, fields].tolist() == ["≥", 2.0, "", "anno", ""]  # "Almeno due/anno"
    assert k.loc[512, fields].tolist() == ["≥", 8.0, "ore", "settimana", ""]
    assert k.loc[572, fields].tolist() == ["≤", 60.0, "gg", "", "2020-12-31"]  # max. 60 gg.
    assert k.loc[497, fields].tolist() == ["=", 100.0, "%", "", "2020-12-31"]
    assert k.loc[704, fields].tolist() == ["≥", 4.0, "", "anno", ""]  # "Almeno quattro nell'anno"
    assert k.loc[789, fields].tolist() == ["≤", 20.0, "gg", "", ""]  # "Entro 20 gg."
    assert k.loc[407, "deadline_date"] == "2021-12-31" and k.loc[407, "target_operator"] == ""
    assert k.loc[407, "target"] == "Entro il 31 Dicembre 2021"  # the original text is kept
    with_target = k[k["target"] != ""]
    assert len(with_target) == 65
    # every target has a value or a deadline
    assert (with_target["target_value"].notna() | (with_target["deadline_date"] != "")).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Riduzione di almeno 5% rispetto all'anno precedente", ("≥", 5.0, "%", "", "")),
        ("Almeno 10 in un anno", ("≥", 10.0, "", "anno", "")),
        ("Almeno una entro 31 dicembre 2020", ("≥", 1.0, "", "", "2020-12-31")),
        ("Avvio entro il 31 ottobre 2020", ("", math.nan, "", "", "2020-10-31")),
        ("", ("", math.nan, "", "", "")),
    ],
)
def test_parse_target(text, expected):
    got = parse_target(text)
    values = (got.operator, got.value, got.unit, got.period, got.deadline)
    assert values[0] == expected[0] and values[2:] == expected[2:]
    assert (math.isnan(values[1]) and math.isnan(expected[1])) or values[1] == expected[1]
