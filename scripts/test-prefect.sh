#!/usr/bin/env bash
# The Prefect 3 integration tests, in their own virtualenv .venv-prefect (Prefect pins
# much of what it depends on). The tests run flows under prefect_test_harness: a local,
# ephemeral API server on 127.0.0.1 with a temporary SQLite database, no network. Fails,
# never skips, when Prefect is missing: GOVERN_TEST_REQUIRE_PREFECT=1 turns the tests'
# import skip into an error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-prefect"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test-prefect]"
cd "$ROOT"
export GOVERN_TEST_REQUIRE_PREFECT=1
"$VENV/bin/python" -c "import prefect; print('prefect', prefect.__version__)"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider tests/orchestrators/prefect "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-prefect: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
