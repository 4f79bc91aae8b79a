"""Building the warehouse with dbt, and explaining a failed build."""
