"""The webhook benchmark imports without servers, and its p99 is an observed value (nearest rank)."""

from __future__ import annotations


def test_the_webhook_benchmark_imports_and_its_p99_is_a_nearest_rank_value() -> None:
    from bench.webhooks_bench import measure_webhooks, p99

    assert callable(measure_webhooks)
    assert p99([float(n) for n in range(1, 201)]) == 198.0
    assert p99([5.0]) == 5.0
