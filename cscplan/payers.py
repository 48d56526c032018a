"""Who pays: the payer columns of ``costs_monthly``, read generically.

Every ``*_eur`` column of the cost engine's ``costs_monthly`` other than the net, VAT and gross
amounts is one payer's share (today ``comune_eur`` and ``district_eur``); a payer the engine adds
appears in every output that reads them through here, labelled by the field registry.
"""

from __future__ import annotations

from collections.abc import Iterable

from cscplan import metadata

AMOUNTS = ("net_eur", "vat_eur", "gross_eur")
COMUNE_SHARE = "comune_eur"
"""The share of the comune of residence: the figure a comune authorises."""
PREVIOUS = "previous_"


def payer_columns(columns: Iterable[str]) -> list[str]:
    """The payers' columns among ``columns``, the comune first, then in the given order."""
    found = [
        c
        for c in columns
        if str(c).endswith("_eur") and c not in AMOUNTS and not str(c).startswith(PREVIOUS)
    ]
    return sorted(found, key=lambda c: c != COMUNE_SHARE)


def fund_columns(columns: Iterable[str]) -> list[str]:
    """The payers other than the comune (district fund and any other fund)."""
    return [c for c in payer_columns(columns) if c != COMUNE_SHARE]


def payer_label(column: str) -> str:
    """The Italian header of a payer column (the registry's label of ``costs_monthly``)."""
    try:
        return metadata.label("costs_monthly", column)
    except KeyError:
        return column.removesuffix("_eur").replace("_", " ").capitalize() + " (€)"
