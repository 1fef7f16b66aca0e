#!/usr/bin/env bash
# On the GPU machine (issue 21, top-k): the radix top-k (examples/topk/solutions/cuda_radix)
# checked, sanitized, timed by kda against cuda_select and torch.topk, and tuned into a router.
# One call of at most ~9 minutes (SHOWCASE_SECONDS, default 530, bounds the whole; every step has
# its own limit and the tune gets what is left). Results in $OUT; the summary in $OUT/summary.txt.
#
#   OUT=$OUT bash scripts/device/topk_showcase.sh                 all steps
#   STEPS="check eval torch" OUT=$OUT bash scripts/device/topk_showcase.sh
#   RESUME=.device/topk_showcase_task.tgz STEPS=tune ...          continue a cut tune sweep
#
# Steps (STEPS, default "check eval torch time sanitize tune", run in this order):
#   check     scripts/device/topk_radix_check.cu (all three ALGOs included, BLOCK 512; DRIVER_FLAGS,
#             e.g. "-DTOP_BITS=13 -DBLOCK=256", changes the driver's build) against
#             a CPU top-k: shapes from 1x1 to 2000x10000, special values, misaligned rows,
#             K = 1 and K = N, repeated calls with fresh data
#   eval      kda eval --backend cuda of cuda_radix (its default params) on the 16 hidden shapes
#             and 64 x 131072 (K = 2048), with cuda_select as the task's pinned baseline, so every
#             trace carries both latencies measured interleaved in one session
#   torch     scripts/device/torch_topk.py on the same shapes
#   sanitize  compute-sanitizer memcheck on the driver's quick set (small shapes and 64 x 131072),
#             racecheck and synccheck on its small set (small shapes, 2 x 20000 and 4 x 65536
#             split over blocks), every ALGO; at most 50 s each
#   time      the driver's own event timing (L2 flushed, median of 30) per ALGO and shape
#   tune      kda tune over SPACE (default ALGO 0,2 x BLOCK 256,512) on the public shapes kept by
#             KEEP_PUBLIC (default: M 1, 32, 256 at N 1k, 4k, 16k, 64k, 128k where public, and
#             1024 x 32k: 15) plus 64 x 131072, and the 16 hidden shapes (BUDGET 0.03,
#             MIN_SAMPLES 5, ROUNDS 1, at most TUNE_SECONDS=400 or what is left of the call);
#             the router's hidden results beside torch.topk. The task (with its
#             tuning database) goes to $OUT/task.tgz, so a cut sweep resumes with
#             RESUME=<that file, carried in .device/>.
#   profile   (not default) kda profile run of cuda_radix on 64 x 131072
#   loop      (not default) kda run with the built-in agents from cuda_select (the plain start),
#             on the public shapes kept by KEEP_PUBLIC plus 64 x 131072, profiled each round,
#             at most LOOP_SECONDS (default 200): what the loop alone reaches
# Prerequisite (build machine): scripts/device/bundle.sh, and carry .device.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/env.sh
OUT="${OUT:-/tmp/kda-device-out}"
mkdir -p "$OUT"
STEPS="${STEPS:-check eval torch time sanitize tune}"
want() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }
t0=$SECONDS
left() { echo $(( ${SHOWCASE_SECONDS:-530} - (SECONDS - t0) )); }
# limit WANTED: the step's own bound, cut to what is left of the whole (at least 5 s).
limit() { local l; l=$(left); l=$(( l < $1 ? l : $1 )); echo $(( l > 5 ? l : 5 )); }
S="$OUT/summary.txt"
log() { echo "== $*" | tee -a "$S"; }
{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv,noheader; nvcc --version | tail -1; date -u; } 2>&1 | tee -a "$S"
work=/tmp/kda-topk-showcase; mkdir -p "$work"
# ALGO 1 is left out by default: ALGO 2 is ALGO 1 in one launch, and runs as ALGO 1 where the
# grid cannot be co-resident.
DEFAULT_SPACE='{"ALGO": [0, 2], "BLOCK": [256, 512]}'
# The public shapes the tune and the loop keep (a Python expression over a workload's axes `a`).
KEEP="${KEEP_PUBLIC:-(a['M'] in (1, 32, 256) and a['N'] in (1024, 4096, 16384, 65536, 131072)) or (a['M'] == 1024 and a['N'] == 32768)}"
SAN="$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)"

# The task copies: topk with cuda_select as the pinned CUDA baseline (instead of the one-thread-
# per-row heap, which takes ~0.2 s a call on the large shapes and would use most of the time),
# and one more public workload, 64 x 131072, K = 2048 (the FlashInfer comparison's shape).
make_task() {  # make_task DIR KEEP_PUBLIC_EXPR
  rm -rf "$1"
  kda init "$1" --example topk > /dev/null || return 1
  cp examples/topk/solutions/cuda_select/kernel.cu "$1/baseline/cuda/kernel.cu"
  python3 - "$1" "$2" <<'PY'
import json, sys
task, keep = sys.argv[1:3]
b = f"{task}/baseline/cuda/solution.json"
s = json.load(open(b)); s["description"] = "cuda_select (ALGO 1, BLOCK 1024) as the showcase's baseline"
json.dump(s, open(b, "w"), indent=1)
path = f"{task}/workloads.jsonl"
rows = [json.loads(l) for l in open(path) if l.strip()]
rows = [r for r in rows if r["workload"]["kda"]["split"] != "public" or eval(keep, {}, {"a": r["workload"]["axes"]})]
rows.append({"definition": "topk", "solution": None, "evaluation": None,
             "workload": {"uuid": "topk-m64-n131072-showcase", "axes": {"M": 64, "N": 131072, "K": 2048},
                          "inputs": {"scores": {"type": "random"}}, "kda": {"split": "public"}}})
open(path, "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
}

if want check || want sanitize || want time; then
  log "build: the standalone driver (scripts/device/topk_radix_check.cu)"
  nvcc -O3 -std=c++17 -arch=sm_90 -lineinfo ${DRIVER_FLAGS:-} -I"$KDA_DLPACK_INCLUDE" -o "$work/topk_check" scripts/device/topk_radix_check.cu \
    > "$OUT/driver_build.log" 2>&1
  echo "driver build rc=$?" | tee -a "$S"
fi

if want check && [ -x "$work/topk_check" ]; then
  log "check: cuda_radix ALGO 0/1/2 against a CPU top-k"
  timeout "$(limit 150)" "$work/topk_check" check > "$OUT/check.txt" 2>&1
  echo "check rc=$? ($(grep -c ': ok$' "$OUT/check.txt") ok lines)" | tee -a "$S"
  grep -m 20 "FAIL\|CUDA error" "$OUT/check.txt" | tee -a "$S"
  tail -1 "$OUT/check.txt" | tee -a "$S"
fi

et="$work/eval_task"
if want eval; then
  log "eval: kda eval cuda_radix (default params) on the hidden shapes + 64x131072; baseline = cuda_select"
  make_task "$et" "False"
  timeout "$(limit 150)" kda eval "$et" "$et/solutions/cuda_radix" --backend cuda --arch sm_90 --workloads all \
      --budget "${EVAL_BUDGET:-0.2}" --json > "$OUT/eval.jsonl" 2> "$OUT/eval.err"
  echo "kda eval rc=$?" | tee -a "$S"
  python3 - "$OUT/eval.jsonl" <<'PY' | tee -a "$S"
import json, sys
print(f'{"workload":34s} {"status":10s} {"radix_ms":>9s} {"select_ms":>9s} {"x_select":>8s} {"roof":>5s}')
for line in open(sys.argv[1]):
    t = json.loads(line); e = t["evaluation"]; p = e.get("performance") or {}; kp = t["kda"].get("performance") or {}
    print(f'{t["workload"]["uuid"]:34s} {e["status"]:10s} {p.get("latency_ms", 0):9.4f} {kp.get("baseline_latency_ms", 0):9.4f} '
          f'{kp.get("baseline_speedup_factor", 0):8.2f} {100 * kp.get("fraction_of_roofline", 0):4.0f}% {t["kda"].get("reason_code", "")}')
PY
fi

if want torch; then
  log "torch: torch.topk on the same shapes (CUDA events, L2 flushed, median of 50)"
  [ -f "$et/workloads.jsonl" ] || make_task "$et" "False"
  PYTHONUNBUFFERED=1 timeout "$(limit 90)" python3 scripts/device/torch_topk.py "$et/workloads.jsonl" > "$OUT/torch_topk.jsonl" 2> "$OUT/torch_topk.err"
  echo "torch_topk rc=$? ($(wc -l < "$OUT/torch_topk.jsonl") shapes)" | tee -a "$S"
  if [ -s "$OUT/eval.jsonl" ]; then
    python3 - "$OUT/eval.jsonl" "$OUT/torch_topk.jsonl" <<'PY' | tee -a "$S"
import json, math, sys
torch = {j["uuid"]: j["torch_topk_ms"] for j in map(json.loads, open(sys.argv[2]))}
r = []
for t in map(json.loads, open(sys.argv[1])):
    w = t["workload"]; p = t["evaluation"].get("performance") or {}
    if t["evaluation"]["status"] == "PASSED" and w["uuid"] in torch and w["axes"]["N"] >= 32768 and w["kda"]["split"] == "hidden":
        r.append(torch[w["uuid"]] / p["latency_ms"])
    if w["uuid"] == "topk-m64-n131072-showcase" and p:
        print(f'eval 64x131072 K=2048: cuda_radix {1000 * p["latency_ms"]:.1f} us, torch.topk {1000 * torch.get(w["uuid"], 0):.1f} us (target <= 60 us)')
if r:
    print(f"eval default variant vs torch.topk, hidden N >= 32k: geomean {math.exp(sum(map(math.log, r)) / len(r)):.2f}x over {len(r)} shapes (target >= 3x)")
PY
  fi
fi

if want time && [ -x "$work/topk_check" ]; then
  log "time: driver event timing per ALGO (BLOCK 512; L2 flushed; us, median of 30)"
  timeout "$(limit 60)" "$work/topk_check" time > "$OUT/time.txt" 2>&1
  echo "time rc=$?" | tee -a "$S"
  grep "^time" "$OUT/time.txt" | tee -a "$S"
fi

if want profile; then
  log "profile: kda profile run of cuda_radix on 64x131072"
  pt="$work/prof_task"; make_task "$pt" "False"
  python3 - "$pt/workloads.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if "showcase" in l]
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
  [ -z "${KDA_NCU:-}" ] && ! command -v ncu > /dev/null && [ -x /usr/local/cuda/bin/ncu ] && export KDA_NCU=/usr/local/cuda/bin/ncu
  mkdir -p "$OUT/prof"
  timeout "$(limit 120)" kda profile run --task "$pt" --solution "$pt/solutions/cuda_radix" --backend cuda --arch sm_90 --calls 1 \
      --clock-control-none --out "$OUT/prof" > "$OUT/prof/diagnosis.stdout.md" 2> "$OUT/prof/stderr.txt"
  echo "profile rc=$?" | tee -a "$S"
  rm -rf "$OUT/prof/report.ncu-rep" "$OUT/prof/target"
  head -30 "$OUT/prof/diagnosis.md" 2>/dev/null | tee -a "$S"
fi

if want sanitize && [ -x "$work/topk_check" ]; then
  if [ -n "$SAN" ]; then
    for tool in memcheck racecheck synccheck; do
      set_=quick; [ "$tool" = memcheck ] || set_=small  # racecheck is slow: no 64 x 131072
      log "sanitize: compute-sanitizer --tool $tool (driver $set_ set)"
      timeout "$(limit 50)" "$SAN" --tool "$tool" --error-exitcode 9 "$work/topk_check" "$set_" > "$OUT/sanitize_$tool.txt" 2>&1
      echo "$tool rc=$? (0 clean, 9 errors found, 124 out of time): $(grep -m1 'ERROR SUMMARY\|RACECHECK SUMMARY' "$OUT/sanitize_$tool.txt")" | tee -a "$S"
      grep -m1 "^summary" "$OUT/sanitize_$tool.txt" | tee -a "$S"
    done
  else
    echo "sanitize: no compute-sanitizer found" | tee -a "$S"
  fi
fi

if want tune; then
  tt="$work/tune_task"
  if [ -n "${RESUME:-}" ] && [ -f "$RESUME" ]; then
    rm -rf "$tt"; mkdir -p "$tt" && tar -C "$tt" -xzf "$RESUME" && echo "tune: resumed from $RESUME" | tee -a "$S"
  else
    make_task "$tt" "$KEEP"
    python3 - "$tt/solutions/cuda_radix/solution.json" "${SPACE:-$DEFAULT_SPACE}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s["kda"]["param_space"] = json.loads(sys.argv[2]); json.dump(s, open(sys.argv[1], "w"), indent=1)
PY
  fi
  [ -s "$OUT/torch_topk.jsonl" ] && cp "$OUT/torch_topk.jsonl" "$OUT/torch_topk_tune.jsonl"  # the same hidden shapes
  [ -s "$OUT/torch_topk_tune.jsonl" ] || PYTHONUNBUFFERED=1 timeout "$(limit 90)" python3 scripts/device/torch_topk.py \
      "$tt/workloads.jsonl" --split hidden > "$OUT/torch_topk_tune.jsonl" 2>> "$OUT/torch_topk.err"
  log "tune: kda tune cuda_radix over $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kda"]["param_space"])' "$tt/solutions/cuda_radix/solution.json"), $(grep -c '"public"' "$tt/workloads.jsonl") public shapes, $(left) s left"
  start=$SECONDS
  timeout "$(limit "${TUNE_SECONDS:-400}")" kda tune "$tt" "$tt/solutions/cuda_radix" --backend cuda --arch sm_90 --budget "${BUDGET:-0.03}" \
      --min-samples "${MIN_SAMPLES:-5}" --hidden-rounds "${ROUNDS:-1}" --json > "$OUT/tune.json" 2> "$OUT/tune.err"
  rc=$?
  echo "kda tune rc=$rc in $((SECONDS - start)) s ($(grep -c 'reused' "$OUT/tune.err") reused measurements; rc 124: cut by time, resume with RESUME)" | tee -a "$S"
  tar -C "$tt" -czf "$OUT/task.tgz" .
  cp "$tt"/routers/*/regimes.json "$OUT/" 2>/dev/null
  python3 - "$OUT/tune.json" "$OUT/torch_topk_tune.jsonl" "$OUT/tune.err" <<'PY' | tee -a "$S"
import json, math, re, sys
try:
    rep = json.load(open(sys.argv[1]))
except Exception:
    rep = None
torch = {}
try:
    torch = {j["uuid"]: j["torch_topk_ms"] for j in map(json.loads, open(sys.argv[2]))}
except Exception:
    pass
# The sweep's 64x131072 results, from the per-measurement lines ("kda: [i/n] VARIANT x WORKLOAD: 0.41 ms").
for line in open(sys.argv[3]):
    if "topk-m64-n131072-showcase" in line:
        m = re.search(r"\] (.*) x topk-m64-n131072-showcase: ([0-9.]+) ms", line)
        if m:
            print(f"sweep 64x131072 K=2048: {m.group(1)} {1000 * float(m.group(2)):.1f} us")
if not rep:
    print("tune: no report (cut by time or failed); see tune.err")
    sys.exit(0)
print("regimes:", json.dumps(rep.get("regimes", {}).get("key")), [(r.get("below"), r.get("variant") or "tree") for r in rep.get("regimes", {}).get("regimes", [])])
h = rep.get("hidden", {})
print(f'router passed all hidden: {h.get("router_passed")}; geomean {h.get("router_geomean_ms", 0):.4f} ms; regret {100 * h.get("regret", 0):.1f} %; '
      f'x baseline (cuda_select) {h.get("speedup_vs_baseline", 0):.2f}; x best single ({h.get("best_single_variant")}) {h.get("speedup_vs_best_single", 0):.2f}')
print(f'{"hidden shape":28s} {"router_ms":>9s} {"torch_ms":>9s} {"x_torch":>7s}  routed_to')
big = []
for w in h.get("per_workload", []):
    u = w["workload"]; t = torch.get(u, 0); r = w.get("router_ms") or 0
    x = t / r if r and t else 0
    mm = re.search(r"-m(\d+)-n(\d+)", u)
    if mm and int(mm.group(2)) >= 32768 and x: big.append(x)
    print(f'{u:28s} {r:9.4f} {t:9.4f} {x:7.2f}  {w.get("routed_to")}')
if big:
    print(f"router vs torch.topk, hidden N >= 32k: geomean {math.exp(sum(map(math.log, big)) / len(big)):.2f}x over {len(big)} shapes (target >= 3x)")
PY
fi
if want loop; then
  lt="$work/loop_task"; run="$work/loop_run"; rm -rf "$run"
  make_task "$lt" "$KEEP"
  export KDA_WIKI="${KDA_WIKI:-$PWD/wiki}"
  [ -z "${KDA_NCU:-}" ] && ! command -v ncu > /dev/null && [ -x /usr/local/cuda/bin/ncu ] && export KDA_NCU=/usr/local/cuda/bin/ncu
  lim=$(limit "${LOOP_SECONDS:-200}")
  log "loop: kda run from cuda_select with the built-in agents, profiled, wall time $((lim - 20)) s"
  start=$SECONDS
  timeout "$lim" kda run "$lt" --backend cuda --arch sm_90 --accept-plan --budget "${LOOP_BUDGET:-0.05}" \
      --start "$lt/solutions/cuda_select" --run-dir "$run" --wall-time $((lim - 20)) --profile-timeout 60 \
      > "$OUT/loop.stdout" 2> "$OUT/loop.stderr"
  echo "kda run rc=$? in $((SECONDS - start)) s" | tee -a "$S"
  if [ -d "$run" ]; then
    mkdir -p "$OUT/loop"
    kda status "$run" --json > "$OUT/loop/status.json" 2>&1; kda audit verify "$run" > "$OUT/loop/audit.txt" 2>&1
    cp "$run"/candidates.jsonl "$run"/state.md "$run"/lessons.md "$OUT/loop/" 2>/dev/null
    python3 - "$run" <<'PY' | tee -a "$S"
import glob, json, os, sys
run = sys.argv[1]
for d in sorted(glob.glob(f"{run}/rounds/*/*"), key=lambda p: (p.split("/")[-2], int(p.split("/")[-1]))):
    r = d.split("/rounds/")[1]
    get = lambda f: json.load(open(f"{d}/{f}")) if os.path.exists(f"{d}/{f}") else {}
    chk, prof, rev = get("checks.json"), get("profile.json"), get("review.json")
    summ = open(f"{d}/writer_summary.md").read().strip().replace("\n", " ") if os.path.exists(f"{d}/writer_summary.md") else ""
    print(f"round {r}: {summ[:200]}")
    print(f"  hidden geomean x baseline {chk.get('geomean_speedup_hidden', 0):.2f} all_passed {chk.get('all_passed_hidden')}; "
          f"verdict {rev.get('verdict')}; findings {[f['id'] for f in prof.get('findings', [])][:4]}")
PY
    tail -3 "$OUT/loop/audit.txt" | tee -a "$S"
  fi
fi
echo "showcase: $((SECONDS - t0)) s" | tee -a "$S"
