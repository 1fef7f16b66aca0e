# Sourced on the GPU machine: makes the bundled kda usable from the repository root.
export PATH="$PWD/.device/bin:$PATH"
export LD_LIBRARY_PATH="$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export KDA_DLPACK_INCLUDE="$PWD/.device/include"
export KDA_RUNNER="$PWD/.device/bin/kda-runner"
export KDA_EXAMPLES_DIR="$PWD/examples"
export KDA_CACHE_DIR="${KDA_CACHE_DIR:-/tmp/kda-cache}"
