"""Commitments watched: spent to date, the rest forecast, the 80 % and 100 % months, alerts.

A commitment (``impegno``) is the comune's authorised spend for one beneficiary (optionally one
service of theirs) or for one service of the comune, over a period. It is compared with the
comune's share (``comune_eur``) of the billable amounts — the figure the comune reimburses with
the *nota di riparto* (lines 189–191). A billable row counts against the beneficiary's commitment
if there is one, else against the comune's commitment for the row's service.

* **spent**: the validated months up to the last one processed;
* **forecast**: the following months to the commitment's end, costed by the cost engine from the
  plans still open (the caseload), within the tariffs' coverage;
* **80 % / 100 %**: the first month the cumulative spent-then-forecast amount reaches
  ``ALERT_SHARE`` (guidelines, line 181) and the whole commitment;
* an invoice that brings a commitment over its amount is a finding (line 175: CSC pays only
  within the comune's commitments).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.fmt import eur, percent
from cscplan.intake.profile import normalised
from cscplan.monitoring.intake import InputFile
from cscplan.validation.findings import Finding, finding
from cscplan.vocabulary import ALERT_SHARE, MONEY_TOLERANCE

SHARE = "comune_eur"
WITHIN, FORECAST_80, REACHED_80, EXCEEDED = (
    "entro la soglia",
    "soglia 80% prevista",
    "soglia 80% raggiunta",
    "superato",
)
SEVERITY = {EXCEEDED: "error", REACHED_80: "warning", FORECAST_80: "info"}
OVER_CHECK = "fattura_oltre_impegno"


@dataclass(frozen=True)
class Commitments:
    """The validated commitments: one row each, with id, scope, months and file line."""

    frame: (
        pd.DataFrame
    )  # commitment_id, comune, beneficiary_id, service, amount_eur, start, end, act, line
    source: str

    def matches(self, rows: pd.DataFrame, services: pd.Series) -> np.ndarray:
        """The commitment (position, −1 if none) each row (comune, beneficiary_id, item, month)
        counts against: the beneficiary's own commitment first, else the comune's service one
        (the first in file order when several would)."""
        found = np.full(len(rows), -1)
        if rows.empty or self.frame.empty:
            return found
        commitments = self.frame.assign(at=np.arange(len(self.frame)))
        frame = pd.DataFrame(
            {
                "row": np.arange(len(rows)),
                "comune": rows["comune"].to_numpy(dtype=object),
                "beneficiary_id": rows["beneficiary_id"].to_numpy(dtype=object),
                "month": rows["month"].to_numpy(dtype=object),
                "service": rows["item"].map(services).to_numpy(dtype=object),
            }
        )
        own = commitments[commitments["beneficiary_id"] != ""]
        shared = commitments[commitments["beneficiary_id"] == ""].drop(columns="beneficiary_id")
        for candidates, key in (
            (own, ["comune", "beneficiary_id"]),
            (shared, ["comune", "service"]),
        ):
            if candidates.empty:
                continue
            pairs = frame.merge(candidates, on=key, how="inner", suffixes=("", "_c"))
            hit = (pairs["month"] >= pairs["first_month"]) & (pairs["month"] <= pairs["last_month"])
            if "service_c" in pairs:
                hit &= (pairs["service_c"] == "") | (pairs["service_c"] == pairs["service"])
            pairs = pairs[hit].sort_values(["row", "at"]).drop_duplicates("row")
            free = found[pairs["row"].to_numpy()] < 0
            found[pairs["row"].to_numpy()[free]] = pairs["at"].to_numpy()[free]
        return found


def read_commitments(file: InputFile, services: list[str]) -> Commitments:
    """Commitments from their file: each names a beneficiary or a service (of the tariff book);
    ids are the act reference (else ``riga N``), made unique with the line."""
    frame = file.frame.copy()
    known = {normalised(s): s for s in services}
    rows = []
    for i, c in enumerate(frame.to_dict("records")):
        line = file.line(i)
        service = c["service"].strip()
        if service and normalised(service) not in known:
            raise InputError(
                file.source,
                "un servizio del tariffario (" + ", ".join(services) + ")",
                repr(service),
                row=line,
                column="Servizio",
            )
        if not service and not c["beneficiary_id"]:
            raise InputError(
                file.source,
                "un codice utente o un servizio (cosa copre l'impegno)",
                "entrambi vuoti",
                row=line,
                column="Codice utente",
            )
        if c["end"] < c["start"]:
            raise InputError(
                file.source,
                "una data di fine non precedente all'inizio",
                f"dal {c['start']:%d/%m/%Y} al {c['end']:%d/%m/%Y}",
                row=line,
                column="Al",
            )
        act = c["act"].strip()
        rows.append(
            c
            | {
                "service": known.get(normalised(service), ""),
                "commitment_id": act or f"riga {line}",
                "first_month": f"{c['start']:%Y-%m}",
                "last_month": f"{c['end']:%Y-%m}",
                "line": line,
            }
        )
    table = pd.DataFrame(rows)
    duplicated = table["commitment_id"].duplicated(keep=False)
    table.loc[duplicated, "commitment_id"] += " (riga " + table["line"].astype(str) + ")"
    return Commitments(table, file.source)


def scope_text(c: dict) -> str:
    if c["beneficiary_id"]:
        return f"utente {c['beneficiary_id']}" + (f", {c['service']}" if c["service"] else "")
    return f"servizio {c['service']}"


@dataclass(frozen=True)
class CommitmentWatch:
    status: pd.DataFrame  # commitment_status
    alerts: pd.DataFrame  # commitment_alerts
    covered: pd.Series  # (comune, beneficiary_id, month) → covered by a commitment
    findings: list[Finding]
    monthly: pd.DataFrame  # commitment_id, month, spent, forecast (for the charts)


def watch(
    commitments: Commitments,
    billable: pd.DataFrame,
    forecast: pd.DataFrame,
    services: pd.Series,
    through: str,
    invoiced: pd.DataFrame | None = None,
) -> CommitmentWatch:
    """Status and alerts of every commitment.

    ``billable``: ``billable_monthly``; ``forecast``: ``costs_monthly`` rows of the months after
    ``through`` (may be empty); ``services``: item → service; ``invoiced``: per (provider,
    month, beneficiary_id) the invoiced total (``invoice_check`` rows), for the over-commitment
    check.
    """
    spent_rows = billable[billable["month"] <= through]
    spent_at = commitments.matches(spent_rows, services)
    ahead = forecast[forecast["month"] > through] if not forecast.empty else forecast
    ahead_at = commitments.matches(ahead, services) if not ahead.empty else np.array([], int)
    monthly = _monthly(commitments, spent_rows, spent_at, ahead, ahead_at)
    status = _status(commitments, monthly, through)
    over = _over(commitments, billable, services, invoiced) if invoiced is not None else []
    alerts = _alerts(status, over)
    return CommitmentWatch(status, alerts, coverage(commitments, billable, services), over, monthly)


def coverage(commitments: Commitments, billable: pd.DataFrame, services: pd.Series) -> pd.Series:
    """Per (comune, beneficiary_id, month): covered by commitments (see :func:`_covered`)."""
    return _covered(billable, commitments.matches(billable, services))


def _monthly(commitments, spent_rows, spent_at, ahead, ahead_at) -> pd.DataFrame:
    ids = commitments.frame["commitment_id"].to_numpy(dtype=object)
    parts = []
    for rows, at, kind in ((spent_rows, spent_at, "spent"), (ahead, ahead_at, "forecast")):
        if len(rows) == 0 or not (at >= 0).any():
            continue
        mine = rows[at >= 0]
        parts.append(
            pd.DataFrame(
                {
                    "commitment_id": ids[at[at >= 0]],
                    "month": mine["month"].to_numpy(dtype=object),
                    kind: mine[SHARE].to_numpy(float),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["commitment_id", "month", "spent", "forecast"])
    frame = pd.concat(parts, ignore_index=True)
    for column in ("spent", "forecast"):
        frame[column] = frame[column] if column in frame else 0.0
    frame = frame.fillna(0.0).groupby(["commitment_id", "month"], as_index=False).sum()
    return frame.sort_values(["commitment_id", "month"]).reset_index(drop=True)


def _reached(monthly: pd.DataFrame, amounts: pd.Series, share: float) -> pd.Series:
    """Per commitment, the first month the cumulative spent + forecast reaches ``share`` of it."""
    if monthly.empty:
        return pd.Series(dtype=object)
    cumulative = (monthly["spent"] + monthly["forecast"]).groupby(monthly["commitment_id"]).cumsum()
    level = monthly["commitment_id"].map(amounts) * share
    reached = monthly[(cumulative >= level - MONEY_TOLERANCE) & (level > 0)]
    return reached.groupby("commitment_id")["month"].first()


def _status(commitments: Commitments, monthly: pd.DataFrame, through: str) -> pd.DataFrame:
    frame = commitments.frame
    amounts = pd.Series(frame["amount_eur"].to_numpy(float), index=frame["commitment_id"])
    sums = monthly.groupby("commitment_id")[["spent", "forecast"]].sum()
    spent = frame["commitment_id"].map(sums["spent"]).fillna(0.0).to_numpy(float)
    ahead = frame["commitment_id"].map(sums["forecast"]).fillna(0.0).to_numpy(float)
    amount = frame["amount_eur"].to_numpy(float)
    alert = frame["commitment_id"].map(_reached(monthly, amounts, ALERT_SHARE)).fillna("")
    full = frame["commitment_id"].map(_reached(monthly, amounts, 1.0)).fillna("")
    state = np.where(
        spent > amount + MONEY_TOLERANCE,
        EXCEEDED,
        np.where(
            spent >= ALERT_SHARE * amount - MONEY_TOLERANCE,
            REACHED_80,
            np.where(alert.ne("").to_numpy(), FORECAST_80, WITHIN),
        ),
    )
    status = pd.DataFrame(
        {
            "commitment_id": frame["commitment_id"],
            "comune": frame["comune"],
            "scope": [scope_text(c) for c in frame.to_dict("records")],
            "amount_eur": amount,
            "through_month": through,
            "spent_eur": np.round(spent, 2),
            "forecast_eur": np.round(ahead, 2),
            "used_share": np.where(amount > 0, spent / np.where(amount > 0, amount, 1), np.nan),
            "alert_month": alert.to_numpy(dtype=object),
            "full_month": full.to_numpy(dtype=object),
            "state": state,
        }
    )
    return metadata.frame_from_records("commitment_status", status.to_dict("records"))


def _over(commitments, billable, services, invoiced) -> list[Finding]:
    """Per commitment, the first month whose invoices bring the comune's share over it."""
    rows = billable.assign(at=commitments.matches(billable, services))
    rows = rows[rows["at"] >= 0]
    if rows.empty or invoiced.empty:
        return []
    key = ["provider", "month", "beneficiary_id"]
    due = rows.groupby(key)["gross_eur"].transform("sum")
    ratio = np.where(due > 0, rows["gross_eur"] / due.where(due > 0, 1.0), 0.0)
    share = np.where(
        rows["gross_eur"] > 0, rows[SHARE] / rows["gross_eur"].where(rows["gross_eur"] > 0, 1), 0
    )
    bills = rows[key + ["at"]].assign(weight=ratio * share)
    bills = bills.merge(invoiced[key + ["invoiced"]], on=key, how="inner")
    bills["charged"] = bills["weight"] * bills["invoiced"]
    per_month = bills.groupby(["at", "month"], as_index=False)["charged"].sum()
    out = []
    for at, months in per_month.groupby("at"):
        c = commitments.frame.iloc[int(at)]
        cumulative = months["charged"].cumsum()
        over = months[cumulative > c["amount_eur"] + MONEY_TOLERANCE]
        if over.empty:
            continue
        month = over["month"].iloc[0]
        total = float(cumulative[over.index[0]])
        out.append(
            finding(
                OVER_CHECK,
                "error",
                "impegni",
                f"{c['comune']}, impegno {c['commitment_id']} ({scope_text(c)}): con le fatture "
                f"di {month} la quota del Comune arriva a {eur(total)}, oltre l'impegno di "
                f"{eur(c['amount_eur'])} (riga 175: si paga nei limiti dell'impegno)",
                column=c["commitment_id"],
                source_line=int(c["line"]),
                stated=round(total, 2),
                computed=float(c["amount_eur"]),
            )
        )
    return out


def _alerts(status: pd.DataFrame, over: list[Finding]) -> pd.DataFrame:
    rows = []
    for s in status.to_dict("records"):
        if s["state"] == WITHIN:
            continue
        used = percent(s["used_share"] or 0.0, 0)
        text = {
            EXCEEDED: f"impegno superato: speso {eur(s['spent_eur'])} su {eur(s['amount_eur'])} ({used})",
            REACHED_80: f"raggiunto l'80%: speso {eur(s['spent_eur'])} su {eur(s['amount_eur'])} ({used}); "
            "informare il Comune per un'eventuale ridefinizione (riga 181)",
            FORECAST_80: f"l'80% sarà raggiunto a {s['alert_month']}"
            + (f", il 100% a {s['full_month']}" if s["full_month"] else "")
            + f" (speso finora {eur(s['spent_eur'])} su {eur(s['amount_eur'])})",
        }[s["state"]]
        rows.append(
            {
                "comune": s["comune"],
                "commitment_id": s["commitment_id"],
                "severity": SEVERITY[s["state"]],
                "message": f"{s['scope']}: {text}",
            }
        )
    by_id = dict(zip(status["commitment_id"], status["comune"], strict=True))
    rows += [
        {
            "comune": by_id[f.column],
            "commitment_id": f.column,
            "severity": f.severity,
            "message": f.message,
        }
        for f in over
    ]
    frame = metadata.frame_from_records("commitment_alerts", rows)
    return frame.sort_values(["comune", "commitment_id"], kind="stable").reset_index(drop=True)


def _covered(billable: pd.DataFrame, at: np.ndarray) -> pd.Series:
    """Per (comune, beneficiary_id, month): every billable row the comune pays a part of counts
    against a commitment (a row paid wholly by a fund needs none)."""
    flags = pd.Series((at >= 0) | (billable[SHARE].to_numpy(float) <= 0), index=billable.index)
    key = [billable["comune"], billable["beneficiary_id"], billable["month"]]
    return flags.groupby(key).all()
