"""Self-contained offline HTML report (Italian), plotly.js inlined once, deterministic.

No network request is ever needed to read the report: no CDN, no external fonts or images.
The same tables always give byte-identical HTML (fixed div ids, no timestamps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from cscplan import __version__
from cscplan.fmt import eur, signed_eur
from cscplan.payers import payer_label
from cscplan.reports import narrative
from cscplan.reports.charts import CHARTS, build_charts, wrong_totals
from cscplan.reports.presentation import (
    SEVERITY_LABELS,
    MissingData,
    costed_period,
    headers,
    known_years,
    plan_years,
    scenario_label,
    scenario_order,
)
from cscplan.vocabulary import BASELINE

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}


@dataclass(frozen=True)
class Section:
    """A report section: anchor id, Italian heading (``{first_year}``/``{last_year}`` filled
    from the plan), its narrative, optional extra HTML."""

    id: str
    heading: str
    paragraphs: Callable[[dict[str, pd.DataFrame]], list[str]]
    extra: Callable[[dict[str, pd.DataFrame]], str] | None = None
    after: Callable[[dict[str, pd.DataFrame]], str] | None = None


def _key_figures_html(tables: dict[str, pd.DataFrame]) -> str:
    cards = (
        "".join(
            f'<div class="card"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div></div>'
            for label, value in narrative.key_figures(tables)
        )
        if known_years(tables)
        else ""
    )
    return f'<div class="cards">{cards}</div>' if cards else ""


def _cell(value, money: bool = False, signed: bool = False) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "<td></td>"
    if money:
        text = signed_eur(value) if signed else eur(value)
        return f'<td class="num">{escape(text)}</td>'
    return f"<td>{escape(str(value))}</td>"


def findings_table_html(tables: dict[str, pd.DataFrame]) -> str:
    """Every finding as an HTML table (severity-coloured rows), inside a collapsible block."""
    findings = tables.get("findings")
    if findings is None or findings.empty:
        return ""
    shown = ["severity", "table", "objective_id", "column", "source_line"]
    shown += ["stated", "computed", "delta", "message"]
    labels = headers("findings", shown, tables)
    head = "<tr>" + "".join(f"<th>{escape(labels[c])}</th>" for c in shown) + "</tr>"
    rows = []
    for row in findings.itertuples(index=False):
        objective = "" if pd.isna(row.objective_id) else int(row.objective_id)
        line = "" if pd.isna(row.source_line) else int(row.source_line)
        rows.append(
            f'<tr class="sev-{escape(str(row.severity))}">'
            + _cell(SEVERITY_LABELS.get(row.severity, row.severity))
            + _cell(row.table)
            + _cell(objective)
            + _cell(row.column)
            + _cell(line)
            + _cell(row.stated, money=True)
            + _cell(row.computed, money=True)
            + _cell(row.delta, money=True, signed=True)
            + _cell(row.message)
            + "</tr>"
        )
    return (
        f"<details><summary>Elenco completo delle segnalazioni ({len(rows)})</summary>"
        f'<div class="scroll"><table class="findings"><thead>{head}</thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def error_localisation_html(tables: dict[str, pd.DataFrame]) -> str:
    """The localisation's summary sentence and, collapsed, the cells to correct."""
    table = tables.get("error_localisation")
    findings = tables.get("findings")
    if table is None or findings is None:
        return ""
    summary = findings.loc[findings["check"] == "error_localisation", "message"]
    text = f"<p>{escape(summary.iloc[0])}</p>" if len(summary) else ""
    rows = [
        "<tr>"
        + _cell(int(row.solution_id))
        + _cell(row.table)
        + _cell("" if pd.isna(row.objective_id) else int(row.objective_id))
        + _cell(row.column)
        + _cell("" if pd.isna(row.source_line) else int(row.source_line))
        + _cell(row.stated, money=True)
        + _cell(row.corrected, money=True)
        + _cell(row.delta, money=True, signed=True)
        + "</tr>"
        for row in table.itertuples(index=False)
    ]
    if not rows:
        return text
    head = ["Soluzione", "Tabella", "Obiettivo", "Colonna", "Riga", "Dichiarato", "Corretto"]
    cells = _plain_table([*head, "Correzione"], rows, "Celle da correggere (localizzazione)")
    return text + cells


def _validation_extra(tables: dict[str, pd.DataFrame]) -> str:
    return error_localisation_html(tables) + findings_table_html(tables)


def wrong_totals_html(tables: dict[str, pd.DataFrame]) -> str:
    """The stated cells to fix, always visible: where, stated, computed, difference."""
    try:
        wrong = wrong_totals(tables)
    except MissingData:
        return ""
    rows = amount_rows(wrong, "where", ("stated", "computed", "difference"))
    head = ["Dove", "Dichiarato", "Calcolato dalle righe", "Differenza"]
    table = _table_html(head, rows, "findings wrong")
    return f"<h3>Totali da correggere ({len(rows)})</h3>{table}"


def amount_rows(frame: pd.DataFrame, label: str, amounts: tuple[str, ...]) -> list[str]:
    """One ``<tr>`` per row: the label, then the amounts (the last one signed: a difference)."""
    return [
        "<tr>"
        + _cell(getattr(row, label))
        + "".join(_cell(getattr(row, c), money=True, signed=c == amounts[-1]) for c in amounts)
        + "</tr>"
        for row in frame.itertuples(index=False)
    ]


def _table_html(head: list[str], rows: list[str], css: str = "findings") -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f'<div class="scroll"><table class="{css}"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _plain_table(head: list[str], rows: list[str], summary: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{_table_html(head, rows)}</details>"


def funding_balance_html(tables: dict[str, pd.DataFrame]) -> str:
    """Per funding source: allocated by the year's lines, available in the revenue table."""
    balance = tables.get("funding_balance")
    if balance is None or balance.empty:
        return ""
    rows = amount_rows(balance, "source", ("allocated", "available", "difference"))
    head = list(
        headers(
            "funding_balance", ["source", "allocated", "available", "difference"], tables
        ).values()
    )
    return _plain_table(head, rows, f"Bilancio per fonte di finanziamento ({len(rows)} fonti)")


def budget_link_html(tables: dict[str, pd.DataFrame]) -> str:
    """Per budget line: its amount, the same volume at the costed tariffs, each scenario's effect."""
    link = tables.get("budget_link")
    if link is None or link.empty:
        return ""
    years, tariffs = plan_years(tables), costed_period(tables)
    scenarios = [s for s in dict.fromkeys(link["scenario"]) if s != BASELINE]
    first = link[link["scenario"] == BASELINE]
    effects = link.pivot_table(
        index="source_line", columns="scenario", values="effect_eur", aggfunc="sum"
    )
    rows = []
    for row in first.itertuples(index=False):
        cells = [
            _cell(row.budget_item_label),
            _cell(int(row.source_line)),
            _cell(row.plan_amount, money=True),
            _cell(row.amount_at_tariffs, money=True),
        ]
        cells += [_cell(effects.at[row.source_line, s], money=True, signed=True) for s in scenarios]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = [f"Voce di budget {years.budget_year}", "Riga", years.po_current]
    head += [f"Stesso volume, tariffe {tariffs} nell'anno"]
    head += [f"Effetto: {scenario_label(s, tables)}" for s in scenarios]
    note = (
        f"<p>Le fonti non riportano le tariffe del {years.budget_year}: il volume implicito in "
        f"ogni voce è valutato alle tariffe in vigore al primo giorno del tariffario ({tariffs}) "
        "e poi riprezzato lungo il periodo. Dove le tariffe non cambiano la colonna coincide con "
        f"il {years.po_current}; la differenza mostra solo gli aumenti tariffari. Le colonne "
        "«Effetto» applicano a ogni voce la variazione percentuale di costo che lo scenario "
        "produce sulla casistica.</p>"
    )
    summary = f"Voci del budget {years.budget_year} alle tariffe {tariffs} ({len(rows)} voci)"
    table = _plain_table(head, rows, summary)
    return table + note


def comuni_table_html(tables: dict[str, pd.DataFrame]) -> str:
    """Every comune's share (baseline and each scenario) and the funds' part, collapsed."""
    try:
        shares, funds = narrative.comune_shares(tables)
    except MissingData:
        return ""
    scenarios = scenario_order(shares.columns)
    frame = shares[scenarios].join(funds)
    head = ["Comune", *(f"Quota comune: {scenario_label(s, tables)}" for s in scenarios)]
    head += [
        f"{payer_label(f).removesuffix(' (€)')} ({scenario_label(BASELINE, tables)})"
        for f in funds.columns
    ]
    rows = [
        "<tr>" + _cell(comune) + "".join(_cell(v, money=True) for v in values) + "</tr>"
        for comune, values in zip(frame.index, frame.to_numpy(), strict=True)
    ]
    return _plain_table(head, rows, f"Quota di ogni comune ({len(rows)} comuni)")


SECTIONS: tuple[Section, ...] = (
    Section("sintesi", "Sintesi", narrative.summary_paragraphs, _key_figures_html),
    Section(
        "budget", "Budget per obiettivo e fonte", narrative.budget_paragraphs, funding_balance_html
    ),
    Section("pluriennale", "Pluriennale {first_year}–{last_year}", narrative.multiyear_paragraphs),
    Section(
        "verifiche",
        "Verifiche dei totali",
        narrative.validation_paragraphs,
        wrong_totals_html,
        _validation_extra,
    ),
    Section("scenari", "Scenari tariffari", narrative.scenario_paragraphs, budget_link_html),
    Section("comuni", "Quote dei comuni", narrative.comuni_paragraphs, None, comuni_table_html),
    Section("benchmark", "Benchmark Cremona", narrative.benchmark_paragraphs),
)

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d2b36;
background:#f6f7f9;line-height:1.5}
header{background:#1f5f8b;color:#fff;padding:1.5rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem}
nav{background:#fff;border-bottom:1px solid #dde3e8;padding:.6rem 2rem;position:sticky;top:0;
z-index:10}
nav a{margin-right:1.2rem;color:#1f5f8b;text-decoration:none;font-weight:600}
main{max-width:1200px;margin:0 auto;padding:1rem 2rem 3rem}
section{background:#fff;border:1px solid #dde3e8;border-radius:6px;padding:1rem 1.5rem;
margin:1.2rem 0}
h2{color:#1f5f8b;margin-top:.3rem}
h3{color:#1d2b36;font-size:1.05rem;margin:1rem 0 .4rem}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.card{flex:1 1 14rem;border:1px solid #dde3e8;border-radius:6px;padding:.8rem 1rem;
background:#f9fbfc}
.card .label{font-size:.85rem;color:#55636f}.card .value{font-size:1.35rem;font-weight:700}
.chart{margin:1rem 0;position:relative}
.note{color:#7a5b00;background:#fff6dc;padding:.5rem .8rem;border-radius:4px}
.scroll{overflow-x:auto}
table.findings{border-collapse:collapse;font-size:.85rem;width:100%}
table.findings th,table.findings td{border:1px solid #dde3e8;padding:.3rem .5rem;
vertical-align:top}
table.findings td.num{text-align:right;white-space:nowrap}
table.wrong{font-size:.95rem}
tr.sev-error{background:#fbe3e1}tr.sev-warning{background:#fdf1d6}tr.sev-info{background:#e4f0fa}
footer{color:#55636f;font-size:.85rem;text-align:center;padding:1rem}
"""

PRINT_WIDTH_PX = 680
"""Chart width in print: an A4 page less its side margins (186 mm ≈ 703 CSS px)."""

PRINT_STYLE = """
@page{size:A4 portrait;margin:14mm 12mm 16mm 12mm;
@bottom-left{content:%(title)s;font:9pt system-ui,sans-serif;color:#55636f}
@bottom-right{content:"pagina " counter(page) " di " counter(pages);
font:9pt system-ui,sans-serif;color:#55636f}}
@media print{
body{background:#fff;font-size:10.5pt;line-height:1.4}
header{background:#fff;color:#1f5f8b;padding:0 0 .4rem;border-bottom:2px solid #1f5f8b}
nav,.modebar-container,.modebar{display:none!important}
main{max-width:none;padding:0}
section{border:0;border-radius:0;padding:0;margin:0;break-before:page}
section:first-of-type{break-before:auto}
h2,h3{break-after:avoid}
.chart{break-inside:avoid;page-break-inside:avoid;margin:.6rem 0}
.cards{break-inside:avoid}
.scroll{overflow:visible}
table.findings{font-size:7.5pt}
table.findings th,table.findings td{overflow-wrap:anywhere;padding:.15rem .25rem}
table.findings td.num{white-space:normal}
table.findings tr{break-inside:avoid}
thead{display:table-header-group}
details>summary{font-weight:600;list-style:none}
details::details-content{content-visibility:visible;display:block}
footer{break-before:avoid}
}
"""

PRINT_SCRIPT = """
(function(){
var W=%(width)d;
function charts(){return Array.prototype.slice.call(document.querySelectorAll('.plotly-graph-div'));}
function toPrint(){
document.querySelectorAll('details').forEach(function(d){
if(!d.open){d.open=true;d.setAttribute('data-chiuso','1');}});
charts().forEach(function(d){Plotly.relayout(d,{width:W,autosize:false});});
}
function toScreen(){
document.querySelectorAll('details[data-chiuso]').forEach(function(d){
d.open=false;d.removeAttribute('data-chiuso');});
charts().forEach(function(d){Plotly.relayout(d,{width:null,autosize:true});});
}
window.addEventListener('beforeprint',toPrint);
window.addEventListener('afterprint',toScreen);
window.cscplanPerStampa=toPrint;
})();
"""


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;–—-_()'/€" else f"\\{ord(ch):x} " for ch in str(text)
    )
    return f'"{escaped}"'


def print_style(title: str) -> str:
    """The print stylesheet: A4, the plan's name and the page numbers in the footer."""
    return PRINT_STYLE % {"title": css_string(title)}


def figure_html(name: str, fig: go.Figure) -> str:
    """One figure as a ``<div>`` with a fixed id (``grafico-<name>``), without plotly.js."""
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        div_id=f"grafico-{name}",
        config=PLOTLY_CONFIG,
    )


def _charts_by_section(
    tables: dict[str, pd.DataFrame], figures: dict[str, go.Figure] | None
) -> dict[str, list[tuple[str, go.Figure | str]]]:
    built = build_charts(tables) if figures is None else _given_figures(figures)
    section_of = {spec.name: spec.section for spec in CHARTS}
    grouped: dict[str, list[tuple[str, go.Figure | str]]] = {}
    for name, item in built.items():
        grouped.setdefault(section_of.get(name, "sintesi"), []).append((name, item))
    return grouped


def _given_figures(figures: dict[str, go.Figure]) -> dict[str, go.Figure | str]:
    known = {spec.name: figures.get(spec.name) for spec in CHARTS}
    ordered = {
        name: fig if fig is not None else f"Grafico «{spec.title}» non fornito."
        for (name, fig), spec in zip(known.items(), CHARTS, strict=True)
    }
    ordered.update({name: fig for name, fig in figures.items() if name not in known})
    return ordered


def _section_html(
    section: Section, tables: dict[str, pd.DataFrame], items: list[tuple[str, go.Figure | str]]
) -> str:
    parts = [f'<section id="{section.id}"><h2>{escape(_heading(section, tables))}</h2>']
    parts.extend(f"<p>{escape(p)}</p>" for p in _paragraphs(section, tables))
    if section.extra is not None:
        parts.append(section.extra(tables))
    for name, item in items:
        if isinstance(item, str):
            parts.append(f'<p class="note">{escape(item)}</p>')
        else:
            parts.append(f'<div class="chart">{figure_html(name, item)}</div>')
    if section.after is not None:
        parts.append(section.after(tables))
    parts.append("</section>")
    return "\n".join(parts)


def _heading(section: Section, tables: dict[str, pd.DataFrame]) -> str:
    """The section's heading with the plan's years, or without them when they are unknown."""
    years = known_years(tables)
    if years is None:
        return section.heading.split(" {", 1)[0]
    return section.heading.format(first_year=years.first_year, last_year=years.last_year)


def _paragraphs(section: Section, tables: dict[str, pd.DataFrame]) -> list[str]:
    try:
        return section.paragraphs(tables)
    except MissingData as missing:
        return [narrative.missing(str(missing))]


def inputs_footer(files: list[dict] | None) -> str:
    """The input files actually read, each with the start of its SHA-256."""
    if not files:
        return ""
    items = "".join(
        f"<li>{escape(f['role'])}: <code>{escape(f['path'])}</code> "
        f"(sha256 {escape(f['sha256'][:12])}…)</li>"
        for f in files
    )
    return (
        f"<details><summary>File di input usati ({len(files)})</summary><ul>{items}</ul></details>"
    )


def render_report(
    tables: dict[str, pd.DataFrame],
    files: list[dict] | None = None,
    figures: dict[str, go.Figure] | None = None,
) -> str:
    """The whole report as one offline HTML string (``lang="it"``, plotly.js inlined once).

    ``files`` are the inputs read (role, path, sha256), named in the footer; ``figures``
    replaces the charts drawn from ``tables`` (missing ones get an Italian note).
    """
    grouped = _charts_by_section(tables, figures)
    years = known_years(tables)
    plain_title = years.title if years else "Piano Programma"
    title = escape(plain_title)
    nav = "".join(f'<a href="#{s.id}">{escape(_heading(s, tables))}</a>' for s in SECTIONS)
    body = "\n".join(_section_html(s, tables, grouped.get(s.id, [])) for s in SECTIONS)
    return (
        '<!DOCTYPE html>\n<html lang="it">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Comunità Sociale Cremasca — {title} e scenari tariffari</title>\n"
        f"<style>{STYLE}{print_style(f'Comunità Sociale Cremasca — {plain_title}')}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        f'<script type="text/javascript">{PRINT_SCRIPT % {"width": PRINT_WIDTH_PX}}</script>\n'
        "</head>\n<body>\n<header><h1>Comunità Sociale Cremasca</h1>"
        f"<div>{title}: budget, verifiche dei totali e scenari tariffari</div>"
        f"</header>\n<nav>{nav}</nav>\n<main>\n{body}\n</main>\n"
        f"<footer>Generato da cscplan {escape(__version__)}: gli importi del piano vengono dai "
        f"documenti, i costi degli scenari dalla {escape(narrative.caseload_words(tables))} alle "
        f"tariffe {escape(costed_period(tables))}.{inputs_footer(files)}</footer>\n"
        "</body>\n</html>\n"
    )
