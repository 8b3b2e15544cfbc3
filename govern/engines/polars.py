"""The polars engines: eager DataFrames and LazyFrames (two engines, one library).

Checks: ``pandera.polars`` schemas, always with data checks on (pandera validates a
LazyFrame's *schema only* unless told otherwise, which would pass bad values silently);
failing rows are positions. Quarantine: eager frames by a boolean mask; a LazyFrame
becomes two lazy plans (rows matched by position with ``with_row_index``) and the
rejected plan is streamed to Parquet with ``sink_parquet``. Metrics and versions: eager
frames through Arrow, LazyFrames with one ``select`` (`govern.engines.polars_profile`).
Derivation: eager frames through the Arrow buffers they share (`polars_lineage`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.config import MetricsLevel
from govern.engines import polars_contracts
from govern.engines.arrow import ArrowColumn, arrow_profile, tagged
from govern.engines.base import REASONS_COLUMN, ROW_COLUMN, Engine, Layout, PanderaRun, Profile
from govern.engines.naming import dataset_ref_for_uri
from govern.engines.pandera_run import run_with_cases
from govern.engines.polars_lineage import BUFFERS
from govern.engines.polars_profile import lazy_profile
from govern.errors import GovernError
from govern.frames import FrameKind
from govern.types import DatasetRef

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["EAGER", "LAZY", "PolarsEngine", "PolarsLazyEngine"]

_POSITION = "__govern_position"


class _Polars:
    """What eager and lazy polars frames share."""

    name = "polars"
    kind = FrameKind.POLARS
    pandera_api = "polars"
    gx_source: str | None = None
    deferred = False
    revalidates = True
    _type = "DataFrame"

    def detect(self, obj: Any) -> bool:
        polars = sys.modules.get("polars")
        return polars is not None and isinstance(obj, getattr(polars, self._type))

    def row_count(self, frame: Any) -> int | None:
        return len(frame)

    def count_rows(self, frame: Any) -> int:
        return len(frame)

    def columns(self, frame: Any) -> list[str]:
        return [str(c) for c in frame.columns]

    def _lazy(self, frame: Any) -> Any:
        return frame.lazy()

    # --- checks -----------------------------------------------------------------------

    def run_pandera(
        self, schema: Any, frame: Any, *, want_index: bool, sample_size: int
    ) -> PanderaRun:
        layout = Layout(
            engine=self.name,
            index=None,
            positional=True,
            rows=self.count_rows(frame),
            columns=self.columns(frame),
            text_cases=True,
        )
        return run_with_cases(
            schema,
            frame,
            layout,
            same_engine=self.detect,
            restore=lambda validated: validated,
            context=_data_checks_on(),
        )

    def pandera_target(self, frame: Any) -> Any:
        return self._lazy(frame)

    def rows_for_labels(self, frame: Any, labels: Sequence[Any]) -> Sequence[Any]:
        return labels  # polars rows have no labels: backends report positions

    def index_names(self, frame: Any) -> tuple[str, ...]:
        return ()

    def contract_schema(self, rules: Any) -> Any:
        return polars_contracts.contract_schema(rules)

    def measure(self, frame: Any, rules: Any, present: set[str]) -> dict[str, float]:
        return polars_contracts.measure(frame, self._lazy(frame), rules, present)

    def sql_relation(self, frame: Any) -> Any:
        return frame

    # --- naming and derivation --------------------------------------------------------

    def location_ref(self, frame: Any, location: str | None) -> DatasetRef:
        if location is None:
            raise GovernError("a polars frame does not know where it was read from: pass it")
        return dataset_ref_for_uri(location)

    def mark(self, frame: Any, ref: DatasetRef) -> None:
        BUFFERS.add(frame, ref)

    def derived_from(self, frame: Any) -> frozenset[DatasetRef]:
        return BUFFERS.find(frame)


class PolarsEngine(_Polars):
    """`govern.engines.base.Engine` for ``polars.DataFrame``."""

    def split(self, frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
        import polars as pl

        positions = sorted(int(p) for p in reasons)
        mask = pl.Series("mask", [False] * len(frame)).scatter(positions, True)
        rejected = frame.filter(mask).with_columns(
            pl.Series(ROW_COLUMN, [str(p) for p in positions]),
            pl.Series(
                REASONS_COLUMN, [list(reasons[p]) for p in positions], dtype=pl.List(pl.String)
            ),
        )
        return frame.filter(~mask), rejected

    def write_rejected(self, rejected: Any, path: Path) -> None:
        rejected.write_parquet(path)

    def rejected_rows(self, rejected: Any, path: Path) -> int:
        return len(rejected)

    def profile(self, frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
        schema = tuple((n, str(t)) for n, t in frame.schema.items())
        return arrow_profile(len(frame), schema, lambda: _columns(frame), level, fingerprint)

    def arrow_batches(
        self, frame: Any, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        chosen = frame if columns is None else frame.select(list(columns))
        yield from chosen.to_arrow().to_batches()


class PolarsLazyEngine(_Polars):
    """`govern.engines.base.Engine` for ``polars.LazyFrame``: nothing is collected whole."""

    name = "polars_lazy"
    kind = FrameKind.POLARS_LAZY
    deferred = True
    _type = "LazyFrame"

    def row_count(self, frame: Any) -> int | None:
        return None

    def count_rows(self, frame: Any) -> int:
        import polars as pl

        return int(frame.select(pl.len()).collect().item())

    def columns(self, frame: Any) -> list[str]:
        return [str(c) for c in frame.collect_schema().names()]

    def _lazy(self, frame: Any) -> Any:
        return frame

    def sql_relation(self, frame: Any) -> Any:
        return frame.collect()

    def split(self, frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
        return _split_lazy(frame, reasons)

    def write_rejected(self, rejected: Any, path: Path) -> None:
        rejected.sink_parquet(path)

    def rejected_rows(self, rejected: Any, path: Path) -> int:
        # the footers just written, so the rows are not computed a second time
        import polars as pl

        return int(pl.scan_parquet(path).select(pl.len()).collect().item())

    def profile(self, frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
        return lazy_profile(frame, level, fingerprint)

    def arrow_batches(
        self, frame: Any, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        chosen = frame if columns is None else frame.select(list(columns))
        for batch in chosen.collect_batches():
            yield from batch.to_arrow().to_batches()

    def mark(self, frame: Any, ref: DatasetRef) -> None:
        return None  # a plan holds no buffers to follow

    def derived_from(self, frame: Any) -> frozenset[DatasetRef]:
        return frozenset()


EAGER: Engine = PolarsEngine()
LAZY: Engine = PolarsLazyEngine()


def _data_checks_on() -> contextlib.AbstractContextManager[Any]:
    """Make pandera run data checks on polars frames, whatever the user's pandera config.

    Without this a LazyFrame gets schema checks only (pandera's default for lazy frames)
    and bad values pass silently; a ``PANDERA_VALIDATION_DEPTH=SCHEMA_ONLY`` environment
    would do the same to eager frames.
    """
    from pandera.config import ValidationDepth, config_context

    return config_context(validation_depth=ValidationDepth.SCHEMA_AND_DATA)


def _columns(frame: Any) -> Iterator[ArrowColumn]:
    import polars as pl

    for series in frame.iter_columns():
        dtype = str(series.dtype)
        if series.dtype == pl.Object:  # to_arrow would export raw pointers
            array = tagged(series.to_list(), series.is_null().to_list())
            yield ArrowColumn(series.name, dtype, array, True)
            continue
        # newest: strings stay views (zero copy); _plain converts them only when needed
        array = series.to_arrow(compat_level=pl.CompatLevel.newest())
        yield ArrowColumn(series.name, dtype, array, False)


def _split_lazy(frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
    """Two lazy plans over the same rows, matched by position; nothing is collected."""
    import polars as pl

    index_type = pl.get_index_type()
    positions = sorted(int(p) for p in reasons)
    bad = pl.LazyFrame(
        {
            _POSITION: pl.Series(positions, dtype=index_type),
            ROW_COLUMN: [str(p) for p in positions],
            REASONS_COLUMN: pl.Series(
                [list(reasons[p]) for p in positions], dtype=pl.List(pl.String)
            ),
        }
    )
    indexed = frame.with_row_index(_POSITION)
    valid = indexed.join(bad.select(_POSITION), on=_POSITION, how="anti", maintain_order="left")
    rejected = indexed.join(bad, on=_POSITION, how="inner", maintain_order="left")
    return valid.drop(_POSITION), rejected.drop(_POSITION)
