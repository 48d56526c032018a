"""Vectorised cost engine: caseload × tariff schedule → monthly costs per plan and payer.

Cost semantics (the reference oracle in ``tests/reference_engine.py`` walks them day by day):

* a plan is active on every day from ``start`` to ``end`` inclusive, clipped to the costed period
  (a :class:`~cscplan.periods.Period`; by default the days the schedule covers);
* hour/day items: each active day carries ``qty_per_week / 7`` units at the rate in force on that
  day (per-member group rates when the item has group pricing; no ``group_size`` = 1);
* month items: rate × active days / days in month; week items: rate × active days / 7;
  package items: one unit at the rate of the start day, in the start month (start in the period);
* uplift: rate × (1 + ``uplift``) when the plan's ``uplift`` flag is set and the item allows it;
* VAT: ``added`` items pay ``net × vat_rate``; ``included``/``none`` pay none; gross = net + VAT;
* district part: ``quantity × district_rate`` when the rate row states a district € amount,
  otherwise ``gross × district_share`` (SIP plans of placed minors: the
  ``sip_placed_minor_district_share`` parameter instead). For abatement items (affido, CDM), when
  the ``district_abatement`` flag is on, the district also takes ``abatement_share`` of the comune
  part of each month, capped at ``abatement_cap_month × active days / days in month`` for items
  with ``abatement_capped`` (affido: the guidelines cap only affido, line 1525; CDM is uncapped);
* the comune of residence pays the rest; a plan with a ``second_comune`` is emitted as two rows,
  the second carrying ``adm_second_comune_share`` of every amount (quantity too) and the first
  the remainder, so that the ``comune`` column can be summed;
* money is kept unrounded and rounded to cents per output row only: ``net`` and ``vat`` are
  rounded, ``gross = net + vat``, ``district`` rounded, ``comune = gross − district`` (rounding
  is NumPy's half-to-even after snapping to 1e-9, see :func:`round_to`).

Optional caseload column ``weight`` (default 1) multiplies a plan: quantities, costs and the
abatement cap (it counts plans fractionally, as scenario volume multipliers do). ``uptake``
(delivered/assigned) multiplies quantities and costs but not the cap.

The engine cuts the period once at month starts and rate-change dates, explodes every plan into
(plan, interval) segments and sums them per month with NumPy; scenarios are runs stacked on the
same arrays (:func:`cost_runs`), not loops over plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.periods import Period, resolve_period
from cscplan.tariffs import segments as seg
from cscplan.vocabulary import BASELINE

COSTS_MONTHLY_COLUMNS = list(metadata.dtypes("costs_monthly"))
REQUIRED_COLUMNS = ["beneficiary_id", "comune", "item", "start", "end", "qty_per_week"]
UNIT_CODES = {"hour": 0, "day": 1, "week": 2, "month": 3, "package": 4}
PLACED_MINOR_SERVICES = ("SIP",)


@dataclass(frozen=True)
class CostRun:
    """One scenario to cost: its caseload, its schedule and its options."""

    scenario: str
    caseload: pd.DataFrame
    schedule: Any  # cscplan.tariffs.schedule.TariffSchedule
    vat_rate: float | None = None
    district_abatement: bool = True
    uptake: np.ndarray | None = field(default=None, compare=False)


def parameter(schedule: Any, name: str) -> float:
    """A scalar policy parameter (plain number or a mapping with ``value``)."""
    raw = schedule.parameters.get(name)
    if isinstance(raw, dict):
        raw = raw.get("value")
    if raw is None:
        raise InputError(schedule.source, f"il parametro '{name}'", "assente", key=name)
    return float(raw)


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
) -> pd.DataFrame:
    """``costs_monthly`` rows of one caseload under one schedule (see module docstring)."""
    run = CostRun(scenario, caseload, schedule, vat_rate, district_abatement, uptake)
    return cost_runs([run], period, year=year, rounded=rounded)


def cost_runs(
    runs: Sequence[CostRun],
    period: Period | int | None = None,
    *,
    year: int | None = None,
    rounded: bool = True,
) -> pd.DataFrame:
    """``costs_monthly`` for several scenario runs at once (rows in run order, then plan order).

    ``period`` (or the calendar ``year``) defaults to the days the first run's schedule covers.
    """
    months = plan_months(runs, period, year=year)
    return months_frame(months, rounded=rounded)


def costed_period(
    runs: Sequence[CostRun], period: Period | int | None = None, year: int | None = None
) -> Period:
    """The period to cost: the one given, the calendar ``year``, else the schedule's coverage."""
    return resolve_period(period, year, default=runs[0].schedule.period)


# --------------------------------------------------------------------------- plan arrays


@dataclass(frozen=True)
class Plans:
    """Every plan of every run as flat arrays (one element per plan)."""

    run: np.ndarray
    row: np.ndarray  # 0-based position of the plan in its run's caseload
    key: np.ndarray  # rate key (row of the rate matrices)
    unit: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    units_per_day: np.ndarray  # hour/day: qty/7; week: 1/7; month: NaN (1/days in month)
    scale: np.ndarray  # weight × uptake
    weight: np.ndarray
    uplift: np.ndarray  # rate factor
    vat_rate: np.ndarray
    district_share: np.ndarray
    abatement_share: np.ndarray  # 0 when not eligible
    abatement_cap: np.ndarray  # € per full month
    second_share: np.ndarray  # share of the second comune (0 when none)
    labels: pd.DataFrame  # scenario, beneficiary_id, comune, second_comune, service, item


@dataclass(frozen=True)
class RateTable:
    """Rates per key (run, item, group size; see :func:`rate_key`) and period interval."""

    keys: np.ndarray  # sorted encoded keys, one per row of the matrices
    rate: np.ndarray  # keys × intervals (NaN where not in force)
    district_rate: np.ndarray


GROUP_KEYS = 1_000  # group sizes -1 (any), 1, 2, … < GROUP_KEYS - 1 are encoded in a key


def rate_key(run, item, group_size) -> np.ndarray:
    """One int64 per (run, position of the item in the run's schedule, group size or -1)."""
    run, item = np.asarray(run, np.int64), np.asarray(item, np.int64)
    size = np.clip(np.asarray(group_size, np.int64), -1, GROUP_KEYS - 2)
    return (run * 1_000_000 + item) * GROUP_KEYS + size + 1


def rate_table(runs: Sequence[CostRun], period: Period) -> tuple[RateTable, seg.Intervals]:
    rows = pd.concat([_run_rates(run, index) for index, run in enumerate(runs)], ignore_index=True)
    first, last = rows["first"].to_numpy(), rows["last"].to_numpy()
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
    return RateTable(keys, rate, district_rate), intervals


def _run_rates(run: CostRun, index: int) -> pd.DataFrame:
    rates, items = run.schedule.rates, run.schedule.items
    group = rates["group_size"].astype("Int64").fillna(-1).to_numpy(int)
    return pd.DataFrame(
        {
            "key": rate_key(index, pd.Index(items["code"]).get_indexer(rates["code"]), group),
            "first": seg.day_numbers(rates["valid_from"]),
            "last": seg.day_numbers(rates["valid_to"]),
            "rate": rates["rate"].to_numpy(float),
            "district_rate": rates["district_rate"].to_numpy(float),
        }
    )


def _check_columns(caseload: pd.DataFrame, source: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in caseload.columns]
    if missing:
        raise InputError(source, f"le colonne {REQUIRED_COLUMNS}", f"mancano {missing}")


def _item_attributes(items: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-item arrays (in the schedule's item order) the engine looks plans up in."""
    flags = ("group_pricing", "uplift_allowed", "abatement", "abatement_capped")
    return {
        "service": items["service"].astype(str).to_numpy(dtype=object),
        "unit_code": items["unit"].map(UNIT_CODES).to_numpy(int),
        "vat_added": (items["vat"] == "added").to_numpy(bool),
        "district_share": items["district_share"].to_numpy(float),
        "placed_minor_service": items["service"].isin(PLACED_MINOR_SERVICES).to_numpy(bool),
        **{name: items[name].to_numpy(bool) for name in flags},
    }


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


def _run_plans(run: CostRun, index: int) -> dict[str, np.ndarray]:
    """Per-plan attributes of one run (item attributes joined, parameters resolved)."""
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
    attrs = {name: values[position] for name, values in _item_attributes(schedule.items).items()}
    n = len(caseload)
    uptake = np.ones(n) if run.uptake is None else np.asarray(run.uptake, dtype=float)
    if uptake.shape != (n,):
        raise InputError(None, f"un'adesione per ciascuno dei {n} piani", str(uptake.shape))
    vat = parameter(schedule, "vat_rate") if run.vat_rate is None else float(run.vat_rate)
    service = attrs["service"]
    placed = _column(caseload, "placed_minor", False, bool) & attrs["placed_minor_service"]
    uplift = _column(caseload, "uplift", False, bool) & attrs["uplift_allowed"]
    abatement = attrs["abatement"] & bool(run.district_abatement)
    second = _column(caseload, "second_comune", "", str)
    group = caseload["group_size"] if "group_size" in caseload.columns else pd.Series([pd.NA] * n)
    return {
        "run": np.full(n, index),
        "row": np.arange(n),
        "scenario": np.full(n, run.scenario, dtype=object),
        "beneficiary_id": _text(caseload["beneficiary_id"]),
        "comune": _text(caseload["comune"]),
        "second_comune": second,
        "service": service,
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
        "uplift": np.where(uplift, 1.0 + parameter(schedule, "uplift"), 1.0),
        "vat_rate": np.where(attrs["vat_added"], vat, 0.0),
        "district_share": np.where(
            placed,
            parameter(schedule, "sip_placed_minor_district_share"),
            attrs["district_share"],
        ),
        "abatement_share": np.where(abatement, parameter(schedule, "abatement_share"), 0.0),
        "abatement_cap": np.where(
            abatement,
            np.where(
                attrs["abatement_capped"],
                parameter(schedule, "abatement_cap_month"),
                np.inf,
            ),
            0.0,
        ),
        "second_share": np.where(second != "", parameter(schedule, "adm_second_comune_share"), 0.0),
        "source": np.full(n, source, dtype=object),
    }


def _rate_keys(frame: dict[str, np.ndarray], table: RateTable) -> np.ndarray:
    """Rate key of every plan: its group's rates if priced by group (no size = 1, alone),
    else the rates for any group size."""

    def lookup(size: np.ndarray) -> np.ndarray:
        query = rate_key(frame["run"], frame["item_position"], size)
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


def build_plans(runs: Sequence[CostRun], period: Period) -> tuple[Plans, RateTable, seg.Intervals]:
    table, intervals = rate_table(runs, period)
    parts = [_run_plans(run, i) for i, run in enumerate(runs)]
    frame = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    unit = frame["unit"]
    start, end = frame["start"], frame["end"]
    first = np.maximum(start, intervals.first_day)
    last = np.minimum(end, intervals.last_day)
    package = unit == UNIT_CODES["package"]
    charged = (start >= intervals.first_day) & (start <= intervals.last_day)
    month_end = intervals.ends[_month_last_interval(intervals)][
        intervals.month[intervals.locate(np.clip(start, intervals.first_day, intervals.last_day))]
    ]
    last = np.where(package, np.where(charged, np.minimum(end, month_end), first - 1), last)
    qty = frame["qty"]
    _check_quantities(frame, unit, qty)
    per_day = np.select(
        [unit <= UNIT_CODES["day"], unit == UNIT_CODES["week"]], [qty / 7.0, 1.0 / 7.0], np.nan
    )
    weight = frame["weight"]
    labels = ("scenario", "beneficiary_id", "comune", "second_comune", "service", "item", "source")
    plans = Plans(
        run=frame["run"],
        row=frame["row"],
        key=_rate_keys(frame, table),
        unit=unit,
        first_day=first,
        last_day=last,
        units_per_day=per_day,
        scale=weight * frame["uptake"],
        weight=weight,
        uplift=frame["uplift"],
        vat_rate=frame["vat_rate"],
        district_share=frame["district_share"],
        abatement_share=frame["abatement_share"],
        abatement_cap=frame["abatement_cap"],
        second_share=frame["second_share"],
        labels=pd.DataFrame({name: frame[name] for name in labels}, copy=False),
    )
    return plans, table, intervals


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

    With an uptake factor ``u`` on a row: quantity, net, vat, gross and ``district_linear`` scale
    by ``u``; the district abatement is ``min(abatement_share × u × (gross − district_linear),
    cap)`` and does not scale linearly.
    """

    plans: Plans
    plan: np.ndarray  # index into Plans
    month: np.ndarray  # month of the period (0, 1, …; labels in ``month_labels``)
    days: np.ndarray  # active days in the month
    quantity: np.ndarray
    net: np.ndarray
    vat: np.ndarray
    gross: np.ndarray
    district_linear: np.ndarray
    cap: np.ndarray  # € cap of the abatement this month (0 when not eligible)
    period: Period
    month_labels: tuple[str, ...]  # "AAAA-MM" of each month of the period

    @property
    def abatement(self) -> np.ndarray:
        share = self.plans.abatement_share[self.plan]
        return np.minimum(share * (self.gross - self.district_linear), self.cap)

    @property
    def district(self) -> np.ndarray:
        return self.district_linear + self.abatement


def plan_months(
    runs: Sequence[CostRun], period: Period | int | None = None, *, year: int | None = None
) -> PlanMonths:
    """Cost every plan of every run per month (unrounded, before the second-comune split)."""
    period = costed_period(runs, period, year)
    plans, table, intervals = build_plans(runs, period)
    pieces = seg.explode(plans.first_day, plans.last_day, intervals)
    p, k = pieces.plan, pieces.interval
    key = plans.key[p]
    rate = table.rate[key, k]
    _check_rates(rate, plans, p, k, intervals)
    district_rate = table.district_rate[key, k]
    package = plans.unit[p] == UNIT_CODES["package"]
    month_item = plans.unit[p] == UNIT_CODES["month"]
    per_day = np.where(month_item, 1.0 / intervals.days_in_month[k], plans.units_per_day[p])
    quantity = np.where(package, pieces.first * 1.0, pieces.days * per_day) * plans.scale[p]
    net = quantity * rate * plans.uplift[p]
    vat = net * plans.vat_rate[p]
    gross = net + vat
    district = np.where(
        np.isnan(district_rate), gross * plans.district_share[p], quantity * district_rate
    )
    month = intervals.month[k]
    starts = seg.group_starts(p * intervals.n_months + month)
    row_plan, row_month = p[starts], month[starts]
    days = seg.sum_runs(pieces.days.astype(np.float64), starts)
    dim = intervals.days_in_month[_month_last_interval(intervals)][row_month]
    cap = plans.abatement_cap[row_plan] * plans.weight[row_plan] * days / dim
    return PlanMonths(
        plans=plans,
        plan=row_plan,
        month=row_month,
        days=days,
        quantity=seg.sum_runs(quantity, starts),
        net=seg.sum_runs(net, starts),
        vat=seg.sum_runs(vat, starts),
        gross=seg.sum_runs(gross, starts),
        district_linear=seg.sum_runs(district, starts),
        cap=cap,
        period=period,
        month_labels=intervals.month_labels,
    )


def _check_rates(rate, plans: Plans, p, k, intervals: seg.Intervals) -> None:
    missing = np.isnan(rate)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        day = np.datetime64(int(intervals.starts[k[i]]), "D")
        item = plans.labels["item"].iat[p[i]]
        raise InputError(
            plans.labels["source"].iat[p[i]],
            f"una tariffa in vigore il {day} per la voce {item}",
            "nessun periodo di validità",
            key=item,
        )


def months_frame(months: PlanMonths, *, rounded: bool = True) -> pd.DataFrame:
    """The ``costs_monthly`` table: one row per (scenario, plan, month, comune).

    A plan-month with a second comune becomes two consecutive rows; when ``rounded``, the second
    row's amounts are rounded and the first row takes the rounded total minus them, so a plan's
    total does not depend on the split.
    """
    plans = months.plans
    share2 = plans.second_share[months.plan]
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
    full = {
        "quantity": (months.quantity, 6),
        "net_eur": (months.net, 2),
        "vat_eur": (months.vat, 2),
        "district_eur": (months.district, 2),
    }
    amounts = {
        name: _split_amounts(values, share2, split, decimals if rounded else None)[order]
        for name, (values, decimals) in full.items()
    }
    gross = amounts["net_eur"] + amounts["vat_eur"]
    gross = np.round(gross, 2) if rounded else gross
    comune = gross - amounts["district_eur"]
    amounts["gross_eur"] = gross
    amounts["comune_eur"] = np.round(comune, 2) if rounded else comune
    columns = text | amounts
    return pd.DataFrame({name: columns[name] for name in COSTS_MONTHLY_COLUMNS}, copy=False)


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
