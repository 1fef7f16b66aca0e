#!/usr/bin/env bash
# The H100 session in one call: evaluates every example on the CUDA backend, measures the spread
# of the median over 5 repeated evaluations, runs the CUDA red-team candidates, and profiles the
# example candidate with Nsight Compute; `noise` compares the spread of short calls' medians
# with and without the launch gate. Results land in $OUT (the device tool returns them).
# `profileloop` (issue 17, not in the default steps): `kda profile run --task` on every CUDA
# example solution and on a small top-k router, and one `kda run --backend cuda` of rmsnorm
# from its simple start (cuda_work_split) with a profile in every round; the rounds' findings,
# profile diffs, wiki hits and the built-in writer's reasons go to $OUT/profileloop.tgz, a
# summary to $OUT/summary.txt. About 8 minutes (PL_SECONDS, default 560, bounds the whole; each
# part has its own time limit); PL_PARTS="run" / "profiles router" splits it over two calls.
# `phases` (issue 16, not in the default steps): kda eval --profile-phases of topk's cuda_select,
# and the top-k tune (9 variants x 34 public workloads, budget 0.05, hidden check) timed from an
# empty cache, with its phase table, and a plain CUDA-event loop of torch.topk on the same
# shapes; PH_SECONDS (550) bounds it (PH_TUNE_ONLY=1: the tune alone); results in $OUT/summary.txt.
# `order` (issue 16): rmsnorm's CUDA candidate on its public workloads with kept and with fresh
# candidate runners, alternately, to see whether keeping a runner moves any median.
# Prerequisite (on the build machine): scripts/device/bundle.sh, and carry .device.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/device/env.sh
OUT="${OUT:-/tmp/kda-device-out}"
mkdir -p "$OUT"
STEPS="${*:-profile examples repeat redteam}"
EXAMPLES="${EXAMPLES:-$(ls examples)}"
want() { case " $STEPS " in *" $1 "*) return 0;; esac; return 1; }
log() { echo "== $*" | tee -a "$OUT/summary.txt"; }
{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv; nvcc --version | tail -1; uname -r; date -u; } 2>&1 | tee -a "$OUT/summary.txt"
work=/tmp/kda-work; rm -rf "$work"; mkdir -p "$work/logs"; L="$work/logs"

if want profile; then
  log "profile (Nsight Compute): each example's CUDA candidate through kda profile run --task"
  for ex in $EXAMPLES; do
    for sol in examples/$ex/solutions/cuda*; do
      [ -d "$sol" ] || continue
      s=$(basename "$sol"); d="$OUT/prof/${ex}__$s"
      timeout 150 bash scripts/profile-on-device.sh "$d" --example "$ex" "$s" > "$L/profile_$ex.log" 2>&1
      echo "profile $ex/$s rc=$?" | tee -a "$OUT/summary.txt"
      head -40 "$d/diagnosis.md" 2>/dev/null | tee -a "$OUT/summary.txt"
      rm -f "$d/report.ncu-rep"; rm -rf "$d/target"
    done
  done
  cp "$L"/profile_*.log "$OUT/prof/" 2>/dev/null
  tar -czf "$OUT/prof.tgz" -C "$OUT" prof 2>/dev/null; rm -rf "$OUT/prof"
fi
want examples && for ex in $EXAMPLES; do
  [ -f "examples/$ex/definition.json" ] || continue
  [ -d "examples/$ex/baseline/cuda" ] || continue
  log "example $ex"
  kda init "$work/$ex" --example "$ex" > /dev/null
  kda eval "$work/$ex" --backend cuda --arch sm_90 --workloads all --budget "${EX_BUDGET:-1}" --json \
      > "$L/traces_$ex.jsonl" 2> "$L/eval_$ex.log"
  echo "kda eval rc=$?" >> "$OUT/summary.txt"
  cat "$L/traces_$ex.jsonl" >> "$OUT/traces.jsonl"
  python3 - "$L/traces_$ex.jsonl" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line); e = t["evaluation"]; p = e.get("performance") or {}; k = t["kda"]
    kp = k.get("performance") or {}
    print(f'{t["solution"]:28s} {t["workload"]["uuid"]:32s} {e["status"]:20s} '
          f'lat={p.get("latency_ms",0):.4f}ms base={kp.get("baseline_latency_ms",0):.4f}ms '
          f'x{kp.get("baseline_speedup_factor",0):.2f} roof={100*kp.get("fraction_of_roofline",0):.0f}% {k.get("reason_code","")}')
PY
done

if want repeat; then
# The spread of the median over 5 fresh kda eval processes of one solution: vector_add cuda_vec4
# on N=REP_N, and every other example's CUDA candidate on its largest public workload.
REP_N="${REP_N:-33554432}"
log "repeatability: 5 evaluations each, budget ${REP_BUDGET:=1} s; vector_add on N=$REP_N ($((REP_N * 12 / 1000000)) MB per call)"
for ex in $EXAMPLES; do
  [ -d "examples/$ex/baseline/cuda" ] || continue
  sol=$(ls -d examples/$ex/solutions/cuda* | head -1); sol=$(basename "$sol")
  rep="$work/rep_$ex"; kda init "$rep" --example "$ex" > /dev/null
  python3 - "$rep/workloads.jsonl" "$REP_N" "$ex" <<'PY'
import json, math, sys
path, n, ex = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(path) if l.strip()]
if ex == "vector_add":
    keep = {"definition": "vector_add", "solution": None, "evaluation": None,
            "workload": {"uuid": "rep", "axes": {"N": n}, "inputs": {}, "kda": {"split": "public"}}}
else:
    pub = [r for r in rows if r["workload"]["kda"]["split"] == "public"]
    keep = max(pub, key=lambda r: math.prod(r["workload"]["axes"].values()))
open(path, "w").write(json.dumps(keep) + "\n")
PY
  t0=$SECONDS
  for i in 1 2 3 4 5; do
    kda eval "$rep" "$rep/solutions/$sol" --backend cuda --arch sm_90 --budget "$REP_BUDGET" --json 2>>"$L/rep.log"
  done > "$OUT/repeat_$ex.jsonl"
  echo "$ex: 5 evaluations in $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
  python3 - "$OUT/repeat_$ex.jsonl" "$ex/$sol" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if '"PASSED"' in l]
m = [r["evaluation"]["performance"]["latency_ms"] for r in rows]
if m:
    k = [r["kda"]["performance"] for r in rows]
    print(sys.argv[2], rows[0]["workload"]["uuid"], "medians_ms", [round(x, 5) for x in m],
          "spread(max-min)/median = %.2f%%" % (100 * (max(m) - min(m)) / statistics.median(m)),
          "samples", [x["samples"] for x in k], "rel_stdev", [round(x["rel_stdev"], 3) for x in k], "iqr_ms", [round(x["iqr_ms"], 5) for x in k], "fraction_of_roofline", [round(x["fraction_of_roofline"], 3) for x in k],
          "speedup_vs_baseline", [round(x["baseline_speedup_factor"], 2) for x in k])
PY
done
fi
cat "${KDA_CACHE_DIR}"/devices/*.json > "$OUT/device_peaks.json" 2>/dev/null

if want noise; then
# Short calls (10-100 us), where the host's launch latency is a large part of an ungated time:
# NOISE_N evaluations of topk cuda_select on four shapes, alternately with the launch gate on
# and off (KDA_LAUNCH_GATE=0), each a fresh kda eval process.
log "noise: ${NOISE_N:=5} evaluations each with and without the launch gate, topk cuda_select"
nz="$work/noise"; kda init "$nz" --example topk > /dev/null
python3 - "$nz/workloads.jsonl" <<'PY'
import json, sys
shapes = [(2, 1536, 768), (128, 1536, 768), (16, 50000, 2048), (512, 4000, 2048)]
rows = [{"definition": "topk", "solution": None, "evaluation": None,
         "workload": {"uuid": f"nz-m{m}-n{n}", "axes": {"M": m, "N": n, "K": k}, "inputs": {"scores": {"type": "random"}},
                      "kda": {"split": "public"}}} for m, n, k in shapes]
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
for i in $(seq "$NOISE_N"); do
  for g in 1 0; do
    KDA_LAUNCH_GATE=$g kda eval "$nz" "$nz/solutions/cuda_select" --backend cuda --arch sm_90 --budget "${NOISE_BUDGET:-0.2}" --json 2>>"$L/noise.log" \
      | sed "s/^/gate=$g /"
  done
done > "$OUT/noise.txt"
python3 - "$OUT/noise.txt" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys, statistics, collections
by = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tag, js = line.split(" ", 1); t = json.loads(js); p = t["evaluation"].get("performance") or {}
    if p: by[(t["workload"]["uuid"], tag)].append(p["latency_ms"])
for (w, tag), m in sorted(by.items()):
    print(f"{w:20s} {tag}  medians_ms {[round(x, 4) for x in m]}  spread {100 * (max(m) - min(m)) / statistics.median(m):.1f} %")
PY
fi

if want redteam; then
log "CUDA red team"
rt="$work/rt"; kda init "$rt" --example vector_add > /dev/null
python3 - "$rt/workloads.jsonl" <<'PY'
import json, sys
rows = [{"definition": "vector_add", "solution": None, "evaluation": None,
         "workload": {"uuid": f"rt-{n}", "axes": {"N": n}, "inputs": {}, "kda": {"split": "public"}}} for n in (4097, 1 << 20)]
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
for c in tests/redteam/cuda_*; do
  kda eval "$rt" "$c" --backend cuda --arch sm_90 --budget 0.2 --timeout 5 --json 2>>"$L/redteam.log" \
    | python3 -c 'import json,sys; [print(sys.argv[1], json.loads(l)["evaluation"]["status"], json.loads(l)["kda"]["reason_code"]) for l in sys.stdin]' "$(basename $c)" \
    | tee -a "$OUT/summary.txt"
done
log "without the sandbox, a patched clock is caught by the judge's wall clock (CPU backend)"
kda eval "$rt" tests/redteam/patch_clock --backend cpu --no-sandbox --budget 0.2 --json 2>>"$L/redteam.log" \
  | python3 -c 'import json,sys; [print("patch_clock --no-sandbox", json.loads(l)["evaluation"]["status"], json.loads(l)["kda"]["reason_code"]) for l in sys.stdin]' \
  | tee -a "$OUT/summary.txt"
fi
if want streams; then
# The stream red team (issue 14 §2): each candidate beside the honest kernel (cuda_plain) on
# tiny to large vector_add shapes, timed by CUPTI and, to show what the fallback timer does,
# with KDA_CUPTI=0. Latency ratios against cuda_plain of the same timer.
log "stream red team: CUPTI timer and the events+wall-bound fallback"
st="$work/streams"; kda init "$st" --example vector_add > /dev/null
python3 - "$st/workloads.jsonl" <<'PY'
import json, sys
rows = [{"definition": "vector_add", "solution": None, "evaluation": None,
         "workload": {"uuid": f"st-{n}", "axes": {"N": n}, "inputs": {}, "kda": {"split": "public"}}} for n in (1, 4097, 1 << 20, 1 << 24)]
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
all="cuda_plain cuda_fork_join cuda_private_stream cuda_legacy_stream cuda_pad_timed_stream cuda_host_thread_launch cuda_deferred_release cuda_batch_detect"
for timer in 1 0; do
  # The fallback's row is for the record (docs/evaluator.md): the tricks it is weakest against.
  [ "$timer" = 1 ] && cands="$all" || cands="${ST_FALLBACK:-cuda_plain cuda_fork_join cuda_private_stream cuda_legacy_stream cuda_batch_detect}"
  for c in $cands; do
    KDA_CUPTI=$timer kda eval "$st" "tests/redteam/$c" --backend cuda --arch sm_90 --budget "${ST_BUDGET:-0.5}" --timeout 5 --json 2>>"$L/streams.log" \
      | sed "s/^/cupti=$timer $c /"
  done
done > "$OUT/streams.txt"
python3 - "$OUT/streams.txt" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
rows = {}
for line in open(sys.argv[1]):
    timer, cand, js = line.split(" ", 2); t = json.loads(js); e = t["evaluation"]
    rows[(timer, cand, t["workload"]["uuid"])] = (e["status"], (e.get("performance") or {}).get("latency_ms"), t["kda"]["reason_code"], t["kda"]["environment"].get("timer"))
for (timer, cand, w), (st, lat, rc, tk) in sorted(rows.items()):
    base = rows.get((timer, "cuda_plain", w), (None, None))[1]
    ratio = f"{lat / base:.3f}" if lat and base else "-"
    print(f"{timer:8s} {tk or '?':18s} {cand:26s} {w:12s} {st:20s} {rc:24s} lat={lat} ratio_to_plain={ratio}")
PY
fi
if want profileloop; then
PL="$OUT/profileloop"; mkdir -p "$PL"; t0=$SECONDS
# The loop's wiki hits come from this checkout's wiki (the binary's own path is the build machine's).
export KDA_WIKI="${KDA_WIKI:-$PWD/wiki}"
# The loop profiles when it finds ncu: on PATH, or where the toolkit keeps it.
[ -z "${KDA_NCU:-}" ] && ! command -v ncu > /dev/null && [ -x /usr/local/cuda/bin/ncu ] && export KDA_NCU=/usr/local/cuda/bin/ncu
{ "${KDA_NCU:-ncu}" --version | tail -1; } 2>&1 | tee -a "$OUT/summary.txt"
left() { echo $(( ${PL_SECONDS:-560} - (SECONDS - t0) )); }
# PL_PARTS picks the parts (default all three), to split the mode over two device calls.
part() { case " ${PL_PARTS:-run profiles router} " in *" $1 "*) return 0;; esac; return 1; }
if part run; then
log "profileloop: kda run --backend cuda from rmsnorm's simple start, a profile in every round"
lt="$work/pl_rmsnorm"; kda init "$lt" --example rmsnorm > /dev/null
run="$work/pl_run"
timeout "${PL_RUN_SECONDS:-230}" kda run "$lt" --backend cuda --arch sm_90 --accept-plan --budget "${PL_BUDGET:-0.1}" \
    --start "$lt/solutions/cuda_work_split" --run-dir "$run" --wall-time "${PL_WALL:-190}" --profile-timeout 90 \
    > "$PL/run.stdout" 2> "$PL/run.stderr"
echo "kda run rc=$? in $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
if [ -d "$run" ]; then
  kda status "$run" --json > "$PL/status.json" 2>&1; kda audit verify "$run" >> "$PL/status.json" 2>&1
  cp "$run"/candidates.jsonl "$run"/lessons.md "$run"/state.md "$run"/plan.md "$PL/" 2>/dev/null
  mkdir -p "$PL/rounds"
  ( cd "$run" && find rounds -maxdepth 3 \( -name 'writer_context.json' -o -name 'writer_summary.md' -o -name 'writer_reasons.json' \
      -o -name 'profile.json' -o -name 'checks.json' -o -name 'review.json' -o -name 'claims.json' \) -print0 \
      | xargs -0 -I{} cp --parents {} "$PL/" )
  ( cd "$run" && find rounds -path '*/profile/*' \( -name 'diagnosis.md' -o -name 'diagnosis.json' -o -name 'diff.md' -o -name 'diff.json' -o -name 'ncu.log' \) -print0 \
      | xargs -0 -I{} cp --parents {} "$PL/" )
  ( cd "$run" && find rounds -name evidence.json -print0 | xargs -0 -I{} cp --parents {} "$PL/" )
  python3 - "$run" <<'PY' | tee -a "$OUT/summary.txt"
import glob, json, os, sys
run = sys.argv[1]
for d in sorted(glob.glob(f"{run}/rounds/*/*"), key=lambda p: (p.split("/")[-2], int(p.split("/")[-1]))):
    r = d.split("/rounds/")[1]
    ctx = json.load(open(f"{d}/writer_context.json")) if os.path.exists(f"{d}/writer_context.json") else {}
    prof = json.load(open(f"{d}/profile.json")) if os.path.exists(f"{d}/profile.json") else {}
    chk = json.load(open(f"{d}/checks.json")) if os.path.exists(f"{d}/checks.json") else {}
    rev = json.load(open(f"{d}/review.json")) if os.path.exists(f"{d}/review.json") else {}
    summ = open(f"{d}/writer_summary.md").read().strip() if os.path.exists(f"{d}/writer_summary.md") else ""
    print(f"round {r}: writer got {[f['id'] for f in ctx.get('findings', [])][:4]}; wiki {[h['id'] for h in ctx.get('wiki_hits', [])][:4]}")
    print(f"  writer: {summ[:300]}")
    print(f"  hidden geomean {chk.get('geomean_speedup_hidden', 0):.3f}x all_passed {chk.get('all_passed_hidden')}; verdict {rev.get('verdict')}")
    print(f"  profile {prof.get('status')} {prof.get('why', '')[:200]} on {prof.get('workload')} in {prof.get('seconds', 0):.1f} s; "
          f"kernels {[(k['kernel'], k.get('duration_ns'), k.get('dram_pct')) for k in prof.get('kernels', [])][:3]}")
    print(f"  findings {[(f['id'], f['severity'], round(f['estimated_speedup'], 1)) for f in prof.get('findings', [])][:5]}")
    diff = prof.get("diff")
    if diff:
        print(f"  diff vs round {diff.get('against_round')}: {[(m['kernel'], round(m['duration_change_pct'], 1), m['findings_resolved'], m['findings_appeared']) for m in diff.get('moved', [])][:3]}")
    else:
        print(f"  diff: {prof.get('diff_note', '-')}")
PY
fi
fi
if part profiles; then
log "profileloop: kda profile run --task on each CUDA example solution"
for ex in $EXAMPLES; do
  for sol in examples/$ex/solutions/cuda*; do
    [ -d "$sol" ] || continue
    [ "$(left)" -gt 60 ] || { echo "profile $ex/$(basename $sol): skipped, time" | tee -a "$OUT/summary.txt"; continue; }
    s=$(basename "$sol"); d="$PL/prof/${ex}__$s"; mkdir -p "$d"
    timeout 90 kda profile run --task "examples/$ex" --solution "$sol" --backend cuda --arch sm_90 --calls 1 -c 20 \
        --clock-control-none --out "$d" > "$d/diagnosis.stdout.md" 2> "$d/stderr.txt"
    rc=$?; rm -rf "$d/report.ncu-rep" "$d/target"
    echo "profile $ex/$s rc=$rc kernels=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["kernels"]), "findings", [f["category"] for k in d["kernels"] for f in k["findings"]][:4], "excluded", d.get("excluded", []), "warnings", len(d.get("warnings", [])))' "$d/diagnosis.json" 2>/dev/null)" | tee -a "$OUT/summary.txt"
  done
done
fi
if part router; then
log "profileloop: a top-k router (small kda tune), then kda profile run --task on it"
if [ "$(left)" -gt 150 ]; then
  tk="$work/pl_topk"; kda init "$tk" --example topk > /dev/null
  python3 - "$tk" <<'PY'
import json, sys
task = sys.argv[1]
rows = [json.loads(l) for l in open(f"{task}/workloads.jsonl") if l.strip()]
pub = [r for r in rows if r["workload"]["kda"]["split"] == "public"][::6]
hid = [r for r in rows if r["workload"]["kda"]["split"] == "hidden"][::3]
open(f"{task}/workloads.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in pub + hid))
p = f"{task}/solutions/cuda_select/solution.json"; s = json.load(open(p))
s["kda"]["param_space"] = {"ALGO": [1, 2], "BLOCK": [512, 1024]}; json.dump(s, open(p, "w"), indent=1)
PY
  timeout $(( $(left) - 60 )) kda tune "$tk" "$tk/solutions/cuda_select" --backend cuda --arch sm_90 --budget 0.02 --min-samples 3 \
      --hidden-rounds 1 --out "$tk/routers/topk_cuda" --json > "$PL/tune.json" 2> "$PL/tune.err"
  echo "kda tune rc=$? ($(ls "$tk/routers/topk_cuda" 2>/dev/null | tr '\n' ' '))" | tee -a "$OUT/summary.txt"
  if [ -f "$tk/routers/topk_cuda/solution.json" ]; then
    d="$PL/prof/topk__router"; mkdir -p "$d"
    timeout 90 kda profile run --task "$tk" --solution "$tk/routers/topk_cuda" --backend cuda --arch sm_90 --calls 1 -c 20 \
        --clock-control-none --out "$d" > "$d/diagnosis.stdout.md" 2> "$d/stderr.txt"
    rc=$?; rm -rf "$d/report.ncu-rep" "$d/target"
    echo "profile topk/router rc=$rc kernels=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["kernels"]), "findings", [f["category"] for k in d["kernels"] for f in k["findings"]][:4], "excluded", d.get("excluded", []), "warnings", len(d.get("warnings", [])))' "$d/diagnosis.json" 2>/dev/null)" | tee -a "$OUT/summary.txt"
  fi
else
  echo "topk router: skipped, $(left) s left" | tee -a "$OUT/summary.txt"
fi
fi
echo "profileloop: $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
tar -czf "$OUT/profileloop.tgz" -C "$OUT" profileloop && rm -rf "$PL"
fi
if want order; then
# Issue 16: does a candidate runner kept across workloads change the medians? rmsnorm's CUDA
# candidate on its public workloads (the largest after the smaller ones), kept and fresh runners
# alternately, ORDER_RUNS pairs; per workload, each run's median.
OR="$OUT/order"; mkdir -p "$OR"; t0=$SECONDS
log "order: rmsnorm cuda candidate, public workloads, kept (k) and --fresh-runners (f) alternately, budget ${ORDER_BUDGET:=0.5}"
to="$work/order_rms"; kda init "$to" --example rmsnorm > /dev/null
osol=$(ls -d "$to"/solutions/cuda* | head -1)
for i in $(seq 1 "${ORDER_RUNS:-2}"); do
  kda eval "$to" "$osol" --backend cuda --arch sm_90 --budget "$ORDER_BUDGET" --json > "$OR/k$i.jsonl" 2>> "$OR/order.err"
  kda eval "$to" "$osol" --backend cuda --arch sm_90 --budget "$ORDER_BUDGET" --json --fresh-runners > "$OR/f$i.jsonl" 2>> "$OR/order.err"
done
python3 - "$OR" <<'PY' | tee -a "$OUT/summary.txt"
import glob, json, os, statistics, sys
runs = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "[kf]*.jsonl"))):
    for l in open(f):
        t = json.loads(l)
        if t["evaluation"]["status"] != "PASSED": print("not PASSED:", os.path.basename(f), t["workload"]["uuid"], t["evaluation"]["status"]); continue
        runs.setdefault(t["workload"]["uuid"], {}).setdefault(os.path.basename(f)[0], []).append(t["evaluation"]["performance"]["latency_ms"])
ratios = []
for u, r in runs.items():
    k, f = r.get("k", []), r.get("f", [])
    if k and f:
        ratios.append(statistics.median(k) / statistics.median(f))
        print(f"{u:36s} kept {' '.join('%.5f' % x for x in k)}  fresh {' '.join('%.5f' % x for x in f)}  kept/fresh {ratios[-1]:.3f}")
if ratios: print(f"kept/fresh median ratio over {len(ratios)} workloads: min {min(ratios):.3f} max {max(ratios):.3f} geomean {statistics.geometric_mean(ratios):.4f}")
PY
echo "order: $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
tar -czf "$OUT/order.tgz" -C "$OUT" order && rm -rf "$OR"
fi
if want phases; then
# Issue 16: where a measurement's time goes on CUDA, and the top-k sweep against its target
# (9 variants x 34 public workloads, --budget 0.05, hidden check included, from an empty cache,
# builds included: < 240 s; overhead per (variant, workload) beyond the budget <= 0.2 s).
# (a) kda eval --profile-phases of topk's cuda_select over its public workloads; (b) the tune,
# timed, with its phase table. PH_SECONDS (550) bounds the whole; the tune gets what is left.
PH="$OUT/phases"; mkdir -p "$PH"; t0=$SECONDS
left() { echo $(( ${PH_SECONDS:-550} - (SECONDS - t0) )); }
export KDA_CACHE_DIR="$work/phases-cache"; rm -rf "$KDA_CACHE_DIR"  # empty build cache: builds are part of the figure
if [ -z "${PH_TUNE_ONLY:-}" ]; then  # PH_TUNE_ONLY=1: part (b) alone, with all of PH_SECONDS
log "phases (a): kda eval --backend cuda --profile-phases, topk cuda_select, public workloads, budget 0.05"
te="$work/ph_eval"; kda init "$te" --example topk > /dev/null
ts=$(date +%s.%N)
timeout 150 kda eval "$te" "$te/solutions/cuda_select" --backend cuda --arch sm_90 --budget 0.05 --profile-phases --json \
    > "$PH/eval.jsonl" 2> "$PH/eval.err"
rc=$?; te_s=$(python3 -c "import time; print(round(time.time() - $ts, 1))")
echo "kda eval rc=$rc wall=${te_s}s traces=$(wc -l < "$PH/eval.jsonl") passed=$(grep -c '"PASSED"' "$PH/eval.jsonl")" | tee -a "$OUT/summary.txt"
sed -n '/where the time went/,$p' "$PH/eval.err" | tee -a "$OUT/summary.txt"
# Acceptance 4: a plain loop of CUDA-event timing (torch.topk, 5 warm-up and 50 timed calls with
# L2 flushed) on the same shapes, as the floor of what any harness spends per workload.
PYTHONUNBUFFERED=1 timeout 120 python3 scripts/device/torch_topk.py "$te/workloads.jsonl" --split public \
    > "$PH/torch_topk.jsonl" 2> "$PH/torch_topk.err"
python3 - "$PH/torch_topk.jsonl" "$te_s" <<'PY' | tee -a "$OUT/summary.txt"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if rows:
    w = [r["wall_s"] for r in rows]
    print(f"plain loop (torch.topk, CUDA events, 55 calls a shape): {len(rows)} shapes in {sum(w):.1f} s, "
          f"median {statistics.median(w):.3f} s a shape; kda eval of cuda_select: {float(sys.argv[2]) / max(len(rows), 1):.3f} s a workload")
PY
fi
log "phases (b): kda tune topk cuda_select (9 variants x 34 public workloads), budget 0.05, hidden check, empty cache"
tt="$work/ph_tune"; kda init "$tt" --example topk > /dev/null
ts=$(date +%s.%N)
# Each stderr line gets the seconds since the tune started, so that a sweep cut by its limit still
# shows where its time went (the sweep, each hidden round).
{ time timeout $(( $(left) - 10 )) kda tune "$tt" "$tt/solutions/cuda_select" --backend cuda --arch sm_90 --budget 0.05 \
      --profile-phases --json > "$PH/tune.json" \
      2> >(python3 -u -c 'import sys, time
t0 = time.time()
for l in sys.stdin: sys.stdout.write("%7.2f %s" % (time.time() - t0, l))' > "$PH/tune.err"); } 2> "$PH/tune.time"
sleep 1
rc=$?; tt_s=$(python3 -c "import time; print(round(time.time() - $ts, 1))")
echo "kda tune rc=$rc wall=${tt_s}s (target < 240 s); $(tr '\n' ' ' < "$PH/tune.time")" | tee -a "$OUT/summary.txt"
python3 - "$PH/tune.json" "$tt_s" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
try:
    r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception as e:
    print("no tune report:", e); sys.exit(0)
m = r["measurements"]; h = r["hidden"]; n = m["total"]
print("measurements", n, "reused", m["reused"], "variants", len(r["variants"]),
      "built", sum(v["built"] for v in r["variants"]), "dominated", sum(v["dominated"] for v in r["variants"]))
print("hidden: router_passed", h["router_passed"], "regret %.2f%%" % (100 * h["regret"]),
      "speedup_vs_baseline %.2fx" % h["speedup_vs_baseline"])
if n:
    print("wall per measurement %.3f s (budget 0.05 s; the overhead target is <= 0.2 s beyond it)" % (float(sys.argv[2]) / n))
PY
python3 - "$PH/tune.err" <<'PY' | tee -a "$OUT/summary.txt"
import re, sys
last = {}
for l in open(sys.argv[1]):
    m = re.match(r" *([0-9.]+) kda: \[(\d+)/(\d+)\]", l)
    if m: last[int(m.group(3))] = (float(m.group(1)), int(m.group(2)))
for total, (t, i) in sorted(last.items()):
    print(f"progress: measurement {i} of {total} at {t:.1f} s")
PY
sed -n '/where the time went/,$p' "$PH/tune.err" | tee -a "$OUT/summary.txt"
grep -v "kda: \[" "$PH/tune.err" | grep -i "warn\|error\|not build" | head -10 | tee -a "$OUT/summary.txt"
echo "phases: $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
tar -czf "$OUT/phases.tgz" -C "$OUT" phases && rm -rf "$PH"
fi

grep -h "" "$L"/eval_*.log 2>/dev/null | grep -i "warn\|error" | sort | uniq | head -20 | tee -a "$OUT/summary.txt"

tar -czf "$OUT/logs.tgz" -C "$work" logs
echo done
