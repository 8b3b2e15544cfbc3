"""The summary index's packed numbers on SQLite and PostgreSQL: what a long window reads.

Recorded summaries (with a missing column, a retyped one, categories that come and go and
non-finite values) read back as packed numbers give the same history as the summaries
themselves (`History.from_series` equals `History.from_points`), on both backends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govern.monitoring.frames import summarize_frame
from govern.monitoring.rules import History, HistoryPoint
from govern.monitoring.summary import DatasetSummary
from govern.store import Store
from tests.store import factories as f


def frame(day: int) -> pd.DataFrame:
    rng = np.random.default_rng(day)
    n = 200 + day
    out = pd.DataFrame(
        {
            "amount": rng.normal(100, 10, n),
            "region": pd.Series(rng.choice(["n", "s", "e", "w"][: 2 + day % 3], n), dtype="str"),
            "score": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        }
    )
    if day == 2:
        out["amount"] = np.inf  # a non-finite mean and quantiles
    if day == 3:
        out = out.drop(columns=["score"])
    if day == 4:
        out["region"] = rng.integers(0, 3, n)  # retyped: numeric for a day
    return out


def test_packed_numbers_read_back_as_the_summaries_they_came_from(store: Store) -> None:
    run = f.run_info()
    store.begin_run(run)
    for day in range(7):
        summary = summarize_frame(frame(day)).to_dict()
        output = f.dataset("daily", "output", summary=summary, fingerprint=f"xxh3:{day}")
        store.record_stage(f.stage_result(run.id, "load", datasets=(output,)))
    packed = History.from_series(store.dataset_series("daily", role="output"))
    rows = store.dataset_summaries("daily", role="output")
    reference = History.from_points(
        [HistoryPoint(r.seq, r.ts, DatasetSummary.from_dict(r.summary)) for r in rows]
    )
    assert packed.seq == reference.seq and len(packed) == 7
    assert packed.ts == reference.ts and packed.last == reference.last
    assert np.array_equal(packed.rows, reference.rows)
    assert packed.columns.keys() == reference.columns.keys() == {"amount", "region", "score"}
    for name, column in packed.columns.items():
        other = reference.columns[name]
        assert column.kinds == other.kinds and column.dtypes == other.dtypes, name
        assert np.allclose(column.numbers, other.numbers, equal_nan=True, rtol=1e-12), name
        assert sorted(column.values) == sorted(other.values), name
        order = [other.values.index(v) for v in column.values]
        assert np.array_equal(column.counts, other.counts[:, order]), name
        assert np.array_equal(column.other, other.other), name
        assert np.array_equal(column.listed, other.listed), name
    assert packed.columns["score"].kinds[3] is None  # missing that day
    assert packed.columns["region"].kinds[4] == "numeric"
    assert np.isinf(packed.columns["amount"].series("mean")[2])
