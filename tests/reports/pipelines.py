"""Small governed pipelines the report tests record into the isolated project's store."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa

import govern

PAYLOADS = (
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.domain)",  # (not "cookie": a secret-looking word masks samples)
    "a|b\nc",
    "{{ 7*7 }}{% raw %}",
    "`code` **bold** [link](javascript:alert(2))",
)
"""Hostile text: HTML, event handlers, a javascript: URL, pipes and newlines, Jinja syntax,
Markdown syntax."""

EVIL = " ".join(PAYLOADS)


def two_runs() -> tuple[govern.Run, govern.Run]:
    """Pipeline ``shop`` twice; the second run adds a column, has fewer rows, a new metric."""
    schema = pa.DataFrameSchema({"x": pa.Column(int, pa.Check.ge(0))})

    @govern.stage(inputs={"raw": schema}, outputs=schema, on_fail="quarantine")
    def clean(raw: pd.DataFrame) -> pd.DataFrame:
        """Keep the rows."""
        govern.log_metrics(mean_x=float(raw["x"].mean()))
        return raw

    @govern.stage(inputs={"df": schema}, outputs=govern.model("shop-model"))
    def fit(df: pd.DataFrame) -> Any:
        govern.log_metrics(accuracy=0.5 + len(df) / 100, slices={"x>1": {"accuracy": 0.7}})
        return {"rows": len(df)}

    with govern.run("shop") as first:
        frame = govern.source(pd.DataFrame({"x": [1, 2, 3, 4]}), "orders", namespace="s3://bucket")
        fit(clean(frame))
    with govern.run("shop") as second:
        frame = govern.source(
            pd.DataFrame({"x": [1, 2, -3], "y": ["a", "b", "c"]}), "orders", namespace="s3://bucket"
        )
        fit(clean(frame))
    return first, second


def hostile_run() -> govern.Run:
    """Payloads in column names, dataset names, cell values, metric and slice names, card
    fields, check messages, stage and run names."""
    column = f"col {EVIL}"
    schema = pa.DataFrameSchema(
        {
            column: pa.Column(
                str,
                pa.Check(lambda s: ~s.str.contains("<"), error=f"message {EVIL}"),
            ),
        }
    )
    card = {
        "description": f"desc {EVIL}",
        "owners": [{"name": f"owner {EVIL}", "contact": "javascript:alert(3)"}],
        "license": f"lic {EVIL}",
        "intended_use": f"use {EVIL}",
        "limitations": [f"lim {EVIL}", "second\n# heading\n- list"],
        "references": ["javascript:alert(4)", "https://example.org/ok?a=1&b=(2)"],
        "tags": [f"tag {EVIL}", "tabular-classification"],
    }

    @govern.stage(
        name=f"stage {EVIL}", inputs={"raw": schema}, on_fail="quarantine", outputs=schema
    )
    def clean(raw: pd.DataFrame) -> pd.DataFrame:
        return raw

    @govern.stage(inputs={"df": schema}, outputs=govern.model(f"model {EVIL}", card=card))
    def fit(df: pd.DataFrame, test: pd.DataFrame | None = None) -> Any:
        govern.log_metrics(
            **{f"metric {EVIL}": 0.5, "accuracy": 0.9},
            slices={f"slice {EVIL}": {f"metric {EVIL}": 0.25}},
        )
        return {"rows": len(df)}

    with govern.run(f"run {EVIL}") as run:
        frame = govern.source(
            pd.DataFrame({column: [f"cell {EVIL}", "fine", "<b>bold</b>"]}),
            f"dataset {EVIL}",
            namespace="s3://bucket",
        )
        fit(clean(frame))
    return run
