#!/usr/bin/env python3
"""Reports the BLAS / OpenMP libraries torch loaded and what they detected (core type, threads),
as JSON, so that `slak bench` can tell when OpenBLAS misdetects the CPU (it reports e.g.
"Prescott" on CPUs newer than it knows) and pin OPENBLAS_CORETYPE for the baseline.

Usage: python3 bench/blas_probe.py   (honours OPENBLAS_CORETYPE / OPENBLAS_NUM_THREADS)
"""
import ctypes
import json
import os

import torch  # noqa: F401  (loads the BLAS the baseline uses)


def from_threadpoolctl():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{"api": i.get("internal_api"), "version": i.get("version"),
             "architecture": i.get("architecture"), "threads": i.get("num_threads"),
             "path": i.get("filepath")} for i in threadpool_info()]


def from_maps():
    """Fallback: ask every loaded libopenblas for its core name."""
    out = []
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "openblas" in line and "/" in line})
    for p in paths:
        try:
            lib = ctypes.CDLL(p)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            out.append({"api": "openblas", "version": None, "path": p,
                        "architecture": lib.openblas_get_corename().decode(),
                        "threads": lib.openblas_get_num_threads()})
        except (OSError, AttributeError):
            continue
    return out


def loaded_blas():
    """Real paths of the BLAS / LAPACK / oneDNN libraries in this process."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    keys = ("blas", "lapack", "dnnl", "mkl")
    return sorted(os.path.realpath(p) for p in paths if any(k in os.path.basename(p) for k in keys))


libs = from_threadpoolctl()
if libs is None:
    libs = from_maps()
print(json.dumps({"torch": torch.__version__, "torchThreads": torch.get_num_threads(),
                  "coretype": os.environ.get("OPENBLAS_CORETYPE"), "libraries": libs,
                  "loaded": loaded_blas()}))
