#!/usr/bin/env bash
# README command A: install what is missing, build, and run the main job on the embedded
# default: a vector_add task evaluated on the CPU backend against its pinned baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j "$(nproc)"
work="$(mktemp -d /tmp/kda-demo-XXXXXX)"
build/bin/kda init "$work/vector_add" --example vector_add
build/bin/kda eval "$work/vector_add" --backend cpu --workloads all
build/bin/kda audit verify "$work/vector_add"
echo "task directory: $work/vector_add"
