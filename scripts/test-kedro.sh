#!/usr/bin/env bash
# The Kedro integration's tests (tests/orchestrators/kedro), in their own virtualenv
# .venv-kedro: the orchestrator's pins stay out of the main .venv.
# Fails, never skips, when it is missing (scripts/test-venv.sh).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-venv.sh" kedro tests/orchestrators/kedro \
  "import kedro; print('kedro', kedro.__version__)" "$@"
