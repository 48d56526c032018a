"""The output folder is replaced as a whole: staging, swap, lock, recovery, kill -9.

Also the CLI bounds of the Monte Carlo options and the strict ``run_metadata.json``.
"""

from __future__ import annotations

import errno
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cscplan import outfolder, paths
from cscplan.cli import main
from cscplan.errors import InputError
from cscplan.outfolder import OutputFolder, sibling
from cscplan.pipeline import BuildInputs, metadata_json

FAST = ["--no-screenshot", "--draws", "20"]
SMALL_CASELOAD = (
    "beneficiary_id,comune,item,start,end,qty_per_week\n"
    "B1,Crema,SAAP_D1,2023-01-16,2023-02-28,10\n"
    "B2,Offanengo,CDD_FULL,2023-03-01,2023-12-31,5\n"
)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes); the run date is blanked."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "run_metadata.json":
                meta = json.loads(data)
                meta["run_at"] = ""
                data = json.dumps(meta, sort_keys=True).encode()
            files[str(path.relative_to(folder))] = data
    return files


def publish(out: Path, files: dict[str, bytes], metadata_files: list[str] | None = None) -> None:
    listed = metadata_files if metadata_files is not None else sorted(files)
    files = {**files, "run_metadata.json": json.dumps({"files": listed}).encode()}
    with OutputFolder(out) as folder:
        folder.stage(files)
        folder.commit()


# --------------------------------------------------------------------------- swap and leftovers


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_swap_replaces_the_previous_outputs_and_keeps_foreign_entries(
    tmp_path, monkeypatch, exchange
):
    if not exchange:
        monkeypatch.setattr(outfolder, "exchange", lambda a, b: False)
    out = tmp_path / "out"
    publish(out, {"a.csv": b"old", "report.png": b"png", "gone.csv": b"old"})
    (out / ".gitkeep").write_text("")
    (out / "costi").mkdir()
    (out / "costi" / "run_metadata.json").write_text("{}")
    (out / "costi" / "costs_summary.csv").write_text("x")
    publish(out, {"a.csv": b"new", "b.csv": b"new"})
    assert sorted(p.name for p in out.iterdir()) == [
        ".gitkeep",
        "a.csv",
        "b.csv",
        "costi",
        "run_metadata.json",
    ], "previous outputs (report.png, gone.csv) dropped, foreign entries kept"
    assert (out / "a.csv").read_bytes() == b"new"
    assert (out / "costi" / "costs_summary.csv").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_arbitrary_folder_is_never_swapped_away(tmp_path):
    out = tmp_path / "documenti"
    out.mkdir()
    (out / "lettera.docx").write_text("cara sindaca")
    with pytest.raises(InputError) as err, OutputFolder(out) as folder:
        folder.stage({"a.csv": b"x"})
    assert "lettera.docx" in err.value.found
    assert sorted(p.name for p in out.iterdir()) == ["lettera.docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documenti"]


def test_failure_while_staging_cleans_everything(tmp_path, monkeypatch):
    out = tmp_path / "out"
    publish(out, {"a.csv": b"old"})
    before = snapshot(out)
    real = Path.write_bytes

    def full_disk(self, data):
        if self.name == "b.csv":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(InputError) as err:
        publish(out, {"a.csv": b"new", "b.csv": b"new"})
    assert "disco pieno" in err.value.found
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_interrupt_before_the_swap_leaves_the_old_build(tmp_path):
    out = tmp_path / "out"
    publish(out, {"a.csv": b"old"})
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt), OutputFolder(out) as folder:
        folder.stage({"a.csv": b"new"})
        raise KeyboardInterrupt
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_of_a_killed_run_are_recovered(tmp_path):
    out = tmp_path / "out"
    backup, staging = sibling(out, "cscplan-backup"), sibling(out, "cscplan-staging")
    backup.mkdir()
    (backup / "a.csv").write_text("old")
    staging.mkdir()
    (staging / "a.csv").write_text("half")
    with OutputFolder(out):
        pass
    assert (out / "a.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_second_run_into_the_same_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    with OutputFolder(out):
        assert main(["cost", str(paths.SAMPLE_CASELOAD), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "un'altra" in err or "in corso" in err
    assert f"processo {os.getpid()}" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_file_squatting_the_output_name_is_bad_input(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("x")
    assert main(["build", "--out", str(blocker), *FAST]) == 2
    assert "cartella di output scrivibile" in capsys.readouterr().err
    assert blocker.read_text() == "x"


def test_a_directory_squatting_an_output_name_does_not_break_the_build(tmp_path):
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)
    (out / "budget_lines.csv").write_text("vecchio")
    (out / "run_metadata.json").write_text('{"files": ["budget_lines.csv"]}')
    assert main(["build", "--out", str(out), *FAST]) == 0
    assert (out / "report.html").is_file() and "vecchio" not in (
        out / "budget_lines.csv"
    ).read_text()


# --------------------------------------------------------------------------- screenshot, bounds, JSON


def test_a_broken_browser_is_a_warning_not_a_traceback(tmp_path, monkeypatch, capsys):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "chromium"
    fake.write_text("#!/bin/sh\necho rotto >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--draws", "20"]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "Avviso: screenshot del report non generato" in captured.out
    assert (out / "report.html").is_file() and not (out / "report.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "out"]


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**32)], "--seed"),
        (["--draws", "0"], "--draws"),
        (["--draws", "100001"], "--draws"),
        (["--impegno", "nan"], "--impegno"),
        (["--impegno", "inf"], "--impegno"),
        (["--impegno", "-5"], "--impegno"),
    ],
)
def test_monte_carlo_options_are_bounded(tmp_path, capsys, argv, key):
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--no-screenshot", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Errore nei dati di input:") and key in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_bounds_hold_for_the_python_api_too():
    with pytest.raises(InputError):
        BuildInputs(commitment=float("nan"))
    assert BuildInputs(seed=2**32 - 1, draws=100_000).draws == 100_000


def test_run_metadata_is_strict_json():
    text = metadata_json({"commitment": float("nan"), "x": [float("inf"), 1.5]}).decode()
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {
        "commitment": None,
        "x": [None, 1.5],
    }


def test_bundled_scenarios_that_do_not_apply_are_skipped_with_a_note(tmp_path, capsys):
    """A user's caseload without CDD/CSE/SFA: the bundled Cremona-size scenario is skipped;
    named explicitly, it is refused (exit 2)."""
    from cscplan import paths

    small = tmp_path / "casi.csv"
    small.write_text(SMALL_CASELOAD.rsplit("B2", 1)[0])
    out = tmp_path / "out"
    assert main(["build", "--caseload", str(small), "--out", str(out), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "saltato" in printed and "CDD, CSE, SFA" in printed
    meta = json.loads((out / "run_metadata.json").read_text())
    assert any("Centri disabili" in note for note in meta["notes"])
    scenarios = (out / "scenarios.csv").read_text()
    assert "cremona_dimensione_disabilita" not in scenarios and "saap_piu5_da_aprile" in scenarios
    windows = tmp_path / "casi_windows.csv"
    windows.write_bytes(small.read_text().replace("B1", "Nicolò").encode("cp1252"))
    assert main(["build", "--caseload", str(windows), "--out", str(tmp_path / "o3"), *FAST]) == 0
    assert "casi_windows.csv: codifica Windows-1252" in capsys.readouterr().out
    named = paths.SCENARIOS_DIR / "cremona_dimensione_disabilita.yaml"
    args = ["build", "--caseload", str(small), "--scenario", str(named), *FAST]
    assert main([*args, "--out", str(tmp_path / "o2")]) == 2


# --------------------------------------------------------------------------- kill -9


def cscplan_command() -> list[str]:
    script = Path(sys.executable).with_name("cscplan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cscplan.cli"]


def state(folder: Path) -> tuple:
    return tuple(
        sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in os.scandir(folder))
    )


def started_writing(out: Path, before: tuple) -> bool:
    """Anything new beside ``out`` (but the lock) or any change inside it."""
    beside = {e.name for e in os.scandir(out.parent)} - {
        out.name,
        sibling(out, "cscplan-lock").name,
    }
    return bool(beside) or (out.exists() and state(out) != before)


def run_and_kill(args: list[str], out: Path, delay: float, after_write: bool) -> float:
    """Start a build; kill -9 it ``delay`` s after start, or after it starts writing.

    Returns the seconds from start until it started writing (or until the kill).
    """
    before = state(out)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    try:
        if after_write:
            while proc.poll() is None and not started_writing(out, before):
                time.sleep(0.0005)
        writing = time.monotonic() - start
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=120)
    return writing


def inodes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def which_build(out: Path, old_inodes: dict[str, int], old: dict, new: dict) -> str:
    """'old' or 'new': every file of ``out`` must come from the same build (by inode: a file
    the new run replaced is a new file even where its bytes equal the old one's)."""
    origin = {n: "old" if i == old_inodes.get(n) else "new" for n, i in inodes(out).items()}
    builds = set(origin.values())
    assert len(builds) == 1, (
        f"mixed folder: new files {sorted(n for n in origin if origin[n] == 'new')}"
    )
    build = builds.pop()
    assert snapshot(out) == (old if build == "old" else new), build
    return build


@pytest.mark.slow
def test_kill_9_never_leaves_a_mixed_folder_or_a_temporary_file(tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    out = root / "out"
    caseload = tmp_path / "casi.csv"  # a small caseload keeps each build short
    caseload.write_text(SMALL_CASELOAD, encoding="utf-8")
    command = [*cscplan_command(), "build", "--out", str(out), "--caseload", str(caseload), *FAST]
    old_args, new_args = [*command, "--seed", "1"], [*command, "--seed", "2"]
    subprocess.run(old_args, check=True, capture_output=True)
    old = snapshot(out)
    reference = tmp_path / "reference"
    shutil.copytree(out, reference)
    # the new build, uninterrupted, timed from its first write to its end
    before = state(out)
    proc = subprocess.Popen(new_args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not started_writing(out, before):
        time.sleep(0.0005)
    writes_at = time.monotonic()
    proc.wait(timeout=120)
    writing = time.monotonic() - writes_at
    new = snapshot(out)
    assert new != old
    # random moments: 6 after the build starts writing, log-uniform from 0,1 ms to the end of
    # the run (one per stratum: staging takes milliseconds, the swap less), then 4 while it
    # computes
    rng = random.Random(18)
    low, high = math.log(1e-4), math.log(max(writing, 1e-3))
    strata = [low + (high - low) * rng.uniform(k, k + 1) / 6 for k in range(6)]
    moments = [(math.exp(x), True) for x in strata]
    moments += [(rng.uniform(0.1, 0.9), False) for _ in range(4)]
    outcomes, compute_time = [], []
    for delay, after_write in moments:
        shutil.rmtree(out)
        shutil.copytree(reference, out)
        old_inodes = inodes(out)
        if not after_write:
            delay *= min(compute_time)
        started = run_and_kill(new_args, out, delay, after_write)
        if after_write:
            compute_time.append(started)
        if out.exists():  # right after the kill: one build or the other, no temporary file
            which_build(out, old_inodes, old, new)
            assert not list(out.rglob("*.tmp"))
        with OutputFolder(out):  # what the next run does first: recover
            pass
        outcomes.append(which_build(out, old_inodes, old, new))
        assert sorted(p.name for p in root.iterdir()) == ["out"], "leftovers beside --out"
    assert len(outcomes) >= 10
