#!/usr/bin/env bash
# The CPU backend's speed claims, measured (not asserted in tests, where a loaded machine could
# fail them): the vector_add example's cpp_omp against the pinned baseline on a 4 M-element
# workload, three fresh evaluations. Prints each speedup and exits 1 if any is not above 1.
# usage: bench/cpu_claims.sh [BUILD_DIR]   (figures go into docs/results.md with device and date)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
kda="$build/bin/kda"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$kda" init "$work/va" --example vector_add > /dev/null
python3 - "$work/va/workloads.jsonl" <<'PY'
import json, sys
row = {"definition": "vector_add", "solution": None, "evaluation": None,
       "workload": {"uuid": "claim-4m", "axes": {"N": 4000000}, "inputs": {}, "kda": {"split": "public"}}}
open(sys.argv[1], "w").write(json.dumps(row) + "\n")
PY
status=0
for i in 1 2 3; do
  line=$("$kda" eval "$work/va" "$work/va/solutions/cpp_omp" --budget 0.5 --json 2>/dev/null)
  speedup=$(python3 -c 'import json,sys; e=json.loads(sys.argv[1])["evaluation"]; print(e["status"], (e.get("performance") or {}).get("speedup_factor", 0))' "$line")
  echo "vector_add cpp_omp N=4000000 run $i: $speedup"
  python3 -c 'import sys; s, x = sys.argv[1].split(); sys.exit(0 if s == "PASSED" and float(x) > 1 else 1)' "$speedup" || status=1
done
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
exit $status
