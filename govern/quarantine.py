"""Split a frame into valid and rejected rows, and keep the rejected ones with their reasons.

Rows are partitioned by one boolean mask, so valid + rejected == input, always. The
rejected rows are written to Parquet with two extra columns: ``_govern_row`` (the row's
index label in the gated frame) and ``_govern_reasons`` (a list of ``column: check``).
The file is written to a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govern.errors import GovernError
from govern.frames import FrameKind, frame_kind

__all__ = ["REASONS_COLUMN", "ROW_COLUMN", "split", "write_rejected"]

REASONS_COLUMN = "_govern_reasons"
ROW_COLUMN = "_govern_row"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(text: str) -> str:
    """A file-name-safe rendering of a stage or dataset name."""
    return _UNSAFE.sub("_", text).strip("._") or "dataset"


def split(frame: Any, reasons: Mapping[Any, Sequence[str]]) -> tuple[Any, Any]:
    """(valid rows, rejected rows with reason columns) of ``frame``.

    ``reasons`` maps index labels (pandas) or row positions (polars) to why each row failed.
    """
    kind = frame_kind(frame)
    if kind is FrameKind.PANDAS:
        import pandas as pd

        mask = frame.index.isin(list(reasons))
        rejected = frame[mask].copy()
        rejected[ROW_COLUMN] = [str(label) for label in rejected.index]
        rejected[REASONS_COLUMN] = pd.Series(
            [list(reasons[label]) for label in rejected.index], index=rejected.index, dtype=object
        )
        return frame[~mask], rejected
    if kind is FrameKind.POLARS:
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
    raise GovernError(f"cannot quarantine rows of a {type(frame).__qualname__}")


def write_rejected(rejected: Any, path: Path) -> Path:
    """Write rejected rows to ``path`` (Parquet) atomically; returns the path.

    Columns Arrow cannot store as they are (mixed Python objects, which is often why the
    rows were rejected) are written as their string form rather than lost.

    Raises:
        GovernError: the file cannot be written (the message names the path).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if frame_kind(rejected) is FrameKind.POLARS:
            rejected.write_parquet(tmp)
        else:
            _write_pandas(rejected, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GovernError(
            f"could not write quarantined rows to {path}: {exc}; "
            "set quarantine_dir to a writable directory"
        ) from exc
    return path


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
