"""pandera schemas for the Piano Programma 2020–2022 tables (declared once, applied after parsing).

Column names are the public data contract used by validation, budget, reports and datapackage.
"""

from __future__ import annotations

import pandera.pandas as pa

KINDS = ("plan", "source")
# The plan's two amount columns (previous year's and budget year's PO). The one place to change
# for a new year's Piano Programma; every module reads them from here.
PLAN_COLUMNS = ("PO 2019", "PO 2020")
STATED_TABLES = ("scheda", "confronto", "pluriennale", "entrate")
REVENUE_ROW_KINDS = ("line", "subtotal", "total")
STAFF_BREAKDOWNS = ("persone", "contratto", "orario")
STAFF_ROW_KINDS = ("line", "total")
KPI_KINDS = ("monitoraggio", "obiettivo triennale")
TARGET_OPERATORS = ("≥", "≤", "=", "")
TARGET_UNITS = ("%", "ore", "gg", "")
YEARS = (2020, 2021, 2022)

_LINE = pa.Check.ge(1)
_TEXT = pa.Check.str_length(min_value=1)


def _source_line(what: str = "Riga (1-based) del testo sorgente.") -> pa.Column:
    return pa.Column(int, _LINE, description=what)


def _objective_id(nullable: bool = False) -> pa.Column:
    dtype = "Int64" if nullable else int
    return pa.Column(
        dtype,
        pa.Check.in_range(1, 15),
        nullable=nullable,
        description="Numero dell'obiettivo di budget (1–15)"
        + ("; vuoto per i totali generali." if nullable else "."),
    )


BUDGET_LINES = pa.DataFrameSchema(
    {
        "objective_id": _objective_id(),
        "objective": pa.Column(str, _TEXT, description="Titolo dell'obiettivo (intestazione)."),
        "part": pa.Column(
            int,
            pa.Check.ge(1),
            description="Parte della scheda (1, 2, …) per obiettivi su più tabelle (5 e 8).",
        ),
        "line_id": pa.Column(
            str,
            pa.Check.str_matches(r"^\d{2}-\d+-\d{3}$"),
            description="Identificativo stabile della voce: obiettivo-parte-progressivo.",
        ),
        "action": pa.Column(str, description="Intestazione 'Azione …' sotto cui sta la voce."),
        "item": pa.Column(str, _TEXT, description="Voce di costo (etichetta della riga)."),
        "detail": pa.Column(str, description="Dettaglio/descrizione della voce, '' se assente."),
        "column": pa.Column(
            str, _TEXT, description="Intestazione della colonna come nel testo (es. 'PO 2020')."
        ),
        "kind": pa.Column(
            str,
            pa.Check.isin(KINDS),
            description="'plan' per PO 2019/PO 2020, 'source' per le fonti di finanziamento.",
        ),
        "amount": pa.Column(
            float,
            pa.Check.ge(0),
            nullable=True,
            description="Importo in euro (non arrotondato); NaN se la cella è mascherata.",
        ),
        "masked": pa.Column(bool, description="Cella '#####' nel testo: importo illeggibile."),
        "imputed": pa.Column(
            bool, description="Importo ricostruito dalla validazione (sempre False dal parser)."
        ),
        "source_line": _source_line(),
    },
    checks=[
        pa.Check(
            lambda df: df["masked"] == df["amount"].isna(),
            description="Importo mancante se e solo se la cella è mascherata.",
        )
    ],
    strict=True,
    ordered=True,
    unique=["line_id", "column"],
    description="Voci delle schede di budget 2020, una riga per cella importo (formato lungo).",
)

STATED_TOTALS = pa.DataFrameSchema(
    {
        "table": pa.Column(
            str,
            pa.Check.isin(STATED_TABLES),
            description="Da quale tabella: scheda, confronto, pluriennale o entrate.",
        ),
        "objective_id": _objective_id(nullable=True),
        "column": pa.Column(
            str,
            _TEXT,
            description="Colonna del totale (intestazione, anno, 'preconsuntivo 2019', "
            "'budget 2020', 'variazione' o etichetta del totale delle entrate).",
        ),
        "amount": pa.Column(
            float, nullable=True, description="Totale dichiarato nel testo; NaN se mascherato."
        ),
        "masked": pa.Column(bool, description="Cella '#####' nella riga di totale."),
        "source_line": _source_line(),
    },
    checks=[
        pa.Check(
            lambda df: df["masked"] == df["amount"].isna(),
            description="Importo mancante se e solo se la cella è mascherata.",
        ),
        pa.Check(
            lambda df: (df["amount"].fillna(0) >= 0) | (df["column"] == "variazione"),
            description="Solo le variazioni possono essere negative.",
        ),
    ],
    strict=True,
    ordered=True,
    unique=["table", "objective_id", "column"],
    description="Totali dichiarati dal documento (righe TOTALE), una riga per cella presente.",
)

REVENUE_2020 = pa.DataFrameSchema(
    {
        "group": pa.Column(str, description="Gruppo (etichetta del subtotale che lo chiude)."),
        "label": pa.Column(str, _TEXT, description="Voce di entrata come scritta."),
        "amount": pa.Column(float, pa.Check.ge(0), description="Importo previsto in euro."),
        "row_kind": pa.Column(
            str, pa.Check.isin(REVENUE_ROW_KINDS), description="line, subtotal o total."
        ),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    description="Entrate previsionali dell'esercizio 2020 (canali di finanziamento).",
)

COMPARISON = pa.DataFrameSchema(
    {
        "objective_id": pa.Column(
            int, pa.Check.in_range(1, 15), unique=True, description="Numero dell'obiettivo."
        ),
        "objective": pa.Column(str, _TEXT, description="Titolo come scritto nel confronto."),
        "preconsuntivo_2019": pa.Column(
            float, pa.Check.ge(0), description="Pre-consuntivo 2019 in euro."
        ),
        "budget_2020": pa.Column(float, pa.Check.ge(0), description="Preventivo 2020 in euro."),
        "variation": pa.Column(
            float, description="Variazione dichiarata (2020 − 2019), può essere negativa."
        ),
        "note": pa.Column(str, description="Motivazione della variazione, '' se assente."),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    description="Confronto budget 2020 / pre-consuntivo 2019 per obiettivo.",
)

MULTIYEAR = pa.DataFrameSchema(
    {
        "objective_id": pa.Column(int, pa.Check.in_range(1, 15), description="Obiettivo."),
        "objective": pa.Column(str, _TEXT, description="Titolo come scritto nel pluriennale."),
        "year": pa.Column(int, pa.Check.isin(YEARS), description="Anno di budget."),
        "amount": pa.Column(float, pa.Check.ge(0), description="Budget dell'anno in euro."),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    unique=["objective_id", "year"],
    description="Budget pluriennale 2020–2022 per obiettivo (formato lungo).",
)

STAFF = pa.DataFrameSchema(
    {
        "profile": pa.Column(
            str, _TEXT, description="Profilo professionale ('Totale' per la riga di totale)."
        ),
        "breakdown": pa.Column(
            str,
            pa.Check.isin(STAFF_BREAKDOWNS),
            description="persone (N° persone), contratto (tipo di rapporto) o orario "
            "(tempo pieno/part-time).",
        ),
        "category": pa.Column(
            str, _TEXT, description="Intestazione della colonna (es. 'Tempo indeterminato')."
        ),
        "count": pa.Column(int, pa.Check.ge(0), description="Numero di persone."),
        "row_kind": pa.Column(
            str, pa.Check.isin(STAFF_ROW_KINDS), description="line o total (riga di totale)."
        ),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    unique=["profile", "category", "row_kind"],
    description="Tab1: dotazione organica al 1.12.2019, formato lungo.",
)

HIRING_PLAN = pa.DataFrameSchema(
    {
        "profile": pa.Column(str, _TEXT, description="Profilo professionale."),
        "area": pa.Column(str, _TEXT, description="Ambito di impiego."),
        "units": pa.Column(int, pa.Check.ge(0), description="Unità da assumere."),
        "coverage": pa.Column(str, description="Modalità di copertura."),
        "year": pa.Column(int, pa.Check.in_range(2000, 2100), description="Anno."),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    description="Tab2: piano occupazionale 2020–2021.",
)

STRATEGIC_OBJECTIVES = pa.DataFrameSchema(
    {
        "code": pa.Column(
            str, pa.Check.str_matches(r"^\d+\.\d+$"), unique=True, description="Codice (es. 1.1)."
        ),
        "area": pa.Column(str, _TEXT, description="Area (Organizzazione, Servizi, Progetti)."),
        "title": pa.Column(str, _TEXT, description="Titolo dell'obiettivo strategico."),
        "description": pa.Column(str, description="Descrizione (paragrafo che segue)."),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    description="Obiettivi strategici del Piano Programma 2020–2022.",
)

KPIS = pa.DataFrameSchema(
    {
        "objective_id": pa.Column(int, pa.Check.in_range(1, 15), description="Obiettivo."),
        "section": pa.Column(str, _TEXT, description="Titolo della tabella indicatori."),
        "action": pa.Column(str, description="Azione citata nel titolo (es. 'Azione 1'), o ''."),
        "kind": pa.Column(
            str,
            pa.Check.isin(KPI_KINDS),
            description="'monitoraggio' (indicatori annuali) o 'obiettivo triennale'.",
        ),
        "strumento": pa.Column(str, description="Strumento (celle unite ripetute sotto)."),
        "indicatore": pa.Column(str, _TEXT, description="Indicatore come scritto."),
        "target": pa.Column(str, description="Valore atteso / traguardo, '' se assente."),
        "deadline": pa.Column(
            str, description="Scadenza estratta dal traguardo (es. '31 dicembre 2020'), o ''."
        ),
        "target_operator": pa.Column(
            str,
            pa.Check.isin(TARGET_OPERATORS),
            description="Traguardo: '≥' (almeno), '≤' (al massimo, entro N giorni), '=' "
            "(valore), '' (solo una scadenza o nessun traguardo).",
        ),
        "target_value": pa.Column(
            float, nullable=True, description="Valore del traguardo (anche se scritto in lettere)."
        ),
        "target_unit": pa.Column(
            str,
            pa.Check.isin(TARGET_UNITS),
            description="Unità del valore: '%', 'ore', 'gg' (giorni) o '' (un numero).",
        ),
        "target_period": pa.Column(
            str,
            pa.Check.isin(("", "anno", "settimana")),
            description="Periodo a cui si riferisce il valore ('anno', 'settimana') o ''.",
        ),
        "deadline_date": pa.Column(
            str,
            pa.Check.str_matches(r"^(\d{4}-\d{2}-\d{2})?$"),
            description="Scadenza come data AAAA-MM-GG, o ''.",
        ),
        "misplaced_indicator": pa.Column(
            bool,
            description="Vero se l'indicatore è scritto nella colonna Strumento del documento.",
        ),
        "section_line": _source_line("Riga del titolo della tabella indicatori."),
        "header_line": _source_line("Riga dell'intestazione Strumento / Indicatore / anni."),
        "header_years": pa.Column(
            str, description="Anni dell'intestazione della tabella (es. '2020–2022'), o ''."
        ),
        "source_line": _source_line(),
    },
    strict=True,
    ordered=True,
    description="Indicatori e obiettivi triennali delle schede; il traguardo è anche "
    "scomposto in operatore, valore, unità, periodo e data.",
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "budget_lines": BUDGET_LINES,
    "stated_totals": STATED_TOTALS,
    "revenue_2020": REVENUE_2020,
    "comparison": COMPARISON,
    "multiyear": MULTIYEAR,
    "staff": STAFF,
    "hiring_plan": HIRING_PLAN,
    "strategic_objectives": STRATEGIC_OBJECTIVES,
    "kpis": KPIS,
}
