"""govern.integrations.dagster / .kedro in an environment without the orchestrator (main venv)."""

from __future__ import annotations

import importlib
import importlib.util

import pytest

import govern
from tests.conftest import python_ok


@pytest.mark.parametrize("name", ["dagster", "kedro"])
def test_importing_without_the_orchestrator_names_the_extra(name: str) -> None:
    if importlib.util.find_spec(name) is not None:
        pytest.skip(f"{name} is installed here")
    with pytest.raises(govern.MissingDependencyError, match=rf"pip install 'govern\[{name}\]'"):
        importlib.import_module(f"govern.integrations.{name}")


def test_import_govern_loads_neither() -> None:
    code = (
        "import sys, govern\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('dagster', 'kedro')]\n"
        "assert not loaded, loaded\n"
    )
    python_ok(code)
