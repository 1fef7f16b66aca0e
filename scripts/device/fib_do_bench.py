"""The Triton solutions of tests/python_solutions timed by triton.testing.do_bench on the shapes of
their definitions' workloads, for the side-by-side with kda's latencies (docs/results.md).

do_bench clears a 256 MB buffer before every timed call (its L2 flush) and reports the median of
CUDA-event times here, so both harnesses time cold-cache calls; kda additionally poisons outputs,
rotates input buffers and counts every stream's GPU work (docs/evaluator.md).

usage: fib_do_bench.py DATASET SOLUTIONS_DIR
"""
import importlib.util
import json
import os
import sys

import torch
import triton

CASES = [("rmsnorm_h2048_triton", "rmsnorm/rmsnorm_h2048"), ("fused_add_rmsnorm_h2048_triton", "rmsnorm/fused_add_rmsnorm_h2048")]
DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def load_kernel(sol_dir):
    sys.path.insert(0, sol_dir)
    params = json.load(open(os.path.join(sol_dir, "solution.json"))).get("kda", {}).get("params", {})
    mod = type(sys)("kda_params")
    mod.__dict__.update(params)
    sys.modules["kda_params"] = mod
    spec = importlib.util.spec_from_file_location("kernel_" + os.path.basename(sol_dir), os.path.join(sol_dir, "kernel.py"))
    kernel = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kernel)
    sys.path.pop(0)
    return kernel.run


def main(dataset, sols):
    print("solution workload shape do_bench_median_ms")
    for sol, defn in CASES:
        d = json.load(open(os.path.join(dataset, "definitions", defn + ".json")))
        run = load_kernel(os.path.join(sols, sol))
        for line in open(os.path.join(dataset, "workloads", defn + ".jsonl")):
            w = json.loads(line)["workload"]
            axes = {k: v["value"] for k, v in d["axes"].items() if v["type"] == "const"}
            axes.update(w["axes"])
            def make(spec):
                shape = [axes[s] if isinstance(s, str) else s for s in spec["shape"]]
                return torch.randn(shape, device="cuda").to(DTYPES[spec["dtype"]])
            args = [make(s) for s in d["inputs"].values()] + [make(s) for s in d["outputs"].values()]
            ms = triton.testing.do_bench(lambda: run(*args), warmup=25, rep=100, return_mode="median")
            shape = "x".join(str(v) for v in args[0].shape)
            print(f"{sol} {w['uuid'][:8]} {shape} {ms:.4f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
