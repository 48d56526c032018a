"""The benchmark compares like with like: the pandas peer's rows equal ``cscplan.cost``'s."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import cscplan
from cscplan import paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from cost_engine import e2e_caseload  # noqa: E402
from pandas_peer import peer_cost  # noqa: E402


def test_peer_equals_cscplan_on_the_sample_caseload():
    ours = cscplan.cost(paths.SAMPLE_CASELOAD)
    peer = peer_cost(paths.SAMPLE_CASELOAD, paths.TARIFFS)
    pd.testing.assert_frame_equal(peer, ours, check_dtype=False)


def test_benchmark_caseload_is_valid_and_costed_alike(tmp_path):
    path = e2e_caseload(500, tmp_path / "casistica.csv", seed=3)
    ours = cscplan.cost(path)
    assert ours["beneficiary_id"].nunique() <= 500 and len(ours) > 500
    pd.testing.assert_frame_equal(peer_cost(path, paths.TARIFFS), ours, check_dtype=False)
