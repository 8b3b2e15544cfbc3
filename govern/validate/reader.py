"""Read a data file in chunks (CSV, Parquet, JSON lines), with an optional progress bar.

Each chunk is a pandas frame whose index is the row's position in the file (0-based,
header excluded), so failure cases name file rows. The progress bar (rich) shows bytes
for CSV and JSON lines and rows for Parquet; it is drawn on stderr only when asked
(``govern validate`` asks when stderr is a terminal).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from govern.errors import DataReadError

__all__ = ["FORMATS", "data_format", "file_digest", "read_chunks"]

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def data_format(path: Path) -> str:
    """``csv``, ``parquet`` or ``jsonl`` from the file's suffix.

    Raises:
        DataReadError: an unknown suffix.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataReadError(
            f"{path}: unknown data format {path.suffix or '(no suffix)'!r}; govern validate "
            "reads .csv/.tsv, .parquet/.pq and .jsonl/.ndjson/.json (JSON lines)"
        )
    return fmt


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of the file's bytes: the version of the dataset validated."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


ProgressMode = Literal["off", "bar", "lines"]
"""How reading shows progress: nothing, a rich bar (a terminal), or log lines (CI logs)."""

_LINE_EVERY = 5.0  # seconds between progress lines: visible in a CI log, not a flood
progress_log = logging.getLogger("govern.progress")


class _Progress:
    """A rich progress bar on stderr, periodic ``govern.progress`` log lines, or nothing."""

    def __init__(self, mode: ProgressMode | bool, label: str, total: int | None, unit: str) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._mode: ProgressMode = ("bar" if mode else "off") if isinstance(mode, bool) else mode
        self._label, self._total, self._unit = label, total, unit
        self._started = self._last = time.monotonic()
        self._done = 0
        if self._mode != "bar":
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TimeRemainingColumn,
        )

        amount = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            amount,
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(label, total=total)

    def _line(self, final: bool) -> None:
        elapsed = time.monotonic() - self._started
        share = f"{100 * self._done / self._total:.0f}% " if self._total else ""
        amount = (
            f"{self._done:,} of {self._total:,} {self._unit}"
            if self._total
            else (f"{self._done:,} {self._unit}")
        )
        state = "done" if final else "in progress"
        progress_log.info("%s: %s(%s), %.0f s, %s", self._label, share, amount, elapsed, state)

    def update(self, completed: int) -> None:
        self._done = completed
        if self._bar is not None:
            self._bar.update(self._task, completed=completed)
        elif self._mode == "lines" and time.monotonic() - self._last >= _LINE_EVERY:
            self._last = time.monotonic()
            self._line(final=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self._mode == "lines":
            self._line(final=True)


@contextmanager
def _errors(path: Path) -> Iterator[None]:
    try:
        yield
    except DataReadError:
        raise
    except UnicodeDecodeError as exc:
        raise DataReadError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except MemoryError:
        raise DataReadError(f"{path}: out of memory; pass a smaller --chunk-rows") from None
    except Exception as exc:  # pandas/pyarrow parsers raise many types for a bad file
        raise DataReadError(f"{path}: cannot be read: {type(exc).__name__}: {exc}") from None


def _indexed(frame: Any, offset: int, path: Path) -> Any:
    import pandas as pd

    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        names = ", ".join(repr(str(c)) for c in dict.fromkeys(duplicated))
        raise DataReadError(
            f"{path}: duplicate column names ({names}); each column needs a name of its own"
        )
    frame.index = pd.RangeIndex(offset, offset + len(frame))
    return frame


def read_chunks(
    path: Path, *, chunk_rows: int | None, progress: ProgressMode | bool = False
) -> Iterator[Any]:
    """Yield the file as pandas frames of at most ``chunk_rows`` rows (None: one frame).

    Raises:
        DataReadError: the file is missing, of an unknown format, or cannot be parsed.
    """
    if not path.is_file():
        raise DataReadError(f"{path}: no such data file")
    fmt = data_format(path)
    if fmt == "parquet":
        yield from _parquet(path, chunk_rows, progress)
    else:
        yield from _text(path, fmt, chunk_rows, progress)


def _parquet(path: Path, chunk_rows: int | None, progress: ProgressMode | bool) -> Iterator[Any]:
    with _errors(path):
        import pyarrow.parquet as pq

        source = pq.ParquetFile(path)
        total = source.metadata.num_rows
    bar = _Progress(progress, f"validating {path.name}", total, "rows")
    offset = 0
    try:
        batches = source.iter_batches(batch_size=chunk_rows or max(total, 1))
        while True:
            with _errors(path):
                batch = next(batches, None)
                if batch is None:
                    break
                frame = batch.to_pandas()
            yield _indexed(frame, offset, path)
            offset += len(frame)
            bar.update(offset)
    finally:
        bar.close()


def _text(
    path: Path, fmt: str, chunk_rows: int | None, progress: ProgressMode | bool
) -> Iterator[Any]:
    import pandas as pd

    size = path.stat().st_size
    bar = _Progress(progress, f"validating {path.name}", size, "bytes")
    offset = 0
    fh: IO[bytes]
    try:
        with path.open("rb") as fh:
            with _errors(path):
                if fmt == "csv":
                    sep = "\t" if path.suffix.lower() == ".tsv" else ","
                    read: Any = pd.read_csv(fh, sep=sep, chunksize=chunk_rows, encoding="utf-8")
                else:
                    read = pd.read_json(fh, lines=True, chunksize=chunk_rows)
            # without a chunk size pandas returns the whole frame, else an iterator of them
            chunks = iter([read]) if isinstance(read, pd.DataFrame) else iter(read)
            while True:
                with _errors(path):
                    frame = next(chunks, None)
                if frame is None:
                    break
                yield _indexed(frame, offset, path)
                offset += len(frame)
                bar.update(min(fh.tell(), size))
    finally:
        bar.close()
