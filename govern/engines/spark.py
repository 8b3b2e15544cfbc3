"""The Spark engine: ``pyspark.sql.DataFrame``, counted and split by Spark, never collected.

Checks: ``pandera.pyspark`` schemas; pandera-pyspark does not list failing rows, so the
failures are counted by Spark (`govern.engines.spark_pandera`) and rows are split off by
predicate (`govern.frames.RowPredicate`); Spark rows have no index, so their
``_govern_row`` is null. Quarantine: ``filter(p)`` / ``filter(~p)``, the rejected rows
written by Spark as a Parquet directory. Metrics and versions:
`govern.engines.spark_profile`. Naming: as openlineage-spark names a read, so events
join. pyspark is imported only inside functions.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.config import MetricsLevel
from govern.engines import spark_contract_metrics, spark_contracts, spark_derivation
from govern.engines.base import REASONS_COLUMN, ROW_COLUMN, Engine, PanderaRun, Profile
from govern.engines.naming import root_of, spark_dataset_ref
from govern.engines.spark_pandera import run_pandera
from govern.engines.spark_profile import spark_profile
from govern.errors import GovernError
from govern.frames import FrameKind, RowPredicate
from govern.types import DatasetRef

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ENGINE", "SparkEngine"]


class SparkEngine:
    """`govern.engines.base.Engine` for ``pyspark.sql.DataFrame``."""

    name = "spark"
    kind = FrameKind.SPARK
    pandera_api = "pyspark"
    gx_source: str | None = "spark"
    deferred = True
    revalidates = False

    def detect(self, obj: Any) -> bool:
        spark_sql = sys.modules.get("pyspark.sql")
        return spark_sql is not None and isinstance(obj, spark_sql.DataFrame)

    def row_count(self, frame: Any) -> int | None:
        return None

    def count_rows(self, frame: Any) -> int:
        return int(frame.count())

    def columns(self, frame: Any) -> list[str]:
        return [str(c) for c in frame.columns]

    # --- checks -----------------------------------------------------------------------

    def run_pandera(
        self, schema: Any, frame: Any, *, want_index: bool, sample_size: int
    ) -> PanderaRun:
        typed = spark_contracts.declare_types(schema, frame)
        return run_pandera(typed, frame, sample_size=sample_size, columns=self.columns(frame))

    def pandera_target(self, frame: Any) -> Any | None:
        return None  # regex columns are left to pandera-pyspark

    def rows_for_labels(self, frame: Any, labels: Sequence[Any]) -> Sequence[Any]:
        return labels  # RowPredicate objects, not labels

    def index_names(self, frame: Any) -> tuple[str, ...]:
        return ()

    def contract_schema(self, rules: Any) -> Any:
        return spark_contracts.build_schema(rules)

    def measure(self, frame: Any, rules: Any, present: set[str]) -> dict[str, float]:
        return spark_contract_metrics.measure(frame, rules, present)

    def sql_relation(self, frame: Any) -> Any:
        return spark_contract_metrics.SqlRelation(frame)

    # --- quarantine -------------------------------------------------------------------

    def split(self, frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
        return _split_spark(frame, reasons)

    def write_rejected(self, rejected: Any, path: Path) -> None:
        rejected.write.mode("overwrite").parquet(str(path))  # a directory of part files

    def rejected_rows(self, rejected: Any, path: Path) -> int:
        # the footers just written, so the rows are not computed a second time
        return int(rejected.sparkSession.read.parquet(str(path)).count())

    # --- metrics, versions, summaries -------------------------------------------------

    def profile(self, frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
        return spark_profile(frame, level, fingerprint)

    def summarize(self, frame: Any, *, level: Any, top_k: int) -> Any:
        """Monitoring summary: partitions summarised on the executors, merged here.

        Optional beside the Protocol (govern.monitoring.frames asks for it): collecting
        the rows to the driver (``arrow_batches``) would move the data, not a summary.
        """
        from govern.monitoring.spark import summarize_spark

        return summarize_spark(frame, level, top_k=top_k)

    def arrow_batches(
        self, frame: Any, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        chosen = frame if columns is None else frame.select(*columns)
        table = chosen.toArrow() if hasattr(chosen, "toArrow") else chosen._collect_as_arrow()
        if isinstance(table, list):  # Spark 3.5: a list of record batches
            yield from table
        else:
            yield from table.to_batches()

    # --- naming and derivation --------------------------------------------------------

    def location_ref(self, frame: Any, location: str | None) -> DatasetRef:
        if location is None:
            files = list(frame.inputFiles())
            if not files:
                raise GovernError(
                    "govern.spark_source(): the frame reads no files; pass location= "
                    "or use govern.source(frame, name, namespace=...)"
                )
            location = root_of(files)
        return spark_dataset_ref(location)

    def mark(self, frame: Any, ref: DatasetRef) -> None:
        spark_derivation.mark(frame, ref)

    def derived_from(self, frame: Any) -> frozenset[DatasetRef]:
        return spark_derivation.derived_from(frame)


ENGINE: Engine = SparkEngine()


def _split_spark(frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
    """``filter(p)`` / ``filter(~p)`` with p the OR of the failing checks' predicates."""
    from functools import reduce

    from pyspark.sql import functions as F

    if not all(isinstance(key, RowPredicate) for key in reasons):
        raise GovernError("Spark rows can only be quarantined by predicate, not by index")
    predicates = list(reasons)
    failing = reduce(lambda a, b: a | b, (p.expr for p in predicates))
    why = F.filter(
        F.array(*(F.when(p.expr, F.lit(text)) for p in predicates for text in reasons[p])),
        lambda item: item.isNotNull(),
    )
    rejected = frame.filter(failing).select(
        "*",
        F.lit(None).cast("string").alias(ROW_COLUMN),
        why.alias(REASONS_COLUMN),
    )
    return frame.filter(~failing), rejected
