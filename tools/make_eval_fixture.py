#!/usr/bin/env python3
"""Generate the `slak eval` fixture under tests/fixtures/eval/.

What it checks, without Python in CI:

1. The evaluation transform. Small PNG and JPEG files of different sizes,
   aspect ratios and modes (RGB, RGBA, palette, grayscale; JPEG 4:2:0 and
   4:4:4) are written in an ImageFolder layout (val/<class>/<file>). For each
   file and a few settings, torchvision's `Resize(int(size / crop_pct),
   BICUBIC) -> CenterCrop(size)` (or the warp at size >= 384, or BILINEAR)
   is applied to the PIL image, and the uint8 result is stored as a PNG
   (lossless), with the channel sums of the normalized ToTensor+Normalize
   tensor. JPEG files are also stored as PIL decoded them (PNG), so that the
   resize can be checked exactly whatever JPEG decoder the toolkit uses.
2. The logits. The official SLaK model code (models/SLaK.py) with small random
   weights runs on the official evaluation pipeline: datasets.py
   build_dataset(is_train=False) -> ImageFolder(root/val, build_transform),
   in the data loader's order. The weights are written as model.safetensors
   (with our model config in the metadata) and checkpoint.pth ('model' and
   'model_ema', the official utils.save_model layout); the logits of both are
   stored. The head's bias is shifted by minus the mean logits over the images
   so that the predictions differ between images.

Files (tests/fixtures/eval/):
  imagefolder/val/<class>/<file>   the input images
  decoded/<file>.png               PIL's decoding of each JPEG input (RGB)
  expected/<case>.png              torchvision's uint8 crop for each case
  model.safetensors, checkpoint.pth, logits.npy, logits_ema.npy
  expected.json                    cases, files in order, labels, sums, source

The official code is never committed. Requirements: Debian's python3-torch,
python3-torchvision and python3-pil (CPU). timm is not needed: the stand-ins
of tools/make_official_fixtures.py are used for the model; datasets.py gets a
`timm.data` stand-in holding the ImageNet mean/std constants (published
values) and a `create_transform` that is only used for training (it raises).

Usage:
  git clone https://github.com/VITA-Group/SLaK /tmp/slak_official
  /usr/bin/python3 tools/make_eval_fixture.py --official /tmp/slak_official \
      --out tests/fixtures/eval
"""

import argparse
import json
import os
import shutil
import sys
import types

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_official_fixtures as mof  # noqa: E402  (our own stand-ins and writers)

SEED = 4242
CLASSES = ["apple", "banana", "cherry"]
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
MODEL_KWARGS = dict(in_chans=3, num_classes=len(CLASSES), depths=[1, 1, 1, 1],
                    dims=[8, 16, 24, 32], layer_scale_init_value=1e-6, drop_path_rate=0.0,
                    head_init_scale=1.0, width_factor=1.0, kernel_size=[13, 11, 7, 5, 3],
                    Decom=True, bn=True)

# (class, file name, width, height, PIL mode, save options)
IMAGES = [
    ("apple", "a_landscape.jpg", 320, 240, "RGB", dict(quality=92)),  # 4:2:0
    ("apple", "b_portrait.png", 181, 263, "RGB", {}),  # upscaled (short side < 256)
    ("apple", "c_exact.png", 300, 256, "RGB", {}),  # short side already 256
    ("banana", "d_large.jpg", 500, 375, "RGB", dict(quality=90, subsampling=0)),  # 4:4:4
    ("banana", "e_tall.png", 97, 410, "RGBA", {}),  # alpha dropped, extreme aspect
    ("cherry", "f_gray.jpg", 427, 640, "L", dict(quality=90)),
    ("cherry", "g_palette.png", 300, 225, "P", {}),
]

# (case name, image file, size, crop_pct, interpolation)
CASES = [(f"{f.split('.')[0]}_224", f, 224, 0.875, "bicubic") for _, f, *_ in IMAGES] + [
    ("d_large_384_warp", "d_large.jpg", 384, 0.875, "bicubic"),
    ("b_portrait_224_bilinear", "b_portrait.png", 224, 0.875, "bilinear"),
    ("a_landscape_160_095", "a_landscape.jpg", 160, 0.95, "bicubic"),
    ("g_palette_224_pad", "g_palette.png", 224, 1.15, "bicubic"),  # 194 < 224: zero padding
]


def synth_image(w, h, mode, gen):
    """Smooth gradients, a disc, stripes and mild noise (compresses well, not trivial)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / max(w - 1, 1), y / max(h - 1, 1)
    ph = gen.uniform(0, 2 * np.pi, size=3)
    r = 128 + 100 * np.sin(2 * np.pi * (1.3 * u + 0.4 * v) + ph[0])
    g = 128 + 90 * np.cos(2 * np.pi * (0.7 * v - 0.9 * u) + ph[1])
    b = 60 + 150 * u * v + 30 * np.sin(2 * np.pi * 9 * u + ph[2])
    cx, cy, rad = gen.uniform(0.3, 0.7) * w, gen.uniform(0.3, 0.7) * h, 0.25 * min(w, h)
    disc = (x - cx) ** 2 + (y - cy) ** 2 < rad ** 2
    r[disc], g[disc], b[disc] = 240, 40, 30
    stripes = (np.floor(x / 3) % 2 == 0) & (v > 0.8)
    r[stripes], g[stripes], b[stripes] = 10, 10, 10
    rgb = np.stack([r, g, b], axis=-1) + gen.normal(0, 1.5, size=(h, w, 3))
    rgb = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    img = Image.fromarray(rgb, "RGB")
    if mode == "L":
        return img.convert("L")
    if mode == "P":
        return img.quantize(colors=64)
    if mode == "RGBA":
        alpha = np.clip(np.round(255 * u), 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    return img


def install_timm_data_stand_in():
    """timm.data / timm.data.constants, which the official datasets.py imports."""
    data = types.ModuleType("timm.data")
    constants = types.ModuleType("timm.data.constants")
    constants.IMAGENET_DEFAULT_MEAN = MEAN
    constants.IMAGENET_DEFAULT_STD = STD
    constants.IMAGENET_INCEPTION_MEAN = (0.5, 0.5, 0.5)
    constants.IMAGENET_INCEPTION_STD = (0.5, 0.5, 0.5)

    def create_transform(*_args, **_kwargs):
        raise RuntimeError("training transforms are not part of this fixture")

    data.create_transform = create_transform
    data.constants = constants
    sys.modules["timm.data"] = data
    sys.modules["timm.data.constants"] = constants


def torchvision_crop(path, size, crop_pct, interpolation):
    """torchvision's eval pipeline up to the uint8 image (as the official build_transform)."""
    from torchvision import transforms
    mode = {"bicubic": transforms.InterpolationMode.BICUBIC,
            "bilinear": transforms.InterpolationMode.BILINEAR}[interpolation]
    img = Image.open(path).convert("RGB")
    if size >= 384:
        t = transforms.Resize((size, size), interpolation=mode)
    else:
        t = transforms.Compose([transforms.Resize(int(size / crop_pct), interpolation=mode),
                                transforms.CenterCrop(size)])
    out = t(img)
    assert out.size == (size, size), out.size
    tensor = transforms.Normalize(MEAN, STD)(transforms.ToTensor()(out))
    return out, tensor


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--official", required=True, help="VITA-Group/SLaK checkout")
    ap.add_argument("--out", default="tests/fixtures/eval")
    ap.add_argument("--commit", default=None, help="commit to record without a git work tree")
    args = ap.parse_args()

    slak_file = mof.resolve_model_file(args.official, "models/SLaK.py")
    datasets_file = os.path.join(args.official, "datasets.py")
    if not os.path.isfile(datasets_file):
        sys.exit(f"error: {args.official} has no datasets.py")
    torch.set_num_threads(1)
    mof.install_stand_ins()
    install_timm_data_stand_in()
    slak = mof.load_module("official_slak", slak_file)
    slak.use_sync_bn = False
    official_datasets = mof.load_module("official_datasets", datasets_file)

    out = args.out
    for sub in ("imagefolder", "decoded", "expected"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        os.makedirs(os.path.join(out, sub))

    gen = np.random.default_rng(SEED)
    paths = {}
    for cls, name, w, h, mode, opts in IMAGES:
        folder = os.path.join(out, "imagefolder", "val", cls)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, name)
        synth_image(w, h, mode, gen).save(path, optimize=True, **opts)
        paths[name] = path
        if name.endswith(".jpg"):
            Image.open(path).convert("RGB").save(
                os.path.join(out, "decoded", name.replace(".jpg", ".png")), optimize=True)

    cases = []
    for case, name, size, crop_pct, interp in CASES:
        img, tensor = torchvision_crop(paths[name], size, crop_pct, interp)
        img.save(os.path.join(out, "expected", f"{case}.png"), optimize=True)
        cases.append({
            "case": case, "file": name, "size": size, "cropPct": crop_pct,
            "interpolation": interp,
            "normalizedChannelSums": [float(tensor[c].double().sum()) for c in range(3)],
        })

    # The official evaluation pipeline end to end: build_dataset(is_train=False) + the model.
    ds_args = argparse.Namespace(data_set="IMNET", data_path=os.path.join(out, "imagefolder"),
                                 input_size=224, crop_pct=None,
                                 imagenet_default_mean_and_std=True)
    dataset, nb_classes = official_datasets.build_dataset(False, ds_args)
    assert dataset.classes == CLASSES, dataset.classes  # (nb_classes is 1000 for IMNET)
    del nb_classes
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, shuffle=False)

    torch.manual_seed(SEED)
    gen_t = torch.Generator().manual_seed(SEED + 1)
    model = slak.SLaK(**MODEL_KWARGS)
    mof.randomise_(model, gen_t)
    model.eval()
    with torch.no_grad():  # centre the head's bias on these images: varied predictions
        first = torch.cat([model(x) for x, _ in loader])
        model.head.bias.sub_(first.mean(0))
    ema_model, sd_ema = mof.ema_state_dict(model, gen_t)
    ema_model.eval()
    logits, logits_ema, labels = [], [], []
    with torch.no_grad():
        for x, y in loader:
            logits.append(model(x))
            logits_ema.append(ema_model(x))
            labels.append(y)
    logits = torch.cat(logits).numpy().astype("<f4")
    logits_ema = torch.cat(logits_ema).numpy().astype("<f4")
    labels = torch.cat(labels).numpy()

    source = "official SLaK models/SLaK.py + datasets.py @ " + mof.git_commit(slak_file, args.commit)
    spec = {"arch": "slak", "kwargs": MODEL_KWARGS}
    our = mof.our_config(spec)
    sd = model.state_dict()
    mof.write_safetensors(os.path.join(out, "model.safetensors"), sd,
                          {"format": "pt", "source": source, "slak.model": json.dumps(our)})
    mof.check_safetensors(os.path.join(out, "model.safetensors"), sd)
    torch.save({"model": sd, "model_ema": sd_ema, "epoch": 1},
               os.path.join(out, "checkpoint.pth"))
    np.save(os.path.join(out, "logits.npy"), logits)
    np.save(os.path.join(out, "logits_ema.npy"), logits_ema)

    rel = os.path.relpath
    meta = {
        "source": source,
        "sourceSha256": mof.sha256_of(slak_file),
        "datasetsSha256": mof.sha256_of(datasets_file),
        "torch": torch.__version__,
        "torchvision": __import__("torchvision").__version__,
        "pillow": Image.__version__,
        "model": our,
        "officialKwargs": MODEL_KWARGS,
        "classes": CLASSES,
        "files": [rel(p, os.path.join(out, "imagefolder")) for p, _ in dataset.samples],
        "labels": [int(v) for v in labels],
        "mean": MEAN,
        "std": STD,
        "cases": cases,
        "notes": (
            "expected/<case>.png: torchvision Resize(int(size/crop_pct)) + CenterCrop(size) "
            "(Resize((size,size)) at size >= 384) of Image.open(f).convert('RGB'); "
            "normalizedChannelSums: sums of ToTensor+Normalize(mean, std) per channel. "
            "logits.npy / logits_ema.npy: the official SLaK model ('model' / 'model_ema' of "
            "checkpoint.pth) on build_dataset(is_train=False) of imagefolder/, in file order."
        ),
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        f.write(mof.to_json(meta) + "\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print(f"{len(dataset)} images, {len(cases)} cases, logits {logits.shape}, "
          f"argmax {logits.argmax(1).tolist()} (ema {logits_ema.argmax(1).tolist()}), labels {labels.tolist()}, "
          f"fixture {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
