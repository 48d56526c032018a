"""Italian plotly charts of the plan, its checks and the tariff scenarios.

Every chart is a pure function ``tables -> go.Figure`` over the build's tables (name → frame).
Amounts in hover labels and bar texts are pre-formatted the Italian way (``1.234,56 €``) with
:mod:`cscplan.fmt`; axis ticks use ``separators=",."``. A chart whose tables are missing is
skipped by :func:`all_charts` and explained by :func:`skipped_charts` with an Italian note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cscplan.fmt import eur, number, percent, signed_eur
from cscplan.safe_text import plot_text
from cscplan.schemas.piano import PLAN_COLUMNS

PLAN_COLUMN_2020 = PLAN_COLUMNS[1]
BASELINE = "baseline"
ALERT_SHARE = 0.8
TOLERANCE = 0.01
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
SEVERITY_COLORS = {"error": "#c0392b", "warning": "#e0a526", "info": "#5b9bd5"}
SEVERITY_LABELS = {"error": "errore", "warning": "avviso", "info": "nota"}
PAYER_LABELS = {"comune_eur": "Comuni", "district_eur": "Distretto (fondo unico)"}


class ChartDataMissing(Exception):
    """The tables needed by a chart are absent or empty; the message is the Italian note."""


@dataclass(frozen=True)
class ChartSpec:
    """A chart of the report: name (also the HTML div id suffix), section and builder."""

    name: str
    section: str
    title: str
    requires: tuple[str, ...]
    build: Callable[[dict[str, pd.DataFrame]], go.Figure]


# --------------------------------------------------------------------------- helpers


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    """Shared Italian look: title, ``,``/``.`` separators, light grid, no external fonts."""
    settings = {"height": 520, **kwargs}
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        separators=",.",
        template="none",
        font={"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 13},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 70, "r": 30, "t": 70, "b": 60},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15},
        hoverlabel={"align": "left"},
        **settings,
    )
    fig.update_xaxes(gridcolor="#e8e8e8", zerolinecolor="#bbbbbb", automargin=True)
    fig.update_yaxes(gridcolor="#e8e8e8", zerolinecolor="#bbbbbb", automargin=True)
    return fig


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = tables.get(name)
    if frame is None or frame.empty:
        raise ChartDataMissing(f"tabella «{name}» non disponibile")
    return frame


def _short(text: str, width: int = 38) -> str:
    """User text shortened for a chart label and escaped for plotly (see ``plot_text``)."""
    text = " ".join(str(text).split())
    return plot_text(text if len(text) <= width else text[: width - 1].rstrip() + "…")


def _scenario_name(name: str, tables: dict[str, pd.DataFrame]) -> str:
    """The scenario's label (user text from its YAML) as a plotly label."""
    return plot_text(scenario_label(name, tables))


def objective_titles(tables: dict[str, pd.DataFrame]) -> dict[int, str]:
    """Objective id → full title, from the budget lines (or comparison/multi-year)."""
    for name in ("budget_lines", "comparison", "multiyear"):
        frame = tables.get(name)
        if frame is not None and not frame.empty and "objective" in frame.columns:
            pairs = frame.drop_duplicates("objective_id").sort_values("objective_id")
            return {
                int(i): " ".join(str(t).split())
                for i, t in zip(pairs["objective_id"], pairs["objective"], strict=True)
            }
    return {}


def objective_labels(tables: dict[str, pd.DataFrame]) -> dict[int, str]:
    """Objective id → short chart label ``"Ob. 5 – title…"``."""
    return {i: f"Ob. {i} – {_short(t, 30)}" for i, t in objective_titles(tables).items()}


def _objective_label(labels: dict[int, str], objective_id: int) -> str:
    return labels.get(int(objective_id), f"Ob. {int(objective_id)}")


def scenario_label(name: str, tables: dict[str, pd.DataFrame] | None = None) -> str:
    """Italian label of a scenario: from the optional ``scenarios`` table (scenario, label),
    else the file name made readable (``saap_piu5`` → ``Saap piu5``); baseline is named."""
    labels = (tables or {}).get("scenarios")
    if labels is not None and {"scenario", "label"} <= set(labels.columns):
        found = labels.loc[labels["scenario"] == name, "label"]
        if len(found) and str(found.iloc[0]).strip():
            return str(found.iloc[0]).strip()
    if name == BASELINE:
        return "Situazione attuale (baseline)"
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _scenario_order(names) -> list[str]:
    unique = sorted(set(names))
    return [BASELINE] * (BASELINE in unique) + [n for n in unique if n != BASELINE]


def _month_label(month: str) -> str:
    months = "gen feb mar apr mag giu lug ago set ott nov dic".split()
    year, number = str(month).split("-")[:2]
    return f"{months[int(number) - 1]} {year}"


# --------------------------------------------------------------------------- budget


def plan_2020_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Budget lines of the 2020 plan column with a usable (positive) amount."""
    lines = _table(tables, "budget_lines")
    lines = lines[(lines["column"] == PLAN_COLUMN_2020) & lines["amount"].notna()]
    lines = lines[lines["amount"] > 0]
    if lines.empty:
        raise ChartDataMissing(
            f"nessuna riga di budget con importo nella colonna {PLAN_COLUMN_2020}"
        )
    return lines


def budget_treemap(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Treemap objectives → actions → lines of the 2020 budget (bottom-up, column PO 2020)."""
    lines = plan_2020_lines(tables)
    labels = objective_labels(tables)
    action = lines["action"].fillna("").astype(str).str.strip().replace("", "(senza azione)")
    frame = lines.assign(action_label=action)
    ids, parents, names, values = [], [], [], []
    for obj_id, obj_rows in frame.groupby("objective_id", sort=True):
        obj_key = f"o{int(obj_id)}"
        ids.append(obj_key)
        parents.append("")
        names.append(_objective_label(labels, obj_id))
        values.append(float(obj_rows["amount"].sum()))
        for act_no, (act, act_rows) in enumerate(obj_rows.groupby("action_label", sort=False)):
            act_key = f"{obj_key}/a{act_no}"
            ids.append(act_key)
            parents.append(obj_key)
            names.append(_short(act, 45))
            values.append(float(act_rows["amount"].sum()))
            for line_id, item, amount in zip(
                act_rows["line_id"], act_rows["item"], act_rows["amount"], strict=True
            ):
                ids.append(f"{act_key}/{line_id}")
                parents.append(act_key)
                names.append(_short(item, 45))
                values.append(float(amount))
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            parents=parents,
            labels=names,
            values=values,
            branchvalues="total",
            customdata=[eur(v) for v in values],
            hovertemplate="<b>%{label}</b><br>%{customdata}<br>%{percentRoot:.1%} del totale"
            "<extra></extra>",
            texttemplate="%{label}<br>%{customdata}",
            maxdepth=2,
        )
    )
    total = lines["amount"].sum()
    return _layout(fig, f"Budget 2020 per obiettivo, azione e voce (totale {eur(total)})")


def _translucent(hex_color: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def funding_sankey(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Sankey funding groups → objectives, 2020 bottom-up (canonical sources mapped to groups)."""
    funding = _table(tables, "funding_by_objective")
    funding = funding[funding["amount"].notna() & (funding["amount"] > TOLERANCE)]
    if funding.empty:
        raise ChartDataMissing("nessun importo positivo in «funding_by_objective»")
    frame = with_groups(funding, tables)
    flows = frame.groupby(["group", "objective_id"], as_index=False)["amount"].sum()
    group_names = sorted(flows["group"].unique())
    objective_ids = sorted(int(i) for i in flows["objective_id"].unique())
    labels = objective_labels(tables)
    node_labels = [plot_text(str(g)[:1].upper() + str(g)[1:]) for g in group_names] + [
        _objective_label(labels, i) for i in objective_ids
    ]
    index = {("g", g): n for n, g in enumerate(group_names)}
    index.update({("o", o): len(group_names) + n for n, o in enumerate(objective_ids)})
    node_totals = [flows.loc[flows["group"] == g, "amount"].sum() for g in group_names] + [
        flows.loc[flows["objective_id"] == o, "amount"].sum() for o in objective_ids
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": node_labels,
                "pad": 12,
                "color": [PALETTE[n % len(PALETTE)] for n in range(len(node_labels))],
                "customdata": [eur(v) for v in node_totals],
                "hovertemplate": "<b>%{label}</b><br>%{customdata}<extra></extra>",
            },
            link={
                "color": [
                    _translucent(PALETTE[index[("g", g)] % len(PALETTE)]) for g in flows["group"]
                ],
                "source": [index[("g", g)] for g in flows["group"]],
                "target": [index[("o", int(o))] for o in flows["objective_id"]],
                "value": flows["amount"].tolist(),
                "customdata": [eur(v) for v in flows["amount"]],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata}"
                "<extra></extra>",
            },
        )
    )
    return _layout(fig, "Fonti di finanziamento 2020 per obiettivo (dalle righe di budget)")


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


def comparison_waterfall(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Waterfall from the 2019 pre-final total to the 2020 budget, one step per objective."""
    comparison = _table(tables, "comparison").sort_values("objective_id")
    labels = objective_labels(tables)
    start = float(comparison["preconsuntivo_2019"].sum())
    end = float(comparison["budget_2020"].sum())
    steps = comparison["budget_2020"] - comparison["preconsuntivo_2019"]
    ids = comparison["objective_id"]
    names = ["Preconsuntivo 2019", *[f"Ob. {int(i)}" for i in ids], "Budget 2020"]
    full = ["Preconsuntivo 2019", *[_objective_label(labels, i) for i in ids], "Budget 2020"]
    values = [start, *steps.astype(float).tolist(), end]
    texts = [eur(start), *[_signed_whole(v) for v in steps], eur(end)]
    hover = [
        [name, amount]
        for name, amount in zip(
            full, [eur(start), *[signed_eur(v) for v in steps], eur(end)], strict=True
        )
    ]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=values,
            measure=["absolute", *["relative"] * len(steps), "total"],
            text=texts,
            textposition="outside",
            customdata=hover,
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
            increasing={"marker": {"color": "#3a9d5d"}},
            decreasing={"marker": {"color": "#b8404a"}},
            totals={"marker": {"color": "#1f5f8b"}},
            connector={"line": {"color": "#999999"}},
        )
    )
    _layout(fig, "Dal preconsuntivo 2019 al budget 2020: variazione per obiettivo")
    levels = start + steps.cumsum()
    low = min(start, end, float(levels.min()))
    high = max(start, end, float(levels.max()))
    fig.update_yaxes(
        title_text="Euro",
        tickformat=",.0f",
        ticksuffix=" €",
        range=[max(0.0, low - 0.25 * (high - low)), high + 0.1 * (high - low)],
    )
    return fig


def _signed_whole(value: float) -> str:
    """``+1.234,56 €`` / ``−567,00 €``: a signed amount, for bar labels."""
    text = eur(abs(value))
    return text if round(value, 2) == 0 else ("+" if value > 0 else "−") + text


def multiyear_bars(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Stacked bars 2020–2022 by objective, with each year's total written above its bar."""
    multiyear = _table(tables, "multiyear")
    labels = objective_labels(tables)
    years = sorted(int(y) for y in multiyear["year"].unique())
    x = [str(y) for y in years]
    fig = go.Figure()
    for n, (obj_id, rows) in enumerate(multiyear.groupby("objective_id", sort=True)):
        amounts = rows.set_index("year")["amount"].reindex(years)
        fig.add_trace(
            go.Bar(
                x=x,
                y=amounts.tolist(),
                name=_objective_label(labels, obj_id),
                marker_color=PALETTE[n % len(PALETTE)],
                customdata=[eur(v) for v in amounts],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    totals = multiyear.groupby("year")["amount"].sum().reindex(years)
    for year, total in zip(x, totals, strict=True):
        fig.add_annotation(x=year, y=total, text=f"<b>{eur(total)}</b>", showarrow=False, yshift=12)
    _layout(fig, "Budget pluriennale 2020–2022 per obiettivo", barmode="stack", height=620)
    fig.update_yaxes(title_text="Euro", tickformat=",.0f", ticksuffix=" €")
    fig.update_layout(legend={"orientation": "v", "y": 1, "x": 1.02, "yanchor": "top"})
    return fig


# --------------------------------------------------------------------------- validation


def failing_totals(findings: pd.DataFrame) -> pd.DataFrame:
    """Errors whose stated and computed figures disagree by more than 1 cent (each wrong cell once:
    repeats of the same cell are notes, see ``one_error_per_cell``)."""
    mask = findings["stated"].notna() & findings["computed"].notna()
    mask &= findings["severity"] == "error"
    delta = (findings["stated"] - findings["computed"]).abs()
    return findings[mask & (delta > TOLERANCE)]


def _finding_label(row: pd.Series) -> str:
    parts = [str(row["table"])]
    if pd.notna(row["objective_id"]):
        parts.append(f"Ob. {int(row['objective_id'])}")
    if isinstance(row["column"], str) and row["column"]:
        parts.append(row["column"])
    return plot_text(" · ".join(parts))


def validation_scatter(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Stated vs computed for every failing total; marker area proportional to |delta|."""
    failing = failing_totals(_table(tables, "findings"))
    if failing.empty:
        raise ChartDataMissing("nessun totale in disaccordo: tutti i totali verificati tornano")
    delta = (failing["stated"] - failing["computed"]).abs()
    sizes = 12 + 38 * (delta / delta.max()) ** 0.5
    fig = go.Figure()
    low = float(min(failing["stated"].min(), failing["computed"].min()))
    high = float(max(failing["stated"].max(), failing["computed"].max()))
    fig.add_trace(
        go.Scatter(
            x=[low, high],
            y=[low, high],
            mode="lines",
            name="dichiarato = calcolato",
            line={"color": "#999999", "dash": "dot"},
            hoverinfo="skip",
        )
    )
    for severity, rows in failing.groupby("severity", sort=False):
        custom = [
            [_finding_label(r), eur(r["stated"]), eur(r["computed"]), signed_eur(r["delta"])]
            for _, r in rows.iterrows()
        ]
        fig.add_trace(
            go.Scatter(
                x=rows["computed"].tolist(),
                y=rows["stated"].tolist(),
                mode="markers",
                name=f"{SEVERITY_LABELS.get(severity, severity)} ({len(rows)})",
                marker={
                    "size": sizes.loc[rows.index].tolist(),
                    "color": SEVERITY_COLORS.get(severity, "#777777"),
                    "opacity": 0.75,
                    "line": {"color": "white", "width": 1},
                },
                customdata=custom,
                hovertemplate="<b>%{customdata[0]}</b><br>dichiarato %{customdata[1]}"
                "<br>calcolato %{customdata[2]}<br>differenza %{customdata[3]}<extra></extra>",
            )
        )
    _layout(fig, "Totali dichiarati e ricalcolati: dove non tornano (area ∝ differenza)")
    log_axis = {"type": "log", "dtick": 1, "tickformat": ",.0f", "ticksuffix": " €"}
    fig.update_xaxes(title_text="Calcolato dalle righe", **log_axis)
    fig.update_yaxes(title_text="Dichiarato nel documento", **log_axis)
    return fig


# --------------------------------------------------------------------------- scenarios


def scenario_by_service(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Grouped bars: annual gross cost by service, baseline beside each scenario."""
    summary = _table(tables, "costs_summary")
    wide = summary.pivot_table(
        index="service", columns="scenario", values="gross_eur", aggfunc="sum"
    )
    base = wide[BASELINE] if BASELINE in wide.columns else None
    fig = go.Figure()
    for n, scenario in enumerate(_scenario_order(wide.columns)):
        values = wide[scenario].fillna(0.0)
        deltas = values - base if base is not None else values * 0
        fig.add_trace(
            go.Bar(
                x=[plot_text(s) for s in wide.index],
                y=values.tolist(),
                name=_scenario_name(scenario, tables),
                marker_color=PALETTE[n % len(PALETTE)],
                customdata=[[eur(v), signed_eur(d)] for v, d in zip(values, deltas, strict=True)],
                hovertemplate="<b>%{x}</b> · %{fullData.name}<br>%{customdata[0]}"
                "<br>rispetto alla baseline: %{customdata[1]}<extra></extra>",
            )
        )
    _layout(fig, "Costo annuo per servizio: situazione attuale e scenari", barmode="group")
    fig.update_yaxes(title_text="Costo lordo annuo (€)", tickformat=",.0f", ticksuffix=" €")
    return fig


def scenario_by_payer(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Stacked bars per scenario: what the comuni pay and what the district fund pays."""
    summary = _table(tables, "costs_summary")
    totals = summary.groupby("scenario")[list(PAYER_LABELS)].sum()
    order = _scenario_order(totals.index)
    totals = totals.reindex(order)
    x = [_scenario_name(s, tables) for s in order]
    fig = go.Figure()
    for n, (column, label) in enumerate(PAYER_LABELS.items()):
        values = totals[column]
        fig.add_trace(
            go.Bar(
                x=x,
                y=values.tolist(),
                name=label,
                marker_color=PALETTE[n],
                customdata=[eur(v) for v in values],
                hovertemplate="%{x}<br>%{fullData.name}: %{customdata}<extra></extra>",
            )
        )
    grand = totals.sum(axis=1)
    for label, total in zip(x, grand, strict=True):
        fig.add_annotation(
            x=label, y=total, text=f"<b>{eur(total)}</b>", showarrow=False, yshift=12
        )
    _layout(fig, "Chi paga: comuni e distretto per scenario", barmode="stack")
    fig.update_yaxes(title_text="Costo lordo annuo (€)", tickformat=",.0f", ticksuffix=" €")
    return fig


def _horizontal_line(fig: go.Figure, x: list[str], level: float, name: str, dash: str) -> None:
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[level] * len(x),
            mode="lines",
            name=f"{name}: {eur(level)}",
            line={"color": "#444444", "dash": dash, "width": 1.5},
            hoverinfo="skip",
        )
    )


def _with_commitment(fig: go.Figure, x: list[str], level: float, title: str) -> go.Figure:
    """Add the committed budget and its 80 % alert line to a cumulative-spend chart."""
    _horizontal_line(fig, x, level, "Impegno annuo", "dash")
    _horizontal_line(fig, x, ALERT_SHARE * level, "Soglia di allerta 80%", "dot")
    _layout(fig, title)
    fig.update_yaxes(title_text="Spesa cumulata (€)", tickformat=",.0f", ticksuffix=" €")
    return fig


def commitment(tables: dict[str, pd.DataFrame], costs_monthly: pd.DataFrame) -> float:
    """The committed annual budget: Monte Carlo's commitment if given, else the baseline total."""
    summary = tables.get("montecarlo_summary")
    if summary is not None and not summary.empty and "commitment_eur" in summary.columns:
        return float(summary["commitment_eur"].iloc[0])
    base = costs_monthly[costs_monthly["scenario"] == BASELINE]
    return float((base if not base.empty else costs_monthly)["gross_eur"].sum())


def cumulative_spend(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Cumulative monthly spend per scenario vs the committed budget and its 80 % alert line."""
    costs = _table(tables, "costs_monthly")
    monthly = costs.pivot_table(
        index="month", columns="scenario", values="gross_eur", aggfunc="sum"
    )
    monthly = monthly.sort_index().fillna(0.0).cumsum()
    x = [_month_label(m) for m in monthly.index]
    fig = go.Figure()
    for n, scenario in enumerate(_scenario_order(monthly.columns)):
        values = monthly[scenario]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values.tolist(),
                mode="lines+markers",
                name=_scenario_name(scenario, tables),
                line={"color": PALETTE[n % len(PALETTE)], "width": 2.5 if n == 0 else 1.8},
                customdata=[eur(v) for v in values],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    level = commitment(tables, costs)
    return _with_commitment(fig, x, level, "Spesa cumulata mese per mese rispetto all'impegno")


def montecarlo_fan(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Fan chart: P10–P90 band and median of cumulative spend from the Monte Carlo draws."""
    monthly = _table(tables, "montecarlo_path").sort_values("month")
    x = [_month_label(m) for m in monthly["month"]]
    band = [[eur(a), eur(b)] for a, b in zip(monthly["p10_eur"], monthly["p90_eur"], strict=True)]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=monthly["p90_eur"].tolist(),
            mode="lines",
            line={"width": 0, "color": "#1f5f8b"},
            name="P90",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=monthly["p10_eur"].tolist(),
            mode="lines",
            fill="tonexty",
            fillcolor="rgba(31,95,139,0.25)",
            line={"width": 0, "color": "#1f5f8b"},
            name="intervallo P10–P90",
            customdata=band,
            hovertemplate="%{x}<br>P10 %{customdata[0]} – P90 %{customdata[1]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=monthly["p50_eur"].tolist(),
            mode="lines+markers",
            line={"color": "#1f5f8b", "width": 2.5},
            name="mediana (P50)",
            customdata=[eur(v) for v in monthly["p50_eur"]],
            hovertemplate="%{x}<br>mediana %{customdata}<extra></extra>",
        )
    )
    level = float(monthly["alert_threshold_eur"].iloc[0]) / ALERT_SHARE
    title = "Incertezza sulla spesa cumulata (simulazione Monte Carlo, P10–P90)"
    return _with_commitment(fig, x, level, title)


def tornado(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Tornado: change of the annual total when each parameter moves to its low/high value."""
    sens = _table(tables, "sensitivity").copy()
    sens["low_delta"] = sens["low_eur"] - sens["baseline_eur"]
    sens["high_delta"] = sens["high_eur"] - sens["baseline_eur"]
    sens["width"] = (sens["high_delta"] - sens["low_delta"]).abs()
    sens = sens.sort_values(["width", "parameter"], ascending=[True, False], kind="stable")
    base = float(sens["baseline_eur"].iloc[0])
    names = sens["label"] if "label" in sens.columns else sens["parameter"]
    fig = go.Figure()
    for column, comune, label, color in (
        ("low_delta", "comune_delta_low_eur", "valore basso", "#b8404a"),
        ("high_delta", "comune_delta_high_eur", "valore alto", "#3a9d5d"),
    ):
        on_comuni = sens[comune] if comune in sens.columns else pd.Series(float("nan"), sens.index)
        fig.add_trace(
            go.Bar(
                y=[plot_text(n) for n in names],
                x=sens[column].tolist(),
                orientation="h",
                name=label,
                marker_color=color,
                customdata=[
                    [signed_eur(v), "" if pd.isna(c) else signed_eur(c)]
                    for v, c in zip(sens[column], on_comuni, strict=True)
                ],
                hovertemplate="<b>%{y}</b> (%{fullData.name})<br>effetto sul totale annuo: "
                "%{customdata[0]}<br>di cui a carico dei comuni: %{customdata[1]}<extra></extra>",
            )
        )
    _layout(
        fig,
        f"Sensibilità del costo annuo ai parametri (totale di riferimento {eur(base)})",
        barmode="overlay",
    )
    fig.update_xaxes(
        title_text="Variazione del costo annuo (€)", tickformat="+,.0f", ticksuffix=" €"
    )
    return fig


# --------------------------------------------------------------------------- benchmark


def csc_volumes(tables: dict[str, pd.DataFrame], growth: pd.DataFrame) -> pd.Series:
    """Baseline beneficiaries per Cremona-mapped CSC service (via the mapped item codes)."""
    costs = tables.get("costs_monthly")
    if costs is None or costs.empty:
        return pd.Series(dtype="float64")
    base = costs[costs["scenario"] == BASELINE]
    items = growth.assign(item=growth["csc_items"].str.split(";")).explode("item")
    item_service = dict(zip(items["item"], items["csc_service"], strict=True))
    mapped = base.assign(csc_service=base["item"].map(item_service)).dropna(subset=["csc_service"])
    return mapped.groupby("csc_service")["beneficiary_id"].nunique().astype("float64")


def cremona_growth_chart(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Cremona growth 2018–2020 per CSC service and, when a caseload was costed, CSC baseline
    cases beside the same cases scaled by one year of Cremona growth."""
    growth = _table(tables, "cremona_growth")
    services = growth[(growth["level"] == "servizio") & growth["growth_factor"].notna()]
    services = services.sort_values("csc_service")
    volumes = csc_volumes(tables, services).reindex(services["csc_service"]).fillna(0.0)
    with_cases = bool(volumes.sum() > 0)
    titles = ("Crescita a Cremona", "Casi CSC e casi con la crescita di Cremona")
    fig = make_subplots(rows=1, cols=1 + with_cases, subplot_titles=titles[: 1 + with_cases])
    x = [plot_text(s) for s in services["csc_service"]]
    growth_series = (
        ("yoy_2019", "2019 su 2018"),
        ("yoy_2020", "2020 su 2019"),
        ("cagr_2018_2020", "media annua"),
    )
    for n, (column, label) in enumerate(growth_series):
        text = [percent(v) for v in services[column]]
        fig.add_trace(_bar(x, services[column], label, PALETTE[n], text), row=1, col=1)
    if with_cases:
        projected = volumes * services["growth_factor"].to_numpy()
        for n, (values, label) in enumerate(
            ((volumes, "casi CSC (baseline)"), (projected, "casi × crescita Cremona"))
        ):
            text = [number(v, 1) for v in values]
            fig.add_trace(_bar(x, values, label, PALETTE[3 + n], text), row=1, col=2)
        fig.update_yaxes(row=1, col=2, title_text="Numero di casi")
    _layout(fig, "Benchmark Cremona 2018–2020 e volumi CSC", barmode="group")
    fig.update_yaxes(tickformat="+.0%", row=1, col=1, title_text="Crescita")
    return fig


def _bar(x: list[str], values: pd.Series, name: str, color: str, text: list[str]) -> go.Bar:
    return go.Bar(
        x=x,
        y=values.tolist(),
        name=name,
        marker_color=color,
        customdata=text,
        hovertemplate="%{x} · %{fullData.name}: %{customdata}<extra></extra>",
    )


# --------------------------------------------------------------------------- registry

CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "budget_obiettivi",
        "budget",
        "Budget 2020 per obiettivo, azione e voce",
        ("budget_lines",),
        budget_treemap,
    ),
    ChartSpec(
        "fonti_obiettivi",
        "budget",
        "Fonti di finanziamento per obiettivo",
        ("funding_by_objective",),
        funding_sankey,
    ),
    ChartSpec(
        "preconsuntivo_budget",
        "budget",
        "Dal preconsuntivo 2019 al budget 2020",
        ("comparison",),
        comparison_waterfall,
    ),
    ChartSpec("pluriennale", "pluriennale", "Budget 2020–2022", ("multiyear",), multiyear_bars),
    ChartSpec(
        "verifiche", "verifiche", "Totali che non tornano", ("findings",), validation_scatter
    ),
    ChartSpec(
        "scenari_servizi",
        "scenari",
        "Costo per servizio",
        ("costs_summary",),
        scenario_by_service,
    ),
    ChartSpec("scenari_pagatori", "scenari", "Chi paga", ("costs_summary",), scenario_by_payer),
    ChartSpec(
        "spesa_cumulata",
        "scenari",
        "Spesa cumulata e impegno",
        ("costs_monthly",),
        cumulative_spend,
    ),
    ChartSpec(
        "montecarlo", "scenari", "Incertezza (Monte Carlo)", ("montecarlo_path",), montecarlo_fan
    ),
    ChartSpec("sensibilita", "scenari", "Sensibilità ai parametri", ("sensitivity",), tornado),
    ChartSpec(
        "crescita_cremona",
        "benchmark",
        "Benchmark Cremona",
        ("cremona_growth",),
        cremona_growth_chart,
    ),
)


def _try_build(spec: ChartSpec, tables: dict[str, pd.DataFrame]) -> go.Figure | str:
    try:
        return spec.build(tables)
    except ChartDataMissing as missing:
        return f"Grafico «{spec.title}» non disponibile: {missing}."


def build_charts(tables: dict[str, pd.DataFrame]) -> dict[str, go.Figure | str]:
    """Every chart in presentation order: a figure, or the Italian note saying why it is missing."""
    return {spec.name: _try_build(spec, tables) for spec in CHARTS}


def all_charts(tables: dict[str, pd.DataFrame]) -> dict[str, go.Figure]:
    """Every chart that the tables allow, by name, in presentation order."""
    built = build_charts(tables)
    return {name: fig for name, fig in built.items() if isinstance(fig, go.Figure)}


def skipped_charts(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Charts that cannot be drawn from these tables → Italian note saying why."""
    built = build_charts(tables)
    return {name: note for name, note in built.items() if isinstance(note, str)}
