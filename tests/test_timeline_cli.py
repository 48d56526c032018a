"""Costing any period from the command line, as the README documents it (`docs/esempi/`).

Every `cscplan cost docs/esempi/…` command written in the README is run here: a SAAP plan for
the school year 2023/24 (from 2023-09-11 to 2024-06-08, with --anno-scolastico and with
--from/--to), a SAD plan for calendar 2024, a 2026 plan refused without an indexation and
costed with one, and a caseload whose payers are not the comune.
"""

from __future__ import annotations

import re
import shlex

import pandas as pd
import pytest

from cscplan import paths
from cscplan.cli import main
from cscplan.errors import InputError
from cscplan.scenarios.api import cost

README = (paths.REPO_ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(
    set(re.findall(r"cscplan (cost docs/esempi/[^\n#`]*?)\s*(?:#[^\n]*)?$", README, re.M))
)
EXAMPLES = paths.REPO_ROOT / "docs" / "esempi"


def run(command: str, tmp_path, capsys) -> tuple[int, str, pd.DataFrame | None]:
    out = tmp_path / "out"
    code = main([*shlex.split(command), "--out", str(out)])
    captured = capsys.readouterr()
    monthly = pd.read_csv(out / "costs_monthly.csv") if code == 0 else None
    return code, captured.out + captured.err, monthly


def test_the_readme_documents_every_period_option():
    joined = "\n".join(COMMANDS)
    for option in ("--anno-scolastico 2023/24", "--from 2023-09-11 --to 2024-06-08", "--year 2024"):
        assert option in joined, option
    assert any("--year 2026" in c and "--scenario" not in c for c in COMMANDS)
    assert any("--year 2026" in c and "--scenario" in c for c in COMMANDS)


def test_saap_school_year_from_the_readme(tmp_path, capsys):
    """SAAP_SUPERIORI 10 h/week: 272 days × 10/7 h + 3 h of coordination at the end = 391,5714 h
    × 20,00 € (+5%); SAAP_D1 12 h/week: 272 × 12/7 h × 20,20 € (+5%). 2024 at the end-of-2023
    rates (continuation, line 76)."""
    for command in (c for c in COMMANDS if "piani_saap" in c):
        code, text, monthly = run(command, tmp_path, capsys)
        assert code == 0, text
        assert sorted(monthly["month"].unique()) == [
            "2023-09", "2023-10", "2023-11", "2023-12",
            "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06",
        ]  # fmt: skip
        gross = monthly.groupby("item")["gross_eur"].sum().round(2)
        sup = monthly[monthly["item"] == "SAAP_SUPERIORI"]
        assert sup["quantity"].sum() == pytest.approx(272 * 10 / 7 + 3, abs=1e-5)
        assert gross["SAAP_SUPERIORI"] == pytest.approx((272 * 10 / 7 + 3) * 20.00 * 1.05, abs=0.06)
        assert gross["SAAP_D1"] == pytest.approx(272 * 12 / 7 * 20.20 * 1.05, abs=0.06)
        assert (
            "18.112,92 €" in text and "anno scolastico 2023/24" in text or "dal 11/09/2023" in text
        )


def test_sad_calendar_2024_from_the_readme(tmp_path, capsys):
    """1 h a day at 20,20 € for 366 days = 7.393,20 + 5% = 7.762,86 €; 1 h a week at 24,00 €
    (366/7 weeks) = 1.254,86 + 5% = 1.317,60 €: 9.080,46 €, all on the comune."""
    (command,) = [c for c in COMMANDS if "piani_sad_2024" in c]
    code, text, monthly = run(command, tmp_path, capsys)
    assert code == 0 and "9.080,46 €" in text and "anno 2024" in text
    assert monthly["month"].str.startswith("2024-").all() and monthly["month"].nunique() == 12
    assert monthly["gross_eur"].sum().round(2) == monthly["comune_eur"].sum().round(2) == 9080.46


def test_2026_refused_without_an_indexation_and_costed_with_one(tmp_path, capsys):
    refused = [c for c in COMMANDS if "piani_sad_2026" in c and "--scenario" not in c]
    code, text, _ = run(refused[0], tmp_path, capsys)
    assert code == 2 and len(text.strip().splitlines()) == 1
    assert "atteso un periodo coperto dal tariffario" in text and "indicizzazione" in text
    indexed = [c for c in COMMANDS if "piani_sad_2026" in c and "--scenario" in c]
    code, text, monthly = run(indexed[0], tmp_path, capsys)
    assert code == 0, text
    # 20,20 € × 1,02 × 1,02 = 21,01608 € an hour, 365 h + 5%, rounded per month: 8.054,36 €
    base = monthly[monthly["scenario"] == "baseline"]
    assert base["gross_eur"].sum().round(2) == 8054.36
    assert "indicizzazione" in text and "Nota:" in text


def test_payers_from_the_readme(tmp_path, capsys):
    (command,) = [c for c in COMMANDS if "piani_pagatori" in c]
    code, text, monthly = run(command, tmp_path, capsys)
    assert code == 0
    assert monthly["comune_eur"].sum() == 0 and monthly["district_eur"].sum() == 0
    by_item = monthly.groupby("item")[["fna_eur", "poverty_fund_eur", "family_eur"]].sum()
    assert by_item.loc["AID", "fna_eur"] == 195.30
    assert by_item.loc["QSFP_EDU_ALTA", "poverty_fund_eur"] == 860.0
    assert by_item.loc["AID_CE_ESCLUSIVO_ALTA"].tolist() == [911.40, 0.0, 390.60]
    assert "Quota FNA 1.106,70 €" in text and "Quota famiglia 390,60 €" in text
    # 195,30 + 911,40 FNA + 860,00 QSFP + 390,60 family = 2.357,30 € gross, labelled in Italian
    assert "Scenario base: 2.357,30 €" in text and "baseline" not in text


def test_a_period_without_active_plans_says_so(tmp_path, capsys):
    (command,) = [c for c in COMMANDS if "piani_pagatori" in c]
    code, text, monthly = run(command + " --year 2024", tmp_path, capsys)
    assert code == 0 and monthly.empty
    assert "nessun piano attivo nel periodo" in text


def test_scenarios_stating_different_indexations_are_refused():
    plans = EXAMPLES / "piani_sad_2026.csv"
    other = {"name": "altra", "indicizzazione": "+3,0 % dal 2025-01-01"}
    with pytest.raises(InputError, match="una sola indicizzazione"):
        cost(plans, [EXAMPLES / "indicizzazione_2025.yaml", other], year=2026)


def test_an_indexation_inside_the_timeline_changes_only_its_scenario():
    """+2% from 1 January 2024 in a scenario: 2024 costs 2% more there, the baseline keeps the
    continued rates."""
    plans = EXAMPLES / "piani_sad_2024.csv"
    monthly = cost(plans, [{"name": "piu2", "indicizzazione": "+2,0 % dal 2024-01-01"}], year=2024)
    totals = monthly.groupby("scenario")["net_eur"].sum().round(2)
    assert totals["baseline"] == pytest.approx(7393.20 + 1254.86, abs=0.06)  # rounded monthly
    assert totals["piu2"] == pytest.approx(totals["baseline"] * 1.02, abs=0.24)  # 24 rows
