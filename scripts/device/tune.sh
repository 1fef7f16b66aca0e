#!/usr/bin/env bash
# On the GPU machine: kda tune on one example with the CUDA backend (the router's speedups over
# the simple baseline and over its best single variant, on hidden shapes). For topk, torch.topk
# is timed on the same workloads in the same call. Results in $OUT/<example>/:
#   tune.json (kda tune --json), tune.err (one line per measurement), regimes.json, tune.txt,
#   torch_topk.jsonl (topk), and task.tgz: the task directory with its store, so that a sweep cut
#   by the device call's time limit resumes in the next call (RESUME=path/to/task.tgz, carried
#   in .device/) and reuses every finished measurement.
# Prerequisite (build machine): scripts/device/bundle.sh, and carry .device.
# Env: EXAMPLE (topk), SOLUTION (default: the example's first cuda* solution), SPACE (a JSON object
# replacing the solution's kda.param_space), KEEP_PUBLIC (a Python expression over the axes dict
# `a` that keeps a public workload), ROUNDS, BUDGET, MIN_SAMPLES, TUNE_SECONDS.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/env.sh
EXAMPLE="${EXAMPLE:-topk}"
SOLUTION="${SOLUTION:-$(basename "$(ls -d examples/"$EXAMPLE"/solutions/cuda* | head -1)")}"
OUT="${OUT:-/tmp/kda-device-out}/$EXAMPLE"; mkdir -p "$OUT"
work=/tmp/kda-tune; task="$work/$EXAMPLE"; mkdir -p "$work"; rm -rf "$task"
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nvcc --version | tail -1; date -u; } | tee "$OUT/tune.txt"
if [ -n "${RESUME:-}" ] && [ -f "$RESUME" ]; then
  tar -C "$work" -xzf "$RESUME" && echo "resumed from $RESUME" | tee -a "$OUT/tune.txt"
else
  kda init "$task" --example "$EXAMPLE" > /dev/null
  python3 - "$task" "$SOLUTION" "${SPACE:-}" "${KEEP_PUBLIC:-}" <<'PY'
import json, sys
task, sol, space, keep = sys.argv[1:5]
if keep:
    path = f"{task}/workloads.jsonl"
    rows = [json.loads(l) for l in open(path) if l.strip()]
    rows = [r for r in rows if r["workload"]["kda"]["split"] != "public" or eval(keep, {}, {"a": r["workload"]["axes"]})]
    open(path, "w").write("".join(json.dumps(r) + "\n" for r in rows))
if space:
    path = f"{task}/solutions/{sol}/solution.json"
    s = json.load(open(path))
    s["kda"]["param_space"] = json.loads(space)
    json.dump(s, open(path, "w"), indent=1)
PY
fi
if [ "$EXAMPLE" = topk ] && [ ! -s "$OUT/torch_topk.jsonl" ]; then
  start=$(date +%s)
  PYTHONUNBUFFERED=1 python3 scripts/device/torch_topk.py "$task/workloads.jsonl" > "$OUT/torch_topk.jsonl" 2> "$OUT/torch_topk.err"
  echo "torch.topk rc=$? in $(( $(date +%s) - start )) s" | tee -a "$OUT/tune.txt"
fi
start=$(date +%s)
timeout "${TUNE_SECONDS:-400}" kda tune "$task" "$task/solutions/$SOLUTION" --backend cuda --arch sm_90 \
  --budget "${BUDGET:-0.05}" --min-samples "${MIN_SAMPLES:-10}" --hidden-rounds "${ROUNDS:-3}" --json > "$OUT/tune.json" 2> "$OUT/tune.err"
echo "kda tune rc=$? in $(( $(date +%s) - start )) s" | tee -a "$OUT/tune.txt"
cp "$task"/routers/*/regimes.json "$OUT/" 2>/dev/null
tar -C "$work" -czf "$OUT/task.tgz" "$EXAMPLE"
grep -v '^kda: \[' "$OUT/tune.err" | tail -20 | tee -a "$OUT/tune.txt"
