#!/usr/bin/env python3
"""Times one training step (forward, backward, AdamW, masks) of slak_nano and convnext_nano in
PyTorch on the CPU, for the ratio `slak bench train` reports.

The models are written out here from the architecture in shared/spec/slak.md section 1 (ConvNeXt
skeleton; SLaK's decomposed large-kernel module M x N + N x M + N x N, each with BatchNorm; width
factor; layer scale), so no official code is needed. With --official DIR the SLaK model class is
imported from DIR/models/SLaK.py instead (a checkout of the official repository; it needs timm).

Usage:
  python3 bench/torch_train.py [--model slak_nano,convnext_nano] [--batch 8] [--size 64]
                               [--steps 5] [--threads N] [--official DIR] [--json]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

NANO = dict(depths=[2, 2, 6, 2], dims=[32, 64, 128, 256])
MODELS = {
    "slak_nano": dict(NANO, arch="slak", kernels=[15, 13, 7, 3], small=3, width=1.3,
                      sparsity=0.4, classes=10, drop_path=0.1),
    "convnext_nano": dict(NANO, arch="convnext", kernels=[3, 3, 3, 3], small=None, width=1.0,
                          sparsity=0.0, classes=10, drop_path=0.1),
}


class LayerNorm2d(nn.Module):
    """LayerNorm over channels of an NCHW tensor (ConvNeXt's channels_first variant)."""

    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


def drop_path(x, p, training):
    if p == 0.0 or not training:
        return x
    keep = 1 - p
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class ConvBN(nn.Module):
    def __init__(self, c, kh, kw):
        super().__init__()
        self.conv = nn.Conv2d(c, c, (kh, kw), padding=(kh // 2, kw // 2), groups=c, bias=False)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x))


class LargeKernel(nn.Module):
    """Decomposed large kernel: M x N + N x M (+ N x N when N < M), BN after each branch."""

    def __init__(self, c, m, n):
        super().__init__()
        self.LoRA1 = ConvBN(c, m, n)
        self.LoRA2 = ConvBN(c, n, m)
        self.small_conv = ConvBN(c, n, n) if n < m else None

    def forward(self, x):
        y = self.LoRA1(x) + self.LoRA2(x)
        if self.small_conv is not None:
            y = y + self.small_conv(x)
        return y


class Block(nn.Module):
    def __init__(self, c, arch, m, n, dp):
        super().__init__()
        if arch == "slak":
            self.large_kernel = LargeKernel(c, m, n)
        else:
            self.large_kernel = nn.Conv2d(c, c, m, padding=m // 2, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.pwconv1 = nn.Linear(c, 4 * c)
        self.pwconv2 = nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(1e-6 * torch.ones(c))
        self.dp = dp

    def forward(self, x):
        y = self.large_kernel(x).permute(0, 2, 3, 1)
        y = self.pwconv2(F.gelu(self.pwconv1(self.norm(y))))
        y = (self.gamma * y).permute(0, 3, 1, 2)
        return x + drop_path(y, self.dp, self.training)


class Net(nn.Module):
    def __init__(self, cfg, in_ch=3):
        super().__init__()
        dims = [int(d * cfg["width"]) for d in cfg["dims"]]
        self.downsample_layers = nn.ModuleList()
        self.downsample_layers.append(
            nn.Sequential(nn.Conv2d(in_ch, dims[0], 4, stride=4), LayerNorm2d(dims[0])))
        for i in range(3):
            self.downsample_layers.append(
                nn.Sequential(LayerNorm2d(dims[i]), nn.Conv2d(dims[i], dims[i + 1], 2, stride=2)))
        total = sum(cfg["depths"])
        rates = [cfg["drop_path"] * i / (total - 1) for i in range(total)]
        self.stages = nn.ModuleList()
        cur = 0
        for s in range(4):
            self.stages.append(nn.Sequential(*[
                Block(dims[s], cfg["arch"], cfg["kernels"][s], cfg["small"], rates[cur + j])
                for j in range(cfg["depths"][s])
            ]))
            cur += cfg["depths"][s]
        self.norm = nn.LayerNorm(dims[3], eps=1e-6)
        self.head = nn.Linear(dims[3], cfg["classes"])

    def forward(self, x):
        for s in range(4):
            x = self.stages[s](self.downsample_layers[s](x))
        return self.head(self.norm(x.mean([-2, -1])))


def official_model(path, cfg):
    sys.path.insert(0, path)
    from models.SLaK import SLaK  # noqa: E402  (official code, from the user's checkout)
    return SLaK(depths=cfg["depths"], dims=cfg["dims"], kernel_size=cfg["kernels"] + [cfg["small"]],
                width_factor=cfg["width"], Decom=True, bn=True, num_classes=cfg["classes"],
                drop_path_rate=cfg["drop_path"])


def param_groups(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
    return [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}]


def bench(name, args):
    cfg = MODELS[name]
    torch.manual_seed(0)
    model = official_model(args.official, cfg) if (args.official and cfg["arch"] == "slak") \
        else Net(cfg)
    model.train()
    opt = torch.optim.AdamW(param_groups(model), lr=4e-3, betas=(0.9, 0.999), eps=1e-8)
    masks = {}
    if cfg["sparsity"] > 0:
        for n, p in model.named_parameters():
            if p.ndim in (2, 4):
                masks[n] = (torch.rand_like(p) < 1 - cfg["sparsity"]).float()
    params = dict(model.named_parameters())
    crit = nn.CrossEntropyLoss(label_smoothing=0.1)
    x = torch.randn(args.batch, 3, args.size, args.size)
    y = torch.randint(0, cfg["classes"], (args.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for n, m in masks.items():
                params[n].mul_(m)
        return loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    return {"model": name, "batch": args.batch, "size": args.size, "msPerStep": med * 1e3,
            "imgPerSec": args.batch / med, "threads": torch.get_num_threads(),
            "official": bool(args.official and cfg["arch"] == "slak"),
            "torch": torch.__version__}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="slak_nano,convnext_nano")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    ap.add_argument("--official", default=None, help="checkout of VITA-Group/SLaK to import")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads > 0:
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
            print(f"{r['model']:14s} batch {r['batch']} @ {r['size']}px: {r['msPerStep']:.1f} ms/step,"
                  f" {r['imgPerSec']:.1f} img/s ({r['threads']} threads, torch {r['torch']})")


if __name__ == "__main__":
    main()
