#!/usr/bin/env python3
"""Write the deterministic C-STORE corpus used by Scripts/bench-dicom-store.sh.

    make-dicom-store-corpus.py OUTDIR [--small N] [--medium N] [--large-mib N]

OUTDIR/small/      N (default 500) CT instances of ~40 KB (132x132 16-bit pixel data, ~6 KB header)
OUTDIR/medium/     N (default 200) CT instances of ~0.5 MB (512x512 16-bit)
OUTDIR/multiframe/ one 60 MB enhanced-CT-like multi-frame instance (115 frames of 512x512 16-bit)
OUTDIR/large/      with --large-mib N (default 0: none): one Secondary Capture instance whose Pixel
                   Data (OB) is N MiB of zeros, written as a sparse file (cheap to make)

Headers come from Scripts/make-dicom-bench-corpus.py (same generator, fixed seeds); everything is
explicit VR little endian, so every sender sends the files as they are.
"""
import argparse
import importlib.util
import os
import struct
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_corpus", os.path.join(here, "make-dicom-bench-corpus.py"))
corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus)


def ct_set(outdir, name, count, size, seed):
    g = corpus.Gen(seed)
    rng = np.random.default_rng(seed)
    os.makedirs(os.path.join(outdir, name), exist_ok=True)
    total = 0
    for i in range(count):
        ds = Dataset()
        corpus.ct(g, ds, rng, None)
        corpus.private_groups(g, ds, 2)
        corpus.image_pixel(ds, size, size, 16, signed=True)
        pixels = rng.integers(-1024, 3071, size=(size, size), dtype=np.int16)
        corpus.set_pixels(ds, pixels, ExplicitVRLittleEndian)
        path = os.path.join(outdir, name, f"{i:05d}.dcm")
        corpus.write(ds, path, ExplicitVRLittleEndian)
        total += os.path.getsize(path)
    return total


def large(outdir, mib):
    os.makedirs(os.path.join(outdir, "large"), exist_ok=True)
    g = corpus.Gen(1024)
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture
    ds.SOPInstanceUID = g.uid("large")
    ds.PatientID = "LARGE"
    ds.Modality = "OT"
    path = os.path.join(outdir, "large", "large.dcm")
    corpus.write(ds, path, ExplicitVRLittleEndian)
    n = mib << 20
    with open(path, "ab") as f:
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, n))  # (7FE0,0010) OB, reserved, length
        f.truncate(f.tell() + n)
    return os.path.getsize(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--medium", type=int, default=200)
    ap.add_argument("--large-mib", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    s = ct_set(args.outdir, "small", args.small, 132, 40)
    m = ct_set(args.outdir, "medium", args.medium, 512, 500)
    os.makedirs(os.path.join(args.outdir, "multiframe"), exist_ok=True)
    corpus.multiframe(os.path.join(args.outdir, "multiframe"))
    out = f"small {s / 1e6:.1f} MB, medium {m / 1e6:.1f} MB, multiframe"
    if args.large_mib:
        out += f", large {large(args.outdir, args.large_mib) / 1e6:.0f} MB (sparse)"
    print(f"wrote {out} to {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
