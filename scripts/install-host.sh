#!/usr/bin/env bash
# Installs the real VS Code host used by the host tests and the demo:
# code-server (VS Code 1.100.3 server + web workbench, from the npm registry)
# into .tools/code-server/, and Debian's Chromium to drive it headlessly.
#
# Why code-server and not @vscode/test-electron: this machine reaches only the
# npm registry and Debian's apt; test-electron, electron and @vscode/test-web
# all download builds from elsewhere. See shared/notes/vscode-host-offline.md.
#
# Idempotent: apt packages already installed are not touched (no apt-get
# update then), and code-server is skipped when .tools/code-server/.installed
# names the same version. Run as root (apt). Prints timings.
#
#   bash scripts/install-host.sh            install what is missing
#   bash scripts/install-host.sh --force    reinstall code-server
#
# About npm 11's install-script policy ("allowScripts", `npm approve-scripts`):
# this npm (11.19) reports `allow-scripts=""` and `strict-allow-scripts=false`.
# Measured: the policy is advisory in this release. `npm rebuild argon2` prints
# "npm warn rebuild 2 packages have install scripts not yet covered by
# allowScripts" (argon2's node-pre-gyp install, code-server's postinstall.sh)
# and still runs argon2's build; the lib/vscode rebuild likewise built
# node-pty, kerberos, spdlog, native-watchdog… (code-server's own
# postinstall.sh never runs: we install with --ignore-scripts and do its steps
# by hand, as the recipe says). `--ignore-scripts` wins
# over the policy either way, which is what the recipe relies on for the first
# pass. Should a later npm turn the policy into a block (or a machine set
# strict-allow-scripts=true), the rebuild would skip or fail those packages:
# we pass --dangerously-allow-all-scripts to `npm rebuild` only when npm
# knows that flag, and after the rebuild we check that the native modules
# really exist (check_native below), so a skipped build fails loudly here
# rather than as a broken terminal or file watcher later.
set -euo pipefail

CS_VERSION="4.100.3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools/code-server"
MARKER="$TOOLS/.installed"
CS="$TOOLS/node_modules/code-server"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

APT_PACKAGES=(chromium libkrb5-dev ripgrep build-essential python3 fonts-liberation ca-certificates)

T0=$(date +%s)
step_t=$T0
say() { printf '[install-host %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
lap() { local now; now=$(date +%s); say "$1 took $(( now - step_t ))s"; step_t=$now; }

# --- apt ------------------------------------------------------------------
# apt waits for dpkg's frontend lock by itself with DPkg::Lock::Timeout; the
# lists lock (apt-get update) it does not, so retry while another apt/dpkg
# holds a lock (an unattended upgrade, a second install run).
apt_retry() {
  local i out
  for i in $(seq 1 60); do
    if out=$("$@" 2>&1); then return 0; fi
    if grep -qiE 'could not get lock|unable to (acquire|lock)|is another process using it|dpkg frontend lock' <<<"$out"; then
      say "apt/dpkg lock held by another process; waiting ($i/60)"
      sleep 5
      continue
    fi
    printf '%s\n' "$out" >&2
    return 1
  done
  printf '%s\n' "$out" >&2
  say "gave up waiting for the apt/dpkg lock"
  return 1
}

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing apt packages: ${missing[*]} — run this script as root"; exit 1
  fi
  say "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_retry apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt_retry apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
  lap "apt"
else
  say "apt packages present: ${APT_PACKAGES[*]}"
fi
[[ -x /usr/bin/chromium ]] || { say "/usr/bin/chromium missing after apt"; exit 1; }
[[ -x /usr/bin/rg ]] || { say "/usr/bin/rg missing after apt"; exit 1; }

# --- code-server ----------------------------------------------------------
if [[ $FORCE -eq 0 && -f "$MARKER" && "$(cat "$MARKER")" == "code-server@$CS_VERSION" && -f "$CS/out/node/entry.js" ]]; then
  say "code-server@$CS_VERSION already installed in ${TOOLS#"$ROOT"/} (marker present); done in $(( $(date +%s) - T0 ))s"
  exit 0
fi

rm -rf "$TOOLS"
mkdir -p "$TOOLS"
# A package.json of its own so npm treats .tools/code-server as the project
# (not the repo root) and never touches the extension's package.json or lock.
cat >"$TOOLS/package.json" <<'EOF'
{ "name": "gan-workbench-host-tools", "private": true, "description": "code-server for the host tests; installed by scripts/install-host.sh" }
EOF

# node-pty's postinstall runs `npx node-gyp`; this machine's npmrc says yes=false.
export npm_config_yes=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# Native builds use Node's own headers (npmrc nodedir=/usr on these machines);
# node-gyp cannot download headers here.

REBUILD_FLAGS=()
if npm rebuild --help 2>/dev/null | grep -q -- 'dangerously-allow-all-scripts' \
   || npm config ls -l 2>/dev/null | grep -q '^dangerously-allow-all-scripts'; then
  REBUILD_FLAGS+=(--dangerously-allow-all-scripts)
fi

say "npm install code-server@$CS_VERSION --ignore-scripts"
(cd "$TOOLS" && npm install --no-save --ignore-scripts --loglevel=error "code-server@$CS_VERSION")
lap "npm install code-server"

say "npm rebuild argon2 (its prebuilt download fails; builds from source)"
(cd "$TOOLS" && npm rebuild "${REBUILD_FLAGS[@]}" --loglevel=error argon2)
lap "rebuild argon2"

say "lib/vscode: npm install --omit=dev --ignore-scripts"
(cd "$CS/lib/vscode" && npm install --omit=dev --ignore-scripts --loglevel=error)
lap "lib/vscode install"

# @vscode/ripgrep's postinstall downloads rg from GitHub; it skips itself when
# bin/ exists, so link Debian's rg there before the rebuild.
RG_BIN="$CS/lib/vscode/node_modules/@vscode/ripgrep/bin"
mkdir -p "$RG_BIN"
ln -sfn /usr/bin/rg "$RG_BIN/rg"

say "lib/vscode: npm rebuild (node-pty, kerberos, @parcel/watcher, spdlog, … from source)"
(cd "$CS/lib/vscode" && npm rebuild "${REBUILD_FLAGS[@]}" --loglevel=error)
lap "lib/vscode rebuild"

ln -sfn node_modules "$CS/lib/vscode/node_modules.asar"
ln -sfn code-linux.sh "$CS/lib/vscode/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$CS/lib/vscode/bin/helpers/browser.sh"

say "lib/vscode/extensions: npm install --omit=dev"
(cd "$CS/lib/vscode/extensions" && npm install --omit=dev --loglevel=error) | { grep -vE "^(Removed|removed) " || true; }
lap "built-in extensions install"

# Check that the native pieces the host needs really were built (see the note
# on npm's install-script policy at the top).
check_native() {
  local missing_native=0 f
  for f in \
    "$TOOLS/node_modules/argon2" \
    "$CS/lib/vscode/node_modules/node-pty/build/Release/pty.node" \
    "$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"; do
    if [[ ! -e "$f" ]]; then say "missing after install: ${f#"$ROOT"/}"; missing_native=1; fi
  done
  if ! compgen -G "$TOOLS/node_modules/argon2/lib/binding/*/argon2.node" >/dev/null; then
    say "argon2 native binding not built"; missing_native=1
  fi
  return $missing_native
}
check_native || { say "native modules missing: npm's install-script policy may have skipped their builds"; exit 1; }

# Both must run. Each output is read whole before its first line is shown:
# `| head -1` under pipefail failed at random when head closed the pipe while
# rg was still writing ("error: broken pipe", exit 2 in a fresh-clone run).
rg_version=$("$CS/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" --version)
echo "${rg_version%%$'\n'*}"
cs_version=$(node "$CS/out/node/entry.js" --config /dev/null --version)
echo "${cs_version%%$'\n'*}"

echo "code-server@$CS_VERSION" >"$MARKER"
say "code-server@$CS_VERSION installed in ${TOOLS#"$ROOT"/} ($(du -sh "$TOOLS" | cut -f1)); total $(( $(date +%s) - T0 ))s"
