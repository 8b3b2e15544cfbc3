"""Orchestrator tests: each orchestrator's modules run in its own virtualenv.

``require(module, variable)`` is called at the top of an orchestrator's test modules: in
the main venv, where the orchestrator is absent, the module skips; with the variable set
to 1 (scripts/test-<name>.sh sets it) a missing orchestrator is an error, so that run can
never pass by skipping everything.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT


def require(module: str, variable: str) -> ModuleType:
    """Import ``module``, or skip the calling test module (an error when ``variable`` is 1)."""
    if os.environ.get(variable) == "1" and importlib.util.find_spec(module) is None:
        raise RuntimeError(f"{variable}=1 but {module} is not installed")
    return pytest.importorskip(module)


def doc_block(heading: str, language: str = "python") -> str:
    """The first ``language`` code block under ``## heading`` in docs/orchestrators.md."""
    text = (REPO_ROOT / "docs" / "orchestrators.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)
    assert blocks, f"no {language} block under '## {heading}'"
    return str(blocks[0])


def orders_parquet(directory: Path) -> Path:
    """data/orders.parquet under ``directory``, as the docs' examples read it: one bad row."""
    import pandas as pd

    path = directory / "data" / "orders.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"order_id": [1, 2, 3], "amount": [10.0, -5.0, 7.5]}).to_parquet(path)
    return path
