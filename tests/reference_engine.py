"""Reference oracle: the cost semantics walked day by day in plain Python (test support only).

Deliberately naive and independent of cscplan.tariffs.engine: every active day of every plan
looks its rate up in the schedule's dated periods, amounts are accumulated per month, then the
month-level rules (abatement cap, second comune split, rounding) are applied.
Also builds small hand-made schedules for the tests.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cscplan.tariffs.engine import COSTS_MONTHLY_COLUMNS  # the contract's columns only

try:  # the real dataclass once helper B1's loader is in place
    from cscplan.tariffs.schedule import TariffSchedule
except ImportError:  # pragma: no cover - only before schedule.py exists

    @dataclass(frozen=True)
    class TariffSchedule:  # type: ignore[no-redef]
        items: pd.DataFrame
        rates: pd.DataFrame
        parameters: dict
        source: str


PARAMETERS = {
    "year": 2023,
    "vat_rate": 0.05,
    "abatement_share": 0.5,
    "abatement_cap_month": 200.0,
    "uplift": 0.20,
    "adm_second_comune_share": 0.5,
    "sip_placed_minor_district_share": 0.5,
    "isd_comune_share": 0.2,
}
PLACED_MINOR_SERVICES = ("SIP",)


def _param(schedule, name):
    raw = schedule.parameters[name]
    return float(raw["value"] if isinstance(raw, dict) else raw)


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _rate_rows(schedule, code: str, group_pricing: bool, group_size) -> list[dict]:
    rows = [r for r in schedule.rates.to_dict("records") if r["code"] == code]
    if group_pricing:
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


def _plan_months(plan: dict, item: dict, schedule, year: int, vat_rate: float, scale: float):
    """{month: [days, quantity, net, vat, district]} of one plan, walking every day."""
    rows = _rate_rows(schedule, item["code"], bool(item["group_pricing"]), plan.get("group_size"))
    start, end = _as_date(plan["start"]), _as_date(plan["end"])
    first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
    if item["unit"] == "package":
        if not date(year, 1, 1) <= start <= date(year, 12, 31):
            return {}
        last = min(end, date(year, start.month, calendar.monthrange(year, start.month)[1]))
    uplift = 1.0
    if plan.get("uplift") and item["uplift_allowed"]:
        uplift += _param(schedule, "uplift")
    share = float(item["district_share"])
    if plan.get("placed_minor") and item["service"] in PLACED_MINOR_SERVICES:
        share = _param(schedule, "sip_placed_minor_district_share")
    vat = vat_rate if item["vat"] == "added" else 0.0
    months: dict[int, list[float]] = {}
    day = first
    while day <= last:
        r = _rate_on(rows, day)
        dim = calendar.monthrange(year, day.month)[1]
        if item["unit"] in ("hour", "day"):
            qty = float(plan["qty_per_week"]) / 7
        elif item["unit"] == "week":
            qty = 1 / 7
        elif item["unit"] == "month":
            qty = 1 / dim
        else:
            qty = 1.0 if day == start else 0.0
        qty *= scale
        net = qty * float(r["rate"]) * uplift
        gross = net * (1 + vat)
        district_rate = r.get("district_rate")
        district = gross * share if _missing(district_rate) else qty * float(district_rate)
        acc = months.setdefault(day.month, [0.0] * 5)
        for i, v in enumerate((1, qty, net, net * vat, district)):
            acc[i] += v
        day += timedelta(days=1)
    return months


def reference_costs(
    caseload: pd.DataFrame,
    schedule,
    year: int = 2023,
    *,
    vat_rate: float | None = None,
    district_abatement: bool = True,
    uptake=None,
    scenario: str = "baseline",
) -> pd.DataFrame:
    """The costs_monthly rows the engine must produce, computed the slow obvious way."""
    items = {r["code"]: r for r in schedule.items.to_dict("records")}
    vat_rate = _param(schedule, "vat_rate") if vat_rate is None else vat_rate
    out = []
    for i, plan in enumerate(caseload.to_dict("records")):
        item = items[plan["item"]]
        weight = float(plan.get("weight", 1.0))
        scale = weight * (1.0 if uptake is None else float(uptake[i]))
        months = _plan_months(plan, item, schedule, year, vat_rate, scale)
        for month, (days, qty, net, vat, district) in sorted(months.items()):
            gross = net + vat
            if item["abatement"] and district_abatement:
                dim = calendar.monthrange(year, month)[1]
                capped = item.get("abatement_capped", True)
                cap_month = _param(schedule, "abatement_cap_month") if capped else math.inf
                cap = cap_month * weight * days / dim
                district += min(_param(schedule, "abatement_share") * (gross - district), cap)
            second = plan.get("second_comune") or ""
            share2 = _param(schedule, "adm_second_comune_share") if second else 0.0
            base = {
                "scenario": scenario,
                "beneficiary_id": str(plan["beneficiary_id"]),
                "service": item["service"],
                "item": item["code"],
                "month": f"{year}-{month:02d}",
            }
            full = {"quantity": _round(qty, 6), "net_eur": _round(net), "vat_eur": _round(vat)}
            full["district_eur"] = _round(district)
            if not second:
                out.append(_with_totals(base | {"comune": plan["comune"]} | full))
                continue
            part = {
                "quantity": _round(qty * share2, 6),
                "net_eur": _round(net * share2),
                "vat_eur": _round(vat * share2),
                "district_eur": _round(district * share2),
            }
            rest = {k: round(full[k] - part[k], 6 if k == "quantity" else 2) for k in full}
            out.append(_with_totals(base | {"comune": plan["comune"]} | rest))
            out.append(_with_totals(base | {"comune": second} | part))
    columns = COSTS_MONTHLY_COLUMNS
    frame = pd.DataFrame(out, columns=columns)
    numeric = columns[6:]
    frame[numeric] = frame[numeric].astype(float)
    return frame


def _round(value: float, decimals: int = 2) -> float:
    """The documented rounding rule: snap to 1e-9, then NumPy half-to-even."""
    return float(np.round(np.round(value, 9), decimals))


def _with_totals(row: dict) -> dict:
    gross = round(row["net_eur"] + row["vat_eur"], 2)
    return row | {"gross_eur": gross, "comune_eur": round(gross - row["district_eur"], 2)}


# --------------------------------------------------------------------------- toy schedules

ITEM_DEFAULTS = {
    "district_share": 0.0,
    "abatement": False,
    "abatement_capped": True,
    "uplift_allowed": False,
    "group_pricing": False,
    "min_weeks": pd.NA,
    "max_weeks": pd.NA,
    "source_line": 1,
    "note": "",
}


def make_schedule(items: list[dict], rates: list[dict], **parameters) -> TariffSchedule:
    """A TariffSchedule from plain dicts (rates: code, valid_from, valid_to, rate, ...)."""
    item_frame = pd.DataFrame([ITEM_DEFAULTS | {"label": i["code"]} | i for i in items])
    item_frame["min_weeks"] = item_frame["min_weeks"].astype("Int64")
    item_frame["max_weeks"] = item_frame["max_weeks"].astype("Int64")
    rate_rows = [
        {"group_size": pd.NA, "district_rate": math.nan, "source_line": 1} | r for r in rates
    ]
    rate_frame = pd.DataFrame(rate_rows)
    for col in ("valid_from", "valid_to"):
        rate_frame[col] = pd.to_datetime(rate_frame[col]).astype("datetime64[ns]")
    rate_frame["group_size"] = rate_frame["group_size"].astype("Int64")
    rate_frame["rate"] = rate_frame["rate"].astype(float)
    rate_frame["district_rate"] = rate_frame["district_rate"].astype(float)
    return TariffSchedule(
        items=item_frame, rates=rate_frame, parameters=PARAMETERS | parameters, source="toy.yaml"
    )


def _year(code, rate, **extra):
    return {
        "code": code,
        "valid_from": "2023-01-01",
        "valid_to": "2023-12-31",
        "rate": rate,
    } | extra


def toy_schedule(**parameters) -> TariffSchedule:
    """Every unit type and payer rule, with rate changes on a month start and mid-month."""
    items = [
        {"code": "HOUR", "service": "SAD", "unit": "hour", "vat": "added"},
        {"code": "ADM", "service": "ADM-ADEA", "unit": "hour", "vat": "added"},
        {"code": "SIP", "service": "SIP", "unit": "hour", "vat": "added"},
        {"code": "DAY_FUD", "service": "CSE", "unit": "day", "vat": "none"},
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
        {"code": "PACK", "service": "QSFP", "unit": "package", "vat": "included"},
        {
            "code": "GROUP",
            "service": "AID",
            "unit": "hour",
            "vat": "added",
            "group_pricing": True,
        },
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
        _year("CDM", 60.0),
        _year("CDM_NOCAP", 60.0),
        _year("ISD", 120.0),
        {"code": "AFFIDO", "valid_from": "2023-01-01", "valid_to": "2023-07-19", "rate": 400.0},
        {"code": "AFFIDO", "valid_from": "2023-07-20", "valid_to": "2023-12-31", "rate": 450.0},
        {"code": "PACK", "valid_from": "2023-01-01", "valid_to": "2023-05-31", "rate": 215.0},
        {"code": "PACK", "valid_from": "2023-06-01", "valid_to": "2023-12-31", "rate": 230.0},
        _year("GROUP", 21.0, group_size=1),
        _year("GROUP", 13.0, group_size=2),
        _year("GROUP", 11.0, group_size=3),
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
