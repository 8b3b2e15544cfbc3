"""Shared paths of the contract tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
ORDERS = DATA / "orders.odcs.yaml"
CUSTOMERS = DATA / "customers.odcs.yaml"
