"""Demand benchmarks from the Cremona service maps: growth 2018→2020 per CSC tariff service.

The mapping (``data/cremona_benchmark_map.csv``) ties a Cremona indicator to a CSC tariff
service. Per mapped indicator we report the three yearly values, the year-on-year growth and the
compound annual growth rate (CAGR) 2018→2020. Per CSC service the mapped indicators are summed
year by year and the service's **growth factor is the CAGR applied for one year**:
``(v2020 / v2018) ** (1/2)``. It is a one-year multiplier, comparable with a scenario's
``volumes:`` entry (``SAAP: 1.10``); the raw two-year ratio would double-count a year, and 2020
alone is distorted by Covid. ``mode="pre_covid"`` (2019/2018) and ``mode="ratio"`` (2020/2018)
are offered for comparison.

A benchmark is another city (Cremona, ~72.000 inhabitants, one comune) in other years
(2018–2020), counted with Cremona's own indicator definitions: it suggests an order of magnitude
of demand trends, it is not a forecast for the 48 comuni of the Crema district.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from cscplan.errors import InputError
from cscplan.schemas.service_maps import BENCHMARK_MAP, GROWTH_TABLE, TABLES
from cscplan.tabular import load_reference, quote

YEARS = (2018, 2019, 2020)
MODES = {
    "growth": "growth_factor",
    "ratio": "ratio_2020_2018",
    "pre_covid": "yoy_2019",
}
KEY = ["service_no", "table", "indicator"]
SERVICE_ROW = "(totale servizio)"
MAP_SOURCE = "cremona_benchmark_map.csv"


def load_benchmark_map(path: str | Path) -> pd.DataFrame:
    """Read and validate the mapping CSV (columns as in ``BENCHMARK_MAP``; any CSV dialect that
    :func:`cscplan.tabular.read_table` reads); errors name the file's line."""
    return load_reference(path, lambda frame, source: validate_benchmark_map(frame, source))


def validate_benchmark_map(mapping: pd.DataFrame, source: str = MAP_SOURCE) -> pd.DataFrame:
    """Check columns, types and uniqueness of the mapping; errors name the CSV row."""
    missing = [c for c in BENCHMARK_MAP.columns if c not in mapping.columns]
    if missing:
        raise InputError(source, f"le colonne {list(BENCHMARK_MAP.columns)}", f"mancano {missing}")
    frame = mapping[list(BENCHMARK_MAP.columns)].copy()
    frame[["csc_items", "note"]] = frame[["csc_items", "note"]].fillna("")
    numbers = pd.to_numeric(frame["service_no"], errors="coerce")
    bad = frame.index[numbers.isna() | (numbers % 1 != 0)]
    if len(bad):
        found = repr(frame.loc[bad[0], "service_no"])
        raise InputError(
            source, "un numero di servizio intero", found, row=int(bad[0]) + 2, column="service_no"
        )
    frame["service_no"] = frame["service_no"].astype(int)
    for col in ("cremona_service", "table", "indicator", "csc_service"):
        frame[col] = frame[col].astype(str).str.strip()
    dup = frame.duplicated(KEY, keep="first")
    if dup.any():
        row = int(frame.index[dup][0]) + 2
        raise InputError(source, "ogni indicatore mappato una sola volta", "duplicato", row=row)
    try:
        return BENCHMARK_MAP.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise _schema_error(exc, source) from None


def _schema_error(exc: pa.errors.SchemaErrors, source: str) -> InputError:
    """The first schema failure as row (position + 2), column and value, never pandera's text."""
    first = exc.failure_cases.iloc[0]
    index = pd.to_numeric(pd.Series([first["index"]]), errors="coerce").iloc[0]
    column = first["column"] if isinstance(first["column"], str) else None
    check = str(first["check"])
    expected = {
        "isin": f"uno dei valori {list(TABLES)}",
        "greater_than_or_equal_to": "un numero di servizio ≥ 1",
        "str_length": "un testo non vuoto",
    }
    words = next((text for key, text in expected.items() if key in check), "un valore valido")
    return InputError(
        source,
        words,
        quote(first["failure_case"]),
        row=None if pd.isna(index) else int(index) + 2,
        column=column,
    )


# --------------------------------------------------------------------------- growth


def growth_table(values: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Per mapped indicator and per CSC service: values 2018–2020, growth and growth factor.

    ``level`` is ``indicatore`` (one mapped Cremona row) or ``servizio`` (sum of the service's
    indicators, year by year). A year missing for any indicator of a service leaves that
    service's aggregate NaN: growth is not computed on incomplete sums.
    """
    attrs = dict(mapping.attrs)
    mapping = validate_benchmark_map(mapping)
    mapping.attrs.update(attrs)
    wide = _mapped_values(values, mapping)
    indicators = _with_growth(wide.assign(level="indicatore"))
    services = _with_growth(_service_sums(wide).assign(level="servizio"))
    table = pd.concat([indicators, services], ignore_index=True)
    table = table.sort_values(["csc_service", "level", "service_no", "indicator"], kind="stable")
    return GROWTH_TABLE.validate(table[list(GROWTH_TABLE.columns)].reset_index(drop=True))


def _mapped_values(values: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    numeric = values[values["year"].isin(YEARS)]
    wide = numeric.pivot_table(index=KEY, columns="year", values="value", aggfunc="sum")
    wide = wide.reindex(columns=list(YEARS))
    wide.columns = [f"value_{y}" for y in YEARS]
    lines = numeric.groupby(KEY)["source_line"].min().rename("source_line")
    wide = wide.join(lines).reset_index()
    n_lines = numeric.groupby(KEY)["source_line"].nunique().rename("n_lines")
    lines = mapping.attrs.get("source_lines")
    merged = mapping.reset_index(names="map_row").merge(wide, on=KEY, how="left", indicator=True)
    merged = merged.join(n_lines, on=KEY)
    for problem, mask in (
        ("un indicatore presente nelle mappe di Cremona", merged["_merge"] == "left_only"),
        ("un indicatore che compare in una sola riga della mappa", merged["n_lines"] > 1),
    ):
        if mask.any():
            first = merged[mask].iloc[0]
            position = int(first["map_row"])
            raise InputError(
                mapping.attrs.get("source", MAP_SOURCE),
                f"{problem} (servizio, tabella, voce)",
                f"{first['service_no']} / {first['table']} / {quote(first['indicator'])}",
                row=lines[position] if lines and position < len(lines) else position + 2,
                column="indicator",
            )
    merged["source_lines"] = merged["source_line"].astype(int).astype(str)
    merged["n_indicators"] = 1
    return merged.drop(columns=["_merge", "source_line", "n_lines", "map_row"])


def _service_sums(wide: pd.DataFrame) -> pd.DataFrame:
    cols = [f"value_{y}" for y in YEARS]
    grouped = wide.groupby("csc_service", sort=True)
    sums = grouped[cols].sum(min_count=1)
    incomplete = grouped[cols].apply(lambda g: g.isna().any())
    sums = sums.mask(incomplete)
    meta = grouped.agg(
        csc_items=("csc_items", lambda s: ";".join(dict.fromkeys(";".join(s).split(";")))),
        cremona_service=("cremona_service", lambda s: " + ".join(dict.fromkeys(s))),
        source_lines=("source_lines", ";".join),
        n_indicators=("indicator", "size"),
    )
    out = sums.join(meta).reset_index()
    return out.assign(service_no=0, table="", indicator=SERVICE_ROW, note="")


def _with_growth(frame: pd.DataFrame) -> pd.DataFrame:
    v18, v19, v20 = (frame[f"value_{y}"] for y in YEARS)
    frame = frame.copy()
    frame["yoy_2019"] = _ratio(v19, v18)
    frame["yoy_2020"] = _ratio(v20, v19)
    frame["ratio_2020_2018"] = _ratio(v20, v18)
    frame["growth_factor"] = frame["ratio_2020_2018"] ** 0.5
    frame["cagr_2018_2020"] = frame["growth_factor"] - 1
    frame["yoy_2019"] = frame["yoy_2019"] - 1
    frame["yoy_2020"] = frame["yoy_2020"] - 1
    return frame


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.where(den > 0)
    return (num / den).astype("float64")


# --------------------------------------------------------------------------- multipliers


def benchmark_volume_multipliers(growth: pd.DataFrame, mode: str = "growth") -> dict[str, float]:
    """CSC service → one-year volume multiplier from the Cremona trend.

    ``growth``: CAGR 2018→2020 applied for one year (default); ``pre_covid``: 2019/2018;
    ``ratio``: 2020/2018 (two years at once). Services whose factor cannot be computed (missing
    or zero values) are left out rather than set to 1.
    """
    if mode not in MODES:
        raise InputError(None, f"una modalità tra {sorted(MODES)}", repr(mode), key="mode")
    services = growth[growth["level"] == "servizio"]
    column = MODES[mode]
    factors = services[column] + (1.0 if mode == "pre_covid" else 0.0)
    return {
        svc: round(float(f), 6)
        for svc, f in zip(services["csc_service"], factors, strict=True)
        if not math.isnan(f)
    }


def cremona_sized_volumes(
    values: pd.DataFrame,
    mapping: pd.DataFrame,
    caseload: pd.DataFrame,
    services: list[str] | None = None,
    year: int = 2020,
    service_column: str = "service",
    count_column: str | None = None,
) -> dict[str, float]:
    """Multipliers that make the CSC caseload's count for a service equal Cremona's users.

    The CSC count is the number of caseload rows of the service (or the sum of
    ``count_column``); Cremona's is the service aggregate of the mapped indicators in ``year``.
    ``services`` restricts the result; a requested service with no CSC cases or no Cremona figure
    raises :class:`InputError` (a zero cannot be scaled).
    """
    if year not in YEARS:
        raise InputError(None, f"un anno tra {list(YEARS)}", str(year), key="year")
    if service_column not in caseload.columns:
        raise InputError("caseload", f"la colonna '{service_column}'", "assente")
    growth = growth_table(values, mapping)
    cremona = growth[growth["level"] == "servizio"].set_index("csc_service")[f"value_{year}"]
    if count_column:
        csc = caseload.groupby(service_column)[count_column].sum()
    else:
        csc = caseload.groupby(service_column).size()
    wanted = services if services is not None else sorted(set(cremona.index) & set(csc.index))
    result: dict[str, float] = {}
    for svc in wanted:
        target = cremona.get(svc, math.nan)
        current = float(csc.get(svc, 0))
        if math.isnan(target) or current <= 0:
            raise InputError(
                "caseload",
                f"casi CSC e utenti Cremona {year} per il servizio '{svc}'",
                f"casi CSC {current:g}, Cremona {target:g}",
                key=svc,
            )
        result[svc] = round(float(target) / current, 6)
    return result
