"""The Ibis engine: an ``ibis.Table`` on any backend Ibis supports, gated in the database.

Every answer comes from SQL; only counts, samples (``LIMIT``) and one row of aggregates
reach Python, never the table:

- pandera.ibis schemas: every check in one aggregate query
  (`govern.engines.ibis_checks`);
- quarantine: the valid rows go on as a table expression, the rejected rows are
  streamed to Parquet by the database or created as a table beside the input
  (`govern.engines.ibis_data`);
- profile and version: one aggregate query (`govern.engines.ibis_data`);
- naming: OpenLineage dataset names from the backend and the table
  (`govern.engines.ibis_naming`).

ibis is imported only inside methods: the registry loads this module when a frame of
ibis's ``Table`` type is first seen, so ibis is already imported by then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.config import MetricsLevel
from govern.engines.base import Layout, PanderaRun, Profile
from govern.frames import FrameKind
from govern.types import DatasetKind, DatasetRef

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ENGINE", "IbisEngine"]


class IbisEngine:
    """`govern.engines.base.Engine` for Ibis tables."""

    name = "ibis"
    kind = FrameKind.IBIS
    pandera_api = "ibis"
    gx_source = None  # GX validates SQL through its own data sources, not Ibis tables
    deferred = True
    # pandera.ibis coerces nothing and the split is exact, so the rows that go on pass
    # every row-level check by construction: a second validation would find nothing new
    revalidates = False

    def detect(self, obj: Any) -> bool:
        """True for an ``ibis.Table`` (ibis already imported)."""
        import sys

        types = sys.modules.get("ibis.expr.types")
        return types is not None and isinstance(obj, types.Table)

    def row_count(self, frame: Any) -> int | None:
        """None: counting a table runs a query."""
        return None

    def count_rows(self, frame: Any) -> int:
        """``SELECT count(*)``."""
        return int(frame.count().to_pyarrow().as_py())

    def columns(self, frame: Any) -> list[str]:
        """The table's column names (from its schema: no query)."""
        return [str(c) for c in frame.columns]

    def run_pandera(
        self, schema: Any, frame: Any, *, want_index: bool, sample_size: int
    ) -> PanderaRun:
        """All checks of ``schema`` in one aggregate query; samples with ``LIMIT``."""
        from govern.engines.ibis_checks import validate_table

        done = validate_table(schema, frame, want_index=want_index, sample_size=sample_size)
        layout = Layout(
            engine=self.name,
            index=None,
            positional=True,
            rows=done.rows,
            columns=self.columns(frame),
        )
        return PanderaRun(done.table, layout, failures=done.failures)

    def pandera_target(self, frame: Any) -> Any | None:
        """Regex columns are matched against the table's columns (no query)."""
        return frame

    def rows_for_labels(self, frame: Any, labels: Sequence[Any]) -> Sequence[Any]:
        """Rows are named by predicate (`IbisPredicate`), which quarantine splits on."""
        return labels

    def index_names(self, frame: Any) -> tuple[str, ...]:
        """Tables have no index."""
        return ()

    def gx_sql(self, frame: Any) -> tuple[str, str]:
        """(SQLAlchemy URL, SQL query) for Great Expectations' SQL data source.

        GX supports PostgreSQL (through psycopg); any other backend is refused with an
        error naming it. The URL carries the connection's credentials in memory only.
        """
        from govern.engines.ibis_naming import gx_sql

        return gx_sql(frame)

    def contract_schema(self, rules: Any) -> Any:
        """A pandera.ibis schema of the contract's row-level rules (`ibis_contracts`)."""
        from govern.engines.ibis_contracts import contract_schema

        return contract_schema(rules)

    def measure(self, frame: Any, rules: Any, present: set[str]) -> dict[str, float]:
        """Column type families and dataset-level metrics in one aggregate query."""
        from govern.engines.ibis_contracts import measure

        return measure(frame, rules, present)

    def sql_relation(self, frame: Any) -> Any:
        """An Arrow batch stream of the rows, for a contract's SQL rule in DuckDB."""
        from govern.engines.ibis_contracts import sql_relation

        return sql_relation(frame)

    def split(self, frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
        """(valid, rejected) as table expressions partitioning ``frame`` exactly."""
        from govern.engines.ibis_data import split_table

        return split_table(frame, reasons)

    def write_rejected(self, rejected: Any, path: Path) -> None:
        """The database streams the rejected rows into one Parquet file."""
        from govern.engines.ibis_data import write_parquet

        write_parquet(rejected, path)

    def write_rejected_table(self, rejected: Any, label: str) -> tuple[str, int]:
        """Create the rejected rows as a table in the same database; (its location, rows).

        The location is ``<namespace>::<name>`` in OpenLineage's naming of the database
        (credentials never included).
        """
        from govern.engines.ibis_data import write_table
        from govern.engines.ibis_naming import table_ref

        name, rows = write_table(rejected, label)
        ref = table_ref(rejected.get_backend().table(name), None)
        return f"{ref.namespace}::{ref.name}", rows

    def rejected_rows(self, rejected: Any, path: Path) -> int:
        """Rows of the Parquet file just written (its footer)."""
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)

    def profile(self, frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
        """Metrics and version in one aggregate query."""
        from govern.engines.ibis_data import profile_table

        return profile_table(frame, level, fingerprint)

    def summarize(self, frame: Any, *, level: Any, top_k: int) -> Any:
        """Monitoring summary computed in the database (govern.monitoring.ibis).

        Optional beside the Protocol (govern.monitoring.frames asks for it): streaming the
        rows (``arrow_batches``) would bring the table into Python, not a summary.
        """
        from govern.monitoring.ibis import summarize_ibis

        return summarize_ibis(frame, level, top_k=top_k)

    def arrow_batches(
        self, frame: Any, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The rows streamed from the database in Arrow batches."""
        table = frame if columns is None else frame.select(*columns)
        yield from table.to_pyarrow_batches()

    def location_ref(self, frame: Any, location: str | None) -> DatasetRef:
        """The table's OpenLineage identity (``location`` overrides the name)."""
        from govern.engines.ibis_naming import table_ref

        return table_ref(frame, location)

    def natural_ref(self, frame: Any) -> DatasetRef | None:
        """A database table's own identity as a source; None for an expression over it."""
        from govern.engines.ibis_naming import table_ref

        return table_ref(frame, None) if _is_leaf(frame) else None

    def mark(self, frame: Any, ref: DatasetRef) -> None:
        """Tables carry their own identity (`location_ref`): nothing to note."""

    def derived_from(self, frame: Any) -> frozenset[DatasetRef]:
        """The database tables an expression reads (its leaves), named as sources."""
        from govern.engines.ibis_naming import source_tables

        refs = source_tables(frame)
        if len(refs) == 1 and _is_leaf(frame):
            return frozenset()  # the table itself, not derived
        return frozenset(DatasetRef(r.namespace, r.name, DatasetKind.SOURCE) for r in refs)


def _is_leaf(frame: Any) -> bool:
    import ibis.expr.operations as ops

    return isinstance(frame.op(), ops.DatabaseTable)


ENGINE = IbisEngine()
