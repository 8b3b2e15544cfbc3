#!/usr/bin/env bash
# Regenerate reports/ -- the example pipeline's audit report and model card, in HTML and
# Markdown -- from a fresh run into a throwaway store (so the committed files depend only
# on the pipeline, not on this machine's history). One command:
#
#   bash scripts/reports.sh [OUT_DIR]        # default OUT_DIR: reports/
#
# GOVERN_SKIP_SETUP=1 skips the venv setup (the tests run it from inside the venv);
# GOVERN_REPORTS_WORKDIR keeps the store and quarantine there instead of a temp dir.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/reports}"
if [ -z "${GOVERN_SKIP_SETUP:-}" ]; then
  # shellcheck source=scripts/setup.sh
  . "$ROOT/scripts/setup.sh" example
fi
cd "$ROOT"
if [ -n "${GOVERN_REPORTS_WORKDIR:-}" ]; then
  WORK="$GOVERN_REPORTS_WORKDIR"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
fi
export GOVERN_STORE="$WORK/govern.db" GOVERN_QUARANTINE_DIR="$WORK/quarantine"
# a throwaway run: its OpenLineage events go nowhere (the store keeps them anyway)
for var in "${!OPENLINEAGE@}"; do unset "$var"; done
python examples/penguins/pipeline.py >/dev/null
mkdir -p "$OUT"
govern report audit --run latest -o "$OUT/audit.html"
govern report audit --run latest -o "$OUT/audit.md"
govern report model-card penguin-species -o "$OUT/penguin-species.html"
govern report model-card penguin-species -o "$OUT/penguin-species.md"
