"""The hardened YAML loader (cscplan.io) and the declarative spec walker (cscplan.yamlspec)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cscplan import io, paths
from cscplan.errors import InputError
from cscplan.yamlspec import (
    Date,
    Either,
    Integer,
    ListOf,
    MapOf,
    Number,
    Record,
    Shorthand,
    Text,
    Where,
    exactly_one,
    not_before,
    optional,
    required,
    show,
)


def parse(text: str):
    return io.parse_yaml(text, "prova.yaml")


def refused(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse(text)
    assert info.value.file == "prova.yaml"
    return info.value


# --------------------------------------------------------------------------- loader


def test_bundled_tariffs_parse_like_pyyaml_with_lines():
    text = paths.TARIFFS.read_text(encoding="utf-8")
    document = parse(text)
    assert document.data == yaml.safe_load(text)
    lines = text.splitlines()
    # the line of items[3].periods[1] holds that period, the line of items[3].code its code
    assert (
        "from: 2023-04-01, to: 2023-12-31, rate: 24.00"
        in lines[document.lines["items[3].periods[1]"] - 1]
    )
    assert "code: SADH_FESTIVO" in lines[document.lines["items[3].code"] - 1]
    assert "isd_comune_share" in lines[document.lines["parameters.isd_comune_share"] - 1]


def test_libyaml_is_used_when_available(monkeypatch):
    made = []

    class Spy(yaml.SafeLoader):
        def __init__(self, stream):
            made.append(stream)
            super().__init__(stream)

    monkeypatch.setattr(yaml, "CSafeLoader", Spy)
    assert parse("a: 1\n").data == {"a": 1} and made == ["a: 1\n"]
    monkeypatch.delattr(yaml, "CSafeLoader")  # without libyaml: PyYAML's own parser
    assert parse("a: [1, 2023-01-31]\n").data == {"a": [1, dt.date(2023, 1, 31)]}


def test_duplicate_key_names_both_lines():
    error = refused("name: x\nvat_rate: 0.1\nlabel: y\nvat_rate: 0.2\n")
    assert (error.row, error.key) == (4, "vat_rate")
    assert "ripetuta (già alla riga 2)" in error.found


def test_duplicate_key_inside_a_list_item():
    error = refused("items:\n  - code: A\n    rate: 1\n    rate: 2\n")
    assert (error.row, error.key) == (4, "items[0].rate")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a: &x 1\nb: *x\n", "&x"),
        ("a: [1]\nb: *x\n", "*x"),
        ("a: &x\n  b: 1\n", "&x"),
    ],
)
def test_anchors_and_aliases_are_refused(text, found):
    assert refused(text).found == found


def test_billion_laughs_is_refused_at_its_first_anchor():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    error = refused("\n".join([*levels, "label: *i"]) + "\n")
    assert (error.row, error.found) == (1, "&a")


def test_nesting_is_bounded_without_recursion():
    deep = "x: " + "[" * 100_000 + "]" * 100_000 + "\n"
    error = refused(deep)
    assert "32 livelli" in error.expected and error.row == 1
    assert len(error.message) < 300
    shallow = "x: " + "[" * 31 + "]" * 31 + "\n"
    assert parse(shallow).data["x"] is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 2023-02-30\n", "data di calendario esistente"),
        ("a: 2023-13-01\n", "data di calendario esistente"),
        ("a: !!python/object/apply:os.system ['echo']\n", "senza tag"),
        ("a: !!binary aGVsbG8=\n", "senza tag"),
        ("a: !!set {x}\n", "senza tag"),
        ("? [a, b]\n: 1\n", "una chiave semplice"),
        ("a: 1\n---\nb: 2\n", "un solo documento"),
        ("a: [1\n", "YAML valido"),
    ],
)
def test_other_hostile_or_broken_inputs(text, expected):
    assert expected in refused(text).expected


def test_scalars_keep_their_yaml_types():
    data = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: 2023-04-01\nf: '2023-04-01'\ng: .inf\n").data
    assert data == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": dt.date(2023, 4, 1),
        "f": "2023-04-01",
        "g": float("inf"),
    }


def test_empty_document_is_none():
    assert parse("# solo un commento\n").data is None


# --------------------------------------------------------------------------- spec walker


PERIOD = Record(
    {"from": required(Date()), "to": required(Date()), "rate": required(Number(minimum=0))},
    rules=[not_before("to", "from")],
)
FILE = Record(
    {
        "name": required(Text(pattern=r"[a-z_]+")),
        "periods": optional(ListOf(PERIOD, 1), []),
        "share": optional(Number(minimum=0, maximum=1)),
        "dated": optional(MapOf(Date(), Number())),
        "size": optional(Either((Integer(minimum=1), Text()))),
        "param": optional(Shorthand(Record({"value": required(Number())}), "value")),
    }
)


def read(text: str) -> dict:
    document = parse(text)
    return FILE.read(document.data, "", Where("prova.yaml", document.lines))


def walker_error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        read(text)
    return info.value


def test_walker_normalises_and_fills_defaults():
    data = read("name: abc\ndated: {2023-01-01: 0.05, 2024-01-01: 0.1}\nparam: 3\nsize: 2\n")
    assert data["periods"] == [] and data["share"] is None
    assert data["dated"] == {dt.date(2023, 1, 1): 0.05, dt.date(2024, 1, 1): 0.1}
    assert data["param"] == {"value": 3.0} and data["size"] == 2


def test_walker_errors_name_key_path_and_line():
    error = walker_error(
        "name: abc\nperiods:\n  - {from: 2023-01-01, to: 2023-03-31, rate: 1}\n"
        "  - {from: 2023-04-01, to: 2023-03-31, rate: 1}\n"
    )
    assert (error.key, error.row) == ("periods[1].to", 4)
    assert error.found == "dal 01/04/2023 al 31/03/2023"


def test_missing_key_points_at_its_parent_line():
    error = walker_error("name: abc\nperiods:\n  - {from: 2023-01-01, rate: 1}\n")
    assert (error.key, error.row, error.found) == ("periods[0].to", 3, "chiave assente")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("name: abc\nshare: .nan\n", "share"),
        ("name: abc\nshare: 1.5\n", "share"),
        ("name: abc\nshare: '0.5'\n", "share"),
        ("name: abc\nshare: true\n", "share"),
        ("name: Abc\n", "name"),
        ("name: abc\ndated: {2023-02-30: 1}\n", None),
        ("name: abc\ndated: {primo: 1}\n", "dated.primo"),
        ("name: abc\nsize: [1]\n", "size"),
        ("name: abc\nother: 1\n", "other"),
    ],
)
def test_walker_refusals(text, key):
    error = walker_error(text)
    if key is not None:
        assert error.key == key


def test_rules_between_keys():
    spec = Record(
        {"item": optional(Text()), "service": optional(Text())},
        rules=[exactly_one("item", "service")],
    )
    with pytest.raises(InputError, match="una sola tra 'item' e 'service'"):
        spec.read({"item": "A", "service": "B"}, "x", Where("f"))
    with pytest.raises(InputError, match="nessuna"):
        spec.read({}, "x", Where("f"))


def test_where_falls_back_to_the_enclosing_key():
    where = Where("f", {"items": 3, "items[1]": 7})
    assert where.row("items[1].periods[0].from") == 7
    assert where.row("items[2]") == 3 and where.row("other") is None


@given(st.one_of(st.text(), st.integers(), st.floats(), st.lists(st.text(), max_size=50)))
def test_show_is_bounded(value):
    assert len(show(value)) <= 80


def test_show_of_huge_values():
    assert show(10**5000) == "un intero di oltre 38 cifre"
    assert len(show({"k" * 10**5: ["v" * 10**5] * 10**3})) <= 80
