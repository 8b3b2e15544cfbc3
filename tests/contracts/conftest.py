"""Shared paths and helpers of the contract tests (the Spark contract tests use them too)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

DATA = Path(__file__).parent / "data"
ORDERS = DATA / "orders.odcs.yaml"
CUSTOMERS = DATA / "customers.odcs.yaml"


def failing_rows(finding: Any) -> list[int]:
    """The positions of a finding's failing rows (labels equal positions on these frames)."""
    rows = finding.failing_rows if finding.failing_rows is not None else finding.failing_index
    return sorted(int(i) for i in rows or ())


def direct_metrics(frame: pd.DataFrame) -> dict[str, float]:
    """The orders contract's quality metrics by the ODCS library's definitions, in pandas."""
    missing = frame["status"].isin(["", "N/A"]) | frame["status"].isna()
    return {
        "orders_row_count": float(len(frame)),
        "email_nulls_percent": 100.0 * frame["email"].isna().sum() / len(frame),
        "status_missing": float(missing.sum()),
        "status_sql_open": float((frame["status"] == "open").sum()),
    }
