"""What every output shows the same way: colours, Italian labels, month names, plan years.

One colour per objective and one per funding group, the same in every chart, the workbook and the
notebooks; scenario, payer and severity labels in Italian; months as ``gen 2023``. Reports read
the published tables and take their words from here (column headers from the field registry).
"""

from __future__ import annotations

import pandas as pd

from cscplan import metadata
from cscplan.plan_years import PlanYears
from cscplan.vocabulary import (
    ALERT_SHARE,
    BASELINE,
    BASELINE_LABEL,
    COMUNE,
    DISTRICT,
    FUNDING_GROUPS,
    MONEY_TOLERANCE,
    PAYER_COLUMNS,
    SEVERITY_LABELS,
    UNMAPPED_GROUP,
)

PALETTE = (
    "#1f5f8b",
    "#e07b39",
    "#3a9d5d",
    "#b8404a",
    "#7a5ba6",
    "#8c6d3f",
    "#d16fa6",
    "#6f7b87",
    "#a8a83a",
    "#2fa8b8",
    "#4a6fd1",
    "#c9a227",
    "#5b8c3a",
    "#9c3d6b",
    "#3d5a6b",
)
# funding groups (comunali, fondi nazionali, regionali, ATS, avanzo, altri, non mappate): darker
# tones than the objectives', so that a Sankey never shows a group and an objective alike
GROUP_PALETTE = ("#0d3b66", "#5f0f40", "#0f7173", "#c9731e", "#6b5e4a", "#4a4e69", "#b0b0b0")
SEVERITY_COLORS = {"error": "#c0392b", "warning": "#e0a526", "info": "#5b9bd5"}
INCREASE_COLOR, DECREASE_COLOR, TOTAL_COLOR = "#3a9d5d", "#b8404a", "#1f5f8b"
PAYER_COLORS = {  # by amount column; the comuni share the comunali funds' colour
    "comune_eur": GROUP_PALETTE[0],
    "district_eur": "#e0a526",
    "fna_eur": GROUP_PALETTE[2],
    "poverty_fund_eur": GROUP_PALETTE[1],
    "family_eur": "#8c6d3f",
}
REST_COLOR = "#b0b0b0"
ALWAYS_SHOWN = (PAYER_COLUMNS[COMUNE], PAYER_COLUMNS[DISTRICT])
MONTHS = ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")
SEVERITIES = SEVERITY_LABELS


def objective_color(objective_id: int) -> str:
    """The colour of an objective, fixed by its number (the same in every chart)."""
    return PALETTE[(int(objective_id) - 1) % len(PALETTE)]


def group_color(group: str) -> str:
    """The colour of a funding group (``comunali``, ``fondi nazionali``, ...)."""
    order = [*FUNDING_GROUPS, UNMAPPED_GROUP]
    index = order.index(group) if group in order else len(order) - 1
    return GROUP_PALETTE[index % len(GROUP_PALETTE)]


def payer_color(column: str) -> str:
    """The colour of a payer (``comune_eur``: the comuni, the same as the comunali funds)."""
    return PAYER_COLORS.get(column, REST_COLOR)


def payer_columns(
    tables: dict[str, pd.DataFrame] | None = None, amounts: pd.DataFrame | None = None
) -> dict[str, str]:
    """Payer amount column → Italian label, in the payers' order: the labels of the published
    ``payers`` table (``data/payers.csv``), else the registry's; with ``amounts``, only the
    payers with some amount there (the comuni and the district always)."""
    published = (tables or {}).get("payers")
    if published is not None and not published.empty:
        named = dict(zip(published["column"], published["label"], strict=True))
    else:
        named = {}
    labels = {
        column: named.get(column) or metadata.field_of("costs_monthly", column).label
        for column in PAYER_COLUMNS.values()
    }
    if amounts is None:
        return labels
    present = amounts[list(labels)].abs().sum() > 0
    return {c: label for c, label in labels.items() if c in ALWAYS_SHOWN or present[c]}


def series_color(index: int) -> str:
    """Colour of the n-th series of a chart without a domain colour (scenarios, payers)."""
    return PALETTE[index % len(PALETTE)]


def month_label(month: str) -> str:
    """``'2023-04'`` → ``'apr 2023'``."""
    year, number = str(month).split("-")[:2]
    return f"{MONTHS[int(number) - 1]} {year}"


def short(text: str, width: int = 38) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


class MissingData(Exception):
    """A table a chart or sentence needs is absent or empty; the message is the Italian note."""


def known_years(tables: dict[str, pd.DataFrame]) -> PlanYears | None:
    """The years of the plan the tables come from (its ``plan_info``), or None without it."""
    info = tables.get("plan_info")
    return None if info is None or info.empty else PlanYears.from_table(info)


def plan_years(tables: dict[str, pd.DataFrame]) -> PlanYears:
    """The years of the plan; without ``plan_info`` the caller's figure cannot be shown."""
    years = known_years(tables)
    if years is None:
        raise MissingData("tabella «plan_info» (anni del piano) non disponibile")
    return years


def plan_values(tables: dict[str, pd.DataFrame]) -> dict | None:
    info = tables.get("plan_info")
    return None if info is None or info.empty else info.iloc[0].to_dict()


def headers(name: str, columns, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Italian column headers of a published table (registry labels, plan years filled in)."""
    return metadata.labels(name, columns, plan_values(tables))


def objective_titles(tables: dict[str, pd.DataFrame]) -> dict[int, str]:
    """Objective id → full title, from the per-objective view."""
    view = tables.get("budget_by_objective")
    if view is None or view.empty:
        return {}
    return {
        int(i): " ".join(str(t).split())
        for i, t in zip(view["objective_id"], view["objective"], strict=True)
    }


def objective_labels(tables: dict[str, pd.DataFrame]) -> dict[int, str]:
    """Objective id → short chart label ``"Ob. 5 – title…"``."""
    return {i: f"Ob. {i} – {short(t, 30)}" for i, t in objective_titles(tables).items()}


def objective_label(labels: dict[int, str], objective_id: int) -> str:
    return labels.get(int(objective_id), f"Ob. {int(objective_id)}")


def scenario_label(name: str, tables: dict[str, pd.DataFrame] | None = None) -> str:
    """Italian label of a scenario from the ``scenarios`` table, else its file name made
    readable (``saap_piu5`` → ``Saap piu5``)."""
    labels = (tables or {}).get("scenarios")
    if labels is not None and {"scenario", "label"} <= set(labels.columns):
        found = labels.loc[labels["scenario"] == name, "label"]
        if len(found) and str(found.iloc[0]).strip():
            return str(found.iloc[0]).strip()
    if name == BASELINE:
        return BASELINE_LABEL
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def scenario_order(names) -> list[str]:
    """The baseline first, then the scenarios by name."""
    unique = sorted(set(names))
    return [BASELINE] * (BASELINE in unique) + [n for n in unique if n != BASELINE]


def capitalised(text: str) -> str:
    return str(text)[:1].upper() + str(text)[1:]


def costed_period(tables: dict[str, pd.DataFrame]) -> str:
    """The calendar years the costs cover, from their months (``'2023'``, ``'2023–2024'``)."""
    costs = tables.get("costs_monthly")
    if costs is None or costs.empty:
        return ""
    years = sorted({str(m)[:4] for m in costs["month"].unique()})
    return years[0] if len(years) == 1 else f"{years[0]}–{years[-1]}"


def caseload_label(tables: dict[str, pd.DataFrame]) -> str:
    """How the costed caseload is named (``casistica di esempio (sintetica)`` for the bundled
    sample, else its file), from ``caseload_info``; ``""`` when the table is absent."""
    info = tables.get("caseload_info")
    if info is None or info.empty:
        return ""
    return str(info["caseload_label"].iloc[0])


def source_groups(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Canonical source → funding group, from the ``funding_sources`` table when present."""
    fmap = tables.get("funding_sources")
    if fmap is None or fmap.empty or not {"source", "group"} <= set(fmap.columns):
        return {}
    pairs = fmap.drop_duplicates("source")
    return dict(zip(pairs["source"], pairs["group"], strict=True))


def with_groups(funding: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``funding`` with a ``group`` column: its own, else from the funding map, else the source."""
    if "group" in funding.columns and funding["group"].notna().all():
        return funding
    mapped = funding["source"].map(source_groups(tables))
    return funding.assign(group=mapped.fillna(funding["source"]))


def failing_totals(findings: pd.DataFrame) -> pd.DataFrame:
    """Errors whose stated and computed figures disagree by more than 1 cent (each wrong cell once:
    repeats of the same cell are notes, see ``one_error_per_cell``)."""
    mask = findings["stated"].notna() & findings["computed"].notna()
    mask &= findings["severity"] == "error"
    delta = (findings["stated"] - findings["computed"]).abs()
    return findings[mask & (delta > MONEY_TOLERANCE)]


def alert_share(tables: dict[str, pd.DataFrame]) -> float:
    """The monitoring alert share used by the Monte Carlo (the vocabulary's when absent)."""
    summary = tables.get("montecarlo_summary")
    if summary is None or summary.empty:
        return ALERT_SHARE
    return float(summary["alert_share"].iloc[0])
