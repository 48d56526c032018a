"""Every output built from the synthetic sample says *casistica di esempio (sintetica)*; built
from a user's caseload, it names that file instead and never says *sintetica*.

Checked where a reader meets the caseload: the console summary, the report (key-figure card, the
sentences, every chart drawn from the caseload, the footer), the workbook (Sintesi, Scenari,
Monte Carlo, Sensibilità) and the deck (title slide, the caseload's slides).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation

from cscplan import paths
from cscplan.intake.provenance import SAMPLE_LABEL
from cscplan.pipeline import (
    REPORT_NAME,
    BuildInputs,
    add_deck,
    build_summary,
    compute_build,
    workbook_name,
)
from cscplan.reports.charts import build_charts
from cscplan.reports.deck import DECK_NAME, plain

CASELOAD_CHARTS = (
    "scenari_servizi",
    "scenari_pagatori",
    "spesa_cumulata",
    "montecarlo",
    "sensibilita",
    "quote_comuni",
    "crescita_cremona",
)
CASELOAD_SHEETS = ("Scenari", "Monte Carlo", "Sensibilità")


def built(caseload: Path):
    result = compute_build(BuildInputs(caseload=caseload, draws=40))
    add_deck(result, browser=False, echo=lambda _: None)
    return result


@pytest.fixture(scope="module")
def sample():
    return built(paths.SAMPLE_CASELOAD)


@pytest.fixture(scope="module")
def users(tmp_path_factory):
    path = tmp_path_factory.mktemp("mine") / "mia_casistica.csv"
    shutil.copy(paths.SAMPLE_CASELOAD, path)
    text = path.read_text(encoding="utf-8").replace(",6.5,", ",7,", 1)  # one plan differs
    path.write_text(text, encoding="utf-8")
    return built(path)


def sheets_text(result) -> dict[str, str]:
    wb = openpyxl.load_workbook(io.BytesIO(result.documents[workbook_name(result.tables)]))
    return {
        ws.title: " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
        for ws in wb.worksheets
    }


def slides_text(result) -> list[str]:
    deck = Presentation(io.BytesIO(result.documents[DECK_NAME]))
    return [
        " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        for slide in deck.slides
    ]


def places(result) -> dict[str, str]:
    """Where a reader meets the caseload, as text."""
    report = result.documents[REPORT_NAME].decode("utf-8")
    charts = build_charts(result.tables)
    sheets = sheets_text(result)
    slides = slides_text(result)
    out = {
        "console": build_summary(result, Path("outputs")),
        "card": report.split('<div class="cards">', 1)[1].split("</div></div></div>", 1)[0],
        "footer": report.split("<footer>", 1)[1].split("<details>", 1)[0],
        "Sintesi": sheets["Sintesi"],
        "title slide": slides[0],
    }
    subtitles = {n: plain(charts[n].layout.title.subtitle.text) for n in CASELOAD_CHARTS}
    out |= {f"chart {n}": text for n, text in subtitles.items()}
    out |= {f"sheet {s}": sheets[s] for s in CASELOAD_SHEETS}
    out |= {
        f"slide {i}": text
        for i, text in enumerate(slides)
        if any(s in text for s in subtitles.values())
    }
    return out


def test_every_output_from_the_sample_says_synthetic(sample):
    found = places(sample)
    assert len([k for k in found if k.startswith("slide ")]) == len(CASELOAD_CHARTS)
    missing = [where for where, text in found.items() if SAMPLE_LABEL not in text]
    assert missing == []
    info = sample.tables["caseload_info"].iloc[0]
    assert bool(info["synthetic"]) and info["caseload_file"] == "caseload_sample.csv"


def test_outputs_from_a_users_caseload_name_the_file(users):
    found = places(users)
    label = "casistica «mia_casistica.csv»"
    missing = [where for where, text in found.items() if label not in text]
    assert missing == []
    report = users.documents[REPORT_NAME].decode("utf-8")
    everything = [report, *sheets_text(users).values(), *slides_text(users), found["console"]]
    assert not any("sintetica" in text for text in everything)
    assert not bool(users.tables["caseload_info"]["synthetic"].iloc[0])


def test_a_build_on_the_comuni_submissions_is_the_sample_too():
    """`build --caseload data/esempi`: the folder of prospetti is read through the profile and,
    being extracts of the sample, labelled synthetic."""
    result = compute_build(BuildInputs(caseload=paths.EXAMPLES, draws=20, optional_scenarios=True))
    info = result.tables["caseload_info"].iloc[0]
    assert info["caseload_label"] == SAMPLE_LABEL and info["caseload_file"] == "esempi"
    roles = [f["path"] for f in result.files if f["role"] == "casistica"]
    assert len(roles) == 4 and all(r.startswith("data/esempi/prospetto_") for r in roles)
