#!/usr/bin/env python3
"""Writes the tiny fixtures read by tests/io/ (run once with Debian's python3-torch 1.13):

    /usr/bin/python3 tools/make_io_fixtures.py

Outputs to tests/fixtures/io/: .pth checkpoints (zip and legacy formats), .npy arrays and
expected.json with the values PyTorch/numpy hold, so the TypeScript readers are checked against
the reference implementation. CI only reads the committed files.
"""
import argparse
import collections
import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "io")
DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
    torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
    torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool",
}


def describe(t):
    vals = t.detach().contiguous().reshape(-1)
    if t.dtype in (torch.float16, torch.bfloat16):
        vals = vals.float()
    if t.dtype == torch.bool:
        vals = vals.to(torch.uint8)
    return {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data": vals.tolist()}


def tiny_model():
    return torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, bias=True), torch.nn.BatchNorm2d(3))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    expected = {}

    # 1. bare state dict: DDP prefixes, shared storages, views, many dtypes
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    sd = collections.OrderedDict()
    sd["module.base"] = base
    sd["module.transposed"] = base.t()  # non-contiguous view of the same storage
    sd["module.window"] = base[1:3, 2:5]  # offset + strides
    sd["module.stepped"] = base[::2, ::3]  # strided rows and columns
    sd["module.bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    sd["module.big_int"] = torch.tensor([2**40 + 3, -5], dtype=torch.int64)
    sd["module.half"] = torch.tensor([1.5, -0.25, 65504.0, 6e-8], dtype=torch.float16)
    sd["module.bf16"] = torch.tensor([1.0, -3.140625, 1e30], dtype=torch.bfloat16)
    sd["module.double"] = torch.tensor([[0.1, 0.2]], dtype=torch.float64)
    sd["module.int32"] = torch.tensor([-1, 2, 3], dtype=torch.int32)
    sd["module.mask"] = torch.tensor([True, False, True])
    sd["module.bytes"] = torch.tensor([0, 255, 7], dtype=torch.uint8)
    sd["module.empty"] = torch.zeros(0, 3)
    torch.save(sd, os.path.join(OUT, "state_dict.pth"))
    expected["state_dict"] = {k: describe(v) for k, v in sd.items()}

    # 2. a training checkpoint laid out like SLaK/ConvNeXt utils.save_model
    model = tiny_model()
    ema = tiny_model()
    opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.05)
    model(torch.randn(1, 2, 5, 5)).sum().backward()
    opt.step()
    args = argparse.Namespace(
        model="SLaK_tiny", kernel_size=[51, 49, 47, 13, 5], width_factor=1.3, Decom=True,
        sparse=False, resume="", drop_path=0.1, nb_classes=1000, output_dir=None,
    )
    ckpt = {
        "model": model.state_dict(),
        "model_ema": ema.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "args": args,
        "scaler": {"scale": 65536.0, "growth_factor": 2.0, "_growth_tracker": 12},
        "metric": np.float64(81.5),
        "param": torch.nn.Parameter(torch.tensor([1.0, 2.0])),
        "nested": {"a": [1, (2, 3)], "b": {"c": b"\x00\xffz"}, 4: "int key"},
    }
    torch.save(ckpt, os.path.join(OUT, "checkpoint.pth"))
    expected["checkpoint"] = {
        "model": {k: describe(v) for k, v in ckpt["model"].items()},
        "model_ema": {k: describe(v) for k, v in ckpt["model_ema"].items()},
        "optimizer_state_keys": sorted(ckpt["optimizer"]["state"].keys()),
        "exp_avg_0": describe(ckpt["optimizer"]["state"][0]["exp_avg"]),
        "step_0": describe(ckpt["optimizer"]["state"][0]["step"]),
        "param_groups_0": {
            k: v for k, v in ckpt["optimizer"]["param_groups"][0].items()
            if k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "params")
        },
        "args": vars(args),
    }

    # 3. legacy (pre-1.6) stream format
    legacy = {"w": base[1:, :2], "n": torch.tensor(5, dtype=torch.int64), "h": sd["module.half"]}
    torch.save(legacy, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)
    expected["legacy"] = {k: describe(v) for k, v in legacy.items()}

    # 4. .npy files
    npys = {
        "f4": np.arange(6, dtype="<f4").reshape(2, 3) / 4,
        "f8": np.array([[1e-300, -2.5]], dtype="<f8"),
        "i8": np.array([-(2**40), 3, 0], dtype="<i8"),
        "i4": np.array([[1], [-2]], dtype="<i4"),
        "u1": np.array([0, 200, 255], dtype="|u1"),
        "b1": np.array([True, False, True, True], dtype="|b1"),
        "scalar": np.array(3.25, dtype="<f4"),
        "be_f4": np.array([1.5, -2.0], dtype=">f4"),
    }
    for k, a in npys.items():
        np.save(os.path.join(OUT, f"{k}.npy"), a)
    np.save(os.path.join(OUT, "fortran.npy"), np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    with open(os.path.join(OUT, "v2.npy"), "wb") as f:
        np.lib.format.write_array(f, npys["f4"], version=(2, 0))
    with open(os.path.join(OUT, "v3.npy"), "wb") as f:
        np.lib.format.write_array(f, npys["i4"], version=(3, 0))
    expected["npy"] = {
        k: {"shape": list(a.shape), "data": a.reshape(-1).astype(float).tolist()}
        for k, a in npys.items()
    }

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
