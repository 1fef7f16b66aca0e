#!/usr/bin/env bash
# Profiles a CUDA command on a GPU machine with Nsight Compute and writes, into OUTDIR, the report
# (report.ncu-rep), the exported CSV pages (details, raw, raw_instances, source_<kernel>,
# source_ptx_<kernel>), ncu.log and the diagnosis (diagnosis.md, diagnosis.json).
#
#   scripts/profile-on-device.sh OUTDIR -- COMMAND [ARGS...]     profile any CUDA program
#   scripts/profile-on-device.sh OUTDIR --example [EX SOL]       an example's CUDA candidate
#                                                                 (default vector_add cuda_vec4)
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
    # The candidate alone: kda builds it, records the requests for its largest public workload,
    # and ncu wraps one kda-runner that answers them (no judge, no other processes).
    ex=${1:-vector_add}; sol=${2:-cuda_vec4}
    "$kda" profile run --out "$out" "${clock[@]}" --task "$root/examples/$ex" \
      --solution "$root/examples/$ex/solutions/$sol" --arch sm_90 --calls 2 \
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
