"""Monte Carlo on delivery (uptake) and a tornado of scenario parameters.

**Uptake model.** Each plan delivers a random share ``u`` of what is assigned (hours actually
worked, days actually attended). The model is hierarchical, because delivery is not independent
across plans (a hard winter, a strike, an epidemic move every plan of the district together):

* per draw, a district-wide mean uptake ``μ ~ Beta(c·m, c·(1 − m))`` with ``m = a / (a + b)``
  and ``c`` the *common concentration* (default 100: standard deviation of μ ≈ 3 points);
* per plan, ``u ~ Beta(κ·μ, κ·(1 − μ))`` with ``κ = a + b``.

Defaults ``Beta(9, 1)`` (mean 0.9, i.e. 10 % of assigned volume typically not delivered; a single
plan's P10 ≈ 0.77) and ``c = 100``. With ``common=None`` plans are independent, ``u ~ Beta(a, b)``:
the district total then barely varies (the law of large numbers), which understates the risk.
Because costs are linear in ``u`` except the capped district abatement, the engine runs **once**:
per plan-month gross and district amounts are precomputed and every draw rescales them
(``draws × plans`` matrices); the abatement ``min(share × u × comune part, cap)`` is recomputed
per draw for the few plan-months that carry it. Draws come from ``numpy.random.default_rng(seed)``:
the same seed gives identical figures.

**Outputs.** P10/P50/P90 of the annual cost per service and payer (comune, distretto and every
other payer the caseload has: FNA, fondo povertà, famiglia); the
probability that the annual gross exceeds the committed budget (``commitment``: the build passes
the *impegno* given with ``--impegno``, else the plan amounts of the budget lines linked to the
tariff services; ``commitment_source`` says which. Without either it is the baseline cost at full
delivery, which uptake ≤ 1 can never exceed);
and the month in which the median cumulative spend reaches 80 % of the commitment — the
guidelines' quarterly-monitoring alert threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cscplan.periods import Period
from cscplan.scenarios.reforms import apply_reform, parse_scenario
from cscplan.tariffs.engine import (
    PAYER_CODE,
    CostRun,
    PlanMonths,
    months_frame,
    own_amounts,
    plan_months,
)
from cscplan.vocabulary import (
    ALERT_SHARE,
    BASELINE,
    COMUNE,
    DEFAULT_SEED,
    DISTRICT,
    PAYER_COLUMNS,
    PAYERS,
)

DEFAULT_BETA = (9.0, 1.0)
QUANTILES = {"p10_eur": 0.10, "p50_eur": 0.50, "p90_eur": 0.90}
TOTAL = "TOTALE"
DEFAULT_COMMON = 100.0  # concentration of the district-wide mean uptake (None = independent)
CHUNK = 100  # draws per block: bounds memory (block × plans floats)
# where the commitment comes from (``commitment_source`` of montecarlo_summary)
GIVEN, LINKED, FULL_COST = "impegno", "voci_collegate", "costo_pieno"
COMMITMENT_SOURCES = (GIVEN, LINKED, FULL_COST)


@dataclass(frozen=True)
class Simulation:
    """Annual totals per draw and the monthly cumulative path (all unrounded)."""

    services: list[str]
    gross: np.ndarray  # draws × services
    payers: dict[str, np.ndarray]  # payer → draws × services (the payers the caseload has)
    monthly: np.ndarray  # draws × months, total gross per month of the period
    baseline_gross: np.ndarray  # services, full delivery
    baseline_payers: dict[str, np.ndarray]  # payer → services, full delivery (rounded rows)
    baseline_monthly: np.ndarray  # months, full delivery
    period: Period
    month_labels: tuple[str, ...]  # "AAAA-MM" of each month of the period
    draws: int
    seed: int
    beta: tuple[float, float]
    common: float | None = DEFAULT_COMMON


def simulate(
    caseload: pd.DataFrame,
    schedule: Any,
    period: Period | int | None = None,
    *,
    year: int | None = None,
    draws: int = 1000,
    seed: int = DEFAULT_SEED,
    beta: tuple[float, float] = DEFAULT_BETA,
    common: float | None = DEFAULT_COMMON,
    vat_rate: float | None = None,
    district_abatement: bool = True,
) -> Simulation:
    """Draw uptake for every plan and return annual totals per draw (see module docstring)."""
    run = CostRun(BASELINE, caseload, schedule, vat_rate, district_abatement=district_abatement)
    months = plan_months([run], period, year=year)
    return simulate_months(months, draws=draws, seed=seed, beta=beta, common=common)


def simulate_months(
    months: PlanMonths,
    *,
    draws: int = 1000,
    seed: int = DEFAULT_SEED,
    beta=DEFAULT_BETA,
    common: float | None = DEFAULT_COMMON,
) -> Simulation:
    """Monte Carlo over precomputed plan-months (one engine run, draws as a matrix axis)."""
    n_plans = len(months.plans.run)
    services, service_of_plan = np.unique(
        months.plans.labels["service"].to_numpy(dtype=str), return_inverse=True
    )
    linear = _linear_payers(months)
    per_plan = _per_plan(months, linear, n_plans, len(services), service_of_plan)
    abat = np.flatnonzero(months.abatable > 0)
    rng = np.random.default_rng(seed)
    gross = np.zeros((draws, len(services)))
    payers = {payer: np.zeros((draws, len(services))) for payer in linear}
    monthly = np.zeros((draws, len(months.month_labels)))
    names = ["gross", *linear, "monthly"]  # one product per block: plans → every total at once
    stacked = np.hstack([per_plan[name] for name in names])
    edges = np.cumsum([0, *(per_plan[name].shape[1] for name in names)])
    for lo in range(0, draws, CHUNK):
        uptake = draw_uptake(rng, beta, common, min(CHUNK, draws - lo), n_plans)
        block = slice(lo, lo + len(uptake))
        product = uptake @ stacked
        parts = {name: product[:, a:b] for name, a, b in zip(names, edges, edges[1:], strict=False)}
        gross[block], monthly[block] = parts["gross"], parts["monthly"]
        for payer in linear:
            payers[payer][block] = parts[payer]
        moved = _abatement(months, abat, uptake, service_of_plan, len(services))
        payers[DISTRICT][block] += moved
        payers[COMUNE][block] -= moved
    baseline = _rounded_baseline(months, services)
    return Simulation(
        services=[str(s) for s in services],
        gross=gross,
        payers=payers,
        monthly=monthly,
        baseline_gross=baseline["gross_eur"].to_numpy(),
        baseline_payers={p: baseline[PAYER_COLUMNS[p]].to_numpy() for p in linear},
        baseline_monthly=per_plan["monthly"].sum(axis=0),
        period=months.period,
        month_labels=months.month_labels,
        draws=draws,
        seed=seed,
        beta=(float(beta[0]), float(beta[1])),
        common=common,
    )


def _linear_payers(months: PlanMonths) -> dict[str, np.ndarray]:
    """Per row, each payer's amount before the abatement (linear in the uptake): the comune and
    the district always, every other payer the caseload has."""
    own = own_amounts(months)
    own[DISTRICT] = months.district_linear
    if COMUNE in months.shares:  # the abatement is moved per draw, not here
        paying_rest = months.remainder == PAYER_CODE[COMUNE]
        own[COMUNE] = np.where(paying_rest, 0.0, own[COMUNE] + months.abatement)
    rest = months.gross - sum(own.values())
    out = {}
    for payer in PAYERS:
        value = own.get(payer)
        mine = months.remainder == PAYER_CODE.get(payer, -1)
        if mine.any():
            value = np.where(mine, rest, 0.0 if value is None else value)
        if value is not None or payer in (COMUNE, DISTRICT):
            out[payer] = np.zeros(len(rest)) if value is None else value
    return out


def draw_uptake(
    rng: np.random.Generator,
    beta: tuple[float, float],
    common: float | None,
    draws: int,
    plans: int,
) -> np.ndarray:
    """``draws × plans`` uptake shares (see the module docstring for the model)."""
    a, b = float(beta[0]), float(beta[1])
    if common is None:
        return rng.beta(a, b, size=(draws, plans))
    mean = a / (a + b)
    district = rng.beta(common * mean, common * (1 - mean), size=(draws, 1))
    district = np.clip(district, 1e-12, 1 - 1e-12)  # a mean of exactly 0 or 1 has no Beta
    kappa = a + b
    return rng.beta(kappa * district, kappa * (1 - district), size=(draws, plans))


def _rounded_baseline(months: PlanMonths, services: np.ndarray) -> pd.DataFrame:
    """Full-delivery totals per service summed from the cent-rounded costs_monthly rows, so
    that they equal ``costs_summary`` exactly."""
    frame = months_frame(months, rounded=True)
    totals = frame.groupby("service")[["gross_eur", *PAYER_COLUMNS.values()]].sum()
    return totals.reindex(services.astype(str), fill_value=0.0)


def _per_plan(months: PlanMonths, linear: dict, n_plans: int, n_services: int, service_of_plan):
    """Plans × services (annual, gross and each payer) and plans × months at full delivery."""
    column = service_of_plan[months.plan]
    out = {}
    for name, values in (("gross", months.gross), *linear.items()):
        matrix = np.zeros((n_plans, n_services))
        np.add.at(matrix, (months.plan, column), values)
        out[name] = matrix
    monthly = np.zeros((n_plans, len(months.month_labels)))
    np.add.at(monthly, (months.plan, months.month), months.gross)
    out["monthly"] = monthly
    return out


def _abatement(months: PlanMonths, rows, uptake, service_of_plan, n_services) -> np.ndarray:
    """District abatement per draw and service for the plan-months that carry it."""
    result = np.zeros((len(uptake), n_services))
    if len(rows) == 0:
        return result
    plan = months.plan[rows]
    abatement = np.minimum(uptake[:, plan] * months.abatable[rows], months.cap[rows])
    column = service_of_plan[plan]
    for k in np.unique(column):
        result[:, k] = abatement[:, column == k].sum(axis=1)
    return result


# --------------------------------------------------------------------------- tables


def quantile_table(sim: Simulation) -> pd.DataFrame:
    """P10/P50/P90 of the annual cost per service and payer (the comune, the district and each
    other payer the caseload has), plus a TOTALE row per payer."""
    amounts, baseline = sim.payers, sim.baseline_payers
    rows = []
    for payer in amounts:
        columns = [*sim.services, TOTAL]
        draws = np.column_stack([amounts[payer], amounts[payer].sum(axis=1)])
        base = np.append(baseline[payer], baseline[payer].sum())
        for j, service in enumerate(columns):
            row = {"service": service, "payer": payer, "baseline_eur": base[j]}
            row |= {name: np.quantile(draws[:, j], q) for name, q in QUANTILES.items()}
            rows.append(row)
    table = pd.DataFrame(rows)
    money = ["baseline_eur", *QUANTILES]
    table[money] = table[money].round(2)
    return table


def path_table(sim: Simulation, commitment: float | None = None) -> pd.DataFrame:
    """Cumulative spend by month: full delivery and P10/P50/P90 across draws."""
    commitment = _commitment(sim, commitment)
    cumulative = np.cumsum(sim.monthly, axis=1)
    full = np.cumsum(sim.baseline_monthly)
    table = pd.DataFrame(
        {
            "month": list(sim.month_labels),
            "baseline_cum_eur": full,
            **{name: np.quantile(cumulative, q, axis=0) for name, q in QUANTILES.items()},
        }
    )
    table["alert_threshold_eur"] = ALERT_SHARE * commitment
    money = [c for c in table.columns if c.endswith("_eur")]
    table[money] = table[money].round(2)
    return table


def choose_commitment(given: float | None, linked: float | None) -> tuple[float | None, str]:
    """The commitment to test and where it comes from: ``--impegno`` first, then the linked
    budget lines' amounts, else None (the full-delivery cost, see :func:`summary_table`)."""
    if given is not None:
        return float(given), GIVEN
    if linked is not None and linked > 0:
        return float(linked), LINKED
    return None, FULL_COST


def summary_table(
    sim: Simulation, commitment: float | None = None, source: str | None = None
) -> pd.DataFrame:
    """One row: the run's settings, the commitment (and its source), P(exceed), alert month."""
    given = commitment is not None
    source = source or (GIVEN if given else FULL_COST)
    commitment = _commitment(sim, commitment)
    total = sim.gross.sum(axis=1)
    median_path = np.quantile(np.cumsum(sim.monthly, axis=1), 0.5, axis=0)
    reached = np.flatnonzero(median_path >= ALERT_SHARE * commitment)
    a, b = sim.beta
    return pd.DataFrame(
        [
            {
                "draws": sim.draws,
                "seed": sim.seed,
                "beta_a": a,
                "beta_b": b,
                "common_concentration": np.nan if sim.common is None else sim.common,
                "uptake_mean": a / (a + b),
                "commitment_eur": round(commitment, 2),
                "commitment_given": source == GIVEN,
                "commitment_source": source,
                "p10_eur": round(float(np.quantile(total, 0.1)), 2),
                "p50_eur": round(float(np.quantile(total, 0.5)), 2),
                "p90_eur": round(float(np.quantile(total, 0.9)), 2),
                "prob_exceed": float(np.mean(total > commitment)),
                "alert_share": ALERT_SHARE,
                "alert_month": sim.month_labels[reached[0]] if len(reached) else "",
            }
        ]
    )


def _commitment(sim: Simulation, commitment: float | None) -> float:
    return float(sim.baseline_gross.sum()) if commitment is None else float(commitment)


def montecarlo_tables(
    caseload: pd.DataFrame,
    schedule: Any,
    period: Period | int | None = None,
    *,
    year: int | None = None,
    seed: int = DEFAULT_SEED,
    draws: int = 1000,
    commitment: float | None = None,
    beta: tuple[float, float] = DEFAULT_BETA,
    common: float | None = DEFAULT_COMMON,
    commitment_source: str | None = None,
) -> dict[str, pd.DataFrame]:
    """``montecarlo_quantiles``, ``montecarlo_path`` and ``montecarlo_summary`` tables."""
    sim = simulate(
        caseload, schedule, period, year=year, draws=draws, seed=seed, beta=beta, common=common
    )
    return {
        "montecarlo_quantiles": quantile_table(sim),
        "montecarlo_path": path_table(sim, commitment),
        "montecarlo_summary": summary_table(sim, commitment, commitment_source),
    }


# --------------------------------------------------------------------------- tornado

MIX_SHARE = 0.30  # share of plans moved to the other operator profile in the tornado


def operator_mix(schedule: Any, share: float = MIX_SHARE) -> dict | None:
    """The first operator-mix shift the tariff book allows (an item with an
    ``operator_alternative``, e.g. SAAP D1 → D2, line 1430), moving ``share`` of its plans."""
    items = schedule.items
    if "operator_alternative" not in items:
        return None
    alternatives = items[items["operator_alternative"].fillna("") != ""]
    if alternatives.empty:
        return None
    first = alternatives.iloc[0]
    return {
        "service": first["service"],
        "from_item": first["code"],
        "to_item": first["operator_alternative"],
        "share": share,
    }


def sensitivity_reforms(schedule: Any, mix_shift: dict | None = None) -> list[dict]:
    """(parameter, label, low scenario, high scenario) as scenario mappings; the mix shift
    defaults to the tariff book's first operator alternative (:func:`operator_mix`)."""
    services = sorted(set(schedule.items["service"]))

    def tariffs(percent: float) -> list[dict]:
        return [{"service": s, "percent": percent} for s in services]

    def volumes(factor: float) -> dict:
        return dict.fromkeys(services, factor)

    vat = float(schedule.value("vat_rate", schedule.period.start))
    rows = [
        (
            "tariffe",
            "Tariffe ±5%",
            ("−5%", "+5%"),
            {"tariff_changes": tariffs(-5)},
            {"tariff_changes": tariffs(5)},
        ),
        (
            "iva",
            f"IVA dal {percent_text(vat)} al 10%",
            (percent_text(vat), "10%"),
            {},
            {"vat_rate": 0.10},
        ),
        (
            "volumi",
            "Volumi ±10%",
            ("−10%", "+10%"),
            {"volume_multipliers": volumes(0.9)},
            {"volume_multipliers": volumes(1.1)},
        ),
        # low = the baseline (abatement on), high = off: the total does not move, the payer does
        (
            "abbattimento",
            "Abbattimento distrettuale",
            ("sì", "no"),
            {},
            {"flags": {"district_abatement": False}},
        ),
        # the cap of the abatement in a month of start or end: "mensile" read literally (the
        # full cap) or pro-rated like the contribution (line 1525 vs line 1517)
        (
            "tetto_mesi_parziali",
            "Tetto dell'abbattimento nei mesi parziali",
            ("intero", "riproporzionato"),
            {"flags": {"abatement_cap_pro_rata": False}},
            {"flags": {"abatement_cap_pro_rata": True}},
        ),
    ]
    mix_shift = mix_shift or operator_mix(schedule)
    codes = set(schedule.items["code"])
    if mix_shift and {mix_shift["from_item"], mix_shift["to_item"]} <= codes:
        back = mix_shift | {"from_item": mix_shift["to_item"], "to_item": mix_shift["from_item"]}
        share = f"{round(mix_shift['share'] * 100)}%"
        label = f"Mix operatori {mix_shift['from_item']}↔{mix_shift['to_item']} {share}"
        sides = tuple(
            f"{_code(m['from_item'], m['service'])}→{_code(m['to_item'], m['service'])}"
            for m in (back, mix_shift)
        )
        rows.append(("mix", label, sides, {"operator_mix": [back]}, {"operator_mix": [mix_shift]}))
    return [
        {"parameter": p, "label": label, "sides": sides, "low": low, "high": high}
        for p, label, sides, low, high in rows
    ]


def _code(item: str, service: str) -> str:
    """``SAAP_D2`` → ``D2`` within its service (the side labels stay short)."""
    return item.removeprefix(f"{service}_")


def percent_text(share: float) -> str:
    """``0.05`` → ``'5%'`` (whole percents, as the sensitivity labels read)."""
    return f"{share * 100:g}%".replace(".", ",")


def parameter_sensitivity(
    caseload: pd.DataFrame,
    schedule: Any,
    period: Period | int | None = None,
    *,
    year: int | None = None,
    mix_shift: dict | None = None,
) -> pd.DataFrame:
    """Tornado data: annual gross and comune cost at the low/high value of each parameter.

    All variants are costed in one engine call (scenarios stacked as runs). ``low_label`` and
    ``high_label`` say what each side is (``−5%``/``+5%``, ``sì``/``no``): for the district
    abatement the low side is the baseline itself, so its effect on the total is zero and the
    whole effect is on who pays (``comune_delta_high_eur``).
    """
    specs = sensitivity_reforms(schedule, mix_shift)
    runs = [CostRun(BASELINE, caseload, schedule)]
    for spec in specs:
        for side in ("low", "high"):
            reform = parse_scenario(
                {"name": f"{spec['parameter']}_{side}"} | spec[side], "sensibilità"
            )
            plans, new_schedule, options = apply_reform(caseload, schedule, reform)
            runs.append(CostRun(reform.name, plans, new_schedule, **options))
    costs = months_frame(plan_months(runs, period, year=year))
    totals = costs.groupby("scenario")[["gross_eur", "comune_eur"]].sum()
    totals = totals.reindex([run.scenario for run in runs])
    gross, comune = totals["gross_eur"].to_numpy(), totals["comune_eur"].to_numpy()
    rows = []
    for i, spec in enumerate(specs):
        low, high = 1 + 2 * i, 2 + 2 * i
        rows.append(
            {
                "parameter": spec["parameter"],
                "label": spec["label"],
                "low_label": spec["sides"][0],
                "high_label": spec["sides"][1],
                "baseline_eur": gross[0],
                "low_eur": gross[low],
                "high_eur": gross[high],
                "delta_low_eur": gross[low] - gross[0],
                "delta_high_eur": gross[high] - gross[0],
                "comune_delta_low_eur": comune[low] - comune[0],
                "comune_delta_high_eur": comune[high] - comune[0],
            }
        )
    table = pd.DataFrame(rows)
    money = [c for c in table.columns if c.endswith("_eur")]
    table[money] = table[money].round(2)
    swing = np.maximum(
        (table["delta_high_eur"] - table["delta_low_eur"]).abs(),
        (table["comune_delta_high_eur"] - table["comune_delta_low_eur"]).abs(),
    )
    return table.iloc[np.argsort(-swing.to_numpy(), kind="stable")].reset_index(drop=True)
