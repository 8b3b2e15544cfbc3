#!/usr/bin/env bash
# The main job: set up, then run the example pipeline end to end on the embedded defaults.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup.sh
. "$ROOT/scripts/setup.sh" example
cd "$ROOT"
python examples/penguins/pipeline.py
