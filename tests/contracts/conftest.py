"""Shared paths of the contract tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
ORDERS = DATA / "orders.odcs.yaml"
CUSTOMERS = DATA / "customers.odcs.yaml"


def failing_rows(finding: Any) -> list[int]:
    """The positions of a finding's failing rows (labels equal positions on these frames)."""
    rows = finding.failing_rows if finding.failing_rows is not None else finding.failing_index
    return sorted(int(i) for i in rows or ())
