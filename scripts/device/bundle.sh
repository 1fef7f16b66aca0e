#!/usr/bin/env bash
# Packs what a lent GPU machine needs to run this kda build without its package registries:
# the kda and kda-runner binaries, the shared libraries they load that are not part of a base
# system, and the DLPack header for candidate builds. Output: .device/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
rm -rf .device && mkdir -p .device/bin .device/lib .device/include
cp "$build/bin/kda" "$build/bin/kda-runner" .device/bin/
strip .device/bin/kda .device/bin/kda-runner
# The Python runner (tools/runner/python_runner.cmake): the runner as a library plus its scripts.
if [ -f "$build/bin/libkda-pyrunner.so" ]; then
  cp "$build/bin/libkda-pyrunner.so" "$build/bin/kda_pyrunner.py" "$build/bin/kda_torch_build.py" .device/bin/
  strip .device/bin/libkda-pyrunner.so
fi
for f in .device/bin/kda .device/bin/kda-runner .device/bin/*.so; do
  [ -f "$f" ] || continue
  ldd "$f" | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++.so*|libgcc_s.so*) ;;
      *) cp -L -n "$lib" .device/lib/ ;;
    esac
  done
done
# libcupti is opened at run time (the CUDA runner's timer, tools/runner/cupti_timer.h), so ldd
# does not list it.
cupti=$(find -L /usr/local/cuda /usr/local/cuda-* -name 'libcupti.so.[0-9]*' 2>/dev/null | head -1 || true)
if [ -n "$cupti" ]; then cp -L -n "$cupti" .device/lib/; else echo "bundle: no libcupti found (the runner will use its fallback timer)"; fi
cp -r "$(dirname "$(find /usr/include -name dlpack.h -path '*dlpack/*' | head -1)")" .device/include/
echo "bundled: $(ls .device/bin) + $(ls .device/lib | wc -l) libraries"
