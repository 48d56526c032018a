"""Caseload loading/validation against the 2023 schedule, and the synthetic sample caseload."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan import paths
from cscplan.errors import InputError
from cscplan.scenarios import sample_caseload
from cscplan.scenarios.caseload import CASELOAD_COLUMNS, load_caseload, validate_caseload
from cscplan.tariffs.schedule import load_schedule

BAD = Path(__file__).parent / "bad_inputs"
HEADER = ",".join(CASELOAD_COLUMNS)


@pytest.fixture(scope="module")
def schedule():
    return load_schedule(paths.TARIFFS)


def _error(path: Path, schedule) -> InputError:
    with pytest.raises(InputError) as info:
        load_caseload(path, schedule)
    assert path.name in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("name", "row", "column", "expected", "found"),
    [
        ("caseload_missing_column.csv", 1, "end", "le colonne", "colonne presenti"),
        ("caseload_unknown_item.csv", 3, "item", "codice del tariffario", "SAAP_D3"),
        ("caseload_end_before_start.csv", 4, "end", "non precedente all'inizio", "2023-04-30"),
        ("caseload_outside_schedule.csv", 3, "start", "01/01/2023–31/12/2024", "2022-09-01"),
        ("caseload_negative_qty.csv", 3, "qty_per_week", "non negativo", "-4"),
        ("caseload_text_qty.csv", 3, "qty_per_week", "un numero", "quattro"),
        ("caseload_duplicate_overlap.csv", 4, "start", "senza date sovrapposte", "riga 2"),
    ],
)
def test_bad_caseloads(schedule, name, row, column, expected, found):
    error = _error(BAD / name, schedule)
    assert (error.row, error.column) == (row, column)
    assert expected in error.expected
    assert found in error.found
    assert f"riga {row}" in str(error) and f"colonna '{column}'" in str(error)


def test_decimal_comma_is_accepted(schedule):
    plans = load_caseload(BAD / "caseload_decimal_comma.csv", schedule)
    assert plans.loc[1, "qty_per_week"] == 7.5


def test_semicolon_italian_excel_is_accepted(schedule):
    plans = load_caseload(BAD / "caseload_semicolon.csv", schedule)
    assert list(plans["item"]) == ["SAAP_D1", "ADM", "AFFIDO_FULL"]
    assert plans.loc[0, "start"] == pd.Timestamp("2023-01-09")  # 09/01/2023, day first
    assert plans.loc[1, "qty_per_week"] == 7.5
    assert plans.loc[1, "second_comune"] == "Dovera"
    assert bool(plans.loc[2, "uplift"]) and np.isnan(plans.loc[2, "qty_per_week"])


def test_bom_is_accepted(schedule):
    plans = load_caseload(BAD / "caseload_bom.csv", schedule)
    assert list(plans.columns) == CASELOAD_COLUMNS
    assert list(plans["beneficiary_id"]) == ["B001", "B002"]


def test_types_of_the_validated_frame(schedule):
    plans = load_caseload(BAD / "caseload_semicolon.csv", schedule)
    assert str(plans["start"].dtype) == "datetime64[ns]"
    assert str(plans["group_size"].dtype) == "Int64"
    assert plans["uplift"].dtype == bool and plans["placed_minor"].dtype == bool
    assert plans.loc[0, "second_comune"] == ""


def _frame(**overrides) -> pd.DataFrame:
    row = {
        "beneficiary_id": "B1",
        "comune": "Crema",
        "item": "AID",
        "start": "2023-06-01",
        "end": "2023-08-31",
        "qty_per_week": "6",
        "second_comune": "",
        "group_size": "",
        "uplift": "",
        "placed_minor": "",
    }
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    ("overrides", "column", "expected"),
    [
        ({"group_size": "8"}, "group_size", "dimensione di gruppo prevista"),
        ({"group_size": "2,5"}, "group_size", "intero"),
        ({"item": "SIP", "group_size": "2"}, "group_size", "senza tariffa di gruppo"),
        ({"qty_per_week": ""}, "qty_per_week", "ore o giorni a settimana"),
        ({"item": "AFFIDO_FULL"}, "qty_per_week", "nessuna quantità"),
        ({"item": "CSE_FULL", "qty_per_week": "9"}, "qty_per_week", "7 giorni"),
        ({"uplift": "forse"}, "uplift", "vero/falso"),
        ({"uplift": "1"}, "uplift", "AFFIDO_FULL"),
        ({"placed_minor": "1"}, "placed_minor", "SIP"),
        ({"second_comune": "Dovera"}, "second_comune", "(ADM, SIP)"),
        ({"item": "ADM", "second_comune": "Crema"}, "second_comune", "diverso"),
        ({"item": "ISD_P2", "qty_per_week": "", "end": "2023-06-14"}, "end", "3–6 settimane"),
        ({"item": "ISD_P2", "qty_per_week": "", "end": "2023-07-31"}, "end", "3–6 settimane"),
        ({"start": "31/02/2023"}, "start", "data"),
        ({"comune": ""}, "comune", "non vuoto"),
    ],
)
def test_rule_violations(schedule, overrides, column, expected):
    with pytest.raises(InputError) as info:
        validate_caseload(_frame(**overrides), schedule, "prova.csv")
    assert (info.value.row, info.value.column) == (2, column)
    assert expected in info.value.expected


def test_valid_group_and_isd_plans(schedule):
    frame = pd.concat(
        [
            _frame(group_size="3"),
            _frame(beneficiary_id="B2", item="ISD_P2", qty_per_week="", end="2023-06-21"),
            _frame(beneficiary_id="B3", item="SIP", placed_minor="si", qty_per_week="1,5"),
        ],
        ignore_index=True,
    )
    plans = validate_caseload(frame, schedule, "prova.csv")
    assert plans.loc[0, "group_size"] == 3 and pd.isna(plans.loc[1, "group_size"])
    assert bool(plans.loc[2, "placed_minor"]) and plans.loc[2, "qty_per_week"] == 1.5


def test_typed_frame_input_round_trips(schedule):
    plans = load_caseload(BAD / "caseload_semicolon.csv", schedule)
    again = load_caseload(plans, schedule)
    pd.testing.assert_frame_equal(plans, again)


def test_adjacent_plans_of_the_same_item_are_allowed(schedule):
    frame = pd.concat(
        [_frame(end="2023-06-30"), _frame(start="2023-07-01", end="2023-08-31")],
        ignore_index=True,
    )
    assert len(validate_caseload(frame, schedule, "prova.csv")) == 2


def test_one_bad_row_in_100000_is_named(schedule, tmp_path):
    n = 100_000
    ids = np.char.add("B", np.arange(n).astype(str))
    lines = [HEADER]
    lines += [f"{b},Crema,SAAP_D1,2023-01-09,2023-06-10,12,,,," for b in ids]
    bad_at = 61_234
    lines[bad_at] = f"{ids[bad_at - 1]},Crema,SAAP_D1,2023-01-09,2023-06-10,dodici,,,,"
    path = tmp_path / "grande.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_caseload(path, schedule)
    assert info.value.row == bad_at + 1  # lines[0] is file row 1
    assert info.value.column == "qty_per_week" and "dodici" in info.value.found


@settings(max_examples=60, deadline=None)
@given(
    starts=st.lists(st.integers(0, 300), min_size=2, max_size=6),
    lengths=st.lists(st.integers(0, 60), min_size=6, max_size=6),
)
def test_overlap_detection_matches_pairwise_check(starts, lengths):
    schedule = _shared_schedule()
    base = pd.Timestamp("2023-01-01")
    spans = [
        (base + pd.Timedelta(days=s), base + pd.Timedelta(days=s + n))
        for s, n in zip(starts, lengths, strict=False)
    ]
    spans = [(s, min(e, pd.Timestamp("2023-12-31"))) for s, e in spans]
    frame = pd.concat(
        [_frame(start=f"{s:%Y-%m-%d}", end=f"{e:%Y-%m-%d}") for s, e in spans], ignore_index=True
    )
    overlapping = any(
        a[0] <= b[1] and b[0] <= a[1] for i, a in enumerate(spans) for b in spans[i + 1 :]
    )
    if overlapping:
        with pytest.raises(InputError, match="sovrappone"):
            validate_caseload(frame, schedule, "prova.csv")
    else:
        assert len(validate_caseload(frame, schedule, "prova.csv")) == len(spans)


@functools.cache
def _shared_schedule():
    return load_schedule(paths.TARIFFS)


# --- synthetic sample and reference data ---------------------------------------------------------


@pytest.fixture(scope="module")
def link():
    from cscplan.scenarios.budget_link import linked_cells, load_budget_link
    from cscplan.sources.piano_programma import load_plan
    from cscplan.validation.masked import recover_masked

    plan = load_plan(paths.PIANO_PROGRAMMA)
    frame = load_budget_link(paths.BUDGET_LINK, plan.years)
    lines = recover_masked(plan.budget_lines, plan.stated_totals)
    return frame.join(linked_cells(frame, lines))


@pytest.fixture(scope="module")
def sample(schedule):
    return load_caseload(paths.SAMPLE_CASELOAD, schedule)


def test_sample_regenerates_byte_for_byte(tmp_path):
    out = sample_caseload.main(tmp_path / "sample.csv", examples=tmp_path / "esempi")
    assert out.read_bytes() == paths.SAMPLE_CASELOAD.read_bytes()
    written = sorted((tmp_path / "esempi").iterdir())
    assert [p.name for p in written] == sorted(
        p.name for p in paths.EXAMPLES.iterdir() if p.is_file() and p.suffix != ".md"
    )
    for path in written:
        assert path.read_bytes() == (paths.EXAMPLES / path.name).read_bytes(), path.name


def test_plans_per_comune_follow_the_stated_weights(sample):
    """Per item, no comune has more plans than its weight's share rounded up (the rule of
    data/caseload_sample.md); every comune of the district has plans; Crema has the most."""
    weights = sample_caseload.load_weights()
    share = weights.set_index("comune")["peso"] / weights["peso"].sum()
    people = sample.drop_duplicates(["beneficiary_id", "item"])
    for item, plans in people.groupby("item"):
        counts = plans["comune"].value_counts().reindex(share.index, fill_value=0)
        assert (counts <= np.ceil(share * len(plans) + 1e-9)).all(), item
    per_comune = people["comune"].value_counts()
    assert set(per_comune.index) == set(share.index)
    assert per_comune.idxmax() == "Crema"
    assert per_comune["Crema"] > 10 * per_comune["Ripalta Guerina"]


@given(st.lists(st.floats(0.01, 100.0), min_size=2, max_size=30), st.integers(1, 300))
def test_apportionment_never_gives_a_comune_more_than_its_share_rounded_up(weights, plans):
    comuni = pd.DataFrame({"comune": [f"C{i}" for i in range(len(weights))], "peso": weights})
    share = sample_caseload.Apportionment(comuni)
    for k in range(1, plans + 1):
        share.next()
        assert (share.count <= np.ceil(share.share * k + 1e-9)).all()
    assert share.count.sum() == plans


def test_weights_are_labelled_an_assumption():
    notes = (paths.DATA_DIR / "comuni_pesi.md").read_text(encoding="utf-8")
    assert notes.startswith("IPOTESI")
    weights = sample_caseload.load_weights()
    assert set(weights["fonte"]) == {"ipotesi"} and len(weights) == 48
    assert (paths.EXAMPLES / "README.md").read_text(encoding="utf-8").startswith("SINTETICO")


def test_sample_readme_says_synthetic():
    readme = paths.DATA_DIR / "caseload_sample.md"
    assert readme.read_text(encoding="utf-8").startswith("SINTETICO")


def test_sample_size_and_features(sample):
    assert 300 <= len(sample) <= 2500
    assert (sample["second_comune"] != "").any() and sample["placed_minor"].any()
    assert sample["uplift"].any() and sample["group_size"].notna().any()
    isd = sample[sample["item"].str.startswith("ISD")]
    days = (isd["end"] - isd["start"]).dt.days + 1
    assert len(isd) > 0 and days.between(21, 42).all()


def _independent_gross(plan, schedule) -> float:
    """Gross cost by walking the rate periods (not the sampler's daily arrays)."""
    items = schedule.items.set_index("code")
    unit, vat = items.at[plan.item, "unit"], items.at[plan.item, "vat"]
    rates = schedule.rates[schedule.rates["code"] == plan.item]
    if items.at[plan.item, "group_pricing"]:
        size = 1 if pd.isna(plan.group_size) else int(plan.group_size)
        rates = rates[rates["group_size"] == size]
    day = schedule.period.start
    factor = (1 + schedule.value("vat_rate", day)) if vat == "added" else 1.0
    factor *= (1 + schedule.value("uplift", day)) if plan.uplift else 1.0
    total = 0.0
    for rate in rates.itertuples():
        lo, hi = max(rate.valid_from, plan.start), min(rate.valid_to, plan.end)
        if unit == "package":
            total += rate.rate if rate.valid_from <= plan.start <= rate.valid_to else 0.0
        elif hi >= lo:
            days = pd.date_range(lo, hi, freq="D")
            if unit in ("hour", "day"):
                total += len(days) * plan.qty_per_week / 7 * rate.rate
            elif unit == "week":
                total += len(days) / 7 * rate.rate
            else:
                total += float((rate.rate / days.days_in_month.to_numpy()).sum())
    return total * factor


def test_sample_volume_matches_2020_amount_at_2023_rates(sample, link, schedule):
    gross = pd.Series(
        [_independent_gross(p, schedule) for p in sample.itertuples()], index=sample.index
    )
    for row in link.itertuples():
        implied = gross[sample["item"].isin(row.item_code.split(";"))].sum()
        assert implied == pytest.approx(row.plan_amount, rel=0.05), row.service


def test_budget_link_provenance(link, schedule):
    lines = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8").splitlines()
    codes = set(schedule.items["code"])
    for row in link.itertuples():
        line = lines[row.source_line - 1]
        amount = f"{row.plan_amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        assert amount in line and row.budget_item_label in line, row.source_line
        assert set(row.item_code.split(";")) <= codes
    assert set(link["column"]) == {"PO 2020"}
    saap = link.set_index("budget_item_label").loc["SAAP"]
    assert (saap["plan_amount"], saap["source_line"], saap["objective_id"]) == (2_950_000.0, 583, 5)


def test_comuni_reference():
    comuni = pd.read_csv(paths.DATA_DIR / "comuni.csv")
    assert len(comuni) == 48 and comuni["comune"].is_unique
    assert comuni["fonte"].str.len().gt(0).all()
    lines = paths.PIANO_PROGRAMMA.read_text(encoding="utf-8").splitlines()
    assert "48 Comuni" in lines[71]
    for row in comuni.drop_duplicates("sub_ambito").itertuples():
        assert f"Sub Ambito {row.sub_ambito}" in lines[row.sub_ambito_source_line - 1]


def test_comuni_are_checked_and_canonicalised(schedule, tmp_path):
    from cscplan.scenarios.caseload import district_comuni

    comuni = district_comuni()
    assert len(comuni) == 48 and "Crema" in comuni
    with pytest.raises(InputError) as info:
        load_caseload(BAD / "caseload_unknown_comune.csv", schedule, comuni=comuni)
    assert (info.value.row, info.value.column) == (3, "comune") and "'Milano'" in info.value.found
    typo = tmp_path / "typo.csv"
    typo.write_text(
        "beneficiary_id,comune,item,start,end,qty_per_week\n"
        "B1,Offanenggo,SAAP_D1,2023-01-09,2023-06-10,12\n"
        "B2, crema ,SAAP_D1,2023-01-09,2023-06-10,12\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="forse 'Offanengo'"):
        load_caseload(typo, schedule, comuni=comuni)
    typo.write_text(typo.read_text().replace("Offanenggo", "Offanengo"), encoding="utf-8")
    assert list(load_caseload(typo, schedule, comuni=comuni)["comune"]) == ["Offanengo", "Crema"]


def test_unquoted_decimal_comma_is_named_not_shifted(schedule):
    with pytest.raises(InputError) as info:
        load_caseload(BAD / "caseload_unquoted_decimal_comma.csv", schedule)
    assert info.value.row == 3 and "7 campi" in info.value.found and "';'" in info.value.found
