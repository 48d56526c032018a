"""Vectorised cost engine: caseload × tariff schedule → monthly costs per plan and payer.

Cost semantics (the reference oracle in ``tests/reference_engine.py`` walks them day by day):

* a plan is active on every day from ``start`` to ``end`` inclusive, clipped to the year;
* hour/day items: each active day carries ``qty_per_week / 7`` units at the rate in force on that
  day (per-member group rates when the item has group pricing; no ``group_size`` = 1);
* month items: rate × active days / days in month; week items: rate × active days / 7;
  package items: one unit at the rate of the start day, in the start month (start in the year);
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

The engine cuts the year once at month starts and rate-change dates, explodes every plan into
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
    year: int = 2023,
    *,
    vat_rate: float | None = None,
    district_abatement: bool = True,
    uptake: np.ndarray | None = None,
    scenario: str = BASELINE,
    rounded: bool = True,
) -> pd.DataFrame:
    """``costs_monthly`` rows of one caseload under one schedule (see module docstring)."""
    run = CostRun(scenario, caseload, schedule, vat_rate, district_abatement, uptake)
    return cost_runs([run], year, rounded=rounded)


def cost_runs(runs: Sequence[CostRun], year: int = 2023, *, rounded: bool = True) -> pd.DataFrame:
    """``costs_monthly`` for several scenario runs at once (rows in run order, then plan order)."""
    months = plan_months(runs, year)
    return months_frame(months, rounded=rounded)


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
    """Rates per (run, item code, group size) key and year interval."""

    keys: pd.DataFrame  # run, code, group_size (-1 = any)
    rate: np.ndarray  # keys × intervals (NaN where not in force)
    district_rate: np.ndarray


def rate_table(runs: Sequence[CostRun], year: int) -> tuple[RateTable, seg.Intervals]:
    frames = []
    for index, run in enumerate(runs):
        rates = run.schedule.rates
        frames.append(
            pd.DataFrame(
                {
                    "run": index,
                    "code": rates["code"].astype(str).to_numpy(),
                    "group_size": rates["group_size"].astype("Int64").fillna(-1).to_numpy(int),
                    "first": seg.day_numbers(rates["valid_from"]),
                    "last": seg.day_numbers(rates["valid_to"]),
                    "rate": rates["rate"].to_numpy(float),
                    "district_rate": rates["district_rate"].to_numpy(float),
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    changes = np.concatenate([rows["first"].to_numpy(), rows["last"].to_numpy() + 1])
    intervals = seg.year_intervals(year, changes)
    keys = rows[["run", "code", "group_size"]].drop_duplicates(ignore_index=True)
    key_of = {tuple(k): i for i, k in enumerate(keys.itertuples(index=False, name=None))}
    shape = (len(keys), len(intervals.starts))
    rate = np.full(shape, np.nan)
    district_rate = np.full(shape, np.nan)
    for r in rows.itertuples(index=False):
        inside = (intervals.starts >= r.first) & (intervals.ends <= r.last)
        k = key_of[(r.run, r.code, r.group_size)]
        rate[k, inside] = r.rate
        district_rate[k, inside] = r.district_rate
    return RateTable(keys, rate, district_rate), intervals


def _check_columns(caseload: pd.DataFrame, source: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in caseload.columns]
    if missing:
        raise InputError(source, f"le colonne {REQUIRED_COLUMNS}", f"mancano {missing}")


def _column(caseload: pd.DataFrame, name: str, default, dtype) -> np.ndarray:
    if name not in caseload.columns:
        return np.full(len(caseload), default, dtype=dtype)
    values = caseload[name]
    if dtype is str:
        return values.fillna(default).astype(str).to_numpy()
    return values.astype("float64" if dtype is float else "boolean").fillna(default).to_numpy(dtype)


def _run_plans(run: CostRun, index: int, year: int) -> pd.DataFrame:
    """Per-plan attributes of one run (item attributes joined, parameters resolved)."""
    caseload, schedule = run.caseload, run.schedule
    source = getattr(schedule, "source", "tariffe")
    _check_columns(caseload, "casistica")
    items = schedule.items.set_index("code")
    codes = caseload["item"].astype(str).to_numpy()
    unknown = ~pd.Index(codes).isin(items.index)
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise InputError(
            "casistica", "una voce del tariffario", repr(codes[row]), row=row + 2, column="item"
        )
    attrs = items.loc[codes]
    n = len(caseload)
    uptake = np.ones(n) if run.uptake is None else np.asarray(run.uptake, dtype=float)
    if uptake.shape != (n,):
        raise InputError(None, f"un'adesione per ciascuno dei {n} piani", str(uptake.shape))
    vat = parameter(schedule, "vat_rate") if run.vat_rate is None else float(run.vat_rate)
    service = attrs["service"].astype(str).to_numpy()
    placed = _column(caseload, "placed_minor", False, bool) & np.isin(
        service, PLACED_MINOR_SERVICES
    )
    uplift = _column(caseload, "uplift", False, bool) & attrs["uplift_allowed"].to_numpy(bool)
    abatement = attrs["abatement"].to_numpy(bool) & bool(run.district_abatement)
    second = _column(caseload, "second_comune", "", str)
    group = caseload["group_size"] if "group_size" in caseload.columns else pd.Series([pd.NA] * n)
    return pd.DataFrame(
        {
            "run": index,
            "row": np.arange(n),
            "scenario": run.scenario,
            "beneficiary_id": caseload["beneficiary_id"].astype(str).to_numpy(),
            "comune": caseload["comune"].astype(str).to_numpy(),
            "second_comune": second,
            "service": service,
            "item": codes,
            "unit": attrs["unit"].map(UNIT_CODES).to_numpy(int),
            "group_pricing": attrs["group_pricing"].to_numpy(bool),
            "group_size": pd.array(group, dtype="Int64").fillna(-1).to_numpy(int),
            "start": seg.day_numbers(caseload["start"]),
            "end": seg.day_numbers(caseload["end"]),
            "qty": _column(caseload, "qty_per_week", np.nan, float),
            "weight": _column(caseload, "weight", 1.0, float),
            "uptake": uptake,
            "uplift": np.where(uplift, 1.0 + parameter(schedule, "uplift"), 1.0),
            "vat_rate": np.where(attrs["vat"].to_numpy() == "added", vat, 0.0),
            "district_share": np.where(
                placed,
                parameter(schedule, "sip_placed_minor_district_share"),
                attrs["district_share"].to_numpy(float),
            ),
            "abatement_share": np.where(abatement, parameter(schedule, "abatement_share"), 0.0),
            "abatement_cap": np.where(
                abatement,
                np.where(
                    attrs["abatement_capped"].to_numpy(bool),
                    parameter(schedule, "abatement_cap_month"),
                    np.inf,
                ),
                0.0,
            ),
            "second_share": np.where(
                second != "", parameter(schedule, "adm_second_comune_share"), 0.0
            ),
            "source": source,
        }
    )


def _rate_keys(frame: pd.DataFrame, table: RateTable) -> np.ndarray:
    """Rate key of every plan: its group's rates if priced by group (no size = 1, alone),
    else the rates for any group size."""
    keys = table.keys
    lookup = pd.Series(
        np.arange(len(keys)),
        index=pd.MultiIndex.from_frame(keys[["run", "code", "group_size"]]),
    )
    size = frame["group_size"].to_numpy()
    wanted = np.where(frame["group_pricing"].to_numpy(), np.where(size < 0, 1, size), -1)
    combos = pd.DataFrame({"run": frame["run"], "code": frame["item"], "group_size": wanted})
    unique, inverse = _unique_rows(combos)
    exact = lookup.reindex(pd.MultiIndex.from_frame(unique)).to_numpy()
    fallback = lookup.reindex(pd.MultiIndex.from_frame(unique.assign(group_size=-1))).to_numpy()
    found = np.where(np.isnan(exact), fallback, exact)
    if np.isnan(found).any():
        bad = int(np.flatnonzero(np.isnan(found[inverse]))[0])
        plan = frame.iloc[bad]
        raise InputError(
            "casistica",
            f"una dimensione di gruppo con tariffa per la voce {plan['item']}",
            str(plan["group_size"]),
            row=int(plan["row"]) + 2,
            column="group_size",
        )
    return found.astype(np.int64)[inverse]


def _unique_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame))
    return uniques.to_frame(index=False), codes


def build_plans(runs: Sequence[CostRun], year: int) -> tuple[Plans, RateTable, seg.Intervals]:
    table, intervals = rate_table(runs, year)
    frame = pd.concat([_run_plans(run, i, year) for i, run in enumerate(runs)], ignore_index=True)
    unit = frame["unit"].to_numpy()
    start, end = frame["start"].to_numpy(), frame["end"].to_numpy()
    first = np.maximum(start, intervals.first_day)
    last = np.minimum(end, intervals.last_day)
    package = unit == UNIT_CODES["package"]
    charged = (start >= intervals.first_day) & (start <= intervals.last_day)
    month_end = intervals.ends[_month_last_interval(intervals)][
        intervals.month[intervals.locate(np.clip(start, intervals.first_day, intervals.last_day))]
    ]
    last = np.where(package, np.where(charged, np.minimum(end, month_end), first - 1), last)
    qty = frame["qty"].to_numpy()
    _check_quantities(frame, unit, qty)
    per_day = np.select(
        [unit <= UNIT_CODES["day"], unit == UNIT_CODES["week"]], [qty / 7.0, 1.0 / 7.0], np.nan
    )
    weight = frame["weight"].to_numpy()
    plans = Plans(
        run=frame["run"].to_numpy(),
        row=frame["row"].to_numpy(),
        key=_rate_keys(frame, table),
        unit=unit,
        first_day=first,
        last_day=last,
        units_per_day=per_day,
        scale=weight * frame["uptake"].to_numpy(),
        weight=weight,
        uplift=frame["uplift"].to_numpy(),
        vat_rate=frame["vat_rate"].to_numpy(),
        district_share=frame["district_share"].to_numpy(),
        abatement_share=frame["abatement_share"].to_numpy(),
        abatement_cap=frame["abatement_cap"].to_numpy(),
        second_share=frame["second_share"].to_numpy(),
        labels=frame[
            ["scenario", "beneficiary_id", "comune", "second_comune", "service", "item", "source"]
        ],
    )
    return plans, table, intervals


def _month_last_interval(intervals: seg.Intervals) -> np.ndarray:
    """For each month 0..11, the index of its last interval."""
    return np.searchsorted(intervals.month, np.arange(12), side="right") - 1


def _check_quantities(frame: pd.DataFrame, unit: np.ndarray, qty: np.ndarray) -> None:
    needs = unit <= UNIT_CODES["day"]
    bad = needs & ~(qty >= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            "casistica",
            f"ore/giornate settimanali (numero ≥ 0) per la voce {frame['item'].iat[i]}",
            str(qty[i]),
            row=int(frame["row"].iat[i]) + 2,
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
    month: np.ndarray  # 0..11
    days: np.ndarray  # active days in the month
    quantity: np.ndarray
    net: np.ndarray
    vat: np.ndarray
    gross: np.ndarray
    district_linear: np.ndarray
    cap: np.ndarray  # € cap of the abatement this month (0 when not eligible)
    year: int

    @property
    def abatement(self) -> np.ndarray:
        share = self.plans.abatement_share[self.plan]
        return np.minimum(share * (self.gross - self.district_linear), self.cap)

    @property
    def district(self) -> np.ndarray:
        return self.district_linear + self.abatement


def plan_months(runs: Sequence[CostRun], year: int = 2023) -> PlanMonths:
    """Cost every plan of every run per month (unrounded, before the second-comune split)."""
    plans, table, intervals = build_plans(runs, year)
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
    starts = seg.group_starts(p * 12 + month)
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
        year=year,
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
    comune = np.where(
        second,
        labels["second_comune"].to_numpy()[plan],
        labels["comune"].to_numpy()[plan],
    )
    month_names = np.array([f"{months.year}-{m:02d}" for m in range(1, 13)], dtype=object)
    text = {
        "scenario": labels["scenario"].to_numpy()[plan],
        "beneficiary_id": labels["beneficiary_id"].to_numpy()[plan],
        "comune": comune,
        "service": labels["service"].to_numpy()[plan],
        "item": labels["item"].to_numpy()[plan],
        "month": month_names[months.month[row]],
    }
    frame = pd.DataFrame({name: pd.array(values, dtype="str") for name, values in text.items()})
    full = {
        "quantity": (months.quantity, 6),
        "net_eur": (months.net, 2),
        "vat_eur": (months.vat, 2),
        "district_eur": (months.district, 2),
    }
    for name, (values, decimals) in full.items():
        frame[name] = _split_amounts(values, share2, split, decimals if rounded else None)[order]
    gross = frame["net_eur"] + frame["vat_eur"]
    frame["gross_eur"] = gross.round(2) if rounded else gross
    comune_eur = frame["gross_eur"] - frame["district_eur"]
    frame.insert(10, "comune_eur", comune_eur.round(2) if rounded else comune_eur)
    return frame[COSTS_MONTHLY_COLUMNS]


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
