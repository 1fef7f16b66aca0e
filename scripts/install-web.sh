#!/usr/bin/env bash
# The report's web side (docs/report.md): Node.js and npm, Debian's chromium and chromium-driver
# for the browser tests, then Chart.js and playwright-core exactly as web/package-lock.json pins
# them (npm ci). Called by scripts/install-deps.sh; idempotent. Needs root (or sudo) for apt.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

PACKAGES=(nodejs npm chromium chromium-driver)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # A Node.js from elsewhere (nodesource, nvm) with its own npm is as good as Debian's.
    if { [ "$p" = nodejs ] || [ "$p" = npm ]; } && command -v node >/dev/null && command -v npm >/dev/null; then continue; fi
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "kda: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cd "$here/web"
if [ -f node_modules/chart.js/package.json ] && [ -f node_modules/playwright-core/package.json ] &&
   [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "kda: web/node_modules is up to date with web/package-lock.json"
else
  echo "kda: npm ci in web/ (Chart.js, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi
