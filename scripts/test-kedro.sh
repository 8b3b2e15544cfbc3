#!/usr/bin/env bash
# The Kedro integration's tests (tests/orchestrators/kedro), in their own virtualenv
# .venv-kedro: the orchestrator's pins stay out of the main .venv. Fails, never skips,
# when kedro is missing: GOVERN_TEST_REQUIRE_KEDRO=1 turns the tests' import skip
# into an error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-kedro"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test-kedro]"
cd "$ROOT"
export GOVERN_TEST_REQUIRE_KEDRO=1
"$VENV/bin/python" -c "import kedro; print('kedro', kedro.__version__)"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider tests/orchestrators/kedro "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-kedro: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
