"""Check backends behind one small protocol. Each backend module imports its library lazily."""

from govern.checks.base import Check, CheckOutcome, Finding

__all__ = ["Check", "CheckOutcome", "Finding"]
