"""Every table once: its columns (fields of :mod:`.fields`), primary key, origin and row rules.

``origin`` says where a table comes from: ``parsed`` (liberated from a document in data/raw/),
``reference`` (an editable file in data/), ``input`` (a user's file, validated) or ``derived``
(computed by cscplan). ``published`` tables are written as ``<name>.csv`` by the build and
described in ``datapackage.json``. The pandera schemas, the parsing dtypes, the Data Package and
the Italian column headers are all generated from these declarations (:mod:`.schema`).
"""

from __future__ import annotations

from dataclasses import dataclass

from cscplan.metadata.rules import RowRule, row_rule
from cscplan.vocabulary import PAYER_COLUMNS

PARSED, REFERENCE, INPUT, DERIVED = "parsed", "reference", "input", "derived"


@dataclass(frozen=True)
class Column:
    """A table's column: its name, the field that defines it, and table-specific narrowing."""

    name: str
    field: str
    regex: bool = False
    nullable: bool | None = None
    description: str | None = None
    optional: bool = False
    """For an ``input`` table: a file may omit the column (it is then read as empty)."""


def c(name: str, field_key: str | None = None, **narrowing) -> Column:
    return Column(name, field_key or name, **narrowing)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    description: str
    origin: str
    key: tuple[str, ...] = ()
    rules: tuple[RowRule, ...] = ()
    published: bool = True
    ordered: bool = True

    @property
    def names(self) -> list[str]:
        return [col.name for col in self.columns if not col.regex]

    @property
    def required_names(self) -> list[str]:
        """The columns a file of this (input) table must have; the others may be omitted."""
        return [col.name for col in self.columns if not col.regex and not col.optional]


def table(description: str, origin: str, *columns, key=(), rules=(), **options) -> Table:
    cols = tuple(col if isinstance(col, Column) else c(col) for col in columns)
    return Table(cols, description, origin, tuple(key), tuple(rules), **options)


MASKED_IFF_MISSING = row_rule(
    "importo mancante se e solo se la cella è mascherata",
    lambda df: df["masked"] == df["amount"].isna(),
)
ONLY_VARIATIONS_NEGATIVE = row_rule(
    "solo le variazioni possono essere negative",
    lambda df: (df["amount"].fillna(0) >= 0) | (df["column"] == "variazione"),
)
MISSING_IFF_MASKED_NOT_RECOVERED = row_rule(
    "importo mancante se e solo se la cella è mascherata e non ricostruita",
    lambda df: df["amount"].isna() == (df["masked"] & ~df["imputed"]),
)
NONNEGATIVE_AMOUNT = c("amount", description="Importo in euro (≥ 0), non arrotondato.")
PLAN_AMOUNT = c(
    "amount", nullable=True, description="Importo in euro; vuoto se la cella è mascherata."
)

LINE_PLACE = ("part", "action", "item", "detail")
"""Where a budget line sits in its objective's sheet, and what it is."""
PLAN_PO = ("po_previous", "po_current")
"""The plan's two PO columns, year-neutral."""
KPI_IDENTITY = (
    "objective_id",
    "section",
    "action",
    c("kind", "kpi_kind"),
    "strumento",
    "indicatore",
)
"""The columns that say which indicator a row is (parsed table and the plan workbook's sheet)."""

PLAN_TABLES = {
    "plan_info": table(
        "Il piano letto: titolo e anni (budget, precedente, pluriennale) con le colonne PO.",
        PARSED,
        "plan_title",
        "budget_year",
        "previous_year",
        "first_year",
        "last_year",
        "po_previous_column",
        "po_current_column",
        "source_line",
    ),
    "budget_lines": table(
        "Voci delle schede di budget, una riga per cella importo (formato lungo).",
        PARSED,
        "objective_id",
        "objective",
        "part",
        "line_id",
        "action",
        "item",
        "detail",
        "column",
        "kind",
        PLAN_AMOUNT,
        "masked",
        "imputed",
        "source_line",
        key=("line_id", "column"),
        rules=(MISSING_IFF_MASKED_NOT_RECOVERED,),
    ),
    "stated_totals": table(
        "Totali dichiarati dal documento (righe TOTALE), una riga per cella presente.",
        PARSED,
        "table",
        c(
            "objective_id",
            "finding_objective_id",
            description="Obiettivo; vuoto per i totali generali.",
        ),
        "column",
        PLAN_AMOUNT,
        "masked",
        "source_line",
        key=("table", "objective_id", "column"),
        rules=(MASKED_IFF_MISSING, ONLY_VARIATIONS_NEGATIVE),
    ),
    "revenue": table(
        "Entrate previsionali dell'anno di budget (canali di finanziamento).",
        PARSED,
        "group",
        "label",
        NONNEGATIVE_AMOUNT,
        "row_kind",
        "source_line",
    ),
    "comparison": table(
        "Confronto budget dell'anno / preconsuntivo dell'anno precedente, per obiettivo.",
        PARSED,
        "objective_id",
        "objective",
        "preconsuntivo",
        "budget",
        "variation",
        "note",
        "source_line",
        key=("objective_id",),
    ),
    "multiyear": table(
        "Budget pluriennale per obiettivo (formato lungo).",
        PARSED,
        "objective_id",
        "objective",
        "year",
        NONNEGATIVE_AMOUNT,
        "source_line",
        key=("objective_id", "year"),
    ),
    "staff": table(
        "Tab1: dotazione organica, formato lungo.",
        PARSED,
        "profile",
        "breakdown",
        "category",
        "count",
        c("row_kind", "staff_row_kind"),
        "source_line",
        key=("profile", "category", "row_kind"),
    ),
    "hiring_plan": table(
        "Tab2: piano occupazionale.",
        PARSED,
        "profile",
        "area",
        "units",
        "coverage",
        "year",
        "source_line",
    ),
    "strategic_objectives": table(
        "Obiettivi strategici del Piano Programma.",
        PARSED,
        c("code", "strategic_code"),
        "area",
        "title",
        "description",
        "source_line",
        key=("code",),
    ),
    "kpis": table(
        "Indicatori e obiettivi triennali delle schede.",
        PARSED,
        *KPI_IDENTITY,
        "target",
        "deadline",
        "target_operator",
        "target_value",
        "target_unit",
        "target_period",
        "deadline_date",
        "misplaced_indicator",
        "section_line",
        "header_line",
        "header_years",
        "source_line",
    ),
}

VIEW_TABLES = {
    "funding_by_objective": table(
        "Finanziamento dell'anno per obiettivo e fonte canonica, ricostruito dalle righe.",
        DERIVED,
        "objective_id",
        "source",
        c("group", "funding_group"),
        c("amount", description="Importo dell'anno ricostruito dalle righe (euro)."),
        key=("objective_id", "source"),
    ),
    "funding_balance": table(
        "Per fonte canonica: assegnato nelle schede e disponibile nelle entrate dell'anno.",
        DERIVED,
        "source",
        c("group", "funding_group"),
        "columns",
        "revenue_labels",
        "allocated",
        "available",
        "difference",
        "status",
        key=("source",),
    ),
    "budget_by_action": table(
        "Una riga per voce di budget: obiettivo, azione, PO precedente e dell'anno.",
        DERIVED,
        "line_id",
        "objective_id",
        "objective",
        *LINE_PLACE,
        *PLAN_PO,
        "has_imputed",
        "source_line",
        key=("line_id",),
    ),
    "budget_by_objective": table(
        "Per obiettivo: PO dichiarati e calcolati, finanziamento dell'anno per gruppo di fonti.",
        DERIVED,
        "objective_id",
        "objective",
        "po_previous_stated",
        "po_previous_computed",
        "po_current_stated",
        "po_current_computed",
        c("fonti .+", "group_funding", regex=True),
        key=("objective_id",),
    ),
    "multiyear_view": table(
        "Obiettivo × anno del pluriennale, con il totale calcolato, dichiarato e la differenza.",
        DERIVED,
        c("objective_id", "view_objective_id"),
        c("objective", "view_objective"),
        c(r"\d{4}", "year_amount", regex=True),
    ),
    "comparison_view": table(
        "Per obiettivo: preconsuntivo, budget dichiarato e calcolato, variazioni.",
        DERIVED,
        "objective_id",
        "objective",
        "preconsuntivo",
        "budget_stated",
        "budget_computed",
        "budget_gap",
        "variation_stated",
        "variation_computed",
        "note",
        "source_line",
        key=("objective_id",),
    ),
    "funding_sources": table(
        "Mappa colonne delle schede → fonte canonica → voci di entrata (data/funding_sources.csv).",
        REFERENCE,
        "column",
        "source",
        c("group", "funding_group"),
        "revenue_labels",
        c("note", "funding_note"),
        "source_line",
        key=("column",),
    ),
    "error_localisation": table(
        "Localizzazione degli errori: le celle (meno possibile, per peso) da correggere perché "
        "tutte le identità del documento tornino, con i valori corretti; ogni soluzione "
        "ugualmente piccola ha il suo solution_id.",
        DERIVED,
        "solution_id",
        "cell",
        c("table", "finding_table"),
        c("objective_id", "finding_objective_id"),
        c("column", "finding_column"),
        c("source_line", "finding_source_line"),
        c("stated", description="Importo dichiarato (euro); vuoto per una cella oscurata (#####)."),
        "corrected",
        c("delta", "correction"),
        "weight",
    ),
    "findings": table(
        "Ogni disaccordo o osservazione delle verifiche: dove, quanto, cosa significa.",
        DERIVED,
        "check",
        "severity",
        c("table", "finding_table"),
        c("objective_id", "finding_objective_id"),
        c("column", "finding_column"),
        c("source_line", "finding_source_line"),
        "stated",
        "computed",
        "delta",
        "message",
    ),
}

MAP_TABLES = {
    "service_maps": table(
        "Una riga per mappa pubblicata (Comune di Cremona, All. C).",
        PARSED,
        "service_no",
        c("service", "service_name"),
        "map_title",
        c("area", "map_area"),
        "responsible",
        "core_elements",
        "accessory_elements",
        "management_form",
        "management_marked",
        "management_note",
        "staff",
        "structures",
        c("source_line", description="Riga dell'intestazione della mappa."),
        key=("service_no",),
    ),
    "service_map_values": table(
        "Output e utenti per segmento al 31/12 di ogni anno delle mappe, in formato lungo.",
        PARSED,
        "service_no",
        c("service", "service_name"),
        c("table", "map_table"),
        "block",
        "indicator",
        c("row_kind", "map_row_kind"),
        "is_total",
        c("year", "map_year"),
        c("value", "map_value"),
        "cell_kind",
        c("unit", "map_unit"),
        "raw",
        c(
            "note",
            description="Testo che accompagna il numero o colonna aggiuntiva della riga; per "
            "numeri in lettere, dopo un'etichetta o somme, la cella come scritta.",
        ),
        c("group", "map_group"),
        "group_line",
        "source_line",
        key=("service_no", "source_line", "year"),
        rules=(
            row_rule(
                "solo le celle di testo possono non avere valore",
                lambda df: df["value"].notna() | (df["cell_kind"] == "testo"),
            ),
        ),
    ),
    "service_maps_absent": table(
        "Servizi indicati nell'indice come '(non pubblicata)': assenti, non ricostruiti.",
        PARSED,
        "service_no",
        c("service", "service_name"),
        "source_line",
        key=("service_no",),
    ),
    "benchmark_map": table(
        "Corrispondenza tra indicatori di Cremona e servizi tariffari CSC.",
        REFERENCE,
        "service_no",
        "cremona_service",
        c("table", "map_table"),
        "indicator",
        "csc_service",
        "csc_items",
        c("note", description="Perché la corrispondenza e cosa non significa."),
        published=False,
    ),
    "cremona_growth": table(
        "Benchmark di domanda: andamento negli anni delle mappe a Cremona per servizio CSC.",
        DERIVED,
        c("level", "growth_level"),
        "csc_service",
        "csc_items",
        c("service_no", "growth_service_no"),
        "cremona_service",
        c("table", "growth_table"),
        c("indicator", "growth_indicator"),
        c(r"value_\d{4}", "value_year", regex=True),
        c(r"yoy_\d{4}", "yoy_year", regex=True),
        c(r"ratio_\d{4}_\d{4}", "ratio_years", regex=True),
        c(r"cagr_\d{4}_\d{4}", "cagr_years", regex=True),
        "growth_factor",
        "n_indicators",
        "source_lines",
        c("note", description="Nota della mappa (righe indicatore)."),
        ordered=False,
    ),
}

TARIFF_TABLES = {
    "tariff_items": table(
        "Voci del tariffario: una riga per codice.",
        REFERENCE,
        c("code", "tariff_code"),
        "service",
        c("label", "tariff_label"),
        "unit",
        "vat",
        "district_share",
        "abatement",
        "abatement_capped",
        "uplift_allowed",
        "qty_required",
        "min_weeks",
        "max_weeks",
        "group_pricing",
        c("payer", "item_payer"),
        "second_comune_allowed",
        "placed_minor_allowed",
        "continues_as",
        "continues_after_months",
        "closing_units",
        "operator_alternative",
        c("source_line", description="Riga della voce nelle linee guida in data/raw/."),
        c("note", description="Annotazioni dalla scheda economica."),
        key=("code",),
        rules=(
            row_rule(
                "settimane minime non oltre le massime",
                lambda df: (
                    df["min_weeks"].isna()
                    | df["max_weeks"].isna()
                    | (df["min_weeks"] <= df["max_weeks"])
                ),
            ),
        ),
        published=False,
    ),
    "tariff_rates": table(
        "Tariffe datate per voce e dimensione del gruppo.",
        REFERENCE,
        c("code", "tariff_item"),
        "valid_from",
        "valid_to",
        "group_size",
        "rate",
        "district_rate",
        "fud_contribution",
        c("source_line", description="Riga dell'importo nel documento."),
        c("basis", "rate_basis"),
        "basis_line",
        "basis_note",
        rules=(
            row_rule(
                "ogni periodo inizia prima della fine",
                lambda df: df["valid_from"] <= df["valid_to"],
            ),
            row_rule(
                "la quota distrettuale non supera la tariffa",
                lambda df: df["district_rate"].isna() | (df["district_rate"] <= df["rate"]),
            ),
        ),
        published=False,
    ),
    "caseload": table(
        "Piani individuali validati (un piano = beneficiario × voce × periodo).",
        INPUT,
        "beneficiary_id",
        "comune",
        c("item", "tariff_item"),
        "start",
        "end",
        c("qty_per_week", optional=True),
        c("second_comune", optional=True),
        c("group_size", optional=True),
        c("uplift", optional=True),
        c("placed_minor", optional=True),
        rules=(row_rule("inizio non dopo la fine", lambda df: df["start"] <= df["end"]),),
    ),
}

PAYER_AMOUNTS = tuple(PAYER_COLUMNS.values())
PAYERS_SUM_TO_GROSS = row_rule(
    "le quote dei pagatori sommano al totale lordo (al centesimo)",
    lambda df: (df[list(PAYER_AMOUNTS)].sum(axis=1) - df["gross_eur"]).abs() <= 0.005 + 1e-9,
)

MONTH_AMOUNTS = (
    c("item", "tariff_item"),
    "month",
    "quantity",
    "net_eur",
    "vat_eur",
    "gross_eur",
    *PAYER_AMOUNTS,
)
"""An item's month: units, net, VAT, gross and each payer's share (costs and billable amounts)."""

COST_TABLES = {
    "costs_monthly": table(
        "Costo per scenario, beneficiario, voce e mese, con le quote dei pagatori.",
        DERIVED,
        "scenario",
        "beneficiary_id",
        "comune",
        "service",
        *MONTH_AMOUNTS,
        rules=(PAYERS_SUM_TO_GROSS,),
    ),
    "costs_summary": table(
        "Costo annuo per scenario e servizio, con le quote dei pagatori.",
        DERIVED,
        "scenario",
        "service",
        c("gross_eur", description="Costo lordo del periodo" + " (euro)."),
        *PAYER_AMOUNTS,
        key=("scenario", "service"),
    ),
    "payers": table(
        "I pagatori: colonna dell'importo, nome, colonne e fonti del Piano Programma che li "
        "finanziano (data/payers.csv).",
        REFERENCE,
        "payer",
        c("column", "payer_column"),
        c("label", "payer_label"),
        "funding_columns",
        c("funding_sources", "funding_sources_text"),
        c("note", description="Perché il pagatore paga e con quali righe delle linee guida."),
        key=("payer",),
    ),
    "payer_funding": table(
        "Per scenario e pagatore: il costo a carico accanto a quanto il budget assegna alle sue "
        "fonti di finanziamento (voci collegate e piano intero).",
        DERIVED,
        "scenario",
        "payer",
        c("label", "payer_label"),
        c("funding_sources", "funding_sources_text"),
        c("cost_eur", "payer_cost_eur"),
        "linked_allocation_eur",
        "plan_allocation_eur",
        c("gap_eur", "allocation_gap_eur"),
        key=("scenario", "payer"),
    ),
    "scenarios": table(
        "Lo scenario base e ogni scenario costato, con etichetta e file.",
        DERIVED,
        "scenario",
        c("label", "scenario_label"),
        c("source", "scenario_source"),
        key=("scenario",),
    ),
    **{
        f"scenario_delta_{name}": table(
            f"Scenario contro scenario base, per {word}.",
            DERIVED,
            c(name, field_key),
            "scenario",
            "baseline_eur",
            "scenario_eur",
            "delta_eur",
            "delta_pct",
            key=(name, "scenario"),
        )
        for name, field_key, word in (
            ("service", "service", "servizio"),
            ("payer", "payer", "pagatore"),
            ("comune", "comune", "comune"),
            ("month", "month", "mese"),
        )
    },
    "montecarlo_quantiles": table(
        "Monte Carlo: P10/P50/P90 del costo annuo per servizio e pagatore.",
        DERIVED,
        c("service", "mc_service"),
        "payer",
        c("baseline_eur", "mc_baseline_eur"),
        "p10_eur",
        "p50_eur",
        "p90_eur",
        key=("service", "payer"),
    ),
    "montecarlo_path": table(
        "Monte Carlo: spesa cumulata per mese e soglia di allerta.",
        DERIVED,
        "month",
        "baseline_cum_eur",
        "p10_eur",
        "p50_eur",
        "p90_eur",
        "alert_threshold_eur",
        key=("month",),
    ),
    "montecarlo_summary": table(
        "Monte Carlo: parametri, quantili del totale, probabilità di superare l'impegno.",
        DERIVED,
        "draws",
        "seed",
        "beta_a",
        "beta_b",
        "common_concentration",
        "uptake_mean",
        "commitment_eur",
        "commitment_given",
        "commitment_source",
        "p10_eur",
        "p50_eur",
        "p90_eur",
        "prob_exceed",
        "alert_share",
        "alert_month",
    ),
    "sensitivity": table(
        "Sensibilità (tornado): effetto di ogni parametro sul costo annuo.",
        DERIVED,
        "parameter",
        c("label", "sensitivity_label"),
        "low_label",
        "high_label",
        c("baseline_eur", "mc_baseline_eur"),
        "low_eur",
        "high_eur",
        "delta_low_eur",
        "delta_high_eur",
        "comune_delta_low_eur",
        "comune_delta_high_eur",
        key=("parameter",),
    ),
    "budget_link": table(
        "Voci di budget collegate ai servizi del tariffario: importo ripreziato ed effetto di ogni scenario.",
        DERIVED,
        "objective_id",
        "budget_item_label",
        c("column", "link_column"),
        "source_line",
        c("service", "link_services"),
        "item_code",
        "plan_amount",
        "price_index",
        "amount_at_tariffs",
        "scenario",
        "caseload_gross_eur",
        "scenario_factor",
        "effect_eur",
        key=("source_line", "scenario"),
    ),
}

DRAFT_TABLES = {
    "draft_objectives": table(
        "Piano modificabile, foglio Obiettivi: numero, titolo e colonne della scheda.",
        INPUT,
        "objective_id",
        "objective",
        "sheet_columns",
        key=("objective_id",),
        published=False,
    ),
    "draft_lines": table(
        "Piano modificabile, foglio Voci di budget (le colonne delle fonti seguono il PO).",
        INPUT,
        "objective_id",
        *LINE_PLACE,
        *PLAN_PO,
        c("note", "draft_note"),
        "origin_line",
        published=False,
    ),
    "draft_revenue": table(
        "Piano modificabile, foglio Entrate: voci con gruppo (subtotale) e fonte alimentata.",
        INPUT,
        "group",
        "label",
        NONNEGATIVE_AMOUNT,
        c("source", "revenue_source"),
        published=False,
    ),
    "draft_multiyear": table(
        "Piano modificabile, foglio Pluriennale: per obiettivo e anno successivo, regola e valore.",
        INPUT,
        "objective_id",
        "year",
        "rule",
        "rule_value",
        key=("objective_id", "year"),
        published=False,
    ),
    "draft_comparison": table(
        "Piano modificabile, foglio Confronto: preconsuntivo e motivazione per obiettivo.",
        INPUT,
        "objective_id",
        c("preconsuntivo", nullable=True),
        c("note", description="Motivazione della variazione (stampata nel confronto)."),
        "provenance",
        key=("objective_id",),
        published=False,
    ),
    "draft_kpis": table(
        "Piano modificabile, foglio Indicatori: traguardo scomposto e testo originale.",
        INPUT,
        "kpi_table",
        *KPI_IDENTITY,
        "kpi_operator",
        "kpi_value",
        "kpi_unit",
        "kpi_deadline",
        "target",
        published=False,
    ),
    "plan_changes": table(
        "Cosa cambia tra due piani: voci, obiettivi, azioni, fonti, entrate, pluriennale, totali.",
        DERIVED,
        "change_level",
        "change_kind",
        c("objective_id", "finding_objective_id"),
        "action",
        c("item", "change_item"),
        "change_column",
        "amount_a",
        "amount_b",
        "change_delta",
        "line_a",
        "line_b",
        "message",
        published=False,
    ),
}

PAYER_SHARES = c(r"(?!(net|vat|gross)_eur$)(?!previous_)\w+_eur", "payer_eur", regex=True)
PREVIOUS_SHARES = c(r"previous_(?!gross_eur$)\w+_eur", "previous_payer_eur", regex=True)
"""The payers' columns (``comune_eur``, ``district_eur``, … as in ``costs_monthly``), also for the
year before: read generically, so that a new payer of the cost engine appears by itself."""

FORECAST_TABLES = {
    "caseload_info": table(
        "La casistica costata: file, come gli output la nominano, se è sintetica, dimensioni.",
        DERIVED,
        "caseload_file",
        "caseload_label",
        "synthetic",
        c("plans", "plan_count"),
        c("beneficiaries", "beneficiary_count"),
        c("comuni", "comune_count"),
    ),
    "forecast_lines": table(
        "Previsione di spesa: una riga per comune, beneficiario e voce, con le quote dei pagatori "
        "e, dove coperto, l'anno precedente.",
        DERIVED,
        "comune",
        "beneficiary_id",
        "service",
        c("item", "tariff_item"),
        c("unit", "unit_word"),
        "qty_per_week",
        "plan_end",
        c("months", "active_months"),
        c("quantity", "period_quantity"),
        "gross_eur",
        PAYER_SHARES,
        "previous_gross_eur",
        PREVIOUS_SHARES,
        key=("comune", "beneficiary_id", "item"),
        ordered=False,
    ),
    "forecast_district": table(
        "Previsione di spesa del distretto: comune × servizio, con le quote dei pagatori.",
        DERIVED,
        "comune",
        "service",
        c("beneficiaries", "beneficiary_count"),
        "gross_eur",
        PAYER_SHARES,
        "previous_gross_eur",
        PREVIOUS_SHARES,
        key=("comune", "service"),
        ordered=False,
    ),
}

MONTHLY_KEY = ("provider", "comune", "beneficiary_id", "item", "month")

MONITORING_TABLES = {
    "activity": table(
        "Esportazione delle prestazioni del mese (Gecas): una riga per prestazione o frequenza.",
        INPUT,
        c("date", "visit_date"),
        "beneficiary_id",
        "comune",
        "provider",
        c("item", "tariff_item"),
        c("minutes", "direct_minutes"),
        c("operators", optional=True),
        c("activity_code", optional=True),
        published=False,
    ),
    "invoices": table(
        "Fatture degli enti: per mese e beneficiario (o per ente e mese senza beneficiario).",
        INPUT,
        "provider",
        "month",
        c("beneficiary_id", "invoice_beneficiary", optional=True),
        c("net_eur", "invoice_net_eur"),
        c("vat_eur", "invoice_vat_eur"),
        c("total_eur", "invoice_total_eur"),
        published=False,
    ),
    "commitments": table(
        "Impegni di spesa dei Comuni: per beneficiario o per servizio, importo, periodo, atto.",
        INPUT,
        "comune",
        c("beneficiary_id", "invoice_beneficiary", optional=True),
        c("service", "commitment_service", optional=True),
        c("amount_eur", "commitment_eur"),
        c("start", "commitment_start"),
        c("end", "commitment_end"),
        c("act", optional=True),
        published=False,
    ),
    "billable_visits": table(
        "Ogni prestazione con i minuti fatturabili, la voce fatturata e la regola che ha deciso.",
        DERIVED,
        "provider",
        c("date", "visit_date"),
        "month",
        "beneficiary_id",
        "comune",
        c("planned_item", "planned_item"),
        "activity_code",
        c("minutes", "direct_minutes"),
        "operators",
        "holiday",
        c("item", "tariff_item"),
        "billable_minutes",
        c("quantity", "billable_quantity"),
        c("rule", "billing_rule"),
        "rule_note",
        "rule_lines",
        c("line", "export_line"),
    ),
    "billable_monthly": table(
        "Fatturabile per ente, comune, beneficiario, voce e mese, con le quote dei pagatori "
        "(come costs_monthly).",
        DERIVED,
        "provider",
        "comune",
        "beneficiary_id",
        *MONTH_AMOUNTS,
        key=MONTHLY_KEY,
        rules=(PAYERS_SUM_TO_GROSS,),
    ),
    "invoice_check": table(
        "Fatture contro ore validate: per beneficiario (o per ente e mese), differenza e motivo.",
        DERIVED,
        "provider",
        "month",
        c("beneficiary_id", "invoice_beneficiary"),
        c("scope", "invoice_scope"),
        c("invoiced", "invoiced_eur"),
        c("billable", "billable_eur"),
        c("delta", "invoice_delta_eur"),
        c("reason", "invoice_reason"),
        "message",
    ),
    "commitment_status": table(
        "Impegni: speso fino al mese, previsto dai piani aperti, mesi dell'80% e del 100%.",
        DERIVED,
        "commitment_id",
        "comune",
        c("scope", "commitment_scope"),
        c("amount_eur", "commitment_eur"),
        "through_month",
        "spent_eur",
        "forecast_eur",
        "used_share",
        "alert_month",
        "full_month",
        c("state", "commitment_state"),
        key=("commitment_id",),
    ),
    "commitment_alerts": table(
        "Avvisi per Comune: soglia dell'80%, impegno superato, fatture oltre l'impegno.",
        DERIVED,
        "comune",
        "commitment_id",
        "severity",
        "message",
    ),
}

TABLES: dict[str, Table] = {
    **PLAN_TABLES,
    **VIEW_TABLES,
    **MAP_TABLES,
    **TARIFF_TABLES,
    **COST_TABLES,
    **DRAFT_TABLES,
    **FORECAST_TABLES,
    **MONITORING_TABLES,
}
