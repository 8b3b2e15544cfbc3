"""The Kedro tests run in .venv-kedro (scripts/test-kedro.sh).

In the main environment Kedro is absent and every module here skips itself. With
GOVERN_TEST_REQUIRE_KEDRO=1 (set by scripts/test-kedro.sh) a missing Kedro is an
error, so the Kedro run can never pass by skipping everything.
"""

from __future__ import annotations

import importlib.util
import os

if os.environ.get("GOVERN_TEST_REQUIRE_KEDRO") == "1" and (
    importlib.util.find_spec("kedro") is None
):
    raise RuntimeError("GOVERN_TEST_REQUIRE_KEDRO=1 but kedro is not installed")
