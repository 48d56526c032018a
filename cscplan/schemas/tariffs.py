"""pandera schemas for the 2023 tariff schedule and for validated caseloads."""

from __future__ import annotations

import pandera.pandas as pa

UNITS = ("hour", "day", "week", "month", "package")
VAT = ("added", "included", "none")
CODE_PATTERN = r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$"

_LINE = pa.Check.ge(1)
_SHARE = pa.Check.in_range(0.0, 1.0)

TARIFF_ITEMS = pa.DataFrameSchema(
    {
        "code": pa.Column(
            str,
            pa.Check.str_matches(CODE_PATTERN),
            unique=True,
            description="Codice della voce (MAIUSCOLO_CON_TRATTINI_BASSI), es. SAAP_D1.",
        ),
        "service": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Servizio (SAD, SAAP, CSE, ...)."
        ),
        "label": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Descrizione della voce in italiano."
        ),
        "unit": pa.Column(
            str, pa.Check.isin(UNITS), description="Unità: hour, day, week, month, package."
        ),
        "vat": pa.Column(
            str,
            pa.Check.isin(VAT),
            description="IVA: added (+ iva), included (iva inclusa), none (contributo/retta).",
        ),
        "district_share": pa.Column(
            float,
            _SHARE,
            description="Quota di ogni euro pagata dal fondo distrettuale (FUD) per default.",
        ),
        "abatement": pa.Column(bool, description="Ammessa all'abbattimento distrettuale del 50%."),
        "abatement_capped": pa.Column(
            bool,
            description="L'abbattimento ha il tetto mensile (affidi, riga 1525); falso per CDM.",
        ),
        "uplift_allowed": pa.Column(
            bool, description="Ammesso l'incremento +20% (minori disabili o sotto i due anni)."
        ),
        "qty_required": pa.Column(
            bool, description="Il caseload deve indicare qty_per_week (unità ora/giorno)."
        ),
        "min_weeks": pa.Column(
            "Int64", pa.Check.ge(1), nullable=True, description="Durata minima in settimane."
        ),
        "max_weeks": pa.Column(
            "Int64", pa.Check.ge(1), nullable=True, description="Durata massima in settimane."
        ),
        "group_pricing": pa.Column(
            bool, description="Tariffa per componente secondo la dimensione del gruppo."
        ),
        "source_line": pa.Column(
            int, _LINE, description="Riga della voce in data/raw/004_a279edaa88320457.txt."
        ),
        "note": pa.Column(str, description="Annotazioni dalla scheda economica."),
    },
    checks=[
        pa.Check(
            lambda df: (
                df["min_weeks"].isna()
                | df["max_weeks"].isna()
                | (df["min_weeks"] <= df["max_weeks"])
            ),
            description="min_weeks non supera max_weeks.",
        )
    ],
    strict=True,
    ordered=True,
    description="Voci del tariffario 2023: una riga per codice.",
)

TARIFF_RATES = pa.DataFrameSchema(
    {
        "code": pa.Column(str, description="Codice della voce."),
        "valid_from": pa.Column("datetime64[ns]", description="Primo giorno di validità."),
        "valid_to": pa.Column("datetime64[ns]", description="Ultimo giorno di validità (incluso)."),
        "group_size": pa.Column(
            "Int64",
            pa.Check.ge(1),
            nullable=True,
            description="Componenti del gruppo (vuoto = qualunque).",
        ),
        "rate": pa.Column(
            float,
            pa.Check.ge(0),
            description="Tariffa per unità: netta d'IVA (added), IVA inclusa (included) o contributo.",
        ),
        "district_rate": pa.Column(
            float,
            pa.Check.ge(0),
            nullable=True,
            description="Quota € per unità a carico del fondo distrettuale (FUD), se esplicita.",
        ),
        "fud_contribution": pa.Column(
            float,
            pa.Check.ge(0),
            nullable=True,
            description="CDD: quota € per unità a carico del Comune che alimenta il FUD "
            "(colonna 'Alimenta quota FUD'); non è una spesa del fondo.",
        ),
        "source_line": pa.Column(int, _LINE, description="Riga dell'importo nel documento."),
    },
    checks=[
        pa.Check(
            lambda df: df["valid_from"] <= df["valid_to"],
            description="Ogni periodo inizia prima della fine.",
        ),
        pa.Check(
            lambda df: df["district_rate"].isna() | (df["district_rate"] <= df["rate"]),
            description="La quota distrettuale non supera la tariffa.",
        ),
    ],
    strict=True,
    ordered=True,
    description="Tariffe datate per voce e dimensione del gruppo.",
)

CASELOAD = pa.DataFrameSchema(
    {
        "beneficiary_id": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Identificativo del beneficiario."
        ),
        "comune": pa.Column(
            str, pa.Check.str_length(min_value=1), description="Comune di residenza (paga)."
        ),
        "item": pa.Column(str, description="Codice della voce tariffaria."),
        "start": pa.Column("datetime64[ns]", description="Inizio del piano (incluso)."),
        "end": pa.Column("datetime64[ns]", description="Fine del piano (inclusa)."),
        "qty_per_week": pa.Column(
            float,
            pa.Check.ge(0),
            nullable=True,
            description="Ore o giorni a settimana (vuoto per unità settimana/mese/pacchetto).",
        ),
        "second_comune": pa.Column(
            str, description="Secondo Comune che compartecipa (ADM/SIP), '' se nessuno."
        ),
        "group_size": pa.Column(
            "Int64", pa.Check.ge(1), nullable=True, description="Componenti del gruppo (AID/QSFP)."
        ),
        "uplift": pa.Column(bool, description="Incremento +20% per l'affido."),
        "placed_minor": pa.Column(bool, description="SIP per minore collocato (50% distretto)."),
    },
    checks=[pa.Check(lambda df: df["start"] <= df["end"], description="Inizio non dopo la fine.")],
    strict=True,
    ordered=True,
    description="Piani individuali validati (un piano = beneficiario × voce × periodo).",
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "tariff_items": TARIFF_ITEMS,
    "tariff_rates": TARIFF_RATES,
    "caseload": CASELOAD,
}
