#!/usr/bin/env bash
# The Airflow 3 integration tests, in their own virtualenv .venv-airflow (Airflow pins
# much of what it depends on). Each test runs `airflow dags test` on a real DAG file with
# AIRFLOW_HOME and its SQLite metadata database in a temporary directory.
# Fails, never skips, when it is missing (scripts/test-venv.sh).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-venv.sh" airflow tests/orchestrators/airflow \
  "import airflow, airflow.providers.openlineage as ol; print('airflow', airflow.__version__, 'openlineage provider', ol.__version__)" "$@"
