#!/usr/bin/env bash
# The Dagster integration's tests (tests/orchestrators/dagster), in their own virtualenv
# .venv-dagster: the orchestrator's pins stay out of the main .venv.
# Fails, never skips, when it is missing (scripts/test-venv.sh).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-venv.sh" dagster tests/orchestrators/dagster \
  "import dagster; print('dagster', dagster.__version__)" "$@"
