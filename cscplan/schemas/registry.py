"""Every published table's pandera schema, by table name (used for datapackage.json)."""

from __future__ import annotations

from importlib import import_module

SCHEMA_MODULES = (
    "cscplan.schemas.piano",
    "cscplan.schemas.service_maps",
    "cscplan.schemas.tariffs",
    "cscplan.schemas.outputs",
)


def all_schemas() -> dict[str, object]:
    """Merge the ``SCHEMAS`` dict of each schema module that defines one."""
    merged: dict[str, object] = {}
    for name in SCHEMA_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError:
            continue
        merged.update(getattr(module, "SCHEMAS", {}))
    return merged
