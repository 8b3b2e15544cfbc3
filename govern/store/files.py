"""The quarantine files next to the record: still there and unchanged, and leftovers.

A stage record names each Parquet file of rejected rows with its ``path``, ``rows`` and
``sha256`` (hex of the file's bytes). ``check_quarantine`` finds files that are gone or
changed -- a failure of ``govern verify``. ``find_leftovers`` lists what a crash can
leave behind in the quarantine directory: Parquet files no record names (written, then
killed before the record) and temporary ``.tmp`` files -- a warning only, removed by
``govern sweep``, never silently. Files of runs still running are never leftovers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from govern.store.core import Store

__all__ = ["FileProblem", "Leftover", "check_quarantine", "find_leftovers", "remove", "sha256_of"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileProblem:
    """A quarantine file a record names that is missing or not what was recorded."""

    seq: int
    stage: str
    path: str
    problem: Literal["missing", "changed"]
    detail: str

    def __str__(self) -> str:
        return (
            f"record seq {self.seq} (stage {self.stage}): quarantine file {self.path} {self.detail}"
        )


@dataclass(frozen=True)
class Leftover:
    """A file in the quarantine directory that no record explains."""

    path: Path
    kind: Literal["unrecorded", "temporary"]
    size: int


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def check_quarantine(store: Store, base: Path) -> list[FileProblem]:
    """Every quarantine file the record names must exist and match its recorded sha256.

    Relative paths are taken from ``base`` (the project root). A Spark quarantine is a
    directory of part files: it must exist; its hash is not compared.
    """
    problems: list[FileProblem] = []
    for seq, stage, entry in store.quarantine_entries():
        recorded = str(entry.get("path", ""))
        if "://" in recorded:  # a table in a database (SQL engines), not a file here
            continue
        path = _resolve(recorded, base)
        want = entry.get("sha256")
        if not recorded or not path.exists():
            problems.append(FileProblem(seq, stage, recorded, "missing", "is missing"))
            continue
        if not isinstance(want, str) or path.is_dir():
            continue
        try:
            got = sha256_of(path)
        except OSError as err:
            detail = f"cannot be read ({err.strerror or err})"
            problems.append(FileProblem(seq, stage, recorded, "missing", detail))
            continue
        if got != want.lower():
            detail = f"has changed (sha256 {got[:16]}... instead of {want[:16]}...)"
            problems.append(FileProblem(seq, stage, recorded, "changed", detail))
    return problems


def find_leftovers(
    store: Store, quarantine_dir: Path, base: Path, min_age: float = 0.0
) -> list[Leftover]:
    """Parquet files no record names and ``.tmp`` files under ``quarantine_dir``.

    Entries under a directory named after a run still running, and entries modified less
    than ``min_age`` seconds ago, are skipped (a stage may be about to record them).
    """
    if not quarantine_dir.is_dir():
        return []
    named = {
        os.path.realpath(_resolve(str(e.get("path", "")), base))
        for _, _, e in store.quarantine_entries()
    }
    running = store.running_run_ids()
    now = time.time()
    found: list[Leftover] = []
    for top, dirs, files in os.walk(quarantine_dir):
        here = Path(top)
        if running.intersection(here.relative_to(quarantine_dir).parts):
            dirs[:] = []
            continue
        for name in sorted([*dirs, *files]):
            path = here / name
            kind: Literal["unrecorded", "temporary"] | None = None
            if name.endswith(".tmp"):
                kind = "temporary"
            elif name.endswith(".parquet") and os.path.realpath(path) not in named:
                kind = "unrecorded"
            if name in dirs and (kind is not None or name.endswith(".parquet")):
                dirs.remove(name)  # a Parquet directory (Spark): one entry, not its parts
            if kind is None:
                continue
            try:
                stat = path.lstat()
            except OSError:
                continue
            if now - stat.st_mtime < min_age:
                continue
            found.append(Leftover(path, kind, _size(path)))
    return found


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.lstat().st_size


def remove(leftover: Leftover) -> None:
    """Delete one leftover (a file, or a Spark Parquet directory)."""
    path = leftover.path
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
