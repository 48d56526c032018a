"""The billing rules of the tariff book (key ``billing``): delivered minutes → billable units.

The rules are data in ``data/tariffs/tariffario.yaml`` (contract ``BILLING``, read by
:mod:`cscplan.yamlspec`), each number with the guidelines' line that states it
(``data/tariffs/README.md`` gives the readings):

* ``minute_rules``: per group of hour items, the travel minutes added to the direct minutes, the
  rounding step (down) and the minimum unit; ``per_operator`` = each operator present bills;
* ``holiday_items``: weekday item ↔ holiday item pairs (a visit on a Sunday or a national holiday
  is billed at the holiday item whatever the plan says, and a weekday visit at the weekday item);
  the holidays are the country's national ones from the ``holidays`` library (never a typed list);
* ``back_office``: activity codes logged by the provider and never billed;
* ``attendance``: day-centre pairs where the hours attended decide part or full time.

Every item named must be an item of the book; an item in two rules is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cscplan.metadata.fields import CODE_PATTERN
from cscplan.yamlspec import (
    Choice,
    Flag,
    Integer,
    ListOf,
    Number,
    Record,
    Text,
    Where,
    optional,
    required,
)

LINE = Integer(minimum=1)
CODE = Text(pattern=CODE_PATTERN, expected="un codice voce del tariffario")
MINUTES = Record(
    {"value": required(Integer(minimum=0)), "source_line": required(LINE)},
)
HOURS = Record(
    {"value": required(Number(minimum=0, maximum=24)), "source_line": required(LINE)},
)
MINUTE_RULE = Record(
    {
        "name": required(Text(pattern=r"[a-z][a-z0-9_]*", expected="un nome in minuscolo")),
        "label": required(Text()),
        "items": required(ListOf(CODE, min_items=1)),
        "travel_minutes": required(MINUTES),
        "step_minutes": required(MINUTES),
        "minimum_minutes": optional(MINUTES),
        "per_operator": optional(Flag(), True),
        "operators_line": optional(LINE),
        "note": optional(Text(strip=False), ""),
    }
)
PAIR = Record({"weekday": required(CODE), "holiday": required(CODE)})
HOLIDAY_ITEMS = Record(
    {
        "country": required(Choice(("IT",))),
        "pairs": required(ListOf(PAIR, min_items=1)),
        "source_line": required(LINE),
        "note": optional(Text(strip=False), ""),
    }
)
BACK_OFFICE = Record(
    {
        "codes": required(ListOf(Text(expected="un codice attività (es. ADM-13)"), min_items=1)),
        "source_lines": required(ListOf(LINE, min_items=1)),
        "note": optional(Text(strip=False), ""),
    }
)
ATTENDANCE = Record(
    {
        "full": required(CODE),
        "part": required(CODE),
        "part_from_hours": optional(HOURS),
        "full_above_hours": required(HOURS),
        "note": optional(Text(strip=False), ""),
    }
)
BILLING = Record(
    {
        "note": optional(Text(strip=False), ""),
        "minute_rules": required(ListOf(MINUTE_RULE, min_items=1)),
        "holiday_items": optional(HOLIDAY_ITEMS),
        "back_office": optional(BACK_OFFICE),
        "attendance": optional(ListOf(ATTENDANCE), []),
    }
)


@dataclass(frozen=True)
class MinuteRule:
    """How the minutes of one visit of an hour item become billable minutes."""

    name: str
    label: str
    travel: int
    step: int
    minimum: int
    per_operator: bool
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Attendance:
    """A day-centre pair: hours attended above ``full_above`` minutes → the full-time item."""

    full: str
    part: str
    full_above: float  # minutes
    part_from: float | None  # minutes (None: no stated minimum)
    line: int


@dataclass(frozen=True)
class BillingRules:
    """The book's billing rules, by item code."""

    minute_rules: dict[str, MinuteRule] = field(default_factory=dict)
    holiday_of: dict[str, str] = field(default_factory=dict)  # weekday item → holiday item
    weekday_of: dict[str, str] = field(default_factory=dict)  # holiday item → weekday item
    holiday_line: int | None = None
    country: str = "IT"
    back_office: frozenset[str] = frozenset()
    back_office_lines: tuple[int, ...] = ()
    attendance: dict[str, Attendance] = field(default_factory=dict)  # full or part → pair

    def rule_lines(self) -> dict[str, tuple[int, ...]]:
        """Rule name → the guidelines' lines it rests on."""
        return {rule.name: rule.lines for rule in self.minute_rules.values()}


def read_billing(spec: dict | None, codes: set[str], where: Where) -> BillingRules:
    """The validated ``billing`` section (``spec`` already read by ``BILLING``)."""
    if spec is None:
        return BillingRules()
    claimed: dict[str, str] = {}

    def claim(code: str, key: str, owner: str) -> None:
        if code not in codes:
            where.fail(key, "un codice voce del tariffario", repr(code))
        if claimed.setdefault(code, owner) != owner:
            where.fail(
                key, "una voce in una sola regola di fatturazione", f"{code} già in {claimed[code]}"
            )

    rules = {}
    for i, raw in enumerate(spec["minute_rules"]):
        minimum = raw["minimum_minutes"] or {"value": 0, "source_line": None}
        lines = [raw["travel_minutes"]["source_line"], raw["step_minutes"]["source_line"]]
        lines += [minimum["source_line"]] if minimum["source_line"] else []
        if raw["operators_line"]:
            lines.append(raw["operators_line"])
        rule = MinuteRule(
            name=raw["name"],
            label=raw["label"],
            travel=raw["travel_minutes"]["value"],
            step=raw["step_minutes"]["value"] or 1,
            minimum=minimum["value"],
            per_operator=raw["per_operator"],
            lines=tuple(sorted(set(lines))),
        )
        for j, code in enumerate(raw["items"]):
            claim(code, f"billing.minute_rules[{i}].items[{j}]", f"minute_rules[{i}]")
            rules[code] = rule
    holiday_of, weekday_of, holiday_line, country = {}, {}, None, "IT"
    if spec["holiday_items"]:
        section = spec["holiday_items"]
        holiday_line, country = section["source_line"], section["country"]
        for j, pair in enumerate(section["pairs"]):
            for side in ("weekday", "holiday"):
                if pair[side] not in codes:
                    where.fail(
                        f"billing.holiday_items.pairs[{j}].{side}",
                        "un codice voce del tariffario",
                        repr(pair[side]),
                    )
            holiday_of[pair["weekday"]] = pair["holiday"]
            weekday_of[pair["holiday"]] = pair["weekday"]
    attendance = {}
    for j, raw in enumerate(spec["attendance"]):
        part_from = raw["part_from_hours"]
        pair = Attendance(
            full=raw["full"],
            part=raw["part"],
            full_above=raw["full_above_hours"]["value"] * 60,
            part_from=None if part_from is None else part_from["value"] * 60,
            line=raw["full_above_hours"]["source_line"],
        )
        for side in ("full", "part"):
            claim(raw[side], f"billing.attendance[{j}].{side}", f"attendance[{j}]")
            attendance[raw[side]] = pair
    office = spec["back_office"] or {"codes": [], "source_lines": []}
    return BillingRules(
        minute_rules=rules,
        holiday_of=holiday_of,
        weekday_of=weekday_of,
        holiday_line=holiday_line,
        country=country,
        back_office=frozenset(code.strip().upper() for code in office["codes"]),
        back_office_lines=tuple(office["source_lines"]),
        attendance=attendance,
    )
