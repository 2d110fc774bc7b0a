#!/usr/bin/env python3
"""Eval-mode img/s of SLaK-T / ConvNeXt-T in PyTorch on the CPU, the baseline `slak bench infer
--torch` prints next to ours. The model classes are those of bench/torch_train.py (written from
shared/spec/slak.md, no official code needed): SLaK-T = depths 3-3-9-3, dims 96..768 x 1.3,
kernels 51-49-47-13 decomposed with short edge 5 and BN, 1000 classes.

Usage: python3 bench/torch_infer.py [--model slak_tiny,convnext_tiny] [--batch 1] [--size 224]
                                    [--steps 5] [--threads N] [--json]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_train import Net  # noqa: E402

TINY = dict(depths=[3, 3, 9, 3], dims=[96, 192, 384, 768], classes=1000, drop_path=0.0)
MODELS = {
    "slak_tiny": dict(TINY, arch="slak", kernels=[51, 49, 47, 13], small=5, width=1.3,
                      sparsity=0.4),
    "convnext_tiny": dict(TINY, arch="convnext", kernels=[7, 7, 7, 7], small=None, width=1.0,
                          sparsity=0.0),
}


def bench(name, args):
    torch.manual_seed(0)
    model = Net(MODELS[name]).eval()
    x = torch.randn(args.batch, 3, args.size, args.size)
    with torch.inference_mode():
        for _ in range(args.warmup):
            model(x)
        times = []
        for _ in range(args.steps):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    return {"model": name, "batch": args.batch, "size": args.size, "msPerBatch": med * 1e3,
            "imgPerSec": args.batch / med, "threads": torch.get_num_threads(),
            "torch": torch.__version__}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="slak_tiny,convnext_tiny")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.model.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model {name!r}; valid: {', '.join(MODELS)}")
        rows.append(bench(name, args))
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['model']:14s} batch {r['batch']} @ {r['size']}px: {r['msPerBatch']:.1f} ms,"
                  f" {r['imgPerSec']:.2f} img/s ({r['threads']} threads, torch {r['torch']})")


if __name__ == "__main__":
    main()
