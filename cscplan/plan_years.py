"""The years of a Piano Programma, read from the document itself (never from a constant).

The parser finds them in the document: the budget year in ``BUDGET <anno> – SCHEDE``, the two plan
columns in the sheets' headers (``PO <anno-1>``, ``PO <anno>``), the horizon in the ``BUDGET
PLURIENNALE`` header. Everything that names a year (check messages, labels, the workbook's file
name, the funding map's templates such as ``FNPS {anno}``) asks this object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

PLAN_COLUMN = re.compile(r"^PO\s+((?:19|20)\d{2})$")


@dataclass(frozen=True)
class PlanYears:
    budget_year: int
    previous_year: int
    first_year: int
    last_year: int
    po_previous: str
    po_current: str
    source_line: int = 1

    @property
    def plan_columns(self) -> tuple[str, str]:
        return (self.po_previous, self.po_current)

    @property
    def horizon(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))

    @property
    def title(self) -> str:
        return f"Piano Programma {self.first_year}–{self.last_year}"

    @property
    def preconsuntivo_label(self) -> str:
        """Column label of the comparison's previous-year actuals (stated totals)."""
        return f"preconsuntivo {self.previous_year}"

    @property
    def budget_label(self) -> str:
        """Column label of the comparison's budget-year figures (stated totals)."""
        return f"budget {self.budget_year}"

    @property
    def workbook_name(self) -> str:
        return f"piano_programma_{self.first_year}_{self.last_year}.xlsx"

    def placeholders(self) -> dict[str, int]:
        return {"anno": self.budget_year, "anno_prec": self.previous_year}

    def fill(self, template: str) -> str:
        """``'FNPS {anno}'`` → ``'FNPS 2020'`` (the placeholders of data files and labels)."""
        return template.format(**self.placeholders())

    def record(self) -> dict:
        """The one row of the published ``plan_info`` table."""
        return {
            "plan_title": self.title,
            "budget_year": self.budget_year,
            "previous_year": self.previous_year,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "po_previous_column": self.po_previous,
            "po_current_column": self.po_current,
            "source_line": self.source_line,
        }

    @classmethod
    def from_record(cls, row: Mapping) -> PlanYears:
        return cls(
            budget_year=int(row["budget_year"]),
            previous_year=int(row["previous_year"]),
            first_year=int(row["first_year"]),
            last_year=int(row["last_year"]),
            po_previous=str(row["po_previous_column"]),
            po_current=str(row["po_current_column"]),
            source_line=int(row["source_line"]),
        )

    @classmethod
    def from_table(cls, plan_info: pd.DataFrame) -> PlanYears:
        return cls.from_record(plan_info.iloc[0])


def column_year(column: str) -> int:
    """``'PO 2020'`` → 2020."""
    return int(PLAN_COLUMN.match(column)[1])


def current_plan_column(budget_lines: pd.DataFrame) -> str:
    """The budget year's plan column among the lines' plan columns (the later ``PO <anno>``)."""
    columns = budget_lines.loc[budget_lines["kind"] == "plan", "column"].unique()
    return max(columns, key=column_year) if len(columns) else ""
