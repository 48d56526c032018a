"""Vectorised cost engine: caseload × tariff schedule → monthly costs per plan and payer.

Cost semantics (the reference oracle in ``tests/reference_engine.py`` walks them day by day):

* a plan is active on every day from ``start`` to ``end`` inclusive, clipped to the costed period
  (a :class:`~cscplan.periods.Period`, any span inside the schedule's coverage; by default the
  days the schedule's dated values cover);
* hour/day items: each active day carries ``qty_per_week / 7`` units at the rate in force on that
  day (per-member group rates when the item has group pricing; no ``group_size`` = 1), plus the
  rate row's ``fud_contribution`` (CDD's "Alimenta quota FUD", paid by the comune on top of the
  rate, lines 1463–1465);
* month items: rate × active days / days in month; week items: rate × active days / 7;
  package items: one unit at the rate of the start day, in the start month (start in the period);
* ``continues_as``: a plan of such an item (affido in pronto intervento) is priced at that item's
  rate for its first ``after_months`` months from ``start`` and at the target item's rate from
  then on (line 1511); its rows keep the plan's item;
* ``closing_units``: ``units`` more units, at the rate in force on the plan's ``end``, charged in
  the month of ``end`` when it lies in the period (SAAP upper secondary: 3 coordination hours
  logged at the end of the project, line 1432);
* parameters (:mod:`.parameters`) are dated by month: each month uses the values in force on its
  first costed day; uplift: rate × (1 + ``uplift``) when the plan's ``uplift`` flag is set and the
  item allows it;
* VAT: ``added`` items pay ``net × vat_rate``; ``included``/``none`` pay none; gross = net + VAT;
* payers (``data/payers.csv``): the district pays ``quantity × district_rate`` where the rate row
  states a district € amount, otherwise ``gross × its share`` (placed minors: the item's
  ``placed_minor_district_share``); every other payer with a share pays ``gross × share``; the
  item's ``payer`` (default the comune) pays the rest. For abatement items (affido, CDM), when the
  ``district_abatement`` flag is on, the district also takes ``abatement_share`` of the comune's
  part of each month, capped at ``abatement_cap_month`` for items with ``abatement_capped``
  (affido, line 1525) — the full cap in every month the plan is active (the literal reading), or
  × active days / days in month with ``abatement_cap_pro_rata``;
* a plan with a ``second_comune`` is emitted as two rows, the second carrying the item's
  ``second_comune_share`` of every amount (quantity too) and the first the remainder;
* money is kept unrounded and rounded to cents per output row only: ``net``, ``vat`` and every
  payer but the one paying the rest are rounded, ``gross = net + vat``, and the payer paying the
  rest takes ``gross −`` the others, so the payer columns sum to ``gross`` exactly (rounding is
  NumPy's half-to-even after snapping to 1e-9, see :func:`round_to`).

Optional caseload column ``weight`` (default 1) multiplies a plan: quantities, costs and the
abatement cap (it counts plans fractionally, as scenario volume multipliers do). ``uptake``
(delivered/assigned) multiplies quantities and costs but not the cap.

The engine cuts the period once at month starts and rate-change dates, explodes every plan into
(plan, interval) segments and sums them per month with NumPy; month-level rules (parameters,
payers, the cap) then act on the (plan, month) rows. Scenarios are runs stacked on the same
arrays (:func:`cost_runs`), not loops over plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.periods import Period, resolve_period
from cscplan.tariffs import segments as seg
from cscplan.tariffs.schedule import CLOSING_UNITS, PLACED_MINOR, SECOND_COMUNE, SHARE_ROLE
from cscplan.vocabulary import BASELINE, COMUNE, DISTRICT, PAYER_COLUMNS, PAYERS

COSTS_MONTHLY_COLUMNS = list(metadata.dtypes("costs_monthly"))
REQUIRED_COLUMNS = ["beneficiary_id", "comune", "item", "start", "end", "qty_per_week"]
UNIT_CODES = {"hour": 0, "day": 1, "week": 2, "month": 3, "package": 4}
PAYER_CODE = {payer: code for code, payer in enumerate(PAYERS)}
SHARE_PAYERS = tuple(p for p in PAYERS if p != DISTRICT)  # payers with a share of gross
ROLES = (
    SHARE_ROLE + DISTRICT,
    *(SHARE_ROLE + p for p in SHARE_PAYERS),
    SECOND_COMUNE,
    PLACED_MINOR,
    CLOSING_UNITS,
)
MONTH_PARAMETERS = ("vat_rate", "abatement_share", "abatement_cap_month", "uplift")


@dataclass(frozen=True)
class CostRun:
    """One scenario to cost: its caseload, its schedule and its options (``None`` = the
    schedule's own parameter)."""

    scenario: str
    caseload: pd.DataFrame
    schedule: Any  # cscplan.tariffs.schedule.TariffSchedule
    vat_rate: float | None = None
    district_abatement: bool = True
    uptake: np.ndarray | None = field(default=None, compare=False)
    cap_pro_rata: bool | None = None


def cost_plans(
    caseload: pd.DataFrame,
    schedule: Any,
    period: Period | int | None = None,
    *,
    year: int | None = None,
    vat_rate: float | None = None,
    district_abatement: bool = True,
    uptake: np.ndarray | None = None,
    scenario: str = BASELINE,
    rounded: bool = True,
    cap_pro_rata: bool | None = None,
) -> pd.DataFrame:
    """``costs_monthly`` rows of one caseload under one schedule (see module docstring)."""
    run = CostRun(scenario, caseload, schedule, vat_rate, district_abatement, uptake, cap_pro_rata)
    return cost_runs([run], period, year=year, rounded=rounded)


def cost_runs(
    runs: Sequence[CostRun],
    period: Period | int | None = None,
    *,
    year: int | None = None,
    rounded: bool = True,
) -> pd.DataFrame:
    """``costs_monthly`` for several scenario runs at once (rows in run order, then plan order).

    ``period`` (or the calendar ``year``) defaults to the days the first run's schedule dates.
    """
    months = plan_months(runs, period, year=year)
    return months_frame(months, rounded=rounded)


def costed_period(
    runs: Sequence[CostRun], period: Period | int | None = None, year: int | None = None
) -> Period:
    """The period to cost: the one given, the calendar ``year``, else the schedule's dated span."""
    return resolve_period(period, year, default=runs[0].schedule.period)


# --------------------------------------------------------------------------- rate table


@dataclass(frozen=True)
class RateTable:
    """Rates per key (run, item, group size; see :func:`rate_key`) and period interval."""

    keys: np.ndarray  # sorted encoded keys, one per row of the matrices
    rate: np.ndarray  # keys × intervals (NaN where not in force); the FUD contribution included
    district_rate: np.ndarray  # NaN where the row states no district € amount
    district_kind: np.ndarray  # per key: 0 no district € amount, 1 always, 2 mixed


GROUP_KEYS = 1_000  # group sizes -1 (any), 1, 2, … < GROUP_KEYS - 1 are encoded in a key


def rate_key(run, item, group_size) -> np.ndarray:
    """One int64 per (run, position of the item in the run's schedule, group size or -1)."""
    run, item = np.asarray(run, np.int64), np.asarray(item, np.int64)
    size = np.clip(np.asarray(group_size, np.int64), -1, GROUP_KEYS - 2)
    return (run * 1_000_000 + item) * GROUP_KEYS + size + 1


def rate_table(runs: Sequence[CostRun], period: Period) -> tuple[RateTable, seg.Intervals]:
    rows = pd.concat([_run_rates(run, index) for index, run in enumerate(runs)], ignore_index=True)
    first, last = rows["first"].to_numpy(), rows["last"].to_numpy()
    # parameters change on month starts, where the period is cut anyway
    intervals = seg.period_intervals(period, np.concatenate([first, last + 1]))
    keys, key = np.unique(rows["key"].to_numpy(), return_inverse=True)
    shape = (len(keys), len(intervals.starts))
    rate = np.full(shape, np.nan)
    district_rate = np.full(shape, np.nan)
    # each rate row is in force on a contiguous run of intervals (the period is cut at its dates)
    lo = np.searchsorted(intervals.starts, first, side="left")
    hi = np.searchsorted(intervals.ends, last, side="right")
    count = np.maximum(hi - lo, 0)
    row = np.repeat(np.arange(len(rows)), count)
    interval = lo[row] + np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    rate[key[row], interval] = rows["rate"].to_numpy(float)[row]
    district_rate[key[row], interval] = rows["district_rate"].to_numpy(float)[row]
    stated = ~np.isnan(district_rate)
    priced = ~np.isnan(rate)
    kind = np.where(
        (stated == priced).all(axis=1) & stated.any(axis=1), 1, np.where(stated.any(axis=1), 2, 0)
    )
    return RateTable(keys, rate, district_rate, kind), intervals


def _run_rates(run: CostRun, index: int) -> pd.DataFrame:
    rows = _cached(run.schedule, "rates", _rate_rows)
    return pd.DataFrame(
        {"key": rate_key(index, rows["item"], rows["group"])}
        | {name: rows[name] for name in ("first", "last", "rate", "district_rate")}
    )


def _rate_rows(schedule: Any) -> dict[str, np.ndarray]:
    """The schedule's rate rows as arrays: item position, group, day numbers, € amounts (the
    FUD contribution added to the rate)."""
    rates, items = schedule.rates, schedule.items
    fud = rates["fud_contribution"].to_numpy(float) if "fud_contribution" in rates else 0.0
    return {
        "item": pd.Index(items["code"]).get_indexer(rates["code"]),
        "group": rates["group_size"].astype("Int64").fillna(-1).to_numpy(int),
        "first": seg.day_numbers(rates["valid_from"]),
        "last": seg.day_numbers(rates["valid_to"]),
        "rate": rates["rate"].to_numpy(float) + np.nan_to_num(fud),
        "district_rate": rates["district_rate"].to_numpy(float),
    }


def _cached(schedule: Any, name: str, build):
    """``build(schedule)``, once per schedule (kept in ``schedule.derived`` when it has one)."""
    store = getattr(schedule, "derived", None)
    if store is None:
        return build(schedule)
    if name not in store:
        store[name] = build(schedule)
    return store[name]


# --------------------------------------------------------------------------- month values


@dataclass(frozen=True)
class MonthValues:
    """Values per month of the period: engine parameters per run (``runs × months``) and the
    values items refer to (``rows × months``; the last row is 0, for "none")."""

    engine: dict[str, np.ndarray]  # name → runs × months
    pro_rata: np.ndarray  # runs × months (bool)
    table: np.ndarray  # value rows × months
    constant: bool  # every row of ``table`` is the same in every month

    def of(self, index: np.ndarray, month: np.ndarray) -> np.ndarray:
        """The value row ``index`` in ``month`` (element-wise)."""
        if self.constant:
            return self.table[index, 0]
        return self.table[index, month]

    def of_plans(self, index: np.ndarray, p: np.ndarray, month: np.ndarray) -> np.ndarray:
        """The value row ``index`` (one per plan) on each (plan ``p``, ``month``) row."""
        if self.constant:
            return self.table[index, 0][p]
        return self.table[index[p], month]

    def engine_of(self, name: str, run: np.ndarray, month: np.ndarray) -> np.ndarray:
        values = self.engine[name]
        if (values == values[:, :1]).all():
            return values[run, 0]
        return values[run, month]

    def engine_per_plan(self, name: str, run: np.ndarray) -> np.ndarray | None:
        """The engine parameter per plan when it does not change over the period, else None."""
        values = self.engine[name]
        return values[run, 0] if (values == values[:, :1]).all() else None


def month_days(intervals: seg.Intervals) -> np.ndarray:
    """The first costed day of every month of the period (day numbers)."""
    first = np.searchsorted(intervals.month, np.arange(intervals.n_months), side="left")
    return intervals.starts[first]


def _month_values(runs: Sequence[CostRun], days: np.ndarray) -> tuple[MonthValues, list[dict]]:
    """Month values of every run, and per run the value row of each (role, item position)."""
    engine = {name: [] for name in MONTH_PARAMETERS}
    pro_rata, rows, roles = [], [], []
    for run in runs:
        schedule = run.schedule
        for name in MONTH_PARAMETERS:
            engine[name].append(_timeline(schedule, name, days))
        if run.vat_rate is not None:
            engine["vat_rate"][-1] = np.full(len(days), float(run.vat_rate))
        cap = _timeline(schedule, "abatement_cap_pro_rata", days, default=0.0)
        pro_rata.append(
            np.full(len(days), run.cap_pro_rata, bool) if run.cap_pro_rata is not None else cap > 0
        )
        roles.append(_run_roles(schedule, days, rows))
    table = np.vstack([*rows, np.zeros((1, len(days)))]) if rows else np.zeros((1, len(days)))
    for role_rows in roles:  # "none" → the zero row
        for positions in role_rows.values():
            positions[positions < 0] = len(table) - 1
    values = MonthValues(
        engine={name: np.vstack(v) for name, v in engine.items()},
        pro_rata=np.vstack(pro_rata),
        table=table,
        constant=bool((table == table[:, :1]).all()),
    )
    return values, roles


def _timeline(schedule: Any, name: str, days: np.ndarray, default: float | None = None):
    parameter = schedule.parameters.get(name)
    if parameter is None:
        if default is None:
            raise InputError(schedule.source, f"il parametro '{name}'", "assente", key=name)
        return np.full(len(days), default)
    return parameter.on(days)


def _run_roles(schedule: Any, days: np.ndarray, rows: list) -> dict[str, np.ndarray]:
    """Per role: for each item of the schedule, the row of ``rows`` holding its value (−1)."""
    codes = pd.Index(schedule.items["code"])
    out = {role: np.full(len(codes), -1, dtype=np.int64) for role in ROLES}
    for entry in schedule.item_values.itertuples(index=False):
        values = schedule.values[entry.value].on(days)
        rows.append(1.0 - values if entry.complement else values)
        out[entry.role][codes.get_loc(entry.code)] = len(rows) - 1
    return out


# --------------------------------------------------------------------------- plan arrays


@dataclass(frozen=True)
class Plans:
    """Every plan of every run as flat arrays (one element per plan)."""

    run: np.ndarray
    row: np.ndarray  # 0-based position of the plan in its run's caseload
    unit: np.ndarray
    end: np.ndarray  # the plan's last day (day number, not clipped)
    weight: np.ndarray
    scale: np.ndarray  # weight × uptake
    uplift: np.ndarray  # bool: the uplift applies
    vat_added: np.ndarray  # bool
    abatement: np.ndarray  # bool: eligible and the flag on
    capped: np.ndarray  # bool: the abatement has the monthly cap
    remainder: np.ndarray  # code of the payer paying the rest (PAYER_CODE)
    role: dict[str, np.ndarray]  # role → value row (MonthValues.table), per plan
    second: np.ndarray  # bool: a second comune shares the plan
    labels: pd.DataFrame  # scenario, beneficiary_id, comune, second_comune, service, item, source


@dataclass(frozen=True)
class Pieces:
    """What is priced: a plan's days at one rate key (two pieces for a ``continues_as`` plan)."""

    plan: np.ndarray | None  # owner plan of each piece (None: one piece per plan)
    key: np.ndarray  # rate key (row of the rate matrices)
    first_day: np.ndarray  # clipped to the period
    last_day: np.ndarray
    units_per_day: np.ndarray  # hour/day: qty/7; week: 1/7; month: NaN (1/days in month)

    def owner(self, piece: np.ndarray) -> np.ndarray:
        return piece if self.plan is None else self.plan[piece]


def _check_columns(caseload: pd.DataFrame, source: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in caseload.columns]
    if missing:
        raise InputError(source, f"le colonne {REQUIRED_COLUMNS}", f"mancano {missing}")


def _item_attributes(items: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-item arrays (in the schedule's item order) the engine looks plans up in."""
    flags = ("group_pricing", "uplift_allowed", "abatement", "abatement_capped")
    flags += ("second_comune_allowed", "placed_minor_allowed")
    payer = items["payer"] if "payer" in items else pd.Series(COMUNE, index=items.index)
    after = items.get("continues_after_months", pd.Series(pd.NA, index=items.index))
    target = items.get("continues_as", pd.Series("", index=items.index)).fillna("")
    return {
        "service": items["service"].astype(str).to_numpy(dtype=object),
        "unit_code": items["unit"].map(UNIT_CODES).to_numpy(int),
        "vat_added": (items["vat"] == "added").to_numpy(bool),
        "remainder": payer.map(PAYER_CODE).to_numpy(int),
        "switch_months": pd.array(after, dtype="Int64").fillna(0).to_numpy(int),
        "switch_item": pd.Index(items["code"]).get_indexer(target),
        **{name: _flag(items, name) for name in flags},
    }


def _flag(items: pd.DataFrame, name: str) -> np.ndarray:
    return items[name].to_numpy(bool) if name in items else np.zeros(len(items), bool)


def _text(values: pd.Series) -> np.ndarray:
    """A label column as an object array of str (converted only when it is not one already)."""
    array = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(array, skipna=False) == "string":
        return array
    return values.astype(str).to_numpy(dtype=object)


def _column(caseload: pd.DataFrame, name: str, default, dtype) -> np.ndarray:
    if name not in caseload.columns:
        return np.full(len(caseload), default, dtype=dtype)
    values = caseload[name]
    if dtype is str:
        return values.fillna(default).astype(str).to_numpy()
    return values.astype("float64" if dtype is float else "boolean").fillna(default).to_numpy(dtype)


def _run_plans(run: CostRun, index: int, roles: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-plan attributes of one run (item attributes joined, roles resolved)."""
    caseload, schedule = run.caseload, run.schedule
    source = getattr(schedule, "source", "tariffe")
    _check_columns(caseload, "casistica")
    codes = _text(caseload["item"])
    position = pd.Index(schedule.items["code"]).get_indexer(codes)
    if (position < 0).any():
        row = int(np.flatnonzero(position < 0)[0])
        raise InputError(
            "casistica", "una voce del tariffario", repr(codes[row]), row=row + 2, column="item"
        )
    item_arrays = _cached(schedule, "items", lambda sched: _item_attributes(sched.items))
    attrs = {name: values[position] for name, values in item_arrays.items()}
    n = len(caseload)
    uptake = np.ones(n) if run.uptake is None else np.asarray(run.uptake, dtype=float)
    if uptake.shape != (n,):
        raise InputError(None, f"un'adesione per ciascuno dei {n} piani", str(uptake.shape))
    placed = _column(caseload, "placed_minor", False, bool) & attrs["placed_minor_allowed"]
    second = _column(caseload, "second_comune", "", str)
    group = caseload["group_size"] if "group_size" in caseload.columns else pd.Series([pd.NA] * n)
    plan_roles = {role: rows[position] for role, rows in roles.items()}
    # a placed minor's district share is the item's placed-minor share
    district = SHARE_ROLE + DISTRICT
    plan_roles[district] = np.where(placed, plan_roles[PLACED_MINOR], plan_roles[district])
    return {
        "run": np.full(n, index),
        "row": np.arange(n),
        "scenario": np.full(n, run.scenario, dtype=object),
        "beneficiary_id": _text(caseload["beneficiary_id"]),
        "comune": _text(caseload["comune"]),
        "second_comune": second,
        "service": attrs["service"],
        "item": codes,
        "item_position": position,
        "unit": attrs["unit_code"],
        "group_pricing": attrs["group_pricing"],
        "group_size": pd.array(group, dtype="Int64").fillna(-1).to_numpy(int),
        "start": seg.day_numbers(caseload["start"]),
        "end": seg.day_numbers(caseload["end"]),
        "qty": _column(caseload, "qty_per_week", np.nan, float),
        "weight": _column(caseload, "weight", 1.0, float),
        "uptake": uptake,
        "uplift": _column(caseload, "uplift", False, bool) & attrs["uplift_allowed"],
        "vat_added": attrs["vat_added"],
        "abatement": attrs["abatement"] & bool(run.district_abatement),
        "capped": attrs["abatement_capped"],
        "remainder": attrs["remainder"].astype(np.int8),
        "second": (second != "") & attrs["second_comune_allowed"],
        "switch_months": attrs["switch_months"],
        "switch_item": attrs["switch_item"],
        "source": np.full(n, source, dtype=object),
        **{f"role:{role}": rows for role, rows in plan_roles.items()},
    }


def _rate_keys(frame: dict[str, np.ndarray], table: RateTable, item: np.ndarray) -> np.ndarray:
    """Rate key of every plan for ``item`` (positions): its group's rates if priced by group
    (no size = 1, alone), else the rates for any group size."""

    def lookup(size: np.ndarray) -> np.ndarray:
        query = rate_key(frame["run"], item, size)
        at = np.minimum(np.searchsorted(table.keys, query), len(table.keys) - 1)
        return np.where((table.keys[at] == query) & (size < GROUP_KEYS - 1), at, -1)

    size = frame["group_size"]
    wanted = np.where(frame["group_pricing"], np.where(size < 0, 1, size), -1)
    exact = lookup(wanted)
    found = np.where(exact < 0, lookup(np.full(len(wanted), -1)), exact)
    if (found < 0).any():
        bad = int(np.flatnonzero(found < 0)[0])
        raise InputError(
            "casistica",
            f"una dimensione di gruppo con tariffa per la voce {frame['item'][bad]}",
            str(frame["group_size"][bad]),
            row=int(frame["row"][bad]) + 2,
            column="group_size",
        )
    return found.astype(np.int64)


def build_plans(
    runs: Sequence[CostRun], period: Period
) -> tuple[Plans, Pieces, RateTable, seg.Intervals, MonthValues]:
    table, intervals = rate_table(runs, period)
    values, roles = _month_values(runs, month_days(intervals))
    parts = [_run_plans(run, i, roles[i]) for i, run in enumerate(runs)]
    if len(parts) == 1:
        frame = parts[0]
    else:
        frame = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    unit, qty = frame["unit"], frame["qty"]
    _check_quantities(frame, unit, qty)
    weight = frame["weight"]
    labels = ("scenario", "beneficiary_id", "comune", "second_comune", "service", "item", "source")
    plans = Plans(
        run=frame["run"],
        row=frame["row"],
        unit=unit,
        end=frame["end"],
        weight=weight,
        scale=weight * frame["uptake"],
        uplift=frame["uplift"],
        vat_added=frame["vat_added"],
        abatement=frame["abatement"],
        capped=frame["capped"],
        remainder=frame["remainder"],
        role={role: frame[f"role:{role}"] for role in ROLES},
        second=frame["second"],
        labels=pd.DataFrame({name: frame[name] for name in labels}, copy=False),
    )
    return plans, _pieces(frame, table, intervals), table, intervals, values


def _pieces(frame: dict, table: RateTable, intervals: seg.Intervals) -> Pieces:
    """Every plan's priced pieces, clipped to the period: one per plan, two for a plan whose
    item ``continues_as`` another after some months (the second from the switch day on)."""
    unit, start, end = frame["unit"], frame["start"], frame["end"]
    key = _rate_keys(frame, table, frame["item_position"])
    per_day = np.select(
        [unit <= UNIT_CODES["day"], unit == UNIT_CODES["week"]],
        [frame["qty"] / 7.0, 1.0 / 7.0],
        np.nan,
    )
    owner = None
    switching = frame["switch_months"] > 0
    if switching.any():
        switch = _switch_days(start, frame["switch_months"], switching)
        second = switching & (switch <= end)
        owner = np.repeat(np.arange(len(start)), 1 + second)
        later = np.r_[False, owner[1:] == owner[:-1]]
        target_key = key.copy()
        moving = np.flatnonzero(switching)
        subset = {
            name: frame[name][moving]
            for name in ("run", "group_size", "group_pricing", "row", "item")
        }
        target_key[moving] = _rate_keys(subset, table, frame["switch_item"][moving])
        end = np.where(switching, np.minimum(end, switch - 1), end)[owner]
        end = np.where(later, frame["end"][owner], end)
        start = np.where(later, switch[owner], start[owner])
        key = np.where(later, target_key[owner], key[owner])
        unit, per_day = unit[owner], per_day[owner]
    first = np.maximum(start, intervals.first_day)
    last = np.minimum(end, intervals.last_day)
    package = unit == UNIT_CODES["package"]
    charged = (start >= intervals.first_day) & (start <= intervals.last_day)
    month_end = intervals.ends[_month_last_interval(intervals)][
        intervals.month[intervals.locate(np.clip(start, intervals.first_day, intervals.last_day))]
    ]
    last = np.where(package, np.where(charged, np.minimum(end, month_end), first - 1), last)
    return Pieces(owner, key, first, last, per_day)


def _switch_days(start: np.ndarray, months: np.ndarray, switching: np.ndarray) -> np.ndarray:
    """``start`` + ``months`` calendar months (the day clamped to the month's length, as
    ``pandas.DateOffset`` does), as day numbers; far in the future where not ``switching``."""
    out = np.full(len(start), np.iinfo(np.int64).max // 2, dtype=np.int64)
    moving = np.flatnonzero(switching)
    day = start[moving].astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    target = month + months[moving].astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(int)
    offset = np.minimum((day - month.astype("datetime64[D]")).astype(int), length - 1)
    out[moving] = (target.astype("datetime64[D]") + offset).astype(np.int64)
    return out


def _month_last_interval(intervals: seg.Intervals) -> np.ndarray:
    """For each month of the period (0, 1, …), the index of its last interval."""
    return np.searchsorted(intervals.month, np.arange(intervals.n_months), side="right") - 1


def _check_quantities(frame: dict[str, np.ndarray], unit: np.ndarray, qty: np.ndarray) -> None:
    needs = unit <= UNIT_CODES["day"]
    bad = needs & ~(qty >= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "casistica",
            f"ore/giornate settimanali (numero ≥ 0) per la voce {frame['item'][i]}",
            str(qty[i]),
            row=int(frame["row"][i]) + 2,
            column="qty_per_week",
        )


# --------------------------------------------------------------------------- months


@dataclass(frozen=True)
class PlanMonths:
    """Unrounded amounts per (plan, month) with the pieces Monte Carlo needs to rescale them.

    With an uptake factor ``u`` on a row: quantity, net, vat, gross, ``district_linear`` and the
    ``shares`` scale by ``u``; the district abatement is ``min(u × abatable, cap)`` and does not
    scale linearly.
    """

    plans: Plans
    plan: np.ndarray  # index into Plans
    month: np.ndarray  # month of the period (0, 1, …; labels in ``month_labels``)
    quantity: np.ndarray
    net: np.ndarray
    vat: np.ndarray
    gross: np.ndarray
    district_linear: np.ndarray
    shares: dict[str, np.ndarray]  # payer (not the district) → gross × its share, where any
    abatable: np.ndarray  # abatement_share × the comune's part (0 when not eligible)
    cap: np.ndarray  # € cap of the abatement this month (0 when not eligible)
    second_share: np.ndarray  # the second comune's share of the row (0 when none)
    remainder: np.ndarray  # code of the payer paying the rest (PAYER_CODE), per row
    period: Period
    month_labels: tuple[str, ...]  # "AAAA-MM" of each month of the period

    @cached_property
    def abatement(self) -> np.ndarray:
        return np.minimum(self.abatable, self.cap)

    @property
    def district(self) -> np.ndarray:
        return self.district_linear + self.abatement


def plan_months(
    runs: Sequence[CostRun], period: Period | int | None = None, *, year: int | None = None
) -> PlanMonths:
    """Cost every plan of every run per month (unrounded, before the second-comune split)."""
    period = costed_period(runs, period, year)
    plans, pieces, table, intervals, values = build_plans(runs, period)
    segments = seg.explode(pieces.first_day, pieces.last_day, intervals)
    pro_rata = bool(values.pro_rata.any())
    sums = _segment_sums(plans, pieces, segments, table, intervals, pro_rata)
    _add_closing_units(sums, plans, pieces, table, intervals, values)
    return _month_rules(sums, plans, values, intervals, period)


@dataclass
class _Sums:
    """Per (plan, month) row: sums over its segments."""

    plan: np.ndarray
    month: np.ndarray
    quantity: np.ndarray
    net: np.ndarray  # quantity × rate, before the uplift
    district_stated: np.ndarray | float  # quantity × district € amount
    net_shared: np.ndarray | None  # net where no district € amount is stated (None: all of net)
    shared_plan: np.ndarray | None  # per plan: every rate states no district amount (fast path)
    days: np.ndarray | None  # active days (only for the pro-rated cap)


def _segment_sums(plans, pieces, segments, table, intervals, pro_rata: bool) -> _Sums:
    p, k = segments.plan, segments.interval
    key = pieces.key[p]
    rate = table.rate[key, k]
    owner = pieces.owner(p)
    _check_rates(rate, plans, owner, k, intervals)
    unit = plans.unit[owner]
    per_day = np.where(
        unit == UNIT_CODES["month"], 1.0 / intervals.days_in_month[k], pieces.units_per_day[p]
    )
    quantity = np.where(
        unit == UNIT_CODES["package"], segments.first * 1.0, segments.days * per_day
    )
    quantity *= plans.scale[owner]
    net = quantity * rate
    month = intervals.month[k]
    starts = seg.group_starts(owner * intervals.n_months + month)
    sums = _Sums(
        plan=owner[starts],
        month=month[starts],
        quantity=seg.sum_runs(quantity, starts),
        net=seg.sum_runs(net, starts),
        district_stated=0.0,
        net_shared=None,
        shared_plan=np.ones(len(plans.run), bool),
        days=None,
    )
    kind = table.district_kind[pieces.key]  # per piece: its key states a district € amount?
    if (kind > 0).any():
        stated = table.district_rate[key, k]
        sums.district_stated = seg.sum_runs(quantity * np.nan_to_num(stated), starts)
        if (kind == 2).any() or pieces.plan is not None:  # stated in some intervals only
            sums.net_shared = seg.sum_runs(np.where(np.isnan(stated), net, 0.0), starts)
            sums.shared_plan = None
        else:
            sums.shared_plan[kind > 0] = False  # one piece per plan: pieces are plans
    if pro_rata and plans.abatement.any():
        sums.days = seg.sum_runs(segments.days.astype(np.float64), starts)
    return sums


def _add_closing_units(sums: _Sums, plans, pieces, table, intervals, values) -> None:
    """Closing units at the rate in force on the plan's end, in the month of the end."""
    role = plans.role[CLOSING_UNITS]
    zero_row = len(values.table) - 1
    named = np.flatnonzero(role != zero_row)
    end = plans.end[named]
    closing = named[(end >= intervals.first_day) & (end <= intervals.last_day)]
    if len(closing) == 0:
        return
    piece = closing if pieces.plan is None else np.searchsorted(pieces.plan, closing, "right") - 1
    day = plans.end[closing]
    k = intervals.locate(day)
    month = intervals.month[k]
    key = pieces.key[piece]
    units = values.of(role[closing], month) * plans.scale[closing]
    first = np.searchsorted(sums.plan, closing)  # a plan's rows are its consecutive months
    rows = first + month - sums.month[first]
    rate = table.rate[key, k]
    np.add.at(sums.quantity, rows, units)
    np.add.at(sums.net, rows, units * rate)
    stated = table.district_rate[key, k]
    if isinstance(sums.district_stated, np.ndarray):
        np.add.at(sums.district_stated, rows, units * np.nan_to_num(stated))
    if sums.net_shared is not None:
        np.add.at(sums.net_shared, rows, np.where(np.isnan(stated), units * rate, 0.0))


def _month_rules(sums: _Sums, plans: Plans, values: MonthValues, intervals, period) -> PlanMonths:
    """Parameters, payers and the abatement cap on the (plan, month) rows."""
    p, m = sums.plan, sums.month
    uplift = _per_row(values, "uplift", plans, p, m, plans.uplift, 1.0, lambda v: 1.0 + v)
    vat_rate = _per_row(values, "vat_rate", plans, p, m, plans.vat_added, 0.0, lambda v: v)
    net = sums.net if uplift is None else sums.net * uplift
    vat = net * vat_rate if vat_rate is not None else np.zeros(len(net))
    gross = net + vat
    if sums.net_shared is None:  # the share applies to the gross of rates without a € part
        shared = gross if sums.shared_plan.all() else (gross, sums.shared_plan)
    else:
        shared = sums.net_shared
        shared = shared * uplift if uplift is not None else shared
        shared = shared * (1.0 + vat_rate) if vat_rate is not None else shared
    zero_row = len(values.table) - 1
    stated = sums.district_stated
    district_linear = stated if isinstance(stated, np.ndarray) else np.zeros(len(p))
    _add_share(district_linear, plans.role[SHARE_ROLE + DISTRICT], values, zero_row, p, m, shared)
    shares = {}
    for payer in SHARE_PAYERS:
        index = plans.role[SHARE_ROLE + payer]
        if (index != zero_row).any():
            shares[payer] = np.zeros(len(p))
            _add_share(shares[payer], index, values, zero_row, p, m, gross)
    remainder = plans.remainder[p]  # int8 codes
    comune = _comune_part(remainder, gross, district_linear, shares)
    abatable, cap = _abatement(plans, p, m, comune, values, sums, intervals)
    second = np.zeros(len(p))
    if plans.second.any():
        rows = np.flatnonzero(plans.second[p])
        second[rows] = values.of_plans(plans.role[SECOND_COMUNE], p[rows], m[rows])
    return PlanMonths(
        plans=plans,
        plan=p,
        month=m,
        quantity=sums.quantity,
        net=net,
        vat=vat,
        gross=gross,
        district_linear=district_linear,
        shares=shares,
        abatable=abatable,
        cap=cap,
        second_share=second,
        remainder=remainder,
        period=period,
        month_labels=intervals.month_labels,
    )


def _per_row(values, name, plans, p, m, applies, default, transform):
    """An engine parameter on each row where ``applies`` (per plan), ``default`` elsewhere;
    None when it applies to no plan."""
    if not applies.any():
        return None
    per_plan = values.engine_per_plan(name, plans.run)
    if per_plan is not None:
        return np.where(applies, transform(per_plan), default)[p]
    return np.where(applies[p], transform(values.engine[name][plans.run[p], m]), default)


def _add_share(out: np.ndarray, index, values, zero_row, p, m, base) -> None:
    """``out += share × base`` on the rows of the plans whose ``index`` names a share; ``base``
    may be ``(amounts, plans_mask)``: the amounts of the plans in the mask only."""
    named = index != zero_row
    if isinstance(base, tuple):
        base, mask = base
        named = named & mask
    if not named.any():
        return
    rows = np.flatnonzero(named[p]) if not named.all() else slice(None)
    out[rows] += values.of_plans(index, p[rows], m[rows]) * base[rows]


def _comune_part(remainder, gross, district_linear, shares) -> np.ndarray:
    """What the comune pays before the abatement: the rest, or its own share."""
    rest = gross - district_linear
    for payer, amount in shares.items():
        if payer != COMUNE:
            rest -= amount
    other = np.flatnonzero(remainder != PAYER_CODE[COMUNE])
    if len(other):
        rest[other] = shares[COMUNE][other] if COMUNE in shares else 0.0
    return rest


def _abatement(plans, p, m, comune, values, sums, intervals):
    """``abatement_share × comune part`` and the month's cap, on the eligible rows (else 0)."""
    abatable, cap = np.zeros(len(p)), np.zeros(len(p))
    if not plans.abatement.any():
        return abatable, cap
    rows = np.flatnonzero(plans.abatement[p])
    pr, mr, run = p[rows], m[rows], plans.run[p[rows]]
    abatable[rows] = values.engine_of("abatement_share", run, mr) * comune[rows]
    limit = values.engine_of("abatement_cap_month", run, mr) * plans.weight[pr]
    if sums.days is not None:
        dim = intervals.days_in_month[_month_last_interval(intervals)][mr]
        limit = np.where(values.pro_rata[run, mr], limit * sums.days[rows] / dim, limit)
    cap[rows] = np.where(plans.capped[pr], limit, np.inf)
    return abatable, cap


def _check_rates(rate, plans: Plans, owner, k, intervals: seg.Intervals) -> None:
    missing = np.isnan(rate)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        day = np.datetime64(int(intervals.starts[k[i]]), "D")
        item = plans.labels["item"].iat[owner[i]]
        raise InputError(
            plans.labels["source"].iat[owner[i]],
            f"una tariffa in vigore il {day} per la voce {item}",
            "nessun periodo di validità",
            key=item,
        )


# --------------------------------------------------------------------------- output rows


def own_amounts(months: PlanMonths) -> dict[str, np.ndarray]:
    """Unrounded amount of every payer paying a stated part, per row (before the second-comune
    split): the district with its abatement and each payer with a share; on the rows where a
    payer pays the rest its own amount is 0 (the rest is ``gross`` minus these)."""
    out = {DISTRICT: months.district}
    for payer, own in months.shares.items():  # 0 where the payer pays the rest (checked)
        if payer == COMUNE:  # a comune paying a share (not the rest) bears the abatement
            own = np.where(months.remainder == PAYER_CODE[COMUNE], 0.0, own - months.abatement)
        out[payer] = own
    return out


def payer_amounts(months: PlanMonths) -> dict[str, np.ndarray]:
    """Unrounded amount of every payer per row: the stated parts and, for each row's remainder
    payer, ``gross`` minus them (payers without any amount are left out)."""
    own = own_amounts(months)
    rest = months.gross - sum(own.values())
    out = dict(own)
    for payer in SHARE_PAYERS:
        mine = months.remainder == PAYER_CODE[payer]
        if mine.any():
            out[payer] = np.where(mine, rest, 0.0) + out.get(payer, 0.0)
    return out


def months_frame(months: PlanMonths, *, rounded: bool = True) -> pd.DataFrame:
    """The ``costs_monthly`` table: one row per (scenario, plan, month, comune).

    A plan-month with a second comune becomes two consecutive rows; when ``rounded``, the second
    row's amounts are rounded and the first row takes the rounded total minus them, so a plan's
    total does not depend on the split. Per row, the payer paying the rest takes gross minus the
    other payers' rounded amounts.
    """
    plans = months.plans
    share2 = months.second_share
    split = np.flatnonzero(share2 > 0)
    row = np.concatenate([np.arange(len(months.plan)), split])
    second = np.concatenate([np.zeros(len(months.plan), bool), np.ones(len(split), bool)])
    order = np.argsort(row, kind="stable")
    row, second = row[order], second[order]
    plan = months.plan[row]
    labels = plans.labels
    both = np.concatenate([labels["comune"].to_numpy(), labels["second_comune"].to_numpy()])
    text = {  # per-plan labels converted once, then taken row by row
        "scenario": _strings(labels["scenario"]).take(plan),
        "beneficiary_id": _strings(labels["beneficiary_id"]).take(plan),
        "comune": _strings(both).take(plan + second * len(labels)),
        "service": _strings(labels["service"]).take(plan),
        "item": _strings(labels["item"]).take(plan),
        "month": _strings(months.month_labels).take(months.month[row]),
    }
    own = own_amounts(months)
    full = {
        "quantity": (months.quantity, 6),
        "net_eur": (months.net, 2),
        "vat_eur": (months.vat, 2),
    }
    full |= {PAYER_COLUMNS[payer]: (values, 2) for payer, values in own.items()}
    amounts = {
        name: _split_amounts(values, share2, split, decimals if rounded else None)[order]
        for name, (values, decimals) in full.items()
    }
    gross = amounts["net_eur"] + amounts["vat_eur"]
    gross = np.round(gross, 2) if rounded else gross
    amounts["gross_eur"] = gross
    rest = gross - sum(amounts[PAYER_COLUMNS[payer]] for payer in own)
    rest = np.round(rest, 2) if rounded else rest
    _assign_rest(amounts, rest, months.remainder[row])
    columns = text | amounts
    return pd.DataFrame({name: columns[name] for name in COSTS_MONTHLY_COLUMNS}, copy=False)


def _assign_rest(amounts: dict, rest: np.ndarray, remainder: np.ndarray) -> None:
    """Each row's rest goes to the column of the payer paying it (most rows: the comune)."""
    other = np.flatnonzero(remainder != PAYER_CODE[COMUNE])
    column = PAYER_COLUMNS[COMUNE]
    base = amounts.get(column)
    if len(other) == 0 and base is None:
        amounts[column] = rest
    else:
        target = rest.copy()
        target[other] = 0.0 if base is None else base[other]
        amounts[column] = target
    codes = remainder[other]
    for payer in SHARE_PAYERS:
        if payer == COMUNE:
            continue
        column, rows = PAYER_COLUMNS[payer], other[codes == PAYER_CODE[payer]]
        target = amounts.get(column)
        target = np.zeros(len(rest)) if target is None else target.copy()
        target[rows] = rest[rows]
        amounts[column] = target


def _strings(values) -> pd.api.extensions.ExtensionArray:
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _split_amounts(
    values: np.ndarray, share2: np.ndarray, split: np.ndarray, decimals: int | None
) -> np.ndarray:
    """Amounts of the first rows (all plan-months) followed by the second-comune rows."""
    if decimals is None:
        return np.concatenate([values * (1.0 - share2), values[split] * share2[split]])
    total = round_to(values, decimals)
    second = round_to(values[split] * share2[split], decimals)
    first = total.copy()
    first[split] = (first[split] - second).round(decimals)
    return np.concatenate([first, second])


def round_to(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round to ``decimals`` after snapping to 1e-9: sums of the same amounts taken in a
    different order (segments vs days) then round the same way at exact half-cents."""
    return np.round(np.round(values, 9), decimals)
