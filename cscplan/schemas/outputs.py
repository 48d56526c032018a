"""Schemas of the derived output tables (the public contract other tools read).

The build validates these tables before writing anything (``validate_outputs``), and their column
descriptions feed ``datapackage.json``.
"""

from __future__ import annotations

import pandera.pandas as pa

from cscplan.budget.funding import GROUPS
from cscplan.errors import InputError
from cscplan.validation.findings import SEVERITIES

MONTH = pa.Check.str_matches(r"^\d{4}-\d{2}$")


def col(dtype, description: str, *checks, nullable: bool = False) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=nullable, description=description)


def money(description: str, *checks) -> pa.Column:
    return col(float, f"{description} (euro, arrotondato al centesimo per riga)", *checks)


FINDINGS = pa.DataFrameSchema(
    {
        "check": col(str, "Nome del controllo del catalogo (es. column_totals)."),
        "severity": col(str, "Gravità: error, warning, info.", pa.Check.isin(SEVERITIES)),
        "table": col(str, "Tabella verificata (scheda, confronto, pluriennale, entrate, ...)."),
        "objective_id": col("Int64", "Obiettivo (1–15), vuoto se non pertinente.", nullable=True),
        "column": col(str, "Colonna dell'importo verificato.", nullable=True),
        "source_line": col("Int64", "Riga del documento sorgente in data/raw/.", nullable=True),
        "stated": col(float, "Importo dichiarato nel documento.", nullable=True),
        "computed": col(float, "Importo ricalcolato dalle righe.", nullable=True),
        "delta": col(float, "Dichiarato − calcolato.", nullable=True),
        "message": col(str, "Spiegazione in italiano."),
    },
    strict=True,
)
ERROR_LOCALISATION = pa.DataFrameSchema(
    {
        "solution_id": col(
            "int64",
            "Numero della soluzione (1, 2, … quando più soluzioni hanno lo stesso peso minimo).",
            pa.Check.ge(1),
        ),
        "cell": col(str, "Identificativo della cella: tabella/riga o obiettivo/colonna."),
        "table": col(str, "Tabella del documento: schede, confronto, pluriennale, entrate."),
        "objective_id": col(
            "Int64", "Obiettivo (1–15), vuoto per i totali generali e le entrate.", nullable=True
        ),
        "column": col(str, "Colonna della cella (intestazione, anno o voce di entrata)."),
        "source_line": col("Int64", "Riga del documento sorgente in data/raw/.", nullable=True),
        "stated": col(
            float, "Importo dichiarato (euro); vuoto per una cella oscurata (#####).", nullable=True
        ),
        "corrected": col(
            float,
            "Importo con cui tutte le identità del documento tornano (euro); per una cella "
            "oscurata il valore che ne segue, vuoto se le identità non lo determinano.",
            nullable=True,
        ),
        "delta": col(float, "Corretto − dichiarato (euro).", nullable=True),
        "weight": col(
            float,
            "Peso della cella (data/localisation_weights.csv); 0 per le celle oscurate.",
            pa.Check.ge(0),
        ),
    },
    strict=True,
    description="Localizzazione degli errori: le celle (meno possibile, per peso) da correggere "
    "perché tutte le identità del documento tornino, con i valori corretti; ogni soluzione "
    "ugualmente piccola ha il suo solution_id.",
)
FUNDING_BY_OBJECTIVE = pa.DataFrameSchema(
    {
        "objective_id": col(int, "Obiettivo (1–15).", pa.Check.in_range(1, 15)),
        "source": col(str, "Fonte di finanziamento (nome canonico, data/funding_sources.csv)."),
        "group": col(str, "Gruppo della fonte (comunali, fondi nazionali, ...)."),
        "amount": col(float, "Importo 2020 ricostruito dalle righe (euro)."),
    }
)
FUNDING_BALANCE = pa.DataFrameSchema(
    {
        "source": col(str, "Fonte di finanziamento."),
        "allocated": col(float, "Assegnato dalle righe di budget 2020 (euro)."),
        "available": col(float, "Disponibile secondo i Canali di finanziamento 2020 (euro)."),
        "difference": col(float, "Disponibile − assegnato (euro)."),
        **{
            name: pa.Column(None, required=False, nullable=True, description=text)
            for name, text in {
                "group": "Gruppo della fonte.",
                "columns": "Colonne delle schede che alimentano la fonte.",
                "revenue_labels": "Voci di entrata abbinate.",
                "status": "mappata, colonna non mappata, entrata non mappata.",
            }.items()
        },
    }
)
COSTS_MONTHLY = pa.DataFrameSchema(
    {
        "scenario": col(str, "Scenario ('baseline' o il nome del file di scenario)."),
        "beneficiary_id": col(str, "Identificativo del beneficiario (dalla casistica)."),
        "comune": col(str, "Comune che paga la quota comunale."),
        "service": col(str, "Servizio del tariffario."),
        "item": col(str, "Codice della voce del tariffario."),
        "month": col(str, "Mese AAAA-MM.", MONTH),
        "quantity": col(float, "Unità nel mese (ore, giorni, settimane, mesi, pacchetti)."),
        "net_eur": money("Imponibile"),
        "vat_eur": money("IVA", pa.Check.ge(0)),
        "gross_eur": money("Totale lordo"),
        "comune_eur": money("Quota a carico del comune"),
        "district_eur": money("Quota a carico del fondo distrettuale"),
    },
    strict=True,
)
COSTS_SUMMARY = pa.DataFrameSchema(
    {
        "scenario": col(str, "Scenario."),
        "service": col(str, "Servizio del tariffario."),
        "gross_eur": money("Costo annuo lordo"),
        "comune_eur": money("Quota annua dei comuni"),
        "district_eur": money("Quota annua del fondo distrettuale"),
    },
    strict=True,
)


def _delta(key: str, text: str) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            key: col(str, text),
            "scenario": col(str, "Scenario confrontato con la baseline."),
            "baseline_eur": money("Baseline"),
            "scenario_eur": money("Scenario"),
            "delta_eur": money("Scenario − baseline"),
            "delta_pct": col(float, "Variazione relativa (vuota se baseline 0).", nullable=True),
        }
    )


def described(**columns: str) -> pa.DataFrameSchema:
    """A documentation-only schema (no checks) for a presentation view."""
    return pa.DataFrameSchema(
        {
            name: pa.Column(None, required=False, nullable=True, description=text)
            for name, text in columns.items()
        }
    )


OBJ = "Obiettivo (1–15)."
LINE = "Riga del documento sorgente in data/raw/."
VIEWS = {
    "budget_by_action": described(
        line_id="Identificativo della voce (OO-P-NNN).",
        objective_id=OBJ,
        objective="Titolo dell'obiettivo.",
        part="Parte della scheda (obiettivi su più tabelle).",
        action="Azione a cui appartiene la voce.",
        item="Voce di spesa.",
        detail="Dettaglio/descrizione.",
        po_2019="PO 2019 (euro).",
        po_2020="PO 2020 (euro, celle ##### ricostruite).",
        has_imputed="Vero se la voce contiene un importo ricostruito.",
        source_line=LINE,
    ),
    "budget_by_objective": described(
        objective_id=OBJ,
        objective="Titolo dell'obiettivo.",
        po_2019_stated="PO 2019 dichiarato nella riga TOTALE OBIETTIVO (euro).",
        po_2019_computed="PO 2019 ricalcolato dalle righe (euro).",
        po_2020_stated="PO 2020 dichiarato nella riga TOTALE OBIETTIVO (euro).",
        po_2020_computed="PO 2020 ricalcolato dalle righe, celle ##### ricostruite (euro).",
        **{
            f"fonti {group}": f"Finanziamento 2020 dal gruppo di fonti '{group}' (euro)."
            for group in GROUPS
        },
    ),
    "comparison_view": described(
        objective_id=OBJ,
        objective="Obiettivo.",
        preconsuntivo_2019="Preconsuntivo 2019 dichiarato (euro).",
        budget_2020_stated="Budget 2020 dichiarato nel confronto (euro).",
        budget_2020_computed="Budget 2020 ricalcolato dalle righe (euro).",
        budget_gap="Dichiarato − calcolato (euro).",
        variation_stated="Variazione dichiarata (euro).",
        variation_computed="Budget 2020 − preconsuntivo 2019 ricalcolato (euro).",
        note="Nota del documento.",
        source_line=LINE,
    ),
    "multiyear_view": described(
        objective_id=OBJ,
        objective="Obiettivo, o riga di totale (calcolato, dichiarato, differenza).",
        **{str(y): f"Budget {y} (euro)." for y in (2020, 2021, 2022)},
    ),
    "funding_sources": described(
        column="Intestazione della colonna nelle schede di budget.",
        source="Fonte canonica.",
        group="Gruppo della fonte.",
        revenue_labels="Voci dei Canali di finanziamento che alimentano la fonte (' | ').",
        note="Motivazione dell'abbinamento.",
        source_line=LINE,
    ),
    "budget_link": described(
        objective_id=OBJ,
        budget_item_label="Voce di budget 2020 collegata.",
        column="Colonna dell'importo (PO 2020).",
        source_line=LINE,
        service="Servizi del tariffario collegati (';').",
        item_code="Codici voce collegati (';').",
        amount_2020="Importo 2020 dichiarato (euro).",
        price_index="Indice di prezzo 2023 sul 2020 per le voci collegate.",
        amount_2020_at_2023_tariffs="Importo 2020 ai prezzi 2023 (euro).",
        scenario="Scenario.",
        caseload_gross_eur="Costo della casistica per le voci collegate (euro).",
        scenario_factor="Rapporto scenario / baseline.",
        effect_eur="Effetto dello scenario sulla voce di budget (euro).",
    ),
    "montecarlo_quantiles": described(
        service="Servizio (TOTALE per il totale).",
        payer="Pagatore: comune o distretto.",
        baseline_eur="Costo annuo con fruizione piena (euro).",
        p10_eur="10° percentile del costo annuo (euro).",
        p50_eur="Mediana del costo annuo (euro).",
        p90_eur="90° percentile del costo annuo (euro).",
    ),
    "montecarlo_path": described(
        month="Mese AAAA-MM.",
        baseline_cum_eur="Spesa cumulata con fruizione piena (euro).",
        p10_eur="Spesa cumulata, 10° percentile (euro).",
        p50_eur="Spesa cumulata, mediana (euro).",
        p90_eur="Spesa cumulata, 90° percentile (euro).",
        alert_threshold_eur="Soglia di allerta: 80% dell'impegno (euro).",
    ),
    "montecarlo_summary": described(
        draws="Numero di estrazioni.",
        seed="Seme del generatore.",
        beta_a="Parametro a della Beta della fruizione.",
        beta_b="Parametro b della Beta della fruizione.",
        common_concentration="Concentrazione della fruizione media distrettuale (vuota: piani indipendenti).",
        uptake_mean="Fruizione media attesa.",
        commitment_eur="Impegno di spesa (euro).",
        commitment_given="Vero se l'impegno è stato indicato (--impegno); falso = costo pieno.",
        p10_eur="10° percentile del costo annuo (euro).",
        p50_eur="Mediana del costo annuo (euro).",
        p90_eur="90° percentile del costo annuo (euro).",
        prob_exceed="Probabilità di superare l'impegno.",
        alert_share="Quota di allerta del monitoraggio trimestrale.",
        alert_month="Mese in cui la spesa mediana raggiunge l'80% dell'impegno.",
    ),
    "sensitivity": described(
        parameter="Parametro variato.",
        label="Descrizione italiana della variazione.",
        baseline_eur="Costo annuo baseline (euro).",
        low_eur="Costo annuo al valore basso (euro).",
        high_eur="Costo annuo al valore alto (euro).",
        delta_low_eur="Effetto del valore basso (euro).",
        delta_high_eur="Effetto del valore alto (euro).",
        comune_delta_low_eur="Effetto del valore basso sui comuni (euro).",
        comune_delta_high_eur="Effetto del valore alto sui comuni (euro).",
    ),
}

SCHEMAS = {
    **VIEWS,
    "findings": FINDINGS,
    "error_localisation": ERROR_LOCALISATION,
    "funding_by_objective": FUNDING_BY_OBJECTIVE,
    "funding_balance_2020": FUNDING_BALANCE,
    "costs_monthly": COSTS_MONTHLY,
    "costs_summary": COSTS_SUMMARY,
    "scenario_delta_service": _delta("service", "Servizio."),
    "scenario_delta_payer": _delta("payer", "Pagatore: comune o distretto."),
    "scenario_delta_comune": _delta("comune", "Comune (quota comunale)."),
    "scenario_delta_month": _delta("month", "Mese AAAA-MM."),
    "scenarios": pa.DataFrameSchema(
        {
            "scenario": col(str, "Nome dello scenario.", pa.Check(lambda s: s.is_unique)),
            "label": col(str, "Etichetta italiana."),
            "source": col(str, "File YAML dello scenario (vuoto per la baseline)."),
        }
    ),
}


def validate_outputs(tables: dict) -> None:
    """Check every derived table against its contract before anything is written.

    A failure here is a defect of cscplan, not of the input; it is still reported as one message.
    """
    for name, schema in SCHEMAS.items():
        if name not in tables:
            continue
        try:
            schema.validate(tables[name], lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases.head(3).to_dict("records")
            raise InputError(
                f"output {name}.csv", "il contratto delle colonne pubblicate", str(cases)
            ) from None
