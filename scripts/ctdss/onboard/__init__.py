"""Onboarding a dataset: discover, inspect, role placement and alias rows."""
