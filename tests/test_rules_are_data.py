"""Eligibility, payers and the sheets' rules are data: no service or item code in cscplan's code.

Which items accept an uplift, a second comune, a placed minor, a group size or a duration, who pays
them, which item continues as which, which operator profiles mix: all read from the tariff book
(and the payers from data/payers.csv). This test reads every module of cscplan/ and fails on any
string literal equal to a service or an item code of the tariff book used in code (a list, a set,
a dict, a comparison, a call argument) — docstrings and comments aside.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from cscplan import paths
from cscplan.tariffs.schedule import load_schedule
from cscplan.vocabulary import PAYER_COLUMNS, PAYERS

PACKAGE = Path(__file__).resolve().parents[1] / "cscplan"


def _codes() -> set[str]:
    items = load_schedule(paths.TARIFFS).items
    return set(items["code"]) | set(items["service"])


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def test_no_service_or_item_code_in_the_code():
    codes, found = _codes(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and (node.value in codes or node.value.split("_")[0] in {"SAAP", "AFFIDO"})
            ):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_payers_file_and_the_vocabulary_agree():
    payers = pd.read_csv(paths.PAYERS, keep_default_na=False)
    assert payers["payer"].tolist() == list(PAYERS)
    assert dict(zip(payers["payer"], payers["column"], strict=True)) == PAYER_COLUMNS
    assert payers["label"].str.len().gt(0).all() and payers["note"].str.len().gt(20).all()
