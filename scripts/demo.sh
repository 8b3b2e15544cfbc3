#!/usr/bin/env bash
# The main job: set up, then run the example pipeline end to end on the embedded defaults.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# GOVERN_SKIP_SETUP=1 skips the venv setup (the tests run the demo from inside the venv).
if [ -z "${GOVERN_SKIP_SETUP:-}" ]; then
  # shellcheck source=scripts/setup.sh
  . "$ROOT/scripts/setup.sh" example
fi
cd "$ROOT"
# The demo's OpenLineage events also go to a JSON-lines file, through the client's file
# transport (the library's default is the store only); any OpenLineage setting of yours wins.
if [ -z "${OPENLINEAGE__TRANSPORT__TYPE:-}${OPENLINEAGE_URL:-}${OPENLINEAGE_CONFIG:-}" ]; then
  export OPENLINEAGE__TRANSPORT__TYPE=file
  export OPENLINEAGE__TRANSPORT__LOG_FILE_PATH="$ROOT/.govern/lineage/events.jsonl"
  export OPENLINEAGE__TRANSPORT__APPEND=true
fi
python examples/penguins/pipeline.py
if [ -n "${OPENLINEAGE__TRANSPORT__LOG_FILE_PATH:-}" ]; then
  echo "OpenLineage events: $OPENLINEAGE__TRANSPORT__LOG_FILE_PATH (govern lineage status)"
fi
# The run's audit report and model card (HTML, Markdown) from this store, written under
# .govern/ (ignored by git): the demo never modifies tracked files. The committed
# reports/ are regenerated only by scripts/reports.sh.
OUT="$ROOT/.govern/reports"
mkdir -p "$OUT"
govern report audit --run latest -o "$OUT/audit.html"
govern report audit --run latest -o "$OUT/audit.md"
govern report model-card penguin-species -o "$OUT/penguin-species.html"
govern report model-card penguin-species -o "$OUT/penguin-species.md"
echo "Reports: $OUT (the committed reports/ come from bash scripts/reports.sh)"
