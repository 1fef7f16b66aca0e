#!/usr/bin/env bash
# README command A: install what is missing, build, and run the main job on the embedded
# default: `kda run` on the rmsnorm example (CPU backend, built-in search writer and rule-based
# verifier), then verify the run's hash-chained audit log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j "$(nproc)"
work="$(mktemp -d /tmp/kda-demo-XXXXXX)"
build/bin/kda init "$work/rmsnorm" --example rmsnorm
run_dir="$(build/bin/kda run "$work/rmsnorm" --backend cpu --writer builtin --verifier builtin --accept-plan)"
build/bin/kda status "$run_dir"
build/bin/kda audit verify "$run_dir"
echo "run directory: $run_dir (plan.md, state.md, candidates.jsonl, lessons.md, rounds/)"
