"""The disclosure audit: attack the published tables as an attacker who knows every published value and how the
tables add up would, and check that every masked cell keeps a wide enough interval (`ctdss audit`)."""

from ctdss.disclosure.system import Cell, Equation, Interval, audit_system

__all__ = ["Cell", "Equation", "Interval", "audit_system"]
