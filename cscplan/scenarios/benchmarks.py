"""Demand benchmarks from the Cremona service maps: growth per CSC tariff service.

The years are those of the maps (2018–2020 in the bundled document), read from the values. The
mapping (``data/cremona_benchmark_map.csv``) ties a Cremona indicator to a CSC tariff service. Per
mapped indicator we report the yearly values, the year-on-year growth and the compound annual
growth rate (CAGR) from the first to the last year. Per CSC service the mapped indicators are
summed year by year and the service's **growth factor is the CAGR applied for one year**:
``(v_last / v_first) ** (1/(last − first))``. It is a one-year multiplier, comparable with a
scenario's ``volumes:`` entry (``SAAP: 1.10``); the raw ratio would count several years at once,
and 2020 alone is distorted by Covid. ``mode="pre_covid"`` (the first year-on-year growth, 2019
on 2018) and ``mode="ratio"`` (last / first) are offered for comparison.

A benchmark is another city (Cremona, ~72.000 inhabitants, one comune) in other years
(2018–2020), counted with Cremona's own indicator definitions: it suggests an order of magnitude
of demand trends, it is not a forecast for the 48 comuni of the Crema district.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.tabular import load_reference, quote, reference_error

MODES = ("growth", "ratio", "pre_covid")
MAP_COLUMNS = list(metadata.dtypes("benchmark_map"))
KEY = ["service_no", "table", "indicator"]
SERVICE_ROW = "(totale servizio)"
MAP_SOURCE = "cremona_benchmark_map.csv"


def load_benchmark_map(path: str | Path) -> pd.DataFrame:
    """Read and validate the mapping CSV (columns as declared for ``benchmark_map``; any dialect
    :func:`cscplan.tabular.read_table` reads); errors name the file's line."""
    return load_reference(path, lambda frame, source: validate_benchmark_map(frame, source))


def validate_benchmark_map(mapping: pd.DataFrame, source: str = MAP_SOURCE) -> pd.DataFrame:
    """Check columns, types and uniqueness of the mapping; errors name the CSV row."""
    missing = [c for c in MAP_COLUMNS if c not in mapping.columns]
    if missing:
        raise InputError(source, f"le colonne {MAP_COLUMNS}", f"mancano {missing}")
    frame = mapping[MAP_COLUMNS].copy()
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
    return metadata.validate("benchmark_map", frame.astype({"service_no": "int64"}), source)


# --------------------------------------------------------------------------- growth


def growth_table(values: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Per mapped indicator and per CSC service: yearly values, growth and growth factor.

    ``level`` is ``indicatore`` (one mapped Cremona row) or ``servizio`` (sum of the service's
    indicators, year by year). A year missing for any indicator of a service leaves that
    service's aggregate NaN: growth is not computed on incomplete sums.
    """
    attrs = dict(mapping.attrs)
    mapping = validate_benchmark_map(mapping)
    mapping.attrs.update(attrs)
    years = map_years(values)
    wide = _mapped_values(values, mapping, years)
    indicators = _with_growth(wide.assign(level="indicatore"), years)
    services = _with_growth(_service_sums(wide, years).assign(level="servizio"), years)
    table = pd.concat([indicators, services], ignore_index=True)
    table = table.sort_values(["csc_service", "level", "service_no", "indicator"], kind="stable")
    return metadata.validate("cremona_growth", table[growth_columns(years)].reset_index(drop=True))


def map_years(values: pd.DataFrame) -> list[int]:
    """The years of the service maps, read from their values (at least two)."""
    years = sorted(int(y) for y in values["year"].unique())
    if len(years) < 2:
        raise InputError(None, "mappe con valori per almeno due anni", str(years), key="year")
    return years


def growth_columns(years: list[int]) -> list[str]:
    first, last = years[0], years[-1]
    head = ["level", "csc_service", "csc_items", "service_no", "cremona_service", "table"]
    growth = [f"yoy_{y}" for y in years[1:]] + [f"ratio_{last}_{first}", f"cagr_{first}_{last}"]
    return [*head, "indicator", *[f"value_{y}" for y in years], *growth, "growth_factor"] + [
        "n_indicators",
        "source_lines",
        "note",
    ]


def _mapped_values(values: pd.DataFrame, mapping: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    wide = values.pivot_table(index=KEY, columns="year", values="value", aggfunc="sum")
    wide = wide.reindex(columns=years)
    wide.columns = [f"value_{y}" for y in years]
    lines = values.groupby(KEY)["source_line"].min().rename("source_line")
    wide = wide.join(lines).reset_index()
    n_lines = values.groupby(KEY)["source_line"].nunique().rename("n_lines")
    merged = mapping.reset_index(names="map_row").merge(wide, on=KEY, how="left", indicator=True)
    merged = merged.join(n_lines, on=KEY)
    for problem, mask in (
        ("un indicatore presente nelle mappe di Cremona", merged["_merge"] == "left_only"),
        ("un indicatore che compare in una sola riga della mappa", merged["n_lines"] > 1),
    ):
        if mask.any():
            first = merged[mask].iloc[0]
            raise reference_error(
                mapping,
                int(first["map_row"]),
                "indicator",
                f"{problem} (servizio, tabella, voce)",
                f"{first['service_no']} / {first['table']} / {quote(first['indicator'])}",
                MAP_SOURCE,
            )
    merged["source_lines"] = merged["source_line"].astype(int).astype(str)
    merged["n_indicators"] = 1
    return merged.drop(columns=["_merge", "source_line", "n_lines", "map_row"])


def _service_sums(wide: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    cols = [f"value_{y}" for y in years]
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


def _with_growth(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    frame = frame.copy()
    value = {y: frame[f"value_{y}"] for y in years}
    for previous, year in zip(years, years[1:], strict=False):
        frame[f"yoy_{year}"] = _ratio(value[year], value[previous]) - 1
    first, last = years[0], years[-1]
    ratio = _ratio(value[last], value[first])
    frame[f"ratio_{last}_{first}"] = ratio
    frame["growth_factor"] = ratio ** (1 / (last - first))
    frame[f"cagr_{first}_{last}"] = frame["growth_factor"] - 1
    return frame


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.where(den > 0)
    return (num / den).astype("float64")


# --------------------------------------------------------------------------- multipliers


def benchmark_volume_multipliers(growth: pd.DataFrame, mode: str = "growth") -> dict[str, float]:
    """CSC service → one-year volume multiplier from the Cremona trend.

    ``growth``: the CAGR of the maps' years applied for one year (default); ``pre_covid``: the
    first year-on-year growth (2019 on 2018); ``ratio``: last / first year (several years at
    once). Services whose factor cannot be computed (missing or zero values) are left out rather
    than set to 1.
    """
    if mode not in MODES:
        raise InputError(None, f"una modalità tra {sorted(MODES)}", repr(mode), key="mode")
    services = growth[growth["level"] == "servizio"]
    yoy = sorted(c for c in growth.columns if c.startswith("yoy_"))
    ratio = next(c for c in growth.columns if c.startswith("ratio_"))
    column = {"growth": "growth_factor", "ratio": ratio, "pre_covid": yoy[0]}[mode]
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
    year: int | None = None,
    service_column: str = "service",
    count_column: str | None = None,
) -> dict[str, float]:
    """Multipliers that make the CSC caseload's count for a service equal Cremona's users.

    The CSC count is the number of caseload rows of the service (or the sum of
    ``count_column``); Cremona's is the service aggregate of the mapped indicators in ``year``
    (default: the maps' last year).
    ``services`` restricts the result; a requested service with no CSC cases or no Cremona figure
    raises :class:`InputError` (a zero cannot be scaled).
    """
    years = map_years(values)
    year = years[-1] if year is None else year
    if year not in years:
        raise InputError(None, f"un anno delle mappe tra {years}", str(year), key="benchmark_year")
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
