"""Writes tests/fixtures/seg_data/opencv_ref.json: reference outputs of the OpenCV and numpy
operations that mmseg's ADE20K pipelines call, for lib/data/segmentation/ to match bit for bit.

- cv2.resize INTER_LINEAR (uint8, 1 and 3 channels; up, down, exact 2x) and INTER_NEAREST;
- cv2.cvtColor BGR2HSV and HSV2BGR on uint8 (rows whose widths exercise both the vector blocks
  and the scalar tail of OpenCV's conversion);
- mmseg's PhotoMetricDistortion.convert: uint8(clip(float32(img) * alpha + beta, 0, 255)).

Requirements: Debian's python3-opencv (tested with 4.6.0, x86-64 AVX2 build) and python3-numpy.
Run: /usr/bin/python3 tools/make_seg_data_fixture.py [--out tests/fixtures/seg_data]
Deterministic: a fixed seed; a re-run gives an identical file.
"""
import argparse
import json
import os

import cv2
import numpy as np


def hsv_to_rgb_unfused(hsv):
    """OpenCV's vector HSV -> RGB (truncating) with every float32 operation rounded on its own."""
    f = np.float32
    h = hsv[:, 0].astype(f) * f(6.0 / 180.0)
    s = hsv[:, 1].astype(f) * f(1.0 / 255.0)
    v = hsv[:, 2].astype(f) * f(1.0 / 255.0)
    sector = np.trunc(h)
    h = (h - sector).astype(f)
    sector = sector.astype(int) % 6
    one = f(1.0)
    tab = np.stack([v, v * (one - s), v * (one - (s * h).astype(f)),
                    v * (one - (s * (one - h)).astype(f))], axis=1).astype(f)
    table = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])
    idx = table[sector]
    bgr = np.take_along_axis(tab, idx, axis=1)
    return np.trunc(bgr[:, ::-1] * f(255.0)).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/seg_data")
    args = ap.parse_args()
    rng = np.random.default_rng(20261130)

    resize = []
    sizes = [((7, 5), (13, 9)), ((13, 9), (7, 5)), ((20, 10), (10, 5)), ((31, 17), (40, 25)),
             ((24, 18), (11, 8)), ((9, 9), (9, 4))]
    for i, ((sw, sh), (dw, dh)) in enumerate(sizes):
        ch = 3 if i % 2 == 0 else 1
        img = rng.integers(0, 256, (sh, sw, ch), dtype=np.uint8)
        lin = cv2.resize(img, (dw, dh), interpolation=cv2.INTER_LINEAR)
        near = cv2.resize(img, (dw, dh), interpolation=cv2.INTER_NEAREST)
        resize.append(dict(src=[sw, sh], dst=[dw, dh], channels=ch, image=img.ravel().tolist(),
                           linear=lin.ravel().tolist(), nearest=near.ravel().tolist()))

    rgb = rng.integers(0, 256, (1, 1000, 3), dtype=np.uint8)
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, ::-1]), cv2.COLOR_BGR2HSV)
    to_rgb = []
    for (h, w) in [(3, 45), (1, 64), (4, 17)]:
        src = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        src[:, :, 0] %= 180
        back = cv2.cvtColor(src, cv2.COLOR_HSV2BGR)[:, :, ::-1]
        to_rgb.append(dict(height=h, width=w, hsv=src.ravel().tolist(),
                           rgb=np.ascontiguousarray(back).ravel().tolist()))

    # Pixels where rounding 1 - s*x twice (no fused multiply-add) would change the result, in a
    # row of whole 32-pixel blocks (OpenCV's vector path).
    cand = rng.integers(0, 256, (1, 64000, 3), dtype=np.uint8)
    cand[:, :, 0] %= 180
    want = cv2.cvtColor(cand, cv2.COLOR_HSV2BGR)[:, :, ::-1]
    unfused = hsv_to_rgb_unfused(cand[0])
    hard = np.nonzero(np.any(unfused != want[0], axis=1))[0]
    pick = np.concatenate([hard, np.arange(64 - len(hard) % 32 if len(hard) % 32 else 0)])
    sel = cand[:, pick, :]
    to_rgb.append(dict(height=1, width=sel.shape[1], hsv=sel.ravel().tolist(),
                       rgb=np.ascontiguousarray(
                           cv2.cvtColor(sel, cv2.COLOR_HSV2BGR)[:, :, ::-1]).ravel().tolist()))

    vals = rng.integers(0, 256, 256, dtype=np.uint8)
    convert = []
    for alpha, beta in [(1.0, 16.73), (1.0, -31.2), (0.5371, 0.0), (1.4629, 0.0), (1.2, 3.5)]:
        out = np.clip(vals.astype(np.float32) * alpha + beta, 0, 255).astype(np.uint8)
        convert.append(dict(alpha=alpha, beta=beta, out=out.tolist()))

    os.makedirs(args.out, exist_ok=True)
    doc = dict(opencv=cv2.__version__, numpy=np.__version__, resize=resize,
               rgb2hsv=dict(rgb=rgb.ravel().tolist(), hsv=hsv.ravel().tolist()),
               hsv2rgb=to_rgb, convert=dict(values=vals.tolist(), cases=convert))
    with open(os.path.join(args.out, "opencv_ref.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
