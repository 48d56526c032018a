"""Italian presentation formats (babel): amounts as ``1.234,56 €``."""

from __future__ import annotations

import math

from babel.numbers import format_decimal

LOCALE = "it_IT"


def eur(value: float | None, decimals: int = 2) -> str:
    """Format euro amounts the Italian way: ``1.234,56 €``; missing values as ``—``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(round(float(value), decimals), format=pattern, locale=LOCALE)
    return f"{text} €"


def signed_eur(value: float) -> str:
    """Like :func:`eur` with an explicit sign (``+1.234,56 €``, ``−250,00 €``)."""
    text = eur(abs(value))
    if round(value, 2) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def number(value: float, decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(value: float, decimals: int = 1) -> str:
    """``0.125`` → ``12,5%``."""
    return number(value * 100, decimals) + "%"
