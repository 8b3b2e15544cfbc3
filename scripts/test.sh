#!/usr/bin/env bash
# Set up, then run the whole test suite (lint, types, import layers, pytest).
# PostgreSQL tests need Debian's postgresql server binaries; they are installed when
# missing and we are root (as in CI), and the tests start a throwaway server themselves.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL server binaries (Debian packages) for the store tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
fi
# shellcheck source=scripts/setup.sh
. "$ROOT/scripts/setup.sh" dev
cd "$ROOT"
export GOVERN_TEST_REQUIRE_POSTGRES="${GOVERN_TEST_REQUIRE_POSTGRES:-1}"
ruff check govern tests bench examples
ruff format --check govern tests bench examples
mypy
lint-imports
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
