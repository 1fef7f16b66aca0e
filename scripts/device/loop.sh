#!/usr/bin/env bash
# On the GPU machine: one `kda run` on the rmsnorm example with the CUDA backend and the built-in
# writer and verifier, then the run's status and audit check; plus the CUDA red team (the runner
# now confines itself before loading the candidate). Results in $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/env.sh
OUT="${OUT:-/tmp/kda-device-out}"; mkdir -p "$OUT"
work=/tmp/kda-loop; rm -rf "$work"; mkdir -p "$work"
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; date -u; } | tee "$OUT/loop.txt"
kda init "$work/rmsnorm" --example rmsnorm > /dev/null
start=$(date +%s)
run=$(kda run "$work/rmsnorm" --backend cuda --arch sm_90 --accept-plan --budget 0.5 2> "$OUT/loop_stderr.txt")
echo "kda run rc=$? in $(( $(date +%s) - start )) s: $run" | tee -a "$OUT/loop.txt"
kda status "$run" --json > "$OUT/loop_status.json"; cat "$OUT/loop_status.json" >> "$OUT/loop.txt"
kda audit verify "$run" | tee -a "$OUT/loop.txt"
cp "$run/candidates.jsonl" "$run/state.md" "$run/lessons.md" "$OUT/" 2>/dev/null
tail -5 "$OUT/loop_stderr.txt" | tee -a "$OUT/loop.txt"
rt="$work/rt"; kda init "$rt" --example vector_add > /dev/null
python3 - "$rt/workloads.jsonl" <<'PY'
import json, sys
rows = [{"definition": "vector_add", "solution": None, "evaluation": None,
         "workload": {"uuid": f"rt-{n}", "axes": {"N": n}, "inputs": {}, "kda": {"split": "public"}}} for n in (4097, 1 << 20)]
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
for c in examples/vector_add/solutions/cuda_vec4 tests/redteam/cuda_*; do
  kda eval "$rt" "$c" --backend cuda --arch sm_90 --budget 0.2 --timeout 5 --require-sandbox --json 2>>"$OUT/redteam.log" \
    | python3 -c 'import json,sys; [print(sys.argv[1], json.loads(l)["evaluation"]["status"], json.loads(l)["kda"]["reason_code"]) for l in sys.stdin]' "$(basename $c)" \
    | tee -a "$OUT/loop.txt"
done
