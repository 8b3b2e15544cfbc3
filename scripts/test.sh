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
# The report tests open the HTML reports in a real browser: Debian's chromium (headless).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing chromium (Debian package) for the report browser tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
# The PDF tests rasterise reports with poppler's pdftoppm (and read text with pdftotext).
if ! command -v pdftoppm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing poppler-utils (Debian package) for the PDF report tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
  fi
fi
export GOVERN_TEST_REQUIRE_BROWSER="${GOVERN_TEST_REQUIRE_BROWSER:-1}"
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
if [ "$status" -eq 0 ]; then
  # Policies enforced in CI: run the example pipeline into a throwaway store and evaluate
  # this repository's policy packs (policies/) on that run; a violation fails this script.
  policy_store="$(mktemp -d)"
  GOVERN_STORE="$policy_store/govern.db" GOVERN_QUARANTINE_DIR="$policy_store/quarantine" \
    python examples/penguins/pipeline.py >/dev/null
  GOVERN_STORE="$policy_store/govern.db" govern check --policies policies/ || status=$?
  rm -rf "$policy_store"
fi
# Spark and the orchestrators each run in their own virtualenv (their pins conflict with the
# main one), one after the other: they build the editable install's metadata in this checkout.
for part in spark airflow prefect dagster kedro; do
  [ "$status" -eq 0 ] || break
  started=$SECONDS
  bash "$ROOT/scripts/test-$part.sh" || status=$?
  echo "test-$part: exit $status in $((SECONDS - started)) s"
done
exit "$status"
