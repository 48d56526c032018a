"""The bad-input catalogue through the CLI: one Italian message, exit code 2, no traceback.

Each file in tests/bad_inputs/ is fed to the command that reads that kind of input. The module
tests of each reader assert the exact row/column/expected wording; here we assert what the user
sees: the file named, ``atteso`` (what was expected), exit code 2 and no Python traceback — unless
``--debug`` is given. Files that are *accepted* on purpose (decimal comma, semicolons, BOM, a masked
stated total) must run cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cscplan import paths
from cscplan.cli import main
from cscplan.errors import InputError

BAD = Path(__file__).parent / "bad_inputs"
ACCEPTED = {
    "caseload_decimal_comma.csv",
    "caseload_semicolon.csv",
    "caseload_bom.csv",
    "plan_masked_total.txt",
    # issue 18: what offices have (Windows-1252, Italian Excel, xlsx), hostile text, split rows
    "caseload_cp1252.csv",
    "caseload_italian_excel.csv",
    "caseload_excel.xlsx",
    "caseload_formula_id.csv",
    "funding_italian_excel.csv",
    "funding_windows_1252.csv",
    "plan_split_rejoined.txt",
    # issue 13: a comune's prospetto (BOM, ',', upper-case headers, an extra column)
    "previsione_bom_upper_case.csv",
}
# What the message must say beyond the file name: the file's line (blank lines, multi-line
# fields and xlsx rows counted as an editor or Excel shows them) and why.
EXPECTED = {
    "caseload_header_only.csv": ["solo l'intestazione"],
    "caseload_excel_header_only.xlsx": ["solo l'intestazione"],
    "caseload_empty.csv": ["file vuoto"],
    "caseload_impossible_date.csv": ["riga 3", "'start'", "febbraio 2023 ha 28 giorni"],
    "caseload_impossible_iso_date.csv": ["riga 3", "'start'", "febbraio 2023 ha 28 giorni"],
    "caseload_feb29_not_leap.csv": ["riga 3", "'end'", "febbraio 2023 ha 28 giorni"],
    "caseload_month_13.csv": ["riga 3", "il mese 13 non esiste"],
    "caseload_two_digit_year.csv": ["riga 3", "'01/02/23'"],
    "caseload_thousands_dot.csv": ["riga 3", "168", "'1000'"],
    "caseload_ambiguous_thousands.csv": ["riga 3", "ambiguo"],
    "caseload_dot_decimal_semicolon.csv": ["riga 3", "scrivere 7,5"],
    "caseload_english_format_semicolon.csv": ["riga 3", "formato inglese", "1234,5"],
    "caseload_nan_qty.csv": ["riga 3", "'nan'"],
    "caseload_inf_qty.csv": ["riga 3", "'inf'"],
    "caseload_unclosed_quote.csv": ["riga 4", "virgolette"],
    "caseload_duplicate_header.csv": ["riga 1", "'comune' ripetuto"],
    "caseload_unnamed_column.csv": ["riga 1", "colonna 3 senza nome"],
    "caseload_short_row.csv": ["riga 3", "6 campi", "4 campi"],
    "caseload_utf16.csv": ["UTF-16"],
    "caseload_old_excel.xls": [".xls"],
    "caseload_corrupt.xlsx": ["xlsx"],
    "caseload_blank_lines_unknown_item.csv": ["riga 7", "SAAP_D9"],
    "caseload_cp1252_bad_comune.csv": ["riga 2", "'Nicolò'"],
    "caseload_excel_unknown_item.xlsx": ["riga 4", "SAAP_D3"],
    "caseload_excel_impossible_date.xlsx": ["riga 2", "aprile 2023 ha 30 giorni"],
    "caseload_excel_text_qty.xlsx": ["riga 2", "'dodici'"],
    "caseload_excel_title_row.xlsx": ["riga 3", "intestazione"],
    "funding_header_only.csv": ["solo l'intestazione"],
    "funding_binary.csv": ["binario"],
    "funding_blank_lines_bad_group.csv": ["riga 6", "'avanzi'"],
    "funding_unclosed_quote.csv": ["riga 3", "virgolette"],
    "funding_extra_cells.csv": ["riga 2", "8 campi"],
    "plan_split_ambiguous_label.txt": ["riga 9", "riga 8", "riga 10"],
    "plan_split_stray_amount.txt": ["riga 12", "riga spezzata"],
    "plan_split_too_many_cells.txt": ["riga 12", "riga 11"],
    "caseload_past_timeline.csv": ["riga 2", "'end'", "01/01/2023–31/12/2024", "2026-12-31"],
    # issue 13: submissions of the spending forecast (the file's line, its own header)
    "previsione_unknown_service.xlsx": ["riga 3", "colonna 'Servizio'", "domicilare", "forse"],
    "previsione_two_files": [
        "prospetto_offanengo.csv, riga 3, colonna 'Codice utente'",
        "'U07' anche in",
        "prospetto_crema.csv riga 3",
    ],
    "previsione_impossible_date.csv": ["riga 3", "'Data fine'", "febbraio 2024 ha 29 giorni"],
    "previsione_hours_text.xlsx": ["riga 2", "'Ore settimanali'", "'dodici'"],
    "previsione_missing_column.csv": ["riga 1", "'Data inizio'", "più simile: 'Data inizo'"],
    "previsione_hours_and_days.csv": ["riga 3", "'Giorni settimanali'", "una sola tra"],
    "previsione_too_many_hours.csv": ["riga 4", "'Ore settimanali'", "168"],
    # issue 15: the month's activity export, invoices and commitments (file line, own header)
    "mese_attivita_unknown_item.csv": ["riga 3", "'Prestazione'", "'SAD feriele'", "forse"],
    "mese_attivita_impossible_date.csv": ["riga 3", "'Data'", "febbraio 2023 ha 28 giorni"],
    "mese_attivita_minutes_text.csv": ["riga 3", "'Minuti'", "'quaranta'"],
    "mese_attivita_missing_column.csv": ["riga 1", "'Minuti'", "più simile: 'Minuto'"],
    "mese_attivita_bad_comune.csv": ["riga 3", "'Comune'", "'Cremma'", "forse 'Crema'"],
    "mese_attivita_monthly_item.csv": ["riga 3", "a ore o a giornate", "AFFIDO_FULL"],
    "mese_attivita_no_operator.csv": ["riga 3", "'Operatori'", "'0'"],
    "mese_attivita_negative_minutes.csv": ["riga 3", "'Minuti'", "'-50'"],
    "mese_fatture_bad_month.csv": ["riga 3", "'Mese'", "'2023-13'"],
    "mese_fatture_amount_text.csv": ["riga 3", "'Imponibile'", "'cento'"],
    "mese_impegni_no_scope.csv": ["riga 3", "codice utente o un servizio"],
    "mese_impegni_unknown_service.csv": ["riga 3", "'Servizio'", "'SADD'"],
    "mese_impegni_end_before_start.csv": ["riga 3", "'Al'", "01/12/2023"],
}
# Parses fine: its wrong Totale row is a *finding* (tests/test_service_maps.py), not bad input.
FINDING_CASES = {"maps_wrong_total.txt"}


def command_for(path: Path, out: Path) -> list[str]:
    kind = path.name.split("_")[0]
    sample = str(paths.SAMPLE_CASELOAD)
    return (
        {
            "plan": ["validate", "--plan", str(path), "--fail-on", "never"],
            "funding": ["validate", "--funding-map", str(path), "--fail-on", "never"],
            "caseload": ["cost", str(path), "--out", str(out)],
            "scenario": ["cost", sample, "--scenario", str(path), "--out", str(out)],
            "tariff": ["cost", sample, "--tariffs", str(path), "--out", str(out)],
            "maps": ["build", "--service-maps", str(path), "--out", str(out), "--no-screenshot"],
            "previsione": ["previsione", str(path), "--anno", "2023", "--out", str(out)],
        }[kind]
        if kind != "mese"
        else mese_command(path, out)
    )


def mese_command(path: Path, out: Path) -> list[str]:
    """The activity export as the argument; invoices and commitments beside a good export."""
    part = path.name.split("_")[1]
    if part == "attivita":
        return ["mese", str(path), "--out", str(out)]
    good = Path(__file__).parent / "monitoring_activity.csv"
    option = {"fatture": "--fatture", "impegni": "--impegni"}[part]
    return ["mese", str(good), option, str(path), "--out", str(out)]


CASES = sorted(
    p
    for p in BAD.iterdir()
    if p.name not in ACCEPTED | FINDING_CASES and not p.name.startswith(".")
)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_bad_input_exits_2_with_one_clear_message(path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(command_for(path, out)) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    message = captured.err.strip()
    assert message.startswith("Errore nei dati di input:")
    assert path.name in message and "atteso" in message
    assert len(message.splitlines()) <= 3
    for fragment in EXPECTED.get(path.name, []):
        assert fragment in message, fragment
    assert not out.exists() or not any(out.iterdir()), "nothing may be written on bad input"
    assert [p.name for p in out.parent.iterdir()] in ([], ["out"]), "no lock or staging left"


def test_every_expectation_names_a_catalogue_file():
    assert set(EXPECTED) <= {p.name for p in CASES}


def test_the_catalogue_grows():
    assert len([p for p in BAD.iterdir() if not p.name.startswith(".")]) >= 90


# The YAML family of the reliability audit: what each message must name (key, line, expected,
# found). Each case fails if its fix is removed: the file would then be accepted (exit 0), crash
# with a traceback, run for minutes, or be blamed on another file.
YAML_CASES = {
    "scenario_impossible_date.yaml": [
        "riga 4",
        "tariff_changes[0].from",
        "esistente",
        "2023-02-30",
    ],
    "tariff_impossible_date.yaml": ["riga 15", "items[0].periods[0].to", "esistente", "2023-02-30"],
    "scenario_duplicate_key.yaml": ["riga 5", "'vat_rate'", "non ripetute", "già alla riga 3"],
    "tariff_duplicate_key.yaml": ["riga 12", "items[0].unit", "non ripetute", "già alla riga 11"],
    "scenario_billion_laughs.yaml": ["riga 3", "ancora YAML", "&a"],
    "tariff_alias.yaml": ["riga 14", "items[0].periods", "ancora YAML", "&periodi"],
    "scenario_deep_nesting.yaml": ["riga 3", "benchmark_services[0]", "32 livelli"],
    "scenario_python_tag.yaml": ["riga 3", "'label'", "senza tag", "python/object"],
    "scenario_two_documents.yaml": ["riga 3", "un solo documento"],
    "scenario_long_key.yaml": ["riga 3", "chiave sconosciuta", "…"],
    "scenario_long_value.yaml": ["riga 2", "'name'", "..."],
    "scenario_negative_rate.yaml": [
        "riga 4",
        "tariff_changes[0].absolute",
        "non negative",
        "−9,80 €",
    ],
    "scenario_below_district_part.yaml": ["tariff_changes[0].absolute", "21,00 €", "13,00 €"],
    "scenario_inf_multiplier.yaml": ["riga 3", "volume_multipliers.SAD", ".inf"],
    "scenario_inf_percent.yaml": ["riga 4", "tariff_changes[0].percent", ".inf"],
    "scenario_nan_percent.yaml": ["riga 4", "tariff_changes[0].percent", ".nan"],
    "scenario_nan_vat.yaml": ["riga 3", "'vat_rate'", ".nan"],
    "scenario_vat_one.yaml": ["riga 3", "'vat_rate'", "1 escluso", "trovato 1 "],
    "scenario_horizon_outside.yaml": ["riga 3", "horizon_year", "01/01/2023–31/12/2024", "2026"],
    "tariff_vat_as_percent.yaml": [
        "riga 3",
        "parameters.vat_rate.value",
        "1 escluso",
        "trovato 5 ",
    ],
    "tariff_abatement_above_one.yaml": ["riga 4", "abatement_share", "tra 0 e 1", "1.5"],
    "tariff_inf_rate.yaml": ["riga 16", "items[0].periods[1].rate", ".inf"],
    "tariff_nan_parameter.yaml": ["riga 6", "parameters.uplift.value", ".nan"],
    "tariff_unread_parameter.yaml": ["riga 7", "parameters.isd_comune_share", "non è letto"],
    "tariff_share_parameter_above_one.yaml": ["riga 7", "isd_comune_share", "comune_share", "1.2"],
    "tariff_district_rate_above_rate.yaml": ["riga 24", "district_rate", "(53)", "60"],
    # issue 12: payers, dated parameters, the timeline and its indexation
    "tariff_unknown_payer.yaml": [
        "riga 17",
        "items[0].shares.fondo_regionale",
        "comune, distretto, fna, fondo_poverta, famiglia",
    ],
    "tariff_mid_month_parameter.yaml": [
        "riga 4",
        "parameters.vat_rate.values.2023-07-15",
        "inizio mese",
        "trovato 2023-07-15",
    ],
    "tariff_value_and_values.yaml": ["riga 3", "parameters.vat_rate", "una sola tra 'value'"],
    "tariff_bad_indexation.yaml": ["riga 3", "'indicizzazione'", "+2,0 % dal 2025-01-01"],
    "tariff_indexation_gap.yaml": ["riga 3", "'indicizzazione'", "01/01/2025", "01/03/2025"],
    "tariff_past_validity.yaml": ["riga 17", "items[0].periods[1].to", "31/12/2024", "30/06/2025"],
    "tariff_shares_above_one.yaml": ["riga 17", "items[0].shares.famiglia", "al più a 1", "1.1"],
    "tariff_continues_as_unknown.yaml": ["riga 17", "continues_as.item", "AFFIDO_TEMPO_PIENO"],
    "scenario_bad_indexation.yaml": ["riga 3", "'indicizzazione'", "+2,0 % dal 2025-01-01"],
    "scenario_unknown_flag.yaml": [
        "riga 3",
        "flags.tetto_riproporzionato",
        "abatement_cap_pro_rata",
    ],
}


@pytest.mark.parametrize("name", sorted(YAML_CASES))
def test_yaml_case_names_its_file_key_and_line(name, tmp_path, capsys):
    path = BAD / name
    assert main(command_for(path, tmp_path / "out")) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"Errore nei dati di input: file {path}")
    for fragment in YAML_CASES[name]:
        assert fragment in message, message
    assert len(message) < 600, "messages never echo an unbounded value"


def test_yaml_catalogue_is_complete():
    files = {p.name for p in BAD.glob("*.yaml")}
    assert set(YAML_CASES) <= files


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_variants_run(name, tmp_path):
    path = BAD / name
    assert main(command_for(path, tmp_path / "out")) in (0, 1)


def test_accepted_caseloads_cost_the_same_plans():
    """The same two plans saved as Windows-1252 CSV and as xlsx (dates as Excel dates and as
    text, 7,5 as a number): the same costs; the Italian Excel copy's ADM plan costs the same."""
    from cscplan.scenarios.api import cost

    def by_plan(name: str) -> list[float]:
        frame = cost(BAD / name)
        return frame.groupby("item", sort=True)["gross_eur"].sum().round(2).tolist()

    assert by_plan("caseload_cp1252.csv") == by_plan("caseload_excel.xlsx")
    assert by_plan("caseload_italian_excel.csv")[0] == by_plan("caseload_cp1252.csv")[0]


def test_formula_ids_are_written_as_text(tmp_path):
    import csv
    import io

    assert main(["cost", str(BAD / "caseload_formula_id.csv"), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "costs_monthly.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["beneficiary_id"] for row in rows} == {
        '\'=HYPERLINK("http://evil.example","clic")',
        "'@SUM(1+1)",
    }


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(InputError):
        main(["--debug", "cost", str(BAD / "caseload_unknown_item.csv"), "--out", str(tmp_path)])


def test_missing_file_is_bad_input(tmp_path, capsys):
    assert main(["validate", "--plan", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["nope"],
        ["build", "--draws", "abc"],
        ["cost", str(paths.SAMPLE_CASELOAD), "--year", "duemila"],
        ["build", "--draws", "0"],
        ["build", "--draws", "100001"],
        ["build", "--seed", "-1"],
        ["build", "--seed", "4294967296"],
        ["build", "--impegno", "nan"],
        ["build", "--impegno", "inf"],
        ["build", "--impegno", "-1"],
    ],
)
def test_usage_errors_exit_2_without_traceback(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        (["--year", "2026"], ["'--year'", "31/12/2024", "riga 76", "indicizzazione", "anno 2026"]),
        (["--anno-scolastico", "2024/25"], ["'--anno-scolastico'", "anno scolastico 2024/25"]),
        (
            ["--from", "2024-09-01", "--to", "2025-05-31"],
            ["'--from'", "dal 01/09/2024 al 31/05/2025"],
        ),
        (["--anno-scolastico", "2023/25"], ["'--anno-scolastico'", "due anni consecutivi"]),
        (["--anno-scolastico", "2023-24"], ["'--anno-scolastico'", "2023/24"]),
        (["--from", "2023-09-01"], ["'--to'", "--from e --to insieme"]),
        (["--from", "2023-09-31", "--to", "2024-06-30"], ["'--from'", "data esistente"]),
        (["--from", "2024-06-30", "--to", "2023-09-01"], ["'--to'", "non precedente"]),
        (["--year", "2024", "--anno-scolastico", "2023/24"], ["un solo periodo"]),
    ],
)
def test_period_options_refused_with_one_message(options, fragments, tmp_path, capsys):
    """A period past the tariff timeline (or a malformed one) is one Italian line, exit 2."""
    out = tmp_path / "out"
    assert main(["cost", str(paths.SAMPLE_CASELOAD), *options, "--out", str(out)]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("Errore nei dati di input:") and len(message.splitlines()) == 1
    assert "Traceback" not in message and "atteso" in message
    for fragment in fragments:
        assert fragment in message, message
    assert not out.exists()


def test_one_bad_row_in_100000_through_the_cli(tmp_path, capsys):
    header = "beneficiary_id,comune,item,start,end,qty_per_week"
    lines = [header] + [f"B{i},Crema,SAAP_D1,2023-01-09,2023-06-10,12" for i in range(100_000)]
    lines[50_001] = "B50000,Crema,SAAP_D1,2023-01-09,2023-06-10,12;5"
    path = tmp_path / "casistica_grande.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["cost", str(path), "--out", str(tmp_path / "out")]) == 2
    message = capsys.readouterr().err
    assert "casistica_grande.csv" in message and "riga 50002" in message
    assert "qty_per_week" in message and "12;5" in message
    assert not (tmp_path / "out").exists()
