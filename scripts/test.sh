#!/usr/bin/env bash
# `npm test`: type-check, lint, then the whole vitest suite (real libSQL, real HTTP, real SDK).
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false
npx tsc --noEmit
npx biome lint
bash scripts/ensure-chromium.sh
npx vitest run "$@"
