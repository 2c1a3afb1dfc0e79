"""The benchmark harness imports without servers (the benchmarks themselves never run in tests)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "module", ["run", "startup", "latency", "streaming", "standin_proc", "report", "search_bench", "deck_bench"]
)
def test_bench_module_imports(module: str) -> None:
    assert importlib.import_module(f"bench.{module}")


def test_p95_is_an_observed_value_by_nearest_rank() -> None:
    from bench.measure import p95

    values = [float(v) for v in range(1, 101)]
    assert p95(values) in values
    assert sum(v <= p95(values) for v in values) == 95
