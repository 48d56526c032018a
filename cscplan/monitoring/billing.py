"""Delivered visits → billable units → billable euros, by the tariff book's billing rules.

:func:`billable_visits` applies, visit by visit, the rules of the book's ``billing`` section
(:mod:`cscplan.tariffs.billing`): back-office activity codes are logged, never billed; a visit on a
Sunday or an Italian national holiday (the ``holidays`` library; a comune's patron saint's day is
a weekday) is billed at the holiday item of its pair, a weekday visit at the weekday item; hour
items with a minute rule add the travel minutes, round down to the step, bill at least the
minimum, once per operator present; day-centre attendance is part or full time by the hours
attended; any other hour item bills its minutes, any other day item one day per row.

:func:`billable_monthly` prices the billable units with the cost engine itself (each visit a
one-day plan at the rate in force that day, VAT and payers as in ``costs_monthly``), keeps the
amounts unrounded, sums them per provider, comune, beneficiary, item and month, and rounds each
output row to the cent (the payer paying the rest takes gross minus the others).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import holidays
import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.monitoring.intake import InputFile
from cscplan.periods import Period
from cscplan.tariffs.engine import CostRun, cost_runs, round_to
from cscplan.tariffs.schedule import CLOSING_UNITS, TariffSchedule
from cscplan.vocabulary import PAYER_COLUMNS

VISIT_COLUMNS = list(metadata.dtypes("billable_visits"))
MONTHLY_COLUMNS = list(metadata.dtypes("billable_monthly"))
MONTHLY_KEY = list(metadata.TABLES["billable_monthly"].key)
PLAN_OPTIONS = ("second_comune", "group_size", "uplift", "placed_minor")
"""Plan attributes a visit takes from the beneficiary's plan (when a caseload is given)."""
SUNDAY = 6
BACK_OFFICE, ATTENDANCE, HOURS, DAYS, NOTHING = "back_office", "frequenza", "ore", "giornata", ""


@cache
def national_holidays(country: str, years: tuple[int, ...]) -> frozenset:
    """The country's national holidays (no province or city: no patron saints) in ``years``."""
    return frozenset(holidays.country_holidays(country, years=list(years)))


def holiday_flags(dates: pd.Series, country: str) -> np.ndarray:
    """Sunday or national holiday, per date."""
    days = pd.to_datetime(dates)
    years = tuple(sorted(int(y) for y in days.dt.year.unique()))
    national = national_holidays(country, years)
    return (days.dt.day_of_week.eq(SUNDAY) | days.dt.date.isin(national)).to_numpy(bool)


def billable_visits(activity: InputFile, schedule: TariffSchedule) -> pd.DataFrame:
    """One row per exported visit: the item billed, billable minutes, quantity and the rule."""
    frame = activity.frame
    rules = schedule.billing
    units = schedule.items.set_index("code")["unit"]
    planned = frame["item"].astype(str)
    minutes = frame["minutes"].to_numpy(float)
    operators = frame["operators"].to_numpy(int)
    code = frame["activity_code"].astype(str).str.strip().str.upper()
    holiday = holiday_flags(frame["date"], rules.country)
    back = code.isin(rules.back_office).to_numpy()
    billed = planned.map(rules.weekday_of).fillna(planned)
    billed = billed.where(~holiday, planned.map(rules.holiday_of).fillna(planned))
    billed = _attended(billed, minutes, rules)
    billed = billed.where(~back, planned).to_numpy(dtype=object)
    unit = pd.Series(billed).map(units).to_numpy(dtype=object)
    kind = _rule_kind(billed, unit, back, rules)
    if (kind == NOTHING).any():
        i = int(np.flatnonzero(kind == NOTHING)[0])
        raise InputError(
            activity.source,
            "una prestazione a ore o a giornate (l'esportazione delle prestazioni)",
            f"{planned.iat[i]} (unità: {unit[i]})",
            row=activity.line(i),
            column="Prestazione",
        )
    billable, quantity = _quantities(billed, kind, minutes, operators, rules)
    cache: dict[tuple, tuple[str, str]] = {}
    notes = [
        cache.get(args) or cache.setdefault(args, _note(*args, rules))
        for args in zip(
            kind, billed, planned, minutes, operators, billable, code, holiday, strict=True
        )
    ]
    result = pd.DataFrame(
        {
            "provider": frame["provider"].to_numpy(dtype=object),
            "date": frame["date"].to_numpy(),
            "month": frame["date"].dt.strftime("%Y-%m").to_numpy(dtype=object),
            "beneficiary_id": frame["beneficiary_id"].to_numpy(dtype=object),
            "comune": frame["comune"].to_numpy(dtype=object),
            "planned_item": planned.to_numpy(dtype=object),
            "activity_code": frame["activity_code"].to_numpy(dtype=object),
            "minutes": minutes,
            "operators": operators,
            "holiday": holiday,
            "item": billed,
            "billable_minutes": billable,
            "quantity": quantity,
            "rule": kind,
            "rule_note": [n[0] for n in notes],
            "rule_lines": [n[1] for n in notes],
            "line": np.asarray(activity.lines, dtype=int),
        }
    )
    return metadata.validate("billable_visits", result.astype(metadata.dtypes("billable_visits")))


def _attended(billed: pd.Series, minutes: np.ndarray, rules) -> pd.Series:
    """Day-centre attendance: full time above the pair's hours, else part time."""
    pairs = billed.map(rules.attendance)
    attended = pairs.notna().to_numpy()
    if not attended.any():
        return billed
    chosen = pairs[attended]
    full = chosen.map(lambda pair: pair.full).to_numpy(dtype=object)
    part = chosen.map(lambda pair: pair.part).to_numpy(dtype=object)
    above = chosen.map(lambda pair: pair.full_above).to_numpy(float)
    out = billed.to_numpy(dtype=object).copy()
    out[attended] = np.where(minutes[attended] > above, full, part)
    return pd.Series(out, index=billed.index)


def _rule_kind(billed: np.ndarray, unit: np.ndarray, back: np.ndarray, rules) -> np.ndarray:
    names = {code: rule.name for code, rule in rules.minute_rules.items()}
    kind = pd.Series(billed).map(names).to_numpy(dtype=object)
    kind = np.where(pd.isna(kind), NOTHING, kind).astype(object)
    attended = pd.Series(billed).isin(list(rules.attendance)).to_numpy()
    free = kind == NOTHING
    kind[free & (unit == "hour")] = HOURS
    kind[free & (unit == "day")] = DAYS
    kind[attended] = ATTENDANCE
    kind[back] = BACK_OFFICE
    return kind


def _quantities(billed, kind, minutes, operators, rules) -> tuple[np.ndarray, np.ndarray]:
    """Billable minutes (per operator) and billable units of every visit."""
    billable = minutes.copy()
    quantity = np.where(np.isin(kind, [ATTENDANCE, DAYS]), 1.0, minutes / 60 * operators)
    for code, rule in rules.minute_rules.items():
        mask = billed == code
        if not mask.any():
            continue
        total = minutes[mask] + rule.travel
        rounded = np.maximum(np.floor(total / rule.step) * rule.step, rule.minimum)
        rounded = np.where(minutes[mask] > 0, rounded, 0.0)
        billable[mask] = rounded
        count = operators[mask] if rule.per_operator else 1
        quantity[mask] = rounded / 60 * count
    back = kind == BACK_OFFICE
    billable[back], quantity[back] = 0.0, 0.0
    return billable, quantity


def _note(kind, billed, planned, minutes, operators, billable, code, holiday, rules):
    """(Italian note, guidelines' lines) of one visit's rule."""
    if kind == BACK_OFFICE:
        lines = ";".join(map(str, rules.back_office_lines))
        return f"back-office {code}: registrato, non fatturato", lines
    if kind == ATTENDANCE:
        pair = rules.attendance[billed]
        side = "tempo pieno" if billed == pair.full else "part time"
        return (
            f"frequenza di {_hours(minutes)}: {side} (oltre {_hours(pair.full_above)}: tempo pieno)",
            str(pair.line),
        )
    if kind == DAYS:
        return "una giornata (accesso o pasto) per riga", ""
    if kind == HOURS:
        return f"{minutes:g} min × {operators} operatori, senza arrotondamento", ""
    rule = rules.minute_rules[billed]
    note = _minute_note(minutes, rule, minutes + rule.travel, billable, operators)
    lines = ";".join(map(str, rule.lines))
    if billed != planned:
        note += f"; {'domenica o festività nazionale' if holiday else 'giorno feriale'}: {billed}"
        lines += f";{rules.holiday_line}"
    return note, lines


def _hours(minutes: float) -> str:
    hours, rest = divmod(int(round(minutes)), 60)
    return f"{hours} h" + (f" {rest:02d} min" if rest else "")


def _minute_note(minutes, rule, total, billable, count) -> str:
    if minutes <= 0:
        return "nessun minuto di attività: nulla da fatturare"
    text = f"{minutes:g} min"
    if rule.travel:
        text += f" + {rule.travel} di trasferimento = {total:g}"
    text += f" → {billable:g} (per difetto a {rule.step} min"
    if rule.minimum:
        text += f", minimo {rule.minimum}"
    text += ")"
    if count > 1 and rule.per_operator:
        text += f" × {count} operatori"
    return text


# --------------------------------------------------------------------------- euros


def visit_plans(visits: pd.DataFrame, caseload: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each billed visit as a one-day plan of its quantity (the engine's caseload columns); the
    beneficiary's plan options (second comune, group size, uplift, placed minor) from the
    caseload's plan of the same item, when one is given."""
    billed = visits[visits["quantity"] > 0]
    plans = pd.DataFrame(
        {
            "beneficiary_id": billed["beneficiary_id"].astype(str).to_numpy(dtype=object),
            "comune": billed["comune"].astype(str).to_numpy(dtype=object),
            "item": billed["item"].astype(str).to_numpy(dtype=object),
            "start": billed["date"].to_numpy(),
            "end": billed["date"].to_numpy(),
            "qty_per_week": billed["quantity"].to_numpy(float) * 7,
            "provider": billed["provider"].astype(str).to_numpy(dtype=object),
            "planned_item": billed["planned_item"].astype(str).to_numpy(dtype=object),
        }
    )
    if caseload is None or caseload.empty:
        return plans
    options = [c for c in PLAN_OPTIONS if c in caseload.columns]
    latest = caseload.sort_values("start").drop_duplicates(["beneficiary_id", "item"], keep="last")
    latest = latest[["beneficiary_id", "item", *options]].rename(columns={"item": "planned_item"})
    return plans.merge(latest, on=["beneficiary_id", "planned_item"], how="left")


def billable_monthly(
    visits: pd.DataFrame, schedule: TariffSchedule, caseload: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``billable_monthly``: the visits priced by the cost engine, per provider, comune,
    beneficiary, item and month, rounded per row (payer columns as in ``costs_monthly``)."""
    plans = visit_plans(visits, caseload)
    if plans.empty:
        return metadata.frame_from_records("billable_monthly", [])
    period = Period.between(plans["start"].min(), plans["start"].max())
    per_visit = _per_visit(schedule)
    runs = [  # one run per provider: the engine's scenario column carries the provider
        CostRun(provider, group.reset_index(drop=True), per_visit)
        for provider, group in plans.groupby("provider", sort=True)
    ]
    costs = cost_runs(runs, period, rounded=False).rename(columns={"scenario": "provider"})
    amounts = ["quantity", "net_eur", "vat_eur", *PAYER_COLUMNS.values()]
    summed = costs.groupby(MONTHLY_KEY, sort=True, as_index=False)[amounts].sum()
    return rounded_rows(summed, schedule)


def _per_visit(schedule: TariffSchedule) -> TariffSchedule:
    """The schedule without units charged at a plan's end (a visit is not a plan: the SAAP
    coordination hours are logged as visits, line 1432)."""
    values = schedule.item_values
    return replace(schedule, item_values=values[values["role"] != CLOSING_UNITS])


def rounded_rows(summed: pd.DataFrame, schedule: TariffSchedule) -> pd.DataFrame:
    """Round each row to the cent: net and VAT, gross = net + VAT, every payer but the item's
    remainder payer, who takes gross minus the others (the payer columns sum to gross)."""
    out = summed.copy()
    out["quantity"] = round_to(out["quantity"].to_numpy(float), 6)
    for column in ("net_eur", "vat_eur"):
        out[column] = round_to(out[column].to_numpy(float), 2)
    out["gross_eur"] = np.round(out["net_eur"] + out["vat_eur"], 2)
    remainder = out["item"].map(schedule.items.set_index("code")["payer"]).map(PAYER_COLUMNS)
    payers = list(PAYER_COLUMNS.values())
    for column in payers:
        out[column] = round_to(out[column].to_numpy(float), 2)
    for column in payers:
        mine = remainder.eq(column).to_numpy()
        others = out[[c for c in payers if c != column]].sum(axis=1).to_numpy()
        out.loc[mine, column] = np.round(out["gross_eur"].to_numpy()[mine] - others[mine], 2)
    return metadata.frame_from_records("billable_monthly", out[MONTHLY_COLUMNS].to_dict("records"))
