"""Cremona demand benchmarks: growth table, multipliers, Cremona-sized volumes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cscplan import paths
from cscplan.errors import InputError
from cscplan.scenarios.benchmarks import (
    benchmark_volume_multipliers,
    cremona_sized_volumes,
    growth_table,
    load_benchmark_map,
)
from cscplan.sources.service_maps import load_service_maps


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    return load_service_maps(paths.SERVICE_MAPS).values


@pytest.fixture(scope="module")
def mapping() -> pd.DataFrame:
    return load_benchmark_map(paths.BENCHMARK_MAP)


@pytest.fixture(scope="module")
def growth(values, mapping) -> pd.DataFrame:
    return growth_table(values, mapping)


def service_row(growth: pd.DataFrame, service: str) -> pd.Series:
    rows = growth[(growth.level == "servizio") & (growth.csc_service == service)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_mapping_file_is_complete(mapping):
    assert {"SAAP", "SAD", "SADH", "CDD", "CSE", "SFA", "SIP", "AFFIDO", "ADM-ADEA"} <= set(
        mapping.csc_service
    )
    assert (mapping.note.str.len() > 40).all()
    assert (mapping.csc_items != "").all()


def test_saap_growth_from_real_figures(growth):
    saap = service_row(growth, "SAAP")
    assert (saap.value_2018, saap.value_2019, saap.value_2020) == (176.0, 172.0, 204.0)
    assert saap.yoy_2019 == pytest.approx(172 / 176 - 1)
    assert saap.yoy_2020 == pytest.approx(204 / 172 - 1)
    assert saap.ratio_2020_2018 == pytest.approx(204 / 176)
    assert saap.growth_factor == pytest.approx((204 / 176) ** 0.5)
    assert saap.cagr_2018_2020 == pytest.approx((204 / 176) ** 0.5 - 1)
    assert saap.source_lines == "1269"


def test_sad_and_sadh_from_their_own_maps(growth):
    sad = service_row(growth, "SAD")
    sadh = service_row(growth, "SADH")
    # SAD (Anziani, line 1508) 330/309/331; SADH (Disabilità, line 1281) 68/80/76
    assert (sad.value_2018, sad.value_2019, sad.value_2020) == (330.0, 309.0, 331.0)
    assert (sadh.value_2018, sadh.value_2019, sadh.value_2020) == (68.0, 80.0, 76.0)
    assert sad.source_lines == "1508" and sadh.source_lines == "1281"
    assert sad.growth_factor == pytest.approx((331 / 330) ** 0.5)
    assert sadh.growth_factor == pytest.approx((76 / 68) ** 0.5)


def test_multipliers_by_mode(growth):
    default = benchmark_volume_multipliers(growth)
    assert default["CDD"] == pytest.approx((48 / 45) ** 0.5, abs=1e-6)
    assert default["SFA"] == pytest.approx(1.5)  # 12 → 27: (27/12)^(1/2)
    pre = benchmark_volume_multipliers(growth, mode="pre_covid")
    assert pre["SIP"] == pytest.approx(53 / 57, abs=1e-6)
    ratio = benchmark_volume_multipliers(growth, mode="ratio")
    assert ratio["AFFIDO"] == pytest.approx(15 / 13, abs=1e-6)  # (12+3)/(11+2)
    assert set(default) == set(pre) == set(ratio)


def test_unknown_mode_is_input_error(growth):
    with pytest.raises(InputError, match="modalità"):
        benchmark_volume_multipliers(growth, mode="boh")


def test_missing_year_leaves_service_out(values, mapping):
    v = values[~((values.service_no == 14) & (values.source_line == 1273) & (values.year == 2020))]
    growth = growth_table(v, mapping)
    assert math.isnan(service_row(growth, "SFA").growth_factor)
    assert "SFA" not in benchmark_volume_multipliers(growth)


def test_cremona_sized_volumes(values, mapping):
    caseload = pd.DataFrame({"service": ["SAAP"] * 20 + ["SIP"] * 7 + ["XYZ"]})
    result = cremona_sized_volumes(values, mapping, caseload)
    assert result == {"SAAP": pytest.approx(204 / 20), "SIP": pytest.approx(8.0)}
    only = cremona_sized_volumes(values, mapping, caseload, services=["SIP"], year=2019)
    assert only == {"SIP": pytest.approx(53 / 7, abs=1e-6)}


def test_cremona_sized_volumes_with_count_column(values, mapping):
    caseload = pd.DataFrame({"service": ["CDD", "CDD"], "users": [10, 14]})
    result = cremona_sized_volumes(values, mapping, caseload, count_column="users")
    assert result == {"CDD": pytest.approx(2.0)}  # Cremona 48 users in 2020


def test_cremona_sized_volumes_rejects_unscalable(values, mapping):
    caseload = pd.DataFrame({"service": ["SAAP"]})
    with pytest.raises(InputError, match="CDD"):
        cremona_sized_volumes(values, mapping, caseload, services=["CDD"])
    with pytest.raises(InputError, match="anno"):
        cremona_sized_volumes(values, mapping, caseload, year=2021)
    with pytest.raises(InputError, match="colonna"):
        cremona_sized_volumes(values, mapping, caseload.rename(columns={"service": "s"}))


def test_unknown_indicator_names_mapping_row(values, mapping):
    bad = mapping.copy()
    bad.loc[3, "indicator"] = "CDD (Centro Diurno)"
    with pytest.raises(InputError) as info:
        growth_table(values, bad)
    assert info.value.row == 5 and info.value.column == "indicator"


def test_ambiguous_indicator_is_rejected(values, mapping):
    extra = pd.DataFrame(
        [[59, "Formazione", "utenti", "POLITICHE SOCIALI", "XYZ", "", "repeated in 3 blocks"]],
        columns=mapping.columns,
    )
    with pytest.raises(InputError, match="una sola riga"):
        growth_table(values, pd.concat([mapping, extra], ignore_index=True))


def test_duplicate_mapping_row_is_rejected(values, mapping):
    with pytest.raises(InputError, match="una sola volta"):
        growth_table(values, pd.concat([mapping, mapping.iloc[[0]]], ignore_index=True))


def test_mapping_missing_column(values, mapping):
    with pytest.raises(InputError, match="mancano"):
        growth_table(values, mapping.drop(columns=["note"]))


def synthetic_values(series: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    rows = []
    for line, (name, vals) in enumerate(series.items(), start=10):
        for year, value in zip((2018, 2019, 2020), vals, strict=True):
            rows.append(
                {
                    "service_no": 1,
                    "service": "S",
                    "table": "utenti",
                    "block": 1,
                    "indicator": name,
                    "row_kind": "segmento",
                    "year": year,
                    "value": value,
                    "cell_kind": "numero",
                    "unit": "",
                    "raw": str(value),
                    "note": "",
                    "source_line": line,
                }
            )
    return pd.DataFrame(rows)


positive = st.floats(min_value=1, max_value=1e6, allow_nan=False)


@settings(deadline=None)  # no timed assertions: a loaded CI machine is not a failure
@given(st.tuples(positive, positive, positive), st.tuples(positive, positive, positive))
def test_growth_invariants(a, b):
    values = synthetic_values({"a": a, "b": b})
    mapping = pd.DataFrame(
        {
            "service_no": [1, 1],
            "cremona_service": ["S", "S"],
            "table": ["utenti", "utenti"],
            "indicator": ["a", "b"],
            "csc_service": ["X", "X"],
            "csc_items": ["X1", "X2"],
            "note": ["", ""],
        }
    )
    growth = growth_table(values, mapping)
    svc = service_row(growth, "X")
    assert svc.value_2018 == pytest.approx(a[0] + b[0])
    # applying the one-year factor twice to 2018 gives 2020
    assert svc.value_2018 * svc.growth_factor**2 == pytest.approx(svc.value_2020)
    assert svc.csc_items == "X1;X2"
    factors = growth.loc[growth.level == "indicatore", "growth_factor"]
    assert min(factors) - 1e-9 <= svc.growth_factor <= max(factors) + 1e-9


def test_mapping_bad_service_number_names_row(tmp_path):
    text = paths.BENCHMARK_MAP.read_text(encoding="utf-8").replace("\n14,", "\nquattordici,", 1)
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_benchmark_map(path)
    assert (info.value.row, info.value.column) == (2, "service_no")


def test_benchmark_map_names_real_tariff_services_and_codes():
    from cscplan.tariffs.schedule import load_schedule

    items = load_schedule(paths.TARIFFS).items
    mapping = load_benchmark_map(paths.BENCHMARK_MAP)
    assert set(mapping["csc_service"]) <= set(items["service"])
    codes = {code for cell in mapping["csc_items"] for code in cell.split(";") if code}
    assert codes - set(items["code"]) == set()


def test_cremona_size_scenario_scales_to_cremona_users():
    import cscplan
    from cscplan.scenarios.compare import summarise

    scenario = paths.SCENARIOS_DIR / "cremona_dimensione_disabilita.yaml"
    caseload = pd.read_csv(paths.SAMPLE_CASELOAD)
    cdd_people = caseload[caseload["item"].str.startswith("CDD_")]["beneficiary_id"].nunique()
    summary = summarise(cscplan.cost(paths.SAMPLE_CASELOAD, scenarios=[scenario]))
    gross = summary.set_index(["scenario", "service"])["gross_eur"]
    expected = gross[("baseline", "CDD")] * 48 / cdd_people  # Cremona: 48 CDD users in 2020
    assert gross[("cremona_dimensione_disabilita", "CDD")] == pytest.approx(expected, rel=1e-5)
    assert gross[("cremona_dimensione_disabilita", "SAAP")] == gross[("baseline", "SAAP")]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"volumes_from": "cremona_size", "benchmark_year": 2017}, "benchmark_year"),
        ({"volumes_from": "milano"}, "volumes_from"),
        (
            {"volumes_from": "cremona_size", "benchmark_services": ["TELESOCCORSO"]},
            "benchmark_services",
        ),
    ],
)
def test_bad_benchmark_options(extra, key):
    import cscplan

    with pytest.raises(InputError) as info:
        cscplan.cost(paths.SAMPLE_CASELOAD, scenarios=[{"name": "prova", **extra}])
    assert info.value.key == key
