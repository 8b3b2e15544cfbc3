"""Dataset identity: declared sources, stage outputs, and OpenLineage naming.

Identities are attached to frame *objects* through a weak registry (never via
``DataFrame.attrs``, which pandas copies onto derived frames and would mislabel them).
A frame passed from one stage to the next keeps its identity because it is the same object;
one *derived* from identified frames keeps an edge to them (``govern.derivation``).
"""

from __future__ import annotations

import threading
import weakref
from os import PathLike, fspath
from pathlib import Path
from typing import Any, Generic, TypeVar

from govern.derivation import mark
from govern.engines import engine_for
from govern.engines.naming import dataset_ref_for_uri, redact_uri, spark_dataset_ref
from govern.errors import GovernError, NotAFrameError
from govern.redaction import redact_uri as _redact_credentials
from govern.types import DatasetKind, DatasetRef

__all__ = [
    "IdentityRegistry",
    "dataset_ref_for_uri",
    "read_csv",
    "read_parquet",
    "read_spark_parquet",
    "redact_uri",
    "scan_parquet",
    "source",
    "spark_dataset_ref",
    "spark_source",
]

F = TypeVar("F")
V = TypeVar("V")


class IdentityRegistry(Generic[V]):
    """Maps live objects to a value without keeping them alive."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[weakref.ref[Any], V]] = {}
        self._lock = threading.Lock()

    def set(self, obj: Any, value: V) -> None:
        """Attach ``value`` to ``obj`` until ``obj`` is garbage collected."""
        key = id(obj)

        def forget(_: weakref.ref[Any], key: int = key) -> None:
            with self._lock:
                entry = self._items.get(key)
                if entry is not None and entry[0]() is None:
                    del self._items[key]

        with self._lock:
            self._items[key] = (weakref.ref(obj, forget), value)

    def get(self, obj: Any) -> V | None:
        """The value attached to ``obj``, or None."""
        with self._lock:
            entry = self._items.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


SOURCES: IdentityRegistry[DatasetRef] = IdentityRegistry()


def source(frame: F, name: str, *, namespace: str = "file") -> F:
    """Declare ``frame`` as a source dataset with an OpenLineage identity; returns it.

    Args:
        frame: a pandas, polars (eager or lazy) or Spark data frame (the same object
            is returned).
        name: the dataset name in its namespace: an absolute path for ``file``,
            ``db.schema.table`` for a database, a key for a bucket.
        namespace: ``file`` (default), ``s3://bucket``, ``postgres://host:port``...

    Raises:
        NotAFrameError: ``frame`` is not a supported data frame.
    """
    if engine_for(frame) is None:
        raise NotAFrameError(
            f"govern.source({name!r}) needs a pandas, polars or Spark DataFrame, "
            f"got {type(frame).__qualname__}"
        )
    if not name:
        raise GovernError("govern.source() needs a non-empty dataset name")
    if namespace == "file" and "://" not in name:
        name = str(Path(name).expanduser().resolve())
    ns = redact_uri(namespace) if "://" in namespace else _redact_credentials(namespace)
    ref = DatasetRef(namespace=ns, name=_redact_credentials(name), kind=DatasetKind.SOURCE)
    SOURCES.set(frame, ref)
    mark(frame, ref)
    return frame


def _declare(frame: F, path: str | PathLike[str]) -> F:
    ref = dataset_ref_for_uri(path)
    SOURCES.set(frame, ref)
    mark(frame, ref)
    return frame


def read_csv(path: str | PathLike[str], **kwargs: Any) -> Any:
    """``pandas.read_csv`` that also declares the file as a source dataset."""
    import pandas as pd

    return _declare(pd.read_csv(path, **kwargs), path)


def read_parquet(path: str | PathLike[str], **kwargs: Any) -> Any:
    """``pandas.read_parquet`` that also declares the file as a source dataset."""
    import pandas as pd

    return _declare(pd.read_parquet(path, **kwargs), path)


def scan_parquet(path: str | PathLike[str], **kwargs: Any) -> Any:
    """``polars.scan_parquet`` (a LazyFrame) that also declares the file as a source."""
    import polars as pl

    return _declare(pl.scan_parquet(fspath(path), **kwargs), path)


# --- Spark sources, named as openlineage-spark names them (`govern.engines.spark`) ---


def spark_source(frame: F, location: str | None = None) -> F:
    """Declare a Spark DataFrame as a source dataset, named as openlineage-spark names it.

    Args:
        frame: a ``pyspark.sql.DataFrame`` read from files (the same object is returned).
        location: the path or URI it was read from; by default derived from
            ``frame.inputFiles()`` (their common root, without ``part-*`` file names and
            ``key=value`` partition directories).

    Raises:
        NotAFrameError: ``frame`` is not a Spark DataFrame.
        GovernError: no location given and the frame reads no files.
    """
    engine = engine_for(frame)
    if engine is None or engine.name != "spark":
        raise NotAFrameError(
            f"govern.spark_source() needs a pyspark.sql.DataFrame, got {type(frame).__qualname__}"
        )
    SOURCES.set(frame, engine.location_ref(frame, location))
    return frame


def read_spark_parquet(spark: Any, path: str | PathLike[str], **options: Any) -> Any:
    """``spark.read.parquet(path)`` that also declares ``path`` as a source dataset."""
    location = fspath(path)
    frame = spark.read.options(**options).parquet(location)
    return spark_source(frame, location)
