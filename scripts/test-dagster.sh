#!/usr/bin/env bash
# The Dagster integration's tests (tests/orchestrators/dagster), in their own virtualenv
# .venv-dagster: the orchestrator's pins stay out of the main .venv. Fails, never skips,
# when dagster is missing: GOVERN_TEST_REQUIRE_DAGSTER=1 turns the tests' import skip
# into an error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-dagster"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test-dagster]"
cd "$ROOT"
export GOVERN_TEST_REQUIRE_DAGSTER=1
"$VENV/bin/python" -c "import dagster; print('dagster', dagster.__version__)"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider tests/orchestrators/dagster "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-dagster: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
