"""Italian sentences generated from the build's tables, one short list of paragraphs per section.

Every number in a sentence is computed here from the tables and formatted with
:mod:`cscplan.fmt`; a missing table yields an Italian note instead of a figure.
"""

from __future__ import annotations

import pandas as pd

from cscplan.fmt import eur, number, percent, signed_eur
from cscplan.payers import COMUNE_SHARE, fund_columns, payer_label
from cscplan.reports.presentation import (
    MissingData,
    alert_share,
    caseload_label,
    costed_period,
    failing_totals,
    known_years,
    objective_titles,
    payer_columns,
    plan_years,
    scenario_label,
    with_groups,
)
from cscplan.vocabulary import BASELINE, SEVERITY_LABELS, SEVERITY_PLURALS
from cscplan.vocabulary import MONEY_TOLERANCE as TOLERANCE

MONTHS = (
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre"
).split()


def _frame(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    frame = tables.get(name)
    return None if frame is None or frame.empty else frame


def required(tables: dict[str, pd.DataFrame], name: str, what: str) -> pd.DataFrame:
    """The table, or MissingData whose note (``what``) the report shows instead of the section."""
    frame = _frame(tables, name)
    if frame is None:
        raise MissingData(what)
    return frame


def missing(what: str) -> str:
    return f"Dati non disponibili in questa esecuzione: {what}."


def counted(n: int, singular: str, plural: str) -> str:
    """``1 errore``, ``3 errori``."""
    return f"{number(n)} {singular if n == 1 else plural}"


def month_name(month: str) -> str:
    """``"2023-03"`` → ``"marzo 2023"``."""
    year, num = str(month).split("-")[:2]
    return f"{MONTHS[int(num) - 1]} {year}"


def _change(new: float, old: float) -> str:
    """``+12,5%`` style relative change, or the absolute change when the base is zero."""
    if abs(old) < TOLERANCE:
        return signed_eur(new - old)
    rel = (new - old) / abs(old)
    return ("+" if rel >= 0 else "−") + percent(abs(rel))


# --------------------------------------------------------------------------- figures


def plan_by_objective(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Bottom-up budget of the year (its PO computed from the lines) per objective id."""
    view = _frame(tables, "budget_by_objective")
    if view is None:
        return pd.Series(dtype="float64")
    return view.set_index("objective_id")["po_current_computed"].sort_index()


def _objective(titles: dict[int, str], objective_id: int) -> str:
    title = titles.get(int(objective_id))
    return f"Obiettivo {int(objective_id)}" + (f" ({title})" if title else "")


def severity_counts(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    findings = _frame(tables, "findings")
    if findings is None:
        return {}
    counts = findings["severity"].value_counts()
    return {s: int(counts.get(s, 0)) for s in SEVERITY_LABELS}


def scenario_totals(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Annual gross cost per scenario, baseline first."""
    summary = _frame(tables, "costs_summary")
    if summary is None:
        return pd.Series(dtype="float64")
    totals = summary.groupby("scenario")["gross_eur"].sum()
    order = [BASELINE] * (BASELINE in totals.index) + sorted(
        s for s in totals.index if s != BASELINE
    )
    return totals.reindex(order)


def key_figures(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """Headline figures for the summary: (Italian label, formatted value)."""
    figures: list[tuple[str, str]] = []
    years = plan_years(tables)
    by_objective = plan_by_objective(tables)
    if not by_objective.empty:
        figures.append((f"Budget {years.budget_year} (somma delle righe)", eur(by_objective.sum())))
    comparison = _frame(tables, "comparison_view")
    if comparison is not None:
        label = f"Preconsuntivo {years.previous_year}"
        figures.append((label, eur(comparison["preconsuntivo"].sum())))
    findings = _frame(tables, "findings")
    if findings is not None:
        errors = int((findings["severity"] == "error").sum())
        figures.append(("Errori nei totali da correggere", number(errors)))
    totals = scenario_totals(tables)
    if BASELINE in totals.index:
        label = f"Costo annuo, {caseload_words(tables)} (tariffe {costed_period(tables)})"
        figures.append((label, eur(totals[BASELINE])))
    summary = _frame(tables, "montecarlo_summary")
    if summary is not None:
        row = summary.iloc[0]
        label = f"Impegno: {commitment_note(tables)}"
        figures.append((label, eur(row["commitment_eur"])))
        figures.append(("Probabilità di superare l'impegno", percent(row["prob_exceed"])))
    return figures


# --------------------------------------------------------------------------- sections


def _unfunded_note(by_objective: pd.Series, year: int) -> str:
    """' (gli obiettivi 12, 13 e 14 non hanno stanziamenti 2020)' or ''."""
    empty = [str(int(i)) for i, v in by_objective.items() if not v > 0]
    if not empty:
        return ""
    listed = empty[0] if len(empty) == 1 else ", ".join(empty[:-1]) + " e " + empty[-1]
    subject = "l'obiettivo" if len(empty) == 1 else "gli obiettivi"
    verb = "non ha" if len(empty) == 1 else "non hanno"
    return f" ({subject} {listed} {verb} stanziamenti {year})"


def summary_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Sintesi: total budget, change on 2019, checks, scenarios."""
    out: list[str] = []
    years = plan_years(tables)
    by_objective = plan_by_objective(tables)
    if by_objective.empty:
        out.append(missing(f"righe di budget {years.budget_year}"))
    else:
        total = by_objective.sum()
        text = (
            f"Il budget {years.budget_year} ricostruito dalle righe delle schede vale "
            f"{eur(total)}, distribuito su {number((by_objective > 0).sum())} obiettivi"
            + _unfunded_note(by_objective, years.budget_year)
            + "."
        )
        comparison = _frame(tables, "comparison_view")
        if comparison is not None:
            before = comparison["preconsuntivo"].sum()
            text += (
                f" Rispetto al preconsuntivo {years.previous_year} ({eur(before)}) la variazione è "
                f"{signed_eur(total - before)} ({_change(total, before)})."
            )
        out.append(text)
    counts = severity_counts(tables)
    if counts:
        out.append(
            "Le verifiche dei totali hanno prodotto "
            + ", ".join(
                counted(n, SEVERITY_LABELS[s], SEVERITY_PLURALS[s]) for s, n in counts.items()
            )
            + "."
        )
    totals = scenario_totals(tables)
    if BASELINE in totals.index:
        out.append(
            f"Alle tariffe {costed_period(tables)} la {caseload_words(tables)} costa "
            f"{eur(totals[BASELINE])} l'anno; "
            f"scenari alternativi simulati: {number(len(totals) - 1)}."
        )
    return out


def caseload_words(tables: dict[str, pd.DataFrame]) -> str:
    """``casistica di esempio (sintetica)``, ``casistica «mia.csv»``, or ``casistica``."""
    return caseload_label(tables) or "casistica"


def budget_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Budget per obiettivo e fonte: largest objectives, funding groups, balance, change."""
    out: list[str] = []
    by_objective = plan_by_objective(tables)
    titles = objective_titles(tables)
    if by_objective.empty:
        out.append(missing("budget per obiettivo"))
    else:
        total = by_objective.sum()
        top = by_objective.sort_values(ascending=False, kind="stable").head(3)
        parts = [
            f"{_objective(titles, i)} con {eur(v)} ({percent(v / total)})" for i, v in top.items()
        ]
        out.append("Gli obiettivi più grandi sono " + "; ".join(parts) + ".")
    out.extend(_funding_sentences(tables))
    out.extend(_comparison_sentences(tables, titles))
    return out


def _funding_sentences(tables: dict[str, pd.DataFrame]) -> list[str]:
    out: list[str] = []
    funding = _frame(tables, "funding_by_objective")
    if funding is not None:
        by_group = (
            with_groups(funding, tables)
            .groupby("group")["amount"]
            .sum()
            .sort_values(ascending=False, kind="stable")
        )
        total = by_group.sum()
        parts = [f"{g} {eur(v)} ({percent(v / total)})" for g, v in by_group.items() if total]
        year = plan_years(tables).budget_year
        out.append(f"Fonti di finanziamento {year} assegnate alle righe: " + ", ".join(parts) + ".")
    balance = _frame(tables, "funding_balance")
    if balance is not None:
        gaps = balance[balance["difference"].abs() > TOLERANCE]
        if gaps.empty:
            out.append(
                "Per ogni fonte quanto assegnato alle righe coincide con le entrate "
                f"{plan_years(tables).budget_year}."
            )
        for row in gaps.itertuples():
            out.append(
                f"Fonte {row.source}: assegnati alle righe {eur(row.allocated)}, disponibili "
                f"nelle entrate {eur(row.available)} (differenza {signed_eur(row.difference)})."
            )
    return out


def _comparison_sentences(tables: dict[str, pd.DataFrame], titles: dict[int, str]) -> list[str]:
    years = plan_years(tables)
    what = f"confronto con il preconsuntivo {years.previous_year}"
    comparison = required(tables, "comparison_view", what)
    change = (comparison["budget_stated"] - comparison["preconsuntivo"]).set_axis(
        comparison["objective_id"]
    )
    up, down = change.idxmax(), change.idxmin()
    text = (
        f"Dal {years.previous_year} al {years.budget_year} cresce di più "
        f"l'{_objective(titles, up)} ({signed_eur(change[up])})"
    )
    if change[down] < 0:
        text += f", cala di più l'{_objective(titles, down)} ({signed_eur(change[down])})"
    return [text + "."]


def multiyear_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Pluriennale: totals per year, change over the period, the objective that moves most."""
    multiyear = required(tables, "multiyear", "budget pluriennale")
    totals = multiyear.groupby("year")["amount"].sum().sort_index()
    first, last = totals.index[0], totals.index[-1]
    out = [
        "Totali del budget pluriennale: "
        + ", ".join(f"{int(y)} {eur(v)}" for y, v in totals.items())
        + f"; dal {int(first)} al {int(last)} la variazione è "
        f"{signed_eur(totals[last] - totals[first])} ({_change(totals[last], totals[first])})."
    ]
    wide = multiyear.pivot_table(index="objective_id", columns="year", values="amount")
    widest = _widest(wide[last] - wide[first])
    if widest:
        mover, move = widest
        out.append(
            f"La variazione più ampia riguarda l'{_objective(objective_titles(tables), mover)}: "
            f"{signed_eur(move)} tra il {int(first)} e il {int(last)}."
        )
    return out


def _widest(moves) -> tuple[object, float] | None:
    """The key of the largest move in absolute value (the first on a tie) and the move."""
    moves = pd.Series(moves, dtype=float).dropna()
    if moves.empty:
        return None
    key = moves.abs().idxmax()
    return key, float(moves[key])


def validation_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Verifiche dei totali: failing totals, the largest gap, recovered masked cells."""
    findings = required(tables, "findings", "verifiche dei totali")
    failing = failing_totals(findings)
    out = [
        f"Sono stati confrontati i totali dichiarati con quelli ricalcolati: "
        f"{number(len(failing))} importi dichiarati sono da correggere (differenza oltre un "
        "centesimo; ogni cella errata è contata una volta)."
    ]
    if not failing.empty:
        worst = failing.loc[(failing["stated"] - failing["computed"]).abs().idxmax()]
        out.append(
            f"La differenza più grande è di {signed_eur(worst['stated'] - worst['computed'])}: "
            f"{worst['message']}"
        )
    lines = _frame(tables, "budget_lines")
    if lines is not None and "masked" in lines.columns:
        masked = lines[lines["masked"].astype(bool)]
        recovered = masked["amount"].notna().sum()
        if len(masked):
            out.append(
                f"Celle illeggibili («#####») nel documento: {number(len(masked))}; "
                f"ricostruite dalle identità di riga o colonna: {number(recovered)}."
            )
    return out


def scenario_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Scenari tariffari: baseline, each scenario's effect, payers, uncertainty, sensitivity."""
    totals = scenario_totals(tables)
    if BASELINE not in totals.index:
        return [missing("costi degli scenari tariffari")]
    base = totals[BASELINE]
    out = [
        f"Scenario base alle tariffe {costed_period(tables)}, {caseload_words(tables)}: "
        f"{eur(base)} l'anno."
    ]
    for name, value in totals.drop(BASELINE).items():
        out.append(
            f"Scenario «{scenario_label(name, tables)}»: {eur(value)}, "
            f"{signed_eur(value - base)} ({_change(value, base)}) rispetto allo scenario base."
        )
    summary = _frame(tables, "costs_summary")
    labels = payer_columns(tables, summary)
    payers = summary[summary["scenario"] == BASELINE][list(labels)].sum()
    out.append(
        "Nello scenario base pagano: "
        + ", ".join(f"{labels[c].lower()} {eur(v)}" for c, v in payers.items())
        + "."
    )
    out.extend(_uncertainty_sentences(tables))
    return out


COMMITMENT_NOTES = {
    "impegno": "impegno di spesa indicato (--impegno)",
    "voci_collegate": "somma delle voci del budget{anno} collegate ai servizi tariffati",
    "costo_pieno": "costo a fruizione piena della casistica",
}


def commitment_note(tables: dict[str, pd.DataFrame]) -> str:
    """Where the Monte Carlo's commitment comes from, in words (``impegno di spesa indicato``)."""
    summary = _frame(tables, "montecarlo_summary")
    row = {} if summary is None else summary.iloc[0].to_dict()
    source = row.get("commitment_source")
    if not isinstance(source, str) or source not in COMMITMENT_NOTES:
        given = row.get("commitment_given")
        source = "impegno" if given is None or bool(given) else "costo_pieno"
    years = known_years(tables)
    return COMMITMENT_NOTES[source].format(anno=f" {years.budget_year}" if years else "")


def unlinked_services(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Baseline cost of the caseload's items that no budget line is linked to, by service."""
    link, costs = _frame(tables, "budget_link"), _frame(tables, "costs_monthly")
    if link is None or costs is None:
        return pd.Series(dtype="float64")
    linked = {c.strip() for codes in link["item_code"] for c in str(codes).split(";")}
    base = costs[(costs["scenario"] == BASELINE) & ~costs["item"].isin(linked)]
    return base.groupby("service")["gross_eur"].sum().sort_values(ascending=False)


def commitment_sentence(tables: dict[str, pd.DataFrame]) -> str:
    """The commitment, where it comes from and what it leaves out."""
    row = required(tables, "montecarlo_summary", "simulazione Monte Carlo").iloc[0]
    text = f"Impegno di spesa confrontato: {eur(row['commitment_eur'])}, {commitment_note(tables)}."
    source = row.get("commitment_source")
    if source == "voci_collegate":
        left = unlinked_services(tables)
        if not left.empty:
            parts = ", ".join(f"{s} ({eur(v)})" for s, v in left.items())
            text += f" Servizi della casistica senza voce di budget collegata: {parts}."
        text += " Per un altro importo: cscplan build --impegno."
    elif source == "costo_pieno":
        text += (
            " È il costo a fruizione piena: non può essere superato per costruzione. Per la "
            "probabilità reale indicare l'impegno deliberato (cscplan build --impegno)."
        )
    return text


def _uncertainty_sentences(tables: dict[str, pd.DataFrame]) -> list[str]:
    out: list[str] = []
    summary = _frame(tables, "montecarlo_summary")
    if summary is not None:
        row = summary.iloc[0]
        text = (
            f"Con la presa in carico incerta, la spesa annua sta tra {eur(row['p10_eur'])} (P10) "
            f"e {eur(row['p90_eur'])} (P90), mediana {eur(row['p50_eur'])}, contro un impegno "
            f"di {eur(row['commitment_eur'])}; probabilità di superarlo: "
            f"{percent(row['prob_exceed'])}."
        )
        if str(row.get("alert_month", "")).strip():
            text += (
                f" Sul percorso mediano la soglia di allerta ({percent(alert_share(tables), 0)} "
                f"dell'impegno) si raggiunge a {month_name(row['alert_month'])}."
            )
        out.append(text)
        out.append(commitment_sentence(tables))
    out.extend(sensitivity_sentences(tables))
    return out


def sensitivity_sentences(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The widest lever on the total and, per parameter, its effect on what the comuni pay."""
    sens = _frame(tables, "sensitivity")
    if sens is None:
        return []
    width = (sens["high_eur"] - sens["low_eur"]).abs()
    top = sens.loc[width.idxmax()]
    name = top["label"] if "label" in sens.columns else top["parameter"]
    out = [
        f"Il parametro che sposta di più il costo annuo è «{name}»: "
        f"da {signed_eur(top['low_eur'] - top['baseline_eur'])} a "
        f"{signed_eur(top['high_eur'] - top['baseline_eur'])}."
    ]
    if {"comune_delta_high_eur", "high_label"} <= set(sens.columns):
        parts = [
            f"{row.label} «{row.high_label}» {signed_eur(row.comune_delta_high_eur)}"
            for row in sens.itertuples()
            if abs(row.comune_delta_high_eur) > TOLERANCE
        ]
        out.append("Effetto sulla spesa dei comuni del valore alto: " + "; ".join(parts) + ".")
    return out


def comune_shares(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per comune (rows, largest baseline share first): each scenario's comune share (a column
    per scenario) and, per fund (a column per payer other than the comune), the part the funds
    pay in the baseline for the comune's plans."""
    costs = required(tables, "costs_monthly", "costi per comune")
    shares = costs.pivot_table(
        index="comune", columns="scenario", values=COMUNE_SHARE, aggfunc="sum", fill_value=0.0
    )
    if BASELINE in shares.columns:
        shares = shares.sort_values(BASELINE, ascending=False, kind="stable")
    base = costs[costs["scenario"] == BASELINE]
    funds = base.groupby("comune")[fund_columns(costs.columns)].sum()
    return shares, funds.reindex(shares.index).fillna(0.0)


def comuni_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Quote dei comuni: the total share, the largest ones, the funds' part, the widest scenario."""
    shares, funds = comune_shares(tables)
    if BASELINE not in shares.columns:
        return [missing("costi dello scenario base per comune")]
    base = shares[BASELINE]
    total = base.sum()
    top = ", ".join(f"{c} {eur(v)} ({percent(v / total)})" for c, v in base.head(3).items())
    out = [
        f"Nello scenario base i comuni pagano {eur(total)} per la {caseload_words(tables)}, "
        f"ripartiti su {number(int((base > 0).sum()))} comuni; le quote maggiori: {top}."
    ]
    if not funds.empty and len(funds.columns):
        parts = ", ".join(
            f"{payer_label(f).removesuffix(' (€)').lower()} {eur(funds[f].sum())}"
            for f in funds.columns
        )
        out.append(f"Sui piani dei comuni pagano inoltre: {parts}.")
    widest = _widest({s: shares[s].sum() - total for s in shares.columns if s != BASELINE})
    if widest:
        scenario, move = widest
        out.append(
            f"Lo scenario che sposta di più la quota dei comuni è «{scenario_label(scenario, tables)}»: "
            f"{signed_eur(move)} ({_change(total + move, total)})."
        )
    return out


def benchmark_paragraphs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Benchmark Cremona: fastest and slowest growing services, with the usual caveat."""
    growth = required(tables, "cremona_growth", "benchmark di Cremona")
    cagr = next((c for c in growth.columns if c.startswith("cagr_")), None)
    services = (
        growth[(growth["level"] == "servizio") & growth[cagr].notna()] if cagr else growth[:0]
    )
    if services.empty:
        return [missing("crescita per servizio a Cremona")]
    first, last = cagr.split("_")[1:]
    ranked = services.sort_values(cagr, kind="stable")
    fast, slow = ranked.iloc[-1], ranked.iloc[0]

    def signed(value: float) -> str:
        return ("+" if value >= 0 else "−") + percent(abs(value))

    return [
        f"A Cremona, tra il {first} e il {last}, cresce di più {fast['csc_service']} "
        f"({signed(fast[cagr])} medio annuo) e meno {slow['csc_service']} "
        f"({signed(slow[cagr])}); servizi confrontati: {number(len(services))}.",
        "Cremona è un solo comune con definizioni proprie: il benchmark indica un ordine di "
        "grandezza dell'andamento della domanda, non una previsione per i comuni del distretto.",
    ]
