"""Italian plotly charts of the plan, its checks and the tariff scenarios.

Every chart is a pure function ``tables -> go.Figure`` over the build's tables (name → frame).
Each title states the chart's message with a figure computed from the tables ("L'Obiettivo 5
assorbe il 54% del budget 2020"); the subtitle says what is drawn. Amounts are pre-formatted the
Italian way (``1.234,56 €``) with :mod:`cscplan.fmt`; axis ticks use ``separators=",."``. Colours
come only from :mod:`cscplan.reports.presentation` (one per objective, funding group, payer).
Text is at least 11 px; long lists show their top entries and one "altri" entry. Every piece of
user text (titles from the documents, scenario labels, service codes) becomes a label through
:func:`chart_text`. A chart whose tables are missing is skipped by :func:`all_charts` and
explained by :func:`skipped_charts` with an Italian note.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cscplan.fmt import eur, number, percent, signed_eur
from cscplan.payers import COMUNE_SHARE, payer_label
from cscplan.reports.narrative import commitment_note, comune_shares, month_name
from cscplan.reports.presentation import (
    ALWAYS_SHOWN,
    DECREASE_COLOR,
    INCREASE_COLOR,
    REST_COLOR,
    TOTAL_COLOR,
    MissingData,
    alert_share,
    capitalised,
    caseload_label,
    costed_period,
    failing_totals,
    group_color,
    month_label,
    objective_color,
    objective_titles,
    payer_color,
    payer_columns,
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

FONT_SIZE = 14
MIN_TEXT = 11  # px: no label is drawn smaller (plotly hides what does not fit instead)
TOP_OBJECTIVES = 7
TOP_SERVICES = 8
TOP_COMUNI = 20
MAX_HEIGHT = 680  # px: every chart fits one A4 page in print
TABLE_NAMES = {"scheda": "Scheda", "confronto": "Confronto", "pluriennale": "Pluriennale"}
TABLE_NAMES |= {"entrate": "Entrate"}


@dataclass(frozen=True)
class ChartSpec:
    """A chart of the report: name (also the HTML div id suffix), section and builder."""

    name: str
    section: str
    title: str
    build: Callable[[dict[str, pd.DataFrame]], go.Figure]


# --------------------------------------------------------------------------- helpers


def chart_text(text, width: int | None = None) -> str:
    """User text as a chart label: spaces collapsed, cut to ``width`` with an ellipsis.

    Every label, legend entry and title fragment that comes from a document, a scenario file or a
    caseload passes through here, so escaping for plotly happens in this one place.
    """
    return plot_text(short(text, width) if width else " ".join(str(text).split()))


def wrap(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters (``<br>``), at spaces."""
    lines: list[str] = []
    for word in re.split(r" (?!€)", str(text)):  # an amount keeps its "€"
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


TITLE_WIDTH, SUBTITLE_WIDTH = 64, 100  # characters: the title still fits an A4 page (~700 px)


def chart_layout(fig: go.Figure, title: str, subtitle: str = "", **kwargs) -> go.Figure:
    """Shared Italian look: message title, subtitle, ``,``/``.`` separators, readable text."""
    title, subtitle = wrap(title, TITLE_WIDTH), wrap(subtitle, SUBTITLE_WIDTH)
    heading = {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 19}}
    if subtitle:
        heading["subtitle"] = {"text": subtitle, "font": {"size": 13, "color": "#55636f"}}
    top = (
        40 + 24 * (title.count("<br>") + 1) + (18 * (subtitle.count("<br>") + 1) if subtitle else 0)
    )
    settings = {
        "title": heading,
        "separators": ",.",
        "template": "none",
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": FONT_SIZE},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "height": 520,
        "margin": {"l": 70, "r": 30, "t": top + 30, "b": 60},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "x": 0,
            "xanchor": "left",
            "traceorder": "normal",
        },
        "hoverlabel": {"align": "left"},
        "uniformtext": {"minsize": MIN_TEXT, "mode": "hide"},
    }
    fig.update_layout(**(settings | kwargs))
    fig.update_xaxes(gridcolor="#e8e8e8", zerolinecolor="#bbbbbb", automargin=True)
    fig.update_yaxes(gridcolor="#e8e8e8", zerolinecolor="#bbbbbb", automargin=True)
    fig.update_xaxes(tickfont={"size": 12}, title_font={"size": 13})
    fig.update_yaxes(tickfont={"size": 12}, title_font={"size": 13})
    return fig


def on_caseload(text: str, tables: dict[str, pd.DataFrame]) -> str:
    """A subtitle with the caseload it is built from (``… · casistica di esempio (sintetica)``)."""
    label = caseload_label(tables)
    return f"{text} · {chart_text(label)}" if label else text


def _sized(
    fig: go.Figure, title: str, subtitle: str, rows: int, base: int, per_row: int, **kwargs
) -> go.Figure:
    """``_layout`` with a height that grows with the rows drawn, up to one A4 page."""
    return chart_layout(
        fig, title, subtitle, height=min(MAX_HEIGHT, base + per_row * rows), **kwargs
    )


def _room_for_subplot_titles(fig: go.Figure) -> None:
    fig.update_layout(margin={"t": fig.layout.margin.t + 24})


def _table(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = tables.get(name)
    if frame is None or frame.empty:
        raise ChartDataMissing(f"tabella «{name}» non disponibile")
    return frame


def the_percent(share: float, decimals: int = 0) -> str:
    """A share with its Italian article: ``il 54%``, ``l'85%``, ``l'11%``."""
    text = percent(share, decimals)
    return ("l'" if re.match(r"(8|11(?!\d)|1(?![\d.]))", text) else "il ") + text


def _signed_percent(share: float) -> str:
    """``+27,9%`` / ``−0,9%``."""
    return ("+" if share >= 0 else "−") + percent(abs(share))


def _change(new: float, old: float) -> str:
    return _signed_percent((new - old) / abs(old)) if abs(old) > MONEY_TOLERANCE else ""


def top_rows(frame: pd.DataFrame, by: str, n: int, rest: str) -> pd.DataFrame:
    """The ``n`` largest rows by ``by`` (descending) and one row summing the others, labelled
    ``"<rest> (k)"``; unchanged when at most one row would be folded."""
    ordered = frame.sort_values(by, ascending=False, kind="stable")
    if len(ordered) <= n + 1:
        return ordered
    others = ordered.iloc[n:]
    folded = others.sum(numeric_only=True).to_frame(f"{rest} ({len(others)})").T
    return pd.concat([ordered.iloc[:n], folded])


def _objective(tables: dict[str, pd.DataFrame], objective_id, width: int = 34) -> str:
    """``'Ob. 5 – Gestione associata'``: the documents' upper-case titles in sentence case."""
    title = objective_titles(tables).get(int(objective_id), "")
    title = title.capitalize() if title.isupper() else title
    return chart_text(
        f"Ob. {int(objective_id)} – {title}" if title else f"Ob. {int(objective_id)}", width
    )


def _translucent(hex_color: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def money_axis(fig: go.Figure, axis: str, title: str, signed: bool = False, **where) -> None:
    settings = {"title_text": title, "tickformat": ("+" if signed else "") + ",.0f"}
    settings["ticksuffix"] = " €"
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**settings, **where)


# --------------------------------------------------------------------------- budget


def plan_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Budget lines (per-line view) with a positive amount in the year's PO column."""
    lines = _table(tables, "budget_by_action")
    lines = lines[lines["po_current"].notna() & (lines["po_current"] > 0)]
    if lines.empty:
        raise ChartDataMissing("nessuna riga di budget con importo nel PO dell'anno")
    return lines.rename(columns={"po_current": "amount"})


def budget_treemap(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Treemap of the year's budget at objective level; a click drills into actions and lines."""
    lines = plan_lines(tables)
    year = plan_years(tables).budget_year
    total = float(lines["amount"].sum())
    action = lines["action"].fillna("").astype(str).str.strip().replace("", "(senza azione)")
    frame = lines.assign(action_label=action)
    by_objective = frame.groupby("objective_id")["amount"].sum().sort_values(ascending=False)
    titles = objective_titles(tables)
    nodes = [("root", "", f"Budget {year}", total, "#ffffff", "")]
    for obj_id in by_objective.index:
        obj_rows = frame[frame["objective_id"] == obj_id]
        obj_key, color = f"o{int(obj_id)}", objective_color(obj_id)
        name = _objective(tables, obj_id, 36).split(" – ", 1)[-1] if obj_id in titles else ""
        nodes.append((obj_key, "root", f"Ob. {int(obj_id)}", by_objective[obj_id], color, name))
        for act_no, (act, act_rows) in enumerate(obj_rows.groupby("action_label", sort=False)):
            act_key = f"{obj_key}/a{act_no}"
            amount = act_rows["amount"].sum()
            nodes.append((act_key, obj_key, chart_text(act, 40), amount, color, ""))
            for line_id, item, value in zip(
                act_rows["line_id"], act_rows["item"], act_rows["amount"], strict=True
            ):
                label = chart_text(item, 40)
                nodes.append((f"{act_key}/{line_id}", act_key, label, value, color, ""))
    ids, parents, names, values, colors, subtitles = (list(c) for c in zip(*nodes, strict=True))
    values = [float(v) for v in values]
    texts = [
        "<br>".join(p for p in (f"<b>{n}</b>", t, eur(v), percent(v / total)) if p)
        for n, t, v in zip(names, subtitles, values, strict=True)
    ]
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            parents=parents,
            labels=names,
            values=values,
            text=texts,
            marker={"colors": colors, "line": {"color": "white", "width": 1}},
            branchvalues="total",
            hovertemplate="%{text}<extra></extra>",
            texttemplate="%{text}",
            textfont={"size": 14},
            pathbar={"textfont": {"size": 13}},
            maxdepth=2,
        )
    )
    top = by_objective.index[0]
    title = (
        f"L'Obiettivo {int(top)} assorbe {the_percent(by_objective.iloc[0] / total)} "
        f"del budget {year}"
    )
    subtitle = (
        f"Budget {year} dalle righe delle schede: {eur(total)}. "
        "Clic su un obiettivo per vederne azioni e voci."
    )
    chart_layout(fig, title, subtitle, height=560)
    fig.update_layout(margin={"l": 10, "r": 10, "b": 10})
    return fig


def funding_sankey(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Sankey funding groups → objectives (the largest, the others together), with amounts."""
    funding = _table(tables, "funding_by_objective")
    funding = funding[funding["amount"].notna() & (funding["amount"] > MONEY_TOLERANCE)]
    if funding.empty:
        raise ChartDataMissing("nessun importo positivo in «funding_by_objective»")
    frame = with_groups(funding, tables)
    by_objective = frame.groupby("objective_id")["amount"].sum().sort_values(ascending=False)
    kept = list(by_objective.index[:TOP_OBJECTIVES])
    others = [o for o in by_objective.index if o not in kept]
    if len(others) == 1:
        kept, others = kept + others, []
    rest = f"Altri obiettivi ({len(others)})"
    target = frame["objective_id"].map(lambda o: o if o in kept else rest)
    flows = frame.assign(target=target).groupby(["group", "target"], sort=False)["amount"].sum()
    flows = flows.reset_index()
    by_group = flows.groupby("group")["amount"].sum().sort_values(ascending=False)
    groups = list(by_group.index)
    targets = kept + ([rest] if others else [])
    target_totals = flows.groupby("target")["amount"].sum()
    labels = [f"{chart_text(capitalised(g))} · {eur(by_group[g])}" for g in groups]
    labels += [f"{_target_name(tables, t, rest)} · {eur(target_totals[t])}" for t in targets]
    colors = [group_color(g) for g in groups]
    colors += [objective_color(t) if t != rest else REST_COLOR for t in targets]
    index = {("g", g): n for n, g in enumerate(groups)}
    index.update({("o", t): len(groups) + n for n, t in enumerate(targets)})
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            textfont={"size": 13},
            node={
                "label": labels,
                "pad": 14,
                "thickness": 18,
                "color": colors,
                "hovertemplate": "<b>%{label}</b><extra></extra>",
            },
            link={
                "color": [_translucent(group_color(g)) for g in flows["group"]],
                "source": [index[("g", g)] for g in flows["group"]],
                "target": [index[("o", t)] for t in flows["target"]],
                "value": flows["amount"].tolist(),
                "customdata": [eur(v) for v in flows["amount"]],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata}"
                "<extra></extra>",
            },
        )
    )
    year = plan_years(tables).budget_year
    total = float(by_group.sum())
    first = groups[0]
    title = (
        f"«{chart_text(capitalised(first))}» è la prima fonte: "
        f"{percent(by_group[first] / total, 0)} del budget {year} ({eur(by_group[first])})"
    )
    subtitle = f"Fonti di finanziamento {year} per obiettivo, dalle righe di budget"
    chart_layout(fig, title, subtitle, height=600)
    fig.update_layout(margin={"l": 10, "r": 10, "b": 20})
    return fig


def _target_name(tables: dict[str, pd.DataFrame], target, rest: str) -> str:
    return rest if target == rest else _objective(tables, target, 28)


def comparison_waterfall(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Horizontal waterfall from the previous year's pre-final total to the year's budget."""
    comparison = _table(tables, "comparison_view").sort_values("objective_id")
    years = plan_years(tables)
    start = float(comparison["preconsuntivo"].sum())
    end = float(comparison["budget_stated"].sum())
    steps = (comparison["budget_stated"] - comparison["preconsuntivo"]).astype(float)
    ids = comparison["objective_id"]
    first, last = f"Preconsuntivo {years.previous_year}", f"Budget {years.budget_year}"
    names = [first, *[_objective(tables, i) for i in ids], last]
    values = [start, *steps.tolist(), end]
    texts = [eur(start), *[signed_eur(v) for v in steps], eur(end)]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=names,
            x=values,
            measure=["absolute", *["relative"] * len(steps), "total"],
            text=texts,
            textposition="outside",
            textfont={"size": 12},
            cliponaxis=False,
            hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
            increasing={"marker": {"color": INCREASE_COLOR}},
            decreasing={"marker": {"color": DECREASE_COLOR}},
            totals={"marker": {"color": TOTAL_COLOR}},
            connector={"line": {"color": "#999999"}},
        )
    )
    up = steps.set_axis(ids).idxmax()
    title = (
        f"Dal preconsuntivo {years.previous_year} al budget {years.budget_year}: "
        f"{signed_eur(end - start)} ({_change(end, start)})"
    )
    subtitle = (
        f"Variazione per obiettivo; la crescita maggiore è dell'Obiettivo {int(up)} "
        f"({signed_eur(steps.set_axis(ids)[up])})"
    )
    _sized(fig, title, subtitle, len(names), 150, 28, showlegend=False)
    levels = start + steps.cumsum()
    low = min(start, end, float(levels.min()))
    high = max(start, end, float(levels.max()))
    span = high - low
    fig.update_yaxes(autorange="reversed", type="category")
    money_axis(fig, "x", "Euro")
    fig.update_xaxes(range=[max(0.0, low - 0.35 * span), high + 0.3 * span])
    return fig


def multiyear_bars(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Stacked bars of the multi-year budget by objective (the largest, the others together)."""
    multiyear = _table(tables, "multiyear")
    years = sorted(int(y) for y in multiyear["year"].unique())
    wide = multiyear.pivot_table(
        index="objective_id", columns="year", values="amount", aggfunc="sum"
    ).reindex(columns=years)
    wide["_first"] = wide[years[0]].fillna(0.0)
    rows = top_rows(wide, "_first", TOP_OBJECTIVES, "Altri obiettivi")
    x = [str(y) for y in years]
    fig = go.Figure()
    for key, row in rows.iterrows():
        rest = isinstance(key, str)
        amounts = row[years].astype(float)
        fig.add_trace(
            go.Bar(
                x=x,
                y=amounts.tolist(),
                name=key if rest else _objective(tables, key),
                marker_color=REST_COLOR if rest else objective_color(key),
                customdata=[eur(v) for v in amounts],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    totals = multiyear.groupby("year")["amount"].sum().reindex(years)
    for position, total in enumerate(totals):  # category index: a year string misplaces it
        fig.add_annotation(
            x=position,
            y=total,
            text=f"<b>{eur(total)}</b>",
            showarrow=False,
            yshift=14,
            font={"size": 13},
        )
    first, last = totals.iloc[0], totals.iloc[-1]
    title = (
        f"Il budget passa da {eur(first)} nel {years[0]} a {eur(last)} nel {years[-1]} "
        f"({_change(last, first)})"
    )
    subtitle = f"Budget pluriennale {years[0]}–{years[-1]} per obiettivo"
    chart_layout(fig, title, subtitle, barmode="stack", height=600)
    fig.update_layout(legend={"y": -0.1, "yanchor": "top"})
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=x)
    money_axis(fig, "y", "Euro")
    fig.update_yaxes(range=[0, float(totals.max()) * 1.12])
    return fig


# --------------------------------------------------------------------------- validation


def wrong_totals(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every stated cell to fix, largest difference first, with where it is in words."""
    failing = failing_totals(_table(tables, "findings"))
    if failing.empty:
        raise ChartDataMissing("nessun totale in disaccordo: tutti i totali verificati tornano")
    failing = failing.assign(
        where=[where(row) for _, row in failing.iterrows()],
        difference=failing["stated"] - failing["computed"],
    )
    order = failing["difference"].abs().sort_values(ascending=False, kind="stable").index
    return failing.loc[order]


def where(row: pd.Series) -> str:
    """``'Scheda Ob. 5 · PO 2020 · riga 650'``: the wrong cell in words."""
    table = str(row["table"])
    parts = [TABLE_NAMES.get(table, capitalised(table))]
    if pd.notna(row["objective_id"]):
        parts[0] += f" Ob. {int(row['objective_id'])}"
    if isinstance(row["column"], str) and row["column"]:
        parts.append(chart_text(row["column"], 30))
    if pd.notna(row.get("source_line")):
        parts.append(f"riga {int(row['source_line'])}")
    return " · ".join(parts)


def wrong_totals_chart(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """One labelled bar per wrong stated cell: where, stated, computed, difference."""
    wrong = wrong_totals(tables)
    texts = [
        f"<b>{signed_eur(d)}</b><br>dichiarato {eur(s)} · calcolato {eur(c)}"
        for d, s, c in zip(wrong["difference"], wrong["stated"], wrong["computed"], strict=True)
    ]
    fig = go.Figure(
        _hbar(
            wrong["where"],
            wrong["difference"].abs(),
            marker_color=[DECREASE_COLOR if d < 0 else INCREASE_COLOR for d in wrong["difference"]],
            text=texts,
            textposition="outside",
            textfont={"size": 12},
            cliponaxis=False,
            hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
        )
    )
    top = wrong.iloc[0]
    count = len(wrong)
    noun = "totale dichiarato non torna" if count == 1 else "totali dichiarati non tornano"
    title = (
        f"{number(count)} {noun}: il più lontano, {top['where']}, {signed_eur(top['difference'])}"
    )
    subtitle = (
        "Differenza tra il totale dichiarato e la somma delle righe: in rosso i totali sotto "
        "le righe, in verde quelli sopra"
    )
    _sized(fig, title, subtitle, count, 220, 60, showlegend=False)
    fig.update_yaxes(autorange="reversed")
    reach = float(wrong["difference"].abs().max())
    money_axis(fig, "x", "Differenza in valore assoluto (€)")
    fig.update_xaxes(range=[0, 2.4 * reach])
    return fig


# --------------------------------------------------------------------------- scenarios


def scenario_by_service(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Services sorted by baseline cost (the largest, the others together): a bar for the
    baseline, a marker for each scenario."""
    summary = _table(tables, "costs_summary")
    wide = summary.pivot_table(
        index="service", columns="scenario", values="gross_eur", aggfunc="sum"
    )
    order = scenario_order(wide.columns)
    wide = wide.reindex(columns=order).fillna(0.0)
    first = order[0]
    rows = top_rows(wide, first, TOP_SERVICES, "Altri servizi")
    names = [chart_text(s, 28) for s in rows.index]
    fig = go.Figure()
    base = rows[first]
    fig.add_trace(
        _hbar(
            names,
            base,
            name=chart_text(scenario_label(first, tables)),
            marker_color=series_color(0),
            text=[eur(v) for v in base],
            textposition="auto",
            insidetextanchor="end",
            hovertemplate="<b>%{y}</b> · %{fullData.name}<br>%{text}<extra></extra>",
        )
    )
    for n, scenario in enumerate(order[1:], start=1):
        name = chart_text(scenario_label(scenario, tables))
        fig.add_trace(_scenario_marks(names, rows[scenario], base, name, series_color(n)))
    total = float(wide[first].sum())
    top = rows.index[0]
    title = (
        f"{chart_text(top)} è il servizio più costoso: {eur(rows[first].iloc[0])}, "
        f"{the_percent(rows[first].iloc[0] / total)} del costo annuo"
    )
    subtitle = on_caseload(
        f"Costo lordo annuo per servizio alle tariffe {costed_period(tables)}: barre = "
        f"{chart_text(scenario_label(first, tables))}, rombi = scenari",
        tables,
    )
    _sized(fig, title, subtitle, len(rows), 260, 42)
    fig.update_layout(legend={"y": -0.12, "yanchor": "top"})
    fig.update_yaxes(autorange="reversed")
    money_axis(fig, "x", "Costo lordo annuo (€)")
    return fig


def _hbar(y, x, **style) -> go.Bar:
    """A horizontal bar trace: ``y`` the categories, ``x`` the amounts, ``style`` the rest."""
    return go.Bar(y=list(y), x=pd.Series(x).tolist(), orientation="h", **style)


def _scenario_marks(names: list[str], values, base, name: str, color: str) -> go.Scatter:
    """A scenario beside the baseline's bars: diamonds; the hover gives the amount and the
    difference from the baseline."""
    return go.Scatter(
        y=names,
        x=values.tolist(),
        mode="markers",
        name=name,
        marker={
            "color": color,
            "size": 12,
            "symbol": "diamond",
            "line": {"color": "white", "width": 1},
        },
        customdata=[[eur(v), signed_eur(v - b)] for v, b in zip(values, base, strict=True)],
        hovertemplate="<b>%{y}</b> · %{fullData.name}<br>%{customdata[0]}"
        "<br>rispetto allo scenario base: %{customdata[1]}<extra></extra>",
    )


def scenario_by_payer(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Horizontal stacked bars per scenario: what the comuni, the district and each other payer
    pay (those with an amount)."""
    summary = _table(tables, "costs_summary")
    payers = payer_columns(tables, summary)
    totals = summary.groupby("scenario")[list(payers)].sum()
    order = scenario_order(totals.index)
    totals = totals.reindex(order)
    y = [chart_text(scenario_label(s, tables), 40) for s in order]
    fig = go.Figure()
    for column, label in payers.items():
        values = totals[column]
        fig.add_trace(
            _hbar(
                y,
                values,
                name=label,
                marker_color=payer_color(column),
                text=[eur(v) for v in values],
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate="%{y}<br>%{fullData.name}: %{text}<extra></extra>",
            )
        )
    grand = totals.sum(axis=1)
    for label, total in zip(y, grand, strict=True):
        fig.add_annotation(
            y=label,
            x=total,
            text=f"<b>{eur(total)}</b>",
            showarrow=False,
            xanchor="left",
            xshift=6,
            font={"size": 12},
        )
    first = order[0]
    comuni, district = (float(totals.loc[first, c]) for c in ALWAYS_SHOWN)
    others = float(grand[first]) - comuni - district
    title = (
        f"{chart_text(scenario_label(first, tables))}: i comuni pagano "
        f"{the_percent(comuni / float(grand[first]))} ({eur(comuni)}), il distretto {eur(district)}"
        + (f", gli altri pagatori {eur(others)}" if abs(others) >= 0.005 else "")
    )
    subtitle = on_caseload("Costo lordo annuo per pagatore in ogni scenario", tables)
    _sized(fig, title, subtitle, len(order), 220, 60, barmode="stack")
    fig.update_yaxes(autorange="reversed")
    money_axis(fig, "x", "Costo lordo annuo (€)")
    fig.update_xaxes(range=[0, float(grand.max()) * 1.22])
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
    fig: go.Figure,
    tables: dict[str, pd.DataFrame],
    x: list[str],
    level: float,
    title: str,
    subtitle: str,
) -> go.Figure:
    """Add the committed budget and its alert line (e.g. 80 %) to a cumulative-spend chart."""
    share = alert_share(tables)
    _horizontal_line(fig, x, level, "Impegno annuo", "dash")
    _horizontal_line(fig, x, share * level, f"Soglia di allerta {percent(share, 0)}", "dot")
    chart_layout(fig, title, subtitle)
    fig.update_layout(legend={"y": -0.14, "yanchor": "top"})
    money_axis(fig, "y", "Spesa cumulata (€)")
    return fig


def commitment(tables: dict[str, pd.DataFrame], costs_monthly: pd.DataFrame) -> float:
    """The committed annual budget: Monte Carlo's commitment if given, else the baseline total."""
    summary = tables.get("montecarlo_summary")
    if summary is not None and not summary.empty and "commitment_eur" in summary.columns:
        return float(summary["commitment_eur"].iloc[0])
    base = costs_monthly[costs_monthly["scenario"] == BASELINE]
    return float((base if not base.empty else costs_monthly)["gross_eur"].sum())


def alert_reached(path: pd.Series, threshold: float) -> str | None:
    """The first month (``AAAA-MM`` index) whose cumulative value reaches ``threshold``."""
    reached = path[path >= threshold - MONEY_TOLERANCE]
    return None if reached.empty else str(reached.index[0])


def cumulative_spend(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Cumulative monthly spend per scenario vs the committed budget and its 80 % alert line."""
    costs = _table(tables, "costs_monthly")
    monthly = costs.pivot_table(
        index="month", columns="scenario", values="gross_eur", aggfunc="sum"
    )
    monthly = monthly.sort_index().fillna(0.0).cumsum()
    x = [month_label(m) for m in monthly.index]
    order = scenario_order(monthly.columns)
    fig = go.Figure()
    for n, scenario in enumerate(order):
        values = monthly[scenario]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values.tolist(),
                mode="lines+markers",
                name=chart_text(scenario_label(scenario, tables), 40),
                line={"color": series_color(n), "width": 3 if n == 0 else 1.8},
                customdata=[eur(v) for v in values],
                hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>",
            )
        )
    level = commitment(tables, costs)
    share = alert_share(tables)
    first = monthly[order[0]]
    month = alert_reached(first, share * level)
    name = chart_text(scenario_label(order[0], tables))
    title = (
        f"{name}: {the_percent(share)} dell'impegno si raggiunge a {month_name(month)}"
        if month
        else f"{name}: a fine periodo speso {the_percent(first.iloc[-1] / level)} dell'impegno"
    )
    subtitle = on_caseload(
        f"Spesa cumulata mese per mese; impegno {eur(level)}: {commitment_note(tables)}", tables
    )
    return _with_commitment(fig, tables, x, level, title, subtitle)


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
            line={"color": TOTAL_COLOR, "width": 3},
            name="mediana (P50)",
            customdata=[eur(v) for v in monthly["p50_eur"]],
            hovertemplate="%{x}<br>mediana %{customdata}<extra></extra>",
        )
    )
    level = commitment(tables, tables.get("costs_monthly", pd.DataFrame()))
    title, subtitle = _montecarlo_message(tables, monthly, level)
    return _with_commitment(fig, tables, x, level, title, subtitle)


def _montecarlo_message(
    tables: dict[str, pd.DataFrame], monthly: pd.DataFrame, level: float
) -> tuple[str, str]:
    summary = tables.get("montecarlo_summary")
    last = monthly.iloc[-1]
    if summary is None or summary.empty:
        title = f"Spesa annua tra {eur(last['p10_eur'])} e {eur(last['p90_eur'])} (P10–P90)"
    else:
        row = summary.iloc[0]
        title = f"Probabilità di superare l'impegno di {eur(level)}: {percent(row['prob_exceed'])}"
    subtitle = (
        f"Simulazione Monte Carlo della fruizione: spesa annua tra {eur(last['p10_eur'])} (P10) "
        f"e {eur(last['p90_eur'])} (P90); impegno: {commitment_note(tables)}"
    )
    return title, on_caseload(subtitle, tables)


def tornado(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Tornado in two panels sharing the parameters: effect on the annual total and on what the
    comuni pay (the district abatement moves only the latter)."""
    sens = _sensitivity(tables)
    panels = ("total", "comune") if "comune_low" in sens.columns else ("total",)
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Sul costo totale annuo", "Sulla spesa dei comuni")[: len(panels)],
    )
    names = [
        chart_text(n, 40) + (f"<br>({chart_text(low)} / {chart_text(high)})" if low else "")
        for n, low, high in zip(sens["name"], sens["low_label"], sens["high_label"], strict=True)
    ]
    for col, panel in enumerate(panels, start=1):
        for side, color in (("low", DECREASE_COLOR), ("high", INCREASE_COLOR)):
            values = sens[f"{panel}_{side}"]
            side_name = "valore basso" if side == "low" else "valore alto"
            fig.add_trace(
                _hbar(
                    names,
                    values,
                    name=side_name,
                    legendgroup=side,
                    showlegend=col == 1,
                    marker_color=color,
                    text=[signed_eur(v) if abs(v) > MONEY_TOLERANCE else "" for v in values],
                    customdata=[chart_text(s) or side_name for s in sens[f"{side}_label"]],
                    textposition="outside",
                    textfont={"size": 11},
                    cliponaxis=False,
                    hovertemplate="<b>%{y}</b><br>%{customdata}: %{text}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        reach = float(sens[[f"{panel}_low", f"{panel}_high"]].abs().max().max()) or 1.0
        fig.update_xaxes(range=[-1.8 * reach, 1.8 * reach], nticks=5, row=1, col=col)
        money_axis(fig, "x", "Variazione (€)", signed=True, row=1, col=col)
    title, subtitle = _tornado_message(tables, sens)
    _sized(fig, title, subtitle, len(sens), 280, 70, barmode="overlay")
    _room_for_subplot_titles(fig)
    fig.update_layout(legend={"y": -0.16, "yanchor": "top"})
    fig.update_xaxes(tickangle=0)
    fig.update_yaxes(autorange="reversed")
    return fig


def _sensitivity(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per parameter: name, side labels and effects on the total (and on the comuni)."""
    sens = _table(tables, "sensitivity")
    frame = pd.DataFrame(
        {
            "name": sens["label"] if "label" in sens.columns else sens["parameter"],
            "low_label": sens.get("low_label", pd.Series("", sens.index)),
            "high_label": sens.get("high_label", pd.Series("", sens.index)),
            "total_low": sens["low_eur"] - sens["baseline_eur"],
            "total_high": sens["high_eur"] - sens["baseline_eur"],
        }
    )
    if {"comune_delta_low_eur", "comune_delta_high_eur"} <= set(sens.columns):
        frame["comune_low"] = sens["comune_delta_low_eur"]
        frame["comune_high"] = sens["comune_delta_high_eur"]
    width = (frame["total_high"] - frame["total_low"]).abs()
    if "comune_low" in frame.columns:
        width = width.combine((frame["comune_high"] - frame["comune_low"]).abs(), max)
    return frame.assign(width=width).sort_values("width", ascending=False, kind="stable")


def _tornado_message(tables: dict[str, pd.DataFrame], sens: pd.DataFrame) -> tuple[str, str]:
    total_width = (sens["total_high"] - sens["total_low"]).abs()
    widest = sens.loc[total_width.idxmax()]
    subtitle = on_caseload(
        f"Il costo totale dipende soprattutto da «{chart_text(widest['name'])}»: da "
        f"{signed_eur(widest['total_low'])} a {signed_eur(widest['total_high'])}",
        tables,
    )
    if "comune_low" in sens.columns:
        payer_only = sens[(total_width < MONEY_TOLERANCE) & (sens["comune_high"] != 0)]
        if not payer_only.empty:
            row = payer_only.iloc[0]
            title = (
                f"{chart_text(row['name'])} «{chart_text(row['high_label'])}»: "
                f"{signed_eur(row['comune_high'])} a carico dei comuni, a costo totale invariato"
            )
            return title, subtitle
    reference = f"Riferimento: {eur(_table(tables, 'sensitivity')['baseline_eur'].iloc[0])}"
    return subtitle, on_caseload(reference, tables)


# --------------------------------------------------------------------------- comuni


def comuni_chart(tables: dict[str, pd.DataFrame]) -> go.Figure:
    """Per comune, largest first: the baseline's comune share with the funds' part stacked beside
    it (bars), each scenario's comune share (diamonds); the smallest comuni folded into one row."""
    try:
        shares, funds = comune_shares(tables)
    except MissingData as missing:
        raise ChartDataMissing(str(missing)) from None
    if BASELINE not in shares.columns:
        raise ChartDataMissing("nessun costo dello scenario base per comune")
    rows = top_rows(shares.join(funds), BASELINE, TOP_COMUNI, "Altri comuni")
    names = [chart_text(c, 28) for c in rows.index]
    fig = go.Figure()
    base_label = scenario_label(BASELINE, tables)
    for column, payer in [(BASELINE, COMUNE_SHARE), *((f, f) for f in funds.columns)]:
        values = rows[column]
        fig.add_trace(
            _hbar(
                names,
                values,
                name=chart_text(f"{payer_label(payer).removesuffix(' (€)')} · {base_label}"),
                marker_color=payer_color(payer),
                customdata=[eur(v) for v in values],
                hovertemplate="<b>%{y}</b> · %{fullData.name}<br>%{customdata}<extra></extra>",
            )
        )
    for n, scenario in enumerate(scenario_order(shares.columns)[1:], start=1):
        name = chart_text(f"Quota comune: {scenario_label(scenario, tables)}", 44)
        fig.add_trace(_scenario_marks(names, rows[scenario], rows[BASELINE], name, series_color(n)))
    base = shares[BASELINE]
    title = (
        f"{chart_text(base.index[0])} ha la quota maggiore: {eur(base.iloc[0])}, "
        f"{the_percent(base.iloc[0] / base.sum())} di quanto pagano i comuni"
    )
    subtitle = on_caseload(
        f"Quota a carico di ogni comune alle tariffe {costed_period(tables)}, dalla maggiore: "
        "barre = scenario base con la parte dei fondi, rombi = quota del comune negli scenari",
        tables,
    )
    _sized(fig, title, subtitle, len(rows), 260, 22, barmode="stack")
    fig.update_layout(legend={"y": -0.13, "yanchor": "top"})
    fig.update_yaxes(autorange="reversed", tickfont={"size": 11})
    money_axis(fig, "x", "Euro l'anno")
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
    """Cremona growth per CSC service (fastest first) and, when a caseload was costed, CSC
    baseline cases beside the same cases scaled by one year of Cremona growth."""
    growth = _table(tables, "cremona_growth")
    services = growth[(growth["level"] == "servizio") & growth["growth_factor"].notna()]
    services = services.sort_values(["growth_factor", "csc_service"], ascending=[False, True])
    volumes = csc_volumes(tables, services).reindex(services["csc_service"]).fillna(0.0)
    with_cases = bool(volumes.sum() > 0)
    titles = ("Crescita a Cremona", "Casi CSC e casi con la crescita di Cremona")
    fig = make_subplots(rows=1, cols=1 + with_cases, subplot_titles=titles[: 1 + with_cases])
    x = [chart_text(s) for s in services["csc_service"]]
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
    span = growth_span(growth)
    fast, slow = services.iloc[0], services.iloc[-1]
    factor = "growth_factor"
    title = (
        f"A Cremona ({span}) {chart_text(fast['csc_service'])} cresce del "
        f"{percent(fast[factor] - 1)} l'anno, {chart_text(slow['csc_service'])} "
        f"{_signed_percent(slow[factor] - 1)}"
    )
    subtitle = f"Benchmark Cremona {span} per servizio CSC e volumi CSC: un ordine di grandezza"
    if with_cases:
        subtitle = on_caseload(subtitle, tables)
    chart_layout(fig, title, subtitle, barmode="group", height=560)
    _room_for_subplot_titles(fig)
    fig.update_layout(legend={"y": -0.2, "yanchor": "top"})
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
    ChartSpec("verifiche", "verifiche", "Totali che non tornano", wrong_totals_chart),
    ChartSpec("scenari_servizi", "scenari", "Costo per servizio", scenario_by_service),
    ChartSpec("scenari_pagatori", "scenari", "Chi paga", scenario_by_payer),
    ChartSpec("spesa_cumulata", "scenari", "Spesa cumulata e impegno", cumulative_spend),
    ChartSpec("montecarlo", "scenari", "Incertezza (Monte Carlo)", montecarlo_fan),
    ChartSpec("sensibilita", "scenari", "Sensibilità ai parametri", tornado),
    ChartSpec("quote_comuni", "comuni", "Quote dei comuni", comuni_chart),
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
