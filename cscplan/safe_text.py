"""User text made safe for the programs that open our outputs (spreadsheets, plotly charts).

* **CSV** (:func:`csv_text`, :func:`neutralise_frame`): a text cell that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return would be run as a formula by Excel or
  LibreOffice ("CSV injection"); it is written with a leading apostrophe ``'`` (the spreadsheets'
  own "this is text" mark). Numeric columns are never touched (a negative amount stays a
  number) and neither is a text cell that is a plain number (``-5``, ``+3,5``).
* **xlsx**: see :func:`cscplan.reports.excel.text_cell` (text cells always of type string).
* **plotly** (:func:`plot_text`): plotly renders a pseudo-HTML subset in every label (``<a
  href>``, ``<span style>``, ``<b>`` …); user text has ``&``, ``<`` and ``>`` escaped as
  entities, which plotly shows as the characters themselves, so no tag from user text survives.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def csv_text(value: object) -> object:
    """``value`` unchanged unless it is text a spreadsheet would execute; then ``'`` + value."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value):
        return TEXT_MARK + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell passed through :func:`csv_text` (numbers untouched)."""
    text_columns = [
        name
        for name in frame.columns
        if pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name])
    ]
    risky = [name for name in text_columns if _has_risky(frame[name])]
    if not risky:
        return frame
    frame = frame.copy()
    for name in risky:
        frame[name] = frame[name].map(csv_text, na_action="ignore").astype(frame[name].dtype)
    return frame


def _has_risky(column: pd.Series) -> bool:
    return bool(column.astype(str).str.startswith(FORMULA_START).any())


def plot_text(value: object) -> str:
    """User text for a plotly label: ``&``, ``<`` and ``>`` as entities (shown, never parsed)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
