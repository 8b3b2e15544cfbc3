"""The pandas engine: pandas DataFrames, named by position, profiled through Arrow.

Checks: ``pandera.pandas`` schemas; a frame whose index does not name each row once
(non-unique, NaN labels, MultiIndex) is validated through a positional view unless the
schema checks the index itself, so failing rows are positions on every index
(`govern.engines.pandas_index`). Quarantine: one boolean mask, the rejected rows written
with ``to_parquet``. Metrics and versions: one conversion to Arrow
(`govern.engines.arrow`). Derivation: a tag in ``DataFrame.attrs``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govern.config import MetricsLevel
from govern.engines import pandas_contracts, pandas_lineage
from govern.engines.arrow import ArrowColumn, arrow_profile, tagged
from govern.engines.base import REASONS_COLUMN, ROW_COLUMN, Engine, Layout, PanderaRun, Profile
from govern.engines.naming import dataset_ref_for_uri
from govern.engines.pandas_index import exact_index, positional_view, positions_of
from govern.engines.pandera_run import run_with_cases
from govern.errors import GovernError
from govern.frames import FrameKind
from govern.types import DatasetRef

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ENGINE", "PandasEngine"]


class PandasEngine:
    """`govern.engines.base.Engine` for ``pandas.DataFrame``."""

    name = "pandas"
    kind = FrameKind.PANDAS
    pandera_api = "pandas"
    gx_source: str | None = "pandas"
    deferred = False
    revalidates = True

    def detect(self, obj: Any) -> bool:
        pandas = sys.modules.get("pandas")
        return pandas is not None and isinstance(obj, pandas.DataFrame)

    def row_count(self, frame: Any) -> int | None:
        return len(frame)

    def count_rows(self, frame: Any) -> int:
        return len(frame)

    def columns(self, frame: Any) -> list[str]:
        return [str(c) for c in frame.columns]

    # --- checks -----------------------------------------------------------------------

    def run_pandera(
        self, schema: Any, frame: Any, *, want_index: bool, sample_size: int
    ) -> PanderaRun:
        positional = False
        view = frame
        if getattr(schema, "index", None) is None:
            # labels that do not name one row each: validate by position instead
            positional = not exact_index(frame.index)
            view = positional_view(frame) if positional else frame
        layout = Layout(
            engine=self.name,
            index=frame.index,
            positional=positional,
            rows=len(frame),
            columns=self.columns(frame),
            typed=frozenset(str(c) for c, t in frame.dtypes.items() if str(t) != "object"),
            labelled=True,
        )

        def restore(validated: Any) -> Any:
            # a positionally validated frame gets its own index back (same rows, order)
            if positional and len(validated) == len(frame):
                return validated.set_axis(frame.index, axis=0)
            return validated

        return run_with_cases(schema, view, layout, same_engine=self.detect, restore=restore)

    def pandera_target(self, frame: Any) -> Any:
        return frame

    def rows_for_labels(self, frame: Any, labels: Sequence[Any]) -> Sequence[Any]:
        # exactly on an index that names each row once, else every row carrying a label
        exact = positions_of(frame.index, labels)
        if exact is not None:
            return exact
        import numpy as np

        return [int(p) for p in np.flatnonzero(frame.index.isin(list(labels)))]

    def index_names(self, frame: Any) -> tuple[str, ...]:
        return tuple(str(name) for name in frame.index.names if name is not None)

    def contract_schema(self, rules: Any) -> Any:
        return pandas_contracts.contract_schema(rules)

    def measure(self, frame: Any, rules: Any, present: set[str]) -> dict[str, float]:
        return pandas_contracts.measure(frame, rules, present)

    def sql_relation(self, frame: Any) -> Any:
        return frame

    # --- quarantine -------------------------------------------------------------------

    def split(self, frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
        import numpy as np
        import pandas as pd

        positions = sorted(int(p) for p in reasons)
        bad = np.zeros(len(frame), dtype=bool)
        bad[positions] = True
        rejected = frame.iloc[positions].copy()
        rejected[ROW_COLUMN] = [str(label) for label in rejected.index]
        rejected[REASONS_COLUMN] = pd.Series(
            [list(reasons[p]) for p in positions], index=rejected.index, dtype=object
        )
        return frame.iloc[np.flatnonzero(~bad)], rejected

    def write_rejected(self, rejected: Any, path: Path) -> None:
        _write_pandas(rejected, path)

    def rejected_rows(self, rejected: Any, path: Path) -> int:
        return len(rejected)

    # --- metrics, versions, summaries -------------------------------------------------

    def profile(self, frame: Any, level: MetricsLevel, fingerprint: bool) -> Profile:
        schema = tuple((_name(n), str(t)) for n, t in frame.dtypes.items())
        return arrow_profile(len(frame), schema, lambda: _columns(frame), level, fingerprint)

    def arrow_batches(
        self, frame: Any, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        chosen = frame if columns is None else frame[list(columns)]
        arrays = [c.array for c in _columns(chosen)]
        names = [_name(n) for n in chosen.columns]
        yield pa.RecordBatch.from_arrays(arrays, names=names)

    # --- naming and derivation --------------------------------------------------------

    def location_ref(self, frame: Any, location: str | None) -> DatasetRef:
        if location is None:
            raise GovernError("a pandas frame does not know where it was read from: pass it")
        return dataset_ref_for_uri(location)

    def mark(self, frame: Any, ref: DatasetRef) -> None:
        pandas_lineage.mark(frame, ref)

    def derived_from(self, frame: Any) -> frozenset[DatasetRef]:
        return pandas_lineage.derived_from(frame)


ENGINE: Engine = PandasEngine()


def _name(label: Any) -> str:
    return label if isinstance(label, str) else str(label)


def _columns(frame: Any) -> Iterator[ArrowColumn]:
    import numpy as np
    import pyarrow as pa

    for label, series in frame.items():  # by position: duplicate names survive
        name, dtype = _name(label), str(series.dtype)
        if isinstance(series.dtype, np.dtype) and series.dtype.kind == "f":
            yield ArrowColumn(name, dtype, _numpy_floats(series.to_numpy()), False)
            continue
        try:
            array = pa.array(series, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):
            array = tagged(series.tolist(), series.isna().tolist())
            yield ArrowColumn(name, dtype, array, True)
            continue
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        yield ArrowColumn(name, dtype, array, False)


def _numpy_floats(values: Any) -> pa.Array:
    """NaN as null, like ``from_pandas=True``, with the bitmap built by numpy (faster)."""
    import numpy as np
    import pyarrow as pa

    values = np.ascontiguousarray(values)
    missing = np.isnan(values)
    nulls = int(np.count_nonzero(missing))
    if not nulls:
        return pa.array(values)
    bitmap = np.packbits(~missing, bitorder="little")
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype),
        len(values),
        [pa.py_buffer(bitmap), pa.py_buffer(values)],
        null_count=nulls,
    )


def _write_pandas(frame: Any, path: Path) -> None:
    import pyarrow as pa

    try:
        frame.to_parquet(path, index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        as_text = frame.copy()
        for column in as_text.columns:
            if column != REASONS_COLUMN and as_text[column].dtype == object:
                as_text[column] = as_text[column].map(lambda v: None if v is None else str(v))
        as_text.to_parquet(path, index=False)
