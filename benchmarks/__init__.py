"""Benchmarks: `python -m benchmarks.<name>` writes reports/bench/<name>.json with a top-level `ratio`."""
