#!/usr/bin/env bash
# The main job: GAN Workbench running in a real VS Code, with a live run.
#
#   bash scripts/demo.sh [--no-train] [--port N] [--steps N] [--desktop]
#   (npm run demo -- --no-train)
#
# 1. builds the extension, trainer and dashboard (npm run build);
# 2. installs the embedded VS Code host if needed (scripts/install-host.sh:
#    code-server 4.100.3 + Debian's Chromium; apt needs root);
# 3. makes the demo workspace .gan-demo/ (gitignored) with the experiment
#    demo-ring (variant wgan-gp, dataset 8gaussians), scaffolded by the
#    extension's own scaffolder; an existing one is reused;
# 4. serves it with code-server on 127.0.0.1 and prints the URL to open;
# 5. unless --no-train, has a headless Chromium run "GAN: Start Training"
#    on it, so the window you open shows a live run;
# 6. serves until Ctrl-C, which stops the demo's trainer and the server.
#
# Desktop VS Code instead of the embedded host: with `code` on PATH,
#   code --extensionDevelopmentPath="$PWD" "$PWD/.gan-demo"
# runs the extension from this checkout in your own VS Code (then open
# demo-ring/gan.config.json and run "GAN: Start Training"). --desktop does
# that after steps 1 and 3. The embedded host stays the default: it needs no
# display and behaves the same on every machine.
#
# Environment: GAN_DEMO_WORKSPACE overrides the workspace folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WS="${GAN_DEMO_WORKSPACE:-$ROOT/.gan-demo}"

DESKTOP=0
PASS=()
while (($#)); do
  case "$1" in
    --desktop) DESKTOP=1 ;;
    --no-train) PASS+=(--no-train) ;;
    --port|--steps) PASS+=("$1" "${2:?$1 needs a value}"); shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

T0=$(date +%s)
say() { printf '[demo.sh %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }

if [[ ! -d node_modules ]]; then say "npm ci"; npm ci --no-audit --no-fund; fi
say "npm run build"
npm run build --silent

if ((DESKTOP)); then
  if ! command -v code >/dev/null; then echo "demo.sh: --desktop needs \`code\` on PATH" >&2; exit 1; fi
  # Scaffold without serving: --no-train and stop right after the scaffold.
  npx tsx scripts/host/demo.ts --workspace "$WS" --scaffold-only "${PASS[@]}"
  say "code --extensionDevelopmentPath=$ROOT $WS"
  exec code --extensionDevelopmentPath="$ROOT" "$WS"
fi

say "VS Code host: bash scripts/install-host.sh"
bash scripts/install-host.sh
if command -v code >/dev/null; then
  say "tip: desktop VS Code is on PATH; \`bash scripts/demo.sh --desktop\` runs: code --extensionDevelopmentPath=$ROOT $WS"
fi
say "workspace: $WS"
exec npx tsx scripts/host/demo.ts --workspace "$WS" "${PASS[@]}"
