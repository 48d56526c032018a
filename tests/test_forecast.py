"""`cscplan previsione`: continuing plans costed per comune; workbooks whose totals are the engine's
figures to the cent and whose formulas recompute; the district summary; periods without tariffs.

The CLI tests forecast ``YEAR`` = 2023, the examples' own year (the ``engine`` fixture costs the
examples as they are). The tariff book covers 2024 too (the end-of-2023 rates, for the guidelines'
validity, issue 12): the next year — the examples' open-ended plans continued, the previous year
(2023) in its own columns — and the school year 2023/24 are tested through the API on it.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import recalculated as recalculate_file

from cscplan import paths
from cscplan.cli import main
from cscplan.forecast.command import build_forecast, forecast_period, period_slug, slug
from cscplan.forecast.compute import forecast, previous_period
from cscplan.forecast.workbook import comune_workbook, district_workbook
from cscplan.intake.profile import load_profile
from cscplan.intake.provenance import SAMPLE_LABEL, caseload_origin
from cscplan.intake.submissions import read_submissions
from cscplan.periods import Period
from cscplan.scenarios.api import CostContext, cost
from cscplan.scenarios.caseload import district_comuni
from cscplan.tariffs.schedule import load_schedule

YEAR = 2023  # the examples' year
UNCOVERED = 2040


# --------------------------------------------------------------------------- helpers


def recalculated(data: bytes, tmp_path: Path, name: str = "wb.xlsx") -> dict:
    """The workbook's formulas recomputed (see conftest.recalculated)."""
    path = tmp_path / name
    path.write_bytes(data)
    return recalculate_file(path)


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(paths.TARIFFS)


@pytest.fixture(scope="module")
def examples(schedule):
    return read_submissions(paths.EXAMPLES, load_profile(paths.DEFAULT_PROFILE), schedule.items)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("previsione") / "out"
    assert main(["previsione", str(paths.EXAMPLES), "--anno", str(YEAR), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def engine():
    """The engine's figures for the examples over the forecast year, per comune."""
    costs = cost(paths.EXAMPLES, year=YEAR)
    return costs.groupby("comune")[["gross_eur", "comune_eur", "district_eur"]].sum()


# --------------------------------------------------------------------------- the command


def test_writes_a_workbook_per_comune_and_the_district_summary(written, engine):
    stem = f"previsione_{YEAR}"
    names = {p.name for p in written.iterdir()}
    workbooks = {f"{stem}_{slug(c)}.xlsx" for c in engine.index}
    assert workbooks <= names and 4 <= len(workbooks) <= 48
    assert {f"{stem}_distretto.xlsx", f"{stem}_distretto.csv", f"{stem}_righe.csv"} <= names
    assert "run_metadata.json" in names


def test_each_workbook_total_is_the_engines_figure_and_recomputes(written, engine, tmp_path):
    for comune, figures in engine.iterrows():
        data = (written / f"previsione_{YEAR}_{slug(comune)}.xlsx").read_bytes()
        ws = openpyxl.load_workbook(io.BytesIO(data))["Previsione"]
        assert ws["A1"].value == f"Previsione di spesa {YEAR} – Comune di {comune}"
        assert ws["A5"].value.startswith("Importo autorizzativo")
        values = recalculated(data, tmp_path, f"{slug(comune)}.xlsx")
        authorising, gross = values[("PREVISIONE", "D5")], values[("PREVISIONE", "D6")]
        assert authorising == pytest.approx(figures["comune_eur"], abs=0.005), comune
        assert gross == pytest.approx(figures["gross_eur"], abs=0.005), comune


def test_service_totals_are_live_sumifs_equal_to_the_district_table(written, tmp_path):
    district = pd.read_csv(written / f"previsione_{YEAR}_distretto.csv")
    crema = district[district["comune"] == "Crema"].set_index("service")
    data = (written / f"previsione_{YEAR}_crema.xlsx").read_bytes()
    ws = openpyxl.load_workbook(io.BytesIO(data))["Previsione"]
    values = recalculated(data, tmp_path)
    header = [c.value for c in ws[10]]
    assert header[:4] == ["Servizio", "Beneficiari", "Totale lordo (€)", "Quota comune (€)"]
    rows = range(11, 11 + len(crema))
    assert [ws[f"A{r}"].value for r in rows] == sorted(crema.index)
    for r in rows:
        service = ws[f"A{r}"].value
        assert ws[f"C{r}"].value.startswith("=SUMIFS(")
        assert values[("PREVISIONE", f"C{r}")] == pytest.approx(crema.at[service, "gross_eur"])
        assert values[("PREVISIONE", f"D{r}")] == pytest.approx(crema.at[service, "comune_eur"])
        assert ws[f"B{r}"].value == crema.at[service, "beneficiaries"]


def test_detail_rows_are_the_forecast_lines(written):
    lines = pd.read_csv(written / f"previsione_{YEAR}_righe.csv")
    ws = openpyxl.load_workbook(written / f"previsione_{YEAR}_offanengo.xlsx")["Previsione"]
    header_row = next(r for r in range(1, 60) if ws[f"B{r}"].value == "Voce")
    header = [c.value for c in ws[header_row] if c.value]
    assert header[:8] == [
        "Servizio",
        "Voce",
        "Beneficiario",
        "Unità",
        "Quantità settimanale",
        "Fine del piano",
        "Mesi",
        "Quantità nel periodo",
    ]
    mine = lines[lines["comune"] == "Offanengo"]
    body = [
        ws.cell(row=r, column=3).value for r in range(header_row + 1, header_row + 1 + len(mine))
    ]
    assert sorted(body) == sorted(mine["beneficiary_id"])
    assert set(mine["unit"]) <= {"ore", "giorni", "settimane", "mesi", "pacchetti"}
    assert set(mine["plan_end"]) - {"in corso"}, "some plans end within the year"
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", e) for e in set(mine["plan_end"]) - {"in corso"})


def test_district_workbook_per_comune_sums_recompute(written, engine, tmp_path):
    data = (written / f"previsione_{YEAR}_distretto.xlsx").read_bytes()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Comuni x servizi", "Per comune", "Note"]
    ws = wb["Per comune"]
    values = recalculated(data, tmp_path)
    rows = [
        r for r in range(2, ws.max_row + 1) if ws[f"C{r}"].value and ws[f"A{r}"].value != "Totale"
    ]
    assert {ws[f"A{r}"].value for r in rows} >= set(engine.index)
    for row in rows:  # a comune with only last year's lines authorises 0
        figures = engine.reindex([ws[f"A{row}"].value]).fillna(0.0).iloc[0]
        assert values[("PER COMUNE", f"C{row}")] == pytest.approx(figures["comune_eur"], abs=0.005)
        assert values[("PER COMUNE", f"D{row}")] == pytest.approx(
            figures["district_eur"], abs=0.005
        )


def test_sample_outputs_say_synthetic(written, capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["previsione", str(paths.EXAMPLES), "--anno", str(YEAR), "--out", str(out)]) == 0
    assert SAMPLE_LABEL in capsys.readouterr().out
    for path in out.glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
            assert SAMPLE_LABEL in text, (path.name, ws.title)


def test_a_users_caseload_is_named_by_its_file(tmp_path, capsys):
    mine = tmp_path / "prospetti_2023"
    shutil.copytree(paths.EXAMPLES, mine)
    csv = mine / "prospetto_offanengo.csv"
    csv.write_bytes(csv.read_bytes().replace("continuità".encode("cp1252"), b"da rivedere", 1))
    out = tmp_path / "out"
    assert main(["previsione", str(mine), "--anno", str(YEAR), "--out", str(out)]) == 0
    console = capsys.readouterr().out
    assert "casistica «prospetti_2023/ (4 file)»" in console and "sintetica" not in console
    ws = openpyxl.load_workbook(out / f"previsione_{YEAR}_offanengo.xlsx")["Previsione"]
    assert "casistica «prospetti_2023/ (4 file)»" in ws["A2"].value
    texts = " ".join(
        str(c.value)
        for path in out.glob("*.xlsx")
        for ws in openpyxl.load_workbook(path).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value
    )
    assert "sintetica" not in texts


def test_the_forecast_is_reproducible(written, tmp_path):
    out = tmp_path / "again"
    assert main(["previsione", str(paths.EXAMPLES), "--anno", str(YEAR), "--out", str(out)]) == 0
    for path in written.glob("*.xlsx"):
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--anno", str(UNCOVERED)], ["'--anno'", "coperto dal tariffario", f"anno {UNCOVERED}"]),
        (
            ["--anno-scolastico", f"{UNCOVERED}/{(UNCOVERED + 1) % 100}"],
            ["'--anno-scolastico'", f"anno scolastico {UNCOVERED}/"],
        ),
        (["--anno-scolastico", "2024/26"], ["'--anno-scolastico'", "2024/25"]),
        (["--anno", "2024", "--anno-scolastico", "2024/25"], ["entrambi"]),
        ([], ["nessuno dei due"]),
        (["--anno", "99999"], ["tra 2000 e 2100"]),
    ],
)
def test_periods_without_tariffs_or_malformed_are_refused(argv, fragments, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["previsione", str(paths.EXAMPLES), *argv, "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert message.startswith("Errore nei dati di input:") and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert not out.exists()


# --------------------------------------------------------------------------- the rule and the years


@pytest.fixture(scope="module")
def next_year(schedule, examples):
    """The examples' forecast for the year after theirs, with a two-year schedule."""
    both = schedule  # 2023 dated, 2024 continued
    context = CostContext(schedule=both, comuni=district_comuni())
    period = Period.calendar_year(schedule.period.start.year + 1)
    origin = caseload_origin(paths.EXAMPLES, examples.files)
    return forecast(examples, period, context, origin)


def test_open_ended_plans_continue_ended_ones_stop(next_year, examples):
    lines = next_year.lines
    running = lines[lines["plan_end"] == "in corso"]
    ended = lines[lines["plan_end"] != "in corso"]
    assert len(running) and len(ended)
    assert (running["months"] == 12).all() and (running["gross_eur"] > 0).all()
    assert (ended["gross_eur"] == 0).all() and (ended["months"] == 0).all()
    assert (ended["previous_gross_eur"] > 0).all()
    hours = running[running["unit"] == "ore"]
    days = next_year.period.days  # 366 in 2024
    expected = hours["qty_per_week"] / 7 * days
    whole = (hours["quantity"] - expected).abs() < 0.01
    half = (hours["quantity"] - expected / 2).abs() < 0.01  # a second comune's part (ADM)
    assert (whole | half).all() and whole.sum() > half.sum()


def test_previous_year_figures_are_last_years_engine_figures(next_year):
    last_year = next_year.previous.start.year
    before = cost(paths.EXAMPLES, year=last_year).groupby("comune")["comune_eur"].sum()
    mine = next_year.lines.groupby("comune")["previous_comune_eur"].sum()
    pd.testing.assert_series_equal(
        mine.round(2), before.round(2), check_names=False, check_index_type=False
    )
    assert next_year.previous == previous_period(next_year.period)
    assert next_year.previous_note == ""


def test_previous_year_columns_in_the_workbook_recompute(next_year, tmp_path):
    data = comune_workbook(next_year, "Crema")
    ws = openpyxl.load_workbook(io.BytesIO(data))["Previsione"]
    previous = str(next_year.previous.start.year)
    assert ws["A7"].value == f"{previous}: quota a carico del Comune"
    assert f"{previous}: Quota comune (€)" in [c.value for c in ws[10]]
    values = recalculated(data, tmp_path)
    expected = next_year.lines.query("comune == 'Crema'")["previous_comune_eur"].sum()
    assert values[("PREVISIONE", "D7")] == pytest.approx(expected, abs=0.005)
    assert values[("PREVISIONE", "D5")] == pytest.approx(
        next_year.comune_total("Crema", "comune_eur"), abs=0.005
    )


def test_school_year_forecast(schedule, examples):
    both = schedule  # 2023 dated, 2024 continued
    context = CostContext(schedule=both, comuni=district_comuni())
    period, key = forecast_period(
        None, f"{schedule.period.start.year}/{schedule.period.start.year + 1}"
    )
    assert key == "--anno-scolastico" and period.is_school_year
    result = forecast(examples, period, context, caseload_origin(paths.EXAMPLES, examples.files))
    plans = examples.plans
    all_year = plans.loc[
        (plans["start"] == f"{schedule.period.start.year}-01-01") & (plans["end"] == ""),
        "beneficiary_id",
    ]
    running = result.lines[result.lines["beneficiary_id"].isin(all_year)]
    assert len(running) and (running["months"] == 10).all()  # September to June
    assert (result.lines["months"] <= 10).all()
    year = schedule.period.start.year
    assert period_slug(period) == f"{year}-{(year + 1) % 100:02d}"
    title = openpyxl.load_workbook(io.BytesIO(comune_workbook(result, "Crema")))["Previsione"]["A1"]
    assert (
        title.value == f"Previsione di spesa a.s. {year}/{(year + 1) % 100:02d} – Comune di Crema"
    )
    # the previous school year is not covered by the two years: said, not invented
    assert result.previous_note.startswith("il tariffario copre solo")
    assert result.lines["previous_gross_eur"].isna().all()


def test_a_package_begun_before_the_period_is_not_repeated(schedule, tmp_path):
    """A QSFP package started in the first half is charged there only; an open-ended hour plan
    is charged from the period's start to its end."""
    path = tmp_path / "pacchetti.csv"
    path.write_text(
        "Codice utente;Comune;Servizio;Data inizio;Data fine;Ore settimanali\n"
        f"P;Crema;QSFP educativo alta complessità;01/03/{YEAR};29/04/{YEAR};\n"
        f"Q;Crema;QSFP educativo alta complessità;01/09/{YEAR};30/10/{YEAR};\n"
        f"S;Crema;SAD feriale;01/01/{YEAR};;7\n",
        encoding="utf-8",
    )
    second_half = Period.between(f"{YEAR}-07-01", f"{YEAR}-12-31")
    submission = read_submissions(path, load_profile(paths.DEFAULT_PROFILE), schedule.items)
    context = CostContext(schedule=schedule, comuni=district_comuni())
    result = forecast(submission, second_half, context, caseload_origin(path, [path]))
    lines = result.lines.set_index("beneficiary_id")
    assert "P" not in lines.index and lines.at["Q", "gross_eur"] > 0
    assert lines.at["S", "quantity"] == pytest.approx(second_half.days, abs=0.01)
    assert lines.at["S", "months"] == 6


def test_build_forecast_names_the_tariffs_relative(tmp_path):
    result = build_forecast(paths.EXAMPLES, Period.calendar_year(YEAR))
    assert result.tariffs == "data/tariffs/tariffario.yaml"
    assert district_workbook(result)[:2] == b"PK"


def test_hostile_text_is_written_as_text(schedule, tmp_path):
    """A beneficiary code that a spreadsheet would run stays text: a string cell in the
    workbook, an apostrophe in the CSV."""
    path = tmp_path / "ostile.csv"
    path.write_text(
        "Codice utente;Comune;Servizio;Data inizio;Data fine;Ore settimanali\n"
        '"=HYPERLINK(""http://x.example"";""clic"")";Crema;SAD feriale;01/01/2023;;6\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["previsione", str(path), "--anno", str(YEAR), "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out / f"previsione_{YEAR}_crema.xlsx")["Previsione"]
    cells = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    text = (out / f"previsione_{YEAR}_righe.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
