"""Fuzz: a mutated Piano Programma either parses into schema-valid tables or raises InputError.

Mutations (1–4 per example): drop, duplicate or swap lines; replace a character next to a digit
with another digit, a letter, a separator, '#', '-', a tab or nothing. Never any other exception.
Default 30 examples; CSCPLAN_FUZZ=long runs 1000.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cscplan import metadata, paths
from cscplan.errors import InputError
from cscplan.sources.piano_programma import parse_plan

RAW_LINES = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8").split("\n")
EXAMPLES = 1000 if os.environ.get("CSCPLAN_FUZZ") == "long" else 30
REPLACEMENTS = ["0", "7", "x", ".", ",", "#", "-", "\t", "", " ", "€"]
# Mutating the tables is what matters: favour lines from the staff table onwards.
FIRST_TABLE_LINE = next(i for i, t in enumerate(RAW_LINES) if t.startswith("Profilo professionale"))


@st.composite
def mutation(draw: st.DrawFn) -> tuple:
    kind = draw(st.sampled_from(["drop", "duplicate", "swap", "digit", "digit", "digit"]))
    line = draw(st.integers(FIRST_TABLE_LINE, len(RAW_LINES) - 1))
    other = draw(st.integers(FIRST_TABLE_LINE, len(RAW_LINES) - 1))
    return kind, line, other, draw(st.sampled_from(REPLACEMENTS)), draw(st.integers(0, 10**6))


def apply(lines: list[str], change: tuple) -> list[str]:
    kind, line, other, replacement, seed = change
    line, other = min(line, len(lines) - 1), min(other, len(lines) - 1)
    out = list(lines)
    if kind == "drop":
        del out[line]
    elif kind == "duplicate":
        out.insert(line, out[line])
    elif kind == "swap":
        out[line], out[other] = out[other], out[line]
    else:
        out[line] = perturb_digit(out[line], replacement, seed)
    return out


def perturb_digit(text: str, replacement: str, seed: int) -> str:
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if not digits:
        return text
    at = digits[seed % len(digits)]
    return text[:at] + replacement + text[at + 1 :]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES < 100,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(mutation(), min_size=1, max_size=4))
def test_mutated_plan_parses_or_raises_input_error(changes):
    lines = RAW_LINES
    for change in changes:
        lines = apply(lines, change)
    try:
        plan = parse_plan("\n".join(lines), source="fuzz.txt")
    except InputError as error:
        assert str(error).startswith("file fuzz.txt")
        return
    for name, frame in plan.tables().items():
        metadata.validate(name, frame)


def test_perturb_digit_changes_one_character():
    assert perturb_digit("€ 5.000,00", "x", 0) == "€ x.000,00"
    assert perturb_digit("no digits", "x", 3) == "no digits"
    assert apply(["a", "b", "c"], ("swap", 0, 2, "", 0)) == ["c", "b", "a"]
    assert apply(["a", "b"], ("drop", 1, 0, "", 0)) == ["a"]
    assert apply(["a", "b"], ("duplicate", 0, 0, "", 0)) == ["a", "a", "b"]
