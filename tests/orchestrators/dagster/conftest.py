"""The Dagster tests run in .venv-dagster (scripts/test-dagster.sh).

In the main environment Dagster is absent and every module here skips; with
GOVERN_TEST_REQUIRE_DAGSTER=1 (set by scripts/test-dagster.sh) a missing Dagster is an error, so
that run can never pass by skipping everything.
"""

from __future__ import annotations

from tests.orchestrators.conftest import require

require("dagster", "GOVERN_TEST_REQUIRE_DAGSTER")
