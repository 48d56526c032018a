"""The Assemblea deck opened with python-pptx: slides, pictures, notes, figures equal the report's.

The pictures are taken by Chromium from the report; without Chromium the picture test is skipped
with a message saying so (the deck itself is still written, see the last test).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from cscplan.pipeline import REPORT_NAME, BuildInputs, add_deck, compute_build
from cscplan.reports.deck import DECK_NAME, build_deck, italian_date

AMOUNT = re.compile(r"[+−]?\d{1,3}(?:\.\d{3})*,\d{2} €|[+−]?\d+(?:,\d)?%")
DAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def result():
    return compute_build(BuildInputs(draws=200))


@pytest.fixture(scope="module")
def deck(result):
    if shutil.which("chromium") is None:
        pytest.skip(
            "Chromium non trovato: la presentazione non ha immagini (eseguire `make browser`) / "
            "Chromium missing (run `make browser`)"
        )
    pytest.importorskip("playwright.sync_api", reason="playwright non installato / missing")
    add_deck(result, browser=True, echo=lambda _: None)
    return Presentation(io.BytesIO(result.documents[DECK_NAME]))


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def report_text(result) -> str:
    """The report as a reader sees it: chart JSON escapes (\\u20ac, \\u2212) decoded."""
    html = result.documents[REPORT_NAME].decode("utf-8")
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), html)


def test_deck_has_a_picture_and_notes_on_every_slide(deck):
    slides = list(deck.slides)
    assert 8 <= len(slides) <= 13
    for number, slide in enumerate(slides, start=1):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1, number
        assert pictures[0].image.size[0] >= 1600  # high resolution (device scale 2)
        assert slide.notes_slide.notes_text_frame.text.strip(), number


def test_title_slide_names_the_plan_and_the_date(result):
    deck = Presentation(io.BytesIO(build_deck(result.tables, None, DAY)))
    first = texts(deck.slides[0])
    assert first[0] == "Piano Programma 2020–2022"
    assert first[1] == (
        "Comunità Sociale Cremasca · Assemblea dei Sindaci · 25 novembre 2026 · costi: "
        "casistica di esempio (sintetica)"
    )
    assert italian_date(dt.date(2027, 3, 1)) == "1 marzo 2027"


def test_one_message_per_slide_with_the_reports_figures(deck, result):
    report = report_text(result)
    titles = [texts(slide)[0] for slide in deck.slides]
    assert "L'Obiettivo 5 assorbe il 54% del budget 2020" in titles
    assert any("+785.024,63 € a carico dei comuni" in t for t in titles)
    shown = []
    for slide in deck.slides:
        shown += AMOUNT.findall(" ".join(texts(slide)))
        shown += AMOUNT.findall(slide.notes_slide.notes_text_frame.text)
    assert len(shown) > 50
    missing = sorted({figure for figure in shown if figure not in report})
    assert missing == []


def test_notes_list_the_wrong_totals(result):
    deck = Presentation(io.BytesIO(build_deck(result.tables, None, DAY)))
    notes = {texts(s)[0]: s.notes_slide.notes_text_frame.text for s in deck.slides}
    wrong = next(text for title, text in notes.items() if "non tornano" in title)
    assert (
        "Scheda Ob. 5 · PO 2020 · riga 650: dichiarato 6.323.674,94 €, calcolato 6.643.674,94 €, "
        "differenza −320.000,00 €." in wrong
    )


def test_without_chromium_the_deck_is_written_and_says_why(result):
    data = build_deck(result.tables, None, DAY, missing_reason="Chromium non trovato")
    deck = Presentation(io.BytesIO(data))
    assert len(deck.slides) == 13
    second = " ".join(texts(deck.slides[1]))
    assert "Immagine del grafico non disponibile: Chromium non trovato" in second
    assert all(s.notes_slide.notes_text_frame.text for s in deck.slides)
