"""Italian plotly charts of the plan, its checks and the tariff scenarios.

Every chart is a pure function ``tables -> go.Figure`` over the build's tables (name → frame).
Amounts in hover labels and bar texts are pre-formatted the Italian way (``1.234,56 €``) with
:mod:`cscplan.fmt`; axis ticks use ``separators=",."``. A chart whose tables are missing is
skipped by :func:`all_charts` and explained by :func:`skipped_charts` with an Italian note.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cscplan.fmt import eur, number, percent, signed_eur
from cscplan.reports.presentation import (
    DECREASE_COLOR,
    INCREASE_COLOR,
    PAYER_COLUMNS,
    SEVERITY_COLORS,
    SEVERITY_LABELS,
    TOTAL_COLOR,
    MissingData,
    alert_share,
    capitalised,
    failing_totals,
    group_color,
    month_label,
    objective_color,
    objective_label,
    objective_labels,
    plan_years,
    scenario_label,
    scenario_order,
    series_color,
    short,
    with_groups,
)
from cscplan.safe_text import plot_text  # user text in labels: escaped for plotly
from cscplan.vocabulary import BASELINE, MONEY_TOLERANCE

ChartDataMissing = MissingData


@dataclass(frozen=True)
class ChartSpec:
    """A chart of the report: name (also the HTML div id suffix), section and builder."""

    name: str
    section: str
    title: str
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


# --------------------------------------------------------------------------- budget


def plan_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Budget lines (per-line view) with a positive amount in the year's PO column."""
    lines = _table(tables, "budget_by_action")
    lines = lines[lines["po_current"].notna() & (lines["po_current"] > 0)]
    if lines.empty:
        raise ChartDataMissing("nessuna riga di budget con importo nel PO dell'anno")
    return lines.rename(columns={"po_current": "amount"})


def budget_treemap(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Treemap objectives → actions → lines of the year's budget (bottom-up, the year's PO)."""
    lines = plan_lines(tables)
    labels = objective_labels(tables)
    action = lines["action"].fillna("").astype(str).str.strip().replace("", "(senza azione)")
    frame = lines.assign(action_label=action)
    ids, parents, names, values, colors = [], [], [], [], []
    for obj_id, obj_rows in frame.groupby("objective_id", sort=True):
        obj_key = f"o{int(obj_id)}"
        color = objective_color(obj_id)
        ids.append(obj_key)
        parents.append("")
        names.append(plot_text(objective_label(labels, obj_id)))
        values.append(float(obj_rows["amount"].sum()))
        colors.append(color)
        for act_no, (act, act_rows) in enumerate(obj_rows.groupby("action_label", sort=False)):
            act_key = f"{obj_key}/a{act_no}"
            ids.append(act_key)
            parents.append(obj_key)
            names.append(plot_text(short(act, 45)))
            values.append(float(act_rows["amount"].sum()))
            colors.append(color)
            for line_id, item, amount in zip(
                act_rows["line_id"], act_rows["item"], act_rows["amount"], strict=True
            ):
                ids.append(f"{act_key}/{line_id}")
                parents.append(act_key)
                names.append(plot_text(short(item, 45)))
                values.append(float(amount))
                colors.append(color)
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            parents=parents,
            labels=names,
            values=values,
            marker={"colors": colors},
            branchvalues="total",
            customdata=[eur(v) for v in values],
            hovertemplate="<b>%{label}</b><br>%{customdata}<br>%{percentRoot:.1%} del totale"
            "<extra></extra>",
            texttemplate="%{label}<br>%{customdata}",
            maxdepth=2,
        )
    )
    total = lines["amount"].sum()
    year = plan_years(tables).budget_year
    return _layout(fig, f"Budget {year} per obiettivo, azione e voce (totale {eur(total)})")


def _translucent(hex_color: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def funding_sankey(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Sankey funding groups → objectives, bottom-up (canonical sources mapped to groups)."""
    funding = _table(tables, "funding_by_objective")
    funding = funding[funding["amount"].notna() & (funding["amount"] > MONEY_TOLERANCE)]
    if funding.empty:
        raise ChartDataMissing("nessun importo positivo in «funding_by_objective»")
    frame = with_groups(funding, tables)
    flows = frame.groupby(["group", "objective_id"], as_index=False)["amount"].sum()
    group_names = sorted(flows["group"].unique())
    objective_ids = sorted(int(i) for i in flows["objective_id"].unique())
    labels = objective_labels(tables)
    node_labels = [plot_text(capitalised(g)) for g in group_names] + [
        plot_text(objective_label(labels, i)) for i in objective_ids
    ]
    node_colors = [group_color(g) for g in group_names] + [
        objective_color(i) for i in objective_ids
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
                "color": node_colors,
                "customdata": [eur(v) for v in node_totals],
                "hovertemplate": "<b>%{label}</b><br>%{customdata}<extra></extra>",
            },
            link={
                "color": [_translucent(group_color(g)) for g in flows["group"]],
                "source": [index[("g", g)] for g in flows["group"]],
                "target": [index[("o", int(o))] for o in flows["objective_id"]],
                "value": flows["amount"].tolist(),
                "customdata": [eur(v) for v in flows["amount"]],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata}"
                "<extra></extra>",
            },
        )
    )
    year = plan_years(tables).budget_year
    return _layout(fig, f"Fonti di finanziamento {year} per obiettivo (dalle righe di budget)")


def comparison_waterfall(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Waterfall from the previous year's pre-final total to the year's budget, by objective."""
    comparison = _table(tables, "comparison_view").sort_values("objective_id")
    labels = objective_labels(tables)
    years = plan_years(tables)
    start = float(comparison["preconsuntivo"].sum())
    end = float(comparison["budget_stated"].sum())
    steps = comparison["budget_stated"] - comparison["preconsuntivo"]
    ids = comparison["objective_id"]
    first, last = f"Preconsuntivo {years.previous_year}", f"Budget {years.budget_year}"
    names = [first, *[f"Ob. {int(i)}" for i in ids], last]
    full = [first, *[plot_text(objective_label(labels, i)) for i in ids], last]
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
            increasing={"marker": {"color": INCREASE_COLOR}},
            decreasing={"marker": {"color": DECREASE_COLOR}},
            totals={"marker": {"color": TOTAL_COLOR}},
            connector={"line": {"color": "#999999"}},
        )
    )
    _layout(
        fig,
        f"Dal preconsuntivo {years.previous_year} al budget {years.budget_year}: "
        "variazione per obiettivo",
    )
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
    """Stacked bars of the multi-year budget by objective, each year's total above its bar."""
    multiyear = _table(tables, "multiyear")
    labels = objective_labels(tables)
    years = sorted(int(y) for y in multiyear["year"].unique())
    x = [str(y) for y in years]
    fig = go.Figure()
    for obj_id, rows in multiyear.groupby("objective_id", sort=True):
        amounts = rows.set_index("year")["amount"].reindex(years)
        fig.add_trace(
            go.Bar(
                x=x,
                y=amounts.tolist(),
                name=plot_text(objective_label(labels, obj_id)),
                marker_color=objective_color(obj_id),
                customdata=[eur(v) for v in amounts],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    totals = multiyear.groupby("year")["amount"].sum().reindex(years)
    for year, total in zip(x, totals, strict=True):
        fig.add_annotation(x=year, y=total, text=f"<b>{eur(total)}</b>", showarrow=False, yshift=12)
    title = f"Budget pluriennale {years[0]}–{years[-1]} per obiettivo"
    _layout(fig, title, barmode="stack", height=620)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Euro", tickformat=",.0f", ticksuffix=" €")
    fig.update_layout(legend={"orientation": "v", "y": 1, "x": 1.02, "yanchor": "top"})
    return fig


# --------------------------------------------------------------------------- validation


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
    for n, scenario in enumerate(scenario_order(wide.columns)):
        values = wide[scenario].fillna(0.0)
        deltas = values - base if base is not None else values * 0
        fig.add_trace(
            go.Bar(
                x=[plot_text(s) for s in wide.index],
                y=values.tolist(),
                name=plot_text(scenario_label(scenario, tables)),
                marker_color=series_color(n),
                customdata=[[eur(v), signed_eur(d)] for v, d in zip(values, deltas, strict=True)],
                hovertemplate="<b>%{x}</b> · %{fullData.name}<br>%{customdata[0]}"
                "<br>rispetto allo scenario base: %{customdata[1]}<extra></extra>",
            )
        )
    _layout(fig, "Costo annuo per servizio: situazione attuale e scenari", barmode="group")
    fig.update_yaxes(title_text="Costo lordo annuo (€)", tickformat=",.0f", ticksuffix=" €")
    return fig


def scenario_by_payer(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Stacked bars per scenario: what the comuni pay and what the district fund pays."""
    summary = _table(tables, "costs_summary")
    totals = summary.groupby("scenario")[list(PAYER_COLUMNS)].sum()
    order = scenario_order(totals.index)
    totals = totals.reindex(order)
    x = [plot_text(scenario_label(s, tables)) for s in order]
    fig = go.Figure()
    for n, (column, label) in enumerate(PAYER_COLUMNS.items()):
        values = totals[column]
        fig.add_trace(
            go.Bar(
                x=x,
                y=values.tolist(),
                name=label,
                marker_color=series_color(n),
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


def _with_commitment(
    fig: go.Figure, x: list[str], level: float, share: float, title: str
) -> go.Figure:
    """Add the committed budget and its alert line (e.g. 80 %) to a cumulative-spend chart."""
    _horizontal_line(fig, x, level, "Impegno annuo", "dash")
    _horizontal_line(fig, x, share * level, f"Soglia di allerta {percent(share, 0)}", "dot")
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
    x = [month_label(m) for m in monthly.index]
    fig = go.Figure()
    for n, scenario in enumerate(scenario_order(monthly.columns)):
        values = monthly[scenario]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values.tolist(),
                mode="lines+markers",
                name=plot_text(scenario_label(scenario, tables)),
                line={"color": series_color(n), "width": 2.5 if n == 0 else 1.8},
                customdata=[eur(v) for v in values],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    level = commitment(tables, costs)
    title = "Spesa cumulata mese per mese rispetto all'impegno"
    return _with_commitment(fig, x, level, alert_share(tables), title)


def montecarlo_fan(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Fan chart: P10–P90 band and median of cumulative spend from the Monte Carlo draws."""
    monthly = _table(tables, "montecarlo_path").sort_values("month")
    x = [month_label(m) for m in monthly["month"]]
    band = [[eur(a), eur(b)] for a, b in zip(monthly["p10_eur"], monthly["p90_eur"], strict=True)]
    fig = go.Figure()
    edge = {"mode": "lines", "line": {"width": 0, "color": TOTAL_COLOR}}
    fig.add_trace(
        go.Scatter(x=x, y=monthly["p90_eur"].tolist(), name="P90", showlegend=False, **edge)
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=monthly["p10_eur"].tolist(),
            fill="tonexty",
            fillcolor=_translucent(TOTAL_COLOR, 0.25),
            name="intervallo P10–P90",
            customdata=band,
            hovertemplate="%{x}<br>P10 %{customdata[0]} – P90 %{customdata[1]}<extra></extra>",
            **edge,
        )
    )
    fig.data[0].hoverinfo = "skip"
    fig.add_trace(
        go.Scatter(
            x=x,
            y=monthly["p50_eur"].tolist(),
            mode="lines+markers",
            line={"color": TOTAL_COLOR, "width": 2.5},
            name="mediana (P50)",
            customdata=[eur(v) for v in monthly["p50_eur"]],
            hovertemplate="%{x}<br>mediana %{customdata}<extra></extra>",
        )
    )
    level = commitment(tables, tables.get("costs_monthly", pd.DataFrame()))
    title = "Incertezza sulla spesa cumulata (simulazione Monte Carlo, P10–P90)"
    return _with_commitment(fig, x, level, alert_share(tables), title)


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


def growth_series(growth: pd.DataFrame) -> list[tuple[str, str]]:
    """(column, Italian label) of the year-on-year and average growth columns, years from data."""
    series = []
    for column in growth.columns:
        if yoy := re.fullmatch(r"yoy_(\d{4})", column):
            year = int(yoy[1])
            series.append((column, f"{year} su {year - 1}"))
        elif re.fullmatch(r"cagr_\d{4}_\d{4}", column):
            series.append((column, "media annua"))
    return series


def growth_span(growth: pd.DataFrame) -> str:
    """``'2018–2020'``: the first and last year of the maps' values."""
    years = sorted(int(m[1]) for c in growth.columns if (m := re.fullmatch(r"value_(\d{4})", c)))
    return f"{years[0]}–{years[-1]}" if years else ""


def cremona_growth_chart(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Cremona growth per CSC service and, when a caseload was costed, CSC baseline cases
    beside the same cases scaled by one year of Cremona growth."""
    growth = _table(tables, "cremona_growth")
    services = growth[(growth["level"] == "servizio") & growth["growth_factor"].notna()]
    services = services.sort_values("csc_service")
    volumes = csc_volumes(tables, services).reindex(services["csc_service"]).fillna(0.0)
    with_cases = bool(volumes.sum() > 0)
    titles = ("Crescita a Cremona", "Casi CSC e casi con la crescita di Cremona")
    fig = make_subplots(rows=1, cols=1 + with_cases, subplot_titles=titles[: 1 + with_cases])
    x = [plot_text(s) for s in services["csc_service"]]
    series = growth_series(services)
    for n, (column, label) in enumerate(series):
        text = [percent(v) for v in services[column]]
        fig.add_trace(_bar(x, services[column], label, series_color(n), text), row=1, col=1)
    if with_cases:
        projected = volumes * services["growth_factor"].to_numpy()
        for n, (values, label) in enumerate(
            ((volumes, "casi CSC (scenario base)"), (projected, "casi × crescita Cremona"))
        ):
            text = [number(v, 1) for v in values]
            color = series_color(len(series) + n)
            fig.add_trace(_bar(x, values, label, color, text), row=1, col=2)
        fig.update_yaxes(row=1, col=2, title_text="Numero di casi")
    _layout(fig, f"Benchmark Cremona {growth_span(growth)} e volumi CSC", barmode="group")
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
    ChartSpec("budget_obiettivi", "budget", "Budget per obiettivo, azione e voce", budget_treemap),
    ChartSpec("fonti_obiettivi", "budget", "Fonti di finanziamento per obiettivo", funding_sankey),
    ChartSpec(
        "preconsuntivo_budget", "budget", "Dal preconsuntivo al budget", comparison_waterfall
    ),
    ChartSpec("pluriennale", "pluriennale", "Budget pluriennale", multiyear_bars),
    ChartSpec("verifiche", "verifiche", "Totali che non tornano", validation_scatter),
    ChartSpec("scenari_servizi", "scenari", "Costo per servizio", scenario_by_service),
    ChartSpec("scenari_pagatori", "scenari", "Chi paga", scenario_by_payer),
    ChartSpec("spesa_cumulata", "scenari", "Spesa cumulata e impegno", cumulative_spend),
    ChartSpec("montecarlo", "scenari", "Incertezza (Monte Carlo)", montecarlo_fan),
    ChartSpec("sensibilita", "scenari", "Sensibilità ai parametri", tornado),
    ChartSpec("crescita_cremona", "benchmark", "Benchmark Cremona", cremona_growth_chart),
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
