"""Frictionless Data Package descriptor for the published CSVs, generated from the field registry."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from cscplan import metadata
from cscplan.metadata.fields import (
    BOOLEAN,
    DATETIME,
    INTEGER,
    NULLABLE_INTEGER,
    NUMBER,
)
from cscplan.metadata.tables import TABLES
from cscplan.plan_years import PlanYears

FRICTIONLESS_TYPES = {
    INTEGER: "integer",
    NULLABLE_INTEGER: "integer",
    NUMBER: "number",
    BOOLEAN: "boolean",
    DATETIME: "date",
}


def field_descriptor(name: str, column: str, plan: Mapping | None) -> dict:
    spec = metadata.field_of(name, column)
    descriptor = {
        "name": column,
        "title": metadata.label(name, column, plan),
        "type": FRICTIONLESS_TYPES.get(spec.kind, "string"),
        "description": spec.description,
    }
    if spec.unit:
        descriptor["unit"] = spec.unit
    return descriptor


def resource(name: str, frame: pd.DataFrame, plan: Mapping | None = None) -> dict:
    """One tabular resource: path, fields (type, Italian title, description), key, row count."""
    table = TABLES[name]
    schema: dict = {"fields": [field_descriptor(name, c, plan) for c in frame.columns]}
    if table.key:
        schema["primaryKey"] = list(table.key)
    return {
        "name": name.replace("_", "-"),
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "encoding": "utf-8",
        "description": table.description,
        "origin": table.origin,
        "schema": schema,
        "rows": int(len(frame)),
    }


def datapackage(tables: Mapping[str, pd.DataFrame], files: list[dict]) -> str:
    """The descriptor as deterministic JSON text: every input named with its SHA-256."""
    years = PlanYears.from_table(tables["plan_info"])
    plan = tables["plan_info"].iloc[0].to_dict()
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"cscplan-piano-programma-{years.first_year}-{years.last_year}",
        "title": f"Comunità Sociale Cremasca — {years.title} e scenari tariffari",
        "licenses": [{"name": "CC-BY-4.0"}],
        "sources": [
            {"title": f["role"], "path": f["path"], "hash": f"sha256:{f['sha256']}"} for f in files
        ],
        "resources": [resource(name, tables[name], plan) for name in sorted(tables)],
    }
    return json.dumps(descriptor, ensure_ascii=False, indent=2, default=str) + "\n"
