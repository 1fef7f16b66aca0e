#!/usr/bin/env bash
# Compiles every example and red-team source with the flags kda's build uses:
#   cpp:  g++ -O3 -march=native -fopenmp -shared -fPIC
#   cuda: nvcc -O3 -arch=sm_90 -shared -Xcompiler -fPIC   (skipped when nvcc is absent)
#   hip:  hipcc -std=c++17 -O3 --offload-arch=T -shared -fPIC, for every CDNA target T of
#         HIP_ARCHS (default gfx942 gfx950 gfx90a) that this hipcc can compile at all (a probe
#         kernel says which; Debian 12's ROCm 5.2 / clang 15 knows only gfx90a), all in one build
#         (skipped when hipcc is absent; it fails when hipcc compiles for none of them)
# Red-team candidates that exist to fail their build (compile_error, build_include_secret,
# invalid_utf8_diagnostics) must FAIL to compile; everything else must compile.
# Each solution directory's "kda.params" are not applied here (defaults in the sources are used).
# Usage: scripts/check-examples-compile.sh [ROOT]   (ROOT defaults to the repository root)
set -u
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/kda-compile-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

nvcc_bin="${NVCC:-}"
if [[ -z "$nvcc_bin" ]]; then
  if command -v nvcc >/dev/null 2>&1; then nvcc_bin="$(command -v nvcc)"
  elif [[ -x /usr/local/cuda/bin/nvcc ]]; then nvcc_bin=/usr/local/cuda/bin/nvcc
  fi
fi
[[ -n "$nvcc_bin" ]] || echo "check-examples-compile: nvcc not found, CUDA sources are skipped"

hipcc_bin="${HIPCC:-$(command -v hipcc 2>/dev/null || true)}"
hip_offload=()
if [[ -n "$hipcc_bin" ]]; then
  printf '#include <hip/hip_runtime.h>\n__global__ void k(float* p) { p[threadIdx.x] = 1.0f; }\n' > "$tmp/probe.hip"
  for a in ${HIP_ARCHS:-gfx942 gfx950 gfx90a}; do
    if "$hipcc_bin" --offload-arch="$a" -c -o "$tmp/probe.o" "$tmp/probe.hip" >/dev/null 2>&1; then hip_offload+=("--offload-arch=$a")
    else echo "check-examples-compile: $hipcc_bin cannot compile for $a (left out)"; fi
  done
  if [[ ${#hip_offload[@]} -eq 0 ]]; then echo "FAIL: $hipcc_bin compiles for none of ${HIP_ARCHS:-gfx942 gfx950 gfx90a}"; exit 1; fi
  echo "check-examples-compile: HIP sources for ${hip_offload[*]#--offload-arch=}"
else
  echo "check-examples-compile: hipcc not found, HIP sources are skipped"
fi

fail=0; ok=0; skipped=0; i=0
check() {  # check FILE EXPECT(ok|fail)
  local src="$1" expect="$2" out log rc
  i=$((i + 1)); out="$tmp/lib$i.so"; log="$tmp/log$i.txt"
  case "$src" in
    *.cc|*.cpp) g++ -std=c++17 -O3 -march=native -fopenmp -shared -fPIC -o "$out" "$src" >"$log" 2>&1; rc=$? ;;
    *.cu)
      if [[ -z "$nvcc_bin" ]]; then skipped=$((skipped + 1)); return; fi
      "$nvcc_bin" -O3 -arch=sm_90 -shared -Xcompiler -fPIC -I/usr/include -o "$out" "$src" >"$log" 2>&1; rc=$? ;;
    *.hip)
      if [[ -z "$hipcc_bin" ]]; then skipped=$((skipped + 1)); return; fi
      "$hipcc_bin" -std=c++17 -O3 "${hip_offload[@]}" -shared -fPIC -o "$out" "$src" >"$log" 2>&1; rc=$? ;;
    *) return ;;
  esac
  if [[ "$expect" == ok && $rc -ne 0 ]]; then
    echo "FAIL (does not compile): ${src#$root/}"; sed 's/^/    /' "$log" | head -30; fail=$((fail + 1))
  elif [[ "$expect" == fail && $rc -eq 0 ]]; then
    echo "FAIL (compiles but must not): ${src#$root/}"; fail=$((fail + 1))
  elif [[ "$expect" == ok ]] && ! nm -D --defined-only "$out" 2>/dev/null | grep -qw kda_entry; then
    echo "FAIL (no exported kda_entry): ${src#$root/}"; fail=$((fail + 1))
  else
    ok=$((ok + 1))
  fi
}

while IFS= read -r -d '' f; do
  case "$f" in
    */tests/redteam/compile_error/*) check "$f" fail ;;
    */tests/redteam/build_include_secret/*) check "$f" fail ;;
    */tests/redteam/invalid_utf8_diagnostics/*) check "$f" fail ;;
    *) check "$f" ok ;;
  esac
done < <(find "$root/examples" "$root/tests/redteam" -type f \( -name '*.cc' -o -name '*.cpp' -o -name '*.cu' -o -name '*.hip' \) -print0 | sort -z)

echo "check-examples-compile: $ok ok, $fail failed, $skipped skipped (no nvcc or no hipcc)"
[[ $fail -eq 0 ]]
