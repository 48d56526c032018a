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
