"""What the registry generates: pandera schemas, parsing dtypes, labels, and the one validate().

Any table, parsed or derived, is checked with :func:`validate`; a failure becomes the project's one
input-error message (file, row, column, what was expected, what was found). For tables read from
a document the row is the document's ``source_line``; for other tables it is the line the row
has (or would have) in the table's CSV, header = line 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache

import pandas as pd
import pandera.pandas as pa

from cscplan.errors import InputError, shorten
from cscplan.metadata.fields import (
    BOOLEAN,
    DATETIME,
    FIELDS,
    INTEGER,
    NULLABLE_INTEGER,
    NUMBER,
    STRING,
    Field,
)
from cscplan.metadata.tables import TABLES, Column, Table

PANDERA_DTYPES = {
    STRING: str,
    INTEGER: int,
    NULLABLE_INTEGER: "Int64",
    NUMBER: float,
    BOOLEAN: bool,
    DATETIME: "datetime64[ns]",
}
FRAME_DTYPES = {
    STRING: "string",
    INTEGER: "int64",
    NULLABLE_INTEGER: "Int64",
    NUMBER: "float64",
    BOOLEAN: "bool",
    DATETIME: "datetime64[ns]",
}
KIND_WORDS = {
    STRING: "un testo",
    INTEGER: "un numero intero",
    NULLABLE_INTEGER: "un numero intero o vuoto",
    NUMBER: "un numero",
    BOOLEAN: "vero o falso",
    DATETIME: "una data",
}
BUILTIN_WORDS = {
    "not_nullable": "un valore presente",
    "column_in_dataframe": "la colonna presente",
    "column_in_schema": "solo le colonne del contratto",
    "column_ordered": "le colonne nell'ordine del contratto",
    "field_uniqueness": "valori non ripetuti",
    "multiple_fields_uniqueness": "righe non ripetute per la chiave",
}


def table_of(name: str) -> Table:
    if name not in TABLES:
        raise KeyError(f"table {name!r} is not declared in cscplan.metadata.tables")
    return TABLES[name]


def column_field(column: Column) -> Field:
    """The field of a table's column, narrowed by the table where it says so."""
    base = FIELDS[column.field]
    changes = {}
    if column.nullable is not None:
        changes["nullable"] = column.nullable
    if column.description is not None:
        changes["description"] = column.description
    return replace(base, **changes) if changes else base


def field_of(name: str, column: str) -> Field:
    """The field describing ``column`` of table ``name`` (regex columns matched by name)."""
    for col in table_of(name).columns:
        if (col.regex and re.fullmatch(col.name, column)) or col.name == column:
            return column_field(col)
    raise KeyError(f"column {column!r} is not declared for table {name!r}")


def _pandera_column(col: Column) -> pa.Column:
    spec = column_field(col)
    return pa.Column(
        PANDERA_DTYPES[spec.kind],
        [rule.check() for rule in spec.checks],
        nullable=spec.nullable,
        regex=col.regex,
        description=spec.description,
        title=spec.label,
    )


@cache
def schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema of a table, generated from its declaration."""
    spec = table_of(name)
    return pa.DataFrameSchema(
        {col.name: _pandera_column(col) for col in spec.columns},
        checks=[rule.check() for rule in spec.rules],
        strict=True,
        ordered=spec.ordered and not any(col.regex for col in spec.columns),
        unique=list(spec.key) or None,
        description=spec.description,
        name=name,
    )


def dtypes(name: str) -> dict[str, str]:
    """Column → pandas dtype for building the table (fixed columns only)."""
    return {
        col.name: FRAME_DTYPES[column_field(col).kind]
        for col in table_of(name).columns
        if not col.regex
    }


def frame_from_records(name: str, records: list[dict]) -> pd.DataFrame:
    """Records → DataFrame with the table's columns and dtypes (also when empty)."""
    types = dtypes(name)
    return pd.DataFrame(records, columns=list(types)).astype(types)


def label(name: str, column: str, plan: Mapping | None = None) -> str:
    """The Italian header of ``column`` in table ``name``, with the plan's years filled in."""
    text = field_of(name, column).label
    values = {"colonna": column}
    if plan is not None:
        values |= {"anno": plan["budget_year"], "anno_prec": plan["previous_year"]}
    return text.format_map(_Blank(values))


def labels(name: str, columns, plan: Mapping | None = None) -> dict[str, str]:
    return {column: label(name, column, plan) for column in columns}


class _Blank(dict):
    def __missing__(self, key: str) -> str:  # a placeholder without data stays readable
        return "{" + key + "}"


# --- validation ---------------------------------------------------------------------------------


def validate(name: str, frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """Check ``frame`` against table ``name``; a failure raises the one InputError format."""
    try:
        return schema(name).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise schema_error(name, frame, exc.failure_cases, source) from None


def schema_error(
    name: str, frame: pd.DataFrame, cases: pd.DataFrame, source: str | None
) -> InputError:
    first = _first_case(cases)
    whole_table = first["schema_context"] == "DataFrameSchema"
    column = first["column"] if isinstance(first["column"], str) and not whole_table else None
    position = pd.to_numeric(pd.Series([first["index"]]), errors="coerce").iloc[0]
    row = _row_of(frame, position, table_of(name).origin)
    shown = cases[cases["index"] == first["index"]] if whole_table else cases
    found = ", ".join(shorten(v) for v in shown["failure_case"].head(3))
    return InputError(
        source or f"'{name}'",
        f"nella tabella '{name}' {_wording(name, first, column)}"
        if source
        else _wording(name, first, column),
        found,
        row=row,
        column=column if column in frame.columns else None,
        place="file" if source else "tabella",
    )


def _first_case(cases: pd.DataFrame) -> pd.Series:
    """The failure to report: a column's own failure before a table rule that could not run."""
    ranked = cases.assign(
        _rank=(cases["schema_context"] != "Column").astype(int) + cases["index"].isna() * 2
    )
    return ranked.sort_values("_rank", kind="stable").iloc[0]


def _row_of(frame: pd.DataFrame, position, origin: str) -> int | None:
    if pd.isna(position) or not 0 <= int(position) < len(frame):
        return None
    if origin == "parsed" and "source_line" in frame.columns:
        line = frame["source_line"].iloc[int(position)]
        return None if pd.isna(line) else int(line)
    return int(position) + 2


def _wording(name: str, case: pd.Series, column: str | None) -> str:
    check = str(case["check"])
    spec = table_of(name)
    if check.startswith("dtype(") and column:
        return KIND_WORDS[field_of(name, column).kind]
    for key, words in BUILTIN_WORDS.items():
        if check.startswith(key):
            return words + (f" ({', '.join(spec.key)})" if "multiple" in key else "")
    number = case.get("check_number")
    if column and not pd.isna(number):
        rules = field_of(name, column).checks
        if 0 <= int(number) < len(rules):
            return rules[int(number)].wording
    return check
