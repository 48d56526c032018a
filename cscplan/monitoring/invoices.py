"""Invoices against validated hours (guidelines, line 175): ``invoice_check`` and its findings.

Per beneficiary where the invoice has lines for one, per provider and month otherwise, the
invoiced total is compared with the billable one (the provider's part: the cost engine's amount
without what the comune pays on top to feed the district fund, CDD lines 1463–1465). A difference
above one cent is explained, first match wins:

* ``IVA``: the taxable amount agrees, the VAT does not;
* ``arrotondamento``: the taxable amount is what the visits give without the rounding of the
  minute rules (travel added, no step, no minimum);
* ``tariffa``: the billable units at another rate of the same item (an earlier or later period)
  or of its weekday/holiday counterpart;
* ``ore non validate``: more invoiced than validated hours give (or a beneficiary without
  validated hours); ``non fatturato``: less.

A beneficiary whose invoice agrees but who has no commitment covering the month is
``beneficiario senza impegno`` (commitments given). Every difference is also a finding in the one
findings format (:mod:`cscplan.validation.findings`), with the invoice file's line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.fmt import eur, signed_eur
from cscplan.monitoring.intake import InputFile
from cscplan.tariffs.schedule import TariffSchedule
from cscplan.validation.findings import Finding, finding
from cscplan.vocabulary import MONEY_TOLERANCE

BY_BENEFICIARY, BY_PROVIDER = "beneficiario", "ente e mese"
UNVALIDATED, ROUNDING, RATE, VAT = "ore non validate", "arrotondamento", "tariffa", "IVA"
NO_COMMITMENT, NOT_INVOICED = "beneficiario senza impegno", "non fatturato"
CHECKS = {
    UNVALIDATED: ("fattura_ore_non_validate", "error"),
    ROUNDING: ("fattura_arrotondamento", "error"),
    RATE: ("fattura_tariffa", "error"),
    VAT: ("fattura_iva", "error"),
    NOT_INVOICED: ("fattura_non_fatturato", "warning"),
    NO_COMMITMENT: ("impegno_assente", "error"),
}
TABLE = "fatture"
KEY = ["provider", "month", "beneficiary_id"]
SUMS = ["net_eur", "vat_eur", "total_eur"]


def provider_schedule(schedule: TariffSchedule) -> TariffSchedule:
    """The schedule as the provider invoices it: without the comune's extra part that feeds the
    district fund (``fud_contribution``, not a payment to the provider)."""
    rates = schedule.rates.assign(fud_contribution=0.0)
    return replace(schedule, rates=rates)


@dataclass(frozen=True)
class InvoiceCheck:
    table: pd.DataFrame  # invoice_check
    findings: list[Finding]


def check_invoices(
    invoices: InputFile,
    billable: pd.DataFrame,
    visits: pd.DataFrame,
    schedule: TariffSchedule,
    covered: pd.Series | None = None,
) -> InvoiceCheck:
    """Compare the invoices with ``billable`` (the provider's ``billable_monthly``).

    ``covered`` (optional): per (comune, beneficiary_id, month) whether a commitment covers it
    (from :mod:`.commitments`); without it no commitment is checked.
    """
    frame = invoices.frame.assign(line=invoices.lines)
    named = frame["beneficiary_id"].astype(str).ne("")
    rows = [
        *_by_beneficiary(frame[named], billable, visits, schedule, covered),
        *_by_provider(frame[~named], frame[named], billable),
    ]
    table = pd.DataFrame(rows, columns=[*metadata.dtypes("invoice_check"), "line"])
    table = table.sort_values(["provider", "month", "scope", "beneficiary_id"], kind="stable")
    found = [_finding(row, invoices.source) for row in table.to_dict("records") if row["reason"]]
    found = _once_per_beneficiary(found)
    table = table.drop(columns="line").reset_index(drop=True)
    return InvoiceCheck(metadata.validate("invoice_check", _typed(table)), found)


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype(metadata.dtypes("invoice_check"))


def _by_beneficiary(frame, billable, visits, schedule, covered) -> list[dict]:
    if frame.empty:
        return []
    invoiced = frame.groupby(KEY, as_index=False).agg(
        **{c: (c, "sum") for c in SUMS}, line=("line", "min")
    )
    months = invoiced[["provider", "month"]].drop_duplicates()
    due = billable.merge(months, on=["provider", "month"])
    due = due.groupby(KEY, as_index=False).agg(
        comune=("comune", "first"),
        net=("net_eur", "sum"),
        vat=("vat_eur", "sum"),
        gross=("gross_eur", "sum"),
    )
    both = invoiced.merge(due, on=KEY, how="outer").fillna(
        {**dict.fromkeys([*SUMS, "net", "vat", "gross"], 0.0), "line": 0}
    )
    out = []
    for row in both.to_dict("records"):
        reason = _reason(row, visits, schedule)
        if not reason and covered is not None:
            key = (row["comune"], row["beneficiary_id"], row["month"])
            if isinstance(row["comune"], str) and not covered.get(key, False):
                reason = NO_COMMITMENT
        out.append(_row(row, BY_BENEFICIARY, reason))
    return out


def _by_provider(frame, named, billable) -> list[dict]:
    """Invoices without beneficiary lines: totals per provider and month."""
    if frame.empty:
        return []
    invoiced = frame.groupby(["provider", "month"], as_index=False).agg(
        **{c: (c, "sum") for c in SUMS}, line=("line", "min")
    )
    due = billable.groupby(["provider", "month"], as_index=False).agg(
        net=("net_eur", "sum"), vat=("vat_eur", "sum"), gross=("gross_eur", "sum")
    )
    both = invoiced.merge(due, on=["provider", "month"], how="left").fillna(0.0)
    out = []
    for row in both.to_dict("records"):
        row["beneficiary_id"] = ""
        out.append(_row(row, BY_PROVIDER, _amount_reason(row)))
    return out


def _row(row: dict, scope: str, reason: str) -> dict:
    invoiced, billable = round(row["total_eur"], 2), round(row["gross"], 2)
    delta = round(invoiced - billable, 2)
    return {
        "provider": row["provider"],
        "month": row["month"],
        "beneficiary_id": row["beneficiary_id"],
        "scope": scope,
        "invoiced": invoiced,
        "billable": billable,
        "delta": delta,
        "reason": reason,
        "message": _message(row, scope, reason, delta),
        "line": int(row["line"]) if row["line"] else None,
    }


def _differs(a: float, b: float) -> bool:
    return abs(round(a - b, 2)) > MONEY_TOLERANCE + 1e-9


def _amount_reason(row: dict) -> str:
    if not _differs(row["net_eur"], row["net"]):
        return VAT if _differs(row["vat_eur"], row["vat"]) else ""
    return UNVALIDATED if row["net_eur"] > row["net"] else NOT_INVOICED


def _reason(row: dict, visits: pd.DataFrame, schedule: TariffSchedule) -> str:
    reason = _amount_reason(row)
    if reason not in (UNVALIDATED, NOT_INVOICED) or row["net"] == 0:
        return reason
    mine = visits[
        (visits["provider"] == row["provider"])
        & (visits["month"] == row["month"])
        & (visits["beneficiary_id"] == row["beneficiary_id"])
        & (visits["quantity"] > 0)
    ]
    if mine.empty:
        return reason
    target = row["net_eur"]
    if not _differs(target, _priced(unrounded_quantities(mine, schedule), mine, schedule)):
        return ROUNDING
    if any(not _differs(target, net) for net in _other_rates(mine, schedule)):
        return RATE
    return reason


def unrounded_quantities(visits: pd.DataFrame, schedule: TariffSchedule) -> np.ndarray:
    """Units of each visit without the rounding of its minute rule (travel still added)."""
    quantity = visits["quantity"].to_numpy(float).copy()
    for i, (item, minutes, count) in enumerate(
        zip(visits["item"], visits["minutes"], visits["operators"], strict=True)
    ):
        rule = schedule.billing.minute_rules.get(item)
        if rule is not None:
            quantity[i] = (minutes + rule.travel) / 60 * (count if rule.per_operator else 1)
    return quantity


def _rates(schedule: TariffSchedule, item: str) -> pd.DataFrame:
    rates = schedule.rates[schedule.rates["code"] == item]
    group = rates["group_size"]
    return rates[group.isna() | group.eq(1)]


def _rate_on(schedule: TariffSchedule, item: str, day) -> float:
    rates = _rates(schedule, item)
    stamp = pd.Timestamp(day)
    hit = rates[(rates["valid_from"] <= stamp) & (rates["valid_to"] >= stamp)]
    return float(hit["rate"].iloc[0]) if not hit.empty else float("nan")


def _priced(quantity: np.ndarray, visits: pd.DataFrame, schedule: TariffSchedule) -> float:
    rates = [_rate_on(schedule, i, d) for i, d in zip(visits["item"], visits["date"], strict=True)]
    return round(float(np.sum(quantity * np.asarray(rates))), 2)


def _other_rates(visits: pd.DataFrame, schedule: TariffSchedule) -> list[float]:
    """The taxable amount with, for one item at a time, another rate of it or of its pair."""
    rules = schedule.billing
    base = visits["quantity"].to_numpy(float)
    rates = np.array(
        [_rate_on(schedule, i, d) for i, d in zip(visits["item"], visits["date"], strict=True)]
    )
    out = []
    for item in visits["item"].unique():
        mask = (visits["item"] == item).to_numpy()
        pair = rules.holiday_of.get(item) or rules.weekday_of.get(item)
        candidates = set(_rates(schedule, item)["rate"])
        if pair:
            candidates |= set(_rates(schedule, pair)["rate"])
        for rate in candidates:
            other = np.where(mask, rate, rates)
            out.append(round(float(np.sum(base * other)), 2))
    return out


def _message(row: dict, scope: str, reason: str, delta: float) -> str:
    who = (
        f"{row['provider']}, {row['month']}, utente {row['beneficiary_id']}"
        if scope == BY_BENEFICIARY
        else f"{row['provider']}, {row['month']} (fattura senza righe per utente)"
    )
    if not reason:
        return f"{who}: la fattura corrisponde alle ore validate"
    amounts = f"fatturato {eur(row['total_eur'])}, fatturabile {eur(row['gross'])}"
    texts = {
        UNVALIDATED: "fatturate ore non validate in Gecas",
        NOT_INVOICED: "fatturato meno delle ore validate",
        ROUNDING: "ore fatturate senza l'arrotondamento per difetto a 15 minuti (righe 1359, 1377)",
        RATE: "ore validate a una tariffa diversa da quella in vigore nel giorno della prestazione",
        VAT: f"IVA fatturata {eur(row['vat_eur'])} invece di {eur(row['vat'])}",
        NO_COMMITMENT: "nessun impegno del Comune copre il beneficiario nel mese (riga 175)",
    }
    text = f"{who}: {texts[reason]}; {amounts}"
    return text + (f" (differenza {signed_eur(delta)})" if reason and delta else "")


def _once_per_beneficiary(found: list[Finding]) -> list[Finding]:
    """A beneficiary without commitment is one finding (its first month), not one per month."""
    seen, out = set(), []
    for item in found:
        if item.check == CHECKS[NO_COMMITMENT][0]:
            if item.column in seen:
                continue
            seen.add(item.column)
        out.append(item)
    return out


def _finding(row: dict, source: str) -> Finding:
    check, severity = CHECKS[row["reason"]]
    return finding(
        check,
        severity,
        TABLE,
        row["message"],
        column=row["beneficiary_id"] or row["provider"],
        source_line=row["line"],
        stated=row["invoiced"],
        computed=row["billable"],
    )
