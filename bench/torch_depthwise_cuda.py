#!/usr/bin/env python3
"""PyTorch CUDA baseline for bench/device_check.sh: F.conv2d(groups=C), stride 1, 'same' padding,
fp32, forward, input gradient and filter gradient (autograd, minus the forward), timed with CUDA
events over queued calls, on the same shapes as bench/device_check.ts. JSON to --out, table to
stdout. Needs torch with CUDA; exits 0 with a note when CUDA is missing.
"""
import argparse
import json
import sys

SHAPES = [  # (h, c, kh, kw): keep in sync with SPEED_CASES in bench/device_check.ts
    (56, 128, 51, 5),
    (56, 128, 5, 51),
    (56, 128, 31, 31),
    (56, 128, 51, 51),
    (28, 249, 49, 5),
    (14, 512, 47, 47),
    (7, 1024, 13, 13),
]


def per_call_ms(torch, fn, reps):
    fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("torch not installed: no PyTorch column")
        return 0
    if not torch.cuda.is_available():
        print("torch has no CUDA device: no PyTorch column")
        return 0
    torch.backends.cudnn.benchmark = True
    rows = []
    for h, c, kh, kw in SHAPES:
        x = torch.randn(args.batch, c, h, h, device="cuda")
        w = torch.randn(c, 1, kh, kw, device="cuda")
        dy = torch.randn(args.batch, c, h, h, device="cuda")
        pad = (kh // 2, kw // 2)
        fwd = per_call_ms(torch, lambda: F.conv2d(x, w, padding=pad, groups=c), args.reps)
        xg = x.clone().requires_grad_(True)

        def dx():
            y = F.conv2d(xg, w, padding=pad, groups=c)
            return torch.autograd.grad(y, xg, dy)[0]

        wg = w.clone().requires_grad_(True)

        def dw():
            y = F.conv2d(x, wg, padding=pad, groups=c)
            return torch.autograd.grad(y, wg, dy)[0]

        dx_ms = per_call_ms(torch, dx, args.reps) - fwd
        dw_ms = per_call_ms(torch, dw, args.reps) - fwd
        shape = f"[{args.batch},{h},{h},{c}] {kh}x{kw}"
        rows.append({"shape": shape, "fwd_ms": fwd, "dx_ms": dx_ms, "dw_ms": dw_ms})
        print(f"| {shape} | torch fwd {fwd:.3f} ms | dx {dx_ms:.3f} ms | dW {dw_ms:.3f} ms |"
              " (dx, dW = grad call minus fwd)")
    report = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "rows": rows}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
