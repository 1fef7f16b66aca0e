#!/usr/bin/env bash
# CPU check of examples/topk/solutions/cuda_radix without a GPU (cuda_emu.h says what it covers):
# rewrites the kernel's launch sites and __shared__ declarations for the emulation, builds
# emu_main.cc with g++ and runs it. Usage: [EMU_FLAGS=-DTOP_BITS=13] scripts/topk_emu/run.sh [KERNEL.cu]
# (exit 1 on a failure)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:-$here/../../examples/topk/solutions/cuda_radix/kernel.cu}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/topk-emu.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
python3 - "$src" "$tmp/kernel_emu.inc" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
s = s.replace("#include <cuda_runtime.h>", "")
# k<<<grid, block, smem, stream>>>(args);  ->  emu_launch(k, grid, block, smem, stream, args);
s, n = re.subn(r"(\w+(?:<\w+>)?)<<<(.*?)>>>\((.*?)\);", r"emu_launch(\1, \2, \3);", s)
assert n >= 3, f"expected 3 launch sites, found {n}"
# __shared__ T x;  ->  T& x = emu_shared<T>(__LINE__);
s, n = re.subn(r"__shared__\s+(\w+)\s+(\w+);", r"\1& \2 = emu_shared<\1>(__LINE__);", s)
assert n >= 4, f"expected 4 shared declarations, found {n}"
s, n = re.subn(r"cudaLaunchCooperativeKernel\(reinterpret_cast<void\*>\((\w+<\w+>)\), (\w+), (dim3\(\w+\)), args, 0, s\)",
               r"emu_coop(\1, \2, \3, a)", s)
assert n == 1, "expected one cooperative launch"
open(sys.argv[2], "w").write(s)
PY
g++ -std=c++20 -O1 -g -pthread -fno-strict-aliasing -Wno-unknown-pragmas ${EMU_FLAGS:-} -I"$here" -DKERNEL_EMU="\"$tmp/kernel_emu.inc\"" \
  -o "$tmp/emu" "$here/emu_main.cc"
"$tmp/emu"
