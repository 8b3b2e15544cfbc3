"""Monitoring summaries keep no value of a PII or secret column and no secret in any value."""

from __future__ import annotations

import json

import pandas as pd

from govern.monitoring.frames import summarize_frame
from govern.monitoring.privacy import scrub

TOKEN = "ghp_" + "a" * 36


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "email": [f"person{i % 7}@example.com" for i in range(200)],
            "salary": [1000.0 + i for i in range(200)],
            "api_token": [f"tok-{i % 3}" for i in range(200)],
            "note": [f"see {TOKEN}" if i % 2 else "fine" for i in range(200)],
            "city": ["Oslo" if i % 3 else "Lima" for i in range(200)],
        }
    )


def test_pii_and_secret_columns_keep_counts_only() -> None:
    summary = scrub(summarize_frame(_frame(), "full"), {"email", "salary"})
    text = json.dumps(summary.to_dict())
    assert "example.com" not in text and "tok-" not in text and TOKEN not in text
    for name in ("email", "salary", "api_token"):
        column = summary.column(name)
        assert column is not None
        assert column.kind == "other" and column.rows == 200 and column.nulls == 0
        assert column.min is None and column.kll is None and column.hll is None
        assert column.top == ()
    city = summary.column("city")
    assert city is not None and dict(city.top) == {"Oslo": 133, "Lima": 67}


def test_secrets_inside_values_are_masked_and_counts_kept() -> None:
    raw = summarize_frame(_frame(), "full")
    note = scrub(raw, ()).column("note")
    assert note is not None
    assert all(TOKEN not in value for value, _ in note.top)
    assert sum(count for _, count in note.top) == 200


def test_nothing_to_mask_returns_the_summary_itself() -> None:
    raw = summarize_frame(_frame()[["city"]], "full")
    assert scrub(raw, ()) is raw
