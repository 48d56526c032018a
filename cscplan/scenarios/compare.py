"""Scenario comparison: totals per scenario and deltas against the baseline.

Every delta table has the same shape: the grouping column(s), ``scenario``, the baseline and
scenario amounts, ``delta_eur`` (scenario − baseline) and ``delta_pct`` (NaN when the baseline
is zero). Payers are those of ``data/payers.csv`` (comune, distretto, fna, fondo_poverta,
famiglia), each with its amount column of ``costs_monthly``.
"""

from __future__ import annotations

import pandas as pd

from cscplan import metadata
from cscplan.vocabulary import BASELINE, PAYER_COLUMNS

SUMMARY_COLUMNS = list(metadata.dtypes("costs_summary"))
MONEY = SUMMARY_COLUMNS[2:]
PAYERS = {column: payer for payer, column in PAYER_COLUMNS.items()}
# table name → (grouping column, amount compared): each comune is compared on what it pays.
DELTA_TABLES = {
    "scenario_delta_service": ("service", "gross_eur"),
    "scenario_delta_payer": ("payer", "amount_eur"),
    "scenario_delta_comune": ("comune", "comune_eur"),
    "scenario_delta_month": ("month", "gross_eur"),
}


def summarise(costs_monthly: pd.DataFrame) -> pd.DataFrame:
    """``costs_summary``: gross and each payer's € per scenario and service over the period."""
    summary = costs_monthly.groupby(["scenario", "service"], sort=False)[MONEY].sum().reset_index()
    summary[MONEY] = summary[MONEY].round(2)
    return _scenario_order(summary, costs_monthly)[SUMMARY_COLUMNS]


def compare_scenarios(costs_monthly: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Deltas of every scenario against the baseline by service, payer, comune and month."""
    long = _by_payer(costs_monthly)
    tables = {}
    for name, (key, amount) in DELTA_TABLES.items():
        frame = long if key == "payer" else costs_monthly
        totals = frame.groupby(["scenario", key], sort=False)[amount].sum()
        tables[name] = _deltas(totals.rename("amount_eur").reset_index(), key)
    return tables


def _by_payer(costs_monthly: pd.DataFrame) -> pd.DataFrame:
    frame = costs_monthly[["scenario", *PAYERS]].rename(columns=PAYERS)
    return frame.melt(id_vars="scenario", var_name="payer", value_name="amount_eur")


def _deltas(totals: pd.DataFrame, key: str) -> pd.DataFrame:
    base = totals[totals["scenario"] == BASELINE].set_index(key)["amount_eur"]
    others = totals[totals["scenario"] != BASELINE]
    columns = [key, "scenario", "baseline_eur", "scenario_eur", "delta_eur", "delta_pct"]
    if others.empty:
        return pd.DataFrame(columns=columns)
    grid = pd.MultiIndex.from_product(
        [others["scenario"].unique(), base.index.union(pd.Index(others[key].unique()))],
        names=["scenario", key],
    ).to_frame(index=False)
    merged = grid.merge(others, on=["scenario", key], how="left")
    merged["scenario_eur"] = merged["amount_eur"].fillna(0.0)
    merged["baseline_eur"] = merged[key].map(base).astype(float).fillna(0.0)
    merged["delta_eur"] = merged["scenario_eur"] - merged["baseline_eur"]
    merged["delta_pct"] = merged["delta_eur"] / merged["baseline_eur"].where(
        merged["baseline_eur"] != 0
    )
    money = ["baseline_eur", "scenario_eur", "delta_eur"]
    merged[money] = merged[money].round(2)
    return merged[columns].sort_values(["scenario", key], kind="stable", ignore_index=True)


def _scenario_order(frame: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(source["scenario"].unique())}
    return frame.sort_values(
        ["scenario", "service"], key=lambda s: s.map(order) if s.name == "scenario" else s
    ).reset_index(drop=True)
