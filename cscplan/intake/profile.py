"""Column profiles: how a program's or an office's headers and service names map to the caseload.

A profile is a YAML file in ``data/profili/`` (contract ``PROFILE_FILE``, read by
:mod:`cscplan.yamlspec`)::

    name: prospetto_comune
    label: "Prospetto di dettaglio degli utenti …"
    sheet: Utenti                     # optional: the sheet of an .xlsx (default: the first)
    columns:                          # caseload column → headers accepted for it
      beneficiary_id: [Codice utente, Nominativo utente]
      qty_per_week: [Ore settimanali, Giorni settimanali]
    services:                         # tariff item → service names written in the files
      SAD_FERIALE: [SAD feriale, Assistenza domiciliare anziani feriale]

``table`` (optional, default ``caseload``) names the registry's input table the file fills (the
activity export, invoices and commitments of :mod:`cscplan.monitoring` have their own).
``columns`` keys are that table's columns (:mod:`cscplan.metadata.tables`, table
``caseload``); the required ones (``Table.required_names``) must each have a header. Headers and
service names are matched ignoring case, repeated spaces and the kind of dash; a tariff code or
the schedule's own label is always accepted as a service name. A name listed twice (for two
columns, or for two items) is refused with both lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.io import read_yaml_document
from cscplan.metadata.fields import CODE_PATTERN
from cscplan.yamlspec import MapOf, OneOrMany, Record, Text, Where, optional, required

CASELOAD = metadata.TABLES["caseload"]
NAMES = OneOrMany(Text(expected="un'intestazione o un nome (testo non vuoto)"))
PROFILE_FILE = Record(
    {
        "name": required(
            Text(pattern=r"[a-z0-9_]+", expected="un nome di sole minuscole, cifre e _")
        ),
        "label": optional(Text(), ""),
        "table": optional(
            Text(pattern=r"[a-z_]+", expected="il nome di una tabella del registro"), "caseload"
        ),
        "sheet": optional(Text()),
        "columns": required(MapOf(Text(), NAMES)),
        "services": optional(
            MapOf(Text(pattern=CODE_PATTERN, expected="un codice del tariffario"), NAMES), {}
        ),
    }
)
DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def normalised(text: object) -> str:
    """A header or service name as compared: case, spaces, dashes and accents' form ignored."""
    text = unicodedata.normalize("NFC", str(text))
    return " ".join(DASHES.sub("-", text).casefold().split()).strip(" :.")


@dataclass(frozen=True)
class Profile:
    """A validated column profile."""

    name: str
    label: str
    source: str
    columns: dict[str, tuple[str, ...]]
    services: dict[str, str]  # normalised service name → tariff code
    sheet: str | None = None
    table: str = "caseload"
    """The registry's input table whose columns the profile maps (default: the caseload)."""
    service_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code → as written
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def headers_for(self, column: str) -> tuple[str, ...]:
        return self.columns.get(column, ())

    def column_of(self, header: str) -> str | None:
        """The caseload column a file's header stands for, if the profile names it."""
        wanted = normalised(header)
        for column, names in self.columns.items():
            if any(normalised(name) == wanted for name in names):
                return column
        return None

    def error(self, key: str, expected: str, found: str) -> InputError:
        return Where(self.source, self.lines).error(key, expected, found)

    def check_codes(self, codes: Iterable[str]) -> None:
        """Every item named by ``services`` must be in the tariff schedule."""
        known = set(codes)
        for code in dict.fromkeys(self.services.values()):
            if code not in known:
                raise self.error(f"services.{code}", "un codice del tariffario", repr(code))


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile YAML file; any defect raises InputError with its line."""
    document = read_yaml_document(path)
    return parse_profile(document.data, document.source, document.lines)


def parse_profile(data, source: str, lines: Mapping[str, int] | None = None) -> Profile:
    where = Where(source, lines or {})
    spec = PROFILE_FILE.read(data, "", where)
    columns = {name: tuple(headers) for name, headers in spec["columns"].items()}
    declared = metadata.TABLES.get(spec["table"])
    if declared is None or declared.origin != "input":
        inputs = [n for n, t in metadata.TABLES.items() if t.origin == "input"]
        where.fail(
            "table", "una tabella di input del registro: " + ", ".join(inputs), spec["table"]
        )
    _check_columns(columns, where, declared)
    _check_unique(((c, h) for c, names in columns.items() for h in names), "columns", where)
    pairs = [(code, n) for code, names in spec["services"].items() for n in names]
    _check_unique(pairs, "services", where)
    return Profile(
        name=spec["name"],
        label=spec["label"],
        source=source,
        columns=columns,
        services={normalised(name): code for code, name in pairs},
        sheet=spec["sheet"],
        table=spec["table"],
        service_names={code: tuple(names) for code, names in spec["services"].items()},
        lines=dict(lines or {}),
    )


def _check_columns(
    columns: dict[str, tuple[str, ...]], where: Where, declared: metadata.tables.Table = CASELOAD
) -> None:
    known = declared.names
    for name in columns:
        if name not in known:
            where.fail(f"columns.{name}", "una colonna della tabella: " + ", ".join(known), name)
    for name in declared.required_names:
        if name not in columns:
            where.fail("columns", f"le intestazioni della colonna obbligatoria '{name}'", "assenti")


def _check_unique(pairs: Iterable[tuple[str, str]], key: str, where: Where) -> None:
    """A name may stand for one column (one item) only."""
    seen: dict[str, str] = {}
    for target, name in pairs:
        norm = normalised(name)
        if norm in seen and seen[norm] != target:
            where.fail(
                f"{key}.{target}",
                f"un nome che indica una sola voce di '{key}'",
                f"{name!r} anche sotto '{seen[norm]}' (riga {where.row(f'{key}.{seen[norm]}')})",
            )
        seen[norm] = target
