"""Live what-if controls for notebook 03: sliders that re-cost the caseload and compare.

The computation is the pure function :func:`explore` (a one-off reform over the baseline, costed by
the same engine as the build); :func:`scenario_explorer` only wires ipywidgets to it.
"""

from __future__ import annotations

import pandas as pd

from cscplan.fmt import eur, percent
from cscplan.scenarios.api import CostContext, cost
from cscplan.scenarios.compare import summarise
from cscplan.vocabulary import BASELINE

EXPLORATION = "esplorazione"


def exploration_reform(
    service: str, tariff_percent: float, volume_multiplier: float, mix_share: float
) -> dict:
    """The sliders' values as a scenario mapping (same keys as a YAML scenario file)."""
    reform: dict = {"name": EXPLORATION, "label": "Esplorazione interattiva"}
    if tariff_percent:
        reform["tariff_changes"] = [{"service": service, "percent": float(tariff_percent)}]
    if volume_multiplier != 1:
        reform["volume_multipliers"] = {service: float(volume_multiplier)}
    if mix_share:
        reform["operator_mix"] = [
            {"service": "SAAP", "from_item": "SAAP_D1", "to_item": "SAAP_D2", "share": mix_share}
        ]
    return reform


def explore(
    caseload: pd.DataFrame,
    schedule,
    service: str = "SAAP",
    tariff_percent: float = 0.0,
    volume_multiplier: float = 1.0,
    mix_share: float = 0.0,
    year: int | None = None,
) -> pd.DataFrame:
    """Baseline vs the exploration, by service: gross € of each and the difference."""
    reform = exploration_reform(service, tariff_percent, volume_multiplier, mix_share)
    context = CostContext(schedule=schedule)
    monthly = cost(caseload, scenarios=[reform], year=year, context=context, validated=True)
    summary = summarise(monthly)
    wide = summary.pivot_table(
        index="service", columns="scenario", values="gross_eur", aggfunc="sum", sort=True
    )
    wide = wide.reindex(columns=[BASELINE, EXPLORATION]).fillna(0.0)
    wide.loc["Totale"] = wide.sum()
    wide["differenza"] = wide[EXPLORATION] - wide[BASELINE]
    return wide.rename_axis(index="servizio", columns=None)


def formatted(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison with amounts as Italian strings (for display)."""
    shown = comparison.map(eur)
    base = comparison[BASELINE].where(comparison[BASELINE] != 0)
    shown["variazione %"] = (comparison["differenza"] / base).map(
        lambda v: "" if pd.isna(v) else percent(v)
    )
    return shown


def scenario_explorer(caseload: pd.DataFrame, schedule, services: list[str]):
    """ipywidgets panel: service, tariff change %, volume multiplier, SAAP D1→D2 share."""
    import ipywidgets as widgets
    from IPython.display import display

    controls = {
        "service": widgets.Dropdown(options=services, value="SAAP", description="Servizio"),
        "tariff_percent": widgets.FloatSlider(
            value=0, min=-20, max=20, step=1, description="Tariffa %"
        ),
        "volume_multiplier": widgets.FloatSlider(
            value=1, min=0.5, max=1.5, step=0.05, description="Volumi ×"
        ),
        "mix_share": widgets.FloatSlider(
            value=0, min=0, max=1, step=0.05, description="SAAP D1→D2"
        ),
    }
    output = widgets.Output()

    def refresh(_change=None) -> None:
        values = {name: control.value for name, control in controls.items()}
        with output:
            output.clear_output(wait=True)
            display(formatted(explore(caseload, schedule, **values)))

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return widgets.VBox([*controls.values(), output])
