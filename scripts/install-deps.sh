#!/usr/bin/env bash
# Installs every Debian package kda needs to build, test and run (Debian 12).
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libcli11-dev nlohmann-json3-dev libfmt-dev libsqlite3-dev sqlite3
  libgit2-dev libcurl4-openssl-dev libcpp-httplib-dev libssl-dev
  libdlpack-dev libseccomp-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-torch  # python3-torch: the Python runner (PyTorch references, Python candidates)
  libtorch-dev pybind11-dev  # torch's C++ headers: solutions with `binding: torch` (cpp_extension)
  # The HIP backend's compiler and runtime headers (kda-runner-hip, the HIP examples; docs/amd.md):
  # Debian 12's ROCm 5.2 (clang 15), which compiles for gfx90a; no AMD GPU is needed to build.
  hipcc libamdhip64-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "kda: all build dependencies are installed"
  exec bash "$(dirname "$0")/install-web.sh"  # the report's Chart.js, browser tests' chromium
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "kda: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
bash "$(dirname "$0")/install-web.sh"  # the report's Chart.js, browser tests' chromium
