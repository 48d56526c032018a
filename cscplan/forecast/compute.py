"""The forecast's figures: a submission's continuing plans costed by the engine over the period.

Everything is costed through :func:`cscplan.scenarios.api.cost` with the forecast
:class:`~cscplan.periods.Period`; a period the tariff schedule does not cover is refused there (an
Italian InputError, exit 2), never costed at invented rates. The previous year's figures (the same
plans over the period one year earlier) are added where the schedule covers that period and the
caseload has plans in it; otherwise :attr:`Forecast.previous_note` says why they are missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cscplan import metadata
from cscplan.forecast.continuity import continues, continuing_plans, end_text
from cscplan.intake.provenance import CaseloadOrigin
from cscplan.intake.submissions import Submission
from cscplan.metadata.fields import UNIT_WORDS as WORDS
from cscplan.payers import PREVIOUS, payer_columns
from cscplan.periods import Period
from cscplan.scenarios.api import CostContext, cost, costed_period
from cscplan.vocabulary import CENT_DECIMALS

UNIT_WORDS = dict(zip(("hour", "day", "week", "month", "package"), WORDS, strict=True))
LINE_KEY = ["comune", "beneficiary_id", "service", "item"]
QUANTITY_DECIMALS = 2


@dataclass
class Forecast:
    """A comune-by-comune forecast: its period, its tables and what it was built from."""

    period: Period
    previous: Period
    lines: pd.DataFrame  # forecast_lines
    district: pd.DataFrame  # forecast_district
    costs: pd.DataFrame  # costs_monthly over the period (the engine's figures)
    origin: CaseloadOrigin
    tariffs: str
    submission: Submission
    previous_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def comuni(self) -> list[str]:
        """The comuni with a line in the forecast (a share to authorise, or last year's)."""
        return sorted(self.lines["comune"].unique())

    def comune_total(self, comune: str, column: str = "gross_eur") -> float:
        """The engine's figure for ``comune`` (sum of its monthly rows, each rounded to the cent)."""
        return float(self.costs.loc[self.costs["comune"] == comune, column].sum())


def previous_period(period: Period) -> Period:
    """The same span one year earlier (``anno 2023`` for ``anno 2024``)."""
    return Period(period.start.replace(year=period.start.year - 1), _year_before(period.end))


def _year_before(day):
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def forecast(
    submission: Submission,
    period: Period,
    context: CostContext,
    origin: CaseloadOrigin,
    key: str = "--anno",
) -> Forecast:
    """Cost ``submission``'s continuing plans over ``period`` (see :mod:`.continuity`)."""
    schedule = context.schedule
    costed_period(schedule, period, key=key)
    plans, open_end = continuing_plans(submission, schedule, context.comuni, period)
    costs = cost(plans, period=period, context=context, validated=True)
    previous = previous_period(period)
    previous_costs, note = _previous(plans, previous, context)
    units = schedule.items.set_index("code")["unit"]
    lines = forecast_lines(costs, previous_costs, plans, open_end, units)
    stopped = ~continues(plans, period, plans["item"].map(units).eq("package").to_numpy())
    notes = list(submission.notes)
    if stopped.any():
        notes.append(
            f"{int(stopped.sum())} piani senza giorni nel periodo {period.span} (conclusi prima, "
            "pacchetti già avviati o piani che iniziano dopo): non sono in continuità"
        )
    return Forecast(
        period=period,
        previous=previous,
        lines=metadata.validate("forecast_lines", lines),
        district=metadata.validate("forecast_district", district_table(lines)),
        costs=costs,
        origin=origin,
        tariffs=str(schedule.source),
        submission=submission,
        previous_note=note,
        notes=notes,
    )


def _previous(plans: pd.DataFrame, previous: Period, context: CostContext):
    """The previous period's costs, or None and why not."""
    schedule = context.schedule
    if not schedule.coverage.contains(previous):
        return None, (
            f"il tariffario copre solo {schedule.describe_coverage()} (nessuna tariffa inventata)"
        )
    costs = cost(plans, period=previous, context=context, validated=True)
    if costs.empty:
        return None, "la casistica non ha piani attivi in quel periodo"
    return costs, ""


def forecast_lines(
    costs: pd.DataFrame,
    previous: pd.DataFrame | None,
    plans: pd.DataFrame,
    open_end: pd.Series,
    units: pd.Series,
) -> pd.DataFrame:
    """One row per comune, beneficiary and item: the period's figures and the previous year's."""
    payers = payer_columns(costs.columns)
    money = ["gross_eur", *payers]
    now = _per_line(costs, money, months=True)
    if previous is not None:
        before = _per_line(previous, money, months=False)
        before = before.rename(columns={c: PREVIOUS + c for c in money})
        lines = now.merge(before, on=LINE_KEY, how="outer")
        lines[["quantity", "months", *money]] = lines[["quantity", "months", *money]].fillna(0)
    else:
        lines = now.assign(**{PREVIOUS + c: np.nan for c in money})
    plan_info = _plan_info(plans, open_end)
    lines = lines.merge(plan_info, on=["beneficiary_id", "item"], how="left")
    lines["unit"] = lines["item"].map(units).map(UNIT_WORDS)
    lines["months"] = lines["months"].astype("int64")
    order = ["comune", "beneficiary_id", "service", "item", "unit", "qty_per_week", "plan_end"]
    order += ["months", "quantity", *money, *(PREVIOUS + c for c in money)]
    lines = lines[order].sort_values(["comune", "service", "beneficiary_id", "item"])
    return lines.reset_index(drop=True).astype({"comune": "string", "beneficiary_id": "string"})


def _per_line(costs: pd.DataFrame, money: list[str], months: bool) -> pd.DataFrame:
    grouped = costs.groupby(LINE_KEY, sort=True)
    out = grouped[["quantity", *money]].sum()
    out[money] = out[money].round(CENT_DECIMALS)
    out["quantity"] = out["quantity"].round(QUANTITY_DECIMALS)
    if months:
        active = costs[costs["quantity"] > 0]
        out["months"] = active.groupby(LINE_KEY)["month"].nunique().reindex(out.index).fillna(0)
    else:
        out = out.drop(columns="quantity")
    return out.reset_index()


def _plan_info(plans: pd.DataFrame, open_end: pd.Series) -> pd.DataFrame:
    """Per beneficiary and item: the weekly quantity of the latest plan and its end in words."""
    frame = plans.assign(open_end=open_end.to_numpy()).sort_values("start", kind="stable")
    last = frame.groupby(["beneficiary_id", "item"], sort=False).last()
    any_open = frame.groupby(["beneficiary_id", "item"], sort=False)["open_end"].any()
    ends = [end_text(e, o) for e, o in zip(last["end"], any_open.reindex(last.index), strict=True)]
    info = pd.DataFrame({"qty_per_week": last["qty_per_week"], "plan_end": ends}, index=last.index)
    return info.reset_index()


def district_table(lines: pd.DataFrame) -> pd.DataFrame:
    """Comune × service: beneficiaries in the period, gross, each payer, the previous year."""
    money = [c for c in lines.columns if c.endswith("_eur")]
    grouped = lines.groupby(["comune", "service"], sort=True)
    out = grouped[money].sum(min_count=1).round(CENT_DECIMALS)
    active = lines[lines["quantity"] > 0]
    counts = active.groupby(["comune", "service"])["beneficiary_id"].nunique()
    out.insert(0, "beneficiaries", counts.reindex(out.index).fillna(0).astype("int64"))
    for column in money:
        if not column.startswith(PREVIOUS):
            out[column] = out[column].fillna(0.0)
    return out.reset_index().astype({"comune": "string", "service": "string"})
