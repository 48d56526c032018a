"""SYNTHETIC sample caseload: the plan's budget lines re-expressed as individual plans at tariffs.

For every row of data/service_budget_link.csv the linked budget line's amount (the plan's PO of
the year, read from the parsed plan) is split over the row's items by the synthetic weights of
``data/caseload_sample_spec.csv`` (``mix_share``); each item's share is then filled with plausible
individual plans (hours or days per week between ``qty_min`` and ``qty_max``, full-year or
part-year, school terms for ``shape = anno_scolastico``, ``fixed_days`` for packages and
pronto intervento; groups, second comuni, placed minors and uplifts in the spec's shares) until
the plans' gross annual cost at the schedule's tariffs equals that share, the last plan being
trimmed. Items marked ``illustrative`` (ISD: no 2020 line, a new service) get
``ILLUSTRATIVE_PLANS`` plans of their minimum to maximum weeks, the item drawn among them.

Comuni follow a stated rule, not chance: the plans of each item are shared among the comuni in
proportion to a per-comune weight (``data/comuni_pesi.csv``, an *ipotesi*: the order of magnitude of
each comune's residents, not from the sources), by :class:`Apportionment` — the k-th plan of an
item goes to the comune furthest below its share (weight share × k − its plans so far), so no
comune ever has more plans than its share rounded up. A plan's second comune (ADM) is drawn with
the same weights. Every other random choice comes from ``numpy.random.default_rng(seed)``: same
seed, same file. None of these plans is real: the file exists to exercise the engine at a
realistic scale.

Run ``python -m cscplan.scenarios.sample_caseload`` to regenerate data/caseload_sample.csv and the
per-comune submissions of ``data/esempi/`` (:mod:`cscplan.scenarios.sample_submissions`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from cscplan import paths
from cscplan.errors import InputError
from cscplan.io import write_csv
from cscplan.scenarios.caseload import CASELOAD_COLUMNS
from cscplan.tabular import load_reference
from cscplan.tariffs.schedule import TariffSchedule, load_schedule
from cscplan.vocabulary import DEFAULT_SEED

SPEC = paths.DATA_DIR / "caseload_sample_spec.csv"
SPEC_NUMBERS = ("mix_share", "qty_min", "qty_max", "fixed_days", "group_share", "group_max")
SPEC_NUMBERS += ("second_comune_share", "placed_minor_share", "uplift_share")
SCHOOL_YEAR = "anno_scolastico"
# Synthetic plan shapes (not from the sources)
SCHOOL_TERMS = (("01-09", "06-10"), ("09-12", "12-22"))  # month-day, within the schedule's year
FULL_YEAR_SHARE = 0.7
ILLUSTRATIVE_PLANS = 12


def load_spec(path: str | Path = SPEC) -> pd.DataFrame:
    """The synthetic assumptions per item (one row per item code), numbers read as floats."""
    return load_reference(path, _validate_spec)


def _validate_spec(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = frame.copy()
    for column in SPEC_NUMBERS:
        values = pd.to_numeric(frame[column].str.strip().replace("", np.nan), errors="coerce")
        bad = values.isna() & frame[column].str.strip().ne("")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                source, "un numero", repr(frame[column].iat[row]), row=row + 2, column=column
            )
        frame[column] = values
    frame["illustrative"] = frame["illustrative"].str.strip().eq("si")
    return frame.set_index("item")


class Apportionment:
    """Plans shared among comuni in proportion to their weights, one plan at a time: the k-th
    plan goes to the comune furthest below its share (share × k − plans so far; ties to the first
    listed), so a comune never has more than its share rounded up."""

    def __init__(self, comuni: pd.DataFrame) -> None:
        self.names = comuni["comune"].to_numpy()
        weights = comuni["peso"].to_numpy(dtype=float)
        self.share = weights / weights.sum()
        self.count = np.zeros(len(weights))

    def next(self) -> str:
        deficit = self.share * (self.count.sum() + 1) - self.count
        chosen = int(np.argmax(deficit))
        self.count[chosen] += 1
        return str(self.names[chosen])

    def other(self, comune: str, rng) -> str:
        """A second comune, drawn with the weights among the others."""
        others = self.names != comune
        share = self.share[others] / self.share[others].sum()
        return str(rng.choice(self.names[others], p=share))


def derive_sample_caseload(
    link: pd.DataFrame,
    schedule: TariffSchedule,
    comuni: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    spec: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Plans whose gross cost at the tariffs per budget line matches the line's plan amount.

    ``comuni`` has the columns ``comune`` and ``peso`` (the weight of :class:`Apportionment`);
    ``spec`` the synthetic assumptions per item (default ``data/caseload_sample_spec.csv``).
    """
    spec = load_spec() if spec is None else spec
    rng = np.random.default_rng(seed)
    daily = _daily_values(schedule)
    plans: list[dict] = []
    for row in link.itertuples():
        codes = row.item_code.split(";")
        weights = spec.loc[codes, "mix_share"].to_numpy(float)
        for code, weight in zip(codes, weights / weights.sum(), strict=True):
            share = Apportionment(comuni)
            plans += _fill(code, row.plan_amount * weight, schedule, daily, share, rng, spec)
    plans += _illustrative_plans(Apportionment(comuni), rng, schedule, spec)
    frame = pd.DataFrame(plans, columns=CASELOAD_COLUMNS)
    return frame.sort_values(["item", "beneficiary_id", "start"], kind="stable").reset_index(
        drop=True
    )


def plan_gross(plan: dict, schedule: TariffSchedule, daily: dict | None = None) -> float:
    """Gross annual cost (VAT and uplift included) of one plan, by daily values."""
    daily = daily if daily is not None else _daily_values(schedule)
    year_start = pd.Timestamp(schedule.period.start.year, 1, 1)
    first = (pd.Timestamp(plan["start"]) - year_start).days
    last = (pd.Timestamp(plan["end"]) - year_start).days
    key = (plan["item"], _size(plan["group_size"]))
    values, unit = daily[key if key in daily else (plan["item"], 1)]
    factor = 1.0 + schedule.value("uplift", schedule.period.start) if plan["uplift"] else 1.0
    if unit == "package":
        return float(values[first]) * factor
    qty = plan["qty_per_week"] / 7.0 if unit in ("hour", "day") else 1.0
    return float(values[first : last + 1].sum()) * qty * factor


def to_csv_frame(plans: pd.DataFrame) -> pd.DataFrame:
    """Text columns as written in data/caseload_sample.csv."""
    out = plans.copy()
    for name in ("start", "end"):
        out[name] = pd.to_datetime(out[name]).dt.strftime("%Y-%m-%d")
    out["qty_per_week"] = [_number(q) for q in out["qty_per_week"]]
    out["group_size"] = ["" if pd.isna(g) else str(int(g)) for g in out["group_size"]]
    for name in ("uplift", "placed_minor"):
        out[name] = np.where(out[name].astype(bool), "true", "false")
    return out


def main(
    out: Path = paths.SAMPLE_CASELOAD, seed: int = 2023, examples: Path | None = paths.EXAMPLES
) -> Path:
    from cscplan.scenarios.budget_link import linked_cells, load_budget_link
    from cscplan.sources.piano_programma import load_plan
    from cscplan.validation.masked import recover_masked

    plan = load_plan(paths.PIANO_PROGRAMMA)
    schedule = load_schedule(paths.TARIFFS)
    link = load_budget_link(paths.BUDGET_LINK, plan.years)
    lines = recover_masked(plan.budget_lines, plan.stated_totals)
    link = link.join(linked_cells(link, lines))
    comuni = load_weights(paths.COMUNE_WEIGHTS)
    plans = derive_sample_caseload(link, schedule, comuni, seed=seed)
    path = write_csv(out, to_csv_frame(plans))
    if examples is not None:
        from cscplan.scenarios.sample_submissions import write_examples

        write_examples(plans, schedule, examples)
    return path


def load_weights(path: Path = paths.COMUNE_WEIGHTS) -> pd.DataFrame:
    """``data/comuni_pesi.csv``: comune, peso (> 0), fonte — every comune of the district once."""
    from cscplan.scenarios.caseload import district_comuni
    from cscplan.tabular import load_reference

    def validate(frame: pd.DataFrame, source: str) -> pd.DataFrame:
        weights = pd.to_numeric(frame["peso"], errors="coerce")
        bad = ~(weights > 0)
        if bad.any():
            row = int(np.argmax(bad.to_numpy())) + 2
            raise InputError(
                source, "un peso positivo", repr(frame["peso"].iat[row - 2]), row=row, column="peso"
            )
        return frame.assign(peso=weights)

    weights = load_reference(path, validate)
    comuni = district_comuni()
    if sorted(weights["comune"]) != sorted(comuni):
        raise InputError(
            path,
            "un peso per ognuno dei comuni di data/comuni.csv",
            ", ".join(sorted(set(comuni) ^ set(weights["comune"]))),
        )
    return weights


# --- plan generation ----------------------------------------------------------------------------


def _fill(code, target, schedule, daily, share: Apportionment, rng, spec) -> list[dict]:
    """Plans for one item until their gross cost reaches ``target`` (last plan trimmed)."""
    unit = schedule.items.set_index("code").at[code, "unit"]
    year = schedule.period.start.year
    plans, total, number = [], 0.0, 0
    while total < target - 0.005:
        number += 1
        rows = _beneficiary_plans(code, number, unit, share, rng, year, spec.loc[code])
        cost = sum(plan_gross(p, schedule, daily) for p in rows)
        if total + cost > target and unit in ("hour", "day"):
            rows = _trimmed(rows, (target - total) / cost)
            cost = sum(plan_gross(p, schedule, daily) for p in rows)
        elif total + cost > target and total + cost / 2 > target:
            break
        plans += rows
        total += cost
    return plans


def _beneficiary_plans(code, number, unit, share: Apportionment, rng, year, spec) -> list[dict]:
    comune = share.next()
    base = _blank(f"{code}-{number:04d}", comune, code)
    if spec["shape"] == SCHOOL_YEAR:
        qty = _qty(spec, rng)
        terms = [(f"{year}-{s}", f"{year}-{e}") for s, e in SCHOOL_TERMS]
        return [{**base, "start": s, "end": e, "qty_per_week": qty} for s, e in terms]
    start, end = _period(spec, rng, year)
    plan = {**base, "start": start, "end": end}
    if unit in ("hour", "day"):
        plan["qty_per_week"] = _qty(spec, rng)
    if _given(spec["group_share"]) and rng.random() < spec["group_share"]:
        plan["group_size"] = int(rng.integers(2, int(spec["group_max"])))
    if _given(spec["second_comune_share"]) and rng.random() < spec["second_comune_share"]:
        plan["second_comune"] = share.other(comune, rng)
    if _given(spec["placed_minor_share"]):
        plan["placed_minor"] = bool(rng.random() < spec["placed_minor_share"])
    if _given(spec["uplift_share"]):
        plan["uplift"] = bool(rng.random() < spec["uplift_share"])
    return [plan]


def _given(value) -> bool:
    return not pd.isna(value)


def _blank(beneficiary: str, comune: str, code: str) -> dict:
    return {
        "beneficiary_id": beneficiary,
        "comune": comune,
        "item": code,
        "start": "",
        "end": "",
        "qty_per_week": np.nan,
        "second_comune": "",
        "group_size": pd.NA,
        "uplift": False,
        "placed_minor": False,
    }


def _period(spec: pd.Series, rng, year: int) -> tuple[str, str]:
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if _given(spec["fixed_days"]):
        days = int(spec["fixed_days"])
        start = year_start + dt.timedelta(days=int(rng.integers(0, 365 - days)))
        return start.isoformat(), (start + dt.timedelta(days=days - 1)).isoformat()
    if rng.random() < FULL_YEAR_SHARE:
        return year_start.isoformat(), year_end.isoformat()
    start = year_start + dt.timedelta(days=int(rng.integers(0, 300)))
    end = min(start + dt.timedelta(days=int(rng.integers(60, 300))), year_end)
    return start.isoformat(), end.isoformat()


def _qty(spec: pd.Series, rng) -> float:
    low, high = spec["qty_min"], spec["qty_max"]
    return float(rng.integers(int(low * 2), int(high * 2) + 1)) / 2.0


def _trimmed(rows: list[dict], fraction: float) -> list[dict]:
    """Scale the weekly quantity down (to 0.01) so the last plan closes the target."""
    return [{**p, "qty_per_week": max(round(p["qty_per_week"] * fraction, 2), 0.01)} for p in rows]


def _illustrative_plans(share: Apportionment, rng, schedule, spec: pd.DataFrame) -> list[dict]:
    """Plans of the ``illustrative`` items (no budget line): the item drawn among them, a
    duration between its minimum and maximum weeks, a start in the year's first 300 days."""
    codes = list(spec.index[spec["illustrative"]])
    if not codes:
        return []
    items = schedule.items.set_index("code")
    prefix = items.at[codes[0], "service"]
    year = schedule.period.start.year
    plans = []
    for number in range(1, ILLUSTRATIVE_PLANS + 1):
        code = codes[int(rng.integers(1, len(codes) + 1)) - 1]
        weeks = int(rng.integers(items.at[code, "min_weeks"], items.at[code, "max_weeks"] + 1))
        start = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        end = start + dt.timedelta(days=7 * weeks - 1)
        plan = _blank(f"{prefix}-{number:04d}", share.next(), code)
        plans.append({**plan, "start": start.isoformat(), "end": end.isoformat()})
    return plans


# --- daily values -------------------------------------------------------------------------------


def _daily_values(schedule: TariffSchedule) -> dict[tuple[str, int], tuple[np.ndarray, str]]:
    """Per (item, group size): gross value of one unit on each day of the year, and the unit.

    hour/day: gross rate of the day (× qty/7 later); week: rate/7; month: rate/days in month;
    package: the rate (charged once, on the start day).
    """
    year = schedule.period.start.year
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    vat = 1.0 + schedule.value("vat_rate", schedule.period.start)
    items = schedule.items.set_index("code")
    out: dict[tuple[str, int], tuple[np.ndarray, str]] = {}
    for (code, size), rates in schedule.rates.groupby(
        ["code", schedule.rates["group_size"].fillna(0)]
    ):
        unit, tax = items.at[code, "unit"], items.at[code, "vat"]
        values = np.zeros(len(days))
        for rate in rates.itertuples():
            mask = (days >= rate.valid_from) & (days <= rate.valid_to)
            values[mask] = rate.rate * (vat if tax == "added" else 1.0)
        if unit == "week":
            values = values / 7.0
        elif unit == "month":
            values = values / days.days_in_month.to_numpy()
        out[(code, int(size))] = (values, unit)
    return out


def _size(group_size) -> int:
    return 0 if group_size is None or pd.isna(group_size) else int(group_size)


def _number(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:g}"


if __name__ == "__main__":
    print(main())
