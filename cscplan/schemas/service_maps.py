"""pandera schemas for the Cremona service-map tables (declared once, applied after parsing)."""

from __future__ import annotations

import pandera.pandas as pa

TABLES = ("output", "utenti")
FORMS = ("diretta", "esternalizzata", "mista", "")
ROW_KINDS = ("segmento", "totale")
CELL_KINDS = (
    "numero",
    "numero_annotato",
    "numero_in_testo",
    "numero_in_lettere",
    "somma",
    "testo",
)
UNITS = ("", "%", "€")
YEARS = (2018, 2019, 2020)

_LINE = pa.Check.ge(1)

SERVICE_MAPS = pa.DataFrameSchema(
    {
        "service_no": pa.Column(
            int, pa.Check.ge(1), unique=True, description="Numero del servizio nell'indice (1–73)."
        ),
        "service": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Nome dall'indice."
        ),
        "map_title": pa.Column(
            str,
            pa.Check.str_length(min_value=1),
            description="Nome come scritto nell'intestazione.",
        ),
        "area": pa.Column(str, description="Gruppo di servizi dell'indice (es. Servizi sociali)."),
        "responsible": pa.Column(str, description="Responsabile indicato nella mappa."),
        "core_elements": pa.Column(str, description="Elementi centrali, separati da ' | '."),
        "accessory_elements": pa.Column(str, description="Elementi accessori, separati da ' | '."),
        "management_form": pa.Column(
            str,
            pa.Check.isin(FORMS),
            description="Forma gestionale: la voce segnata; più voci segnate → 'mista'.",
        ),
        "management_marked": pa.Column(
            str, description="Voci segnate (X o testo), separate da ';', nell'ordine della mappa."
        ),
        "management_note": pa.Column(
            str, description="Testo scritto al posto (o accanto) della X, per voce."
        ),
        "staff": pa.Column(str, description="Risorse umane coinvolte, testo come scritto."),
        "structures": pa.Column(str, description="Strutture erogative, separate da ' | '."),
        "source_line": pa.Column(int, _LINE, description="Riga dell'intestazione della mappa."),
    },
    strict=True,
    ordered=True,
    description="Una riga per mappa pubblicata (Comune di Cremona, All. C).",
)

SERVICE_MAP_VALUES = pa.DataFrameSchema(
    {
        "service_no": pa.Column(int, pa.Check.ge(1), description="Numero del servizio."),
        "service": pa.Column(str, description="Nome del servizio dall'indice."),
        "table": pa.Column(
            str,
            pa.Check.isin(TABLES),
            description="'output' (Output del Servizio) o 'utenti' (Utenti seguiti).",
        ),
        "block": pa.Column(
            int,
            pa.Check.ge(1),
            description="Numero della tabella dello stesso tipo nella mappa (alcune ne hanno più).",
        ),
        "indicator": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Voce della tabella, come scritta."
        ),
        "row_kind": pa.Column(
            str, pa.Check.isin(ROW_KINDS), description="'totale' per le righe Totale/TOT."
        ),
        "is_total": pa.Column(
            bool,
            description="Vero per le righe di totale: quelle etichettate Totale/TOT e l'ultima "
            "riga di una tabella che in ogni anno è la somma delle righe sopra (pubblicata come "
            "segmento). Da escludere quando si sommano i segmenti.",
        ),
        "year": pa.Column(int, pa.Check.isin(YEARS), description="Anno (situazione al 31/12)."),
        "value": pa.Column(
            float,
            nullable=True,
            description="Valore numerico; NaN se la cella contiene solo testo (nd, /, ...). "
            "Le celle vuote non producono righe.",
        ),
        "cell_kind": pa.Column(
            str,
            pa.Check.isin(CELL_KINDS),
            description="'numero', 'numero_annotato' (numero seguito da testo), "
            "'numero_in_testo' (numero dopo un'etichetta e i due punti, es. 'gg ritardo: "
            "-12,60'), 'numero_in_lettere' ('Zero causa covid'), 'somma' ('10 + 6 …', il valore "
            "è la somma) o 'testo'.",
        ),
        "unit": pa.Column(
            str, pa.Check.isin(UNITS), description="'%' o '€' se scritti nella cella."
        ),
        "raw": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Cella come scritta nel testo."
        ),
        "note": pa.Column(
            str,
            description="Testo che accompagna il numero o colonna aggiuntiva della riga; per "
            "numeri in lettere, dopo un'etichetta o somme, la cella come scritta.",
        ),
        "group": pa.Column(
            str,
            description="Intestazione del gruppo a cui appartiene la riga (una riga senza valori "
            "in testa alla tabella, es. 'Utenti complessivi Dirigenti'), o ''.",
        ),
        "group_line": pa.Column(
            "Int64", _LINE, nullable=True, description="Riga dell'intestazione del gruppo."
        ),
        "source_line": pa.Column(int, _LINE, description="Riga del testo sorgente."),
    },
    checks=[
        pa.Check(
            lambda df: df["value"].notna() | (df["cell_kind"] == "testo"),
            description="Solo le celle di testo possono non avere valore.",
        )
    ],
    strict=True,
    ordered=True,
    unique=["service_no", "source_line", "year"],
    description="Output e utenti per segmento al 31/12/2018, 2019, 2020, in formato lungo.",
)

SERVICE_MAPS_ABSENT = pa.DataFrameSchema(
    {
        "service_no": pa.Column(
            int, pa.Check.ge(1), unique=True, description="Numero nell'indice."
        ),
        "service": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Nome dall'indice."
        ),
        "source_line": pa.Column(int, _LINE, description="Riga dell'indice."),
    },
    strict=True,
    ordered=True,
    description="Servizi indicati nell'indice come '(non pubblicata)': assenti, non ricostruiti.",
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "service_maps": SERVICE_MAPS,
    "service_map_values": SERVICE_MAP_VALUES,
    "service_maps_absent": SERVICE_MAPS_ABSENT,
}

BENCHMARK_MAP = pa.DataFrameSchema(
    {
        "service_no": pa.Column(int, pa.Check.ge(1), description="Numero del servizio a Cremona."),
        "cremona_service": pa.Column(str, description="Nome del servizio di Cremona."),
        "table": pa.Column(str, pa.Check.isin(TABLES), description="'output' o 'utenti'."),
        "indicator": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Voce esatta della mappa."
        ),
        "csc_service": pa.Column(
            str,
            pa.Check.str_length(min_value=1),
            description="Servizio tariffario CSC (SAAP, SAD, SADH, CDD, ...).",
        ),
        "csc_items": pa.Column(
            str, description="Voci tariffarie CSC interessate, separate da ';'."
        ),
        "note": pa.Column(str, description="Perché la corrispondenza e cosa non significa."),
    },
    strict=True,
    ordered=True,
    description="Corrispondenza tra indicatori di Cremona e servizi tariffari CSC.",
)

_RATE = pa.Column(float, nullable=True)

GROWTH_TABLE = pa.DataFrameSchema(
    {
        "level": pa.Column(
            str,
            pa.Check.isin(("indicatore", "servizio")),
            description="'indicatore' (riga mappata) o 'servizio' (somma per servizio CSC).",
        ),
        "csc_service": pa.Column(str, description="Servizio tariffario CSC."),
        "csc_items": pa.Column(str, description="Voci tariffarie CSC, separate da ';'."),
        "service_no": pa.Column(
            int, pa.Check.ge(0), description="Servizio di Cremona (0 per le righe di servizio)."
        ),
        "cremona_service": pa.Column(str, description="Servizio/i di Cremona."),
        "table": pa.Column(
            str, description="'output' o 'utenti' (vuoto per le righe di servizio)."
        ),
        "indicator": pa.Column(str, description="Voce di Cremona o '(totale servizio)'."),
        "value_2018": pa.Column(float, nullable=True, description="Valore al 31/12/2018."),
        "value_2019": pa.Column(float, nullable=True, description="Valore al 31/12/2019."),
        "value_2020": pa.Column(float, nullable=True, description="Valore al 31/12/2020."),
        "yoy_2019": pa.Column(
            float, nullable=True, description="Crescita 2019 su 2018 (0,05 = +5%)."
        ),
        "yoy_2020": pa.Column(float, nullable=True, description="Crescita 2020 su 2019."),
        "ratio_2020_2018": pa.Column(float, nullable=True, description="Rapporto 2020/2018."),
        "cagr_2018_2020": pa.Column(
            float, nullable=True, description="Crescita media annua composta 2018→2020."
        ),
        "growth_factor": pa.Column(
            float,
            nullable=True,
            description="Moltiplicatore di un anno: (2020/2018)^(1/2) = 1 + CAGR.",
        ),
        "n_indicators": pa.Column(int, pa.Check.ge(1), description="Indicatori sommati."),
        "source_lines": pa.Column(str, description="Righe del testo di Cremona, separate da ';'."),
        "note": pa.Column(str, description="Nota della mappa (righe indicatore)."),
    },
    strict=True,
    ordered=True,
    description="Benchmark di domanda: andamento 2018–2020 a Cremona per servizio CSC.",
)

SCHEMAS["cremona_growth"] = GROWTH_TABLE
