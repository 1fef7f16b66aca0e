"""Builds a torch-bound C++/CUDA solution into an extension module (docs/evaluator.md, "The
Python runner"). kda runs this inside the build confinement: it may read the system, the
interpreter's tree and the sources, and write only --out.

  kda_torch_build.py --sources DIR --out DIR --name MODULE --cuda 0|1 [--file PATH]... [--flag F]...

On success --out holds MODULE.so, importable as MODULE; the solution's sources name it
TORCH_EXTENSION_NAME in their PYBIND11_MODULE (or TORCH_LIBRARY) block, as torch's loader expects.
"""

import argparse
import glob
import os
import shutil
import sys

SOURCE_SUFFIXES = (".cu", ".cpp", ".cc", ".cxx", ".c")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--cuda", default="0")
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--flag", action="append", default=[])
    a = ap.parse_args()
    units = [os.path.join(a.sources, f) for f in a.file if f.endswith(SOURCE_SUFFIXES)]
    if not units:
        sys.stderr.write("error: the solution has no C++ or CUDA translation unit (%s)\n" % ", ".join(SOURCE_SUFFIXES))
        return 1
    try:
        from torch.utils import cpp_extension
    except ImportError as exc:
        sys.stderr.write("error: this python3 cannot import torch (%s)\n" % exc)
        return 1
    build_dir = os.path.join(a.out, "build")
    os.makedirs(build_dir, exist_ok=True)
    with_cuda = a.cuda == "1"
    # is_python_module=False: the module is built but not imported here; kda imports it in the
    # runner, where its initialisers are candidate code under the runner's confinement.
    cpp_extension.load(name=a.name, sources=units, extra_include_paths=[a.sources], build_directory=build_dir,
                       with_cuda=with_cuda, extra_cflags=["-O3"] + a.flag,
                       extra_cuda_cflags=(["-O3"] + a.flag) if with_cuda else None, verbose=True,
                       is_python_module=False)
    built = glob.glob(os.path.join(build_dir, a.name + "*.so"))
    if not built:
        sys.stderr.write("error: the build produced no %s.so\n" % a.name)
        return 1
    shutil.copyfile(built[0], os.path.join(a.out, a.name + ".so"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
