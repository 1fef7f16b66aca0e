#!/usr/bin/env python3
"""Checks trace files (JSON lines) with flashinfer-bench's own pydantic Trace model.

usage: fib_check_traces.py FLASHINFER_BENCH_SRC TRACES.jsonl...

FLASHINFER_BENCH_SRC is a checkout of flashinfer-bench (the directory holding flashinfer_bench/).
Only its data schema modules are loaded (the package's __init__ imports torch and its agents),
so this runs wherever pydantic 2 is installed, GPU or not. Exit 1 when any line is invalid.
"""
import importlib
import sys
import types


def main(src, paths):
    for name, sub in [("flashinfer_bench", ""), ("flashinfer_bench.data", "data")]:
        module = types.ModuleType(name)
        module.__path__ = [src + "/flashinfer_bench/" + sub]
        sys.modules[name] = module
    trace_model = importlib.import_module("flashinfer_bench.data.trace").Trace
    ok = bad = 0
    for path in paths:
        for number, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            try:
                trace_model.model_validate_json(line)
                ok += 1
            except Exception as e:  # pydantic's ValidationError, or JSON that does not parse
                bad += 1
                print("%s:%d: %s" % (path, number, str(e)[:400]))
    print("flashinfer-bench Trace model: %d valid, %d invalid" % (ok, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
