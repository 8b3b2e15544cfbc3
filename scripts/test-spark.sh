#!/usr/bin/env bash
# The Spark tests, in their own virtualenv .venv-spark: pandera's pyspark backend imports
# pyspark.pandas, which needs pandas < 3, while the main .venv has pandas 3. Spark runs in
# local mode (local[2], tests/spark/conftest.py). Fails, never skips, when pyspark or Java
# is missing: GOVERN_TEST_REQUIRE_SPARK=1 turns the tests' import skip into an error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-spark"
if ! command -v java >/dev/null; then
  echo "test-spark: Java (17+) is needed for Spark and was not found" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test-spark]"
cd "$ROOT"
export GOVERN_TEST_REQUIRE_SPARK=1 PYARROW_IGNORE_TIMEZONE=1
"$VENV/bin/python" -c "import pyspark, pandera.pyspark; print('pyspark', pyspark.__version__)"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider tests/spark "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-spark: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
