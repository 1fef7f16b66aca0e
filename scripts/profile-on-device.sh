#!/usr/bin/env bash
# Profiles a CUDA command on a GPU machine with Nsight Compute and writes, into OUTDIR, the report
# (report.ncu-rep), the exported CSV pages (details, raw, raw_instances, source_<kernel>,
# source_ptx_<kernel>), ncu.log and the diagnosis (diagnosis.md, diagnosis.json).
#
#   scripts/profile-on-device.sh OUTDIR -- COMMAND [ARGS...]     profile any CUDA program
#   scripts/profile-on-device.sh OUTDIR --example                the example CUDA candidate
#                                                                 (kda eval examples/vector_add)
#   scripts/profile-on-device.sh OUTDIR --fixtures               rebuild the H100 fixture report
#                                                                 from ../shared/fixtures/ncu/h100
#
# Uses `kda profile run` (from .device/bin after scripts/device/bundle.sh, or build/bin), which
# wraps ncu --set full --import-source yes. Set CLOCK_CONTROL=none where clocks cannot be locked
# (the default here, as for the shared fixtures); KDA_NCU=/path/to/ncu when ncu is not on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: profile-on-device.sh OUTDIR (-- COMMAND... | --example | --fixtures)}
shift
mode=${1:?give -- COMMAND, --example or --fixtures}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -d "$root/.device/bin" ]; then
  export PATH="$root/.device/bin:$PATH" LD_LIBRARY_PATH="$root/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
kda=$(command -v kda || true)
[ -z "$kda" ] && [ -x "$root/build/bin/kda" ] && kda="$root/build/bin/kda"
[ -z "$kda" ] && { echo "profile-on-device: no kda binary (run scripts/device/bundle.sh or build first)" >&2; exit 6; }
clock=()
[ "${CLOCK_CONTROL:-none}" = none ] && clock=(--clock-control-none)

{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader || true
  "${KDA_NCU:-ncu}" --version | tail -1 || true; date -u +%FT%TZ; } > "$out/machine.txt" 2>&1

case "$mode" in
  --)
    "$kda" profile run --out "$out" "${clock[@]}" -- "$@" > "$out/diagnosis.stdout.md"
    ;;
  --example)
    # The evaluator runs the candidate in kda-runner, a child process; ncu follows children.
    (cd "$root" && . scripts/device/env.sh 2>/dev/null || true
     # -k: the candidate's kernels only; -c: a few launches (each costs ~40 replay passes).
     "$kda" profile run --out "$out" "${clock[@]}" -k 'add_vec4|add_tail' -c 3 -- \
       "$kda" eval examples/vector_add examples/vector_add/solutions/cuda_vec4 --backend cuda \
       --arch sm_90 --no-sandbox --budget 0.1 --min-samples 1) \
       > "$out/diagnosis.stdout.md"
    ;;
  --fixtures)
    # Like ../shared/fixtures/ncu/regenerate.sh, from a neutral directory (no local paths in the
    # report), plus per-instance PM samples for every kernel (timeline strips for all).
    w=$(mktemp -d /tmp/kdafix.XXXX); cp "$root/../shared/fixtures/ncu/h100/kernels.cu" "$w/"
    (cd "$w" && nvcc -O3 -lineinfo -arch=sm_90 -o kernels kernels.cu)
    (cd "$w" && "$kda" profile run --out "$out" "${clock[@]}" -- ./kernels) > "$out/diagnosis.stdout.md"
    ;;
  *) echo "profile-on-device: unknown mode '$mode'" >&2; exit 2 ;;
esac
echo "profile-on-device: $(ls "$out" | wc -l) files in $out; diagnosis in $out/diagnosis.md"
