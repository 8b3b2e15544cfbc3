from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_sqlalchemy_is_imported_only_when_a_store_is_opened() -> None:
    code = (
        "import sys, govern, govern.store, govern.cli, govern.environment\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported too early'\n"
        "from govern.store import Store\n"
        "assert 'sqlalchemy' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
