"""Committed notebooks are output-free and match their generator (scripts/make_notebooks.py)."""

from __future__ import annotations

import importlib.util
import json

import nbformat
import pytest

from cscplan import paths

NOTEBOOKS = sorted((paths.REPO_ROOT / "notebooks").glob("*.ipynb"))


def test_the_notebooks_exist():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code, "a notebook without code cells"
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert any("assert " in "".join(c["source"]) for c in code), "key figures must be asserted"


def test_generator_reproduces_the_committed_notebooks(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", paths.REPO_ROOT / "scripts" / "make_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "NOTEBOOKS", tmp_path)
    module.main()
    for path in NOTEBOOKS:
        fresh = nbformat.read(tmp_path / path.name, as_version=4)
        committed = nbformat.read(path, as_version=4)
        assert fresh == committed, f"{path.name}: run scripts/make_notebooks.py"
