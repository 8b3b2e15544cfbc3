"""The example pipeline's reports, generated once per session by scripts/reports.sh.

The script is the one command that regenerates reports/: it runs the example pipeline
into a throwaway store and writes the audit report and model card. Running it here (from
inside the venv, store kept) gives every report test a store recorded by a real run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@dataclass(frozen=True)
class ExampleReports:
    store: Path  # the store the example pipeline recorded into
    out: Path  # audit.html, audit.md, penguin-species.html, penguin-species.md

    def copy_store(self, into: Path) -> Path:
        """A private copy of the store, for tests that append records."""
        target = into / "govern.db"
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.store}{suffix}")
            if source.exists():
                shutil.copy(source, f"{target}{suffix}")
        return target


def script_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVERN_", "OPENLINEAGE"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["GOVERN_SKIP_SETUP"] = "1"
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def example_reports(tmp_path_factory: pytest.TempPathFactory) -> ExampleReports:
    base = tmp_path_factory.mktemp("example-reports")
    work, out = base / "work", base / "out"
    done = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "reports.sh"), str(out)],
        env=script_env(GOVERN_REPORTS_WORKDIR=str(work)),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/reports.sh failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return ExampleReports(store=work / "govern.db", out=out)
