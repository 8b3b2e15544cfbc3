"""The Kedro tests run in .venv-kedro (scripts/test-kedro.sh).

In the main environment Kedro is absent and every module here skips; with
GOVERN_TEST_REQUIRE_KEDRO=1 (set by scripts/test-kedro.sh) a missing Kedro is an error, so
that run can never pass by skipping everything.
"""

from __future__ import annotations

from tests.orchestrators.conftest import require

require("kedro", "GOVERN_TEST_REQUIRE_KEDRO")
