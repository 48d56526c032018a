"""Cut plans into segments: pieces of a plan's active period inside one rate/month interval.

The costed period (:class:`cscplan.periods.Period`, possibly crossing years) is split once into
*intervals* at every month start and at every date on which some rate starts or stops being in
force. Inside an interval every rate is constant and the month
does not change, so a plan's cost over the interval is simply ``days × units/day × rate``.
Plans are exploded into their (plan, interval) segments with NumPy, all plans at once.

Dates are handled as integer day numbers (days since 1970-01-01).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cscplan.periods import Period


@dataclass(frozen=True)
class Intervals:
    """Consecutive day ranges ``[starts[k], ends[k]]`` covering the costed period."""

    starts: np.ndarray  # int64 day numbers
    ends: np.ndarray  # int64 day numbers, inclusive
    month: np.ndarray  # month of each interval, counted from the period's first month (0, 1, …)
    days_in_month: np.ndarray  # calendar days of the interval's month
    month_labels: tuple[str, ...]  # "AAAA-MM" of each month of the period

    @property
    def first_day(self) -> int:
        return int(self.starts[0])

    @property
    def last_day(self) -> int:
        return int(self.ends[-1])

    @property
    def n_months(self) -> int:
        return len(self.month_labels)

    def locate(self, days: np.ndarray) -> np.ndarray:
        """Index of the interval containing each day (days must lie inside the period)."""
        return np.searchsorted(self.starts, days, side="right") - 1


def day_numbers(values) -> np.ndarray:
    """Datetime-like values (Series, array, scalar list) → int64 day numbers."""
    as_days = pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")
    return as_days.astype(np.int64)


def period_intervals(period: Period, change_days: np.ndarray | None = None) -> Intervals:
    """Split ``period`` at month starts and at the given change days (day numbers)."""
    first = np.datetime64(period.start, "D").astype(np.int64)
    end = np.datetime64(period.end, "D").astype(np.int64) + 1  # exclusive
    first_month = np.datetime64(period.start, "M")
    month_starts = np.arange(
        first_month, np.datetime64(period.end, "M") + 1, dtype="datetime64[M]"
    ).astype("datetime64[D]")
    starts = np.maximum(month_starts.astype(np.int64), first)
    if change_days is not None and len(change_days):
        changes = np.asarray(change_days, dtype=np.int64)
        starts = np.union1d(starts, changes[(changes > first) & (changes < end)])
    ends = np.append(starts[1:], end) - 1
    months = starts.astype("datetime64[D]").astype("datetime64[M]")
    month_first = months.astype("datetime64[D]").astype(np.int64)
    next_month = (months + 1).astype("datetime64[D]").astype(np.int64)
    return Intervals(
        starts=starts,
        ends=ends,
        month=(months - first_month).astype(np.int64),
        days_in_month=next_month - month_first,
        month_labels=tuple(period.month_labels),
    )


@dataclass(frozen=True)
class Segments:
    """Exploded (plan, interval) pieces, sorted by plan then interval."""

    plan: np.ndarray  # index of the plan (row of the plan arrays)
    interval: np.ndarray  # index into Intervals
    days: np.ndarray  # active days of the plan inside the interval (>= 1)
    first: np.ndarray  # bool: first segment of its plan


def explode(first_day: np.ndarray, last_day: np.ndarray, intervals: Intervals) -> Segments:
    """Segments of plans active on ``first_day..last_day`` (already clipped to the period).

    Plans with ``first_day > last_day`` are inactive and produce no segment.
    """
    active = first_day <= last_day
    k_first = np.where(active, intervals.locate(np.where(active, first_day, 0)), 0)
    k_last = np.where(active, intervals.locate(np.where(active, last_day, 0)), -1)
    counts = np.maximum(k_last - k_first + 1, 0)
    plan = np.repeat(np.arange(len(first_day)), counts)
    offsets = np.cumsum(counts) - counts
    step = np.arange(len(plan)) - np.repeat(offsets, counts)
    interval = k_first[plan] + step
    seg_start = np.maximum(first_day[plan], intervals.starts[interval])
    seg_end = np.minimum(last_day[plan], intervals.ends[interval])
    return Segments(plan, interval, seg_end - seg_start + 1, step == 0)


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Start positions of runs of equal consecutive keys (keys sorted or grouped)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def sum_runs(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum ``values`` over the runs beginning at ``starts`` (see :func:`group_starts`)."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.float64)
    return np.add.reduceat(values, starts)
