"""The tabular reader: encodings, separators, file lines, xlsx, locale-aware numbers and dates;
and every reader of the project that goes through it (caseload, reference tables)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cscplan import paths
from cscplan.budget.funding import load_funding_map
from cscplan.errors import InputError
from cscplan.scenarios.api import cost
from cscplan.scenarios.benchmarks import load_benchmark_map
from cscplan.scenarios.caseload import district_comuni, load_caseload
from cscplan.tabular import ENGLISH, ITALIAN, parse_dates, parse_numbers, read_table
from cscplan.tariffs.schedule import load_schedule

SCHEDULE = load_schedule(paths.TARIFFS)
HEADER = "beneficiary_id;comune;item;start;end;qty_per_week"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- reading


def test_lines_count_blank_lines_and_multiline_fields(tmp_path):
    text = '\ufeffa;b\r\n\r\n1;"due\r\nrighe"\r\n\r\n\r\n3;x\r\n'
    table = read_table(write(tmp_path, "t.csv", text))
    assert table.header == ["a", "b"]
    assert table.rows == [["1", "due\r\nrighe"], ["3", "x"]]
    assert table.lines == [3, 7]
    assert table.style == ITALIAN


def test_windows_1252_is_read_and_said(tmp_path):
    table = read_table(write(tmp_path, "t.csv", "nome,comune\nNicolò,Crema\n", "cp1252"))
    assert table.rows == [["Nicolò", "Crema"]]
    assert any("Windows-1252" in note for note in table.notes)
    assert table.style == ENGLISH


def test_separator_is_sniffed_outside_quotes(tmp_path):
    table = read_table(write(tmp_path, "t.csv", '"a;b;c",d\n1,2\n'))
    assert table.header == ["a;b;c", "d"]


def test_unclosed_quote_names_the_record_line(tmp_path):
    with pytest.raises(InputError) as err:
        read_table(write(tmp_path, "t.csv", 'a,b\n1,2\n\n3,"aperto\n4,5\n'))
    assert err.value.row == 4 and "virgolette" in err.value.expected


def test_extra_trailing_separators_are_tolerated_extra_values_are_not(tmp_path):
    table = read_table(write(tmp_path, "t.csv", "a;b;;\n1;2;;\n"))
    assert table.header == ["a", "b"] and table.rows == [["1", "2"]]
    with pytest.raises(InputError) as err:
        read_table(write(tmp_path, "u.csv", "a,b\n1,2\n\n1,7,5\n"))
    assert err.value.row == 4 and "virgola decimale" in err.value.found


@pytest.mark.parametrize(
    ("text", "expected", "found"),
    [
        ("a,a\n1,2\n", "nomi di colonna distinti", "'a' ripetuto"),
        ("a,,b\n1,2,3\n", "un nome per ogni colonna", "colonna 2 senza nome"),
        ("\n\n", "un CSV con intestazione e righe", "file vuoto"),
    ],
)
def test_bad_headers(tmp_path, text, expected, found):
    with pytest.raises(InputError) as err:
        read_table(write(tmp_path, "t.csv", text))
    assert expected in err.value.expected and found in err.value.found


def test_utf16_and_old_xls_are_named(tmp_path):
    with pytest.raises(InputError, match="UTF-16"):
        read_table(write(tmp_path, "t.csv", "a\tb\n", "utf-16"))
    path = tmp_path / "vecchio.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(InputError, match="xls"):
        read_table(path)


def workbook(path: Path, rows: list[list], title: str = "Casi", extra: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row_no, row in enumerate(rows, start=1):
        for col_no, value in enumerate(row, start=1):
            ws.cell(row=row_no, column=col_no, value=value)
    if extra:
        wb.create_sheet(extra)["A1"] = "altro"
    wb.save(path)
    return path


def test_xlsx_first_or_named_sheet_with_excel_row_numbers(tmp_path):
    rows = [[None], ["a", "b", "c"], [None], [7.5, dt.datetime(2024, 1, 15), 1000]]
    path = workbook(tmp_path / "t.xlsx", rows, extra="Secondo")
    table = read_table(path)
    assert table.header_line == 2 and table.lines == [4]
    assert table.rows == [["7,5", "2024-01-15", "1000"]]
    assert read_table(path, sheet="Secondo").header == ["altro"]
    with pytest.raises(InputError) as err:
        read_table(path, sheet="Nessuno")
    assert "Casi" in err.value.expected


# --------------------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize(
    ("text", "italian", "english"),
    [
        ("1.000", 1000.0, None),
        ("2,5", 2.5, 2.5),
        ("1.234,56", 1234.56, 1234.56),
        ("7.5", None, 7.5),
        ("0.500", None, 0.5),
        ("1,000", 1.0, None),
        ("1,234.56", None, 1234.56),
        ("-3", -3.0, -3.0),
        ("12", 12.0, 12.0),
        ("dieci", None, None),
    ],
)
def test_numbers_follow_the_file_convention(text, italian, english):
    for style, expected in ((ITALIAN, italian), (ENGLISH, english)):
        values, why = parse_numbers(pd.Series([text]), style)
        if expected is None:
            assert pd.isna(values[0]) and why[0], (style, text)
        else:
            assert values[0] == pytest.approx(expected) and why[0] == "", (style, text)


def test_refusals_say_why():
    _, why = parse_numbers(pd.Series(["1.000"]), ENGLISH)
    assert "ambiguo" in why[0] and "migliaia" in why[0]
    _, why = parse_numbers(pd.Series(["7.5"]), ITALIAN)
    assert "scrivere 7,5" in why[0]


@settings(deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_italian_formatting_round_trips(value):
    text = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    parsed, why = parse_numbers(pd.Series([text]), ITALIAN)
    assert why[0] == "" and parsed[0] == pytest.approx(float(value), abs=1e-9)


def test_dates_are_real_calendar_dates():
    dates, why = parse_dates(
        pd.Series(["2024-02-29", "29/02/2024", "31/02/2024", "2023-02-30", "x"])
    )
    assert list(dates[:2]) == [pd.Timestamp(2024, 2, 29)] * 2
    assert "febbraio 2024 ha 29 giorni" in why[2]
    assert "febbraio 2023 ha 28 giorni" in why[3]
    assert why[4] == "formato" and dates[2:].isna().all()


# --------------------------------------------------------------------------- the caseload


def caseload_error(tmp_path: Path, text: str, name: str = "casi.csv") -> InputError:
    with pytest.raises(InputError) as err:
        load_caseload(write(tmp_path, name, text), SCHEDULE)
    return err.value


def test_caseload_errors_name_the_file_line(tmp_path):
    rows = [
        HEADER,
        "",
        'B1;Crema;SAAP_D1;2023-01-16;2023-02-28;"10"',
        "",
        "B2;Crema;SAAP_D3;2023-01-16;2023-02-28;10",
    ]
    error = caseload_error(tmp_path, "\r\n".join(rows) + "\r\n")
    assert (error.row, error.column) == (5, "item")


def test_caseload_overlap_names_both_file_lines(tmp_path):
    rows = [
        HEADER,
        "B1;Crema;SAAP_D1;2023-01-16;2023-02-28;10",
        "",
        "B1;Crema;SAAP_D1;2023-02-01;2023-03-31;10",
    ]
    error = caseload_error(tmp_path, "\n".join(rows) + "\n")
    assert error.row == 4 and "riga 2" in error.found


def test_thousands_dot_in_an_italian_file_is_one_thousand(tmp_path):
    """`1.000` ore in a ';' file is one thousand hours: refused as over 168, not read as 1."""
    error = caseload_error(tmp_path, f"{HEADER}\nB1;Crema;SAAP_D1;2023-01-16;2023-02-28;1.000\n")
    assert "168" in error.expected and "1000" in error.found


def test_ambiguous_number_in_a_comma_file_is_refused(tmp_path):
    header = HEADER.replace(";", ",")
    error = caseload_error(tmp_path, f"{header}\nB1,Crema,SAAP_D1,2023-01-16,2023-02-28,1.000\n")
    assert error.row == 2 and "ambiguo" in error.found


def test_impossible_date_names_file_row_and_column(tmp_path):
    error = caseload_error(tmp_path, f"{HEADER}\n\nB1;Crema;SAAP_D1;31/02/2023;28/03/2023;10\n")
    assert (error.row, error.column) == (3, "start")
    assert "febbraio 2023 ha 28 giorni" in error.found and "casi.csv" in str(error)


def test_header_only_caseload_is_one_message(tmp_path):
    assert caseload_error(tmp_path, HEADER + "\n").found == "solo l'intestazione"


def test_xlsx_and_cp1252_caseloads_cost_like_the_csv(tmp_path):
    rows = [
        ["beneficiary_id", "comune", "item", "start", "end", "qty_per_week"],
        ["B1", "Crema", "SAAP_D1", dt.datetime(2023, 1, 16), dt.datetime(2023, 2, 28), 10],
        ["B2", "Offanengo", "AFFIDO_FULL", "10/03/2023", "30/04/2023", None],
    ]
    xlsx = workbook(tmp_path / "casi.xlsx", rows)
    text = "\r\n".join(
        [
            HEADER,
            "B1;Crema;SAAP_D1;16/01/2023;28/02/2023;10",
            "B2;Offanengo;AFFIDO_FULL;10/03/2023;30/04/2023;",
        ]
    )
    cp1252 = write(tmp_path, "casi.csv", text + "\r\n", "cp1252")
    expected = [452.88, 848.40, 283.87, 400.00]
    for path in (xlsx, cp1252):
        costs = cost(path, schedule=SCHEDULE)
        assert costs["gross_eur"].round(2).tolist() == expected, path.name


# --------------------------------------------------------------------------- reference tables


def italian_excel_copy(source: Path, target: Path, encoding: str = "utf-8-sig") -> Path:
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame.to_csv(target, sep=";", index=False, encoding=encoding, lineterminator="\r\n")
    return target


def test_funding_map_saved_by_italian_excel_is_read(tmp_path):
    copy = italian_excel_copy(paths.FUNDING_SOURCES, tmp_path / "fonti.csv")
    assert copy.read_bytes().startswith(b"\xef\xbb\xbf")
    pd.testing.assert_frame_equal(load_funding_map(copy), load_funding_map(paths.FUNDING_SOURCES))


def test_reference_errors_name_the_file_line(tmp_path):
    lines = paths.FUNDING_SOURCES.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",avanzo,", ",avanzi,", 1)
    path = tmp_path / "fonti.csv"
    path.write_text("\n\n".join(lines[:2]) + "\n" + "\n".join(lines[2:]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_funding_map(path)
    assert (err.value.row, err.value.column) == (5, "group")


def test_comuni_and_benchmark_map_in_windows_excel_form(tmp_path):
    comuni = italian_excel_copy(paths.DATA_DIR / "comuni.csv", tmp_path / "comuni.csv", "cp1252")
    assert district_comuni(comuni) == district_comuni()
    mapping = italian_excel_copy(paths.BENCHMARK_MAP, tmp_path / "mappa.csv")
    pd.testing.assert_frame_equal(
        load_benchmark_map(mapping), load_benchmark_map(paths.BENCHMARK_MAP)
    )


def test_benchmark_map_schema_error_names_row_and_column_not_pandera(tmp_path):
    lines = paths.BENCHMARK_MAP.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",utenti,", ",utenze,", 1)
    path = tmp_path / "mappa.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_benchmark_map(path)
    assert (err.value.row, err.value.column) == (3, "table")
    assert "utenze" in err.value.found and "SchemaError" not in str(err.value)


# The plain export is read by pandas' C reader, anything else by the csv module: both must give
# the same table (cells, file lines) or, for a file the fast reader declines, the same error.
CELL = st.text(alphabet=st.sampled_from(list("ab1 ")), max_size=3) | st.sampled_from(
    ["", " ", ";", ",", "\n", '"x"']
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["id", "comune", "item", "id", " "]), min_size=1, max_size=4),
    st.lists(st.lists(CELL, min_size=0, max_size=5), min_size=0, max_size=6),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_the_fast_reader_agrees_with_the_csv_module(header, rows, separator, newline):
    from cscplan import tabular

    records = [header, *[(cells + header)[: len(header) + len(cells) % 3 - 1] for cells in rows]]
    text = newline.join(separator.join(cells) for cells in records) + newline
    sniffed = tabular.sniff_separator(text)

    def outcome(read):
        try:
            table = read()
        except InputError as err:
            return str(err)
        return None if table is None else (table.header, table.rows, list(table.lines))

    fast = outcome(lambda: tabular._plain_csv(text, sniffed, "f.csv", ITALIAN, []))
    slow = outcome(
        lambda: tabular._table(
            "f.csv", tabular._csv_records(text, sniffed, "f.csv"), ITALIAN, [], sniffed
        )
    )
    assert fast is None or fast == slow  # declined, or the same table (or the same error)
