"""Extract, validate, transform and publish case statistics into versioned DuckDB files."""
