"""Dataset identity: declared sources, stage outputs, and OpenLineage naming.

Identities are attached to frame *objects* through a weak registry (never via
``DataFrame.attrs``, which pandas copies onto derived frames and would mislabel them).
A frame passed from one stage to the next keeps its identity because it is the same object.
"""

from __future__ import annotations

import threading
import weakref
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
    "read_csv",
    "read_parquet",
    "redact_uri",
    "source",
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
        frame: a pandas or polars data frame (the same object is returned).
        name: the dataset name in its namespace: an absolute path for ``file``,
            ``db.schema.table`` for a database, a key for a bucket.
        namespace: ``file`` (default), ``s3://bucket``, ``postgres://host:port``...

    Raises:
        NotAFrameError: ``frame`` is not a supported data frame.
    """
    if frame_kind(frame) is None:
        raise NotAFrameError(
            f"govern.source({name!r}) needs a pandas or polars DataFrame, "
            f"got {type(frame).__qualname__}"
        )
    if not name:
        raise GovernError("govern.source() needs a non-empty dataset name")
    if namespace == "file" and "://" not in name:
        name = str(Path(name).expanduser().resolve())
    ns = redact_uri(namespace) if "://" in namespace else namespace
    SOURCES.set(frame, DatasetRef(namespace=ns, name=name, kind=DatasetKind.SOURCE))
    return frame


def _declare(frame: F, path: str | PathLike[str]) -> F:
    SOURCES.set(frame, dataset_ref_for_uri(path))
    return frame


def read_csv(path: str | PathLike[str], **kwargs: Any) -> Any:
    """``pandas.read_csv`` that also declares the file as a source dataset."""
    import pandas as pd

    return _declare(pd.read_csv(path, **kwargs), path)


def read_parquet(path: str | PathLike[str], **kwargs: Any) -> Any:
    """``pandas.read_parquet`` that also declares the file as a source dataset."""
    import pandas as pd

    return _declare(pd.read_parquet(path, **kwargs), path)
