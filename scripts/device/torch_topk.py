#!/usr/bin/env python3
"""Times torch.topk on the GPU for each workload of a topk workloads.jsonl, as a yardstick for the
kda example's CUDA candidates (examples/topk). Run on the H100 machine (PyTorch present):

    python3 scripts/device/torch_topk.py examples/topk/workloads.jsonl [--split public|hidden]

Scores are torch.randn(M, N) like kda's inputs. Each workload: warm-up calls, then the median of
--iters calls timed with CUDA events, L2 flushed before each call (a write of twice the L2 size)
so that the scores come from HBM as they would in the attention step. Prints one JSON line per
workload: {"uuid", "M", "N", "K", "torch_topk_ms", "wall_s"}; wall_s is the whole of that workload's
measurement (inputs, warm-up, timed calls), the floor of what any harness spends per workload.
"""
import argparse
import json
import statistics
import time

import torch


def workloads(path, split):
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            w = json.loads(line)
            w = w.get("workload", w)  # a flashinfer-bench line wraps the workload
            if split and (w.get("kda") or {}).get("split", "public") != split:
                continue
            yield w


def time_topk(m, n, k, iters, warmup, flush):
    scores = torch.randn(m, n, device="cuda")
    for _ in range(warmup):
        torch.topk(scores, k, dim=1)
    times = []
    for _ in range(iters):
        flush.add_(1)  # evicts the scores (and everything else) from L2
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        torch.topk(scores, k, dim=1)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workloads", help="a topk workloads.jsonl")
    ap.add_argument("--split", choices=["public", "hidden"], help="only this split (default: all)")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    l2 = torch.cuda.get_device_properties(0).L2_cache_size or (50 << 20)
    flush = torch.empty(2 * l2 // 4, dtype=torch.float32, device="cuda")
    for w in workloads(args.workloads, args.split):
        axes = w["axes"]
        m, n, k = int(axes["M"]), int(axes["N"]), int(axes["K"])
        t0 = time.perf_counter()
        ms = time_topk(m, n, k, args.iters, args.warmup, flush)
        wall = time.perf_counter() - t0
        print(json.dumps({"uuid": w["uuid"], "M": m, "N": n, "K": k, "torch_topk_ms": round(ms, 5),
                          "wall_s": round(wall, 4)}), flush=True)


if __name__ == "__main__":
    main()
