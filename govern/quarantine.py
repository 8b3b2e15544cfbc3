"""Split a frame into valid and rejected rows, and keep the rejected ones with their reasons.

Rows are partitioned by one boolean mask, so valid + rejected == input, always. The
rejected rows are written to Parquet with two extra columns: ``_govern_row`` (the row's
index label in the gated frame) and ``_govern_reasons`` (a list of ``column: check``).
Rows are named by *position* (exact on any index: non-unique, NaN, MultiIndex). The file
is written to a temporary name and linked into place without replacing anything, so a
crash never leaves half a file and no call's rejected rows overwrite another's; its
SHA-256 (`file_digest`) goes into the record.

Each frame's engine splits and writes (`govern.engines`: ``Engine.split``,
``write_rejected``, ``rejected_rows``). Deferred frames stay deferred: a polars LazyFrame
is split into two lazy plans (rows matched by position with ``with_row_index``) and the
rejected plan is streamed to Parquet with ``sink_parquet``; a Spark frame is split with
``filter(p)`` / ``filter(~p)`` on the failing checks' predicates
(`govern.frames.RowPredicate`) and written by Spark as a Parquet directory. Spark rows
have no index: their ``_govern_row`` is null.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govern.engines import Engine, engine_for
from govern.engines.base import REASONS_COLUMN, ROW_COLUMN
from govern.errors import GovernError

__all__ = [
    "REASONS_COLUMN",
    "ROW_COLUMN",
    "file_digest",
    "rejected_rows",
    "safe_filename",
    "split",
    "write_rejected",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_PART = 80  # two parts + a 36-character call id + suffixes stay under 255 bytes


def safe_filename(text: str) -> str:
    """A file-name-safe rendering of a stage or dataset name, distinct for distinct names.

    A name that had to change (non-ASCII, spaces, brackets) gets a short hash of the
    original, so ``清洗`` and ``过滤`` do not both become ``dataset``. At most
    ``_MAX_PART`` characters: a 255-byte stage name plus its parameter, call id and the
    temporary suffix must still fit the file system's 255-byte file name.
    """
    safe = _UNSAFE.sub("_", text).strip("._") or "dataset"
    if safe == text and len(safe) <= _MAX_PART:
        return safe
    tag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{safe[: _MAX_PART - len(tag) - 1]}-{tag}"


def file_digest(path: Path) -> str:
    """Hex SHA-256 of a quarantine file's bytes.

    A Spark quarantine is a directory of part files: its digest covers each file's
    relative path and bytes, in path order (hidden checksum files included).
    """
    digest = hashlib.sha256()
    if path.is_dir():
        for part in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(part.relative_to(path).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(part.read_bytes()).digest())
        return digest.hexdigest()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _engine(frame: Any) -> Engine:
    engine = engine_for(frame)
    if engine is None:
        raise GovernError(f"cannot quarantine rows of a {type(frame).__qualname__}")
    return engine


def split(frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
    """(valid rows, rejected rows with reason columns) of ``frame``.

    ``reasons`` maps row positions (pandas, polars eager or lazy) or `RowPredicate`
    objects (Spark) to why those rows failed.
    """
    return _engine(frame).split(frame, reasons)


def write_rejected(rejected: Any, path: Path) -> Path:
    """Write rejected rows to ``path`` (Parquet) atomically, never over another file.

    Columns Arrow cannot store as they are (mixed Python objects, which is often why the
    rows were rejected) are written as their string form rather than lost.

    Raises:
        GovernError: the file cannot be written, or ``path`` exists already (the
            message names the path).
    """
    engine = _engine(rejected)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        engine.write_rejected(rejected, tmp)
        _place(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise GovernError(
            f"could not write quarantined rows to {path}: {exc}; "
            "set quarantine_dir to a writable directory"
        ) from exc
    return path


def rejected_rows(rejected: Any, path: Path) -> int:
    """Rows of the rejected frame, once written to ``path``.

    Eager frames know their length. For deferred ones the Parquet footers just written
    are read (by polars or Spark), so the rows are not computed a second time.
    """
    return _engine(rejected).rejected_rows(rejected, path)


def _place(tmp: Path, path: Path) -> None:
    """Move ``tmp`` to ``path``, refusing to replace anything already there."""
    if tmp.is_dir():
        if path.exists():
            raise FileExistsError(f"{path} exists")
        os.rename(tmp, path)  # a non-empty directory is never replaced by rename
        return
    try:
        os.link(tmp, path)  # fails if path exists: no check-then-write race
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(f"{path} exists") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def _remove(path: Path) -> None:
    if path.is_dir():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
