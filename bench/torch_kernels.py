#!/usr/bin/python3
"""PyTorch CPU baseline for `slak bench kernels --torch FILE`.

Runs the same depthwise shapes as bench/kernel_shapes.ts with F.conv2d(groups=C) (NCHW, stride 1,
'same' padding), forward and forward + dX + dW (autograd.grad w.r.t. input and filter), and
writes JSON (median and min ms per shape) to stdout or --out.

Uses Debian's python3-torch:  /usr/bin/python3 bench/torch_kernels.py --batch 4 --out torch.json
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

# (h, c, kh, kw, target) -- keep in sync with bench/kernel_shapes.ts (ids must match).
SHAPES = [
    (56, 128, 51, 5, True),
    (56, 128, 5, 51, True),
    (56, 128, 31, 31, True),
    (56, 128, 51, 51, False),
    (56, 128, 7, 7, False),
    (28, 249, 49, 5, False),
    (14, 512, 47, 47, False),
    (14, 512, 47, 5, False),
    (7, 1024, 13, 13, False),
    (7, 1024, 13, 5, False),
]


def shape_id(h, c, kh, kw):
    return f"{h}x{h}x{c}-k{kh}x{kw}"


def timed(fn, warmup, rounds):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return samples


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--shapes", default="", help="comma-separated ids or id parts (k51x5, 56x56x128)")
    ap.add_argument("--out", default="", help="write JSON here instead of stdout")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tokens = [t for t in args.shapes.split(",") if t]
    results = []
    for h, c, kh, kw, target in SHAPES:
        sid = shape_id(h, c, kh, kw)
        if tokens and not any(t == sid or t in sid.split("-") for t in tokens):
            continue
        x = torch.rand(args.batch, c, h, h) * 2 - 1
        w = torch.rand(c, 1, kh, kw) * 2 - 1
        dy = torch.rand(args.batch, c, h, h) * 2 - 1
        pad = (kh // 2, kw // 2)

        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, padding=pad, groups=c)

        xg = x.clone().requires_grad_(True)
        wg = w.clone().requires_grad_(True)

        def train():
            y = F.conv2d(xg, wg, padding=pad, groups=c)
            torch.autograd.grad(y, (xg, wg), grad_outputs=dy)

        f = timed(fwd, args.warmup, args.rounds)
        t = timed(train, args.warmup, args.rounds)
        print(f"{sid}: fwd {statistics.median(f):.1f} ms, fwd+bwd {statistics.median(t):.1f} ms",
              file=sys.stderr)
        results.append({
            "id": sid, "target": target,
            "fwd_ms": statistics.median(f), "fwd_min_ms": min(f),
            "train_ms": statistics.median(t), "train_min_ms": min(t),
        })
    out = {
        "torch": torch.__version__, "threads": torch.get_num_threads(), "batch": args.batch,
        "rounds": args.rounds, "layout": "NCHW", "results": results,
    }
    text = json.dumps(out, indent=2)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
