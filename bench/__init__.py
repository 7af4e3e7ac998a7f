"""Benchmarks (not tests): ETL throughput against a bare DuckDB read, and page run times."""
