"""Every field (column name) used in a published or validated table, declared once.

A field has a type, optional value rules, an Italian label (the column header of the workbook, the
HTML tables and the notebooks' tables) and an Italian description (``datapackage.json``). Labels
may name the plan's years through placeholders filled from the plan's own ``plan_info`` table:
``{anno}`` (budget year), ``{anno_prec}`` (the year before). Tables (:mod:`.tables`) list their
fields; a table may narrow a field (``Override``) where its meaning is stricter there.

Column names are year-neutral (``po_current``, not ``po_2020``): the years are data, read from
the document being parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from cscplan.metadata.rules import MONTH, Rule, between, finite, ge, matches, non_empty, one_of
from cscplan.vocabulary import PAYERS, PLAN_TABLES, SEVERITIES

STRING, INTEGER, NULLABLE_INTEGER = "string", "integer", "nullable_integer"
NUMBER, BOOLEAN, DATETIME = "number", "boolean", "datetime"
KINDS = (STRING, INTEGER, NULLABLE_INTEGER, NUMBER, BOOLEAN, DATETIME)


@dataclass(frozen=True)
class Field:
    """One column's contract: type, rules, Italian label and description, unit."""

    kind: str
    label: str
    description: str
    checks: tuple[Rule, ...] = ()
    nullable: bool = False
    unit: str | None = None


def text(label: str, description: str, *checks: Rule) -> Field:
    return Field(STRING, label, description, checks)


def required_text(label: str, description: str) -> Field:
    return Field(STRING, label, description, (non_empty(),))


def integer(label: str, description: str, *checks: Rule) -> Field:
    return Field(INTEGER, label, description, checks)


def count(label: str, description: str) -> Field:
    return Field(INTEGER, label, description, (ge(0),))


def number(label: str, description: str, *checks: Rule, nullable: bool = False) -> Field:
    return Field(NUMBER, label, description, (finite(), *checks), nullable)


def euro(label: str, description: str, *checks: Rule, nullable: bool = False) -> Field:
    return Field(NUMBER, label, description, (finite(), *checks), nullable, unit="EUR")


def flag(label: str, description: str) -> Field:
    return Field(BOOLEAN, label, description)


LINE = Field(INTEGER, "Riga", "Riga (1-based) del documento sorgente in data/raw/.", (ge(1),))
ROUNDED = " (euro, arrotondato al centesimo per riga)"
SHARE = between(0.0, 1.0)
FOUR_DIGIT_YEAR = between(1900, 2100)
PLAN_KINDS = ("plan", "source")
REVENUE_ROW_KINDS = ("line", "subtotal", "total")
STAFF_BREAKDOWNS = ("persone", "contratto", "orario")
LINE_OR_TOTAL = ("line", "total")
KPI_KINDS = ("monitoraggio", "obiettivo triennale")
MAP_TABLES = ("output", "utenti")
MAP_FORMS = ("diretta", "esternalizzata", "mista", "")
MAP_ROW_KINDS = ("segmento", "totale")
MAP_CELL_KINDS = (
    "numero",
    "numero_annotato",
    "numero_in_testo",
    "numero_in_lettere",
    "somma",
    "testo",
)
TARGET_OPERATORS = ("≥", "≤", "=", "")
TARGET_UNITS = ("%", "ore", "gg", "")
TARGET_PERIODS = ("", "anno", "settimana")
MAP_UNITS = ("", "%", "€")
TARIFF_UNITS = ("hour", "day", "week", "month", "package")
VAT_KINDS = ("added", "included", "none")
RATE_BASES = ("datata", "continuazione", "indicizzazione")
CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"
GROWTH_LEVELS = ("indicatore", "servizio")

PLAN_FIELDS = {
    "plan_title": required_text(
        "Piano", "Titolo del piano, dai suoi anni (es. 'Piano Programma 2020–2022')."
    ),
    "budget_year": integer(
        "Anno di budget",
        "Anno del budget annuale del piano (colonna PO dell'anno).",
        FOUR_DIGIT_YEAR,
    ),
    "previous_year": integer(
        "Anno precedente", "Anno del PO precedente e del preconsuntivo.", FOUR_DIGIT_YEAR
    ),
    "first_year": integer("Primo anno", "Primo anno del budget pluriennale.", FOUR_DIGIT_YEAR),
    "last_year": integer("Ultimo anno", "Ultimo anno del budget pluriennale.", FOUR_DIGIT_YEAR),
    "po_previous_column": required_text(
        "Colonna PO precedente",
        "Intestazione della colonna del PO dell'anno precedente (es. 'PO 2019').",
    ),
    "po_current_column": required_text(
        "Colonna PO dell'anno",
        "Intestazione della colonna del PO dell'anno di budget (es. 'PO 2020').",
    ),
    "objective_id": integer("Obiettivo", "Numero dell'obiettivo di budget.", ge(1)),
    "objective": required_text(
        "Titolo dell'obiettivo", "Titolo dell'obiettivo come scritto nel documento."
    ),
    "part": integer("Parte", "Parte della scheda (1, 2, …) per obiettivi su più tabelle.", ge(1)),
    "line_id": text(
        "Voce (id)",
        "Identificativo stabile della voce: obiettivo-parte-progressivo.",
        matches(r"^\d{2}-\d+-\d{3}$", "un identificativo OO-P-NNN"),
    ),
    "action": text("Azione", "Intestazione 'Azione …' sotto cui sta la voce."),
    "item": required_text("Voce", "Voce di costo (etichetta della riga)."),
    "detail": text("Dettaglio", "Dettaglio/descrizione della voce, '' se assente."),
    "column": required_text(
        "Colonna", "Intestazione della colonna come nel testo (es. 'PO 2020', 'FNPS 2020')."
    ),
    "kind": text(
        "Tipo di colonna",
        "'plan' per le colonne PO, 'source' per le fonti di finanziamento.",
        one_of(PLAN_KINDS),
    ),
    "amount": euro("Importo (€)", "Importo in euro, non arrotondato."),
    "masked": flag("Oscurata", "Cella '#####' nel testo: importo illeggibile."),
    "imputed": flag(
        "Ricostruita", "Importo ricostruito dalla validazione (sempre falso dal parser)."
    ),
    "source_line": LINE,
    "table": text(
        "Tabella",
        "Tabella del Piano Programma: scheda, confronto, pluriennale, entrate.",
        one_of(PLAN_TABLES),
    ),
    "group": text("Gruppo", "Gruppo (per le entrate: l'etichetta del subtotale che lo chiude)."),
    "label": required_text("Voce di entrata", "Voce di entrata come scritta."),
    "row_kind": text("Tipo di riga", "line, subtotal o total.", one_of(REVENUE_ROW_KINDS)),
    "preconsuntivo": euro(
        "Preconsuntivo {anno_prec} (€)", "Pre-consuntivo dell'anno precedente in euro.", ge(0)
    ),
    "budget": euro("Budget {anno} (€)", "Preventivo dell'anno di budget in euro.", ge(0)),
    "variation": euro(
        "Variazione (€)", "Variazione dichiarata (budget − preconsuntivo), può essere negativa."
    ),
    "note": text("Nota", "Nota o motivazione, '' se assente."),
    "year": integer("Anno", "Anno.", FOUR_DIGIT_YEAR),
    "profile": required_text(
        "Profilo professionale", "Profilo professionale ('Totale' per la riga di totale)."
    ),
    "breakdown": text(
        "Ripartizione",
        "persone (N° persone), contratto (tipo di rapporto) o orario (tempo pieno/part-time).",
        one_of(STAFF_BREAKDOWNS),
    ),
    "category": required_text(
        "Categoria", "Intestazione della colonna (es. 'Tempo indeterminato')."
    ),
    "staff_row_kind": text("Tipo di riga", "line o total (riga di totale).", one_of(LINE_OR_TOTAL)),
    "count": count("Persone", "Numero di persone."),
    "area": required_text("Area", "Ambito o area."),
    "units": count("Unità", "Unità da assumere."),
    "coverage": text("Copertura", "Modalità di copertura."),
    "strategic_code": text(
        "Codice",
        "Codice dell'obiettivo strategico (es. 1.1).",
        matches(r"^\d+\.\d+$", "un codice come 1.1"),
    ),
    "title": required_text("Titolo", "Titolo."),
    "description": text("Descrizione", "Descrizione."),
    "section": required_text("Sezione", "Titolo della tabella indicatori."),
    "kpi_kind": text(
        "Tipo", "'monitoraggio' (indicatori annuali) o 'obiettivo triennale'.", one_of(KPI_KINDS)
    ),
    "strumento": text("Strumento", "Strumento (celle unite ripetute sotto)."),
    "indicatore": required_text("Indicatore", "Indicatore come scritto."),
    "target": text("Valore atteso", "Valore atteso / traguardo, '' se assente."),
    "deadline": text("Scadenza", "Scadenza estratta dal traguardo (es. '31 dicembre 2020'), o ''."),
    "target_operator": text(
        "Operatore",
        "Traguardo: '≥' (almeno), '≤' (al massimo, entro N giorni), '=' (valore), '' (solo una scadenza o nessun traguardo).",
        one_of(TARGET_OPERATORS),
    ),
    "target_value": number(
        "Valore", "Valore del traguardo (anche se scritto in lettere).", nullable=True
    ),
    "target_unit": text(
        "Unità",
        "Unità del valore: '%', 'ore', 'gg' (giorni) o '' (un numero).",
        one_of(TARGET_UNITS),
    ),
    "target_period": text(
        "Periodo",
        "Periodo a cui si riferisce il valore ('anno', 'settimana') o ''.",
        one_of(TARGET_PERIODS),
    ),
    "deadline_date": text(
        "Data di scadenza",
        "Scadenza come data AAAA-MM-GG, o ''.",
        matches(r"^(\d{4}-\d{2}-\d{2})?$", "una data AAAA-MM-GG o niente"),
    ),
    "misplaced_indicator": flag(
        "Indicatore fuori colonna",
        "Vero se l'indicatore è scritto nella colonna Strumento del documento.",
    ),
    "section_line": Field(
        INTEGER, "Riga del titolo", "Riga del titolo della tabella indicatori.", (ge(1),)
    ),
    "header_line": Field(
        INTEGER,
        "Riga dell'intestazione",
        "Riga dell'intestazione Strumento / Indicatore / anni.",
        (ge(1),),
    ),
    "header_years": text(
        "Anni dell'intestazione", "Anni dell'intestazione della tabella (es. '2020–2022'), o ''."
    ),
}

VIEW_FIELDS = {
    "source": required_text("Fonte", "Fonte di finanziamento (nome canonico, mappa delle fonti)."),
    "funding_group": text(
        "Gruppo di fonti", "Gruppo della fonte (comunali, fondi nazionali, ...)."
    ),
    "columns": text("Colonne", "Colonne delle schede che alimentano la fonte."),
    "revenue_labels": text(
        "Voci di entrata", "Voci dei Canali di finanziamento che alimentano la fonte (' | ')."
    ),
    "allocated": euro("Assegnato (€)", "Assegnato dalle righe di budget dell'anno (euro)."),
    "available": euro(
        "Disponibile (€)", "Disponibile secondo i Canali di finanziamento dell'anno (euro)."
    ),
    "difference": euro("Differenza (€)", "Disponibile − assegnato (euro)."),
    "status": text("Stato", "mappata, colonna non mappata, entrata non mappata."),
    "po_previous": euro("PO {anno_prec} (€)", "PO dell'anno precedente (euro).", nullable=True),
    "po_current": euro(
        "PO {anno} (€)", "PO dell'anno di budget (euro, celle ##### ricostruite).", nullable=True
    ),
    "has_imputed": flag(
        "Con importi ricostruiti", "Vero se la voce contiene un importo ricostruito."
    ),
    "po_previous_stated": euro(
        "PO {anno_prec} dichiarato (€)",
        "PO dell'anno precedente dichiarato nella riga TOTALE OBIETTIVO (euro).",
        nullable=True,
    ),
    "po_previous_computed": euro(
        "PO {anno_prec} calcolato (€)", "PO dell'anno precedente ricalcolato dalle righe (euro)."
    ),
    "po_current_stated": euro(
        "PO {anno} dichiarato (€)",
        "PO dell'anno dichiarato nella riga TOTALE OBIETTIVO (euro).",
        nullable=True,
    ),
    "po_current_computed": euro(
        "PO {anno} calcolato (€)",
        "PO dell'anno ricalcolato dalle righe, celle ##### ricostruite (euro).",
    ),
    "group_funding": euro(
        "Fonti del gruppo (€)",
        "Finanziamento dell'anno dal gruppo di fonti nominato nell'intestazione (euro).",
    ),
    "view_objective": required_text(
        "Obiettivo", "Obiettivo, o riga di totale (calcolato, dichiarato, differenza)."
    ),
    "view_objective_id": Field(
        NULLABLE_INTEGER,
        "N.",
        "Numero dell'obiettivo; vuoto per le righe di totale.",
        (ge(1),),
        nullable=True,
    ),
    "year_amount": euro(
        "{colonna} (€)", "Budget dell'anno nominato nell'intestazione (euro).", nullable=True
    ),
    "budget_stated": euro(
        "Budget {anno} dichiarato (€)", "Budget dell'anno dichiarato nel confronto (euro)."
    ),
    "budget_computed": euro(
        "Budget {anno} calcolato (€)", "Budget dell'anno ricalcolato dalle righe (euro)."
    ),
    "budget_gap": euro("Differenza (€)", "Dichiarato − calcolato (euro)."),
    "variation_stated": euro("Variazione dichiarata (€)", "Variazione dichiarata (euro)."),
    "variation_computed": euro(
        "Variazione calcolata (€)", "Budget calcolato − preconsuntivo (euro)."
    ),
    "funding_note": text("Motivazione", "Motivazione dell'abbinamento colonna → fonte."),
}

FINDING_FIELDS = {
    "check": required_text("Controllo", "Nome del controllo del catalogo (es. column_totals)."),
    "severity": text("Gravità", "Gravità: error, warning, info.", one_of(SEVERITIES)),
    "finding_table": text(
        "Tabella", "Tabella verificata (scheda, confronto, pluriennale, entrate, mappe, ...)."
    ),
    "finding_objective_id": Field(
        NULLABLE_INTEGER,
        "Obiettivo",
        "Obiettivo, vuoto se non pertinente.",
        (ge(1),),
        nullable=True,
    ),
    "finding_column": Field(STRING, "Colonna", "Colonna dell'importo verificato.", nullable=True),
    "finding_source_line": Field(
        NULLABLE_INTEGER,
        "Riga",
        "Riga del documento sorgente in data/raw/.",
        (ge(1),),
        nullable=True,
    ),
    "stated": euro("Dichiarato", "Importo dichiarato nel documento.", nullable=True),
    "computed": euro("Calcolato", "Importo ricalcolato dalle righe.", nullable=True),
    "delta": euro("Differenza", "Dichiarato − calcolato.", nullable=True),
    "message": required_text("Messaggio", "Spiegazione in italiano."),
}

MAP_FIELDS = {
    "service_no": integer(
        "N. servizio", "Numero del servizio nell'indice delle mappe di Cremona.", ge(1)
    ),
    "service_name": required_text("Servizio", "Nome del servizio dall'indice."),
    "map_title": required_text("Titolo della mappa", "Nome come scritto nell'intestazione."),
    "map_area": text("Area", "Gruppo di servizi dell'indice (es. Servizi sociali)."),
    "responsible": text("Responsabile", "Responsabile indicato nella mappa."),
    "core_elements": text("Elementi centrali", "Elementi centrali, separati da ' | '."),
    "accessory_elements": text("Elementi accessori", "Elementi accessori, separati da ' | '."),
    "management_form": text(
        "Forma gestionale", "La voce segnata; più voci segnate → 'mista'.", one_of(MAP_FORMS)
    ),
    "management_marked": text(
        "Voci segnate", "Voci segnate (X o testo), separate da ';', nell'ordine della mappa."
    ),
    "management_note": text(
        "Nota gestionale", "Testo scritto al posto (o accanto) della X, per voce."
    ),
    "staff": text("Risorse umane", "Risorse umane coinvolte, testo come scritto."),
    "structures": text("Strutture", "Strutture erogative, separate da ' | '."),
    "map_table": text(
        "Tabella", "'output' (Output del Servizio) o 'utenti' (Utenti seguiti).", one_of(MAP_TABLES)
    ),
    "block": integer(
        "Blocco", "Numero della tabella dello stesso tipo nella mappa (alcune ne hanno più).", ge(1)
    ),
    "indicator": required_text("Indicatore", "Voce della tabella, come scritta."),
    "map_row_kind": text(
        "Tipo di riga", "'totale' per le righe Totale/TOT.", one_of(MAP_ROW_KINDS)
    ),
    "is_total": flag(
        "Riga di totale",
        "Vero per le righe di totale: quelle etichettate Totale/TOT e l'ultima riga di una tabella che in ogni anno è la somma delle righe sopra (pubblicata come segmento). Da escludere quando si sommano i segmenti.",
    ),
    "map_group": text(
        "Gruppo",
        "Intestazione del gruppo a cui appartiene la riga (una riga senza valori in testa alla tabella, es. 'Utenti complessivi Dirigenti'), o ''.",
    ),
    "group_line": Field(
        NULLABLE_INTEGER,
        "Riga del gruppo",
        "Riga dell'intestazione del gruppo.",
        (ge(1),),
        nullable=True,
    ),
    "map_year": integer("Anno", "Anno (situazione al 31/12).", FOUR_DIGIT_YEAR),
    "map_value": number(
        "Valore",
        "Valore numerico; vuoto se la cella contiene solo testo (nd, /, ...).",
        nullable=True,
    ),
    "cell_kind": text(
        "Tipo di cella",
        "'numero', 'numero_annotato' (numero seguito da testo), 'numero_in_testo' (numero dopo "
        "un'etichetta e i due punti, es. 'gg ritardo: -12,60'), 'numero_in_lettere' ('Zero causa "
        "covid'), 'somma' ('10 + 6 …', il valore è la somma) o 'testo'.",
        one_of(MAP_CELL_KINDS),
    ),
    "map_unit": text("Unità", "'%' o '€' se scritti nella cella.", one_of(MAP_UNITS)),
    "raw": required_text("Cella", "Cella come scritta nel testo."),
    "cremona_service": text("Servizio di Cremona", "Servizio/i di Cremona."),
    "csc_service": required_text(
        "Servizio CSC", "Servizio tariffario CSC (SAAP, SAD, SADH, CDD, ...)."
    ),
    "csc_items": text("Voci CSC", "Voci tariffarie CSC interessate, separate da ';'."),
    "growth_level": text(
        "Livello",
        "'indicatore' (riga mappata) o 'servizio' (somma per servizio CSC).",
        one_of(GROWTH_LEVELS),
    ),
    "growth_service_no": integer(
        "N. servizio", "Servizio di Cremona (0 per le righe di servizio).", ge(0)
    ),
    "growth_table": text("Tabella", "'output' o 'utenti' (vuoto per le righe di servizio)."),
    "growth_indicator": text("Indicatore", "Voce di Cremona o '(totale servizio)'."),
    "value_year": number(
        "Valore {colonna}", "Valore al 31/12 dell'anno nell'intestazione.", nullable=True
    ),
    "yoy_year": number(
        "Crescita {colonna}", "Crescita sull'anno precedente (0,05 = +5%).", nullable=True
    ),
    "ratio_years": number(
        "Rapporto {colonna}", "Rapporto tra l'ultimo e il primo anno delle mappe.", nullable=True
    ),
    "cagr_years": number(
        "CAGR {colonna}",
        "Crescita media annua composta tra il primo e l'ultimo anno.",
        nullable=True,
    ),
    "growth_factor": number(
        "Fattore di crescita",
        "Moltiplicatore di un anno: (ultimo/primo)^(1/anni) = 1 + CAGR.",
        nullable=True,
    ),
    "n_indicators": integer("Indicatori", "Indicatori sommati.", ge(1)),
    "source_lines": text("Righe", "Righe del testo di Cremona, separate da ';'."),
}

TARIFF_FIELDS = {
    "tariff_code": text(
        "Codice voce",
        "Codice della voce (MAIUSCOLO_CON_TRATTINI_BASSI), es. SAAP_D1.",
        matches(CODE_PATTERN, "un codice MAIUSCOLO_CON_TRATTINI_BASSI"),
    ),
    "service": required_text("Servizio", "Servizio del tariffario (SAD, SAAP, CSE, ...)."),
    "tariff_label": required_text("Descrizione", "Descrizione della voce in italiano."),
    "unit": text("Unità", "Unità: hour, day, week, month, package.", one_of(TARIFF_UNITS)),
    "vat": text(
        "IVA",
        "IVA: added (+ iva), included (iva inclusa), none (contributo/retta).",
        one_of(VAT_KINDS),
    ),
    "district_share": number(
        "Quota distretto",
        "Quota di ogni euro pagata dal fondo distrettuale (FUD) per default.",
        SHARE,
    ),
    "abatement": flag("Abbattimento", "Ammessa all'abbattimento distrettuale del 50%."),
    "abatement_capped": flag(
        "Abbattimento con tetto",
        "L'abbattimento ha il tetto mensile (affidi, riga 1525); falso per CDM.",
    ),
    "uplift_allowed": flag(
        "Maggiorazione ammessa", "Ammesso l'incremento +20% (minori disabili o sotto i due anni)."
    ),
    "qty_required": flag(
        "Quantità richiesta", "Il caseload deve indicare qty_per_week (unità ora/giorno)."
    ),
    "min_weeks": Field(
        NULLABLE_INTEGER, "Settimane minime", "Durata minima in settimane.", (ge(1),), nullable=True
    ),
    "max_weeks": Field(
        NULLABLE_INTEGER,
        "Settimane massime",
        "Durata massima in settimane.",
        (ge(1),),
        nullable=True,
    ),
    "group_pricing": flag(
        "Tariffa di gruppo", "Tariffa per componente secondo la dimensione del gruppo."
    ),
    "item_payer": text(
        "Paga il resto",
        "Pagatore di quanto le quote degli altri pagatori non coprono (default il comune).",
        one_of(PAYERS),
    ),
    "second_comune_allowed": flag(
        "Secondo comune ammesso",
        "Un secondo Comune può compartecipare (ADM riga 304, SIP riga 489).",
    ),
    "placed_minor_allowed": flag(
        "Minore collocato ammesso",
        "Per i minori collocati paga il fondo distrettuale una quota (SIP, righe 1407 e 1527).",
    ),
    "continues_as": text(
        "Prosegue come",
        "Voce alla cui tariffa il piano prosegue dopo i mesi indicati (affido in pronto "
        "intervento → tempo pieno, riga 1511); vuoto se nessuna.",
    ),
    "continues_after_months": Field(
        NULLABLE_INTEGER,
        "Dopo mesi",
        "Mesi dall'inizio del piano dopo i quali vale la tariffa di 'Prosegue come'.",
        (ge(1),),
        nullable=True,
    ),
    "closing_units": flag(
        "Unità al termine",
        "Unità addebitate una volta alla fine del piano (SAAP superiori: 3 ore di "
        "coordinamento al termine del progetto, riga 1432).",
    ),
    "operator_alternative": text(
        "Profilo alternativo",
        "Voce dello stesso servizio con l'altro profilo di operatore (mix operatori, riga 1430).",
    ),
    "rate_basis": text(
        "Base della tariffa",
        "datata (scritta nel documento), continuazione (in vigore per la validità del "
        "documento), indicizzazione (regola indicata da tariffario o scenario).",
        one_of(RATE_BASES),
    ),
    "basis_line": Field(
        NULLABLE_INTEGER,
        "Riga della base",
        "Riga che giustifica il periodo (continuazione: la validità del documento, riga 76); "
        "vuota per le tariffe datate.",
        (ge(1),),
        nullable=True,
    ),
    "basis_note": text("Nota sulla base", "Come la tariffa vale nel periodo (vuota se datata)."),
    "valid_from": Field(DATETIME, "Dal", "Primo giorno di validità."),
    "valid_to": Field(DATETIME, "Al", "Ultimo giorno di validità (incluso)."),
    "group_size": Field(
        NULLABLE_INTEGER,
        "Componenti del gruppo",
        "Componenti del gruppo (vuoto = qualunque o individuale).",
        (ge(1),),
        nullable=True,
    ),
    "rate": euro(
        "Tariffa (€)",
        "Tariffa per unità: netta d'IVA (added), IVA inclusa (included) o contributo.",
        ge(0),
    ),
    "district_rate": euro(
        "Quota distretto (€)",
        "Quota € per unità a carico del fondo distrettuale (FUD), se esplicita.",
        ge(0),
        nullable=True,
    ),
    "fud_contribution": euro(
        "Alimenta quota FUD (€)",
        "CDD: quota € per unità a carico del Comune che alimenta il FUD (colonna 'Alimenta quota FUD').",
        ge(0),
        nullable=True,
    ),
}

COST_FIELDS = {
    "beneficiary_id": required_text(
        "Beneficiario", "Identificativo del beneficiario (dalla casistica)."
    ),
    "comune": required_text("Comune", "Comune di residenza, che paga la quota comunale."),
    "tariff_item": required_text("Voce", "Codice della voce del tariffario."),
    "start": Field(DATETIME, "Inizio", "Inizio del piano (incluso)."),
    "end": Field(DATETIME, "Fine", "Fine del piano (inclusa)."),
    "qty_per_week": number(
        "Quantità settimanale",
        "Ore o giorni a settimana (vuoto per unità settimana/mese/pacchetto).",
        ge(0),
        nullable=True,
    ),
    "second_comune": text(
        "Secondo comune", "Secondo Comune che compartecipa (ADM/SIP), '' se nessuno."
    ),
    "uplift": flag("Maggiorazione", "Incremento +20% per l'affido."),
    "placed_minor": flag("Minore collocato", "SIP per minore collocato (50% distretto)."),
    "scenario": required_text("Scenario", "Scenario ('baseline' o il nome del file di scenario)."),
    "scenario_label": required_text("Scenario", "Etichetta italiana dello scenario."),
    "scenario_source": text("File", "File YAML dello scenario (vuoto per la baseline)."),
    "month": text("Mese", "Mese AAAA-MM.", MONTH),
    "quantity": number("Quantità", "Unità nel mese (ore, giorni, settimane, mesi, pacchetti)."),
    "net_eur": euro("Imponibile (€)", "Imponibile" + ROUNDED),
    "vat_eur": euro("IVA (€)", "IVA" + ROUNDED, ge(0)),
    "gross_eur": euro("Totale lordo (€)", "Totale lordo" + ROUNDED),
    "comune_eur": euro("Quota comune (€)", "Quota a carico del comune" + ROUNDED),
    "district_eur": euro("Quota distretto (€)", "Quota a carico del fondo distrettuale" + ROUNDED),
    "fna_eur": euro(
        "Quota FNA (€)", "Quota a carico del Fondo non autosufficienza (voucher FNA)" + ROUNDED
    ),
    "poverty_fund_eur": euro(
        "Quota fondo povertà (€)", "Quota a carico del fondo povertà (QSFP)" + ROUNDED
    ),
    "family_eur": euro(
        "Quota famiglia (€)",
        "Quota a carico della famiglia (es. franchigia dei centri estivi)" + ROUNDED,
    ),
    "payer": text(
        "Pagatore",
        "Pagatore: comune, distretto (FUD), fna, fondo_poverta, famiglia (data/payers.csv).",
        one_of(PAYERS),
    ),
    "payer_column": text("Colonna", "Colonna dell'importo del pagatore in costs_monthly."),
    "payer_label": required_text("Nome del pagatore", "Nome italiano del pagatore."),
    "funding_columns": text(
        "Colonne del piano",
        "Colonne delle schede del Piano Programma che finanziano il pagatore, separate da ' | ' "
        "(vuoto se il pagatore non passa dal bilancio, es. la famiglia).",
    ),
    "funding_sources_text": text(
        "Fonti di finanziamento",
        "Fonti canoniche (data/funding_sources.csv) delle colonne del pagatore, separate da ' | '.",
    ),
    "payer_cost_eur": euro(
        "Costo a carico (€)", "Costo della casistica a carico del pagatore nel periodo" + ROUNDED
    ),
    "linked_allocation_eur": euro(
        "Assegnato alle voci collegate (€)",
        "Quanto il budget assegna alle fonti del pagatore nelle voci collegate ai servizi "
        "tariffati (data/service_budget_link.csv), PO dell'anno (euro).",
    ),
    "plan_allocation_eur": euro(
        "Assegnato nel piano (€)",
        "Quanto il budget assegna alle fonti del pagatore in tutto il piano, PO dell'anno (euro).",
    ),
    "allocation_gap_eur": euro(
        "Costo − assegnato (€)",
        "Costo a carico del pagatore meno quanto assegnato alle voci collegate (euro).",
    ),
    "baseline_eur": euro("Scenario base (€)", "Importo nello scenario base" + ROUNDED),
    "scenario_eur": euro("Scenario (€)", "Importo nello scenario" + ROUNDED),
    "delta_eur": euro("Differenza (€)", "Scenario − scenario base" + ROUNDED),
    "delta_pct": number(
        "Differenza %", "Variazione relativa (vuota se lo scenario base è 0).", nullable=True
    ),
}

MONTE_CARLO_FIELDS = {
    "mc_service": required_text("Servizio", "Servizio (TOTALE per il totale)."),
    "mc_baseline_eur": euro("Fruizione piena (€)", "Costo annuo con fruizione piena (euro)."),
    "p10_eur": euro("P10 (€)", "10° percentile (euro)."),
    "p50_eur": euro("Mediana (€)", "Mediana (euro)."),
    "p90_eur": euro("P90 (€)", "90° percentile (euro)."),
    "baseline_cum_eur": euro(
        "Spesa cumulata piena (€)", "Spesa cumulata con fruizione piena (euro)."
    ),
    "alert_threshold_eur": euro(
        "Soglia di allerta (€)", "Soglia di allerta: quota di allerta × impegno (euro)."
    ),
    "draws": integer("Estrazioni", "Numero di estrazioni.", ge(1)),
    "seed": integer("Seme", "Seme del generatore.", ge(0)),
    "beta_a": number("Beta a", "Parametro a della Beta della fruizione.", ge(0)),
    "beta_b": number("Beta b", "Parametro b della Beta della fruizione.", ge(0)),
    "common_concentration": number(
        "Concentrazione comune",
        "Concentrazione della fruizione media distrettuale (vuota: piani indipendenti).",
        ge(0),
        nullable=True,
    ),
    "uptake_mean": number("Fruizione media", "Fruizione media attesa.", SHARE),
    "commitment_eur": euro("Impegno (€)", "Impegno di spesa (euro).", ge(0)),
    "commitment_given": flag("Impegno indicato", "Vero se l'impegno è stato indicato (--impegno)."),
    "commitment_source": text(
        "Origine dell'impegno",
        "Da dove viene l'impegno: impegno (--impegno), voci_collegate (importi del piano delle voci "
        "di budget collegate ai servizi), costo_pieno (costo a fruizione piena).",
        one_of(("impegno", "voci_collegate", "costo_pieno")),
    ),
    "prob_exceed": number(
        "Probabilità di superamento", "Probabilità di superare l'impegno.", SHARE
    ),
    "alert_share": number(
        "Quota di allerta", "Quota di allerta del monitoraggio trimestrale.", SHARE
    ),
    "alert_month": text(
        "Mese di allerta",
        "Mese in cui la spesa mediana raggiunge la soglia di allerta ('' se mai).",
    ),
    "parameter": required_text("Parametro", "Parametro variato."),
    "sensitivity_label": required_text("Variazione", "Descrizione italiana della variazione."),
    "low_label": required_text("Valore basso", "Il valore basso del parametro (es. −5%, sì)."),
    "high_label": required_text("Valore alto", "Il valore alto del parametro (es. +5%, no)."),
    "low_eur": euro("Costo al valore basso (€)", "Costo annuo al valore basso (euro)."),
    "high_eur": euro("Costo al valore alto (€)", "Costo annuo al valore alto (euro)."),
    "delta_low_eur": euro("Effetto basso (€)", "Effetto del valore basso (euro)."),
    "delta_high_eur": euro("Effetto alto (€)", "Effetto del valore alto (euro)."),
    "comune_delta_low_eur": euro(
        "Effetto basso sui comuni (€)", "Effetto del valore basso sui comuni (euro)."
    ),
    "comune_delta_high_eur": euro(
        "Effetto alto sui comuni (€)", "Effetto del valore alto sui comuni (euro)."
    ),
}

LINK_FIELDS = {
    "budget_item_label": required_text("Voce di budget", "Voce del Piano Programma collegata."),
    "link_column": required_text("Colonna", "Colonna dell'importo (il PO dell'anno)."),
    "link_services": required_text("Servizi", "Servizi del tariffario collegati (';')."),
    "item_code": required_text("Voci", "Codici voce collegati (';')."),
    "plan_amount": euro(
        "Importo del piano (€)", "Importo dichiarato della voce di budget nel piano (euro)."
    ),
    "price_index": number(
        "Indice di prezzo",
        "Indice di prezzo del tariffario sulle tariffe del primo giorno, per le voci collegate.",
    ),
    "amount_at_tariffs": euro(
        "Importo alle tariffe (€)", "Importo del piano ripreziato lungo il tariffario (euro)."
    ),
    "caseload_gross_eur": euro(
        "Costo della casistica (€)", "Costo della casistica per le voci collegate (euro)."
    ),
    "scenario_factor": number(
        "Fattore scenario", "Rapporto scenario / scenario base.", nullable=True
    ),
    "effect_eur": euro(
        "Effetto (€)",
        "Effetto dello scenario sulla voce di budget (euro); vuoto se la casistica non ha costi "
        "per le voci collegate (nessun fattore di scenario).",
        nullable=True,
    ),
}

DRAFT_RULES = ("importo", "= anno precedente", "+x %")
"""Multi-year rules of the editable plan: an amount, the previous year's figure, or a change in %."""
TARGET_OPERATORS = ("≥", "≤", "=", "")
CHANGE_KINDS = ("aggiunta", "rimossa", "modificata")
CHANGE_LEVELS = (
    "voce",
    "obiettivo",
    "azione",
    "fonte",
    "entrata",
    "pluriennale",
    "totale dichiarato",
)

DRAFT_FIELDS = {
    "sheet_columns": text(
        "Colonne della scheda",
        "Colonne di finanziamento mostrate nella scheda stampata dell'obiettivo, separate da ';' "
        "(anche se vuote); quelle usate dalle voci si aggiungono da sole.",
    ),
    "draft_note": text(
        "Nota",
        "Nota della voce (non stampata): proposta del motore dei costi con casistica e tariffe "
        "usate, celle ##### ricostruite.",
    ),
    "origin_line": Field(
        NULLABLE_INTEGER,
        "Riga d'origine",
        "Riga della voce nel documento da cui il piano è stato creato (collega la voce ai servizi "
        "di data/service_budget_link.csv); vuota per le voci nuove.",
        (ge(1),),
        nullable=True,
    ),
    "revenue_source": text(
        "Fonte",
        "Fonte di finanziamento (nome canonico) che la voce di entrata alimenta; '' se nessuna.",
    ),
    "rule": text(
        "Regola",
        "Come si ottiene l'importo dell'anno: 'importo' (il valore), '= anno precedente', "
        "'+x %' (anno precedente più il valore in %).",
        one_of(DRAFT_RULES),
    ),
    "rule_value": number(
        "Valore",
        "Importo in euro per 'importo', percentuale (es. 2,5 o -3) per '+x %', vuoto per "
        "'= anno precedente'.",
        nullable=True,
    ),
    "provenance": text(
        "Provenienza", "Da dove viene il dato (documento, proposta da sostituire, …); non stampata."
    ),
    "kpi_table": integer(
        "Tabella", "Numero della tabella indicatori (nell'ordine del piano).", ge(1)
    ),
    "kpi_operator": text(
        "Operatore",
        "Traguardo: '≥' (almeno), '≤' (al massimo), '=' (valore), '' (solo scadenza o nessuno).",
        one_of(TARGET_OPERATORS),
    ),
    "kpi_value": number("Valore del traguardo", "Valore numerico del traguardo.", nullable=True),
    "kpi_unit": text("Unità", "Unità del valore: '%', 'ore', 'gg' o '' (un numero)."),
    "kpi_deadline": text(
        "Scadenza (data)",
        "Scadenza del traguardo come data AAAA-MM-GG, o ''.",
        matches(r"^(\d{4}-\d{2}-\d{2})?$", "una data AAAA-MM-GG o vuoto"),
    ),
}

CHANGE_FIELDS = {
    "change_level": text(
        "Livello",
        "Dove sta la differenza: voce, obiettivo, azione, fonte, entrata, pluriennale, "
        "totale dichiarato.",
        one_of(CHANGE_LEVELS),
    ),
    "change_kind": text("Cambiamento", "aggiunta, rimossa o modificata.", one_of(CHANGE_KINDS)),
    "change_item": text("Voce", "Voce di budget o etichetta dell'entrata; '' per i riepiloghi."),
    "change_column": text("Colonna", "Colonna, fonte o anno dell'importo ('' se la voce intera)."),
    "amount_a": euro("Piano A (€)", "Importo nel primo piano (vuoto se assente).", nullable=True),
    "amount_b": euro("Piano B (€)", "Importo nel secondo piano (vuoto se assente).", nullable=True),
    "change_delta": euro("Differenza (€)", "Piano B − piano A (assente = 0).", nullable=False),
    "line_a": Field(
        NULLABLE_INTEGER, "Riga A", "Riga nel testo del primo piano.", (ge(1),), nullable=True
    ),
    "line_b": Field(
        NULLABLE_INTEGER, "Riga B", "Riga nel testo del secondo piano.", (ge(1),), nullable=True
    ),
}

LOCALISATION_FIELDS = {
    "solution_id": integer(
        "Soluzione",
        "Numero della soluzione (1, 2, … quando più soluzioni hanno lo stesso peso minimo).",
        ge(1),
    ),
    "cell": required_text("Cella", "Identificativo della cella: tabella/riga o obiettivo/colonna."),
    "corrected": euro(
        "Corretto (€)",
        "Importo con cui tutte le identità del documento tornano (euro); per una cella oscurata il valore che ne segue, vuoto se le identità non lo determinano.",
        nullable=True,
    ),
    "correction": euro("Correzione (€)", "Corretto − dichiarato (euro).", nullable=True),
    "weight": number(
        "Peso", "Peso della cella (data/localisation_weights.csv); 0 per le celle oscurate.", ge(0)
    ),
}

UNIT_WORDS = ("ore", "giorni", "settimane", "mesi", "pacchetti")
"""Italian names of the tariff units (hour, day, week, month, package), as a forecast shows them."""

FORECAST_FIELDS = {
    "caseload_file": required_text(
        "File della casistica", "Il file (o la cartella di file) della casistica, come indicato."
    ),
    "caseload_label": required_text(
        "Casistica",
        "Come ogni output nomina la casistica: «casistica di esempio (sintetica)» per il campione "
        "incluso e i suoi estratti in data/esempi, altrimenti il nome del file.",
    ),
    "synthetic": flag(
        "Sintetica", "Vero se la casistica è il campione sintetico incluso (o un suo estratto)."
    ),
    "plan_count": count("Piani", "Numero di piani (righe) della casistica."),
    "beneficiary_count": count("Beneficiari", "Numero di beneficiari distinti."),
    "comune_count": count("Comuni", "Numero di comuni di residenza distinti."),
    "unit_word": text(
        "Unità",
        "Unità della quantità: ore, giorni, settimane, mesi, pacchetti.",
        one_of(UNIT_WORDS),
    ),
    "plan_end": required_text(
        "Fine del piano",
        "'in corso' per un piano senza data di fine (progetto in continuità), altrimenti la data "
        "di fine GG/MM/AAAA (la più tarda, se i piani sono più d'uno).",
    ),
    "active_months": count("Mesi", "Mesi del periodo in cui il piano ha costi."),
    "period_quantity": number(
        "Quantità nel periodo",
        "Ore, giorni, settimane, mesi o pacchetti nel periodo della previsione.",
    ),
    "payer_eur": euro(
        "{colonna}",
        "Quota di un pagatore (una colonna *_eur dei costi diversa da imponibile, IVA e lordo: il "
        "comune, il fondo distrettuale, …)" + ROUNDED,
    ),
    "previous_gross_eur": euro(
        "Anno precedente: totale lordo (€)",
        "Lo stesso costo lordo nel periodo precedente (un anno prima), vuoto se la casistica o il "
        "tariffario non lo coprono" + ROUNDED,
        nullable=True,
    ),
    "previous_payer_eur": euro(
        "Anno precedente: {colonna}",
        "La stessa quota di pagatore nel periodo precedente, vuota se non coperto" + ROUNDED,
        nullable=True,
    ),
}

INVOICE_REASONS = (
    "",
    "ore non validate",
    "arrotondamento",
    "tariffa",
    "IVA",
    "beneficiario senza impegno",
    "non fatturato",
)
"""Why an invoice line differs from the billable amount (``invoice_check.reason``)."""
COMMITMENT_STATES = ("entro la soglia", "soglia 80% prevista", "soglia 80% raggiunta", "superato")

MONITORING_FIELDS = {
    "provider": required_text("Ente", "Ente accreditato (gestore) che eroga e fattura."),
    "visit_date": Field(DATETIME, "Data", "Giorno della prestazione o della frequenza."),
    "direct_minutes": number(
        "Minuti", "Minuti di attività diretta con l'utente (o di frequenza, nei centri).", ge(0)
    ),
    "operators": integer("Operatori", "Operatori presenti alla prestazione.", ge(1)),
    "activity_code": text("Codice attività", "Codice della prestazione in Gecas (es. ADM-13)."),
    "planned_item": required_text(
        "Prestazione", "Voce del tariffario indicata nell'esportazione (il piano)."
    ),
    "billable_minutes": number(
        "Minuti fatturabili",
        "Minuti fatturabili per operatore dopo le regole di fatturazione.",
        ge(0),
    ),
    "billing_rule": required_text(
        "Regola", "Regola di fatturazione che ha deciso (sad, diretta, frequenza, back_office, …)."
    ),
    "rule_note": required_text("Come", "Il calcolo della regola, in italiano."),
    "rule_lines": text("Righe", "Righe delle linee guida su cui la regola si fonda (';')."),
    "holiday": flag("Festivo", "Domenica o festività nazionale (non le feste patronali)."),
    "export_line": integer("Riga del file", "Riga del file d'origine (come in Excel).", ge(1)),
    "billable_quantity": number(
        "Quantità", "Unità fatturabili (ore × operatori, o giornate).", ge(0)
    ),
    "invoiced_eur": euro("Fatturato (€)", "Totale fatturato (imponibile + IVA)" + ROUNDED),
    "billable_eur": euro("Fatturabile (€)", "Totale fatturabile dalle ore validate" + ROUNDED),
    "invoice_delta_eur": euro("Differenza (€)", "Fatturato − fatturabile" + ROUNDED),
    "invoice_reason": text(
        "Motivo", "Perché la fattura differisce (vuoto se corrisponde).", one_of(INVOICE_REASONS)
    ),
    "invoice_scope": text(
        "Livello",
        "'beneficiario' o 'ente e mese' (fattura senza righe per beneficiario).",
        one_of(("beneficiario", "ente e mese")),
    ),
    "invoice_beneficiary": text(
        "Codice utente", "Beneficiario; vuoto per una riga riferita all'ente e al mese."
    ),
    "commitment_service": text(
        "Servizio", "Servizio del tariffario coperto dall'impegno (vuoto: un beneficiario)."
    ),
    "invoice_net_eur": euro("Imponibile fatturato (€)", "Imponibile della fattura (euro)."),
    "invoice_vat_eur": euro("IVA fatturata (€)", "IVA della fattura (euro)."),
    "invoice_total_eur": euro("Totale fatturato (€)", "Totale della fattura (euro)."),
    "commitment_id": required_text("Impegno", "Identificativo dell'impegno (atto o riga)."),
    "commitment_scope": required_text(
        "Oggetto", "Cosa copre l'impegno: un beneficiario o un servizio del Comune."
    ),
    "commitment_eur": euro("Impegno (€)", "Importo impegnato dal Comune (euro).", ge(0)),
    "commitment_start": Field(DATETIME, "Dal", "Primo giorno dell'impegno."),
    "commitment_end": Field(DATETIME, "Al", "Ultimo giorno dell'impegno."),
    "act": text("Atto", "Atto di impegno (determina, delibera)."),
    "spent_eur": euro("Speso (€)", "Quota del Comune delle ore validate fino al mese" + ROUNDED),
    "forecast_eur": euro(
        "Previsto (€)", "Quota del Comune prevista dai piani aperti nei mesi restanti" + ROUNDED
    ),
    "used_share": number("Utilizzo", "Speso / impegno (0–1 e oltre).", ge(0), nullable=True),
    "alert_month": text("Mese 80%", "Mese AAAA-MM in cui si raggiunge l'80% (speso o previsto)."),
    "full_month": text("Mese 100%", "Mese AAAA-MM in cui si raggiunge il 100% (speso o previsto)."),
    "commitment_state": text("Stato", "Stato dell'impegno.", one_of(COMMITMENT_STATES)),
    "through_month": text("Fino al mese", "Ultimo mese di ore validate considerato.", MONTH),
}

FIELDS: dict[str, Field] = {
    **LOCALISATION_FIELDS,
    **PLAN_FIELDS,
    **VIEW_FIELDS,
    **FINDING_FIELDS,
    **MAP_FIELDS,
    **TARIFF_FIELDS,
    **COST_FIELDS,
    **MONTE_CARLO_FIELDS,
    **LINK_FIELDS,
    **DRAFT_FIELDS,
    **CHANGE_FIELDS,
    **FORECAST_FIELDS,
    **MONITORING_FIELDS,
}
