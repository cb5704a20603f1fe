#!/usr/bin/env python3
"""Sequential fixed-size echo round trips, for tools/bench/node_echo_callgrind.sh.

    echo_client.py HOST PORT --warmup W --rounds N --size B [--sync DIR]

Connects, does W round trips, then N measured ones, then closes. One round
trip: send B bytes, read until B bytes are back, check they are what was
sent (the content changes from one round trip to the next).

With --sync DIR the measured phase is fenced for the script that counts
instructions: after the warm-up the client creates DIR/warm.done and waits
for DIR/go; after the measured round trips it creates DIR/measured.done and
waits for DIR/release before it closes the connection.

Prints one line: rounds=N size=B seconds=S us_per_round_trip=U
"""

import argparse
import os
import socket
import sys
import time


def wait_for(path, limit):
    deadline = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"echo_client: {path} did not appear within {limit}s")
        time.sleep(0.001)


def touch(path):
    with open(path, "w"):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2000)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--sync")
    ap.add_argument("--sync-timeout", type=float, default=120.0)
    ap.add_argument("--io-timeout", type=float, default=30.0)
    args = ap.parse_args()

    # 256 distinct payloads (a rotation of 0..255), one per round trip mod 256.
    base = bytes(range(256)) * (args.size // 256 + 2)
    payloads = [base[i : i + args.size] for i in range(256)]
    buf = bytearray(args.size)
    view = memoryview(buf)

    s = socket.create_connection((args.host, args.port), timeout=args.io_timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def round_trip(i):
        p = payloads[i & 255]
        s.sendall(p)
        got = 0
        while got < args.size:
            n = s.recv_into(view[got:], args.size - got)
            if n == 0:
                sys.exit(f"echo_client: connection closed after {got} of {args.size} bytes (round trip {i})")
            got += n
        if buf != p:
            sys.exit(f"echo_client: round trip {i}: echoed bytes differ from those sent")

    for i in range(args.warmup):
        round_trip(i)
    if args.sync:
        touch(os.path.join(args.sync, "warm.done"))
        wait_for(os.path.join(args.sync, "go"), args.sync_timeout)
    start = time.monotonic()
    for i in range(args.rounds):
        round_trip(args.warmup + i)
    seconds = time.monotonic() - start
    if args.sync:
        touch(os.path.join(args.sync, "measured.done"))
        wait_for(os.path.join(args.sync, "release"), args.sync_timeout)
    s.close()
    print(f"rounds={args.rounds} size={args.size} seconds={seconds:.3f} "
          f"us_per_round_trip={seconds / max(args.rounds, 1) * 1e6:.1f}", flush=True)


if __name__ == "__main__":
    main()
