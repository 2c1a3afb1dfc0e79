"""Benchmarks with their recorded results (`make bench` -> bench/RESULTS.md); never timed tests."""
