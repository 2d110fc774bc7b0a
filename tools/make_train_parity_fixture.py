#!/usr/bin/env python3
"""Generate the training-parity fixture under tests/fixtures/train_parity/.

Runs the *official* SLaK training step (VITA-Group/SLaK: models/SLaK.py,
sparse_core.py `Masking` + `CosineDecay`, funcs.py prune/growth rules,
optim_factory.py `create_optimizer` param groups, utils.py `cosine_scheduler`)
for a few optimizer steps on fixed batches, the way engine.py's
`train_one_epoch` drives it, and records the state before and after. The
TypeScript test tests/train/official_parity_test.ts trains our model from the
same initial state on the same batches and compares.

Randomness is off: drop path 0, no mixup/cutmix, no EMA, growth = gradient
(deterministic regrowth), prune = magnitude. Label smoothing 0.1 is used on
both sides (torch's CrossEntropyLoss(label_smoothing=...) equals timm's
LabelSmoothingCrossEntropy, which the official main.py uses without mixup).
The initial masks come from the official SNIP init (Masking.add_module, with
its random draws from a fixed seed) and are stored with the initial weights.

Files written (small, ~0.5 MB):

  init.safetensors   initial state_dict (official keys, PyTorch layouts, BN
                     buffers) after the official mask init, plus one uint8
                     tensor "masks.<param name>" per masked weight (dense
                     layers the official init popped have none)
  train_images.npy   uint8 [N, 3, H, W] (NCHW), N = STEPS * BATCH, in batch order
  train_labels.npy   int64 [N]
  test_images.npy    uint8 [T, 3, H, W], test_labels.npy int64 [T]
  final.safetensors  state_dict and masks after STEPS steps (same key scheme)
  expected.json      per-step losses and lrs, update steps, prune rates,
                     the configuration of both sides (model, optimizer,
                     schedule, sparsity, normalization), source commit

Images are uint8 and normalized on the fly as (x / 255 - mean) / std in
float32, as our npy data set does for uint8 images.

The official code is never committed. To regenerate (Debian python3-torch
1.13 + python3-numpy, CPU; no timm, no CUDA extension):

  # a checkout of https://github.com/VITA-Group/SLaK, e.g.
  git clone https://github.com/VITA-Group/SLaK /tmp/slak_official
  /usr/bin/python3 tools/make_train_parity_fixture.py \
      --official /tmp/slak_official --out tests/fixtures/train_parity

Stand-ins (written for this project, injected into sys.modules before the
official files are imported): timm.models.layers (trunc_normal_, DropPath),
timm.models.registry.register_model and the depthwise conv extension come
from tools/make_official_fixtures.py; timm.optim.* (imported but unused by
optim_factory.py for AdamW) are empty placeholder classes. The official module's
use_sync_bn is set to False (BatchNorm2d on CPU; SyncBatchNorm on one process
computes the same). Output is deterministic (fixed seeds, one thread).
"""

import argparse
import json
import math
import os
import sys
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_official_fixtures as mof  # noqa: E402  (our own stand-ins and writers)

# ---------------------------------------------------------------- settings
SEED = 1  # e.g. seed 7 puts an exact |grad| tie at a growth boundary (check_strict_boundaries)
STEPS = 6
BATCH = 8
TEST = 8
SIDE = 32
CLASSES = 5
DEPTHS = [1, 1, 1, 1]
DIMS = [8, 16, 24, 32]
KERNELS = [7, 7, 5, 3]
SMALL = 3
LAYER_SCALE = 1.0  # gamma = 1 so every block matters to the loss
LR = 1e-2
MIN_LR = 1e-4
WARMUP_STEPS = 2
WEIGHT_DECAY = 0.05
SMOOTHING = 0.1
SPARSITY = 0.4
PRUNE_RATE = 0.5
UPDATE_EVERY = 2
MEAN = [0.5, 0.5, 0.5]
STD = [0.25, 0.25, 0.25]


def install_more_stand_ins():
    """Empty timm.optim.* modules: optim_factory imports them, AdamW never uses them."""
    optim = types.ModuleType("timm.optim")
    sys.modules["timm.optim"] = optim
    for mod, cls in [("adafactor", "Adafactor"), ("adahessian", "Adahessian"),
                     ("adamp", "AdamP"), ("lookahead", "Lookahead"), ("nadam", "Nadam"),
                     ("nvnovograd", "NvNovoGrad"), ("radam", "RAdam"),
                     ("rmsprop_tf", "RMSpropTF"), ("sgdp", "SGDP")]:
        m = types.ModuleType(f"timm.optim.{mod}")
        setattr(m, cls, type(cls, (), {}))
        sys.modules[f"timm.optim.{mod}"] = m


def load_official(path):
    if not os.path.isfile(os.path.join(path, "sparse_core.py")):
        sys.exit(f"error: {path} has no sparse_core.py (give the SLaK repository folder)")
    mof.install_stand_ins()
    install_more_stand_ins()
    sys.path.insert(0, path)  # sparse_core imports funcs
    slak = mof.load_module("official_slak", os.path.join(path, "models", "SLaK.py"))
    slak.use_sync_bn = False
    sparse_core = mof.load_module("official_sparse_core", os.path.join(path, "sparse_core.py"))
    optim_factory = mof.load_module("official_optim_factory",
                                    os.path.join(path, "optim_factory.py"))
    return slak, sparse_core, optim_factory


def cosine_scheduler(base, final, epochs, niter, warmup_epochs, warmup_steps):
    """utils.cosine_scheduler of the official repo (importing utils.py needs timm.utils)."""
    warmup = np.array([])
    warmup_iters = warmup_epochs * niter
    if warmup_steps > 0:
        warmup_iters = warmup_steps
    if warmup_epochs > 0:
        warmup = np.linspace(0, base, warmup_iters)
    iters = np.arange(epochs * niter - warmup_iters)
    sched = np.array([final + 0.5 * (base - final) * (1 + np.cos(np.pi * i / len(iters)))
                      for i in iters])
    return np.concatenate((warmup, sched))


def normalize(u8):
    x = torch.from_numpy(u8.astype(np.float32)) / 255.0
    mean = torch.tensor(MEAN, dtype=torch.float32)[None, :, None, None]
    std = torch.tensor(STD, dtype=torch.float32)[None, :, None, None]
    return (x - mean) / std


def check_strict_boundaries(mask):
    """Wrap the official prune/growth rules to record exact ties at a selection boundary.

    torch.sort is not stable, so with equal |w| (prune) or |grad| (growth) on both sides of the
    cut the official choice is arbitrary and no re-implementation can match it; the fixture
    must have strict boundaries (the settings above are chosen so that it does).
    """
    ties = []
    prune, grow = mask.prune_func, mask.growth_func

    def checked_prune(masking, m, weight, name):
        n_remove = math.ceil(masking.prune_rate * masking.name2nonzeros[name])
        k = int(math.ceil(masking.name2zeros[name] + n_remove))
        x, _ = torch.sort(torch.abs(weight.data.view(-1)))
        if n_remove > 0 and 0 < k < x.numel() and x[k - 1] == x[k]:
            ties.append(f"prune {name} after step {masking.steps}")
        return prune(masking, m, weight, name)

    def checked_grow(masking, name, new_mask, total, weight):
        g = torch.abs(weight.grad * (new_mask == 0).float()).flatten()
        y, _ = torch.sort(g, descending=True)
        if 0 < total < y.numel() and y[total - 1] == y[total]:
            ties.append(f"growth {name} after step {masking.steps}")
        return grow(masking, name, new_mask, total, weight)

    mask.prune_func, mask.growth_func = checked_prune, checked_grow
    return ties


def state_with_masks(model, masks):
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for name, m in masks.items():
        sd["masks." + name] = (m != 0).to(torch.uint8)
    return sd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--official", required=True, help="folder of a VITA-Group/SLaK checkout")
    ap.add_argument("--out", default="tests/fixtures/train_parity")
    ap.add_argument("--commit", default="", help="source commit to record (default: git)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    slak, sparse_core, optim_factory = load_official(a.official)
    mof._ST_DTYPES[torch.uint8] = "U8"

    gen = np.random.default_rng(SEED)
    n = STEPS * BATCH
    train_u8 = gen.integers(0, 256, size=(n, 3, SIDE, SIDE), dtype=np.uint8)
    train_y = gen.integers(0, CLASSES, size=(n,), dtype=np.int64)
    test_u8 = gen.integers(0, 256, size=(TEST, 3, SIDE, SIDE), dtype=np.uint8)
    test_y = gen.integers(0, CLASSES, size=(TEST,), dtype=np.int64)
    batches = [(normalize(train_u8[i * BATCH:(i + 1) * BATCH]),
                torch.from_numpy(train_y[i * BATCH:(i + 1) * BATCH])) for i in range(STEPS)]

    model = slak.SLaK(in_chans=3, num_classes=CLASSES, depths=DEPTHS, dims=DIMS,
                      drop_path_rate=0.0, layer_scale_init_value=LAYER_SCALE,
                      head_init_scale=1.0, kernel_size=KERNELS + [SMALL], width_factor=1.0,
                      Decom=True, bn=True)
    model.train()
    args = argparse.Namespace(
        opt="adamw", lr=LR, weight_decay=WEIGHT_DECAY, opt_eps=1e-8, opt_betas=None,
        momentum=0.9, device="cpu", distributed=False, fix=False, only_L=False,
        sparse_init="snip", sparsity=SPARSITY, update_frequency=UPDATE_EVERY)
    optimizer = optim_factory.create_optimizer(args, model)
    lrs = cosine_scheduler(LR, MIN_LR, 1, STEPS, 1, WARMUP_STEPS)
    decay = sparse_core.CosineDecay(PRUNE_RATE, STEPS)
    mask = sparse_core.Masking(optimizer, train_loader=[batches[0]], prune_rate_decay=decay,
                               prune_rate=PRUNE_RATE, prune_mode="magnitude",
                               growth_mode="gradient", redistribution_mode="none", args=args)
    mask.add_module(model)  # official SNIP init; applies the masks to the weights
    init = state_with_masks(model, mask.masks)
    ties = check_strict_boundaries(mask)

    criterion = torch.nn.CrossEntropyLoss(label_smoothing=SMOOTHING)
    losses, used_lrs, updates, rates = [], [], [], []
    optimizer.zero_grad()
    for it, (x, y) in enumerate(batches):  # engine.train_one_epoch, update_freq 1, fp32
        for group in optimizer.param_groups:
            group["lr"] = lrs[it] * group["lr_scale"]
        loss = criterion(model(x), y)
        losses.append(loss.item())
        used_lrs.append(float(lrs[it]))
        loss.backward()
        before = {k: v.clone() for k, v in mask.masks.items()}
        mask.step()
        if any(not torch.equal(before[k], mask.masks[k]) for k in before):
            updates.append(it + 1)
        if (it + 1) % UPDATE_EVERY == 0:
            rates.append(mask.prune_rate)
        optimizer.zero_grad()
    final = state_with_masks(model, mask.masks)
    if ties:
        sys.exit("error: exact ties at a selection boundary (choose other settings): " +
                 "; ".join(ties))

    os.makedirs(a.out, exist_ok=True)
    meta = {"format": "pt"}
    mof.write_safetensors(os.path.join(a.out, "init.safetensors"), init, meta)
    mof.write_safetensors(os.path.join(a.out, "final.safetensors"), final, meta)
    np.save(os.path.join(a.out, "train_images.npy"), train_u8)
    np.save(os.path.join(a.out, "train_labels.npy"), train_y)
    np.save(os.path.join(a.out, "test_images.npy"), test_u8)
    np.save(os.path.join(a.out, "test_labels.npy"), test_y)
    sparse_path = os.path.join(a.official, "sparse_core.py")
    expected = {
        "source": {
            "repository": "VITA-Group/SLaK",
            "commit": mof.git_commit(sparse_path, a.commit),
            "sha256": {f: mof.sha256_of(os.path.join(a.official, f))
                       for f in ["models/SLaK.py", "sparse_core.py", "funcs.py",
                                 "optim_factory.py"]},
            "torch": torch.__version__,
        },
        "steps": STEPS, "batchSize": BATCH, "classes": CLASSES, "side": SIDE,
        "model": {"depths": DEPTHS, "dims": DIMS, "kernelSizes": KERNELS, "smallKernel": SMALL,
                  "lkMode": "decomposed", "bn": True, "sparsity": SPARSITY},
        "optimizer": {"lr": LR, "minLr": MIN_LR, "warmupSteps": WARMUP_STEPS,
                      "weightDecay": WEIGHT_DECAY, "betas": [0.9, 0.999], "eps": 1e-8},
        "sparsity": {"pruneRate": PRUNE_RATE, "updateEvery": UPDATE_EVERY,
                     "growth": "gradient", "prune": "magnitude"},
        "labelSmoothing": SMOOTHING,
        "normalize": {"mean": MEAN, "std": STD},
        "masked": list(mask.masks.keys()),
        "losses": losses,
        "lrs": used_lrs,
        "topologyChangedAfterSteps": updates,
        "pruneRates": rates,
    }
    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(f"wrote {a.out}: losses {['%.5f' % v for v in losses]}, masks changed after "
          f"steps {updates}, {len(mask.masks)} masked layers")


if __name__ == "__main__":
    main()
