"""A governed daily pipeline with a Stable gate, run over generated batches (test helper).

``record_days(n, shift_last=...)`` runs pipeline ``daily`` (stage ``load``, output
``dataset:testproject:daily.load.return``) once per batch in the test's project store;
the last batch can carry a shift. Freshness is left out: runs seconds apart have no
meaningful arrival times.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import govern

DATASET = "dataset:testproject:daily.load.return"
METRICS = ("row_count", "schema", "null_fraction", "mean", "median", "new_categories")


def batch(day: int, rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(day)
    n = rows + int(rng.integers(-8, 9))
    return pd.DataFrame(
        {
            "amount": rng.normal(100, 10, n),
            "region": pd.Series(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]), dtype="str"),
            "score": rng.random(n),
        }
    )


def shifted(frame: pd.DataFrame) -> pd.DataFrame:
    """Volume -40%, amount +3 sigma, a third of score missing, a new region."""
    out = frame.iloc[: int(len(frame) * 0.6)].copy()
    out["amount"] += 30
    out.loc[: len(out) // 3, "score"] = np.nan
    out.loc[:20, "region"] = "arctic"
    return out


def record_days(
    days: int,
    *,
    shift_last: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    severity: str = "warn",
    pipeline: str = "daily",
) -> None:
    gate = govern.Gate(govern.Stable(window=30, min_history=5, metrics=METRICS), severity=severity)

    @govern.stage(outputs=gate, name="load")
    def load(frame: pd.DataFrame) -> pd.DataFrame:
        return frame

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GateWarning of the shifted batch
        for day in range(days):
            frame = batch(day)
            if shift_last is not None and day == days - 1:
                frame = shift_last(frame)
            with govern.run(pipeline):
                load(frame)
