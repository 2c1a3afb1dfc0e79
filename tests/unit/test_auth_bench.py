"""The OAuth benchmark runs and yields its three rows (figures are recorded by `make bench`, never asserted)."""

from __future__ import annotations


def test_oauth_benchmark_yields_jwt_opaque_and_added_latency_rows() -> None:
    from bench.oauth_bench import measure_oauth

    rows = measure_oauth(seconds=0.01, requests=5)
    assert [row.measure.split(":")[0] for row in rows] == ["OAuth"] * 3
    assert all(row.figure for row in rows)
