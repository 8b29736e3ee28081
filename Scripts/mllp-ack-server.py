#!/usr/bin/env python3
"""A minimal MLLP receiver built on python-hl7's asyncio server, as an interop peer for Isthmus.

Acknowledges every message with AA, or AE when its MSH-10 starts with "REJECT". Binds loopback on the
given port (0: any free port) and prints "listening on PORT" once ready. Prints nothing about content.

    python3 Scripts/mllp-ack-server.py [PORT]
"""
import asyncio
import signal
import sys

import hl7
import hl7.mllp


async def handle(reader, writer):
    try:
        while not writer.is_closing():
            message = await reader.readmessage()
            control_id = str(message.segment("MSH")[10])
            code = "AE" if control_id.startswith("REJECT") else "AA"
            writer.writemessage(message.create_ack(ack_code=code))
            await writer.drain()
    except asyncio.IncompleteReadError:
        pass
    finally:
        writer.close()


async def main(port):
    server = await hl7.mllp.start_hl7_server(handle, host="127.0.0.1", port=port, encoding="utf-8",
                                             encoding_errors="surrogateescape")
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    # A parent may have left SIGTERM blocked (threads of async runtimes do); make it stop this server.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    except KeyboardInterrupt:
        pass
