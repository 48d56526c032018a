"""Live what-if controls for notebook 03: re-cost the caseload and compare, by service, comune
or payer.

The computation is the pure function :func:`explore` (a one-off reform over the baseline, costed by
the same engine as the build); :func:`scenario_explorer` only wires ipywidgets to it. The start
date applies to the tariff change (a reform's ``from``); volumes and the operator mix apply to the
whole year, as in the scenario files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from cscplan.errors import InputError
from cscplan.fmt import eur, percent
from cscplan.periods import Period
from cscplan.reports.presentation import payer_columns
from cscplan.scenarios.api import CostContext, cost
from cscplan.scenarios.montecarlo import operator_mix
from cscplan.vocabulary import BASELINE, BASELINE_LABEL

EXPLORATION = "esplorazione"
DIFFERENCE = "differenza"
TOTAL_ROW = "Totale"
BY = {"service": "servizio", "comune": "comune", "payer": "pagatore"}
COLUMN_LABELS = {
    BASELINE: BASELINE_LABEL,
    EXPLORATION: "Esplorazione",
    DIFFERENCE: "Differenza",
}


def exploration_reform(
    services: str | Iterable[str],
    tariff_percent: float,
    volume_multiplier: float,
    mix_share: float,
    start: dt.date | None = None,
    mix: dict | None = None,
) -> dict:
    """The controls' values as a scenario mapping (same keys as a YAML scenario file); ``mix``
    is the operator-mix shift the tariff book allows (:func:`operator_mix`)."""
    chosen = [services] if isinstance(services, str) else list(services)
    reform: dict = {"name": EXPLORATION, "label": "Esplorazione interattiva"}
    if tariff_percent:
        change = {"percent": float(tariff_percent)} | ({"from": start} if start else {})
        reform["tariff_changes"] = [{"service": s} | change for s in chosen]
    if volume_multiplier != 1:
        reform["volume_multipliers"] = dict.fromkeys(chosen, float(volume_multiplier))
    if mix_share and mix:
        reform["operator_mix"] = [mix | {"share": mix_share}]
    return reform


def explore(
    caseload: pd.DataFrame,
    schedule,
    service: str | Iterable[str] | None = None,
    tariff_percent: float = 0.0,
    volume_multiplier: float = 1.0,
    mix_share: float = 0.0,
    period: Period | None = None,
    start: dt.date | None = None,
    by: str = "service",
) -> pd.DataFrame:
    """Baseline vs the exploration by ``by`` (service, comune or payer): gross € of each, the
    difference, and a ``Totale`` row (over ``period``, by default what the schedule dates).
    ``service`` defaults to the service with an operator alternative in the tariff book."""
    if by not in BY:
        raise ValueError(f"by: one of {sorted(BY)}")
    mix = operator_mix(schedule)
    service = default_services(schedule)[:1] if service is None else service
    reform = exploration_reform(service, tariff_percent, volume_multiplier, mix_share, start, mix)
    context = CostContext(schedule=schedule)
    monthly = cost(caseload, scenarios=[reform], period=period, context=context, validated=True)
    if by == "payer":
        labels = payer_columns(amounts=monthly)
        wide = monthly.groupby("scenario")[list(labels)].sum().T
        wide.index = [labels[c] for c in wide.index]
    else:
        wide = monthly.pivot_table(
            index=by, columns="scenario", values="gross_eur", aggfunc="sum", sort=True
        )
    wide = wide.reindex(columns=[BASELINE, EXPLORATION]).fillna(0.0)
    wide.loc[TOTAL_ROW] = wide.sum()
    wide[DIFFERENCE] = wide[EXPLORATION] - wide[BASELINE]
    return wide.rename_axis(index=BY[by], columns=None)


def default_services(schedule) -> list[str]:
    """The services the explorer starts from: the one whose operator mix can move, else all."""
    mix = operator_mix(schedule)
    services = sorted(schedule.items["service"].unique())
    return [mix["service"]] if mix else services


def formatted(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison with Italian headers and amounts as Italian strings (for display)."""
    shown = comparison.map(eur)
    base = comparison[BASELINE].where(comparison[BASELINE] != 0)
    shown["variazione %"] = (comparison[DIFFERENCE] / base).map(
        lambda v: "" if pd.isna(v) else percent(v)
    )
    return shown.rename(columns=COLUMN_LABELS)


def scenario_explorer(caseload: pd.DataFrame, schedule, services: list[str]):
    """ipywidgets panel: services, start date, tariff change %, volume multiplier, the share of
    the operator mix (e.g. SAAP D1→D2, from the tariff book), and the grouping of the results
    (servizio, comune, pagatore)."""
    import ipywidgets as widgets
    from IPython.display import display

    first_day = schedule.period.start
    mix = operator_mix(schedule)
    mix_label = f"{mix['from_item']}→{mix['to_item']}" if mix else "Mix operatori"
    controls = {
        "service": widgets.SelectMultiple(
            options=services,
            value=tuple(s for s in default_services(schedule)[:1] if s in services),
            description="Servizi",
            rows=6,
        ),
        "start": widgets.DatePicker(value=first_day, description="Dal"),
        "tariff_percent": widgets.FloatSlider(
            value=0, min=-20, max=20, step=1, description="Tariffa %"
        ),
        "volume_multiplier": widgets.FloatSlider(
            value=1, min=0.5, max=1.5, step=0.05, description="Volumi ×"
        ),
        "mix_share": widgets.FloatSlider(
            value=0, min=0, max=1, step=0.05, description=mix_label, disabled=mix is None
        ),
        "by": widgets.ToggleButtons(
            options=[(label, key) for key, label in BY.items()],
            value="service",
            description="Risultati per",
        ),
    }
    output = widgets.Output()

    def refresh(_change=None) -> None:
        values = {name: control.value for name, control in controls.items()}
        values["start"] = values["start"] or first_day
        with output:
            output.clear_output(wait=True)
            try:
                display(formatted(explore(caseload, schedule, **values)))
            except InputError as err:  # e.g. a start date outside the costed year
                print(err.message)

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return widgets.VBox([*controls.values(), output])
