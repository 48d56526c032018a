"""Error localisation (Fellegi–Holt): the fewest stated cells whose correction makes every
identity of the Piano Programma hold, their corrected values, and every equally small alternative.

This is the method of Statistics Netherlands' ``errorlocate``, solved as a mixed-integer program
with ``scipy.optimize.milp`` (the HiGHS solver), in integer cents (the plan's 12 million euros
are ~10⁹ cents, above what ``errorlocate`` accepts, so the problem is written here directly):

    minimise   Σ wᵢ δᵢ                         (wᵢ: the weight of the cell's role)
    subject to |Σⱼ aₖⱼ (sⱼ + dⱼ)| ≤ 1 cent      for every identity k (the checks' ±0,01 €)
               |dᵢ| ≤ M δᵢ,  δᵢ ∈ {0, 1},  dᵢ integer cents

where sᵢ is the stated value, dᵢ the correction and δᵢ = 1 when cell i is changed; corrected
amounts stay ≥ 0 except the comparison's variations. Masked cells (``#####``) have no stated
value: their value is a free variable with no cost. ``M`` is the sum of the identities' absolute
residuals: a correction only has to undo residuals, and the identities are sums with
coefficients ±1. Implied cover cuts (:func:`_covers`) keep the relaxation tight. The weights are
data (``data/localisation_weights.csv``): a stated total is cheaper to change than a budget line,
a line cheaper than a revenue item.

Ties: after the optimum, a no-good cut (``Σ_{i∈S} δᵢ ≤ |S| − 1``) excludes the solution found
and its supersets, and the program is solved again until the objective grows; at most
:data:`MAX_SOLUTIONS` solutions are listed (the finding says when the list was cut). Each
solution is verified exactly in integers before it is published.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, diags_array, hstack, vstack

from cscplan import metadata
from cscplan.errors import InputError
from cscplan.fmt import eur, number
from cscplan.validation.checks import PlanContext
from cscplan.validation.findings import Finding
from cscplan.validation.identities import ROLES, Identity, plan_cells, plan_identities
from cscplan.vocabulary import COMPARISON, MULTIYEAR, REVENUE, SHEET, VARIATION

CHECK = "error_localisation"
MAX_SOLUTIONS = 20
TOLERANCE_CENTS = 1
TIE_TOLERANCE = 1e-6
# HiGHS presolve is off: with it, HiGHS 1.12 prints a stray debug line on such big-M programs
# (ERGO-Code/HiGHS#2783); without it the bundled plan solves in a fraction of a second.
SOLVER_OPTIONS = {"presolve": False}
# Seconds for the whole localisation. Only a pathological document comes near it (a minimal
# test document with one objective against the full revenue table takes a few seconds): a solve
# stopped by it still gives its best solution, and the finding says that minimality and the
# completeness of the list are then not proven.
TIME_BUDGET = 60.0


@dataclass(frozen=True)
class Localisation:
    """The tied minimal solutions: per solution, changed cell id → corrected cents and masked
    cell id → its value (``None`` if the identities leave it open); whether the list was cut."""

    cells: pd.DataFrame
    solutions: tuple[dict[str, int], ...]
    masked: tuple[dict[str, int | None], ...]
    weight: float
    cap: int
    truncated: bool
    proven: bool = True


# --- weights -----------------------------------------------------------------------------------


def load_weights(path: str | Path) -> dict[str, float]:
    """``role → weight`` from the CSV (columns role, weight, note); every role of
    :data:`cscplan.validation.identities.ROLES` once, each weight a positive number."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, "un CSV UTF-8 con le colonne role, weight, note", str(exc)) from None
    missing = [c for c in ("role", "weight", "note") if c not in frame.columns]
    if missing:
        raise InputError(path, "le colonne role, weight, note", f"mancano {missing}", row=1)
    weights: dict[str, float] = {}
    for index, row in frame.iterrows():
        weights[row["role"].strip()] = _weight(row, int(index) + 2, path, weights)
    absent = [role for role in ROLES if role not in weights]
    if absent:
        raise InputError(
            path, f"una riga per ciascun ruolo {', '.join(ROLES)}", f"mancano {absent}"
        )
    return weights


def _weight(row: pd.Series, line: int, path: Path, seen: dict) -> float:
    role = row["role"].strip()
    if role not in ROLES or role in seen:
        expected = f"un ruolo tra {', '.join(ROLES)}, una sola volta"
        raise InputError(path, expected, repr(role), row=line, column="role")
    try:
        weight = float(row["weight"])
    except ValueError:
        weight = float("nan")
    if not weight > 0:
        raise InputError(
            path, "un peso positivo come 1.5", repr(row["weight"]), row=line, column="weight"
        )
    return weight


# --- the program -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """The identities as a sparse matrix over the cells, with the stated values in cents."""

    cells: pd.DataFrame
    matrix: csr_array  # identities × cells
    stated: np.ndarray  # cents; 0 for masked cells
    free: np.ndarray  # True for masked cells
    weights: np.ndarray  # per cell (0 for masked)
    signed: np.ndarray  # True for the cells that may be negative

    @property
    def residuals(self) -> np.ndarray:
        return self.matrix @ self.stated

    def holds(self, values: np.ndarray) -> bool:
        """Every identity within ±1 cent, in exact integer arithmetic."""
        return bool(np.all(np.abs(self.matrix @ values) <= TOLERANCE_CENTS))


def build_program(ctx: PlanContext, weights: dict[str, float]) -> Program:
    cells = plan_cells(ctx)
    identities = plan_identities(ctx)
    index = {cell: i for i, cell in enumerate(cells["cell"])}
    matrix = _matrix(identities, index, len(cells))
    free = cells["stated"].isna().to_numpy()
    stated = cells["stated"].fillna(0).to_numpy(dtype=np.int64)
    cell_weights = np.where(free, 0.0, cells["role"].map(weights).to_numpy(dtype=float))
    return Program(cells, matrix, stated, free, cell_weights, cells["signed"].to_numpy())


def _matrix(identities: list[Identity], index: dict[str, int], n: int) -> csr_array:
    rows, cols, data = [], [], []
    for k, identity in enumerate(identities):
        for cell, coefficient in identity.terms:
            rows.append(k)
            cols.append(index[cell])
            data.append(coefficient)
    shape = (len(identities), n)
    return coo_array((np.array(data, dtype=np.int64), (rows, cols)), shape=shape).tocsr()


def localise(
    ctx: PlanContext, weights: dict[str, float] | None = None, max_solutions: int = MAX_SOLUTIONS
) -> Localisation:
    """Every minimal set of stated cells to correct (up to ``max_solutions``), with values."""
    program = build_program(ctx, load_weights() if weights is None else weights)
    solver = _Solver(program)
    first = solver.solve()
    if first is None:
        raise RuntimeError("localizzazione degli errori: nessuna correzione soddisfa le identità")
    best, solutions = first[0], [first[1]]
    found = first
    while _ties(found, best) and _support(program, found[1]):
        solver.exclude(_support(program, found[1]), best)
        found = solver.solve()
        if len(solutions) == max_solutions or not _ties(found, best):
            break
        solutions.append(found[1])
    truncated = len(solutions) == max_solutions and _ties(found, best) and found is not first
    return _result(program, solutions, best, max_solutions, truncated, solver.proven)


def _lowest_correction(program: Program) -> np.ndarray:
    """Corrected amounts stay ≥ 0 (d ≥ −s), except the cells that may be negative."""
    return np.where(program.signed, -np.inf, -program.stated.astype(float))


def _ties(found: tuple[float, np.ndarray] | None, best: float) -> bool:
    """Whether another solution exists at the optimum's weight."""
    return found is not None and found[0] <= best + TIE_TOLERANCE * max(1.0, best)


def _support(program: Program, values: np.ndarray) -> list[int]:
    return [i for i in np.flatnonzero(values != program.stated) if not program.free[i]]


class _Solver:
    """The MILP of the module docstring; variables: d (one per cell), then δ (one per cell)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.proven = True
        self.deadline = time.monotonic() + TIME_BUDGET
        n = len(program.stated)
        residuals = program.residuals
        big_m = float(max(np.abs(residuals).sum(), 1))
        paid = diags_array(np.ones(n), format="csr")[np.flatnonzero(~program.free)]
        links = vstack(  # ±d − Mδ ≤ 0
            [hstack([paid, -big_m * paid]), hstack([-paid, -big_m * paid])]
        )
        zeros = csr_array((program.matrix.shape[0], n))
        identity_rows = hstack([program.matrix.astype(float), zeros])
        self.constraints = [
            LinearConstraint(
                identity_rows, -residuals - TOLERANCE_CENTS, -residuals + TOLERANCE_CENTS
            ),
            LinearConstraint(links, -np.inf, 0.0),
            *_covers(program),
        ]
        self.cost = np.concatenate([np.zeros(n), program.weights])
        upper = np.where(program.free, 0.0, 1.0)
        self.bounds = Bounds(
            np.concatenate([_lowest_correction(program), np.zeros(n)]),
            np.concatenate([np.full(n, np.inf), upper]),
        )

    def exclude(self, support: list[int], best: float) -> None:
        """No-good cut on ``support`` (and its supersets); only ties with ``best`` are wanted,
        so the weight is capped too (the solver then proves quickly that none is left)."""
        n = len(self.program.stated)
        row = np.zeros(2 * n)
        row[[n + i for i in support]] = 1.0
        self.constraints.append(LinearConstraint(row[None, :], -np.inf, len(support) - 1))
        cap = best + TIE_TOLERANCE * max(1.0, best)
        self.constraints.append(LinearConstraint(self.cost[None, :], -np.inf, cap))

    def solve(self) -> tuple[float, np.ndarray] | None:
        """The next solution (weight, values in cents), or ``None`` when there is none; a solve
        stopped by the time limit still gives its best solution but clears ``proven``."""
        n = len(self.program.stated)
        result = milp(
            self.cost,
            integrality=np.ones(2 * n),
            bounds=self.bounds,
            constraints=self.constraints,
            options={**SOLVER_OPTIONS, "time_limit": max(self.deadline - time.monotonic(), 1.0)},
        )
        if result.status == 1:
            self.proven = False
        if result.x is None:  # infeasible (no further solution) or stopped with none
            return None
        values = _polish(self.program, np.round(result.x[n:]).astype(bool))
        return float(self.program.weights[_support(self.program, values)].sum()), values


def _covers(program: Program) -> list[LinearConstraint]:
    """A violated identity over stated cells needs at least one of them changed: ``Σ δᵢ ≥ 1``.

    Identities with masked cells are first combined pairwise to eliminate them (row 602's
    masked ATS cell: its row identity minus its column identity is an identity without it).
    Implied by the model, these cuts make its relaxation tight enough for the solver to prove
    optimality quickly."""
    matrix = _eliminate(program.matrix.toarray(), np.flatnonzero(program.free))
    violated = np.abs(matrix @ program.stated) > TOLERANCE_CENTS * np.abs(matrix).sum(axis=1)
    rows = (matrix[violated] != 0).astype(float)
    if rows.shape[0] == 0:
        return []
    return [LinearConstraint(hstack([csr_array(rows.shape), csr_array(rows)]), 1.0, np.inf)]


def _eliminate(matrix: np.ndarray, masked: np.ndarray) -> np.ndarray:
    """The identities (rows) combined so that no masked column is left: each pair of rows that
    share a masked cell gives one combination without it."""
    for j in masked:
        touching = np.flatnonzero(matrix[:, j])
        pairs = [
            matrix[b, j] * matrix[a] - matrix[a, j] * matrix[b]
            for position, a in enumerate(touching)
            for b in touching[position + 1 :]
        ]
        kept = np.delete(matrix, touching, axis=0)
        matrix = np.vstack([kept, *pairs]) if pairs else kept
    return matrix


def _polish(program: Program, chosen: np.ndarray) -> np.ndarray:
    """Values for the chosen cells (and the masked ones) that leave the fewest cents over in the
    identities: exact wherever the document allows, never more than the ±1 cent tolerance.

    The identities' leftovers are ``p − n`` with ``p, n ∈ [0, 1]``; their sum is minimised."""
    open_ = program.free | chosen
    matrix = program.matrix
    k, m = matrix.shape[0], int(open_.sum())
    rhs = -(matrix[:, ~open_] @ program.stated[~open_]).astype(float)
    eye = diags_array(np.ones(k), format="csr")
    system = hstack([matrix[:, open_].astype(float), eye, -eye])
    result = milp(
        np.concatenate([np.zeros(m), np.ones(2 * k)]),
        integrality=np.concatenate([np.ones(m), np.zeros(2 * k)]),
        bounds=Bounds(
            np.concatenate(
                [_lowest_correction(program)[open_] + program.stated[open_], np.zeros(2 * k)]
            ),
            np.concatenate([np.full(m, np.inf), np.full(2 * k, float(TOLERANCE_CENTS))]),
        ),
        constraints=[LinearConstraint(system, rhs, rhs)],
    )
    values = program.stated.copy()
    if result.status == 0:
        values[open_] = np.round(result.x[:m]).astype(np.int64)
    if result.status != 0 or not program.holds(values):
        # the solver's answer, rounded to cents, must satisfy every identity: otherwise it is a
        # defect of cscplan, never a published result
        raise RuntimeError("localizzazione degli errori: soluzione non verificata al centesimo")
    return values


# --- results -----------------------------------------------------------------------------------


def _result(
    program: Program,
    solutions: list[np.ndarray],
    weight: float,
    cap: int,
    truncated: bool,
    proven: bool,
) -> Localisation:
    cells = program.cells["cell"].tolist()
    ordered = sorted(solutions, key=lambda v: [cells[i] for i in _support(program, v)])
    changed = tuple(
        {cells[i]: int(values[i]) for i in _support(program, values)} for values in ordered
    )
    masked = tuple(_masked_values(program, values) for values in ordered)
    return Localisation(program.cells, changed, masked, weight, cap, truncated, proven)


def _masked_values(program: Program, values: np.ndarray) -> dict[str, int | None]:
    """Each masked cell's value under a solution, or ``None`` when the identities leave it open
    (its least and greatest value differ with every stated cell at the solution's value)."""
    free = program.free
    matrix = program.matrix[:, free].astype(float)
    rhs = (program.matrix @ values - program.matrix[:, ~free] @ values[~free]).astype(float)
    result = {}
    for position, i in enumerate(np.flatnonzero(free)):
        cost = np.zeros(matrix.shape[1])
        cost[position] = 1.0
        low, high = (
            linprog(sign * cost, A_eq=matrix, b_eq=rhs, bounds=(None, None)) for sign in (1, -1)
        )
        pinned = low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5
        result[program.cells["cell"].iloc[i]] = int(values[i]) if pinned else None
    return result


def localisation_table(result: Localisation, weights: dict[str, float]) -> pd.DataFrame:
    """``error_localisation``: one row per changed cell (and per masked cell) of each solution."""
    cells = result.cells.set_index("cell")
    rows = []
    for number_, (changed, masked) in enumerate(
        zip(result.solutions, result.masked, strict=True), start=1
    ):
        for cell, value in [*changed.items(), *masked.items()]:
            rows.append(_row(number_, cell, cells.loc[cell], value, weights))
    return metadata.frame_from_records("error_localisation", rows)


def _row(solution: int, cell: str, info: pd.Series, value, weights: dict[str, float]) -> dict:
    stated = None if pd.isna(info["stated"]) else int(info["stated"]) / 100
    corrected = None if value is None else value / 100
    delta = corrected - stated if stated is not None and corrected is not None else None
    return {
        "solution_id": solution,
        "cell": cell,
        "table": info["table"],
        "objective_id": info["objective_id"],
        "column": info["column"],
        "source_line": info["source_line"],
        "stated": stated,
        "corrected": corrected,
        "delta": None if delta is None else round(delta, 2),
        "weight": weights[info["role"]] if stated is not None else 0.0,
    }


def localise_plan(
    plan, funding_map: pd.DataFrame, weights: dict[str, float]
) -> tuple[pd.DataFrame, list[Finding]]:
    """The ``error_localisation`` table and its summary finding for a parsed plan (``weights``
    from :func:`load_weights`)."""
    result = localise(PlanContext.build(plan, funding_map), weights)
    table = localisation_table(result, weights)
    cap = result.cap if result.truncated else None
    return table, localisation_findings(table, cap, result.proven)


def localisation_findings(
    table: pd.DataFrame, cap: int | None = None, proven: bool = True
) -> list[Finding]:
    """The summary finding: how many cells, which, how many equally small alternatives (and
    ``cap``, the limit of the list, when it was reached; whether minimality is proven)."""
    first = table[table["solution_id"] == 1]
    changed = first[first["stated"].notna()]
    if changed.empty:
        message = (
            "Tutte le identità del documento tornano al centesimo: nessuna cella da correggere."
        )
        return [Finding(check=CHECK, severity="info", table="documento", message=message)]
    parts = [f"{_where(r)}: {eur(r.stated)} → {eur(r.corrected)}" for r in changed.itertuples()]
    message = (
        f"Correggendo queste {number(len(changed))} celle tutte le identità del documento "
        f"tornano: {'; '.join(parts)} (peso {number(float(changed['weight'].sum()), 2)})."
    )
    masked = first[first["stated"].isna() & first["corrected"].notna()]
    message += "".join(
        f" La cella oscurata ({_where(r)}) vale allora {eur(r.corrected)}."
        for r in masked.itertuples()
    )
    solutions = int(table["solution_id"].max())
    if solutions > 1:
        message += (
            f" Esistono {number(solutions)} soluzioni ugualmente piccole, tutte in "
            "error_localisation.csv."
        )
    if cap is not None:
        message += f" L'elenco è limitato alle prime {number(cap)} soluzioni equivalenti."
    if not proven:
        message += (
            " Il solutore ha raggiunto il limite di tempo: la soluzione corregge tutte le "
            "identità, ma non è dimostrato che sia la più piccola né che l'elenco sia completo."
        )
    return [Finding(check=CHECK, severity="info", table="documento", message=message)]


def _where(row) -> str:
    return f"{row.table}, riga {int(row.source_line)}, colonna '{row.column}'"


# --- applying a solution -----------------------------------------------------------------------


def apply_solution(plan, table: pd.DataFrame, solution_id: int = 1):
    """A copy of ``plan`` (a ``PlanTables``) with the changed cells of one solution corrected;
    masked cells are left masked (the checks recover them)."""
    frames = {name: getattr(plan, name).copy() for name in CORRECTABLE}
    rows = table[(table["solution_id"] == solution_id) & table["stated"].notna()]
    fields = comparison_fields(plan.years)
    for row in rows.itertuples():
        _apply(frames, row, fields)
    return replace(plan, **frames)


def comparison_fields(years) -> dict[str, str]:
    """Comparison column label (``preconsuntivo 2019``, ``budget 2020``, ``variazione``) → field."""
    return {years.preconsuntivo_label: "preconsuntivo", years.budget_label: "budget"} | {
        VARIATION: "variation"
    }


CORRECTABLE = ("budget_lines", "stated_totals", "comparison", "multiyear", "revenue")


def _apply(frames: dict[str, pd.DataFrame], row, fields: dict[str, str]) -> None:
    lines, totals = frames["budget_lines"], frames["stated_totals"]
    objective = None if pd.isna(row.objective_id) else int(row.objective_id)
    at = totals["source_line"] == row.source_line
    if row.table == SHEET and (lines["source_line"] == row.source_line).any():
        hit = (lines["source_line"] == row.source_line) & (lines["column"] == row.column)
        lines.loc[hit, "amount"] = row.corrected
    elif row.table == COMPARISON and objective is not None:
        comparison = frames["comparison"]
        field = fields[row.column]
        comparison.loc[comparison["objective_id"] == objective, field] = row.corrected
    elif row.table == MULTIYEAR and objective is not None:
        multiyear = frames["multiyear"]
        hit = (multiyear["objective_id"] == objective) & (multiyear["year"] == int(row.column))
        multiyear.loc[hit, "amount"] = row.corrected
    elif row.table == REVENUE:
        revenue = frames["revenue"]
        revenue.loc[revenue["source_line"] == row.source_line, "amount"] = row.corrected
        totals.loc[at, "amount"] = row.corrected
    else:  # a stated total: sheet, comparison or multi-year TOTALE row
        totals.loc[at & (totals["column"] == row.column), "amount"] = row.corrected
