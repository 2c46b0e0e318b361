#!/usr/bin/env bash
# `npm run test:clients`: third-party OpenAI clients (the Vercel AI SDK, LangChain.js, promptfoo)
# against the real gateway. They live in test/clients with their own lockfile, so the app's own
# `npm install` stays lean: installed here, when missing or when the lockfile changed since.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=test/clients
stamp=$clients/node_modules/.installed-from-package-lock.json
if ! cmp -s "$clients/package-lock.json" "$stamp"; then
  started=$SECONDS
  # Optional dependencies are left out: promptfoo lists ~40 (cloud SDKs, onnxruntime, playwright…),
  # 1.6 GB that no test here uses. No install script runs: every client must work without its own.
  npm ci --prefix "$clients" --omit=optional --ignore-scripts --engine-strict --no-audit --no-fund
  cp "$clients/package-lock.json" "$stamp"
  echo "test:clients: installed $clients in $((SECONDS - started)) s"
fi
export WRANGLER_SEND_METRICS=false
npx tsc --noEmit -p "$clients"
npx vitest run --config "$clients/vitest.config.ts" "$@"
