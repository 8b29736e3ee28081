#!/usr/bin/env python3
"""Peer side of Scripts/bench-hl7-parse.sh: times python-hl7 and hl7conv2 on the same corpus.

Usage: bench-hl7-peers.py CORPUS ROUNDS   (corpus: messages separated by LF, segments by CR)
Prints one JSON object: {"hl7_parse": {"mb_s", "msg_s"}, "hl7conv2_json": {...}, "hl7conv2_json_text": {...}}.
Bytes are decoded to str before timing (in the peers' favour). Times are CPU time of the thread,
like the Isthmus side, so that a shared machine's load does not count.
"""
import json
import sys
import time

path, rounds = sys.argv[1], int(sys.argv[2])
raw = open(path, "rb").read()
messages = [m for m in raw.split(b"\n") if m]
total = sum(len(m) for m in messages)
texts = [m.decode("utf-8") for m in messages]


def best(fn):
    t = float("inf")
    for _ in range(rounds):
        s = time.thread_time()
        fn()
        t = min(t, time.thread_time() - s)
    return {"mb_s": total / 1e6 / t, "msg_s": len(texts) / t, "seconds": t}


out = {}
try:
    import hl7

    def run_hl7():
        for t in texts:
            hl7.parse(t)

    out["hl7_parse"] = best(run_hl7)
except ImportError:
    pass
try:
    from hl7conv2 import Hl7Json

    def run_conv():
        for t in texts:
            Hl7Json(t).hl7_json

    def run_conv_text():
        for t in texts:
            json.dumps(Hl7Json(t).hl7_json)

    out["hl7conv2_json"] = best(run_conv)
    out["hl7conv2_json_text"] = best(run_conv_text)
except ImportError:
    pass
print(json.dumps(out))
