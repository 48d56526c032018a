"""The field and table registry: each field once, each table once; schemas generated from them."""

from cscplan.metadata.schema import (
    dtypes,
    field_of,
    frame_from_records,
    label,
    labels,
    schema,
    validate,
)
from cscplan.metadata.tables import TABLES

__all__ = [
    "TABLES",
    "dtypes",
    "field_of",
    "frame_from_records",
    "label",
    "labels",
    "schema",
    "validate",
]
