"""Shared utilities: Italian formatting, input errors, atomic writes, safe source reading."""

from pathlib import Path

import pandas as pd
import pytest

from cscplan.errors import InputError
from cscplan.fmt import eur, percent, signed_eur
from cscplan.io import atomic_write, read_source_text, write_csv


def test_eur_uses_italian_separators():
    assert eur(1234.56) == "1.234,56 €"
    assert eur(6323674.94) == "6.323.674,94 €"
    assert eur(0) == "0,00 €"
    assert eur(float("nan")) == "—"


def test_signed_eur_and_percent():
    assert signed_eur(-250) == "−250,00 €"
    assert signed_eur(1.5) == "+1,50 €"
    assert percent(0.125) == "12,5%"


def test_input_error_names_file_row_and_column():
    err = InputError("casi.csv", "un numero >= 0", "'-3'", row=7, column="qty_per_week")
    assert (
        str(err)
        == "file casi.csv, riga 7, colonna 'qty_per_week': atteso un numero >= 0; trovato '-3'"
    )


def test_read_source_text_rejects_empty_binary_and_cp1252(tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(InputError, match="file vuoto"):
        read_source_text(empty)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02PK")
    with pytest.raises(InputError, match="binario"):
        read_source_text(binary)
    legacy = tmp_path / "cp1252.txt"
    legacy.write_bytes("riga uno\nCosto € 1.000,00\n".encode("cp1252"))
    with pytest.raises(InputError, match="riga 2.*UTF-8"):
        read_source_text(legacy)


def test_atomic_write_keeps_previous_file_when_writer_fails(tmp_path: Path):
    target = tmp_path / "out.csv"
    write_csv(target, pd.DataFrame({"a": [1]}))
    before = target.read_bytes()

    def failing(path: Path) -> None:
        path.write_text("partial")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        atomic_write(target, failing)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
