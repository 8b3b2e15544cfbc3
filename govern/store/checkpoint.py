"""SQLite WAL checkpoints on a background thread, off the writers' path.

SQLite's automatic checkpoint runs inside whichever commit makes the WAL cross its limit:
that one stage call paid for copying the WAL into the database and two fsyncs (15-40 ms
on the development machine), and such commits were about half of all commit time in
``bench/bench_store.py``. A store that writes nudges this thread every ``every`` write
transactions; it runs a PASSIVE checkpoint, which never blocks writers or readers, on
a connection of its own. The writers' automatic checkpoint stays on as the safety net
(a forked child before its first nudge, or a thread that falls behind).

A fork waits for a checkpoint under way to finish (``os.register_at_fork``): a child
forked while the thread was inside SQLite would inherit SQLite's locks held, and hang
on its first write.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from typing import Any

import sqlalchemy as sa

__all__ = ["Checkpointer"]

log = logging.getLogger("govern.store")

_JOIN_TIMEOUT = 10.0  # close() waits this long for a checkpoint under way
_live: weakref.WeakSet[Checkpointer] = weakref.WeakSet()
_held: list[Checkpointer] = []  # whose checkpoint lock a fork in progress holds


def _before_fork() -> None:
    _held[:] = list(_live)
    for checkpointer in _held:
        checkpointer._busy.acquire()


def _after_fork_in_parent() -> None:
    for checkpointer in _held:
        checkpointer._busy.release()
    _held.clear()


def _after_fork_in_child() -> None:
    for checkpointer in _held:
        checkpointer._lock = threading.Lock()  # another thread may have held it
    _after_fork_in_parent()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on a daemon thread when nudged.

    The thread starts on the first nudge (a process that writes a few records never
    starts one); a forked child starts its own.
    """

    def __init__(self, engine: sa.Engine, *, every: int = 64) -> None:
        self._engine = engine
        self._every = every
        self._lock = threading.Lock()
        self._busy = threading.Lock()  # held while the thread is inside SQLite
        self._pid = os.getpid()
        self._writes = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0
        """Checkpoints run so far by this process's thread."""
        _live.add(self)

    def committed(self) -> None:
        """A write transaction committed (cheap: counts, and wakes the thread now and then)."""
        with self._lock:
            if os.getpid() != self._pid:  # the parent's thread did not come with the fork
                self._pid = os.getpid()
                self._writes = 0
                self._wake, self._stop, self._thread = threading.Event(), threading.Event(), None
            self._writes += 1
            if self._writes < self._every or self._stop.is_set():
                return
            self._writes = 0
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run,
                    args=(self._wake, self._stop),
                    name="govern-store-checkpoint",
                    daemon=True,
                )
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the thread, letting a checkpoint under way finish (bounded)."""
        with self._lock:
            thread = self._thread if os.getpid() == self._pid else None
            self._stop.set()
            self._wake.set()
        if thread is not None:
            thread.join(_JOIN_TIMEOUT)

    def _run(self, wake: threading.Event, stop: threading.Event) -> None:
        conn: Any = None
        try:
            with self._busy:
                conn = self._engine.raw_connection()
            while True:
                wake.wait()
                wake.clear()
                if stop.is_set():
                    return
                with self._busy:
                    cursor = conn.cursor()
                    try:
                        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                        cursor.fetchall()
                        self.checkpoints += 1
                    except Exception as err:  # the next nudge retries; writers still checkpoint
                        log.debug("background WAL checkpoint failed: %s", err)
                    finally:
                        cursor.close()
        except Exception as err:
            log.debug("background WAL checkpoints stopped: %s", err)
        finally:
            if conn is not None:
                with self._busy:
                    conn.close()
