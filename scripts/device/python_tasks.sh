#!/usr/bin/env bash
# Issue 15 on the GPU machine, in one call (~7 min): the flashinfer-trace test dataset
# (tests/data/flashinfer_trace, real definitions and workloads) through `kda eval DATASET
# --definition ...` with the definitions' PyTorch references on the GPU, Triton and torch-bound
# CUDA candidates and Python ones; the Python red team on CUDA; `kda tune` and `kda run` on a
# dataset definition; the traces kda wrote (for flashinfer-bench's schema check, run where
# pydantic is: scripts/fib_check_traces.py); and triton.testing.do_bench on the same Triton
# kernels and shapes, for the side-by-side in docs/results.md.
# Prerequisite (build machine): scripts/device/bundle.sh, and carry .device.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/env.sh
OUT="${OUT:-/tmp/kda-device-out}"
mkdir -p "$OUT"
log() { echo "== $*" | tee -a "$OUT/summary.txt"; }
STEPS="${*:-rmsnorm fused gemm redteam tune run dobench}"  # a subset may be named on the command line
want() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; date -u
  python3 -c 'import sys, torch, triton; print("python", sys.version.split()[0], "torch", torch.__version__, "triton", triton.__version__)'; } 2>&1 | tee -a "$OUT/summary.txt"

ds=/tmp/kda-dataset; rm -rf "$ds"; cp -r tests/data/flashinfer_trace "$ds"
sols=tests/python_solutions
common=(--backend cuda --arch sm_90 --budget "${PT_BUDGET:-0.3}" --json)
# gemm_n128_k2048 has 25 workloads; its first 5 are public here, the rest hidden (--hidden).
sed -n '6,$p' "$ds/workloads/gemm/gemm_n128_k2048.jsonl" > /tmp/kda-gemm-hidden.jsonl

summarise() {
  python3 - "$1" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line); e = t["evaluation"]; p = e.get("performance") or {}; k = t["kda"]
    print(f'{t["solution"]:34s} {t["workload"]["uuid"][:8]} {e["status"]:20s} lat={p.get("latency_ms",0):.4f}ms '
          f'ref={p.get("reference_latency_ms",0):.4f}ms x{p.get("speedup_factor",0):.2f} {k.get("reason_code","")} {k.get("reason","")[:120]}')
PY
}

run_eval() {  # name, then kda eval arguments
  local name=$1; shift
  log "kda eval: $name"
  local t0=$SECONDS
  kda eval "$@" "${common[@]}" > "$OUT/$name.jsonl" 2> "$OUT/$name.log"
  echo "rc=$? in $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
  summarise "$OUT/$name.jsonl"
}

want rmsnorm && run_eval rmsnorm_h2048_triton "$ds" "$sols/rmsnorm_h2048_triton" --definition rmsnorm_h2048
want fused && run_eval fused_add_rmsnorm_h2048 "$ds" "$sols/fused_add_rmsnorm_h2048_torch_cuda" "$sols/fused_add_rmsnorm_h2048_triton" \
    "$sols/fused_add_rmsnorm_h2048_python" --definition fused_add_rmsnorm_h2048
want gemm && run_eval gemm_n128_k2048 "$ds" "$sols/gemm_n128_k2048_torch" --definition gemm_n128_k2048 --hidden /tmp/kda-gemm-hidden.jsonl
sed -n '2,$p' "$ds/workloads/rmsnorm/rmsnorm_h128.jsonl" > /tmp/kda-rms128-hidden.jsonl  # one public workload
want redteam && run_eval redteam_python_cuda "$ds" tests/redteam_python/*/ --definition rmsnorm_h128 --hidden /tmp/kda-rms128-hidden.jsonl --timeout 3

if want tune; then
log "kda tune: fused_add_rmsnorm_h2048_cuda (native) over THREADS, against the PyTorch reference"
t0=$SECONDS
kda tune "$ds" "$sols/fused_add_rmsnorm_h2048_cuda" --definition fused_add_rmsnorm_h2048 --backend cuda --arch sm_90 \
    --budget 0.1 --out "$OUT/tune" > "$OUT/tune.log" 2>&1
echo "rc=$? in $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"; tail -15 "$OUT/tune.log" | tee -a "$OUT/summary.txt"

fi
if want run; then
log "kda run: fused_add_rmsnorm_h2048 from the native CUDA candidate, built-in agents"
t0=$SECONDS
kda run "$ds" --definition fused_add_rmsnorm_h2048 --start "$sols/fused_add_rmsnorm_h2048_cuda" --backend cuda \
    --arch sm_90 --accept-plan --budget 0.1 --profile off --wall-time 90 --run-dir "$OUT/run" > "$OUT/run.log" 2>&1
echo "rc=$? in $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"; tail -15 "$OUT/run.log" | tee -a "$OUT/summary.txt"

fi
want dobench && log "triton.testing.do_bench on the same kernels and shapes (cold L2: do_bench clears its cache buffer)"
want dobench && python3 scripts/device/fib_do_bench.py "$ds" "$sols" 2>&1 | tee "$OUT/do_bench.txt" | tee -a "$OUT/summary.txt"

cp -r "$ds/traces" "$OUT/traces"
