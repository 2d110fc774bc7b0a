#!/usr/bin/env python3
"""Generate the official-code fidelity fixtures under tests/fixtures/official/.

Runs the *official* SLaK (VITA-Group/SLaK models/SLaK.py) and ConvNeXt
(facebookresearch/ConvNeXt models/convnext.py) PyTorch model code on small,
randomised configurations and writes, per fixture:

  checkpoint.pth     {'model', 'model_ema', 'optimizer', 'scaler', 'epoch', 'args'}
                     (the layout of the official utils.save_model)
  state_dict.pth     bare state_dict, keys prefixed 'module.' (DDP style)
  model.safetensors  the state_dict, written by hand in the safetensors format
  input.npy          float32 NCHW input
  logits.npy         float32 logits of 'model' (float32 forward)
  logits64.npy       float64 logits of 'model' (float64 forward), for reference
  logits_ema.npy     float32 logits of 'model_ema'
  fixture.json       source commit, our model config, shapes, keys, param count

The official code is never committed: pass its location (the model .py file or
the repository folder) on the command line.  Neither timm nor the CUDA
depthwise extension is needed: minimal stand-ins are injected into sys.modules
before the official files are imported (see tools/README.md).

Usage (Debian's python3-torch is enough, no GPU):
  /usr/bin/python3 tools/make_official_fixtures.py \
      --slak-code PATH/TO/SLaK --convnext-code PATH/TO/ConvNeXt \
      --out tests/fixtures/official
"""

import argparse
import copy
import hashlib
import importlib.util
import json
import os
import struct
import subprocess
import sys
import types
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

INPUT_SHAPE = [2, 3, 64, 48]  # non-square on purpose (H != W)
SPARSE_FRACTION = 0.4  # fraction of every 2-D / 4-D weight set exactly to zero
WEIGHT_SCALE = 10.0  # trunc-normal(0.02) weights scaled up so logits are O(1)


# --------------------------------------------------------------------------
# Stand-ins for timm and the MegEngine/cutlass depthwise extension
# --------------------------------------------------------------------------


class DepthWiseConv2dImplicitGEMM(nn.Conv2d):
    """Stand-in for the CUDA large-kernel depthwise conv.

    The MegEngine implicit-GEMM kernel computes a depthwise (groups=channels),
    stride-1 convolution with padding kernel//2 on each axis ('same' for odd
    kernels); the Python wrapper takes only (channels, kernel, bias).
    """

    def __init__(self, channels, kernel, bias=False):
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
        super().__init__(channels, channels, (kh, kw), stride=1,
                         padding=(kh // 2, kw // 2), groups=channels, bias=bias)


def _drop_path(x, drop_prob, training, scale_by_keep=True):
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1.0 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    mask = x.new_empty(shape).bernoulli_(keep_prob)
    if keep_prob > 0.0 and scale_by_keep:
        mask.div_(keep_prob)
    return x * mask


class DropPath(nn.Module):
    """Stochastic depth per sample (identity in eval mode)."""

    def __init__(self, drop_prob=0.0, scale_by_keep=True):
        super().__init__()
        self.drop_prob = drop_prob
        self.scale_by_keep = scale_by_keep

    def forward(self, x):
        return _drop_path(x, self.drop_prob, self.training, self.scale_by_keep)


def _trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    return torch.nn.init.trunc_normal_(tensor, mean=mean, std=std, a=a, b=b)


def install_stand_ins():
    """Put minimal timm / depthwise_conv2d_implicit_gemm modules in sys.modules."""
    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    layers = types.ModuleType("timm.models.layers")
    registry = types.ModuleType("timm.models.registry")
    layers.trunc_normal_ = _trunc_normal_
    layers.DropPath = DropPath
    registry.register_model = lambda fn: fn
    timm.models = models
    models.layers = layers
    models.registry = registry
    dw = types.ModuleType("depthwise_conv2d_implicit_gemm")
    dw.DepthWiseConv2dImplicitGEMM = DepthWiseConv2dImplicitGEMM
    sys.modules.update({
        "timm": timm,
        "timm.models": models,
        "timm.models.layers": layers,
        "timm.models.registry": registry,
        "depthwise_conv2d_implicit_gemm": dw,
    })


# --------------------------------------------------------------------------
# Loading the official code from a path the developer gives
# --------------------------------------------------------------------------


def resolve_model_file(path, rel):
    """Accept either the model .py file or the repository folder."""
    if os.path.isdir(path):
        candidate = os.path.join(path, rel)
        if not os.path.isfile(candidate):
            sys.exit(f"error: {path} is a folder but has no {rel}")
        return candidate
    if not os.path.isfile(path):
        sys.exit(f"error: {path} does not exist (expected the repo folder or {rel})")
    return path


def git_commit(file_path, override):
    if override:
        return override
    folder = os.path.dirname(os.path.abspath(file_path))
    try:  # only trust git when the file is tracked by the enclosing repository
        subprocess.run(["git", "-C", folder, "ls-files", "--error-unmatch", file_path],
                       capture_output=True, check=True)
        out = subprocess.run(["git", "-C", folder, "rev-parse", "HEAD"],
                             capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", folder, "diff", "--quiet", "HEAD", "--", file_path],
                               capture_output=True).returncode != 0
        return out.stdout.strip() + (" (locally modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_module(name, file_path):
    spec = importlib.util.spec_from_file_location(name, file_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --------------------------------------------------------------------------
# Making every parameter and buffer non-trivial
# --------------------------------------------------------------------------


def sparsify_(w, gen):
    """Set exactly round(SPARSE_FRACTION * numel) entries of w to zero."""
    n = w.numel()
    k = int(round(SPARSE_FRACTION * n))
    idx = torch.randperm(n, generator=gen)[:k]
    flat = w.view(-1)
    flat[idx] = 0.0


def randomise_(model, gen):
    """Perturb BN/LN/layer-scale/biases and scale+sparsify weights in place."""
    touched = set()

    def mark(module, names):
        for n in names:
            p = getattr(module, n, None)
            if p is not None:
                touched.add(id(p))

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)  # U(0.5, 1.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)  # U(0.5, 2)
                m.num_batches_tracked.fill_(int(torch.randint(100, 5000, (1,), generator=gen)))
                mark(m, ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
            elif isinstance(m, nn.LayerNorm) or type(m).__name__ == "LayerNorm":
                c = m.weight.shape
                m.weight.copy_(torch.rand(c, generator=gen) * 0.6 + 0.7)  # U(0.7, 1.3)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
                mark(m, ["weight", "bias"])
            elif isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.mul_(WEIGHT_SCALE)
                sparsify_(m.weight, gen)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                mark(m, ["weight", "bias"])
            gamma = getattr(m, "gamma", None)
            if isinstance(gamma, torch.Tensor):
                gamma.copy_(torch.rand(gamma.shape, generator=gen) * 0.8 + 0.2)  # U(0.2, 1)
                touched.add(id(gamma))
    missed = [n for n, t in list(model.named_parameters()) + list(model.named_buffers())
              if id(t) not in touched]
    if missed:
        raise RuntimeError(f"tensors left at their init: {missed}")


def ema_state_dict(model, gen):
    """A second state_dict with the same keys and slightly different values."""
    ema = copy.deepcopy(model)
    with torch.no_grad():
        for t in list(ema.parameters()) + list(ema.buffers()):
            if t.is_floating_point():
                t.mul_(torch.rand(t.shape, generator=gen) * 0.1 + 0.85)  # keeps zeros, var > 0
    return ema, ema.state_dict()


def optimizer_state_dict(model, x):
    """A real AdamW state_dict after one step (on a copy; model is unchanged)."""
    m = copy.deepcopy(model).train()
    decay = [p for p in m.parameters() if p.ndim > 1]
    no_decay = [p for p in m.parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([
        {"params": no_decay, "weight_decay": 0.0},
        {"params": decay, "weight_decay": 0.05},
    ], lr=4e-3, betas=(0.9, 0.999), eps=1e-8)
    loss = m(x).square().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return opt.state_dict()


def ddp_state_dict(model):
    """What model.state_dict() returns for a DistributedDataParallel wrapper."""
    holder = nn.Module()
    holder.module = model
    return holder.state_dict()


# --------------------------------------------------------------------------
# safetensors, written by hand
# --------------------------------------------------------------------------

_ST_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, sd, metadata):
    header = OrderedDict()
    header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for key, t in sd.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
        header[key] = {"dtype": _ST_DTYPES[t.dtype], "shape": list(t.shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)  # pad the header to a multiple of 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def check_safetensors(path, sd):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    base = 8 + n
    np_types = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}
    for key, t in sd.items():
        h = header[key]
        a, b = h["data_offsets"]
        arr = np.frombuffer(buf[base + a:base + b], dtype=np_types[h["dtype"]]).reshape(h["shape"])
        if not np.array_equal(arr, t.numpy()):
            raise RuntimeError(f"safetensors round trip failed for {key}")


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


def fixture_specs():
    common = dict(in_chans=3, num_classes=10, depths=[1, 1, 2, 1], dims=[8, 16, 24, 32],
                  layer_scale_init_value=1e-6, drop_path_rate=0.1, head_init_scale=1.0)
    return [
        dict(name="slak_decomposed", arch="slak", seed=1001,
             kwargs=dict(common, width_factor=1.3, kernel_size=[13, 11, 7, 5, 3],
                         Decom=True, bn=True)),
        dict(name="slak_dense", arch="slak", seed=1002,
             kwargs=dict(common, width_factor=1.3, kernel_size=[13, 11, 7, 5, 3],
                         Decom=False, bn=True)),
        dict(name="slak_nobn", arch="slak", seed=1003,
             kwargs=dict(common, width_factor=1.0, kernel_size=[9, 7, 5, 5, 3],
                         Decom=True, bn=False)),
        dict(name="convnext", arch="convnext", seed=1004, kwargs=dict(common)),
    ]


def our_config(spec):
    kw = spec["kwargs"]
    cfg = {"arch": spec["arch"], "depths": kw["depths"], "dims": kw["dims"]}
    if spec["arch"] == "slak":
        ks = kw["kernel_size"]
        cfg.update(kernelSizes=ks[:4], smallKernel=ks[4],
                   lkMode="decomposed" if kw["Decom"] else "dense", bn=kw["bn"],
                   widthFactor=kw["width_factor"])
    else:
        cfg.update(kernelSizes=[7, 7, 7, 7], smallKernel=None, lkMode="dense", bn=False,
                   widthFactor=1.0)
    cfg.update(sparsity=0, numClasses=kw["num_classes"], inChannels=kw["in_chans"],
               dropPath=kw["drop_path_rate"], layerScaleInit=kw["layer_scale_init_value"],
               headInitScale=kw["head_init_scale"])
    return cfg


def train_args(spec):
    """An argparse.Namespace like the official main.py stores in checkpoints."""
    kw = spec["kwargs"]
    slak = spec["arch"] == "slak"
    return argparse.Namespace(
        model="SLaK_tiny" if slak else "convnext_tiny",
        kernel_size=kw.get("kernel_size", [7, 7, 7, 7, 100]),
        Decom=kw.get("Decom", False), bn=kw.get("bn", True),
        width_factor=kw.get("width_factor", 1.0),
        drop_path=kw["drop_path_rate"], layer_scale_init_value=kw["layer_scale_init_value"],
        head_init_scale=kw["head_init_scale"], nb_classes=kw["num_classes"],
        input_size=INPUT_SHAPE[2], batch_size=INPUT_SHAPE[0], epochs=300, lr=4e-3,
        min_lr=1e-6, weight_decay=0.05, opt="adamw", opt_betas=None, opt_eps=1e-8,
        model_ema=True, model_ema_decay=0.9999, sparse=slak, sparsity=0.4,
        sparse_init="snip", growth="random", prune="magnitude", prune_rate=0.3,
        update_frequency=100, seed=spec["seed"], output_dir="checkpoints/fixture",
        data_set="IMNET", use_amp=False)


def to_json(value, indent=""):
    """JSON with 2-space indent and scalar lists on one line (as `deno fmt` keeps it)."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return "[" + ", ".join(json.dumps(v) for v in value) + "]"
        items = [inner + to_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value)


def forward(model, x):
    with torch.no_grad():
        return model(x)


def rel_err(a, ref):
    return float(np.max(np.abs(a - ref)) / np.max(np.abs(ref)))


def make_fixture(spec, builders, sources, out_root):
    name = spec["name"]
    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(spec["seed"])
    gen = torch.Generator().manual_seed(spec["seed"] + 7)

    model = builders[spec["arch"]](**spec["kwargs"])
    randomise_(model, gen)
    model.eval()
    x = torch.randn(INPUT_SHAPE, generator=gen, dtype=torch.float32)

    logits = forward(model, x)
    logits64 = forward(copy.deepcopy(model).double(), x.double())
    sd = model.state_dict()
    ema_model, sd_ema = ema_state_dict(model, gen)
    logits_ema = forward(ema_model.eval(), x)
    optim_sd = optimizer_state_dict(model, x)
    # the optimizer step ran on a copy: the saved weights still give `logits`
    assert torch.equal(forward(model, x), logits)

    checkpoint = {
        "model": sd,
        "optimizer": optim_sd,
        "epoch": 5,
        "scaler": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                   "growth_interval": 2000, "_growth_tracker": 0},
        "args": train_args(spec),
        "model_ema": sd_ema,
    }
    torch.save(checkpoint, os.path.join(out, "checkpoint.pth"))
    torch.save(ddp_state_dict(model), os.path.join(out, "state_dict.pth"))
    write_safetensors(os.path.join(out, "model.safetensors"), sd,
                      {"format": "pt", "source": sources[spec["arch"]]["label"]})
    np.save(os.path.join(out, "input.npy"), x.numpy().astype("<f4"))
    np.save(os.path.join(out, "logits.npy"), logits.numpy().astype("<f4"))
    np.save(os.path.join(out, "logits64.npy"), logits64.numpy().astype("<f8"))
    np.save(os.path.join(out, "logits_ema.npy"), logits_ema.numpy().astype("<f4"))

    param_count = sum(p.numel() for p in model.parameters())
    maskable = sum(p.numel() for p in model.parameters() if p.ndim in (2, 4))
    zeros = sum(int((p == 0).sum()) for p in model.parameters() if p.ndim in (2, 4))
    f32_vs_f64 = rel_err(logits.numpy().astype(np.float64), logits64.numpy())
    meta = {
        "source": sources[spec["arch"]]["label"],
        "sourceSha256": sources[spec["arch"]]["sha256"],
        "officialKwargs": spec["kwargs"],
        "model": our_config(spec),
        "inputShape": INPUT_SHAPE,
        "outputShape": list(logits.shape),
        "torch": torch.__version__,
        "seed": spec["seed"],
        "paramCount": param_count,
        "maskableParams": maskable,
        "zeroWeights": zeros,
        "float32VsFloat64RelErr": f32_vs_f64,
        "files": {
            "checkpoint.pth": "torch.save of {'model','optimizer','epoch','scaler','args',"
                              "'model_ema'} as the official utils.save_model writes it",
            "state_dict.pth": "bare state_dict, keys prefixed 'module.' (DDP)",
            "model.safetensors": "state_dict, same keys as 'model', PyTorch layouts",
            "input.npy": "float32 NCHW input",
            "logits.npy": "float32 logits of 'model'",
            "logits64.npy": "float64 logits of 'model' (model and input in float64)",
            "logits_ema.npy": "float32 logits of 'model_ema'",
        },
        "notes": (
            "Random weights from the official model code (CPU stand-ins for timm and the "
            "depthwise iGEMM extension, SyncBatchNorm replaced by BatchNorm2d; see tools/README.md). "
            "BN weight~U(0.5,1.5), bias~N(0,0.2), running_mean~N(0,0.2), running_var~U(0.5,2); "
            "LN weight~U(0.7,1.3), bias~N(0,0.1); gamma~U(0.2,1); conv/linear biases~N(0,0.1); "
            f"conv/linear weights = trunc_normal(0.02) x {WEIGHT_SCALE:g} with "
            f"{SPARSE_FRACTION:.0%} of each 2-D/4-D weight exactly zero. model_ema = model "
            "tensors times U(0.85,0.95) elementwise. Eval mode (BN running stats, no drop path)."
        ),
        "keys": {k: list(v.shape) for k, v in sd.items()},
    }
    with open(os.path.join(out, "fixture.json"), "w") as f:
        f.write(to_json(meta) + "\n")

    verify(out, sd, sd_ema, logits, logits_ema, builders[spec["arch"]], spec["kwargs"], x)
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"{name}: params {param_count} (maskable {maskable}, zeros {zeros}), "
          f"{len(sd)} keys, logits |max| {float(logits.abs().max()):.3f}, "
          f"f32 vs f64 rel err {f32_vs_f64:.2e}, dir {size / 1024:.0f} KiB")
    for k, v in sd.items():
        print(f"  {k} {list(v.shape)}")


def verify(out, sd, sd_ema, logits, logits_ema, build, kwargs, x):
    """Load everything back and recompute the logits from the files."""
    ck = torch.load(os.path.join(out, "checkpoint.pth"), map_location="cpu")
    bare = torch.load(os.path.join(out, "state_dict.pth"), map_location="cpu")
    assert list(ck["model"].keys()) == list(sd.keys())
    assert list(bare.keys()) == ["module." + k for k in sd.keys()]
    assert ck["epoch"] == 5 and isinstance(ck["args"], argparse.Namespace)
    for key in ("model", "model_ema"):
        m = build(**kwargs)
        m.load_state_dict(ck[key])
        got = forward(m.eval(), x)
        want = logits if key == "model" else logits_ema
        assert torch.equal(got, want), f"{out}: {key} logits differ after reload"
    m = build(**kwargs)
    m.load_state_dict(OrderedDict((k[len("module."):], v) for k, v in bare.items()))
    assert torch.equal(forward(m.eval(), x), logits)
    check_safetensors(os.path.join(out, "model.safetensors"), sd)
    assert np.array_equal(np.load(os.path.join(out, "input.npy")), x.numpy())
    assert not any(torch.equal(sd[k], sd_ema[k]) for k in sd if sd[k].is_floating_point())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slak-code", required=True,
                    help="VITA-Group/SLaK checkout, or its models/SLaK.py")
    ap.add_argument("--convnext-code", required=True,
                    help="facebookresearch/ConvNeXt checkout, or its models/convnext.py")
    ap.add_argument("--out", default="tests/fixtures/official")
    ap.add_argument("--slak-commit", default=None,
                    help="commit to record when the code is not in a git work tree")
    ap.add_argument("--convnext-commit", default=None)
    ap.add_argument("--only", nargs="*", default=None, help="fixture names to (re)make")
    args = ap.parse_args()

    slak_file = resolve_model_file(args.slak_code, "models/SLaK.py")
    convnext_file = resolve_model_file(args.convnext_code, "models/convnext.py")
    torch.set_num_threads(1)  # reproducible summation order
    install_stand_ins()
    slak_mod = load_module("official_slak", slak_file)
    slak_mod.use_sync_bn = False  # BatchNorm2d on CPU
    convnext_mod = load_module("official_convnext", convnext_file)

    sources = {
        "slak": {"label": "official SLaK models/SLaK.py @ "
                          + git_commit(slak_file, args.slak_commit),
                 "sha256": sha256_of(slak_file)},
        "convnext": {"label": "official ConvNeXt models/convnext.py @ "
                              + git_commit(convnext_file, args.convnext_commit),
                     "sha256": sha256_of(convnext_file)},
    }
    builders = {"slak": slak_mod.SLaK, "convnext": convnext_mod.ConvNeXt}
    for spec in fixture_specs():
        if args.only and spec["name"] not in args.only:
            continue
        make_fixture(spec, builders, sources, args.out)


if __name__ == "__main__":
    main()
