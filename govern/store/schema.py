"""The store's tables (SQLAlchemy Core) and its numbered schema migrations.

``ledger`` is the audit record: one row per record, append-only, each holding its
canonical JSON and its place in the hash chain. ``chain_head`` is a one-row table with
the last seq and hash (writers lock it, ``verify`` uses it to notice removed records).
Everything else is an index derived from the ledger (see govern.store.index) and may be
rebuilt from it.

Schema history:

1. ledger, meta and the index tables runs, stage_runs, datasets, dataset_versions,
   checks, quarantine, models.
2. ``model_usages`` (which stage used which model version as an input; before, this was
   only in the ledger JSON) and ``chain_head`` (writers serialise on it; before, the head
   was read from the ledger). Both are backfilled from the ledger.
3. Lineage: ``lineage_io`` (one row per dataset or model a job run read or wrote, from
   stage records and from the OpenLineage events ``govern lineage import`` adds as
   ``openlineage_event`` records: what graph queries walk, backfilled from the ledger),
   ``imported_events`` (those events by id), and the delivery outbox
   ``outbox_transports`` / ``outbox`` -- delivery state, not derived from the ledger, so
   not in TABLES and not checked by ``verify``.
4. ``signatures``: the Ed25519 signature of each record of a signed store (seq, key id,
   signature). Not derived from the ledger, so not in TABLES; ``verify`` checks each
   against the key the chain names.
5. ``dataset_summaries``: each dataset version's monitoring summary without its
   sketches (govern.monitoring), by dataset and seq, so that a version is judged against
   its history with one indexed range read. Backfilled from the ledger (records written
   before summaries existed have none).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa

from govern.store.chain import GENESIS
from govern.store.index import STAGE, index_ops

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "TABLES", "metadata"]

metadata = sa.MetaData()

_ID = 64  # run / stage-run ids (uuid4 hex is 32)
_NAME = 512
_HASH = 64

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

ledger = sa.Table(
    "ledger",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("record_id", sa.String(_NAME), nullable=False),
    sa.Column("run_id", sa.String(_ID), nullable=True),
    sa.Column("prev_hash", sa.String(_HASH), nullable=False),
    sa.Column("hash", sa.String(_HASH), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

chain_head = sa.Table(
    "chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(_HASH), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("namespace", sa.String(_NAME), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("started_ts", sa.Double, nullable=False),
    sa.Column("ended_at", sa.String(40)),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.String(_NAME)),
    sa.Column("start_seq", sa.Integer, nullable=False),
    sa.Column("end_seq", sa.Integer),
    sa.Index("ix_runs_started", "started_ts"),
    sa.Index("ix_runs_name", "name", "started_ts"),
    sa.Index("ix_runs_status", "status"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

stage_runs = sa.Table(
    "stage_runs",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("run_id", sa.String(_ID), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("stage", sa.String(_NAME), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("on_fail", sa.String(16), nullable=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("ended_at", sa.String(40), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("checks_total", sa.Integer, nullable=False),
    sa.Column("checks_failed", sa.Integer, nullable=False),
    sa.Column("model_name", sa.String(_NAME)),
    sa.Column("model_version", sa.Integer),
    sa.Index("ix_stage_runs_run", "run_id", "seq"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("namespace", sa.String(_NAME), primary_key=True),
    sa.Column("name", sa.String(_NAME), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("first_seq", sa.Integer, nullable=False),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

dataset_versions = sa.Table(
    "dataset_versions",
    metadata,
    sa.Column("stage_run_id", sa.String(_ID), sa.ForeignKey("stage_runs.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("parameter", sa.String(_NAME), nullable=False),
    sa.Column("namespace", sa.String(_NAME), nullable=False),
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("fingerprint", sa.String(128)),
    sa.Column("row_count", sa.BigInteger),
    sa.Index("ix_dataset_versions_dataset", "namespace", "name", "seq"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("stage_run_id", sa.String(_ID), sa.ForeignKey("stage_runs.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("dataset", sa.String(_NAME), nullable=False),
    sa.Column("check_name", sa.Text, nullable=False),
    sa.Column("column_name", sa.String(_NAME)),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("failed_count", sa.BigInteger, nullable=False),
    sa.Column("checked_count", sa.BigInteger),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("stage_run_id", sa.String(_ID), sa.ForeignKey("stage_runs.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("dataset", sa.String(_NAME), nullable=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

models = sa.Table(
    "models",
    metadata,
    sa.Column("name", sa.String(_NAME), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(_ID), nullable=False),
    sa.Column("stage_run_id", sa.String(_ID), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("framework", sa.String(_NAME)),
    sa.Column("model_class", sa.String(_NAME)),
    sa.Column("artifact_fingerprint", sa.String(128)),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

model_usages = sa.Table(
    "model_usages",
    metadata,
    sa.Column("stage_run_id", sa.String(_ID), sa.ForeignKey("stage_runs.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_model_usages_model", "name", "version"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

imported_events = sa.Table(
    "imported_events",
    metadata,
    sa.Column("event_id", sa.String(_HASH), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("event_kind", sa.String(16), nullable=False),
    sa.Column("run_key", sa.String(_NAME)),
    sa.Column("job_namespace", sa.String(_NAME)),
    sa.Column("job_name", sa.String(_NAME)),
    sa.Column("event_type", sa.String(16)),
    sa.Column("event_time", sa.String(40), nullable=False),
    sa.Column("producer", sa.Text),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

lineage_io = sa.Table(
    "lineage_io",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("run_key", sa.String(_NAME), nullable=False),  # stage run id, or OL runId
    sa.Column("run_group", sa.String(_NAME), nullable=False),  # pipeline run, or OL root run
    sa.Column("ts", sa.Double, nullable=False),  # the job run's start (epoch seconds)
    sa.Column("origin", sa.String(8), nullable=False),  # govern | import
    sa.Column("job_namespace", sa.String(_NAME)),  # None for govern (the run's namespace)
    sa.Column("job_name", sa.String(_NAME), nullable=False),  # the stage, for govern
    sa.Column("role", sa.String(8), nullable=False),  # input | output
    sa.Column("kind", sa.String(8), nullable=False),  # dataset | model
    sa.Column("namespace", sa.String(_NAME), nullable=False),  # "" for govern models
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("version", sa.String(_NAME)),
    sa.Index("ix_lineage_io_run", "run_key"),
    sa.Index("ix_lineage_io_node", "name", "role", "namespace"),
    sa.Index("ix_lineage_io_group", "run_group"),
    sa.Index("ix_lineage_io_job", "job_name"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

outbox_transports = sa.Table(
    "outbox_transports",
    metadata,
    sa.Column("name", sa.String(_NAME), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("scanned_seq", sa.Integer, nullable=False),
    sa.Column("registered_at", sa.String(40), nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("transport", sa.String(_NAME), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("part", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("run_id", sa.String(_ID)),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_at", sa.Double, nullable=False),
    sa.Column("lease_until", sa.Double),
    sa.Column("last_error", sa.Text),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Index("ix_outbox_open", "transport", "state", "seq"),
    sa.Index("ix_outbox_run", "transport", "run_id", "seq"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

signatures = sa.Table(
    "signatures",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key_id", sa.String(_HASH), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

dataset_summaries = sa.Table(
    "dataset_summaries",
    metadata,
    sa.Column("stage_run_id", sa.String(_ID), sa.ForeignKey("stage_runs.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("namespace", sa.String(_NAME), nullable=False),
    sa.Column("name", sa.String(_NAME), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("fingerprint", sa.String(128)),  # the version's (DatasetVersion.fingerprint)
    sa.Column("ts", sa.Double, nullable=False),  # the stage call's start (epoch seconds)
    sa.Column("compact", sa.Text, nullable=False),  # canonical JSON, sketches left out
    # the numbers history judging reads, packed (govern.monitoring.packing):
    # a long window is read without parsing JSON numbers
    sa.Column("layout", sa.Text),
    sa.Column("numbers", sa.LargeBinary),
    sa.Index("ix_dataset_summaries_dataset", "namespace", "name", "seq"),
    sqlite_with_rowid=False,  # one B-tree keyed by the primary key
)

TABLES: dict[str, sa.Table] = {
    t.name: t
    for t in (
        runs,
        stage_runs,
        datasets,
        dataset_versions,
        checks,
        quarantine,
        models,
        model_usages,
        imported_events,
        lineage_io,
        dataset_summaries,
    )
}
"""The index tables, by name (the names govern.store.index uses)."""


def _create(conn: sa.Connection, tables: Sequence[sa.Table]) -> None:
    for table in tables:
        table.create(conn)


def _v1(conn: sa.Connection) -> None:
    _create(
        conn,
        [meta, ledger, runs, stage_runs, datasets, dataset_versions, checks, quarantine, models],
    )


def _v2(conn: sa.Connection) -> None:
    _create(conn, [model_usages, chain_head])
    last = conn.execute(
        sa.select(ledger.c.seq, ledger.c.hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    conn.execute(
        chain_head.insert().values(
            id=1, seq=0 if last is None else last.seq, hash=GENESIS if last is None else last.hash
        )
    )
    _backfill(conn, model_usages)


def _v3(conn: sa.Connection) -> None:
    _create(conn, [imported_events, lineage_io, outbox_transports, outbox])
    _backfill(conn, lineage_io)


def _v4(conn: sa.Connection) -> None:
    _create(conn, [signatures])


def _v5(conn: sa.Connection) -> None:
    _create(conn, [dataset_summaries])
    _backfill(conn, dataset_summaries)


def _v6(conn: sa.Connection) -> None:
    # schema 5's table had no packed numbers: rebuilt from the records (it is an index);
    # a store migrating from before 5 has just built it whole
    found = {c["name"] for c in sa.inspect(conn).get_columns(dataset_summaries.name)}
    if "numbers" in found:
        return
    dataset_summaries.drop(conn)
    _v5(conn)


def _backfill(conn: sa.Connection, table: sa.Table) -> None:
    """Fill a new index table with the rows the stage records give it, in batches."""
    rows: list[dict[str, object]] = []
    stages = sa.select(ledger.c.seq, ledger.c.body).where(ledger.c.kind == STAGE)
    for seq, body in conn.execute(stages.order_by(ledger.c.seq)):
        data = json.loads(body)["data"]
        rows.extend(op.row for op in index_ops(STAGE, seq, data) if op.table == table.name)
        if len(rows) >= 5000:
            conn.execute(table.insert(), rows)
            rows = []
    if rows:
        conn.execute(table.insert(), rows)


MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {
    1: _v1,
    2: _v2,
    3: _v3,
    4: _v4,
    5: _v5,
    6: _v6,
}
"""Schema version -> the step that brings the previous version to it."""

CURRENT_VERSION = max(MIGRATIONS)
