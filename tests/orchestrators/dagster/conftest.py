"""The Dagster tests run in .venv-dagster (scripts/test-dagster.sh).

In the main environment Dagster is absent and every module here skips itself. With
GOVERN_TEST_REQUIRE_DAGSTER=1 (set by scripts/test-dagster.sh) a missing Dagster is an
error, so the Dagster run can never pass by skipping everything.
"""

from __future__ import annotations

import importlib.util
import os

if os.environ.get("GOVERN_TEST_REQUIRE_DAGSTER") == "1" and (
    importlib.util.find_spec("dagster") is None
):
    raise RuntimeError("GOVERN_TEST_REQUIRE_DAGSTER=1 but dagster is not installed")
