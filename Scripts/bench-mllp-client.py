#!/usr/bin/env python3
"""MLLP round-trip load with python-hl7's asyncio client: a peer for Scripts/bench-mllp.sh.

    python3 Scripts/bench-mllp-client.py HOST PORT MESSAGES CONNECTIONS

Each connection sends its share one at a time, waiting for each ACK (MSA-1 must be AA). Prints one JSON
line: connections, messages, messagesPerSecond, p50ms, p99ms.
"""
import asyncio
import json
import sys
import time

import hl7
from hl7.mllp import open_hl7_connection


def message(i):
    return hl7.parse(
        "MSH|^~\\&|BENCH|FAC|RCV|FAC|20260101120000||ADT^A01^ADT_A01|B%d|P|2.5.1\r"
        "EVN|A01|20260101120000\rPID|1||P%d^^^FAC^MR||DOE^JOHN||19700101|M\rPV1|1|I|W^1^1\r" % (i, i)
    )


async def worker(host, port, count, offset, latencies):
    reader, writer = await open_hl7_connection(host, port, encoding="utf-8")
    msgs = [message(offset + i) for i in range(count)]
    for m in msgs:
        t = time.perf_counter()
        writer.writemessage(m)
        await writer.drain()
        ack = await reader.readmessage()
        latencies.append(time.perf_counter() - t)
        if str(ack.segment("MSA")[1]) != "AA":
            raise SystemExit("not accepted")
    writer.close()


async def main(host, port, total, connections):
    # Warm up: one round trip per connection.
    await asyncio.gather(*(worker(host, port, 1, -1 - c, []) for c in range(connections)))
    latencies = []
    per = total // connections
    start = time.perf_counter()
    await asyncio.gather(*(worker(host, port, per, c * per, latencies) for c in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    print(json.dumps({
        "connections": connections, "messages": len(latencies),
        "messagesPerSecond": int(len(latencies) / elapsed),
        "p50ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99ms": round(latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] * 1000, 3),
    }))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
