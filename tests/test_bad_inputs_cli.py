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
}
# Parses fine: its wrong Totale row is a *finding* (tests/test_service_maps.py), not bad input.
FINDING_CASES = {"maps_wrong_total.txt"}


def command_for(path: Path, out: Path) -> list[str]:
    kind = path.name.split("_")[0]
    sample = str(paths.SAMPLE_CASELOAD)
    return {
        "plan": ["validate", "--plan", str(path), "--fail-on", "never"],
        "funding": ["validate", "--funding-map", str(path), "--fail-on", "never"],
        "caseload": ["cost", str(path), "--out", str(out)],
        "scenario": ["cost", sample, "--scenario", str(path), "--out", str(out)],
        "tariff": ["cost", sample, "--tariffs", str(path), "--out", str(out)],
        "maps": ["build", "--service-maps", str(path), "--out", str(out), "--no-screenshot"],
    }[kind]


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
    assert not out.exists() or not any(out.iterdir()), "nothing may be written on bad input"


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
    "tariff_impossible_date.yaml": ["riga 18", "items[0].periods[0].to", "esistente", "2023-02-30"],
    "scenario_duplicate_key.yaml": ["riga 5", "'vat_rate'", "non ripetute", "già alla riga 3"],
    "tariff_duplicate_key.yaml": ["riga 15", "items[0].unit", "non ripetute", "già alla riga 14"],
    "scenario_billion_laughs.yaml": ["riga 3", "ancora YAML", "&a"],
    "tariff_alias.yaml": ["riga 17", "items[0].periods", "ancora YAML", "&periodi"],
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
    "scenario_horizon_outside.yaml": ["riga 3", "horizon_year", "01/01/2023–31/12/2023", "2024"],
    "tariff_vat_as_percent.yaml": [
        "riga 4",
        "parameters.vat_rate.value",
        "1 escluso",
        "trovato 5 ",
    ],
    "tariff_abatement_above_one.yaml": ["riga 5", "abatement_share", "tra 0 e 1", "1.5"],
    "tariff_inf_rate.yaml": ["riga 19", "items[0].periods[1].rate", ".inf"],
    "tariff_nan_parameter.yaml": ["riga 7", "parameters.uplift.value", ".nan"],
    "tariff_unread_parameter.yaml": ["riga 10", "parameters.isd_comune_share", "non è letto"],
    "tariff_share_parameter_above_one.yaml": ["riga 10", "isd_comune_share", "comune_share", "1.2"],
    "tariff_district_rate_above_rate.yaml": ["riga 27", "district_rate", "(53)", "60"],
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
    ],
)
def test_usage_errors_exit_2_without_traceback(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out


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
