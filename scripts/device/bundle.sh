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
for f in .device/bin/*; do
  ldd "$f" | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++.so*|libgcc_s.so*) ;;
      *) cp -L -n "$lib" .device/lib/ ;;
    esac
  done
done
cp -r "$(dirname "$(find /usr/include -name dlpack.h -path '*dlpack/*' | head -1)")" .device/include/
echo "bundled: $(ls .device/bin) + $(ls .device/lib | wc -l) libraries"
