#!/usr/bin/env bash
# The one test command (README, .ci/run): on a fresh machine it does the
# set-up too — npm packages, the embedded VS Code host (code-server +
# Chromium, apt needs root) — then builds, type-checks, lints and runs every
# test: unit, trainer end to end, and the real VS Code host.
#
#   bash scripts/test.sh            (npm test)
#   bash scripts/test.sh FILE…      run only these test files (after the checks)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

T0=$(date +%s)
say() { printf '[test.sh %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi
say "VS Code host: bash scripts/install-host.sh"
bash scripts/install-host.sh
say "build"
npm run build --silent
say "typecheck"
npm run typecheck --silent
say "lint"
npm run lint --silent

if (($#)); then FILES=("$@"); else
  # Host-only mocha files (test/host/suite) import 'vscode' and run inside VS Code
  # through ui.test.ts; they are not node:test files.
  FILES=(test/unit/*.test.ts test/trainer/*.test.ts test/host/ui.test.ts test/host/dashboard-open.test.ts)
fi
say "node --test ${#FILES[@]} files"
exec node --import tsx --test --test-timeout=600000 "${FILES[@]}"
