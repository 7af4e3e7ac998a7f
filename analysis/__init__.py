"""Queries the pages ask, statistics and disclosure control; returns Polars frames."""
