#!/usr/bin/env python3
"""Generate the segmentation parity fixture under tests/fixtures/segmentation/.

Runs the *official* SLaK segmentation backbone (VITA-Group/SLaK
segmentation/slak.py, class SLaK) and a PyTorch reference of mmsegmentation's
UPerHead + FCNHead (written here from mmseg's definitions; mmseg is not
needed) on a tiny configuration and writes:

  imagenet.pth        an ImageNet classification checkpoint made by the
                      official classification model (models/SLaK.py), layout of
                      the official utils.save_model ({'model', 'epoch', ...}),
                      with 40 % exact zeros in every 2-D/4-D weight
  segmentor.pth       an mmseg-style checkpoint {'meta', 'state_dict'} of the
                      whole segmentor: backbone.* (the ImageNet body loaded and
                      masked, norm0..3 randomised), decode_head.*,
                      auxiliary_head.* (BN with non-trivial statistics)
  input.npy           float32 NCHW input [2, 3, 64, 48] (non-square)
  labels.npy          uint8 [2, 64, 48] labels in 0..K-1 with ~20 % 255 (ignored)
  pretrained_feat{i}.npy  official backbone features right after init_weights()
                      from imagenet.pth with sparse=True (norm0..3 at their
                      init), eval mode
  feat{i}.npy         backbone features of the segmentor weights, eval mode
  decode_logits.npy   UPerHead logits (1/4 resolution), eval mode
  aux_logits.npy      FCNHead logits (1/16 resolution), eval mode
  resize_in.npy, resize_{HxW}.npy, pool_{s}.npy  F.interpolate (bilinear,
                      align_corners=False) and AdaptiveAvgPool2d on a small
                      odd-sized map, up and down, for the layer tests
  grad_*.npy          train mode (BN batch statistics; dropout and drop path
                      replaced by identity so the result is deterministic):
                      gradients of the total loss for a few tensors
  fixture.json        configs, losses, mask counts, key shapes, notes

Stand-ins (written here, injected into sys.modules before the official file is
imported): timm's trunc_normal_/DropPath/register_model and the iGEMM depthwise
conv (shared with make_official_fixtures.py), mmseg's BACKBONES registry and
get_root_logger, and mmcv.runner's BaseModule / CheckpointLoader / ModuleList /
load_state_dict. The official file moves its masks to 'cuda'; the script maps
that device to 'cpu' while init_weights() runs.

Usage (Debian's python3-torch is enough, no GPU):
  /usr/bin/python3 tools/make_seg_fixture.py --slak-code PATH/TO/SLaK \
      --out tests/fixtures/segmentation
"""

import argparse
import contextlib
import copy
import importlib.util
import io
import json
import logging
import os
import sys
import types
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_official_fixtures as mof  # noqa: E402  (stand-ins, randomise_, helpers)

INPUT_SHAPE = [2, 3, 64, 48]
NUM_CLASSES = 5
IGNORE_INDEX = 255
SEED = 2024
BACKBONE = dict(in_chans=3, depths=[1, 1, 1, 1], dims=[8, 16, 32, 64],
                kernel_size=[7, 7, 5, 3, 3], Decom=True, width_factor=1.0,
                layer_scale_init_value=1.0, drop_path_rate=0.0, out_indices=[0, 1, 2, 3])
HEAD = dict(channels=16, pool_scales=(1, 2, 3, 6), dropout_ratio=0.1)
AUX = dict(channels=8, in_index=2, num_convs=1, kernel_size=3, concat_input=False,
           dropout_ratio=0.1, loss_weight=0.4)
GRAD_KEYS = [
    "backbone.downsample_layers.0.0.weight",
    "backbone.stages.0.0.large_kernel.LoRA1.conv.weight",
    "backbone.norm0.weight",
    "backbone.norm3.bias",
    "decode_head.psp_modules.3.1.conv.weight",
    "decode_head.lateral_convs.0.conv.weight",
    "decode_head.fpn_bottleneck.bn.weight",
    "decode_head.conv_seg.weight",
    "auxiliary_head.convs.0.conv.weight",
    "auxiliary_head.conv_seg.bias",
]


# --------------------------------------------------------------------------
# Stand-ins for mmseg / mmcv (only what segmentation/slak.py imports)
# --------------------------------------------------------------------------


class _Registry:
    def register_module(self, *args, **kwargs):
        return lambda cls: cls


class BaseModule(nn.Module):
    """mmcv.runner.BaseModule: an nn.Module that remembers its init_cfg."""

    def __init__(self, init_cfg=None):
        super().__init__()
        self.init_cfg = copy.deepcopy(init_cfg)


class CheckpointLoader:
    @staticmethod
    def load_checkpoint(filename, logger=None, map_location=None):
        return torch.load(filename, map_location=map_location)


def load_state_dict(module, state_dict, strict=False, logger=None):
    """mmcv's loader without its shape-mismatch tolerance (none occurs here)."""
    result = module.load_state_dict(state_dict, strict=strict)
    LOADED.update(missing=list(result.missing_keys), unexpected=list(result.unexpected_keys))


LOADED = {}


def install_mm_stand_ins():
    def pkg(name):
        m = types.ModuleType(name)
        m.__path__ = []
        return m

    mmseg, models, backbones = pkg("mmseg"), pkg("mmseg.models"), pkg("mmseg.models.backbones")
    utils, builder = types.ModuleType("mmseg.utils"), types.ModuleType("mmseg.models.builder")
    utils.get_root_logger = lambda: logging.getLogger("mmseg-stand-in")
    builder.BACKBONES = _Registry()
    mmcv, runner = pkg("mmcv"), types.ModuleType("mmcv.runner")
    runner.BaseModule = BaseModule
    runner.CheckpointLoader = CheckpointLoader
    runner.ModuleList = nn.ModuleList
    runner.load_state_dict = load_state_dict
    sys.modules.update({
        "mmseg": mmseg, "mmseg.models": models, "mmseg.models.backbones": backbones,
        "mmseg.utils": utils, "mmseg.models.builder": builder,
        "mmcv": mmcv, "mmcv.runner": runner,
    })


@contextlib.contextmanager
def cuda_is_cpu():
    """Tensor.to('cuda') → Tensor.to('cpu') (the official masks are moved to 'cuda')."""
    original = torch.Tensor.to

    def to(self, *args, **kwargs):
        args = tuple("cpu" if isinstance(a, str) and a.startswith("cuda") else a for a in args)
        return original(self, *args, **kwargs)

    torch.Tensor.to = to
    try:
        yield
    finally:
        torch.Tensor.to = original


def load_official_backbone(path):
    spec = importlib.util.spec_from_file_location("mmseg.models.backbones.slak", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mmseg.models.backbones.slak"] = module
    spec.loader.exec_module(module)
    module.use_sync_bn = False  # BatchNorm2d on CPU (same maths as SyncBN on one process)
    return module


# --------------------------------------------------------------------------
# PyTorch reference of mmseg's UPerHead and FCNHead (written from mmseg 0.x)
# --------------------------------------------------------------------------


def resize(x, size):
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


class ConvModule(nn.Module):
    """mmcv ConvModule with norm_cfg=BN, act_cfg=ReLU: conv (no bias) → bn → relu."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.activate = nn.ReLU()

    def forward(self, x):
        return self.activate(self.bn(self.conv(x)))


class DecodeHead(nn.Module):
    def __init__(self, channels, num_classes, dropout_ratio):
        super().__init__()
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else None

    def cls_seg(self, x):
        if self.dropout is not None:
            x = self.dropout(x)
        return self.conv_seg(x)


class UPerHead(DecodeHead):
    def __init__(self, in_channels, channels, num_classes, pool_scales, dropout_ratio):
        super().__init__(channels, num_classes, dropout_ratio)
        self.psp_modules = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(s), ConvModule(in_channels[-1], channels, 1))
            for s in pool_scales)
        self.bottleneck = ConvModule(in_channels[-1] + len(pool_scales) * channels, channels, 3)
        self.lateral_convs = nn.ModuleList(ConvModule(c, channels, 1) for c in in_channels[:-1])
        self.fpn_convs = nn.ModuleList(ConvModule(channels, channels, 3) for _ in in_channels[:-1])
        self.fpn_bottleneck = ConvModule(len(in_channels) * channels, channels, 3)

    def psp_forward(self, x):
        outs = [x] + [resize(m(x), x.shape[2:]) for m in self.psp_modules]
        return self.bottleneck(torch.cat(outs, dim=1))

    def forward(self, inputs):
        laterals = [conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)]
        laterals.append(self.psp_forward(inputs[-1]))
        n = len(laterals)
        for i in range(n - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + resize(laterals[i], laterals[i - 1].shape[2:])
        outs = [self.fpn_convs[i](laterals[i]) for i in range(n - 1)] + [laterals[-1]]
        for i in range(n - 1, 0, -1):
            outs[i] = resize(outs[i], outs[0].shape[2:])
        return self.cls_seg(self.fpn_bottleneck(torch.cat(outs, dim=1)))


class FCNHead(DecodeHead):
    def __init__(self, in_channels, channels, num_classes, num_convs, kernel_size, dropout_ratio):
        super().__init__(channels, num_classes, dropout_ratio)
        convs = [ConvModule(in_channels if i == 0 else channels, channels, kernel_size)
                 for i in range(num_convs)]
        self.convs = nn.Sequential(*convs)

    def forward(self, inputs):
        return self.cls_seg(self.convs(inputs))


class Segmentor(nn.Module):
    """mmseg EncoderDecoder's parameter layout: backbone, decode_head, auxiliary_head."""

    def __init__(self, backbone, in_channels):
        super().__init__()
        self.backbone = backbone
        self.decode_head = UPerHead(in_channels, HEAD["channels"], NUM_CLASSES,
                                    HEAD["pool_scales"], HEAD["dropout_ratio"])
        self.auxiliary_head = FCNHead(in_channels[AUX["in_index"]], AUX["channels"],
                                      NUM_CLASSES, AUX["num_convs"], AUX["kernel_size"],
                                      AUX["dropout_ratio"])

    def forward(self, x):
        feats = self.backbone(x)
        return feats, self.decode_head(feats), self.auxiliary_head(feats[AUX["in_index"]])


def pixel_ce(logits, labels):
    """mmseg CrossEntropyLoss (avg_non_ignore=False): logits resized to the label size,
    per-pixel CE with ignore_index, then the mean over ALL pixels (ignored ones count 0)."""
    up = resize(logits, labels.shape[1:])
    return F.cross_entropy(up, labels, reduction="none", ignore_index=IGNORE_INDEX).mean()


def total_loss(decode, aux, labels):
    return pixel_ce(decode, labels) + AUX["loss_weight"] * pixel_ce(aux, labels)


# --------------------------------------------------------------------------
# Fixture
# --------------------------------------------------------------------------


def randomise_head_(module, gen):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
                m.num_batches_tracked.fill_(int(torch.randint(100, 5000, (1,), generator=gen)))
            elif isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / fan_in ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


def randomise_out_norms_(backbone, gen):
    with torch.no_grad():
        for i in range(4):
            norm = getattr(backbone, f"norm{i}")
            norm.weight.copy_(torch.rand(norm.weight.shape, generator=gen) * 0.6 + 0.7)
            norm.bias.copy_(torch.randn(norm.bias.shape, generator=gen) * 0.1)


def identity_dropouts_(model):
    for name, m in list(model.named_modules()):
        for child_name, child in list(m.named_children()):
            if isinstance(child, nn.Dropout2d) or type(child).__name__ == "DropPath":
                setattr(m, child_name, nn.Identity())


RESIZE_SIZES = [(11, 13), (3, 4), (5, 2), (1, 1)]
POOL_SCALES = [1, 2, 3, 6]


def save_resize_cases(out, gen):
    """Bilinear resize (align_corners=False) and adaptive average pooling of a [2, 3, 5, 7] map."""
    m = torch.randn(2, 3, 5, 7, generator=gen)
    save(out, "resize_in.npy", m.numpy().astype("<f4"))
    for h, w in RESIZE_SIZES:
        save(out, f"resize_{h}x{w}.npy", resize(m, (h, w)).numpy().astype("<f4"))
    for s in POOL_SCALES:
        save(out, f"pool_{s}.npy", F.adaptive_avg_pool2d(m, s).numpy().astype("<f4"))


def our_backbone_config():
    ks = BACKBONE["kernel_size"]
    return {"arch": "slak", "depths": BACKBONE["depths"], "dims": BACKBONE["dims"],
            "kernelSizes": ks[:4], "smallKernel": ks[4], "lkMode": "decomposed", "bn": True,
            "widthFactor": BACKBONE["width_factor"], "sparsity": 0, "numClasses": 1000,
            "inChannels": 3, "dropPath": BACKBONE["drop_path_rate"],
            "layerScaleInit": BACKBONE["layer_scale_init_value"], "headInitScale": 1}


def save(out, name, array):
    np.save(os.path.join(out, name), array)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slak-code", required=True, help="VITA-Group/SLaK checkout")
    ap.add_argument("--out", default="tests/fixtures/segmentation")
    ap.add_argument("--slak-commit", default=None)
    args = ap.parse_args()
    seg_file = mof.resolve_model_file(args.slak_code, "segmentation/slak.py")
    cls_file = mof.resolve_model_file(args.slak_code, "models/SLaK.py")
    os.makedirs(args.out, exist_ok=True)
    out = args.out

    torch.set_num_threads(1)
    mof.install_stand_ins()
    install_mm_stand_ins()
    cls_mod = mof.load_module("official_slak_cls", cls_file)
    cls_mod.use_sync_bn = False
    seg_mod = load_official_backbone(seg_file)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED + 1)

    # 1. an ImageNet checkpoint from the official classification model, 40 % zeros
    b = BACKBONE
    cls_model = cls_mod.SLaK(in_chans=3, num_classes=10, depths=b["depths"], dims=b["dims"],
                             drop_path_rate=0.1, layer_scale_init_value=1e-6,
                             head_init_scale=1.0, kernel_size=b["kernel_size"],
                             width_factor=b["width_factor"], Decom=True, bn=True)
    mof.randomise_(cls_model, gen)
    imagenet_path = os.path.join(out, "imagenet.pth")
    torch.save({"model": cls_model.state_dict(), "epoch": 119,
                "args": argparse.Namespace(model="SLaK_tiny", sparse=True, sparsity=0.4)},
               imagenet_path)

    # 2. the official segmentation backbone, loaded from it with sparse=True
    kwargs = {k: v for k, v in b.items()}
    log = io.StringIO()
    with contextlib.redirect_stdout(log), cuda_is_cpu():
        backbone = seg_mod.SLaK(**kwargs, init_cfg=dict(type="Pretrained",
                                                        checkpoint=imagenet_path), sparse=True)
        backbone.init_weights()
    density_lines = [ln for ln in log.getvalue().splitlines() if ln.startswith("density of")]
    mask_ones = {k: int(m.sum()) for k, m in backbone.masks.items()}
    x = torch.randn(INPUT_SHAPE, generator=gen)
    backbone.eval()
    with torch.no_grad():
        feats0 = backbone(x)
    for i, f in enumerate(feats0):
        save(out, f"pretrained_feat{i}.npy", f.numpy().astype("<f4"))

    # 3. the segmentor: that backbone (norm0..3 randomised) + UPerHead + FCNHead
    randomise_out_norms_(backbone, gen)
    dims = [int(d * b["width_factor"]) for d in b["dims"]]
    seg = Segmentor(backbone, dims)
    randomise_head_(seg.decode_head, gen)
    randomise_head_(seg.auxiliary_head, gen)
    labels = torch.randint(0, NUM_CLASSES, INPUT_SHAPE[:1] + INPUT_SHAPE[2:], generator=gen)
    ignore = torch.rand(labels.shape, generator=gen) < 0.2
    labels[ignore] = IGNORE_INDEX
    seg.eval()
    with torch.no_grad():
        feats, decode, aux = seg(x)
        dec_ce = pixel_ce(decode, labels)
        aux_ce = pixel_ce(aux, labels)
        up = resize(decode, labels.shape[1:])
        per_pixel = F.cross_entropy(up, labels, reduction="none", ignore_index=IGNORE_INDEX)
        dec_ce_non_ignore = per_pixel.sum() / (labels != IGNORE_INDEX).sum()
    for i, f in enumerate(feats):
        save(out, f"feat{i}.npy", f.numpy().astype("<f4"))
    save(out, "input.npy", x.numpy().astype("<f4"))
    save(out, "labels.npy", labels.numpy().astype("u1"))
    save(out, "decode_logits.npy", decode.numpy().astype("<f4"))
    save(out, "aux_logits.npy", aux.numpy().astype("<f4"))
    save_resize_cases(out, gen)
    sd = OrderedDict((k, v.clone()) for k, v in seg.state_dict().items())
    torch.save({"meta": {"mmseg_version": "0.x layout (reference)", "iter": 160000},
                "state_dict": sd}, os.path.join(out, "segmentor.pth"))

    # 4. train mode (BN batch statistics), dropout/drop path as identity: loss and gradients
    train = copy.deepcopy(seg)
    train.backbone.masks = backbone.masks
    identity_dropouts_(train)
    train.train()
    _, t_dec, t_aux = train(x)
    t_loss = total_loss(t_dec, t_aux, labels)
    t_loss.backward()
    params = dict(train.named_parameters())
    for k in GRAD_KEYS:
        save(out, "grad_" + k.replace(".", "_") + ".npy", params[k].grad.numpy().astype("<f4"))

    meta = {
        "source": "official SLaK segmentation/slak.py and models/SLaK.py @ "
                  + mof.git_commit(seg_file, args.slak_commit),
        "sourceSha256": {"segmentation/slak.py": mof.sha256_of(seg_file),
                         "models/SLaK.py": mof.sha256_of(cls_file)},
        "torch": torch.__version__,
        "officialBackboneKwargs": b,
        "backbone": our_backbone_config(),
        "outIndices": b["out_indices"],
        "head": {"channels": HEAD["channels"], "poolScales": list(HEAD["pool_scales"]),
                 "dropout": HEAD["dropout_ratio"], "numClasses": NUM_CLASSES},
        "aux": {"channels": AUX["channels"], "inIndex": AUX["in_index"],
                "numConvs": AUX["num_convs"], "kernelSize": AUX["kernel_size"],
                "dropout": AUX["dropout_ratio"], "lossWeight": AUX["loss_weight"]},
        "ignoreIndex": IGNORE_INDEX,
        "resizeSizes": [list(s) for s in RESIZE_SIZES],
        "poolScales": POOL_SCALES,
        "inputShape": INPUT_SHAPE,
        "eval": {"decodeCe": float(dec_ce), "auxCe": float(aux_ce),
                 "total": float(dec_ce + AUX["loss_weight"] * aux_ce),
                 "decodeCeNonIgnoreMean": float(dec_ce_non_ignore),
                 "ignoredPixels": int(ignore.sum()), "pixels": int(labels.numel())},
        "train": {"total": float(t_loss), "gradKeys": GRAD_KEYS},
        "imagenetLoad": {"missing": LOADED.get("missing", []),
                         "unexpected": LOADED.get("unexpected", [])},
        "maskOnes": mask_ones,
        "officialDensityLog": density_lines,
        "keys": {k: list(v.shape) for k, v in sd.items()},
        "notes": (
            "imagenet.pth: official classification SLaK, weights randomised as in "
            "make_official_fixtures.py (40 % zeros per 2-D/4-D weight). pretrained_feat*: official "
            "segmentation backbone after init_weights() with sparse=True (norm0..3 at their init "
            "(1, 0)), eval. segmentor.pth: that backbone with norm0..3 randomised, plus a "
            "reference UPerHead/FCNHead (mmseg 0.x definitions, BN, ReLU, Dropout2d, "
            "align_corners=False) with random BN statistics. Losses: mmseg CrossEntropyLoss with "
            "avg_non_ignore=False, i.e. the mean over all pixels with ignored pixels counted as 0. "
            "train: train-mode BN, dropout and drop path replaced by identity."
        ),
    }
    with open(os.path.join(out, "fixture.json"), "w") as f:
        f.write(mof.to_json(meta) + "\n")
    size = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"segmentation fixture: {len(sd)} keys, eval loss {meta['eval']['total']:.5f}, "
          f"train loss {float(t_loss):.5f}, missing {LOADED.get('missing')}, "
          f"unexpected {LOADED.get('unexpected')}, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
