"""Dataset identity: declared sources, stage outputs, and OpenLineage naming.

Identities are attached to frame *objects* through a weak registry (never via
``DataFrame.attrs``, which pandas copies onto derived frames and would mislabel them).
A frame passed from one stage to the next keeps its identity because it is the same object.

A frame *derived* from identified ones (filtered, assigned, merged... between stages) is
not them, but keeps a derived-from edge to them (``derived_from``): pandas through a
tag in ``DataFrame.attrs`` (pandas copies attrs onto the result of nearly every
operation; the tags of all identified frames compare equal, so merge, join and concat,
which copy attrs only when all inputs' attrs are equal, keep them, and the copy unites
the inputs' sources); Polars, which has no frame metadata, through the Arrow buffers a
derived frame still shares with an identified one that is alive (its untouched columns:
``with_columns``, ``select``, ``rename``, ``head``...).
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

from govern.errors import GovernError, NotAFrameError
from govern.frames import frame_kind
from govern.types import DatasetKind, DatasetRef

__all__ = [
    "IdentityRegistry",
    "dataset_ref_for_uri",
    "derived_from",
    "mark",
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

ATTR = "govern.lineage"
"""The ``DataFrame.attrs`` key of a pandas frame's lineage tag."""


class _Tag(str):
    """The datasets a pandas frame derives from, kept in its ``attrs``.

    A string (``derived from file:/data/x.csv``), so whatever serialises attrs (Parquet
    metadata, JSON) still can; read back it is a plain string and links nothing. Tags
    compare equal to each other, so pandas' multi-input operations (merge, join,
    concat: attrs copied only when all inputs' are equal) keep them; comparing notes the
    other tag's datasets, and the copy pandas makes right after unites them.
    """

    refs: frozenset[DatasetRef]

    def __new__(cls, refs: frozenset[DatasetRef]) -> _Tag:
        tag = super().__new__(cls, "derived from " + ", ".join(sorted(map(str, refs))))
        tag.refs = frozenset(refs)
        return tag

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Tag):
            return NotImplemented
        if other is not self and not self.refs <= other.refs:
            pending = _union.__dict__.setdefault("pending", {})
            if pending.get("first") is not other:
                pending.clear()
                pending["first"] = other
                pending["refs"] = set(other.refs)
            pending["refs"] |= self.refs
        return True

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__

    def __deepcopy__(self, memo: dict[int, Any]) -> _Tag:
        pending = _union.__dict__.get("pending") or {}
        refs = self.refs
        if pending.get("first") is self:
            refs = frozenset(pending["refs"])
        pending.clear()
        return _Tag(refs)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Tag, (self.refs,))


_union = threading.local()


class _Buffers:
    """Arrow buffers of identified Polars frames that are alive, by address."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_address: dict[int, list[tuple[weakref.ref[Any], DatasetRef, int]]] = {}
        self._order = 0

    def add(self, frame: Any, ref: DatasetRef) -> None:
        addresses = _addresses(frame)

        def forget(dead: weakref.ref[Any], addresses: set[int] = addresses) -> None:
            with self._lock:
                for a in addresses:
                    kept = [e for e in self._by_address.get(a, ()) if e[0] is not dead]
                    if kept:
                        self._by_address[a] = kept
                    else:
                        self._by_address.pop(a, None)

        holder = weakref.ref(frame, forget)
        with self._lock:
            self._order += 1
            for address in addresses:
                self._by_address.setdefault(address, []).append((holder, ref, self._order))

    def find(self, frame: Any) -> frozenset[DatasetRef]:
        """The frames ``frame`` shares the most buffers with.

        One shared buffer may be in several identified frames (a stage's output keeps
        its input's untouched columns): a frame is kept unless another shares a strict
        superset of its buffers with ``frame``; of frames sharing the very same ones,
        the first identified (where those buffers came from) stands.
        """
        shared: dict[DatasetRef, set[int]] = {}
        first: dict[DatasetRef, int] = {}
        with self._lock:
            for address in _addresses(frame):
                for holder, ref, order in self._by_address.get(address, ()):
                    # a live frame's buffers are alive: no address is reused meanwhile
                    if holder() is not None:
                        shared.setdefault(ref, set()).add(address)
                        first[ref] = min(first.get(ref, order), order)
        found: set[DatasetRef] = set()
        for ref, mine in shared.items():
            if any(mine < theirs for theirs in shared.values()):
                continue
            twins = [r for r, theirs in shared.items() if theirs == mine]
            if min(twins, key=lambda r: first[r]) == ref:
                found.add(ref)
        return frozenset(found)


def _addresses(frame: Any) -> set[int]:
    """Addresses of a Polars frame's column buffers (zero-copy views; none on failure)."""
    found: set[int] = set()
    try:
        for column in frame.get_columns():
            arrow = column.to_arrow()
            for chunk in getattr(arrow, "chunks", [arrow]):
                found.update(b.address for b in chunk.buffers() if b is not None and b.size)
    except Exception:  # a dtype Arrow cannot view: no edge, and no failure
        return set()
    return found


_POLARS = _Buffers()


def mark(frame: Any, ref: DatasetRef) -> None:
    """Note ``frame`` as dataset ``ref`` for the frames that will derive from it."""
    from govern.frames import FrameKind

    kind = frame_kind(frame)
    if kind is FrameKind.PANDAS:
        frame.attrs[ATTR] = _Tag(frozenset({ref}))
    elif kind is FrameKind.POLARS:
        _POLARS.add(frame, ref)


def derived_from(frame: Any) -> frozenset[DatasetRef]:
    """The identified datasets ``frame`` derives from (empty when none is known)."""
    from govern.frames import FrameKind

    kind = frame_kind(frame)
    if kind is FrameKind.PANDAS:
        tag = frame.attrs.get(ATTR)
        return tag.refs if isinstance(tag, _Tag) else frozenset()
    if kind is FrameKind.POLARS:
        return _POLARS.find(frame)
    return frozenset()


def redact_uri(uri: str) -> str:
    """Drop credentials (``user:password@``) and query strings from a URI."""
    parts = urlsplit(uri)
    if not parts.scheme or not parts.netloc:
        return uri
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


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
    ns = redact_uri(namespace) if "://" in namespace else namespace
    ref = DatasetRef(namespace=ns, name=name, kind=DatasetKind.SOURCE)
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
        return DatasetRef(f"{store}://{authority}", path.strip("/") or "/", kind)
    namespace = f"{scheme}://{authority}" if authority else scheme
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
    SOURCES.set(frame, spark_dataset_ref(location))
    return frame


def read_spark_parquet(spark: Any, path: str | PathLike[str], **options: Any) -> Any:
    """``spark.read.parquet(path)`` that also declares ``path`` as a source dataset."""
    location = fspath(path)
    frame = spark.read.options(**options).parquet(location)
    return spark_source(frame, location)
