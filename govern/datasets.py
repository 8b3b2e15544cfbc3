"""Dataset identity: declared sources, stage outputs, and OpenLineage naming.

Identities are attached to frame *objects* through a weak registry (never via
``DataFrame.attrs``, which pandas copies onto derived frames and would mislabel them).
A frame passed from one stage to the next keeps its identity because it is the same object;
one *derived* from identified frames keeps an edge to them (``govern.derivation``).
"""

from __future__ import annotations

import posixpath
import re
import threading
import weakref
from collections.abc import Sequence
from os import PathLike, fspath
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

from govern.derivation import mark
from govern.errors import GovernError, NotAFrameError
from govern.frames import frame_kind
from govern.redaction import redact_text
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


def redact_uri(uri: str) -> str:
    """A URI's identity: credentials (``user:password@``) and query string dropped.

    What is left is redacted by govern.redaction too (a token in a path), and a URI
    that does not parse (``postgresql://u:p@[::1``) is redacted as text, never raised.
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return _redact_credentials(uri)
    if not parts.scheme or not parts.netloc:
        return _redact_credentials(uri)
    host = parts.hostname or ""
    if port is not None:
        host = f"{host}:{port}"
    return redact_text(urlunsplit((parts.scheme, host, parts.path, "", "")))


def dataset_ref_for_uri(
    uri: str | PathLike[str], kind: DatasetKind = DatasetKind.SOURCE
) -> DatasetRef:
    """OpenLineage naming for a location.

    A local path becomes namespace ``file`` + absolute path; ``s3://bucket/key`` becomes
    ``s3://bucket`` + ``key``; ``postgres://host:port/db.schema.table`` becomes
    ``postgres://host:port`` + ``db.schema.table``. Credentials never survive.
    """
    text = fspath(uri)
    parts = urlsplit(text)
    if parts.scheme and parts.netloc and len(parts.scheme) > 1:
        clean = urlsplit(redact_uri(text))
        namespace = f"{clean.scheme}://{clean.netloc}"
        return DatasetRef(namespace=namespace, name=clean.path.lstrip("/"), kind=kind)
    return DatasetRef(namespace="file", name=str(Path(text).expanduser().resolve()), kind=kind)


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
    if frame_kind(frame) is None:
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


# --- Spark sources, named as openlineage-spark names them ------------------------------

# object stores whose scheme variants (s3a, s3n) openlineage-spark folds into one
_OBJECT_STORES = ("s3", "gs", "wasbs")
# schemes whose "user@host" is a container, not a credential
_CONTAINER_AUTHORITY = ("wasb", "wasbs", "abfs", "abfss")
_PART_FILE = re.compile(r"^part-\d+")
_PARTITION_DIR = re.compile(r"^[^=/]+=[^/]*$")


def spark_dataset_ref(location: str, kind: DatasetKind = DatasetKind.SOURCE) -> DatasetRef:
    """The OpenLineage identity openlineage-spark gives a Hadoop path, so events join.

    ``file:/data/x`` or ``/data/x`` -> (``file``, ``/data/x``); ``s3a://bucket/key/`` ->
    (``s3://bucket``, ``key``) (also ``gs``, ``wasbs``); any other scheme, e.g.
    ``hdfs://namenode:8020/warehouse/t`` -> (``hdfs://namenode:8020``, ``/warehouse/t``).
    A trailing slash is dropped; credentials in the authority never survive.
    """
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    path = parts.path
    if not scheme or scheme == "file" or len(scheme) == 1:  # len 1: a Windows drive
        name = path if scheme == "file" else str(Path(location).expanduser().resolve())
        return DatasetRef("file", name.rstrip("/") or "/", kind)
    if scheme in _CONTAINER_AUTHORITY:
        authority = parts.netloc
    else:
        authority = parts.hostname or ""
        authority += f":{parts.port}" if parts.port is not None else ""
    store = next((s for s in _OBJECT_STORES if scheme.startswith(s)), None)
    if store is not None:
        namespace = _redact_credentials(f"{store}://{authority}")
        return DatasetRef(namespace, path.strip("/") or "/", kind)
    namespace = _redact_credentials(f"{scheme}://{authority}") if authority else scheme
    return DatasetRef(namespace, path.rstrip("/") or "/", kind)


def _root_of(files: Sequence[str]) -> str:
    """The location a Spark read started from, from the files it reads.

    The common directory of the files, minus Spark's ``part-*`` file name and trailing
    ``key=value`` partition directories: what openlineage-spark reports for a directory
    read (its root path). A single non-part file is its own root.
    """
    first = urlsplit(files[0])
    prefix = (
        f"{first.scheme}://{first.netloc}"
        if first.netloc
        else (f"{first.scheme}:" if first.scheme else "")
    )
    paths = sorted({urlsplit(f).path for f in files})
    root = paths[0] if len(paths) == 1 else posixpath.commonpath(paths)
    if len(paths) == 1 and _PART_FILE.match(posixpath.basename(root)):
        root = posixpath.dirname(root)
    while _PARTITION_DIR.match(posixpath.basename(root)):
        root = posixpath.dirname(root)
    return prefix + root


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
    from govern.frames import FrameKind

    if frame_kind(frame) is not FrameKind.SPARK:
        raise NotAFrameError(
            f"govern.spark_source() needs a pyspark.sql.DataFrame, got {type(frame).__qualname__}"
        )
    if location is None:
        files = list(frame.inputFiles())  # type: ignore[attr-defined]
        if not files:
            raise GovernError(
                "govern.spark_source(): the frame reads no files; pass location= "
                "or use govern.source(frame, name, namespace=...)"
            )
        location = _root_of(files)
    ref = spark_dataset_ref(location)
    SOURCES.set(frame, ref)
    mark(frame, ref)
    return frame


def read_spark_parquet(spark: Any, path: str | PathLike[str], **options: Any) -> Any:
    """``spark.read.parquet(path)`` that also declares ``path`` as a source dataset."""
    location = fspath(path)
    frame = spark.read.options(**options).parquet(location)
    return spark_source(frame, location)
