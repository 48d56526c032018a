"""Error localisation: hand-made documents whose minimal corrections are known, and the real plan.

The hand-made document (every figure chosen by hand so that every identity holds):

    Obiettivo 1 (lines 2-3, TOTALE line 4)      PO 2019  PO 2020  COMUNI
        line 2                                   100      100      100
        line 3                                   200      200      200
        TOTALE OBIETTIVO 1                       300      300      300
    Obiettivo 2 (line 6, TOTALE line 7)          —        50       50
    Entrate: line 20 'Comuni 2020' 300, line 21 'Comune di Crema' 50, line 22 TOTALE BUDGET 350
    Confronto (lines 30-32): obj 1 280 / 300 / +20, obj 2 40 / 50 / +10, TOTALE 320 / 350 / +30
    Pluriennale (lines 40-42): obj 1 300 310 320, obj 2 50 50 50, TOTALE 350 360 370
    Funding map: COMUNI → 'Fondi comunali' ← 'Comuni 2020' | 'Comune di Crema'
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cscplan import metadata, paths
from cscplan.budget.funding import for_plan, load_funding_map, validate_funding_map
from cscplan.errors import InputError
from cscplan.plan_years import PlanYears
from cscplan.sources.piano_programma import PlanTables, load_plan
from cscplan.validation.checks import PlanContext, run_checks
from cscplan.validation.identities import plan_identities
from cscplan.validation.localisation import (
    apply_solution,
    build_program,
    load_weights,
    localisation_findings,
    localisation_table,
    localise,
    localise_plan,
)

SHEET_LINES = [  # objective, line, {column: amount}
    (1, 2, {"PO 2019": 100, "PO 2020": 100, "COMUNI": 100}),
    (1, 3, {"PO 2019": 200, "PO 2020": 200, "COMUNI": 200}),
    (2, 6, {"PO 2020": 50, "COMUNI": 50}),
]
SHEET_TOTALS = [
    (1, 4, {"PO 2019": 300, "PO 2020": 300, "COMUNI": 300}),
    (2, 7, {"PO 2020": 50, "COMUNI": 50}),
]
REVENUE = [("Comuni 2020", 300, "line", 20), ("Comune di Crema", 50, "line", 21)]
REVENUE += [("TOTALE BUDGET", 350, "total", 22)]
COMPARISON = [(1, 280, 300, 20, 30), (2, 40, 50, 10, 31)]
COMPARISON_TOTAL = (320, 350, 30, 32)
MULTIYEAR = [(1, (300, 310, 320), 40), (2, (50, 50, 50), 41)]
MULTIYEAR_TOTAL = ((350, 360, 370), 42)
FUNDING_MAP = validate_funding_map(
    pd.DataFrame(
        [
            {
                "column": "COMUNI",
                "source": "Fondi comunali",
                "group": "comunali",
                "revenue_labels": "Comuni 2020 | Comune di Crema",
                "note": "",
                "source_line": "1",
            }
        ]
    )
)


def hand_plan(changes: dict[tuple, float | None] | None = None) -> PlanTables:
    """The hand-made document, with ``changes``: (line, column) → stated amount (None = masked)."""
    changes = changes or {}

    def amount(line, column, value):
        return changes.get((line, column), value)

    lines = [
        dict(
            objective_id=o,
            objective=f"Obiettivo {o}",
            part=1,
            line_id=f"{o:02d}-1-{line:03d}",
            action="",
            item=f"voce {line}",
            detail="",
            column=column,
            kind="plan" if column.startswith("PO") else "source",
            amount=np.nan if amount(line, column, v) is None else amount(line, column, v),
            masked=amount(line, column, v) is None,
            imputed=False,
            source_line=line,
        )
        for o, line, cells in SHEET_LINES
        for column, v in cells.items()
    ]
    totals = [
        dict(
            table="scheda",
            objective_id=o,
            column=c,
            amount=amount(line, c, v),
            masked=False,
            source_line=line,
        )
        for o, line, cells in SHEET_TOTALS
        for c, v in cells.items()
    ]
    labels = ("preconsuntivo 2019", "budget 2020", "variazione")
    totals += [
        dict(
            table="confronto",
            objective_id=None,
            column=c,
            amount=amount(32, c, v),
            masked=False,
            source_line=32,
        )
        for c, v in zip(labels, COMPARISON_TOTAL, strict=False)
    ]
    totals += [
        dict(
            table="pluriennale",
            objective_id=None,
            column=str(y),
            amount=amount(42, str(y), v),
            masked=False,
            source_line=42,
        )
        for y, v in zip((2020, 2021, 2022), MULTIYEAR_TOTAL[0], strict=True)
    ]
    revenue = [
        dict(
            group="TOTALE BUDGET",
            label=label,
            amount=amount(line, label, v),
            row_kind=kind,
            source_line=line,
        )
        for label, v, kind, line in REVENUE
    ]
    totals += [
        dict(
            table="entrate",
            objective_id=None,
            column=r["label"],
            amount=r["amount"],
            masked=False,
            source_line=r["source_line"],
        )
        for r in revenue
        if r["row_kind"] != "line"
    ]
    comparison = [
        dict(
            objective_id=o,
            objective=f"Obiettivo {o}",
            preconsuntivo=amount(line, "preconsuntivo 2019", p),
            budget=amount(line, "budget 2020", b),
            variation=amount(line, "variazione", v),
            note="",
            source_line=line,
        )
        for o, p, b, v, line in COMPARISON
    ]
    multiyear = [
        dict(
            objective_id=o,
            objective=f"Obiettivo {o}",
            year=y,
            amount=amount(line, str(y), v),
            source_line=line,
        )
        for o, values, line in MULTIYEAR
        for y, v in zip((2020, 2021, 2022), values, strict=True)
    ]
    frames = {
        "budget_lines": lines,
        "stated_totals": totals,
        "revenue": revenue,
        "comparison": comparison,
        "multiyear": multiyear,
    }
    empty = ("staff", "hiring_plan", "strategic_objectives", "kpis")
    info = [YEARS.record()]
    return PlanTables(
        plan_info=metadata.frame_from_records("plan_info", info),
        **{name: metadata.frame_from_records(name, records) for name, records in frames.items()},
        **{name: metadata.frame_from_records(name, []) for name in empty},
    )


YEARS = PlanYears(2020, 2019, 2020, 2022, "PO 2019", "PO 2020")


def solutions(plan: PlanTables, **kwargs) -> list[dict[tuple, float]]:
    """Each solution as {(source_line, column): corrected}, changed cells only."""
    weights = load_weights(paths.LOCALISATION_WEIGHTS)
    table = localisation_table(
        localise(PlanContext.build(plan, FUNDING_MAP), weights, **kwargs), weights
    )
    changed = table[table["stated"].notna()]
    return [
        {(int(r.source_line), r.column): r.corrected for r in group.itertuples()}
        for _, group in changed.groupby("solution_id")
    ]


def test_the_hand_made_document_holds():
    assert solutions(hand_plan()) == []
    assert run_checks(hand_plan(), FUNDING_MAP)["severity"].eq("info").all()


def test_one_wrong_total_is_the_one_cell_to_correct():
    assert solutions(hand_plan({(4, "PO 2019"): 310})) == [{(4, "PO 2019"): 300.0}]


def test_a_wrong_line_seen_by_one_total_only_is_cheaper_fixed_in_the_total():
    # PO 2019 has no other identity: changing the total (weight 1) beats changing the line (1,5)
    assert solutions(hand_plan({(2, "PO 2019"): 130})) == [{(4, "PO 2019"): 330.0}]


def test_one_wrong_line_that_shows_in_three_totals():
    # the COMUNI cell of line 3 disagrees with its row's PO 2020, with the TOTALE OBIETTIVO 1
    # COMUNI cell and with the revenue available for the source: the line alone explains all three
    assert solutions(hand_plan({(3, "COMUNI"): 250})) == [{(3, "COMUNI"): 200.0}]


def test_a_tie_between_two_cells_lists_both_solutions():
    # 'Comuni 2020' is 10 too high: either revenue line of the same source could be the wrong one
    found = solutions(hand_plan({(20, "Comuni 2020"): 310}))
    assert found == [{(20, "Comuni 2020"): 300.0}, {(21, "Comune di Crema"): 40.0}]


def test_the_cap_on_tied_solutions_is_stated():
    weights = load_weights(paths.LOCALISATION_WEIGHTS)
    result = localise(
        PlanContext.build(hand_plan({(20, "Comuni 2020"): 310}), FUNDING_MAP),
        weights,
        max_solutions=1,
    )
    assert result.truncated and len(result.solutions) == 1
    table = localisation_table(result, weights)
    message = localisation_findings(table, result.cap)[0].message
    assert "limitato alle prime 1 soluzioni" in message


def test_a_masked_cell_is_free_and_its_value_is_reported():
    weights = load_weights(paths.LOCALISATION_WEIGHTS)
    plan = hand_plan({(3, "COMUNI"): None})
    table = localisation_table(localise(PlanContext.build(plan, FUNDING_MAP), weights), weights)
    assert len(table) == 1 and table["stated"].isna().all()
    row = table.iloc[0]
    assert (row["source_line"], row["column"], row["corrected"], row["weight"]) == (
        3,
        "COMUNI",
        200.0,
        0.0,
    )
    assert "nessuna cella da correggere" in localisation_findings(table)[0].message


def test_every_identity_names_a_check_of_the_catalogue():
    from cscplan.validation.checks import CHECKS

    identities = plan_identities(PlanContext.build(hand_plan(), FUNDING_MAP))
    assert {i.check for i in identities} <= set(CHECKS)
    counts = Counter(i.check for i in identities)
    # cross_table: 2 × 2 equal objective figures, 2 variations, 3 + 3 grand totals, 1 agreement
    assert counts == {
        "row_identity": 3,
        "column_totals": 5,
        "cross_table": 4 + 2 + 6 + 1,
        "revenue_subtotals": 1,
        "balance": 2,
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cell=st.sampled_from(
        [
            (2, "PO 2020"),
            (3, "COMUNI"),
            (4, "PO 2019"),
            (7, "COMUNI"),
            (30, "variazione"),
            (41, "2021"),
            (42, "2022"),
            (21, "Comune di Crema"),
        ]
    ),
    error=st.integers(min_value=-9_999_999, max_value=9_999_999).filter(lambda e: e != 0),
)
def test_one_perturbed_cell_is_undone_at_no_greater_weight(cell, error):
    broken = hand_plan({cell: _stated(cell) + error / 100})
    table, _ = localise_plan(broken, FUNDING_MAP, load_weights(paths.LOCALISATION_WEIGHTS))
    first = table[(table["solution_id"] == 1) & table["stated"].notna()]
    assert first["weight"].sum() <= load_weights(paths.LOCALISATION_WEIGHTS)[_role(cell)] + 1e-9
    for solution in table["solution_id"].unique():
        fixed = apply_solution(broken, table, int(solution))
        assert not (run_checks(fixed, FUNDING_MAP)["severity"] == "error").any()


@cache
def _cells() -> pd.DataFrame:
    cells = build_program(
        PlanContext.build(hand_plan(), FUNDING_MAP), load_weights(paths.LOCALISATION_WEIGHTS)
    ).cells
    return cells.set_index(["source_line", "column"])


def _stated(cell: tuple) -> float:
    return int(_cells().loc[cell, "stated"]) / 100


def _role(cell: tuple) -> str:
    return _cells().loc[cell, "role"]


# --- weights file ------------------------------------------------------------------------------


def test_weights_file_documents_every_role():
    frame = pd.read_csv(paths.DATA_DIR / "localisation_weights.csv")
    assert frame["note"].str.len().min() > 20
    weights = load_weights(paths.LOCALISATION_WEIGHTS)
    assert weights["totale_scheda"] < weights["riga_budget"] < weights["voce_entrata"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("role,weight,note\ntotale_scheda,zero,x\n", "'zero'"),
        ("role,weight,note\nriga,1,x\n", "'riga'"),
        ("role,weight\n", "mancano ['note']"),
        ("role,weight,note\ntotale_scheda,1,x\n", "mancano ["),
    ],
)
def test_bad_weights_are_input_errors(tmp_path, text, found):
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_weights(path)
    assert found in str(err.value) and "w.csv" in str(err.value)


# --- the real document -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    plan = load_plan(paths.PIANO_PROGRAMMA)
    fmap = for_plan(load_funding_map(paths.FUNDING_SOURCES), plan.years)
    table, findings = localise_plan(plan, fmap, load_weights(paths.LOCALISATION_WEIGHTS))
    return plan, fmap, table, findings


def test_real_plan_five_cells_and_their_corrected_values(real):
    _, _, table, findings = real
    assert table["solution_id"].max() == 1  # the minimal set is unique
    got = {
        (int(r.source_line), r.column): (None if pd.isna(r.stated) else r.stated, r.corrected)
        for r in table.itertuples()
    }
    assert got == {
        (650, "PO 2020"): (6_323_674.94, 6_643_674.94),
        (650, "COMUNI"): (4_685_818.36, 5_085_818.36),
        (650, "ATS"): (420_000.00, 340_000.00),
        (954, "PO 2019"): (1_072_277.29, 999_817.29),
        (1053, "Totale Entrate 2019"): (10_508_172.44, 10_828_172.44),
        (602, "ATS"): (None, 300_000.00),  # the masked cell, free, reported with its value
    }
    assert table.loc[table["stated"].notna(), "weight"].sum() == 5.0
    message = findings[0].message
    assert message.startswith("Correggendo queste 5 celle tutte le identità del documento tornano")
    assert "6.323.674,94 € → 6.643.674,94 €" in message and "300.000,00 €" in message


def test_real_plan_corrected_every_identity_holds_to_the_cent(real):
    plan, fmap, table, _ = real
    fixed = apply_solution(plan, table)
    findings = run_checks(fixed, fmap)
    assert not (findings["severity"] == "error").any()
    ctx = PlanContext.build(fixed, fmap)
    program = build_program(ctx, load_weights(paths.LOCALISATION_WEIGHTS))
    recovered = program.stated.copy()
    masked = np.flatnonzero(program.free)
    recovered[masked] = 30_000_000  # the masked ATS cell of line 602, as the solution says
    assert np.all(program.matrix @ recovered == 0)  # exactly, in cents
