"""Result types of the store that are not records themselves (no SQLAlchemy here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["LedgerRecord", "VerifyReport"]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What ``Store.verify`` found.

    Attributes:
        ok: True when every record matches its hash, the chain is unbroken, the chain
            head matches the last record and every index row matches its record.
        records: records in the ledger.
        first_bad: the first (lowest seq) bad record, as ``record seq N (kind id): why``,
            or None.
        head_hash: hash of the last record (None for an empty store).
        keyed: True when the chain is HMAC-keyed.
        problems: how many problems were found in all.
        message: one line for humans.
    """

    ok: bool
    records: int
    first_bad: str | None
    head_hash: str | None
    keyed: bool = False
    problems: int = 0
    message: str = ""


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One raw ledger record: its place in the chain and its decoded JSON data."""

    seq: int
    kind: str
    record_id: str
    run_id: str | None
    prev_hash: str
    hash: str
    data: dict[str, Any]
