"""Generated daily batches for bench/bench_monitoring.py: clean data and injected shifts.

A clean batch has a 0.1%/day trend, a weekly season (weekend volume -35%, weekend level
+6 on ``amount``, weekend category mix) and noise; each `Shift` turns a clean batch into
a shifted one and says which failed checks count as detecting it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

_DAY = 86400.0
_START = 1_767_225_600.0  # 2026-01-01 00:00 UTC, a Thursday
CATEGORIES = ("north", "south", "east", "west", "online")
SHARES = (0.3, 0.25, 0.2, 0.15, 0.1)

# --- (d) the generated daily batches ------------------------------------------------------


def batch(day: int, rng: np.random.Generator, base_rows: int = 2000) -> pd.DataFrame:
    """One clean daily batch: a 0.1%/day trend and a weekly season in volume and values.

    Columns: ``id`` (int), ``amount`` (float, trend + season + noise), ``qty`` (int,
    Poisson), ``region`` (5 categories, weekly-modulated shares), ``score`` (float, 2%
    missing), ``channel`` (3 categories).
    """
    weekday = (day + 3) % 7  # 2026-01-01 is a Thursday (Monday = 0)
    weekend = weekday >= 5
    season = (-0.35 if weekend else 0.08) + 0.03 * math.sin(2 * math.pi * weekday / 7)
    rows = round(base_rows * (1 + 0.001 * day) * (1 + season) * rng.lognormal(0, 0.03))
    level = 100 + 0.05 * day + (6 if weekend else 0)
    shares = np.array(SHARES) * (1 + (0.15 if weekend else 0) * np.array([-1, -1, 0, 1, 3]))
    score = rng.beta(2, 5, rows)
    score[rng.random(rows) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64) + day * 10_000_000,
            "amount": rng.normal(level, 10, rows),
            "qty": rng.poisson(3 + (1 if weekend else 0), rows).astype(np.int64),
            "region": pd.Series(rng.choice(CATEGORIES, rows, p=shares / shares.sum()), dtype="str"),
            "score": score,
            "channel": pd.Series(
                rng.choice(["web", "store", "phone"], rows, p=[0.5, 0.4, 0.1]), dtype="str"
            ),
        }
    )


def arrival(day: int, rng: np.random.Generator) -> float:
    """When the day's batch lands: 06:00 UTC give or take 20 minutes."""
    return _START + day * _DAY + 6 * 3600 + rng.normal(0, 1200)


@dataclass(frozen=True)
class Shift:
    """One kind of injected shift: how to apply it and which failed checks detect it."""

    name: str
    apply: Callable[[pd.DataFrame, np.random.Generator], pd.DataFrame]
    detects: Callable[[str, str | None], bool]
    late: float = 0.0  # seconds the batch arrives late


def _volume(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return df.sample(frac=0.7, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)


def _nulls(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = df.copy()
    present = out["score"].notna().to_numpy()
    extra = rng.random(len(out)) < 0.05 / present.mean()  # +5 points of all rows
    out.loc[present & extra, "score"] = np.nan
    return out


def _mean(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = df.copy()
    out["amount"] = out["amount"] + 2 * 10  # +2 sigma of the column's values
    return out


def _category(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = df.copy()
    picked = rng.random(len(out)) < 0.05
    out["region"] = out["region"].where(~picked, "arctic")
    return out


def _drop(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return df.drop(columns=["channel"])


def _retype(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    out = df.copy()
    out["qty"] = out["qty"].astype("str")
    return out


def _same(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return df


SHIFTS = (
    Shift("volume -30%", _volume, lambda check, col: check == "stable:row_count"),
    Shift(
        "null rate +5 points",
        _nulls,
        lambda check, col: check == "stable:null_fraction" and col == "score",
    ),
    Shift(
        "mean +2 sigma",
        _mean,
        lambda check, col: (
            col == "amount"
            and check in ("stable:mean", "stable:median", "stable:p05", "stable:p95")
        ),
    ),
    Shift(
        "new category",
        _category,
        lambda check, col: (
            col == "region" and check in ("stable:new_categories", "stable:frequency_shift")
        ),
    ),
    Shift(
        "dropped column", _drop, lambda check, col: check == "stable:schema" and col == "channel"
    ),
    Shift("retyped column", _retype, lambda check, col: check == "stable:schema" and col == "qty"),
    Shift("late batch (+1 day)", _same, lambda check, col: check == "stable:freshness", late=_DAY),
)
