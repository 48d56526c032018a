"""End to end: `cscplan build` writes the public files, atomically and reproducibly; CLI exit codes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cscplan import paths
from cscplan.cli import main
from cscplan.pipeline import BuildInputs, run_build
from cscplan.vocabulary import PAYER_COLUMNS

PUBLIC_FILES = [
    "budget_lines.csv",
    "stated_totals.csv",
    "revenue.csv",
    "comparison.csv",
    "multiyear.csv",
    "staff.csv",
    "hiring_plan.csv",
    "strategic_objectives.csv",
    "kpis.csv",
    "findings.csv",
    "funding_by_objective.csv",
    "funding_balance.csv",
    "service_maps.csv",
    "service_map_values.csv",
    "cremona_growth.csv",
    "costs_monthly.csv",
    "costs_summary.csv",
    "payers.csv",
    "payer_funding.csv",
    "datapackage.json",
    "report.html",
    "piano_programma_2020_2022.xlsx",
    "assemblea.pptx",
    "run_metadata.json",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    run_build(BuildInputs(), out=out, screenshot=False, echo=lambda _: None)
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_writes_every_public_file(built):
    missing = [name for name in PUBLIC_FILES if not (built / name).is_file()]
    assert missing == []
    assert not list(built.glob(".*.tmp")), "temporary files left behind"


def test_budget_lines_contract(built):
    lines = pd.read_csv(built / "budget_lines.csv")
    expected = ["objective_id", "objective", "action", "item", "detail", "column", "kind"]
    expected += ["amount", "masked", "imputed", "source_line"]
    assert set(expected) <= set(lines.columns)
    assert sorted(lines["objective_id"].unique()) == list(range(1, 16))
    assert set(lines["kind"]) == {"plan", "source"}


def test_costs_contract_has_baseline_and_scenarios(built):
    summary = pd.read_csv(built / "costs_summary.csv")
    payers = list(PAYER_COLUMNS.values())
    assert list(summary.columns) == ["scenario", "service", "gross_eur", *payers]
    assert payers[:2] == ["comune_eur", "district_eur"]  # kept for compatibility
    scenarios = set(summary["scenario"])
    assert "baseline" in scenarios and len(scenarios) >= 3
    assert (summary[payers].sum(axis=1) - summary["gross_eur"]).abs().max() < 0.05
    base = summary[summary["scenario"] == "baseline"].set_index("service")
    # the FNA vouchers (AID) and the poverty fund's supports (QSFP) cost the comuni nothing
    assert base.loc["AID", "comune_eur"] == 0 and base.loc["AID", "fna_eur"] > 0
    assert base.loc["QSFP", "comune_eur"] == 0 and base.loc["QSFP", "poverty_fund_eur"] > 0


def test_two_builds_are_byte_identical(built, tmp_path):
    again = tmp_path / "again"
    run_build(BuildInputs(), out=again, screenshot=False, echo=lambda _: None)
    for path in sorted(built.iterdir()):
        if path.suffix in {".csv", ".json", ".html"} and path.name != "run_metadata.json":
            assert digest(path) == digest(again / path.name), path.name


def test_failed_run_leaves_previous_outputs_intact(built, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = {p.name: digest(p) for p in out.iterdir()}

    def broken_workbook(tables):
        raise RuntimeError("simulated failure in a late step")

    monkeypatch.setattr("cscplan.reports.excel.build_workbook", broken_workbook)
    with pytest.raises(RuntimeError):
        run_build(BuildInputs(), out=out, screenshot=False, echo=lambda _: None)
    assert {p.name: digest(p) for p in out.iterdir()} == before


def test_corrupted_plan_exits_2_and_writes_nothing(tmp_path, capsys):
    text = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8").splitlines(keepends=True)
    target = next(i for i, line in enumerate(text) if "TOTALE OBIETTIVO 3" in line)
    row = next(i for i in range(target - 1, 0, -1) if "€" in text[i])
    text[row] = text[row].replace("€", "€ 12x", 1)
    plan = tmp_path / "plan.txt"
    plan.write_text("".join(text), encoding="utf-8")
    out = tmp_path / "out"
    rc = main(["build", "--plan", str(plan), "--out", str(out), "--no-screenshot"])
    assert rc == 2
    err = capsys.readouterr().err
    assert str(row + 1) in err and "plan.txt" in err
    assert not out.exists() or not any(out.iterdir())


def test_validate_exit_codes(capsys):
    rc_never = main(["validate", "--fail-on", "never"])
    summary = capsys.readouterr().out
    assert rc_never == 0 and "Verifica dei totali" in summary
    rc_error = main(["validate", "--fail-on", "error"])
    has_errors = "Errori (" in capsys.readouterr().out
    assert rc_error == (1 if has_errors else 0)


def test_bad_fail_on_is_bad_input(capsys):
    assert main(["validate", "--fail-on", "sometimes"]) == 2
    assert "--fail-on" in capsys.readouterr().err


def test_cost_command_writes_costs(tmp_path):
    scenario = sorted(paths.SCENARIOS_DIR.glob("*.yaml"))[0]
    rc = main(
        ["cost", str(paths.SAMPLE_CASELOAD), "--scenario", str(scenario), "--out", str(tmp_path)]
    )
    assert rc == 0
    monthly = pd.read_csv(tmp_path / "costs_monthly.csv")
    assert len(set(monthly["scenario"])) == 2 and "baseline" in set(monthly["scenario"])
    assert monthly["month"].str.match(r"^2023-\d\d$").all()


def test_cost_command_bad_caseload_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("beneficiary_id,comune\nB1,Crema\n", encoding="utf-8")
    assert main(["cost", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "bad.csv" in capsys.readouterr().err


def test_datapackage_describes_every_field(built):
    import json

    package = json.loads((built / "datapackage.json").read_text(encoding="utf-8"))
    csvs = {p.name for p in built.glob("*.csv")}
    assert {r["path"] for r in package["resources"]} == csvs
    undocumented = [
        (r["name"], f["name"])
        for r in package["resources"]
        for f in r["schema"]["fields"]
        if not f.get("description")
    ]
    assert undocumented == []


def test_output_contract_violation_is_reported(monkeypatch):
    from cscplan.errors import InputError
    from cscplan.pipeline import validate_tables

    frame = pd.DataFrame({"scenario": ["baseline"], "service": ["SAD"], "gross_eur": ["x"]})
    with pytest.raises(InputError, match="costs_summary"):
        validate_tables({"costs_summary": frame})


def test_commitment_option_drives_the_monte_carlo(tmp_path):
    out = tmp_path / "out"
    args = ["build", "--out", str(out), "--no-screenshot", "--draws", "50", "--seed", "7"]
    assert main([*args, "--impegno", "1000"]) == 0
    summary = pd.read_csv(out / "montecarlo_summary.csv").iloc[0]
    assert summary["commitment_eur"] == 1000 and summary["prob_exceed"] == 1.0
    assert summary["alert_month"] == "2023-01" and summary["draws"] == 50
    assert main([*args, "--impegno", "-5"]) == 2


def test_default_commitment_is_the_linked_budget_lines(built):
    summary = pd.read_csv(built / "montecarlo_summary.csv").iloc[0]
    link = pd.read_csv(built / "budget_link.csv")
    lines = link[link["scenario"] == "baseline"]
    # nine linked lines of the PO 2020 column: 2.950.000 (SAAP, line 583) + … = 7.871.884,94 €
    assert summary["commitment_source"] == "voci_collegate"
    assert summary["commitment_eur"] == pytest.approx(lines["plan_amount"].sum(), abs=0.01)
    assert summary["commitment_eur"] == pytest.approx(7_871_884.94, abs=0.01)
    sens = pd.read_csv(built / "sensitivity.csv").set_index("parameter")
    # without the district abatement the comuni pay 785.024,63 € more (the total does not move;
    # 780.435,56 € before the cap was read literally in part months and pronto became full time)
    assert sens.loc["abbattimento", "comune_delta_high_eur"] == pytest.approx(785_024.63)
    assert sens.loc["abbattimento", "delta_high_eur"] == 0.0
    html = (built / "report.html").read_text(encoding="utf-8")
    assert "Abbattimento distrettuale «no» +785.024,63 €" in html  # the narrative


def test_report_has_budget_link_and_funding_balance(built):
    html = (built / "report.html").read_text(encoding="utf-8")
    assert "Voci del budget 2020 alle tariffe 2023" in html
    assert "Bilancio per fonte di finanziamento" in html
    link = pd.read_csv(built / "budget_link.csv")
    first = link[link["scenario"] == "baseline"].iloc[0]
    from cscplan.fmt import eur

    assert eur(first["plan_amount"]) in html


def test_outputs_are_readable_by_colleagues(built):
    assert all((p.stat().st_mode & 0o044) == 0o044 for p in built.iterdir())


def test_recovered_masked_cells_are_published(built):
    lines = pd.read_csv(built / "budget_lines.csv")
    masked = lines[lines["masked"]]
    assert len(masked) >= 1 and masked["imputed"].all() and masked["amount"].notna().all()


def test_published_euro_sums_have_no_binary_noise(built):
    text = (built / "multiyear_view.csv").read_text(encoding="utf-8")
    assert "000000" not in text and "e-" not in text


def test_bad_output_folder_and_wrong_year_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["cost", str(paths.SAMPLE_CASELOAD), "--out", str(blocker)]) == 2
    assert main(["cost", str(paths.SAMPLE_CASELOAD), "--year", "2026", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cartella di output scrivibile" in err and "periodo coperto dal tariffario" in err


def test_report_command_writes_only_documents(tmp_path):
    assert main(["report", "--out", str(tmp_path), "--no-screenshot"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "assemblea.pptx",
        "piano_programma_2020_2022.xlsx",
        "report.html",
    ]


def test_budget_link_amounts_are_the_parsed_budget_lines(built):
    lines = pd.read_csv(built / "budget_lines.csv")
    link = pd.read_csv(built / "budget_link.csv")
    for row in link.itertuples(index=False):
        cell = lines[(lines["source_line"] == row.source_line) & (lines["column"] == row.column)]
        assert len(cell) == 1, row.budget_item_label
        assert cell["amount"].iloc[0] == pytest.approx(row.plan_amount, abs=0.005)
    assert set(link["column"]) == {"PO 2020"}
    saap = link[(link["budget_item_label"] == "SAAP") & (link["scenario"] == "baseline")]
    assert saap["plan_amount"].tolist() == [2_950_000.0]


def test_edited_service_maps_drive_the_cremona_size_scenario(tmp_path):
    """Every input explicit: the cremona_size scenario reads the maps the build was given, and
    the report's footer and run_metadata.json name that file with its SHA-256."""
    text = paths.SERVICE_MAPS.read_text(encoding="utf-8")
    row = "CDD (Centro Diurno Disabili)\t45\t45\t48"  # Cremona's CDD users 2018–2020 (line 1271)
    assert text.count(row) == 1
    edited = tmp_path / "mappe_modificate.txt"
    edited.write_text(text.replace(row, "CDD (Centro Diurno Disabili)\t45\t45\t96"), "utf-8")
    totals = {}
    for name, maps in (("originali", paths.SERVICE_MAPS), ("modificate", edited)):
        out = tmp_path / name
        args = ["build", "--out", str(out), "--no-screenshot", "--draws", "20"]
        assert main([*args, "--service-maps", str(maps)]) == 0
        summary = pd.read_csv(out / "costs_summary.csv")
        cdd = summary[
            (summary.scenario == "cremona_dimensione_disabilita") & (summary.service == "CDD")
        ]
        totals[name] = float(cdd["gross_eur"].iloc[0])
    assert totals["modificate"] == pytest.approx(2 * totals["originali"], rel=0.02)
    footer = (tmp_path / "modificate" / "report.html").read_text(encoding="utf-8")
    assert str(edited) in footer and "mappe_modificate.txt" in footer
    metadata = json.loads((tmp_path / "modificate" / "run_metadata.json").read_text("utf-8"))
    maps_input = next(f for f in metadata["inputs"] if f["role"] == "mappe_servizi")
    assert maps_input["path"] == str(edited)
    assert maps_input["sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()


def test_payer_funding_reads_each_payer_beside_its_sources(built):
    """Per scenario and payer: the cost beside the budget's allocation to its funding sources."""
    table = pd.read_csv(built / "payer_funding.csv", keep_default_na=False)
    summary = pd.read_csv(built / "costs_summary.csv")
    assert set(table["payer"]) == set(PAYER_COLUMNS)
    for payer, column in PAYER_COLUMNS.items():
        rows = table[table["payer"] == payer].set_index("scenario")["cost_eur"]
        totals = summary.groupby("scenario")[column].sum().round(2)
        assert rows.sort_index().tolist() == pytest.approx(totals.sort_index().tolist(), abs=0.01)
    base = table[table["scenario"] == "baseline"].set_index("payer")
    # QSFP's budget line "Piano Azione Povertà" (objective 9) is funded by 188.624,94 € of
    # Residui 2019 Fondo Povertà (plan line 924); the plan's FNA 2020 is 400.000 € (line 1045)
    assert base.loc["fondo_poverta", "linked_allocation_eur"] == 188_624.94
    assert base.loc["fondo_poverta", "funding_sources"] == "Avanzo 2019 Fondo Povertà"
    assert base.loc["fna", "plan_allocation_eur"] == 400_000.0
    assert base.loc["famiglia", "funding_sources"] == ""
    gap = base["cost_eur"] - base["linked_allocation_eur"]
    assert (gap - base["gap_eur"]).abs().max() < 0.01
    import openpyxl

    sheet = openpyxl.load_workbook(built / "piano_programma_2020_2022.xlsx")["Pagatori e fonti"]
    assert [c.value for c in sheet[1]][:3] == ["Scenario", "Pagatore", "Nome del pagatore"]
