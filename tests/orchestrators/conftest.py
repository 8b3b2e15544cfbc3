"""Orchestrator tests: each orchestrator's modules run in its own virtualenv.

``require(module, variable)`` is called at the top of an orchestrator's test modules: in
the main venv, where the orchestrator is absent, the module skips; with the variable set
to 1 (scripts/test-<name>.sh sets it) a missing orchestrator is an error, so that run can
never pass by skipping everything.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

import pytest


def require(module: str, variable: str) -> ModuleType:
    """Import ``module``, or skip the calling test module (an error when ``variable`` is 1)."""
    if os.environ.get(variable) == "1" and importlib.util.find_spec(module) is None:
        raise RuntimeError(f"{variable}=1 but {module} is not installed")
    return pytest.importorskip(module)
