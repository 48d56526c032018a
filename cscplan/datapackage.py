"""Frictionless Data Package descriptor for the published CSVs (built from the pandera schemas)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd
from pandas.api import types as ptypes

PACKAGE_NAME = "cscplan-piano-programma-2020-2022"


def _field_type(series: pd.Series) -> str:
    if ptypes.is_bool_dtype(series):
        return "boolean"
    if ptypes.is_integer_dtype(series):
        return "integer"
    if ptypes.is_float_dtype(series):
        return "number"
    if ptypes.is_datetime64_any_dtype(series):
        return "date"
    return "string"


def _description(schema, column: str) -> str:
    if schema is None:
        return ""
    col = schema.columns.get(column)
    return (getattr(col, "description", None) or "") if col is not None else ""


def resource(name: str, frame: pd.DataFrame, schema=None, description: str = "") -> dict:
    """One tabular resource: path, field names/types/descriptions and the row count."""
    fields = [
        {"name": c, "type": _field_type(frame[c]), "description": _description(schema, c)}
        for c in frame.columns
    ]
    return {
        "name": name.replace("_", "-"),
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "encoding": "utf-8",
        "description": description or (getattr(schema, "description", None) or ""),
        "schema": {"fields": fields},
        "bytes_rows": int(len(frame)),
    }


def datapackage(
    tables: Mapping[str, pd.DataFrame],
    schemas: Mapping[str, object],
    sources: list[dict],
) -> str:
    """The descriptor as deterministic JSON text (sorted resources, no timestamps)."""
    descriptor = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Comunità Sociale Cremasca — Piano Programma 2020–2022 e scenari tariffari 2023",
        "licenses": [{"name": "CC-BY-4.0"}],
        "sources": sources,
        "resources": [resource(name, tables[name], schemas.get(name)) for name in sorted(tables)],
    }
    for res in descriptor["resources"]:
        res["rows"] = res.pop("bytes_rows")
    return json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
