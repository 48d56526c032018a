"""Cremona service maps: real figures pinned from data/raw/003, schema, checks, broken inputs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cscplan import metadata, paths
from cscplan.errors import InputError
from cscplan.sources.service_maps import (
    ServiceMaps,
    load_service_maps,
    parse_cell,
    parse_service_maps,
)
from cscplan.validation.findings import findings_frame
from cscplan.validation.service_map_checks import check_service_map_totals

BAD = Path(__file__).parent / "bad_inputs"


@pytest.fixture(scope="module")
def maps() -> ServiceMaps:
    return load_service_maps(paths.SERVICE_MAPS)


def series(maps: ServiceMaps, service_no: int, indicator: str, table: str = "utenti") -> list:
    v = maps.values
    rows = v[(v.service_no == service_no) & (v.table == table) & (v.indicator == indicator)]
    return [rows.loc[rows.year == y, "value"].tolist() for y in (2018, 2019, 2020)]


# --------------------------------------------------------------------------- counts


def test_counts_of_maps_and_absent(maps):
    assert len(maps.maps) == 69
    assert maps.absent["service_no"].tolist() == [62, 63, 64, 73]
    assert maps.absent["source_line"].tolist() == [122, 123, 124, 142]
    assert maps.absent.loc[3, "service"] == "Infrastrutture tecnologiche"
    assert set(maps.maps.service_no) | set(maps.absent.service_no) == set(range(1, 74))


def test_tables_names(maps):
    assert set(maps.tables()) == {"service_maps", "service_map_values", "service_maps_absent"}
    assert maps.tables()["service_map_values"] is maps.values


# --------------------------------------------------------------------------- headers


def test_header_on_same_line(maps):
    row = maps.maps.set_index("service_no").loc[1]
    assert row.service == "Sicurezza stradale e infortunistica"
    assert row.map_title == "POLIZIA STRADALE E INFORTUNISTICA"
    assert row.responsible == "SFORZA PIERLUIGI"
    assert row.area == "Servizi di Polizia Locale e per la Sicurezza"
    assert row.staff == "29"
    assert row.management_form == "diretta"
    assert row.source_line == 144


def test_header_names_after_labels_and_bold(maps):
    m = maps.maps.set_index("service_no")
    assert m.loc[14, ["map_title", "responsible", "source_line"]].tolist() == [
        "DISABILITA'",
        "EUGENIA GROSSI",
        1196,
    ]
    assert m.loc[8, ["map_title", "responsible"]].tolist() == ["STATO CIVILE", "VESCOVI MARIO"]
    # label / value / label / value layout
    assert m.loc[37, ["map_title", "responsible"]].tolist() == [
        "TURISMO",
        "GHILARDI LAMBERTO (AD INTERIM)",
    ]
    assert m.loc[14, "area"] == "Servizi sociali"


def test_management_form_marks_and_notes(maps):
    m = maps.maps.set_index("service_no")
    assert m.loc[14, "management_form"] == "mista"
    assert m.loc[14, "management_marked"] == "diretta;esternalizzata;mista"
    assert m.loc[14, "management_note"].startswith("Diretta: Valutazione del singolo caso")
    assert m.loc[15, "management_marked"] == "diretta;mista"
    assert m.loc[20, "management_form"] == "esternalizzata"
    assert m.loc[29, "management_note"] == "anche Enti esterni"
    assert m.loc[37, "management_note"] == "Gestione mista del front office (Infopoint)"
    assert m.loc[61, "management_form"] == "diretta"  # "Diretta" written instead of X
    assert (m.management_form != "").all()


def test_elements_and_structures(maps):
    m = maps.maps.set_index("service_no")
    assert m.loc[16, "core_elements"].split(" | ") == [
        "Residenza Sanitaria Assistenziale (RSA)",
        "Centro Diurno Integrato (CDI)",
        "Servizio di Assistenza Domiciliare (SAD)",
    ]
    assert m.loc[61, "core_elements"] == "Gestione finanziaria risorse umane dell'Ente"
    assert m.loc[10, "structures"].split(" | ") == [
        "Nido San Francesco",
        "Nido Lancetti",
        "Nido Navaroli",
        "Nido Sacchi",
    ]


# --------------------------------------------------------------------------- values


def test_social_services_users(maps):
    assert series(maps, 14, "SAAP (Servizio di assistenza all'autonomia personale)") == [
        [176.0],
        [172.0],
        [204.0],
    ]
    assert series(maps, 14, "CDD (Centro Diurno Disabili)") == [[45.0], [45.0], [48.0]]
    assert series(maps, 16, "Servizio di Assistenza Domiciliare (SAD)") == [
        [330.0],
        [309.0],
        [331.0],
    ]
    assert series(maps, 15, "Minorenni coinvolti in incontri protetti") == [
        [57.0],
        [53.0],
        [56.0],
    ]
    assert series(maps, 16, "Totale") == [[1473.0], [1486.0], [1421.0]]


def test_thousands_and_decimals(maps):
    assert series(maps, 3, "pattuglie appiedate di quartiere", "output") == [
        [10224.0],
        [12085.0],
        [5932.0],
    ]
    assert series(maps, 7, "n. certificati emessi ai privati", "output") == [
        [32668.0],
        [28191.0],
        [11781.0],
    ]
    semi = "n. ore educative erogate a bambino (semidivezzi e divezzi)"
    assert series(maps, 10, semi, "output") == [[154.875], [161.58], []]


def test_empty_cells_have_no_row_and_text_cells_are_nan(maps):
    v = maps.values
    assert v[(v.service_no == 10) & (v.year == 2020)].empty  # asili nido: 2020 column empty
    nd = v[(v.service_no == 30) & (v.indicator == "Cittadini")]
    assert len(nd) == 3 and nd.value.isna().all() and set(nd.raw) == {"nd"}
    assert (v.value.isna() == (v.cell_kind == "testo")).all()
    assert (v.loc[v.value == 0, "raw"] == "0").all()  # a zero is only ever a written 0


def test_annotated_number_and_extra_column(maps):
    v = maps.values
    fam = v[(v.service_no == 18) & (v.indicator == "Famiglie") & (v.year == 2020)].iloc[0]
    assert fam.value == 1047 and fam.cell_kind == "numero_annotato"
    assert fam.note.startswith("(presenze conteggiate")
    spesa = v[(v.service_no == 61) & (v.source_line == 4718) & (v.year == 2018)].iloc[0]
    assert spesa.value == 23904500.0 and spesa.note == "Dati estratti da J-Ente"
    imu = v[(v.service_no == 56) & (v.indicator == "valore accert.IMU emessi")]
    assert imu.unit.tolist() == ["€"] * 3 and imu.value.tolist()[0] == 3914441.0


def test_repeated_tables_are_numbered_blocks(maps):
    v = maps.values
    formazione = v[(v.service_no == 59) & (v.table == "utenti")]
    assert sorted(formazione.block.unique()) == [1, 2, 3, 4]
    soc = formazione[formazione.indicator == "POLITICHE SOCIALI"]
    assert soc.groupby("block").value.first().tolist() == [47.0, 6.0, 11.0]


def test_schemas_describe_every_column():
    for name in ("service_maps", "service_map_values", "service_maps_absent"):
        schema = metadata.schema(name)
        assert all(col.description for col in schema.columns.values()), name


# --------------------------------------------------------------------------- totals check


def test_real_totals_agree(maps):
    totals = maps.values[maps.values.row_kind == "totale"]
    assert sorted(totals.service_no.unique()) == [14, 15, 16, 17, 59]
    assert len(totals) == 15
    assert check_service_map_totals(maps.values) == []


def test_wrong_total_is_an_error_finding():
    parsed = load_service_maps(BAD / "maps_wrong_total.txt")
    findings = check_service_map_totals(parsed.values)
    assert len(findings) == 1
    f = findings[0]
    assert (f.check, f.severity, f.table, f.column) == (
        "totale_mappa",
        "error",
        "mappe_cremona",
        "2019",
    )
    assert (f.stated, f.computed, f.delta, f.source_line) == (420.0, 413.0, 7.0, 37)
    assert f.objective_id is None
    assert "superiore di 7" in f.message
    assert findings_frame(findings).loc[0, "delta"] == 7.0


def test_total_with_missing_segment_year_sums_what_is_there():
    # Telesoccorso has no 2020 value: 2020 total 331 = SAD 331 only
    parsed = load_service_maps(BAD / "maps_wrong_total.txt")
    v = parsed.values
    assert v[(v.indicator == "Telesoccorso") & (v.year == 2020)].empty


# --------------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.085", (12085.0, "", "", "numero")),
        ("154,875", (154.875, "", "", "numero")),
        ("1.368.283", (1368283.0, "", "", "numero")),
        ("12.200,00", (12200.0, "", "", "numero")),
        ("100,00%", (100.0, "%", "", "numero")),
        ("€ 892.680", (892680.0, "€", "", "numero")),
        (
            "10 + 6 referenti territoriali",
            (10.0, "", "+ 6 referenti territoriali", "numero_annotato"),
        ),
        ("2: Progetto", (2.0, "", "Progetto", "numero_annotato")),
    ],
)
def test_parse_cell(raw, expected):
    assert parse_cell(raw) == expected


@pytest.mark.parametrize("raw", ["nd", "n.d.", "/", "//", "non previsto", "gg ritardo: +1,55"])
def test_text_cells(raw):
    value, _, _, kind = parse_cell(raw)
    assert math.isnan(value) and kind == "testo"


@pytest.mark.parametrize("raw", ["3.09", "1.2345", "12,5,3", "3O", "12.0855", "1..2"])
def test_malformed_numbers_raise(raw):
    with pytest.raises(ValueError):
        parse_cell(raw)


@given(st.integers(min_value=0, max_value=10**12))
def test_italian_thousands_round_trip(n):
    text = f"{n:,}".replace(",", ".")
    assert parse_cell(text)[0] == n
    assert parse_cell(str(n))[0] == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=999))
def test_italian_decimals_round_trip(units, cents):
    text = f"{units:,}".replace(",", ".") + f",{cents:03d}"
    assert parse_cell(text)[0] == pytest.approx(units + cents / 1000)


# --------------------------------------------------------------------------- broken inputs


@pytest.mark.parametrize(
    ("name", "row", "fragment"),
    [
        ("empty", None, "file vuoto"),
        ("truncated", 10, "Utenti seguiti"),
        ("bad_number", 29, "'3.09'"),
        ("missing_map", 11, "3 servizi pubblicati"),
        ("wrong_order", 10, "Biblioteche"),
        ("no_dates", 28, "riga delle date"),
        ("short_row", 29, "2 celle"),
        ("no_index", None, "indice numerato"),
        ("no_maps", None, "ANALISI DELLA FORMULA GESTIONALE"),
        ("no_title", 10, "nome del servizio"),
        ("cp1252", 27, "UTF-8"),
        ("duplicate_year", 29, "righe non ripetute per la chiave"),
    ],
)
def test_bad_inputs_raise_input_error(name, row, fragment):
    path = BAD / f"maps_{name}.txt"
    with pytest.raises(InputError) as info:
        load_service_maps(path)
    assert info.value.row == row
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_bad_number_names_year_column():
    with pytest.raises(InputError) as info:
        load_service_maps(BAD / "maps_bad_number.txt")
    assert info.value.column == "2019"


def test_parse_empty_text():
    with pytest.raises(InputError, match="testo vuoto"):
        parse_service_maps("", source="x.txt")


@given(st.text(alphabet=st.sampled_from("ab1.,\t\n X%€/"), max_size=200))
def test_arbitrary_text_only_raises_input_error(text):
    try:
        parse_service_maps(text, source="fuzz")
    except InputError:
        pass


def test_values_frame_is_schema_valid_and_sorted_by_line(maps):
    metadata.validate("service_map_values", maps.values)
    assert maps.values.source_line.is_monotonic_increasing
    assert maps.maps.source_line.is_monotonic_increasing
