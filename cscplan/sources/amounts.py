"""Italian euro amounts as printed in the Piano Programma tables (PDF export).

Accepted cell forms (spaces are optional, the euro sign may sit before and/or after):
``€ 1.234,56`` · ``1.234,56 €`` · ``€ 9.569.298,01 €`` · ``-€ 7.662,99`` · ``€ -7.662,99`` ·
``€ 70,00`` · ``€ 1234,5``. The accounting dash ``€ -`` (or a lone ``-``) means zero.
A cell of hash marks (``#####``, a column too narrow in the spreadsheet) is *masked*: the figure
exists in the source but cannot be read; it is never turned into zero.
Anything else — English format ``1,234.56``, stray characters ``12x`` — is rejected.

A label and an amount merged into one cell by the export (``Costo del personale € 19.893,78``)
is split by :func:`split_label_amount`.
"""

from __future__ import annotations

import math
import re
from typing import Final

__all__ = [
    "MASKED",
    "AmountFormatError",
    "Masked",
    "parse_amount",
    "split_label_amount",
]


class Masked:
    """Sentinel type for a masked (``#####``) cell; use the singleton :data:`MASKED`."""

    _instance: Masked | None = None

    def __new__(cls) -> Masked:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MASKED"

    def __bool__(self) -> bool:
        return False


MASKED: Final = Masked()

EXPECTED_AMOUNT = "un importo in euro in formato italiano (es. '€ 1.234,56', '€ -' o '#####')"

_MASK = re.compile(r"^#{3,}$")
_DASH = re.compile(r"^(?:€\s*)?[-–](?:\s*€)?$")
_ITALIAN_NUMBER = r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{1,2})?"
_AMOUNT = re.compile(
    rf"^(?P<sign1>[-–]?)\s*(?P<cur1>€?)\s*(?P<sign2>[-–]?)\s*(?P<num>{_ITALIAN_NUMBER})\s*(?P<cur2>€?)$"
)
# A trailing amount-looking chunk after some label text: "Costo del personale € 19.893,78".
_LABEL_AMOUNT = re.compile(r"^(?P<label>.*?\S)\s+(?P<amount>-?€.*)$")


class AmountFormatError(ValueError):
    """A cell that should hold an amount holds something else; ``found`` is the cell text."""

    def __init__(self, found: str) -> None:
        self.found = found
        self.expected = EXPECTED_AMOUNT
        super().__init__(f"atteso {EXPECTED_AMOUNT}; trovato {found!r}")


def parse_amount(cell: str) -> float | None | Masked:
    """Parse one table cell: ``None`` if empty, :data:`MASKED` if hashed, else a float (euro).

    Raises :class:`AmountFormatError` for text that is not an Italian euro amount.
    """
    text = cell.strip().replace("\u00a0", " ")
    if not text:
        return None
    if _MASK.match(text):
        return MASKED
    if _DASH.match(text):
        return 0.0
    match = _AMOUNT.match(text)
    if match is None or (match["sign1"] and match["sign2"]):
        raise AmountFormatError(cell.strip())
    value = float(match["num"].replace(".", "").replace(",", "."))
    negative = bool(match["sign1"] or match["sign2"])
    return -value if negative else value


def split_label_amount(cell: str) -> tuple[str, str]:
    """Split ``'Costo del personale € 19.893,78'`` into ``('Costo del personale', '€ 19.893,78')``.

    A cell without leading label text is returned as ``('', cell)``; a cell that is only text
    (no euro sign after a label) is returned as ``(cell, '')``.
    """
    text = cell.strip()
    if not text or text.startswith(("€", "-€", "–€", "#")) or _looks_numeric(text):
        return "", text
    match = _LABEL_AMOUNT.match(text)
    if match is None:
        return text, ""
    return match["label"].strip(), match["amount"].strip()


def _looks_numeric(text: str) -> bool:
    return text[0].isdigit() or (text[0] in "-–" and len(text) > 1 and text[1].isdigit())


def as_float(value: float | None | Masked) -> float:
    """The value as a float: NaN for masked or missing."""
    if value is None or value is MASKED:
        return math.nan
    return float(value)
