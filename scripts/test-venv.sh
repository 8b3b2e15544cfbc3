#!/usr/bin/env bash
# One suite in its own virtualenv .venv-NAME, for a library whose pins conflict with the
# main .venv (Spark, the orchestrators): installs the project with its `test-NAME` extra,
# shows the library's version, runs pytest on DIR. Fails, never skips, when the library
# is missing: GOVERN_TEST_REQUIRE_<NAME>=1 turns the tests' import skip into an error.
# Usage: scripts/test-venv.sh NAME DIR 'PYTHON CODE PRINTING THE VERSION' [pytest args...]
set -euo pipefail
NAME="$1" DIR="$2" SHOW="$3"
shift 3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv-$NAME"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test-$NAME]"
cd "$ROOT"
export "GOVERN_TEST_REQUIRE_${NAME^^}=1"
"$VENV/bin/python" -c "$SHOW"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider "$DIR" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-$NAME: pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
