"""Result types of the store that are not records themselves (no SQLAlchemy here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["IORow", "LedgerRecord", "OutboxItem", "TransportStatus", "VerifyReport"]


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
        mode: ``sha256``, ``hmac-sha256`` or ``ed25519``.
        key_ids: the Ed25519 keys that signed the chain, in order of use.
        pinned: True when signatures were checked against public keys the verifier gave.
        checked: False when the store could not be checked at all (an HMAC chain and no
            key): not verified, rather than found tampered.
    """

    ok: bool
    records: int
    first_bad: str | None
    head_hash: str | None
    keyed: bool = False
    problems: int = 0
    message: str = ""
    mode: str = "sha256"
    key_ids: tuple[str, ...] = ()
    pinned: bool = False
    checked: bool = True


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


class IORow(NamedTuple):
    """One dataset or model a run read or wrote, as the lineage index holds it.

    A named tuple: a lineage query builds tens of thousands (cheaper than a dataclass).

    A *run* here is one job run: a govern stage call (``run_key`` = its stage run id,
    ``group`` = its pipeline run id) or an imported OpenLineage run (``run_key`` = its
    runId, ``group`` = its root or parent run, else itself). ``ts`` orders runs of
    different origins (seconds since the epoch of the start); ``seq`` is the ledger
    record's place, which orders runs of one group.

    Attributes:
        run_key: the job run.
        group: the run group (pipeline run, DAG run).
        ts: start of the job run, seconds since the epoch.
        seq: ledger seq of the record the row comes from.
        job_namespace: namespace of the job.
        job_name: name of the job (``<pipeline>.<stage>`` for govern stages).
        role: ``input`` or ``output``.
        kind: ``dataset`` or ``model``.
        namespace: the dataset's (or model's) namespace.
        name: its name.
        version: its version (a fingerprint, a model version number, a version facet).
        origin: ``govern`` or ``import``.
    """

    run_key: str
    group: str
    ts: float
    seq: int
    job_namespace: str
    job_name: str
    role: str
    kind: str
    namespace: str
    name: str
    version: str | None
    origin: str


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One event owed to one transport: part ``part`` of the events of record ``seq``."""

    transport: str
    seq: int
    part: int
    run_id: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class TransportStatus:
    """Delivery state of one transport the store owes events to.

    ``pending`` counts events not yet delivered and still retried (``queued`` of them
    belong to records written since the outbox last looked); ``failed``, events that
    gave up after the maximum attempts (``govern lineage replay`` retries them).
    """

    name: str
    kind: str
    registered_at: str
    pending: int
    queued: int
    inflight: int
    failed: int
    delivered: int
    oldest_pending_seq: int | None
    last_error: str | None
