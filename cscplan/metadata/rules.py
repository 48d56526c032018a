"""Declarative value rules for fields and tables: one rule → a pandera check + its Italian wording.

A field declares ``checks=(ge(0),)``; :mod:`cscplan.metadata.schema` turns each rule into a pandera
check and, when a value breaks it, into the words of the one input-error format ("atteso un valore
≥ 0"). Table-level rules (``row_rule``) carry their own wording.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa


@dataclass(frozen=True)
class Rule:
    """A check on a column's values, with the Italian words for what is expected."""

    build: Callable[[], pa.Check]
    wording: str

    def check(self) -> pa.Check:
        return self.build()


def ge(minimum: float) -> Rule:
    return Rule(lambda: pa.Check.ge(minimum), f"un valore ≥ {minimum}")


def between(low: float, high: float) -> Rule:
    return Rule(lambda: pa.Check.in_range(low, high), f"un valore tra {low} e {high}")


def one_of(values: tuple) -> Rule:
    shown = ", ".join(repr(v) for v in values)
    return Rule(lambda: pa.Check.isin(values), f"uno dei valori {shown}")


def matches(pattern: str, what: str) -> Rule:
    return Rule(lambda: pa.Check.str_matches(pattern), what)


def non_empty() -> Rule:
    return Rule(lambda: pa.Check.str_length(min_value=1), "un testo non vuoto")


def finite() -> Rule:
    return Rule(
        lambda: pa.Check(lambda s: ~s.isin([float("inf"), float("-inf")]), name="finite"),
        "un numero finito",
    )


MONTH = matches(r"^\d{4}-\d{2}$", "un mese nel formato AAAA-MM")


@dataclass(frozen=True)
class RowRule:
    """A check across the columns of a table (e.g. "masked iff amount is missing")."""

    test: Callable[[pd.DataFrame], pd.Series]
    wording: str

    def check(self) -> pa.Check:
        return pa.Check(self.test, name=self.wording, description=self.wording)


def row_rule(wording: str, test: Callable[[pd.DataFrame], pd.Series]) -> RowRule:
    return RowRule(test, wording)
