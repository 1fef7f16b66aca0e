#!/usr/bin/env bash
# On the GPU machine: kda tune on the topk example with the CUDA backend (the router's speedups
# over the simple baseline and over its best single variant, on hidden shapes), with torch.topk
# timed on the same workloads in the same call. Results in $OUT:
#   tune.json (kda tune --json), tune.err (one line per measurement), torch_topk.jsonl, tune.txt.
# Prerequisite (build machine): scripts/device/bundle.sh, and carry .device.
# TUNE_SECONDS bounds the sweep (the device call has a hard limit); the sweep's space can be
# narrowed with ALGOS/BLOCKS (comma lists) to fit a short lease.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/env.sh
OUT="${OUT:-/tmp/kda-device-out}"; mkdir -p "$OUT"
work=/tmp/kda-tune; rm -rf "$work"; mkdir -p "$work"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nvcc --version | tail -1; date -u; } | tee "$OUT/tune.txt"
kda init "$work/topk" --example topk > /dev/null
# KEEP_M (comma list) keeps only the public workloads with those row counts: a shorter sweep.
if [ -n "${KEEP_M:-}" ]; then
  python3 - "$work/topk/workloads.jsonl" "$KEEP_M" <<'PY'
import json, sys
path, keep = sys.argv[1], {int(m) for m in sys.argv[2].split(",")}
rows = [json.loads(l) for l in open(path) if l.strip()]
rows = [r for r in rows if r["workload"]["kda"]["split"] != "public" or r["workload"]["axes"]["M"] in keep]
open(path, "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
fi
python3 - "$work/topk/solutions/cuda_select/solution.json" "${ALGOS:-0,1,2}" "${BLOCKS:-256,512,1024}" <<'PY'
import json, sys
path, algos, blocks = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(path))
s["kda"]["param_space"] = {"ALGO": [int(a) for a in algos.split(",")], "BLOCK": [int(b) for b in blocks.split(",")]}
json.dump(s, open(path, "w"), indent=1)
PY
start=$(date +%s)
PYTHONUNBUFFERED=1 python3 scripts/device/torch_topk.py "$work/topk/workloads.jsonl" > "$OUT/torch_topk.jsonl" 2> "$OUT/torch_topk.err"
echo "torch.topk rc=$? in $(( $(date +%s) - start )) s" | tee -a "$OUT/tune.txt"
start=$(date +%s)
timeout "${TUNE_SECONDS:-400}" kda tune "$work/topk" "$work/topk/solutions/cuda_select" --backend cuda --arch sm_90 \
  --budget "${BUDGET:-0.05}" --min-samples "${MIN_SAMPLES:-10}" --hidden-rounds "${ROUNDS:-2}" --json > "$OUT/tune.json" 2> "$OUT/tune.err"
echo "kda tune rc=$? in $(( $(date +%s) - start )) s" | tee -a "$OUT/tune.txt"
cp "$work/topk/routers/topk_cuda/regimes.json" "$OUT/" 2>/dev/null
grep -v '^kda: \[' "$OUT/tune.err" | tail -20 | tee -a "$OUT/tune.txt"
