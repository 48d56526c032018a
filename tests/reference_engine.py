"""Reference oracle: the cost semantics walked day by day in plain Python (test support only).

Deliberately naive and independent of cscplan.tariffs.engine: every active day of every plan
looks its rate and every parameter up in the schedule's dated values, amounts are accumulated
per month, then the month-level rules (abatement cap, the payer paying the rest, second comune
split, rounding) are applied. It learns every rule of the sheets: the FUD contribution, the
``continues_as`` switch (pronto intervento), closing units (SAAP coordination), dated parameters,
each payer's share and the two readings of the abatement cap in part months.
Also builds small hand-made schedules for the tests.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cscplan.periods import Period
from cscplan.tariffs.engine import COSTS_MONTHLY_COLUMNS  # the contract's columns only
from cscplan.tariffs.schedule import build_schedule
from cscplan.vocabulary import COMUNE, DISTRICT, PAYER_COLUMNS, PAYERS

PARAMETERS = {
    "vat_rate": 0.05,
    "abatement_share": 0.5,
    "abatement_cap_month": 200.0,
    "uplift": 0.20,
}
OTHERS = [p for p in PAYERS if p != DISTRICT]


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


class _Book:
    """The schedule read naively: rate rows per code, parameters and item values by date."""

    def __init__(self, schedule, vat_rate, cap_pro_rata):
        self.schedule = schedule
        self.items = {r["code"]: r for r in schedule.items.to_dict("records")}
        self.rates = schedule.rates.to_dict("records")
        self.roles: dict[tuple[str, str], tuple[str, bool]] = {
            (r.code, r.role): (r.value, bool(r.complement))
            for r in schedule.item_values.itertuples(index=False)
        }
        self.vat_rate, self.cap_pro_rata = vat_rate, cap_pro_rata

    def param(self, name: str, day: date) -> float:
        if name == "vat_rate" and self.vat_rate is not None:
            return self.vat_rate
        if name == "abatement_cap_pro_rata" and self.cap_pro_rata is not None:
            return self.cap_pro_rata
        return self.schedule.parameters[name].at(day)

    def role(self, code: str, role: str, day: date) -> float | None:
        if (code, role) not in self.roles:
            return None
        name, complement = self.roles[(code, role)]
        value = float(self.schedule.values[name].at(day))
        return 1.0 - value if complement else value

    def rate_rows(self, code: str, group_size) -> list[dict]:
        rows = [r for r in self.rates if r["code"] == code]
        if self.items[code]["group_pricing"]:
            size = 1 if _missing(group_size) else group_size
            exact = [r for r in rows if not _missing(r["group_size"]) and r["group_size"] == size]
            if exact:
                return exact
        return [r for r in rows if _missing(r["group_size"])]


def _rate_on(rows: list[dict], day: date) -> dict:
    for r in rows:
        if _as_date(r["valid_from"]) <= day <= _as_date(r["valid_to"]):
            return r
    raise LookupError(f"no rate on {day}")


def _switch_day(plan: dict, item: dict) -> tuple[date | None, str | None]:
    target = item.get("continues_as") or ""
    if not target:
        return None, None
    start = pd.Timestamp(plan["start"])
    return (start + pd.DateOffset(months=int(item["continues_after_months"]))).date(), target


class _Month:
    def __init__(self):
        self.days = 0
        self.qty = self.net = self.vat = self.district = self.abatable = self.cap = 0.0
        self.own = dict.fromkeys(OTHERS, 0.0)


def _day_amounts(book, plan, item, code, day, scale, units) -> dict:
    """One day's (or one closing charge's) amounts for ``units`` units at the day's rate."""
    r = _rate_on(book.rate_rows(code, plan.get("group_size")), day)
    rate = float(r["rate"]) + (
        0.0 if _missing(r.get("fud_contribution")) else r["fud_contribution"]
    )
    uplift = 1.0
    if plan.get("uplift") and item["uplift_allowed"]:
        uplift += book.param("uplift", day)
    qty = units * scale
    net = qty * rate * uplift
    vat = net * (book.param("vat_rate", day) if item["vat"] == "added" else 0.0)
    gross = net + vat
    share = book.role(item["code"], "share:" + DISTRICT, day) or 0.0
    if plan.get("placed_minor") and item.get("placed_minor_allowed"):
        share = book.role(item["code"], "placed_minor", day)
    stated = r.get("district_rate")
    district = gross * share if _missing(stated) else qty * float(stated)
    own = {p: gross * (book.role(item["code"], "share:" + p, day) or 0.0) for p in OTHERS}
    payer = item.get("payer", COMUNE)
    comune = gross - district - sum(v for p, v in own.items() if p != COMUNE)
    comune_part = comune if payer == COMUNE else own[COMUNE]
    return {
        "qty": qty,
        "net": net,
        "vat": vat,
        "district": district,
        "own": own,
        "comune": comune_part,
    }


def _plan_months(
    book, plan: dict, item: dict, period: Period, scale: float, weight: float, abatement: bool
):
    """{(year, month): _Month} of one plan, walking every day."""
    start, end = _as_date(plan["start"]), _as_date(plan["end"])
    first, last = max(start, period.start), min(end, period.end)
    if item["unit"] == "package":
        if not period.contains(start):
            return {}
        last = min(
            end, date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
        )
    switch, target = _switch_day(plan, item)
    months: dict[tuple[int, int], _Month] = {}
    day = first
    while day <= last:
        dim = calendar.monthrange(day.year, day.month)[1]
        code = target if switch is not None and day >= switch else item["code"]
        if item["unit"] in ("hour", "day"):
            units = float(plan["qty_per_week"]) / 7
        elif item["unit"] == "week":
            units = 1 / 7
        elif item["unit"] == "month":
            units = 1 / dim
        else:
            units = 1.0 if day == start else 0.0
        amounts = _day_amounts(book, plan, item, code, day, scale, units)
        month = months.setdefault((day.year, day.month), _Month())
        _accumulate(month, amounts)
        month.days += 1
        if abatement:
            month.abatable += book.param("abatement_share", day) * amounts["comune"]
            month.cap += book.param("abatement_cap_month", day) * weight / dim
        day += timedelta(days=1)
    units = book.role(item["code"], "closing_units", end) if period.contains(end) else None
    if units is not None:
        code = target if switch is not None and end >= switch else item["code"]
        amounts = _day_amounts(book, plan, item, code, end, scale, units)
        month = months.setdefault((end.year, end.month), _Month())
        _accumulate(month, amounts)
        if abatement:
            month.abatable += book.param("abatement_share", end) * amounts["comune"]
    return months


def _accumulate(month: _Month, amounts: dict) -> None:
    month.qty += amounts["qty"]
    month.net += amounts["net"]
    month.vat += amounts["vat"]
    month.district += amounts["district"]
    for payer, value in amounts["own"].items():
        month.own[payer] += value


def _month_cap(book, item, month: _Month, key, period: Period, weight: float) -> float:
    if not item["abatement_capped"]:
        return math.inf
    year, number = key
    day = max(date(year, number, 1), period.start)
    if book.param("abatement_cap_pro_rata", day):
        return month.cap  # Σ active days × cap / days in month
    return book.param("abatement_cap_month", day) * weight  # the full monthly cap


def reference_costs(
    caseload: pd.DataFrame,
    schedule,
    period: Period | int | None = None,
    *,
    vat_rate: float | None = None,
    district_abatement: bool = True,
    uptake=None,
    scenario: str = "baseline",
    cap_pro_rata: bool | None = None,
) -> pd.DataFrame:
    """The costs_monthly rows the engine must produce, computed the slow obvious way."""
    if isinstance(period, int):
        period = Period.calendar_year(period)
    period = period or schedule.period
    book = _Book(schedule, vat_rate, cap_pro_rata)
    out = []
    for i, plan in enumerate(caseload.to_dict("records")):
        item = book.items[plan["item"]]
        weight = float(plan.get("weight", 1.0))
        scale = weight * (1.0 if uptake is None else float(uptake[i]))
        abatement = bool(item["abatement"]) and district_abatement
        months = _plan_months(book, plan, item, period, scale, weight, abatement)
        for key, month in sorted(months.items()):
            out.extend(_rows(book, plan, item, key, month, period, weight, abatement, scenario))
    frame = pd.DataFrame(out, columns=COSTS_MONTHLY_COLUMNS)
    numeric = COSTS_MONTHLY_COLUMNS[6:]
    frame[numeric] = frame[numeric].astype(float)
    return frame


def _rows(book, plan, item, key, month: _Month, period, weight, abatement, scenario) -> list[dict]:
    district, own = month.district, dict(month.own)
    payer = item.get("payer", COMUNE)
    if abatement:
        cut = min(month.abatable, _month_cap(book, item, month, key, period, weight))
        district += cut
        if payer != COMUNE:
            own[COMUNE] -= cut
    own[payer] = 0.0
    stated = {"district_eur": district} | {
        PAYER_COLUMNS[p]: v for p, v in own.items() if p != payer
    }
    base = {
        "scenario": scenario,
        "beneficiary_id": str(plan["beneficiary_id"]),
        "service": item["service"],
        "item": item["code"],
        "month": f"{key[0]}-{key[1]:02d}",
    }
    full = {
        "quantity": _round(month.qty, 6),
        "net_eur": _round(month.net),
        "vat_eur": _round(month.vat),
    }
    full |= {name: _round(value) for name, value in stated.items()}
    second = plan.get("second_comune") or ""
    day = max(date(key[0], key[1], 1), period.start)
    share2 = book.role(item["code"], "second_comune", day) if second else None
    rest_column = PAYER_COLUMNS[payer]
    if share2 is None:
        return [_with_totals(base | {"comune": plan["comune"]} | full, rest_column)]
    raw = {"quantity": month.qty, "net_eur": month.net, "vat_eur": month.vat} | stated
    part = {k: _round(v * share2, 6 if k == "quantity" else 2) for k, v in raw.items()}
    rest = {k: round(full[k] - part[k], 6 if k == "quantity" else 2) for k in full}
    return [
        _with_totals(base | {"comune": plan["comune"]} | rest, rest_column),
        _with_totals(base | {"comune": second} | part, rest_column),
    ]


def _round(value: float, decimals: int = 2) -> float:
    """The documented rounding rule: snap to 1e-9, then NumPy half-to-even."""
    return float(np.round(np.round(value, 9), decimals))


def _with_totals(row: dict, rest_column: str) -> dict:
    gross = round(row["net_eur"] + row["vat_eur"], 2)
    others = sum(row.get(c, 0.0) for c in PAYER_COLUMNS.values() if c != rest_column)
    row = {c: 0.0 for c in PAYER_COLUMNS.values()} | row
    return row | {"gross_eur": gross, rest_column: round(gross - others, 2)}


# --------------------------------------------------------------------------- toy schedules

ITEM_DEFAULTS = {
    "district_share": 0.0,
    "abatement": False,
    "abatement_capped": True,
    "uplift_allowed": False,
    "group_pricing": False,
    "min_weeks": pd.NA,
    "max_weeks": pd.NA,
    "payer": COMUNE,
    "second_comune_allowed": False,
    "placed_minor_allowed": False,
    "continues_as": "",
    "continues_after_months": pd.NA,
    "closing_units": False,
    "operator_alternative": "",
    "source_line": 1,
    "note": "",
}
# item keys naming a value (number or parameter) → its role, as in the tariff file
ROLE_KEYS = {
    "district_share": "share:" + DISTRICT,
    "second_comune_share": "second_comune",
    "placed_minor_district_share": "placed_minor",
    "closing_units": "closing_units",
}


def make_schedule(items: list[dict], rates: list[dict], **parameters):
    """A TariffSchedule from plain dicts (rates: code, valid_from, valid_to, rate, ...; items may
    carry ``shares: {payer: value}`` and the ROLE_KEYS, each a number or a parameter name)."""
    values, rows = [], []
    for item in items:
        item = dict(item)
        for key, role in ROLE_KEYS.items():
            value = item.pop(key, None)
            if value is not None and not (key == "district_share" and value == 0):
                values.append({"code": item["code"], "role": role, "value": value})
        for payer, value in item.pop("shares", {}).items():
            values.append({"code": item["code"], "role": "share:" + payer, "value": value})
        flags = {
            role: any(v["code"] == item["code"] and v["role"] == role for v in values)
            for role in ROLE_KEYS.values()
        }
        item.setdefault("second_comune_allowed", flags["second_comune"])
        item.setdefault("placed_minor_allowed", flags["placed_minor"])
        item.setdefault("closing_units", flags["closing_units"])
        rows.append(
            ITEM_DEFAULTS
            | {"label": item["code"], "qty_required": item["unit"] in ("hour", "day")}
            | item
        )
    item_frame = pd.DataFrame(rows)
    for col in ("min_weeks", "max_weeks", "continues_after_months"):
        item_frame[col] = item_frame[col].astype("Int64")
    rate_rows = [
        {
            "group_size": pd.NA,
            "district_rate": math.nan,
            "fud_contribution": math.nan,
            "source_line": 1,
        }
        | {"basis": "datata", "basis_line": pd.NA, "basis_note": ""}
        | r
        for r in rates
    ]
    rate_frame = pd.DataFrame(rate_rows)
    for col in ("valid_from", "valid_to"):
        rate_frame[col] = pd.to_datetime(rate_frame[col]).astype("datetime64[ns]")
    for col in ("group_size", "basis_line"):
        rate_frame[col] = rate_frame[col].astype("Int64")
    for col in ("rate", "district_rate", "fud_contribution"):
        rate_frame[col] = rate_frame[col].astype(float)
    return build_schedule(item_frame, rate_frame, PARAMETERS | parameters, "toy.yaml", values)


def _year(code, rate, **extra):
    return {
        "code": code,
        "valid_from": "2023-01-01",
        "valid_to": "2023-12-31",
        "rate": rate,
    } | extra


def toy_schedule(**parameters):
    """Every unit type and payer rule, with rate changes on a month start and mid-month."""
    items = [
        {"code": "HOUR", "service": "SAD", "unit": "hour", "vat": "added"},
        {
            "code": "ADM",
            "service": "ADM-ADEA",
            "unit": "hour",
            "vat": "added",
            "second_comune_share": 0.5,
        },
        {
            "code": "SIP",
            "service": "SIP",
            "unit": "hour",
            "vat": "added",
            "second_comune_share": 0.5,
            "placed_minor_district_share": 0.5,
        },
        {"code": "DAY_FUD", "service": "CSE", "unit": "day", "vat": "none"},
        {"code": "CDD", "service": "CDD", "unit": "day", "vat": "none"},
        {"code": "CDM", "service": "CDM", "unit": "day", "vat": "included", "abatement": True},
        {
            "code": "CDM_NOCAP",
            "service": "CDM",
            "unit": "day",
            "vat": "included",
            "abatement": True,
            "abatement_capped": False,
        },
        {"code": "ISD", "service": "ISD", "unit": "week", "vat": "included", "district_share": 0.8},
        {
            "code": "AFFIDO",
            "service": "AFFIDO",
            "unit": "month",
            "vat": "none",
            "abatement": True,
            "uplift_allowed": True,
        },
        {
            "code": "PRONTO",
            "service": "AFFIDO",
            "unit": "month",
            "vat": "none",
            "abatement": True,
            "uplift_allowed": True,
            "continues_as": "AFFIDO",
            "continues_after_months": 3,
        },
        {
            "code": "PACK",
            "service": "QSFP",
            "unit": "package",
            "vat": "included",
            "payer": "fondo_poverta",
        },
        {
            "code": "GROUP",
            "service": "AID",
            "unit": "hour",
            "vat": "added",
            "group_pricing": True,
            "payer": "fna",
        },
        {
            "code": "CAMP",
            "service": "AID",
            "unit": "hour",
            "vat": "added",
            "payer": "fna",
            "shares": {"famiglia": 0.3},
        },
        {"code": "SAAP_SUP", "service": "SAAP", "unit": "hour", "vat": "added", "closing_units": 3},
    ]
    rates = [
        {"code": "HOUR", "valid_from": "2023-01-01", "valid_to": "2023-03-31", "rate": 19.20},
        {"code": "HOUR", "valid_from": "2023-04-01", "valid_to": "2023-06-14", "rate": 20.20},
        {"code": "HOUR", "valid_from": "2023-06-15", "valid_to": "2023-12-31", "rate": 21.00},
        {"code": "ADM", "valid_from": "2023-01-01", "valid_to": "2023-03-31", "rate": 20.87},
        {"code": "ADM", "valid_from": "2023-04-01", "valid_to": "2023-12-31", "rate": 22.50},
        {"code": "SIP", "valid_from": "2023-01-01", "valid_to": "2023-01-31", "rate": 21.73},
        {"code": "SIP", "valid_from": "2023-02-01", "valid_to": "2023-12-31", "rate": 22.70},
        _year("DAY_FUD", 53.0, district_rate=21.0),
        _year("CDD", 33.0, fud_contribution=1.0),
        _year("CDM", 60.0),
        _year("CDM_NOCAP", 60.0),
        _year("ISD", 120.0),
        {"code": "AFFIDO", "valid_from": "2023-01-01", "valid_to": "2023-07-19", "rate": 400.0},
        {"code": "AFFIDO", "valid_from": "2023-07-20", "valid_to": "2023-12-31", "rate": 450.0},
        _year("PRONTO", 500.0),
        {"code": "PACK", "valid_from": "2023-01-01", "valid_to": "2023-05-31", "rate": 215.0},
        {"code": "PACK", "valid_from": "2023-06-01", "valid_to": "2023-12-31", "rate": 230.0},
        _year("GROUP", 21.0, group_size=1),
        _year("GROUP", 13.0, group_size=2),
        _year("GROUP", 11.0, group_size=3),
        _year("CAMP", 14.0),
        {"code": "SAAP_SUP", "valid_from": "2023-01-01", "valid_to": "2023-01-31", "rate": 18.87},
        {"code": "SAAP_SUP", "valid_from": "2023-02-01", "valid_to": "2023-12-31", "rate": 20.00},
    ]
    return make_schedule(items, rates, **parameters)


def caseload(rows: list[dict]) -> pd.DataFrame:
    """A validated-looking caseload frame from a few dicts (defaults for optional columns)."""
    defaults = {
        "comune": "Crema",
        "qty_per_week": math.nan,
        "second_comune": "",
        "group_size": pd.NA,
        "uplift": False,
        "placed_minor": False,
    }
    frame = pd.DataFrame([defaults | {"beneficiary_id": f"B{i}"} | r for i, r in enumerate(rows)])
    frame["start"] = pd.to_datetime(frame["start"]).astype("datetime64[ns]")
    frame["end"] = pd.to_datetime(frame["end"]).astype("datetime64[ns]")
    frame["group_size"] = frame["group_size"].astype("Int64")
    frame["qty_per_week"] = frame["qty_per_week"].astype(float)
    return frame
