"""The words the code shares, declared once: scenario names, severities, tolerances, table names.

Everything here is vocabulary (a name the modules agree on), not a rule of the documents: rules
live in the tariff book and the data files, field metadata in :mod:`cscplan.metadata`.
"""

from __future__ import annotations

# --- scenarios ---------------------------------------------------------------------------------
BASELINE = "baseline"
"""Name of the unreformed scenario in every table (``scenario`` column)."""
BASELINE_LABEL = "Scenario base"
"""Italian label of the baseline wherever a user reads it."""

# --- findings ----------------------------------------------------------------------------------
SEVERITIES = ("error", "warning", "info")
"""Finding severities, most serious first (the order of every findings table)."""
SEVERITY_LABELS = {"error": "errore", "warning": "avviso", "info": "nota"}
SEVERITY_PLURALS = {"error": "errori", "warning": "avvisi", "info": "note"}
FAIL_ON = (*SEVERITIES[:2], "never")
"""Values of ``--fail-on``: exit 1 when a finding is at or above the threshold."""

# --- money -------------------------------------------------------------------------------------
MONEY_TOLERANCE = 0.01
"""Two amounts in euro agree when they differ by at most one cent."""
COUNT_TOLERANCE = 1e-6
"""Two counts (service-map values, units) agree when they differ by at most this."""
CENT_DECIMALS = 2

# --- monitoring --------------------------------------------------------------------------------
ALERT_SHARE = 0.8
"""Share of a commitment that triggers the quarterly-monitoring alert (guidelines, lines 177–181)."""

# --- tables of the Piano Programma (``table`` column of findings and stated totals) ------------
SHEET = "scheda"
COMPARISON = "confronto"
MULTIYEAR = "pluriennale"
REVENUE = "entrate"
PLAN_TABLES = (SHEET, COMPARISON, MULTIYEAR, REVENUE)
VARIATION = "variazione"
"""Column label of the comparison's stated variation (budget − preconsuntivo)."""

# --- payers and funding groups -----------------------------------------------------------------
COMUNE = "comune"
"""The comune of residence (and a second comune where an item allows one)."""
DISTRICT = "distretto"
"""The district fund (FUD, *fondo unico distrettuale*)."""
FNA = "fna"
"""The regional non-self-sufficiency fund (FNA), for the FNA vouchers."""
POVERTY_FUND = "fondo_poverta"
"""The poverty fund (QSFP, *quota servizi fondo povertà*)."""
FAMILY = "famiglia"
"""The family, where a tariff sheet puts a cost on the user."""
PAYERS = (COMUNE, DISTRICT, FNA, POVERTY_FUND, FAMILY)
"""Payer ids, in presentation order; labels and funding sources in ``data/payers.csv``."""
PAYER_COLUMNS = {
    COMUNE: "comune_eur",
    DISTRICT: "district_eur",
    FNA: "fna_eur",
    POVERTY_FUND: "poverty_fund_eur",
    FAMILY: "family_eur",
}
"""Payer id → its amount column in ``costs_monthly`` (the columns sum to ``gross_eur``)."""
FUNDING_GROUPS = ("comunali", "fondi nazionali", "regionali", "ATS", "avanzo", "altri")
"""Groups of canonical funding sources, in presentation order (``group`` in the funding map)."""
UNMAPPED_GROUP = "non mappate"

# --- totals --------------------------------------------------------------------------------------
TOTAL = "TOTALE"

SYNTHETIC_WORD = "sintetica"
"""How every output names an input that is the bundled synthetic example."""

DEFAULT_SEED = 2023
"""The default random seed (Monte Carlo draws, the synthetic examples): a fixed number, not a year."""
