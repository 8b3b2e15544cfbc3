"""Every test runs in a fresh, empty project directory with no GOVERN_* settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

import govern.config

REPO_ROOT = Path(__file__).resolve().parents[1]


def python_ok(code: str) -> None:
    """Run ``code`` in a fresh interpreter from the repository root; fail with its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert done.returncode == 0, done.stderr


@contextmanager
def bounded(seconds: int) -> Iterator[None]:
    """Fail a case that runs past ``seconds`` (an in-process hang guard, main thread only)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Poll until ``condition`` holds (a hang guard, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def isolated_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A throwaway project root (with a pyproject.toml) as the working directory."""
    for key in list(os.environ):
        if key.startswith("GOVERN_") or key.startswith("OPENLINEAGE"):
            monkeypatch.delenv(key, raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "testproject"\n')
    monkeypatch.chdir(project)
    govern.config.reset()
    yield project
    govern.config.reset()
