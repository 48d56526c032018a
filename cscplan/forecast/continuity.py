"""*Progetti in continuità*: which plans of a caseload carry into the forecast period, and how.

The guidelines ask each comune, by 30 November, for an authorising forecast of the next year's
spending on the plans that continue (``data/raw/004_a279edaa88320457.txt`` lines 197–199, and for
each service; SAAP by 30 July for the next school year, line 755). The rule applied here:

1. **An open-ended plan continues.** A plan without an end date (*Data fine* empty: the project is
   in progress) runs to the last day of the forecast period, with the same hours or days a week.
2. **A plan with an end date stops there.** It is costed in the forecast only for the days it is
   still active in the period; a plan that ended before the period begins does not continue (it
   counts only in the previous year's figures).
3. **A package is never repeated.** A package item (charged once, when it starts) begun before
   the period is not charged again.
4. Plans are never extended, shortened or re-priced otherwise: the forecast period's tariffs apply
   day by day (:mod:`cscplan.tariffs.engine`).

Rules 2–4 are the cost engine's own clipping to the costed period; rule 1 is
:func:`close_open_plans`.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from cscplan.periods import Period

OPEN = "in corso"
"""How an open-ended plan's end is shown."""


def close_open_plans(plans: pd.DataFrame, period: Period) -> tuple[pd.DataFrame, pd.Series]:
    """``plans`` (text dates ``AAAA-MM-GG``) with every empty ``end`` set to the period's last day
    (rule 1), and which plans were open-ended."""
    open_end = plans["end"].fillna("").astype(str).str.strip().eq("")
    closed = plans.assign(end=plans["end"].where(~open_end, period.end.isoformat()))
    return closed, open_end


def continues(plans: pd.DataFrame, period: Period, package: pd.Series) -> pd.Series:
    """Which (typed, closed) plans have days in ``period`` under rules 1–3."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    active = (plans["end"] >= start) & (plans["start"] <= end)
    return active & ~(package & (plans["start"] < start))


def end_text(end: pd.Timestamp, open_end: bool) -> str:
    """``in corso`` or ``GG/MM/AAAA``."""
    return OPEN if open_end else end.strftime("%d/%m/%Y")


def continuing_plans(
    submission, schedule, comuni: Collection[str] | None, period: Period
) -> tuple[pd.DataFrame, pd.Series]:
    """A submission's plans, open ends closed at the period's end (rule 1), validated against
    the schedule (items, quantities, flags, overlaps; dates may lie outside the schedule: the
    engine costs only the days in ``period``); errors name the submitted file, line and header."""
    from cscplan.scenarios.caseload import validate_caseload

    closed, open_end = close_open_plans(submission.plans, period)
    with submission.located():
        plans = validate_caseload(
            closed, schedule, submission.source, comuni, within_schedule=False
        )
    plans.attrs["notes"] = list(submission.notes)
    return plans, open_end
