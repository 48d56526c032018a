"""The worked example (*sintetica*): a seeded generator of a month-by-month activity export, the
providers' invoices (with a few planted errors) and the comuni's commitments, derived from the
sample caseload (``data/caseload_sample.csv``, itself synthetic).

* **Activity**: for every plan of a visit or attendance item (the items the tariff book's billing
  rules name, and day-centre items) active in the months, visits week by week: the plan's weekly
  hours split into 1–3 visits on weekdays (Sundays for a holiday item), direct minutes around the
  plan's share with noise, now and then two operators (SAD); the back-office hours of the month
  on its last day with a back-office code of the service (ADM, SIP, SAAP: 2 hours, line 1381);
  day-centre attendance on the plan's weekly days, hours around part or full time. National
  holidays fall where the calendar puts them (Easter Monday is billed at the holiday item).
* **Invoices**: per provider, month and beneficiary, what the billing rules give, then the
  planted errors, each on its own beneficiary (:data:`PLANTED`).
* **Commitments**: one per beneficiary, about the engine's yearly comune share of their plans
  (× a seeded factor); one beneficiary left without commitment and one with a commitment its
  invoices exceed.

``python -m cscplan.monitoring.example`` rewrites ``data/esempi/monitoraggio/``; the files are
byte-for-byte what the generator gives (a test checks it).
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cscplan import paths
from cscplan.intake.provenance import digest
from cscplan.monitoring.billing import billable_monthly, billable_visits, holiday_flags
from cscplan.monitoring.intake import InputFile
from cscplan.monitoring.invoices import (
    NO_COMMITMENT,
    RATE,
    ROUNDING,
    UNVALIDATED,
    VAT,
    provider_schedule,
    unrounded_quantities,
)
from cscplan.periods import Period
from cscplan.vocabulary import COMUNE, DEFAULT_SEED

FOLDER = paths.EXAMPLES / "monitoraggio"
FILES = {
    "activity": "attivita_2023T1.csv",
    "invoices": "fatture_2023T1.csv",
    "commitments": "impegni_2023.csv",
    "planted": "errori_inseriti.csv",
}
SEED = DEFAULT_SEED
MONTHS = ("2023-01", "2023-02", "2023-03")
YEAR = Period.calendar_year(2023)
COMUNI = ("Castelleone", "Offanengo", "Pandino", "Spino d'Adda")
"""The comuni of the worked example (a part of the sample, to keep the files small)."""
PROVIDERS = 2
"""Synthetic providers per service (``Ente <servizio> n``)."""
OVER = "impegno superato"
PLANTED = (UNVALIDATED, ROUNDING, RATE, VAT, NO_COMMITMENT, OVER)
WRONG_VAT = 0.22
MIN_VISIT = 15  # minutes: a week with less planned time has no visit
EXTRA_HOURS = 2.0
BACK_OFFICE_MINUTES = 120  # 2 hours a month per beneficiary (lines 1381, 1403, 1434)
ACTIVITY_HEADER = ["Data", "Codice utente", "Comune", "Ente", "Prestazione", "Minuti"]
ACTIVITY_HEADER += ["Operatori", "Codice attività"]
INVOICE_HEADER = ["Ente", "Mese", "Codice utente", "Imponibile", "IVA", "Totale"]
COMMITMENT_HEADER = ["Comune", "Codice utente", "Servizio", "Importo", "Dal", "Al", "Atto"]


@dataclass
class Example:
    activity: pd.DataFrame  # the activity table's columns (date, beneficiary_id, …)
    invoices: pd.DataFrame  # provider, month, beneficiary_id, net_eur, vat_eur, total_eur
    commitments: pd.DataFrame  # comune, beneficiary_id, service, amount_eur, start, end, act
    planted: pd.DataFrame  # error, provider, month, beneficiary_id, comune, delta_eur

    def files(self) -> dict[str, bytes]:
        return {
            FILES["activity"]: activity_csv(self.activity),
            FILES["invoices"]: invoices_csv(self.invoices),
            FILES["commitments"]: commitments_csv(self.commitments),
            FILES["planted"]: _csv(
                ["Errore", "Ente", "Mese", "Codice utente", "Comune", "Differenza"],
                [
                    [r.error, r.provider, r.month, r.beneficiary_id, r.comune, _it(r.delta_eur)]
                    for r in self.planted.itertuples()
                ],
            ),
        }


def visit_items(schedule) -> list[str]:
    """The items billed by visits or attendance: those of the book's billing rules."""
    rules = schedule.billing
    return sorted(set(rules.minute_rules) | set(rules.attendance))


def providers_of(plans: pd.DataFrame, services: pd.Series, rng) -> np.ndarray:
    """A synthetic provider per beneficiary and service (``Ente SAD 1``, ``Ente SAD 2``)."""
    service = plans["item"].map(services)
    pick = rng.integers(1, PROVIDERS + 1, len(plans))
    return (
        "Ente "
        + service.str.split("-").str[0]
        + " "
        + pd.Series(pick, index=plans.index).astype(str)
    ).to_numpy(dtype=object)


def generate_activity(
    plans: pd.DataFrame, schedule, months: list[str], rng: np.random.Generator
) -> pd.DataFrame:
    """The activity export of ``months`` for ``plans`` (validated caseload rows)."""
    rules = schedule.billing
    items = schedule.items.set_index("code")
    services = items["service"]
    first = pd.Timestamp(f"{months[0]}-01")
    last = pd.Period(months[-1], "M").end_time.normalize()
    plans = plans[plans["item"].isin(visit_items(schedule))]
    plans = plans[(plans["start"] <= last) & (plans["end"] >= first)].reset_index(drop=True)
    providers = providers_of(plans, services, rng)
    days = pd.date_range(first, last, freq="D")
    holiday = holiday_flags(pd.Series(days), rules.country)
    rows = []
    for k, plan in enumerate(plans.to_dict("records")):
        active = (days >= plan["start"]) & (days <= plan["end"])
        base = {
            "beneficiary_id": plan["beneficiary_id"],
            "comune": plan["comune"],
            "provider": providers[k],
            "item": plan["item"],
        }
        prefix = services[plan["item"]].split("-")[0]
        if plan["item"] in rules.attendance:
            rows += _attendance(
                base, plan, rules.attendance[plan["item"]], days, active, holiday, rng, prefix
            )
        else:
            weekend = plan["item"] in rules.weekday_of  # a holiday item: Sunday visits
            rule = rules.minute_rules.get(plan["item"])
            pair_work = rule is not None and rule.travel > 0
            rows += _visits(base, plan, days, active, holiday, weekend, rng, prefix, pair_work)
            rows += _back_office(base, days, active, rules.back_office, prefix)
    frame = pd.DataFrame(rows, columns=["date", *base, "minutes", "operators", "activity_code"])
    return frame.sort_values(["date", "provider", "beneficiary_id", "item"], kind="stable")


def _weeks(days, active):
    weeks = pd.Series(np.arange(len(days)), index=days)[active]
    return weeks.groupby(weeks.index.to_period("W")).apply(list)


def _visits(base, plan, days, active, holiday, sunday, rng, prefix, pair_work) -> list[dict]:
    """Visits week by week; ``pair_work``: now and then two operators (the SAD rule, line 105)."""
    rows = []
    for positions in _weeks(days, active):
        if sunday:
            choices = [p for p in positions if days[p].day_of_week == 6]
        else:
            choices = [p for p in positions if days[p].day_of_week < 5]
        if not choices:
            continue
        minutes = plan["qty_per_week"] * 60 * len(positions) / 7
        if minutes < MIN_VISIT:
            continue
        count = int(min(len(choices), max(1, round(minutes / 90))))
        picked = sorted(rng.choice(choices, size=count, replace=False))
        for p in picked:
            direct = max(MIN_VISIT, round(minutes / count + rng.normal(0, 8)))
            operators = 2 if pair_work and rng.random() < 0.05 else 1
            rows.append(
                base
                | {
                    "date": days[p],
                    "minutes": float(direct),
                    "operators": operators,
                    "activity_code": f"{prefix}-03",
                }
            )
    return rows


def _back_office(base, days, active, codes, prefix) -> list[dict]:
    """The month's back-office hours on its last active day (line 1383)."""
    mine = sorted(c for c in codes if c.startswith(prefix + "-"))
    if not mine:
        return []
    series = pd.Series(days[active])
    last_days = series.groupby(series.dt.to_period("M")).max()
    return [
        base
        | {
            "date": day,
            "minutes": float(BACK_OFFICE_MINUTES),
            "operators": 1,
            "activity_code": mine[-1],
        }
        for day in last_days
    ]


def _attendance(base, plan, pair, days, active, holiday, rng, prefix) -> list[dict]:
    rows = []
    full = plan["item"] == pair.full
    low = pair.full_above + 30 if full else (pair.part_from or 60)
    high = pair.full_above + 120 if full else pair.full_above - 15
    for positions in _weeks(days, active):
        choices = [p for p in positions if days[p].day_of_week < 5 and not holiday[p]]
        count = int(min(len(choices), round(plan["qty_per_week"] * len(positions) / 7)))
        if count <= 0:
            continue
        for p in sorted(rng.choice(choices, size=count, replace=False)):
            minutes = float(rng.integers(int(low / 15), int(high / 15) + 1) * 15)
            rows.append(
                base | {"date": days[p], "minutes": minutes, "operators": 1, "activity_code": ""}
            )
    return rows


# --------------------------------------------------------------------------- invoices


def correct_invoices(visits: pd.DataFrame, schedule, caseload) -> pd.DataFrame:
    """Per provider, month and beneficiary: what the billing rules give (the provider's part)."""
    billable = billable_monthly(visits, provider_schedule(schedule), caseload)
    key = ["provider", "month", "beneficiary_id"]
    sums = billable.groupby(key, as_index=False)[["net_eur", "vat_eur", "gross_eur"]].sum()
    sums["comune"] = billable.groupby(key)["comune"].first().to_numpy()
    return sums.rename(columns={"gross_eur": "total_eur"})


def plant(invoices, visits, schedule, rng) -> tuple[pd.DataFrame, list[dict]]:
    """The invoice errors, each on a different beneficiary of the right service."""
    out = invoices.copy()
    used: set[str] = set()
    planted = []
    vat = float(schedule.value("vat_rate", YEAR.start))

    def pick(mask) -> int:
        rows = out.index[mask & ~out["beneficiary_id"].isin(used)]
        i = int(rng.choice(rows))
        used.add(out.at[i, "beneficiary_id"])
        return i

    def record(error, i, net):
        before = out.at[i, "total_eur"]
        out.at[i, "net_eur"] = round(net, 2)
        rate = WRONG_VAT if error == VAT else vat
        out.at[i, "vat_eur"] = round(out.at[i, "net_eur"] * rate, 2)
        out.at[i, "total_eur"] = round(out.at[i, "net_eur"] + out.at[i, "vat_eur"], 2)
        planted.append(_planted(error, out.loc[i], out.at[i, "total_eur"] - before))

    rules = schedule.billing
    items = visits.groupby(["provider", "month", "beneficiary_id"])["item"].agg(set)
    key = list(zip(out["provider"], out["month"], out["beneficiary_id"], strict=True))
    has = lambda wanted: np.array([bool(items.get(k, set()) & wanted) for k in key])  # noqa: E731
    travel = {c for c, r in rules.minute_rules.items() if r.travel}
    direct = {c for c, r in rules.minute_rules.items() if not r.travel}
    # hours not validated: two more hours of a direct-work item
    i = pick(has(direct))
    mine = _visits_of(visits, out.loc[i])
    rate = mine["net"].sum() / mine["quantity"].sum()
    record(UNVALIDATED, i, out.at[i, "net_eur"] + EXTRA_HOURS * rate)
    # rounding: the visits billed without the rounding down (travel items)
    i = pick(has(travel) & _rounding_matters(out, visits, schedule))
    mine = _visits_of(visits, out.loc[i])
    record(ROUNDING, i, float((unrounded_quantities(mine, schedule) * mine["rate"]).sum()))
    # rate: a month after a rate change, invoiced at the earlier rate
    changed = _rate_changed(out, visits, schedule)
    i = pick(changed)
    mine = _visits_of(visits, out.loc[i])
    record(RATE, i, float((mine["quantity"] * mine["previous_rate"]).sum()))
    # VAT at the wrong rate
    i = pick(out["vat_eur"] > 0)
    record(VAT, i, out.at[i, "net_eur"])
    return out, planted


def _planted(error, row, delta) -> dict:
    return {
        "error": error,
        "provider": row["provider"],
        "month": row["month"],
        "beneficiary_id": row["beneficiary_id"],
        "comune": row["comune"],
        "delta_eur": round(float(delta), 2),
    }


def _visits_of(visits, row) -> pd.DataFrame:
    mask = (
        (visits["provider"] == row["provider"])
        & (visits["month"] == row["month"])
        & (visits["beneficiary_id"] == row["beneficiary_id"])
        & (visits["quantity"] > 0)
    )
    return visits[mask]


def _per_invoice(out: pd.DataFrame, values: pd.DataFrame) -> np.ndarray:
    """Per invoice row, a flag computed per (provider, month, beneficiary) in ``values``."""
    key = ["provider", "month", "beneficiary_id"]
    flags = out[key].merge(values, on=key, how="left")["flag"]
    return flags.fillna(False).to_numpy(bool)


def _rounding_matters(out, visits, schedule) -> np.ndarray:
    """Invoices whose visits lose more than half an hour to the rounding."""
    billed = visits[visits["quantity"] > 0]
    lost = billed.assign(lost=unrounded_quantities(billed, schedule) - billed["quantity"])
    key = ["provider", "month", "beneficiary_id"]
    sums = lost.groupby(key, as_index=False)["lost"].sum()
    return _per_invoice(out, sums.assign(flag=sums["lost"].abs() > 0.5)[[*key, "flag"]])


def _rate_changed(out, visits, schedule) -> np.ndarray:
    """Invoices of one item whose every visit falls after a rate change."""
    billed = visits[visits["quantity"] > 0]
    key = ["provider", "month", "beneficiary_id"]
    groups = billed.assign(changed=billed["previous_rate"] != billed["rate"]).groupby(key)
    values = pd.DataFrame(
        {"all": groups["changed"].all(), "items": groups["item"].nunique()}
    ).reset_index()
    values["flag"] = values["all"] & values["items"].eq(1)
    return _per_invoice(out, values[[*key, "flag"]])


def priced_visits(visits: pd.DataFrame, schedule) -> pd.DataFrame:
    """Visits with the rate in force, the rate before the last change and the net."""
    rates = schedule.rates
    rates = rates[rates["group_size"].isna() | rates["group_size"].eq(1)]
    pairs = visits[["item", "date"]].drop_duplicates().reset_index(drop=True)
    current, previous = [], []
    for item, day in zip(pairs["item"], pairs["date"], strict=True):
        mine = rates[rates["code"] == item]
        at = mine[(mine["valid_from"] <= day) & (mine["valid_to"] >= day)]
        before = mine[mine["valid_to"] < day]
        current.append(float(at["rate"].iloc[0]))
        previous.append(float(before["rate"].iloc[-1]) if len(before) else current[-1])
    pairs["rate"], pairs["previous_rate"] = current, previous
    out = visits.merge(pairs, on=["item", "date"], how="left")
    out["net"] = out["quantity"] * out["rate"]
    return out


# --------------------------------------------------------------------------- commitments


def commitments_for(
    caseload, schedule, beneficiaries, invoices, rng
) -> tuple[pd.DataFrame, list[dict]]:
    """One commitment per beneficiary (≈ the year's comune share × a seeded factor), less one
    beneficiary (no commitment) and one commitment too small for its invoices."""
    from cscplan.scenarios.api import CostContext, cost

    plans = caseload[caseload["beneficiary_id"].isin(beneficiaries)]
    year = cost(plans, period=YEAR, context=CostContext(schedule=schedule), validated=True)
    shares = year.groupby(["comune", "beneficiary_id"], as_index=False)["comune_eur"].sum()
    shares = shares[shares["comune_eur"] > 0].reset_index(drop=True)
    factor = rng.uniform(1.0, 1.4, len(shares))
    shares["amount_eur"] = np.ceil(shares["comune_eur"] * factor / 10) * 10
    planted = []
    used = set()
    candidates = invoices.groupby("beneficiary_id")["month"].nunique()
    once = sorted(candidates[candidates == 1].index.intersection(shares["beneficiary_id"]))
    many = sorted(
        candidates[candidates == len(MONTHS)].index.intersection(shares["beneficiary_id"])
    )
    missing = str(rng.choice(once or many))
    used.add(missing)
    row = invoices[invoices["beneficiary_id"] == missing].iloc[0]
    planted.append(_planted(NO_COMMITMENT, row, 0.0))
    items = schedule.items.set_index("code")
    own = set(items.index[(items["payer"] == COMUNE) & (items["district_share"] == 0)])
    alone = plans.groupby("beneficiary_id")["item"].agg(lambda s: set(s) <= own)
    taken = used | set(invoices.attrs.get("planted", []))
    small = str(rng.choice([b for b in many if b not in taken and alone.get(b, False)]))
    mine = invoices[invoices["beneficiary_id"] == small].sort_values("month")
    first, second = (float(v) for v in mine["total_eur"].iloc[:2])
    at = shares.index[shares["beneficiary_id"] == small][0]
    shares.at[at, "amount_eur"] = round(first + second / 2)  # exceeded in the second month
    planted.append(_planted(OVER, mine.iloc[1], first + second - shares.at[at, "amount_eur"]))
    shares = shares[shares["beneficiary_id"] != missing]
    frame = pd.DataFrame(
        {
            "comune": shares["comune"].to_numpy(),
            "beneficiary_id": shares["beneficiary_id"],
            "service": "",
            "amount_eur": shares["amount_eur"],
            "start": YEAR.start,
            "end": YEAR.end,
            "act": [f"Det. {k + 1}/2023 (sintetica)" for k in range(len(shares))],
        }
    )
    return frame.reset_index(drop=True), planted


# --------------------------------------------------------------------------- the whole example


def generate(
    caseload: pd.DataFrame,
    schedule,
    comuni=COMUNI,
    months=MONTHS,
    seed: int = SEED,
) -> Example:
    """The worked example for ``comuni`` and ``months`` (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    plans = caseload[caseload["comune"].isin(comuni)] if comuni else caseload
    activity = generate_activity(plans, schedule, list(months), rng)
    file = InputFile(
        "activity", "esempio", activity.reset_index(drop=True), list(range(2, len(activity) + 2))
    )
    visits = priced_visits(billable_visits(file, schedule), schedule)
    invoices = correct_invoices(visits, schedule, caseload)
    invoices, planted = plant(invoices, visits, schedule, rng)
    invoices.attrs["planted"] = [p["beneficiary_id"] for p in planted]
    commitments, more = commitments_for(
        caseload, schedule, sorted(activity["beneficiary_id"].unique()), invoices, rng
    )
    planted_frame = pd.DataFrame(planted + more)
    return Example(activity.reset_index(drop=True), invoices, commitments, planted_frame)


def _it(value: float, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _minutes(value: float) -> str:
    return f"{value:g}"


ACTIVITY_FORMATS = {
    "date": _day,
    "beneficiary_id": str,
    "comune": str,
    "provider": str,
    "item": str,
    "minutes": _minutes,
    "operators": str,
    "activity_code": str,
}
INVOICE_FORMATS = {
    "provider": str,
    "month": str,
    "beneficiary_id": str,
    "net_eur": _it,
    "vat_eur": _it,
    "total_eur": _it,
}
COMMITMENT_FORMATS = {
    "comune": str,
    "beneficiary_id": str,
    "service": str,
    "amount_eur": _it,
    "start": _day,
    "end": _day,
    "act": str,
}
"""Each file's columns in order (the headers above) and how each value is written in Italian."""


def _written(header: list[str], frame: pd.DataFrame, formats: dict) -> bytes:
    rows = frame[list(formats)].itertuples(index=False)
    return _csv(
        header, [[f(v) for f, v in zip(formats.values(), row, strict=True)] for row in rows]
    )


def activity_csv(frame: pd.DataFrame) -> bytes:
    return _written(ACTIVITY_HEADER, frame, ACTIVITY_FORMATS)


def invoices_csv(frame: pd.DataFrame) -> bytes:
    ordered = frame.sort_values(["provider", "month", "beneficiary_id"])
    return _written(INVOICE_HEADER, ordered, INVOICE_FORMATS)


def commitments_csv(frame: pd.DataFrame) -> bytes:
    return _written(COMMITMENT_HEADER, frame, COMMITMENT_FORMATS)


def bundled_example() -> Example:
    from cscplan.scenarios.caseload import load_caseload
    from cscplan.tariffs.schedule import load_schedule

    schedule = load_schedule(paths.TARIFFS)
    return generate(load_caseload(paths.SAMPLE_CASELOAD, schedule), schedule)


def is_example_file(path: Path) -> bool:
    """A file byte-equal to one of the worked example's (labelled *sintetica* in outputs)."""
    known = [FOLDER / name for name in FILES.values()]
    mine = digest(path)
    return any(p.is_file() and digest(p) == mine for p in known)


def write_example(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in bundled_example().files().items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in write_example(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(path)
