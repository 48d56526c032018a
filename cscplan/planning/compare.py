"""What changed between two plans: lines, objectives, actions, funding sources, revenue,
multi-year figures and stated totals (table ``plan_changes``), and the waterfall chart.

Lines are matched by objective, action, item, detail and their order among equal labels (so an
added line elsewhere does not shift the match); funding columns by canonical source (``FNPS
2020`` and ``FNPS 2021`` are the same source), plan columns by role (previous, current). An
absent cell counts as 0 € (the document writes ``€ -`` for a zero). Stated totals are compared by
table, objective and column: a plan compiled from a workbook states every total as the sum of its
lines, so against the document it came from it lists exactly the totals the document got wrong.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from cscplan import metadata
from cscplan.budget.funding import source_of_columns
from cscplan.fmt import eur, signed_eur
from cscplan.validation.masked import recover_masked
from cscplan.vocabulary import MONEY_TOLERANCE, MULTIYEAR

CHANGE_COLUMNS = list(metadata.dtypes("plan_changes"))
KEY = ["objective_id", "action", "item", "detail", "occurrence"]
PO_PREVIOUS, PO_CURRENT = "PO anno precedente", "PO dell'anno"
LEVEL_WORDS = {
    "voce": ("Voce", "a"),
    "obiettivo": ("Obiettivo", "o"),
    "azione": ("Azione", "a"),
    "fonte": ("Fonte", "a"),
    "entrata": ("Entrata", "a"),
    "pluriennale": ("Importo pluriennale", "o"),
    "totale dichiarato": ("Totale dichiarato", "o"),
}


def compare_plans(a, b, map_a: pd.DataFrame, map_b: pd.DataFrame) -> pd.DataFrame:
    """The ``plan_changes`` table from plan A to plan B (``PlanTables`` and their funding maps)."""
    shown = b.years
    cells_a, cells_b = _cells(a, map_a, shown), _cells(b, map_b, shown)
    if a.years.budget_year != b.years.budget_year:
        cells_a = cells_a[cells_a["column"] != PO_PREVIOUS]
        cells_b = cells_b[cells_b["column"] != PO_PREVIOUS]
    rows = [
        *_line_changes(cells_a, cells_b),
        *_summary(cells_a, cells_b, ["objective_id"], "obiettivo"),
        *_summary(cells_a, cells_b, ["objective_id", "action"], "azione"),
        *_summary(cells_a, cells_b, ["column"], "fonte"),
        *_revenue_changes(a, b, shown),
        *_multiyear_changes(a, b),
        *_stated_changes(a, b, map_a, map_b, shown),
    ]
    frame = metadata.frame_from_records("plan_changes", rows)
    return metadata.validate("plan_changes", frame)


def neutral(text: str, years, shown) -> str:
    """A year-bearing name as the second plan calls it (``Avanzo 2019 vincolato`` in the 2020
    plan → ``Avanzo 2020 vincolato`` against the 2021 plan): plans of different years compare."""
    template = str(text).replace(str(years.budget_year), "{anno}")
    template = template.replace(str(years.previous_year), "{anno_prec}")
    try:
        return shown.fill(template)
    except (KeyError, ValueError, IndexError):
        return str(text)


def _names(plan, fmap: pd.DataFrame, shown) -> dict[str, str]:
    years = plan.years
    names = {c: neutral(s, years, shown) for c, s in source_of_columns(fmap).items()}
    return names | {years.po_previous: PO_PREVIOUS, years.po_current: PO_CURRENT}


def _cells(plan, fmap: pd.DataFrame, shown) -> pd.DataFrame:
    """Long cells with comparable columns (role or canonical source) and a line key; the
    previous-year PO is compared only between plans of the same year."""
    lines = recover_masked(plan.budget_lines, plan.stated_totals)
    names = _names(plan, fmap, shown)
    lines = lines.assign(
        column=lines["column"].map(lambda c: names.get(c, neutral(c, plan.years, shown)))
    )
    first = lines.drop_duplicates("line_id")
    occurrence = first.groupby(KEY[:-1], sort=False).cumcount()
    return lines.merge(first[["line_id"]].assign(occurrence=occurrence.to_numpy()), on="line_id")


def _line_changes(a: pd.DataFrame, b: pd.DataFrame) -> list[dict]:
    merged = a.merge(b, on=[*KEY, "column"], how="outer", suffixes=("_a", "_b"))
    lines_a, lines_b = set(map(tuple, a[KEY].to_numpy())), set(map(tuple, b[KEY].to_numpy()))
    rows = []
    for key, cells in merged.groupby(KEY, sort=False, dropna=False):
        kind = "aggiunta" if key not in lines_a else "rimossa" if key not in lines_b else None
        for r in cells.itertuples():
            delta = _delta(r.amount_a, r.amount_b)
            if kind is None and abs(delta) <= MONEY_TOLERANCE:
                continue
            rows.append(
                _change(
                    "voce",
                    kind or "modificata",
                    key[0],
                    key[1],
                    key[2],
                    r.column,
                    r.amount_a,
                    r.amount_b,
                    r.source_line_a,
                    r.source_line_b,
                )
            )
    return rows


def _summary(a: pd.DataFrame, b: pd.DataFrame, by: list[str], level: str) -> list[dict]:
    """Per objective / action / funding source: the year's money (funding cells), A against B."""

    def money(cells: pd.DataFrame) -> pd.Series:
        funding = (
            cells[cells["kind"] == "source"]
            if level == "fonte"
            else cells[cells["column"] == PO_CURRENT]
        )
        return funding.groupby(by, sort=False)["amount"].sum()

    left, right = money(a), money(b)
    rows = []
    for key in dict.fromkeys([*left.index, *right.index]):
        before, after = left.get(key), right.get(key)
        if abs(_delta(before, after)) <= MONEY_TOLERANCE:
            continue
        kind = "aggiunta" if before is None else "rimossa" if after is None else "modificata"
        key = key if isinstance(key, tuple) else (key,)
        where = dict(zip(by, key, strict=True))
        rows.append(
            _change(
                level,
                kind,
                where.get("objective_id"),
                where.get("action", ""),
                "",
                where.get("column", PO_CURRENT),
                before,
                after,
            )
        )
    return rows


def _revenue_changes(a, b, shown) -> list[dict]:
    def keyed(plan) -> pd.DataFrame:
        lines = plan.revenue[plan.revenue["row_kind"] == "line"]
        labels = lines["label"].map(lambda label: neutral(label, plan.years, shown))
        return lines.assign(label=labels).drop_duplicates("label").set_index("label")

    return _keyed_changes("entrata", keyed(a), keyed(b), lambda label: (None, label, ""))


def _multiyear_changes(a, b) -> list[dict]:
    ma, mb = (plan.multiyear.set_index(["objective_id", "year"]) for plan in (a, b))
    return _keyed_changes("pluriennale", ma, mb, lambda key: (key[0], "", str(key[1])))


def _stated_changes(a, b, map_a, map_b, shown) -> list[dict]:
    def keyed(plan, fmap) -> pd.DataFrame:
        st = plan.stated_totals
        names = _names(plan, fmap, shown)
        moved = st["column"].map(lambda c: names.get(c, neutral(c, plan.years, shown)))
        column = st["column"].where(st["table"] == MULTIYEAR, moved)
        frame = st.assign(column=column).set_index(["table", "objective_id", "column"])
        return frame[~frame.index.duplicated()]

    def where(key) -> tuple:
        return (None if pd.isna(key[1]) else int(key[1]), key[0], str(key[2]))

    return _keyed_changes("totale dichiarato", keyed(a, map_a), keyed(b, map_b), where)


def _keyed_changes(level: str, fa: pd.DataFrame, fb: pd.DataFrame, where) -> list[dict]:
    """Rows present in one frame only, or whose ``amount`` differs (by index key)."""
    rows = []
    for key in dict.fromkeys([*fa.index, *fb.index]):
        before, after = fa["amount"].get(key), fb["amount"].get(key)
        if (
            before is not None
            and after is not None
            and abs(_delta(before, after)) <= MONEY_TOLERANCE
        ):
            continue
        kind = "aggiunta" if before is None else "rimossa" if after is None else "modificata"
        objective, item, column = where(key)
        lines = fa["source_line"].get(key), fb["source_line"].get(key)
        rows.append(_change(level, kind, objective, "", item, column, before, after, *lines))
    return rows


def _delta(before, after) -> float:
    return _zero(after) - _zero(before)


def _zero(value) -> float:
    return (
        0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _line(value):
    return None if value is None or pd.isna(value) else int(value)


def _change(
    level, kind, objective, action, item, column, before, after, line_a=None, line_b=None
) -> dict:
    before = None if before is None or pd.isna(before) else float(before)
    after = None if after is None or pd.isna(after) else float(after)
    delta = _delta(before, after)
    place = (
        f"Obiettivo {int(objective)}" if objective is not None and not pd.isna(objective) else ""
    )
    words = ", ".join(p for p in (place, action, f"'{item}'" if item else "", column) if p)
    noun, ending = LEVEL_WORDS[level]
    verb = {"aggiunta": "aggiunt", "rimossa": "rimoss", "modificata": "modificat"}[kind] + ending
    message = (
        f"{noun} {verb} ({words}): "
        + {
            "aggiunta": f"{eur(after)}.",
            "rimossa": f"era {eur(before)}.",
            "modificata": f"da {eur(before)} a {eur(after)} ({signed_eur(delta)}).",
        }[kind]
    )
    return {
        "change_level": level,
        "change_kind": kind,
        "objective_id": None if objective is None or pd.isna(objective) else int(objective),
        "action": action or "",
        "item": item or "",
        "change_column": column or "",
        "amount_a": before,
        "amount_b": after,
        "change_delta": delta,
        "line_a": _line(line_a),
        "line_b": _line(line_b),
        "message": message,
    }


def changes_text(changes: pd.DataFrame, title_a: str, title_b: str) -> str:
    """The changes as Italian lines for the console (levels in a fixed order)."""
    if changes.empty:
        return f"Nessuna differenza tra {title_a} e {title_b}."
    lines = [f"Differenze da {title_a} (A) a {title_b} (B): {len(changes)}."]
    for level, group in changes.groupby("change_level", sort=False):
        lines.append(f"\n{level.upper()} ({len(group)})")
        lines += [f"  {m}" for m in group["message"]]
    return "\n".join(lines)


def waterfall(changes: pd.DataFrame, total_a: float, title_a: str, title_b: str) -> go.Figure:
    """From A's year total to B's: one step per objective whose PO of the year changed."""
    steps = changes[changes["change_level"] == "obiettivo"]
    labels = [title_a, *(f"Obiettivo {int(o)}" for o in steps["objective_id"]), title_b]
    values = [total_a, *steps["change_delta"], 0.0]
    figure = go.Figure(
        go.Waterfall(
            x=labels,
            y=values,
            measure=["absolute", *(["relative"] * len(steps)), "total"],
            text=[eur(v) if i in (0,) else signed_eur(v) for i, v in enumerate(values[:-1])]
            + [eur(total_a + float(steps["change_delta"].sum()))],
            textposition="outside",
        )
    )
    figure.update_layout(
        title=f"Dal budget di {title_a} a quello di {title_b}, per obiettivo",
        yaxis_title="Euro",
        separators=",.",
        showlegend=False,
    )
    return figure
