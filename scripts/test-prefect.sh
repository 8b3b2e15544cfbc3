#!/usr/bin/env bash
# The Prefect 3 integration tests, in their own virtualenv .venv-prefect (Prefect pins
# much of what it depends on). The tests run flows under prefect_test_harness: a local,
# ephemeral API server on 127.0.0.1 with a temporary SQLite database, no network. Fails,
# never skips, when Prefect is missing: GOVERN_TEST_REQUIRE_PREFECT=1 turns the tests'
# import skip into an error.
# Fails, never skips, when it is missing (scripts/test-venv.sh).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-venv.sh" prefect tests/orchestrators/prefect \
  "import prefect; print('prefect', prefect.__version__)" "$@"
