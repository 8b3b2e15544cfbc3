#!/usr/bin/env bash
# The Spark tests, in their own virtualenv .venv-spark: pandera's pyspark backend imports
# pyspark.pandas, which needs pandas < 3, while the main .venv has pandas 3. Spark runs in
# local mode (local[2], tests/spark/conftest.py). Fails, never skips, when pyspark or Java
# is missing (scripts/test-venv.sh).
set -euo pipefail
if ! command -v java >/dev/null; then
  echo "test-spark: Java (17+) is needed for Spark and was not found" >&2
  exit 1
fi
export PYARROW_IGNORE_TIMEZONE=1
exec bash "$(dirname "${BASH_SOURCE[0]}")/test-venv.sh" spark tests/spark \
  "import pyspark, pandera.pyspark; print('pyspark', pyspark.__version__)" "$@"
