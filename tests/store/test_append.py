"""Records of other kinds (approvals, policy verdicts) join the same hash chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from govern.errors import StoreError
from govern.store import Store
from govern.store.sql import parse_target


def test_append_reads_back_and_verifies(store: Store) -> None:
    first = store.append("approval", "m@1", {"model": "m", "version": 1, "by": "ana"})
    second = store.append("approval", "m@2", {"model": "m", "version": 2, "by": "bo"})
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    assert [r.data["by"] for r in store.records(kind="approval")] == ["ana", "bo"]
    assert store.verify().ok
    assert store.head_hash() == second.hash


def test_reserved_kinds_are_refused(store: Store) -> None:
    for kind in ("stage", "run_started", "run_ended", ""):
        with pytest.raises(StoreError, match="reserved"):
            store.append(kind, "x", {})


def test_edited_appended_record_fails_verification(store: Store, store_url: str) -> None:
    store.append("approval", "m@1", {"model": "m", "version": 1, "by": "ana"})
    engine = sa.create_engine(parse_target(store_url).url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE ledger SET body = replace(body, 'ana', 'eve') WHERE kind = 'approval'")
        )
    engine.dispose()
    report = store.verify()
    assert not report.ok and report.first_bad is not None and "approval" in report.first_bad
