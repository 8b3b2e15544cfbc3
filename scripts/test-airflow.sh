#!/usr/bin/env bash
# The Airflow 3 integration tests, in their own virtualenv .venv-airflow (Airflow pins
# much of what it depends on). Each test runs `airflow dags test` on a real DAG file with
# AIRFLOW_HOME and its SQLite metadata database in a temporary directory. Fails, never
# skips, when Airflow is missing: GOVERN_TEST_REQUIRE_AIRFLOW=1 turns the tests' import
# skip into an error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-airflow"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test-airflow]"
cd "$ROOT"
export GOVERN_TEST_REQUIRE_AIRFLOW=1
"$VENV/bin/python" -c "import airflow, airflow.providers.openlineage as ol; print('airflow', airflow.__version__, 'openlineage provider', ol.__version__)"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider tests/orchestrators/airflow "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-airflow: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
