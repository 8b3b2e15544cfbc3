"""The one Protocol every frame engine implements, and the plain data it hands back.

An engine is everything govern does that depends on the kind of frame: recognising it,
counting its rows, running a pandera schema on it, splitting off and writing rejected
rows, profiling and versioning it, naming where it was read from and following it into
the frames derived from it. Callers ask `govern.engines.engine_for` for the engine of a
frame and call it; they never branch on the frame's kind.

Engines sit low in the import layers (below checks, metrics, quarantine and datasets,
which call them), so what they return is plain data defined here (`Profile`,
`PanderaRun`, `RowFailure`, `Layout`), never a check's `Finding`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from govern.config import MetricsLevel
from govern.frames import FrameKind
from govern.types import DatasetRef

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "REASONS_COLUMN",
    "ROW_COLUMN",
    "Engine",
    "Layout",
    "PanderaRun",
    "Profile",
    "RowFailure",
]

REASONS_COLUMN = "_govern_reasons"
"""The column of rejected rows listing why each was rejected (``column: check``)."""
ROW_COLUMN = "_govern_row"
"""The column of rejected rows naming the row in the gated frame (its label or position)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What govern records about one dataset version.

    Attributes:
        fingerprint: ``xxh3-128:<hex>`` content hash (or a deferred engine's
            ``rowhash-polars:`` / ``rowhash-spark:`` / ``plan-spark:``), None when not
            computed.
        row_count: rows, None where counting would run a query (lazy, Spark).
        schema: ``(column name, type name)`` in column order, type names as the frame
            library prints them.
        metrics: shaped like OpenLineage's dataQualityMetrics facet; None at level off.
    """

    fingerprint: str | None
    row_count: int | None
    schema: tuple[tuple[str, str], ...]
    metrics: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Layout:
    """What a pandera report's ``index`` column means for the frame that was validated.

    Attributes:
        engine: the name of the frame's engine.
        index: the pandas frame's own index (to show labels), else None.
        positional: the reported index values are row positions.
        rows: rows validated (None when unknown).
        columns: the frame's column names, as text.
        typed: columns whose dtype is not ``object`` (a dtype failure there is the
            column's, not some rows').
        labelled: rows are shown by the frame's own index labels (pandas), not positions.
        text_cases: the backend reports failure cases as text already (polars).
    """

    engine: str
    index: Any
    positional: bool
    rows: int | None
    columns: list[str]
    typed: frozenset[str] = field(default_factory=frozenset)
    labelled: bool = False
    text_cases: bool = False


@dataclass(frozen=True, slots=True)
class RowFailure:
    """One failing check an engine counted itself (Spark: pandera does not list rows).

    Attributes:
        check: the check's label; ``column`` the column, None for the table.
        failed_count: failing rows (row-level) or 1 (table-level).
        rows: rows checked, when counted.
        predicate: what quarantine splits the failing rows off with (an engine's
            `govern.frames.RowPredicate`), None when they cannot be pinned.
        sample: a few failing values, already bounded (``repr`` text).
        message: why, for a table-level failure.
        row_level: False for a failure of the table as a whole.
    """

    check: str
    column: str | None
    failed_count: int
    rows: int | None = None
    predicate: Any = None
    sample: tuple[str, ...] = ()
    message: str | None = None
    row_level: bool = True


@dataclass(slots=True)
class PanderaRun:
    """What an engine's run of a pandera schema produced, in one of two report forms.

    Attributes:
        validated: the frame to pass on (as pandera's ``validate`` returned it).
        layout: how rows are named in ``cases``.
        cases: pandera's ``failure_cases`` as a pandas frame; None when nothing failed
            or when the engine counted failures itself (``failures``).
        failures: failing checks the engine counted itself, or None when pandera's
            ``failure_cases`` report them (``cases``).
    """

    validated: Any
    layout: Layout
    cases: Any = None
    failures: list[RowFailure] | None = None


@runtime_checkable
class Engine(Protocol):
    """One frame library (or one mode of it: polars eager and lazy are two engines).

    Attributes:
        name: the engine's identifier (``pandas``, ``polars``, ``polars_lazy``, ``spark``).
        kind: the same as a `govern.frames.FrameKind`.
        pandera_api: the pandera API whose schemas validate these frames (``pandas``,
            ``polars``, ``pyspark``); schemas of another API are refused.
        gx_source: the Great Expectations data source for these frames (``pandas``,
            ``spark``), None where GX cannot run on them.
        deferred: frames are query plans; counting rows runs a query.
        revalidates: after quarantine the rows that go on are validated again
            (`govern.checks.pandera.PanderaCheck.conform`); False where pandera does not
            pin rows (Spark), so a second run would change nothing.
    """

    name: str
    kind: FrameKind
    pandera_api: str
    gx_source: str | None
    deferred: bool
    revalidates: bool

    # --- what the frame is ------------------------------------------------------------

    def detect(self, obj: Any) -> bool:
        """True when ``obj`` is a frame of this engine (its library is already imported)."""
        ...

    def row_count(self, frame: Any) -> int | None:
        """Rows, None where counting would run a query (deferred engines)."""
        ...

    def count_rows(self, frame: Any) -> int:
        """Rows, running one counting query where needed."""
        ...

    def columns(self, frame: Any) -> list[str]:
        """Column names as text (a plan's from its schema, without running it)."""
        ...

    # --- checks -----------------------------------------------------------------------

    def run_pandera(
        self, schema: Any, frame: Any, *, want_index: bool, sample_size: int
    ) -> PanderaRun:
        """Validate ``frame`` with ``schema`` (``lazy=True``: every failure reported).

        Raises pandera's ``SchemaDefinitionError`` / ``BackendNotFoundError`` as they are.
        """
        ...

    def pandera_target(self, frame: Any) -> Any | None:
        """What pandera's backend matches regex columns against; None: leave them to it."""
        ...

    def rows_for_labels(self, frame: Any, labels: Sequence[Any]) -> Sequence[Any]:
        """Positions of the rows a backend named by label (GX's index lists)."""
        ...

    def index_names(self, frame: Any) -> tuple[str, ...]:
        """Names of index levels whose labels a report shows (PII masking); () if none."""
        ...

    def contract_schema(self, rules: Any) -> Any:
        """A pandera schema enforcing a contract's row-level rules on these frames."""
        ...

    def measure(self, frame: Any, rules: Any, present: set[str]) -> dict[str, float]:
        """A contract's column type families and dataset-level metrics, in one pass."""
        ...

    def sql_relation(self, frame: Any) -> Any:
        """What DuckDB registers to run a contract's SQL rule over the frame."""
        ...

    # --- quarantine -------------------------------------------------------------------

    def split(self, frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
        """(valid rows, rejected rows with ``_govern_row`` and ``_govern_reasons``).

        ``reasons`` maps row positions (or the engine's `RowPredicate` objects) to why.
        """
        ...

    def write_rejected(self, rejected: Any, path: Path) -> None:
        """Write the rejected rows to ``path`` as Parquet (a file or a directory)."""
        ...

    def rejected_rows(self, rejected: Any, path: Path) -> int:
        """Rows written to ``path`` (read back from footers where counting would recompute)."""
        ...

    # --- metrics, versions, summaries -------------------------------------------------

    def profile(self, frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
        """Row count, schema, fingerprint and metrics (`govern.metrics.profile`)."""
        ...

    def arrow_batches(
        self, frame: Any, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The frame's rows as Arrow record batches (for mergeable summaries, sketches).

        ``columns`` selects and orders columns (None: all). Deferred engines stream.
        """
        ...

    # --- naming and derivation --------------------------------------------------------

    def location_ref(self, frame: Any, location: str | None) -> DatasetRef:
        """The OpenLineage identity of a frame read from ``location`` (derived if None)."""
        ...

    def mark(self, frame: Any, ref: DatasetRef) -> None:
        """Note ``frame`` as dataset ``ref`` for the frames derived from it."""
        ...

    def derived_from(self, frame: Any) -> frozenset[DatasetRef]:
        """The identified datasets ``frame`` was derived from (empty when none known)."""
        ...
