"""A quick variant of the default scenario for the Monte Carlo tests, and ways to compare results."""
from __future__ import annotations

import numpy as np

import simulator

# 13 months and a smaller SMB lead flow: ~10 ms for a run of all three strategies.
FAST = ("horizon_months=13", "motions.smb.leads.per_month={lognormal: {p5: 25, p95: 45}}")


def fast_scenario(*overrides: str):
    """The bundled default scenario, shortened (FAST), with more ``PATH=VALUE`` overrides."""
    return simulator.load_scenario(None, FAST + overrides)


def assert_identical(a, b) -> None:
    """Two Results hold bit-identical per-run metrics, monthly arrays and cost totals."""
    assert a.strategies == b.strategies
    assert np.array_equal(a.run_ids, b.run_ids)
    for s in a.strategies:
        for table in ("runs", "monthly", "costs"):
            left, right = getattr(a, table)[s], getattr(b, table)[s]
            assert list(left) == list(right)
            for key in left:
                assert left[key].dtype == right[key].dtype, (s, key)
                assert left[key].tobytes() == right[key].tobytes(), f"{table}[{s}][{key}] differs"
