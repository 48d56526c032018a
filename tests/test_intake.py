"""Caseloads as offices send them: column profiles, folders of submissions, provenance.

The per-comune submissions of data/esempi/ (three .xlsx and a Windows-1252 CSV, Italian headers,
an extra column) must give back exactly the sample caseload's plans of those comuni.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cscplan import metadata, paths
from cscplan.errors import InputError
from cscplan.intake.profile import load_profile, normalised, parse_profile
from cscplan.intake.provenance import SAMPLE_LABEL, caseload_origin
from cscplan.intake.submissions import read_submissions
from cscplan.periods import Period
from cscplan.scenarios.api import cost
from cscplan.scenarios.caseload import load_caseload
from cscplan.scenarios.sample_submissions import EXAMPLES
from cscplan.tariffs.schedule import load_schedule

BAD = Path(__file__).parent / "bad_inputs"
SAMPLE_YEAR = int(pd.read_csv(paths.SAMPLE_CASELOAD)["start"].str[:4].min())
"""The sample's plans are of one year; its open-ended extracts are closed at that year's end."""


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(paths.TARIFFS)


@pytest.fixture(scope="module")
def profile():
    return load_profile(paths.DEFAULT_PROFILE)


@pytest.fixture(scope="module")
def examples(profile, schedule):
    return read_submissions(paths.EXAMPLES, profile, schedule.items)


def read(path, profile, schedule):
    return read_submissions(path, profile, schedule.items)


def message(excinfo) -> str:
    return excinfo.value.message


# --------------------------------------------------------------------------- profile


def test_default_profile_names_every_required_column_and_known_items(profile, schedule):
    assert set(metadata.TABLES["caseload"].required_names) <= set(profile.columns)
    profile.check_codes(schedule.items["code"])
    assert profile.column_of("ORE  settimanali") == "qty_per_week"
    assert profile.column_of("Data inizio:") == "start"
    assert profile.services[normalised("assistenza  domiciliare ANZIANI feriale")] == "SAD_FERIALE"


def test_required_columns_come_from_the_registry():
    table = metadata.TABLES["caseload"]
    assert table.required_names == ["beneficiary_id", "comune", "item", "start", "end"]
    assert set(table.names) - set(table.required_names) == {
        "qty_per_week",
        "second_comune",
        "group_size",
        "uplift",
        "placed_minor",
    }


def test_a_name_under_two_items_is_refused_with_both_lines():
    data = {
        "name": "prova",
        "columns": {c: [c] for c in metadata.TABLES["caseload"].required_names},
        "services": {"SAD_FERIALE": ["SAD"], "SADH_FERIALE": ["sad"]},
    }
    lines = {"services.SAD_FERIALE": 7, "services.SADH_FERIALE": 8}
    with pytest.raises(InputError) as excinfo:
        parse_profile(data, "profilo.yaml", lines)
    text = message(excinfo)
    assert "riga 8" in text and "services.SADH_FERIALE" in text and "riga 7" in text


@pytest.mark.parametrize(
    ("columns", "fragment"),
    [
        ({"beneficiary_id": ["Utente"]}, "colonna obbligatoria 'comune'"),
        (
            {
                **{c: [c] for c in ("beneficiary_id", "comune", "item", "start", "end")},
                "isee": ["ISEE"],
            },
            "isee",
        ),
    ],
)
def test_profile_columns_are_the_caseload_tables(columns, fragment):
    with pytest.raises(InputError) as excinfo:
        parse_profile({"name": "prova", "columns": columns}, "profilo.yaml")
    assert fragment in message(excinfo)


def test_unknown_item_in_profile_is_refused(schedule):
    columns = {c: [c] for c in metadata.TABLES["caseload"].required_names}
    profile = parse_profile(
        {"name": "prova", "columns": columns, "services": {"SAD_FERIAL": ["sad"]}},
        "profilo.yaml",
        {"services.SAD_FERIAL": 4},
    )
    with pytest.raises(InputError) as excinfo:
        read(BAD / "previsione_bom_upper_case.csv", profile, schedule)
    assert "riga 4" in message(excinfo) and "SAD_FERIAL" in message(excinfo)


# --------------------------------------------------------------------------- the examples


def test_examples_are_the_samples_plans_of_their_comuni(examples, schedule):
    """Read back from xlsx and cp1252 CSV, open ends closed at the year's end: the same plans."""
    from cscplan.forecast.continuity import continuing_plans

    plans = continuing_plans(examples, schedule, None, Period.calendar_year(SAMPLE_YEAR))[0]
    sample = load_caseload(paths.SAMPLE_CASELOAD, schedule)
    mine = sample[sample["comune"].isin(EXAMPLES)]
    key = ["beneficiary_id", "item", "start"]
    left = plans.sort_values(key).reset_index(drop=True)
    right = mine.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_examples_read_with_notes_and_the_extra_column_kept_aside(examples):
    assert [f.suffix for f in examples.files] == [".xlsx", ".xlsx", ".xlsx", ".csv"]
    notes = " ".join(examples.notes)
    assert "prospetto_offanengo.csv: codifica Windows-1252" in notes
    assert "conservate a parte: 'Note'" in notes
    assert set(examples.extras["column"]) == {"Note"}
    assert "progetto in continuità" in set(examples.extras["value"])
    # hours and days came from two columns, merged: each row names its own
    headers = set(examples.origin["header:qty_per_week"]) - {""}
    assert headers == {"Ore settimanali", "Giorni settimanali"}


def test_examples_and_a_copy_are_synthetic_a_changed_copy_is_not(examples, tmp_path):
    assert caseload_origin(paths.EXAMPLES, examples.files).label == SAMPLE_LABEL
    copy = tmp_path / "prospetto.csv"
    shutil.copy(paths.EXAMPLES / "prospetto_offanengo.csv", copy)
    assert caseload_origin(copy, [copy]).synthetic
    copy.write_bytes(copy.read_bytes().replace(b"Offanengo", b"Offanengo "))
    origin = caseload_origin(copy, [copy])
    assert not origin.synthetic and origin.label == "casistica «prospetto.csv»"


def test_cost_reads_a_folder_of_submissions_like_the_sample(schedule):
    """`cscplan cost` and `build --caseload` take the folder too: the same costs as the sample's
    plans of those comuni."""
    folder = cost(paths.EXAMPLES, year=SAMPLE_YEAR)
    sample = cost(paths.SAMPLE_CASELOAD, year=SAMPLE_YEAR)
    people = set(folder["beneficiary_id"])
    mine = sample[sample["beneficiary_id"].isin(people)]
    assert folder["gross_eur"].sum() == pytest.approx(mine["gross_eur"].sum(), abs=0.01)
    by_comune = folder.groupby("comune")["comune_eur"].sum()
    assert (
        by_comune.round(2).to_dict()
        == mine.groupby("comune")["comune_eur"].sum().round(2).to_dict()
    )


# --------------------------------------------------------------------------- what is accepted


def test_bom_comma_upper_case_headers_and_an_extra_column(profile, schedule):
    submission = read(BAD / "previsione_bom_upper_case.csv", profile, schedule)
    assert list(submission.plans["item"]) == ["SAD_FERIALE", "AFFIDO_FULL"]
    assert list(submission.plans["end"]) == ["", "2023-09-30"]
    assert list(submission.extras["value"]) == ["Rossi", "Bianchi"]


def test_tariff_codes_and_labels_are_service_names(profile, schedule, tmp_path):
    path = tmp_path / "codici.csv"
    label = schedule.items.set_index("code").at["SAAP_D2", "label"]
    path.write_text(
        "Codice utente;Comune;Servizio;Data inizio;Data fine;Ore settimanali\n"
        "A;Crema;sad_feriale;01/01/2023;;6\n"
        f"B;Crema;{label.upper()};11/09/2023;22/12/2023;10\n",
        encoding="utf-8",
    )
    assert list(read(path, profile, schedule).plans["item"]) == ["SAD_FERIALE", "SAAP_D2"]


# --------------------------------------------------------------------------- what is refused


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        (
            "previsione_unknown_service.xlsx",
            ["riga 3", "'Servizio'", "forse 'Assistenza domiciliare anziani'"],
        ),
        ("previsione_hours_text.xlsx", ["riga 2", "'Ore settimanali'", "'dodici'"]),
        ("previsione_impossible_date.csv", ["riga 3", "'Data fine'", "febbraio 2024 ha 29 giorni"]),
        ("previsione_missing_column.csv", ["riga 1", "'Data inizio'", "più simile: 'Data inizo'"]),
        ("previsione_hours_and_days.csv", ["riga 3", "'Ore settimanali' e 'Giorni settimanali'"]),
    ],
)
def test_bad_submission_names_file_line_and_header(name, fragments, profile, schedule):
    with pytest.raises(InputError) as excinfo:
        read(BAD / name, profile, schedule)
    text = message(excinfo)
    assert name in text
    for fragment in fragments:
        assert fragment in text, text


def test_the_same_beneficiary_in_two_files_names_both(profile, schedule):
    with pytest.raises(InputError) as excinfo:
        read(BAD / "previsione_two_files", profile, schedule)
    text = message(excinfo)
    assert "prospetto_offanengo.csv, riga 3, colonna 'Codice utente'" in text
    assert "'U07' anche in" in text and "prospetto_crema.csv riga 3" in text


def test_rules_checked_on_the_plans_point_back_at_the_file(profile, schedule, tmp_path):
    """An overlap found on the combined plans: the file's own lines (a blank line counted)."""
    from cscplan.forecast.continuity import continuing_plans

    path = tmp_path / "sovrapposti.csv"
    path.write_text(
        "Codice utente;Comune;Servizio;Data inizio;Data fine;Ore settimanali\n"
        "A;Crema;SAD feriale;01/01/2023;30/06/2023;6\n"
        "\n"
        "A;Crema;SAD feriale;01/06/2023;;6\n",
        encoding="utf-8",
    )
    submission = read(path, profile, schedule)
    with pytest.raises(InputError) as excinfo:
        continuing_plans(submission, schedule, None, schedule.period)
    text = message(excinfo)
    assert "sovrapposti.csv, riga 4, colonna 'Data inizio'" in text
    assert "si sovrappone al piano della riga 2" in text


def test_a_comune_outside_the_district_is_named_in_the_file(profile, schedule, tmp_path):
    from cscplan.forecast.continuity import continuing_plans
    from cscplan.scenarios.caseload import district_comuni

    path = tmp_path / "comune.csv"
    path.write_text(
        "Codice utente;Comune;Servizio;Data inizio;Data fine;Ore settimanali\n"
        "A;Offanenggo;SAD feriale;01/01/2023;;6\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as excinfo:
        continuing_plans(
            read(path, profile, schedule), schedule, district_comuni(), schedule.period
        )
    assert "riga 2, colonna 'Comune'" in message(excinfo) and "forse 'Offanengo'" in message(
        excinfo
    )


def test_an_empty_folder_is_refused(profile, schedule, tmp_path):
    (tmp_path / "leggimi.md").write_text("niente", encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        read(tmp_path, profile, schedule)
    assert "almeno un file .xlsx o .csv" in message(excinfo)
