#!/usr/bin/env python3
"""How fast this disk makes writes durable: one fdatasync at a time vs several in flight on the same file.

    python3 Scripts/measure-fsync.py [DIRECTORY]      (default: the current directory)

Each thread overwrites its own 4 KiB blocks of one preallocated file and fdatasyncs after every write, as the
store's WAL sync does (docs/store.md, "Pipelined syncs"). Prints flushes per second and the mean time of one.
"""
import os, sys, threading, time

directory = sys.argv[1] if len(sys.argv) > 1 else "."
path = os.path.join(directory, ".isthmus-fsync-probe")
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
try:
    os.write(fd, b"\0" * (4096 * 4096))
    os.fsync(fd)

    def worker(index, threads, count):
        for k in range(count):
            os.pwrite(fd, b"y" * 4096, ((k * threads) + index) * 4096 % (4096 * 4096))
            os.fdatasync(fd)

    for threads in (1, 2, 4, 8):
        count = 200
        pool = [threading.Thread(target=worker, args=(i, threads, count)) for i in range(threads)]
        start = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.perf_counter() - start
        print("%d in flight: %6.0f flushes/s, %.2f ms per flush" % (threads, threads * count / elapsed, elapsed / count * 1000))
finally:
    os.close(fd)
    os.remove(path)
