"""Load Connecticut DSS participation datasets from Socrata into a DuckDB warehouse."""

__version__ = "0.1.0"
