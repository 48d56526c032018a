"""The deck for the Assemblea dei Sindaci (``assemblea.pptx``): one message per slide.

The title slide carries the plan's name, the date and the report's key figures; each other slide
is one chart of the report: its message (the chart's title) as the slide title, the chart as a
high-resolution picture taken by Chromium from the report itself (so the deck shows what the
report shows), and in the speaker notes the section's figures in Italian format. Without Chromium
the deck is still written, each slide saying why its picture is missing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from babel.dates import format_date
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from cscplan.reports import narrative
from cscplan.reports.charts import CHARTS, build_charts, wrong_totals
from cscplan.reports.excel import normalise_zip
from cscplan.reports.presentation import TOTAL_COLOR, MissingData, caseload_label, known_years

DECK_NAME = "assemblea.pptx"
CARDS = "sintesi"
"""Picture name of the report's key-figure cards (the title slide's picture)."""
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BLUE = RGBColor.from_string(TOTAL_COLOR.lstrip("#"))
GREY = RGBColor(0x55, 0x63, 0x6F)
SECTION_PARAGRAPHS = {
    "budget": (narrative.summary_paragraphs, narrative.budget_paragraphs),
    "pluriennale": (narrative.multiyear_paragraphs,),
    "verifiche": (narrative.validation_paragraphs,),
    "scenari": (narrative.scenario_paragraphs,),
    "comuni": (narrative.comuni_paragraphs,),
    "benchmark": (narrative.benchmark_paragraphs,),
}


@dataclass(frozen=True)
class Slide:
    """One slide: the picture's name, its title (the message), subtitle and speaker notes."""

    picture: str
    title: str
    subtitle: str
    notes: list[str]


def plain(text) -> str:
    """A chart title as slide text: plotly's line breaks and tags removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", str(text or "")).split())


def slides(tables: dict[str, pd.DataFrame], today: dt.date) -> list[Slide]:
    """The title slide, then one slide per chart the tables allow, in the report's order."""
    years = known_years(tables)
    name = years.title if years else "Piano Programma"
    figures = narrative.key_figures(tables) if years else []
    caseload = caseload_label(tables)
    first = Slide(
        CARDS,
        name,
        f"Comunità Sociale Cremasca · Assemblea dei Sindaci · {italian_date(today)}"
        + (f" · costi: {caseload}" if caseload else ""),
        [f"{label}: {value}." for label, value in figures]
        + _safe(narrative.summary_paragraphs, tables),
    )
    built = build_charts(tables)
    out = [first]
    for spec in CHARTS:
        fig = built[spec.name]
        if isinstance(fig, go.Figure):
            title, subtitle = plain(fig.layout.title.text), plain(fig.layout.title.subtitle.text)
            notes = [f"{title}.", f"{subtitle}.", *_section_notes(spec.section, spec.name, tables)]
            out.append(Slide(spec.name, title, subtitle, notes))
    return out


def italian_date(day: dt.date) -> str:
    """``25 novembre 2026``."""
    return format_date(day, format="d MMMM y", locale="it_IT")


def _safe(paragraphs, tables: dict[str, pd.DataFrame]) -> list[str]:
    try:
        return list(paragraphs(tables))
    except MissingData as missing:
        return [narrative.missing(str(missing))]


def _section_notes(section: str, chart: str, tables: dict[str, pd.DataFrame]) -> list[str]:
    notes = [p for source in SECTION_PARAGRAPHS.get(section, ()) for p in _safe(source, tables)]
    if chart == "verifiche":
        notes += wrong_total_notes(tables)
    return notes


def wrong_total_notes(tables: dict[str, pd.DataFrame]) -> list[str]:
    """One line per wrong stated cell, as in the report's table of totals to fix."""
    from cscplan.fmt import eur, signed_eur

    try:
        wrong = wrong_totals(tables)
    except MissingData:
        return []
    return [
        f"{row.where}: dichiarato {eur(row.stated)}, calcolato {eur(row.computed)}, "
        f"differenza {signed_eur(row.difference)}."
        for row in wrong.itertuples(index=False)
    ]


def build_deck(
    tables: dict[str, pd.DataFrame],
    pictures: dict[str, bytes] | None,
    today: dt.date | None = None,
    missing_reason: str = "Chromium non disponibile",
) -> bytes:
    """The deck as ``.pptx`` bytes (16:9); ``pictures`` maps a slide's picture name to a PNG."""
    today = today or dt.date.today()
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    plan = slides(tables, today)
    for number, slide in enumerate(plan, start=1):
        _add_slide(deck, slide, number, len(plan), pictures, missing_reason)
    years = known_years(tables)
    deck.core_properties.title = years.title if years else "Piano Programma"
    deck.core_properties.author = "cscplan"
    deck.core_properties.language = "it-IT"
    stamp = dt.datetime.combine(today, dt.time())
    deck.core_properties.created = deck.core_properties.modified = stamp
    buffer = io.BytesIO()
    deck.save(buffer)
    return normalise_zip(buffer.getvalue())  # same tables, same day: same bytes


def _add_slide(deck, slide: Slide, number: int, count: int, pictures, missing_reason) -> None:
    page = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    title_size = 34 if number == 1 else 26
    _text(page, slide.title, MARGIN, Inches(0.35), Pt(title_size), bold=True, color=BLUE)
    _text(page, slide.subtitle, MARGIN, Inches(1.25), Pt(15), color=GREY)
    top = Inches(1.9)
    box = (MARGIN, top, WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.55))
    picture = (pictures or {}).get(slide.picture)
    if picture:
        _picture(page, picture, *box)
    else:
        note = f"Immagine del grafico non disponibile: {missing_reason}. Vedi report.html."
        _text(page, note, box[0], box[1] + Inches(2), Pt(16), color=GREY)
    footer = f"Comunità Sociale Cremasca — {deck_title(slide, number)}  ·  {number}/{count}"
    _text(page, footer, MARGIN, HEIGHT - Inches(0.45), Pt(10), color=GREY)
    page.notes_slide.notes_text_frame.text = "\n".join(slide.notes)


def deck_title(slide: Slide, number: int) -> str:
    return "Assemblea dei Sindaci" if number > 1 else slide.title


def _text(page, text: str, left, top, size, bold: bool = False, color=None) -> None:
    shape = page.shapes.add_textbox(left, top, WIDTH - 2 * MARGIN, Inches(0.8))
    frame = shape.text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size, run.font.bold = size, bold
    if color is not None:
        run.font.color.rgb = color


def _picture(page, png: bytes, left, top, width, height) -> None:
    """The PNG scaled to fit the box, centred."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        ratio = image.width / image.height
    fit_width = min(width, int(height * ratio))
    fit_height = int(fit_width / ratio)
    left = left + (width - fit_width) // 2
    page.shapes.add_picture(io.BytesIO(png), Emu(left), Emu(top), Emu(fit_width), Emu(fit_height))
