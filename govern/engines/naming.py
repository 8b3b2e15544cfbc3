"""OpenLineage names for locations: a path or URI becomes (namespace, name), credentials gone.

The frame-independent part of dataset naming; an engine's ``location_ref`` builds on it.
Spark reads are named as openlineage-spark names them (`spark_dataset_ref`), so events
join.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from os import PathLike, fspath
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from govern.redaction import redact_text
from govern.redaction import redact_uri as _redact_credentials
from govern.types import DatasetKind, DatasetRef

__all__ = ["dataset_ref_for_uri", "redact_uri", "root_of", "spark_dataset_ref"]


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


def root_of(files: Sequence[str]) -> str:
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
