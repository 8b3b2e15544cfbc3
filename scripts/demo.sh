#!/usr/bin/env bash
# The main job: set up, then run the example pipeline end to end on the embedded defaults.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup.sh
. "$ROOT/scripts/setup.sh" example
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
# the example's audit report and model card (HTML, Markdown), regenerated into reports/
GOVERN_SKIP_SETUP=1 bash "$ROOT/scripts/reports.sh"
