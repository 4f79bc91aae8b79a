"""Delivering the warehouse: the analysts' file, the public release and their exports."""
