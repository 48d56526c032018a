"""The tariff schedule: one timeline of dated values (data/tariffs/tariffario.yaml).

The file's contract is declared once, as data, in ``TARIFF_FILE`` (read by
:mod:`cscplan.yamlspec`):

* ``validity`` (optional): the document's validity ``{from, to, source_line, note}``. Every rate
  starts on ``from``; after an item's last dated period its last rate stays in force until ``to``
  (rows labelled ``basis: continuazione`` with the validity's line), so the 2023 sheets cost 2024
  as the guidelines say (line 76). Without it the timeline ends with the dated periods.
* ``indicizzazione`` (optional): how tariffs go on past the timeline (:mod:`.indexation`);
  without it a period past the timeline is refused.
* ``parameters``: each ``{values: {date: value}, source_line, note}`` (or ``{value}``, or the bare
  value) — dated values with their reference (:mod:`.parameters`). ``ENGINE_PARAMETERS`` are read
  by the cost engine; any other parameter must be referred to by an item.
* ``rate_lists`` (optional): dated rate lists shared by several items (``periods: aid_group``).
* ``items``: one per code, with dated ``periods`` ``[{from, to, rate, group_size?,
  district_rate?, fud_contribution?, source_line}]`` and the rules of the sheet as data: who pays
  (``payer``: who pays the rest, default the comune; ``shares``: other payers' shares;
  ``district_share`` / ``comune_share`` as shorthands), the eligibility of a plan's options
  (``uplift_allowed``, ``second_comune_share``, ``placed_minor_district_share``,
  ``group_pricing``, ``min_weeks``/``max_weeks``), ``continues_as`` (an item that becomes another
  after some months), ``closing_units`` (units charged once at the end of a plan),
  ``operator_alternative``.

Every problem raises one :class:`InputError` naming the file, the key (e.g.
``items[3].periods[1].from``) and its line, what was expected and what was found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.io import read_yaml_document
from cscplan.metadata.fields import CODE_PATTERN, RATE_BASES
from cscplan.metadata.fields import TARIFF_UNITS as UNITS
from cscplan.metadata.fields import VAT_KINDS as VAT
from cscplan.periods import Period
from cscplan.tariffs.billing import BILLING, BillingRules, read_billing
from cscplan.tariffs.indexation import OPEN_END, STEPS, Step, indexed_rates, read_steps, sort_rates
from cscplan.tariffs.parameters import Parameter, parameter_spec, parse_parameter
from cscplan.vocabulary import COMUNE, DISTRICT, PAYERS
from cscplan.yamlspec import (
    Choice,
    Date,
    Either,
    Flag,
    Integer,
    ListOf,
    MapOf,
    Number,
    OneOrMany,
    Record,
    Spec,
    Text,
    Where,
    at_most_one,
    it_date,
    not_above,
    not_before,
    optional,
    required,
    show,
)

QTY_UNITS = ("hour", "day")
PARAMETER_NAME = r"[a-z][a-z0-9_]*"
SHARE = Number(minimum=0, maximum=1, text="una quota tra 0 e 1 (es. 0.8 per l'80%)")
VAT_RATE = Number(
    minimum=0, below=1, text="un'aliquota IVA tra 0 e 1, 1 escluso (es. 0.05 per il 5%)"
)
AMOUNT = Number(minimum=0)
UNITS_COUNT = Number(minimum=0, text="un numero di unità ≥ 0 (es. 3)")
LINE = Integer(minimum=1)
NAME = Text(pattern=PARAMETER_NAME, expected="il nome di un parametro")

ENGINE_PARAMETERS = {  # name → contract of its values; each is read by cscplan.tariffs.engine
    "vat_rate": VAT_RATE,
    "abatement_share": SHARE,
    "abatement_cap_month": AMOUNT,
    "uplift": Number(minimum=0, text="un numero ≥ 0 (es. 0.20 per il +20%)"),
}
OPTIONAL_PARAMETERS = {  # engine parameters with a default (the literal reading of the sheets)
    "abatement_cap_pro_rata": (Flag(), False),
}
BASIS_DATED, BASIS_CONTINUED, BASIS_INDEXED = RATE_BASES
REMAINDER_PAYERS = tuple(p for p in PAYERS if p != DISTRICT)
# roles of the values an item refers to (a parameter or an inline number)
SHARE_ROLE = "share:"  # + payer id
SECOND_COMUNE, PLACED_MINOR, CLOSING_UNITS = "second_comune", "placed_minor", "closing_units"
ROLE_KEYS = {  # item key → role of the value it names, and the value's contract
    "second_comune_share": (SECOND_COMUNE, SHARE),
    "placed_minor_district_share": (PLACED_MINOR, SHARE),
    "closing_units": (CLOSING_UNITS, UNITS_COUNT),
}


def _or_name(spec: Spec) -> Either:
    return Either((spec, NAME))


@dataclass(frozen=True)
class ListOrName(Spec):
    """A list (read by ``items``) or the name of a shared list (read as text)."""

    items: ListOf
    expected: str = "un elenco di periodi o il nome di un elenco in rate_lists"

    def read(self, value, path, where):
        if isinstance(value, str):
            return NAME.read(value, path, where)
        return self.items.read(value, path, where)


PERIOD = Record(
    {
        "from": required(Date()),
        "to": required(Date()),
        "rate": required(AMOUNT),
        "group_size": optional(OneOrMany(Integer(minimum=1))),
        "district_rate": optional(AMOUNT),
        "fud_contribution": optional(AMOUNT),
        "source_line": required(LINE),
    },
    rules=[not_before("to", "from"), not_above("district_rate", "rate")],
)
PERIODS = ListOrName(ListOf(PERIOD, min_items=1))
CONTINUATION = Record(
    {
        "item": required(Text(pattern=CODE_PATTERN, expected="un codice voce")),
        "after_months": required(Integer(minimum=1)),
        "source_line": required(LINE),
        "note": optional(Text(strip=False), ""),
    }
)
ITEM = Record(
    {
        "code": required(Text(pattern=CODE_PATTERN, expected="un codice MAIUSCOLO_CON_TRATTINI")),
        "service": required(Text()),
        "label": required(Text()),
        "unit": required(Choice(UNITS)),
        "vat": required(Choice(VAT)),
        "payer": optional(Choice(REMAINDER_PAYERS), COMUNE),
        "shares": optional(MapOf(Choice(PAYERS), _or_name(SHARE))),
        "district_share": optional(_or_name(SHARE)),
        "comune_share": optional(_or_name(SHARE)),
        "abatement": optional(Flag(), False),
        "abatement_capped": optional(Flag(), True),
        "uplift_allowed": optional(Flag(), False),
        "second_comune_share": optional(_or_name(SHARE)),
        "placed_minor_district_share": optional(_or_name(SHARE)),
        "min_weeks": optional(Integer(minimum=1)),
        "max_weeks": optional(Integer(minimum=1)),
        "group_pricing": optional(Flag(), False),
        "continues_as": optional(CONTINUATION),
        "closing_units": optional(_or_name(UNITS_COUNT)),
        "operator_alternative": optional(Text(pattern=CODE_PATTERN, expected="un codice voce")),
        "source_line": required(LINE),
        "note": optional(Text(strip=False), ""),
        "periods": required(PERIODS),
    },
    rules=[
        at_most_one("district_share", "comune_share", "shares"),
        not_above("min_weeks", "max_weeks"),
    ],
)
VALIDITY = Record(
    {
        "from": required(Date()),
        "to": required(Date()),
        "source_line": optional(LINE),
        "note": optional(Text(strip=False), ""),
    },
    rules=[not_before("to", "from")],
)


@dataclass(frozen=True)
class Steps(Spec):
    """The ``indicizzazione`` key: one step or a list of steps (:mod:`.indexation`)."""

    expected: str = STEPS.expected

    def read(self, value, path, where):
        return read_steps(value, path, where)


def _parameters_spec() -> Record:
    fields = {name: required(parameter_spec(spec)) for name, spec in ENGINE_PARAMETERS.items()}
    fields |= {
        name: optional(parameter_spec(spec)) for name, (spec, _) in OPTIONAL_PARAMETERS.items()
    }
    return Record(fields, extra=parameter_spec(Number()), extra_key=PARAMETER_NAME)


TARIFF_FILE = Record(
    {
        "document": optional(Text()),
        "source": optional(Text()),
        "validity": optional(VALIDITY),
        "indicizzazione": optional(Steps()),
        "parameters": required(_parameters_spec()),
        "rate_lists": optional(MapOf(NAME, ListOf(PERIOD, min_items=1)), {}),
        "items": required(ListOf(ITEM, min_items=1)),
        "billing": optional(BILLING),
    }
)
ITEM_COLUMNS = list(metadata.dtypes("tariff_items"))
RATE_COLUMNS = list(metadata.dtypes("tariff_rates"))
VALUE_COLUMNS = ["code", "role", "value", "complement"]


@dataclass(frozen=True)
class TariffSchedule:
    """Validated schedule: one row per item, dated rates, dated parameters.

    ``values`` holds every timeline an item refers to (the named parameters and the numbers
    written in an item, e.g. ``district_share: 0.5``); ``item_values`` says which item refers to
    which value in which role (``share:<payer>``, ``second_comune``, ``placed_minor``,
    ``closing_units``; ``complement`` = 1 − the value, for ``comune_share``).
    """

    items: pd.DataFrame
    rates: pd.DataFrame
    parameters: dict[str, Parameter]
    source: str
    parameter_lines: dict = field(default_factory=dict)
    item_values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VALUE_COLUMNS))
    values: dict[str, Parameter] = field(default_factory=dict)
    start: dt.date | None = None  # first day of the timeline
    dated_end: dt.date | None = None  # last day every item has a dated value for
    end: dt.date | None = None  # last day covered (OPEN_END when indexed without end)
    validity_line: int | None = None
    validity_note: str = ""
    indexation: tuple[Step, ...] = ()
    billing: BillingRules = field(default_factory=BillingRules)
    """How delivered minutes become billable units (``billing`` key, :mod:`.billing`)."""

    @cached_property
    def period(self) -> Period:
        """The default costed period: the days every item has a rate dated by the document."""
        first = self.start or self.rates["valid_from"].min()
        last = self.dated_end or self.rates["valid_to"].max()
        return Period.between(first, last)

    @cached_property
    def coverage(self) -> Period:
        """Every day a rate is in force: dated, continued for the document's validity, indexed."""
        first = self.start or self.rates["valid_from"].min()
        return Period.between(first, self.end or self.rates["valid_to"].max())

    @cached_property
    def derived(self) -> dict:
        """Arrays derived once per schedule by its readers (the engine's item and rate arrays);
        the frames are never modified in place, so what is derived stays true."""
        return {}

    @property
    def open_ended(self) -> bool:
        return self.coverage.end >= OPEN_END

    def value(self, name: str, day: dt.date) -> Any:
        """The parameter ``name`` in force on ``day``."""
        return self.parameters[name].at(day)

    def describe_coverage(self) -> str:
        """Italian: the covered days and why (dated, continued by the validity, indexed)."""
        start = it_date(self.coverage.start)
        if self.open_ended:
            steps = ", ".join(step.text for step in self.indexation)
            return f"dal {start}, indicizzate {steps}"
        text = f"{self.coverage.span}"
        if self.coverage.end > self.period.end:
            line = f" (riga {self.validity_line})" if self.validity_line else ""
            text += (
                f": tariffe datate fino al {it_date(self.period.end)}, poi in vigore fino al "
                f"{it_date(self.coverage.end)} per la validità del documento{line}"
            )
        return text


def load_schedule(path: str | Path) -> TariffSchedule:
    """Read and validate a tariff YAML file; any defect raises InputError."""
    document = read_yaml_document(path)
    return parse_schedule(document.data, document.source, document.lines)


def parse_schedule(data: Any, source: str, lines: dict | None = None) -> TariffSchedule:
    """Validate an already-parsed YAML mapping (``lines``: key path → file line, if known)."""
    where = Where(source, lines or {})
    spec = TARIFF_FILE.read(data, "", where)
    lists = spec["rate_lists"]
    start = _start(spec, lists)
    parameters = _parameters(spec["parameters"], start, where)
    items, rates, values = [], [], []
    for i, raw in enumerate(spec["items"]):
        item, item_rates = _item(raw, f"items[{i}]", lists, where, parameters, start)
        items.append(item)
        rates.extend(item_rates)
        values.extend(item_value_rows(raw, f"items[{i}]"))
    _check_unique_codes(items, where)
    _check_links(spec["items"], where)
    validity = spec["validity"]
    dated_end = _check_coverage(rates, start, validity, where)
    timelines = _values(values, parameters, start, where)
    _check_parameters_read(parameters, values, where)
    _check_shares(spec["items"], values, timelines, where)
    end = validity["to"] if validity else _common_end(rates)
    frame = _rates_frame(rates)
    if validity:
        frame = _continued(frame, validity, source)
    row = where.row("indicizzazione")
    frame = indexed_rates(frame, spec["indicizzazione"] or (), end, source, row=row)
    steps = spec["indicizzazione"] or ()
    if any(step.start > end for step in steps):
        end = OPEN_END
    return TariffSchedule(
        items=_items_frame(items),
        rates=frame,
        parameters=parameters,
        source=source,
        parameter_lines={name: p.source_line for name, p in parameters.items()},
        item_values=pd.DataFrame(
            [{k: row[k] for k in VALUE_COLUMNS} for row in values], columns=VALUE_COLUMNS
        ),
        values=timelines,
        start=start,
        dated_end=dated_end,
        end=end,
        validity_line=validity["source_line"] if validity else None,
        validity_note=validity["note"] if validity else "",
        indexation=steps,
        billing=read_billing(spec["billing"], {item["code"] for item in items}, where),
    )


def rate_in_force(
    schedule: TariffSchedule, code: str, day: dt.date, group_size: int | None = None
) -> float:
    """The rate of ``code`` on ``day`` (for group-priced items: per member of a group of that size)."""
    items = schedule.items.set_index("code")
    if code not in items.index:
        raise InputError(schedule.source, "un codice voce del tariffario", repr(code), key="code")
    rates = schedule.rates[schedule.rates["code"] == code]
    if bool(items.at[code, "group_pricing"]):
        size = 1 if group_size is None or pd.isna(group_size) else int(group_size)
        rates = rates[rates["group_size"] == size]
        if rates.empty:
            raise InputError(
                schedule.source, f"una dimensione di gruppo prevista per {code}", str(size)
            )
    stamp = pd.Timestamp(day)
    hit = rates[(rates["valid_from"] <= stamp) & (rates["valid_to"] >= stamp)]
    if hit.empty:
        raise InputError(
            schedule.source, f"una data coperta dal tariffario per {code}", it_date(stamp)
        )
    return float(hit.iloc[0]["rate"])


# --- parameters and the values items refer to ---------------------------------------------------


def _start(spec: dict, lists: dict) -> dt.date:
    """The timeline's first day: the validity's ``from``, else the earliest dated period."""
    if spec["validity"]:
        return spec["validity"]["from"]
    periods = [
        p for raw in spec["items"] if not isinstance(raw["periods"], str) for p in raw["periods"]
    ]
    periods += [p for rows in lists.values() for p in rows]
    return min(p["from"] for p in periods)


def _parameters(entries: dict, start: dt.date, where: Where) -> dict[str, Parameter]:
    parameters = {}
    for name, entry in entries.items():
        if entry is None:  # an optional engine parameter left out: its default (literal reading)
            parameters[name] = Parameter.constant(name, OPTIONAL_PARAMETERS[name][1], start)
            continue
        parameter = parse_parameter(name, entry, start)
        if parameter.first > start:
            where.fail(
                f"parameters.{name}.values",
                f"un valore in vigore dal primo giorno del tariffario ({it_date(start)})",
                f"il primo valore è del {it_date(parameter.first)}",
            )
        parameters[name] = parameter
    return parameters


def item_value_rows(raw: dict, key: str) -> list[dict]:
    """The values an item refers to: ``{code, role, value, complement, key, spec}`` per role,
    ``value`` a parameter name or a number."""
    code, rows = raw["code"], []

    def add(role: str, value, path: str, spec: Spec, complement: bool = False) -> None:
        rows.append(
            {"code": code, "role": role, "value": value, "complement": complement}
            | {"key": path, "spec": spec}
        )

    if raw.get("district_share") is not None:
        add(SHARE_ROLE + DISTRICT, raw["district_share"], f"{key}.district_share", SHARE)
    if raw.get("comune_share") is not None:  # the comune pays this, the district the rest
        add(SHARE_ROLE + DISTRICT, raw["comune_share"], f"{key}.comune_share", SHARE, True)
    for payer, value in (raw.get("shares") or {}).items():
        add(SHARE_ROLE + payer, value, f"{key}.shares.{payer}", SHARE)
    for name, (role, spec) in ROLE_KEYS.items():
        if raw.get(name) is not None:
            add(role, raw[name], f"{key}.{name}", spec)
    return rows


def _values(
    rows: list[dict], parameters: dict[str, Parameter], start: dt.date, where: Where
) -> dict[str, Parameter]:
    """Every timeline items refer to: named parameters (checked against the role's contract at
    every date) and inline numbers (constant from ``start``, named after their key)."""
    timelines = dict(parameters)
    for row in rows:
        value, spec = row["value"], row["spec"]
        if isinstance(value, str):
            if value not in parameters:
                where.fail(
                    row["key"],
                    "il nome di un parametro ({})".format(", ".join(parameters)),
                    repr(value),
                )
            for day, number in zip(parameters[value].dates, parameters[value].values, strict=True):
                if isinstance(number, bool) or not spec.within(number):
                    where.fail(
                        f"parameters.{value}",
                        f"{spec.expected} (letta da {row['key']}, dal {it_date(day)})",
                        show(number),
                    )
        else:
            timelines[row["key"]] = Parameter.constant(row["key"], value, start)
            row["value"] = row["key"]
    return timelines


def _check_parameters_read(parameters: dict, rows: list[dict], where: Where) -> None:
    """Every parameter is read: by the engine or by an item."""
    referenced = {row["value"] for row in rows}
    for name in parameters:
        if (
            name not in ENGINE_PARAMETERS
            and name not in OPTIONAL_PARAMETERS
            and name not in referenced
        ):
            where.fail(
                f"parameters.{name}",
                "parametri letti da una regola (dal motore di calcolo o da una voce, es. "
                f"comune_share: {name})",
                f"'{name}' non è letto da nessuna voce",
            )


def _check_shares(items: list[dict], rows: list[dict], timelines: dict, where: Where) -> None:
    """Per item: the payer paying the rest takes no share, and the shares never exceed 1."""
    by_code: dict[str, list[dict]] = {}
    for row in rows:
        if row["role"].startswith(SHARE_ROLE):
            by_code.setdefault(row["code"], []).append(row)
    for raw in items:
        shares = by_code.get(raw["code"], [])
        for row in shares:
            if row["role"] == SHARE_ROLE + raw["payer"]:
                where.fail(
                    row["key"],
                    f"una quota di un pagatore diverso da '{raw['payer']}' (che paga il resto)",
                    row["role"].removeprefix(SHARE_ROLE),
                )
        days = sorted({d for row in shares for d in timelines[row["value"]].dates})
        for day in days:
            total = sum(share_value(timelines, row, day) for row in shares)
            if total > 1 + 1e-9:
                where.fail(
                    shares[-1]["key"],
                    f"quote dei pagatori che sommano al più a 1 per {raw['code']}",
                    f"{total:g} dal {it_date(day)}",
                )


def share_value(timelines: dict, row: dict, day: dt.date) -> float:
    value = float(timelines[row["value"]].at(day))
    return 1.0 - value if row["complement"] else value


# --- items --------------------------------------------------------------------------------------


def _item(
    raw: dict, key: str, lists: dict, where: Where, parameters: dict, start: dt.date
) -> tuple[dict, list[dict]]:
    code = raw["code"]
    periods, base = raw["periods"], f"{key}.periods"
    if isinstance(periods, str):
        if periods not in lists:
            where.fail(
                base,
                "il nome di un elenco in rate_lists ({})".format(", ".join(lists)),
                repr(periods),
            )
        periods, base = lists[periods], f"rate_lists.{periods}"
    rates = [
        {
            "code": code,
            "valid_from": period["from"],
            "valid_to": period["to"],
            "rate": period["rate"],
            "district_rate": _or_nan(period["district_rate"]),
            "fud_contribution": _or_nan(period["fud_contribution"]),
            "source_line": period["source_line"],
            "group_size": size,
            "_key": f"{base}[{j}]",
        }
        for j, period in enumerate(periods)
        for size in _group_sizes(raw, period, f"{base}[{j}]", where)
    ]
    continuation = raw["continues_as"] or {}
    item = {name: raw[name] for name in ("code", "service", "label", "unit", "vat", "note")}
    item |= {name: raw[name] for name in ("abatement", "abatement_capped", "uplift_allowed")}
    item |= {
        "payer": raw["payer"],
        "district_share": _district_share(raw, rates, parameters, start),
        "second_comune_allowed": raw["second_comune_share"] is not None,
        "placed_minor_allowed": raw["placed_minor_district_share"] is not None,
        "qty_required": raw["unit"] in QTY_UNITS,
        "min_weeks": pd.NA if raw["min_weeks"] is None else raw["min_weeks"],
        "max_weeks": pd.NA if raw["max_weeks"] is None else raw["max_weeks"],
        "group_pricing": raw["group_pricing"],
        "continues_as": continuation.get("item", ""),
        "continues_after_months": continuation.get("after_months", pd.NA),
        "closing_units": raw["closing_units"] is not None,
        "operator_alternative": raw["operator_alternative"] or "",
        "source_line": raw["source_line"],
        "_key": key,
    }
    return item, rates


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _group_sizes(item: dict, period: dict, key: str, where: Where) -> list[int | None]:
    sizes = period["group_size"]
    if item["group_pricing"] and sizes is None:
        where.fail(key, f"group_size per la voce a tariffa di gruppo {item['code']}", "nessuno")
    if not item["group_pricing"] and sizes is not None:
        where.fail(
            f"{key}.group_size",
            f"nessun group_size ({item['code']} non ha group_pricing: true)",
            ", ".join(map(str, sizes)),
        )
    return [None] if sizes is None else sizes


def _district_share(raw: dict, rates: list[dict], parameters: dict, start: dt.date) -> float:
    """For the items table: the district's share the item names (a number, or a parameter's
    value on the timeline's first day), else the first period's ``district_rate`` as a fraction
    of its rate, else 0."""

    def value_of(value) -> float:
        if isinstance(value, str):
            return float(parameters[value].at(start)) if value in parameters else 0.0
        return value

    for name, complement in (("district_share", False), ("comune_share", True)):
        if raw[name] is not None:
            return 1 - value_of(raw[name]) if complement else value_of(raw[name])
    share = (raw["shares"] or {}).get(DISTRICT)
    if share is not None:
        return value_of(share)
    first = rates[0]
    if pd.notna(first["district_rate"]) and first["rate"] > 0:
        return first["district_rate"] / first["rate"]
    return 0.0


def _check_links(items: list[dict], where: Where) -> None:
    """``continues_as`` and ``operator_alternative`` name another item priced alike."""
    by_code = {raw["code"]: raw for raw in items}
    for i, raw in enumerate(items):
        links = []
        if raw["continues_as"]:
            links.append(
                ("continues_as.item", raw["continues_as"]["item"], ("unit", "vat", "group_pricing"))
            )
        if raw["operator_alternative"]:
            links.append(
                (
                    "operator_alternative",
                    raw["operator_alternative"],
                    ("service", "unit", "group_pricing"),
                )
            )
        for name, target, same in links:
            key = f"items[{i}].{name}"
            other = by_code.get(target)
            if other is None or target == raw["code"]:
                where.fail(key, "il codice di un'altra voce del tariffario", repr(target))
            for column in same:
                if other[column] != raw[column]:
                    where.fail(
                        key,
                        f"una voce con lo stesso {column} di {raw['code']}",
                        f"{target} ({column}: {other[column]})",
                    )
            if name.startswith("continues_as") and other["continues_as"]:
                where.fail(key, "una voce che non prosegue a sua volta in un'altra", target)


# --- whole-schedule checks ----------------------------------------------------------------------


def _check_unique_codes(items: list[dict], where: Where) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if item["code"] in seen:
            where.fail(
                f"{item['_key']}.code",
                "codici voce univoci",
                f"{item['code']} già definito in {seen[item['code']]}",
            )
        seen[item["code"]] = item["_key"]


def _check_coverage(
    rates: list[dict], first: dt.date, validity: dict | None, where: Where
) -> dt.date:
    """Per (code, group_size), periods run from ``first`` without overlap or gap, all to the same
    last dated day (the validity then continues them). Returns that day."""
    groups: dict[tuple, list[dict]] = {}
    for row in rates:
        groups.setdefault((row["code"], row["group_size"]), []).append(row)
    last_allowed = validity["to"] if validity else max(r["valid_to"] for r in rates)
    dated_end = min(max(r["valid_to"] for r in rates), last_allowed)
    for (code, size), rows in groups.items():
        label = code if size is None else f"{code} (gruppo di {size})"
        expected, previous = first, None
        for row in sorted(rows, key=lambda r: r["valid_from"]):
            start, end = row["valid_from"], row["valid_to"]
            if start < first or end > last_allowed:
                where.fail(
                    f"{row['_key']}.{'from' if start < first else 'to'}",
                    f"periodi dal {it_date(first)} al {it_date(last_allowed)} per {label}",
                    f"dal {it_date(start)} al {it_date(end)}",
                )
            if start < expected:
                where.fail(
                    f"{row['_key']}.from",
                    f"periodi senza sovrapposizioni per {label}",
                    f"il periodo dal {it_date(start)} al {it_date(end)} si sovrappone a quello "
                    f"dal {it_date(previous['valid_from'])} al {it_date(previous['valid_to'])}",
                )
            if start > expected:
                where.fail(
                    f"{row['_key']}.from",
                    f"periodi contigui per {label}",
                    f"nessuna tariffa dal {it_date(expected)} al "
                    f"{it_date(start - dt.timedelta(days=1))}",
                )
            expected, previous = end + dt.timedelta(days=1), row
        if expected <= dated_end:
            where.fail(
                f"{previous['_key']}.to",
                f"periodi contigui fino al {it_date(dated_end)} per {label} (l'ultimo giorno "
                "datato del tariffario, per ogni voce)",
                f"nessuna tariffa dal {it_date(expected)} al {it_date(dated_end)}",
            )
    return dated_end


def _common_end(rates: list[dict]) -> dt.date:
    return max(r["valid_to"] for r in rates)


def _continued(rates: pd.DataFrame, validity: dict, source: str) -> pd.DataFrame:
    """Each (item, group)'s last dated rate continued to the validity's end, labelled."""
    end = pd.Timestamp(validity["to"])
    last = rates.groupby(["code", rates["group_size"].fillna(0)], sort=False)["valid_to"].transform(
        "max"
    )
    tail = rates[(rates["valid_to"] == last) & (rates["valid_to"] < end)]
    if tail.empty:
        return rates
    line = validity["source_line"]
    note = (
        f"continuazione della tariffa in vigore al {it_date(tail['valid_to'].max())}"
        f" fino al {it_date(validity['to'])} (validità del documento"
        + (f", riga {line})" if line else ")")
    )
    extra = tail.assign(
        valid_from=tail["valid_to"] + pd.Timedelta(days=1),
        valid_to=end,
        basis=BASIS_CONTINUED,
        basis_line=pd.array([line] * len(tail), dtype="Int64"),
        basis_note=note,
    )
    return sort_rates(pd.concat([rates, extra], ignore_index=True))


# --- frames -------------------------------------------------------------------------------------

ITEM_KINDS = {
    "district_share": float,
    "source_line": int,
    "min_weeks": "Int64",
    "max_weeks": "Int64",
    "continues_after_months": "Int64",
} | dict.fromkeys(
    (
        "abatement",
        "abatement_capped",
        "uplift_allowed",
        "qty_required",
        "group_pricing",
        "second_comune_allowed",
        "placed_minor_allowed",
        "closing_units",
    ),
    bool,
)
RATE_KINDS = {
    "valid_from": "datetime64[ns]",
    "valid_to": "datetime64[ns]",
    "group_size": "Int64",
    "basis_line": "Int64",
    "rate": float,
    "district_rate": float,
    "fud_contribution": float,
    "source_line": int,
}


def _items_frame(items: list[dict]) -> pd.DataFrame:
    """One row per item, typed as the registry's ``tariff_items`` (built column by column)."""
    return pd.DataFrame(
        {
            name: _typed([item[name] for item in items], ITEM_KINDS.get(name, object))
            for name in ITEM_COLUMNS
        },
        copy=False,
    )


def _rates_frame(rates: list[dict]) -> pd.DataFrame:
    """One row per (item, group size, period), sorted so, typed as the registry's
    ``tariff_rates``; every row read from the file is ``basis: datata``."""
    rates = sorted(rates, key=lambda r: (r["code"], r["group_size"] or 0, r["valid_from"]))
    rates = [r | {"basis": BASIS_DATED, "basis_line": None, "basis_note": ""} for r in rates]
    return pd.DataFrame(
        {
            name: _typed([rate[name] for rate in rates], RATE_KINDS.get(name, object))
            for name in RATE_COLUMNS
        },
        copy=False,
    )


def _typed(values: list, kind) -> Any:
    if kind == "Int64":
        return pd.array([pd.NA if v is None or v is pd.NA else v for v in values], dtype="Int64")
    if kind == "datetime64[ns]":
        return np.array(values, dtype="datetime64[D]").astype("datetime64[ns]")
    if kind is object:  # plain Python strings, as the engine expects (not pandas' str dtype)
        return pd.Series(values, dtype=object)
    return np.array(values, dtype=kind)


def build_schedule(
    items: pd.DataFrame,
    rates: pd.DataFrame,
    parameters: dict[str, Any],
    source: str,
    item_values: list[dict] | None = None,
) -> TariffSchedule:
    """A schedule from frames (tests, tools): missing item and rate columns get their defaults,
    plain parameter values become constant from the first rate's day, ``item_values`` rows are
    ``{code, role, value, complement?}`` (a number or a parameter name)."""
    start = pd.Timestamp(rates["valid_from"].min()).date()
    params = {
        name: value if isinstance(value, Parameter) else Parameter.constant(name, value, start)
        for name, value in parameters.items()
    }
    for name, (_, default) in OPTIONAL_PARAMETERS.items():
        params.setdefault(name, Parameter.constant(name, default, start))
    timelines, rows = dict(params), []
    for i, row in enumerate(item_values or []):
        value = row["value"]
        if not isinstance(value, str):
            name = f"{row['code']}.{row['role']}.{i}"
            timelines[name] = Parameter.constant(name, value, start)
            value = name
        rows.append(
            {
                "code": row["code"],
                "role": row["role"],
                "value": value,
                "complement": row.get("complement", False),
            }
        )
    end = pd.Timestamp(rates["valid_to"].max()).date()
    return TariffSchedule(
        items=items,
        rates=rates,
        parameters=params,
        source=source,
        item_values=pd.DataFrame(rows, columns=VALUE_COLUMNS),
        values=timelines,
        start=start,
        dated_end=end,
        end=end,
    )


def indexed_schedule(
    schedule: TariffSchedule, steps: tuple[Step, ...], source: str, key: str = "indicizzazione"
) -> TariffSchedule:
    """The schedule with indexation steps (those it does not already hold) applied: past its
    coverage the last rates go on without end, indexed (see :mod:`.indexation`)."""
    steps = tuple(step for step in steps if step not in schedule.indexation)
    if not steps:
        return schedule
    end = schedule.coverage.end
    rates = indexed_rates(schedule.rates, steps, end, source, key)
    beyond = any(step.start > end for step in steps)
    return replace(
        schedule,
        rates=rates,
        end=OPEN_END if beyond else schedule.end,
        indexation=schedule.indexation + steps,
    )
