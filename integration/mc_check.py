#!/usr/bin/env python3
"""mc_check.py HOST PORT KEYS SEED: sets KEYS keys with values of 1 B to
500 KiB (log-uniform sizes, seeded content) through memcached's text
protocol, then reads every one back and compares byte for byte. Prints one
line: keys=N bytes=B set_s=T get_s=T mismatches=M; exit status 1 on any
mismatch or protocol error."""
import random
import socket
import sys
import time


def value(rng, i):
    n = int(round(2 ** rng.uniform(0, 19 - 0.035)))  # 1 B .. ~500 KiB
    n = max(1, min(n, 500 * 1024))
    seed = (i * 2654435761) & 0xFFFFFFFF
    block = bytes((seed + j * 7) & 0xFF for j in range(256))
    return (block * (n // 256 + 1))[:n]


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=30)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(1 << 20)
            if not d:
                raise RuntimeError("connection closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 20)
            if not d:
                raise RuntimeError("connection closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def main():
    host, port, keys, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    sizes = [value(rng, i) for i in range(keys)]
    c = Conn(host, port)
    total = 0
    t0 = time.monotonic()
    for i, v in enumerate(sizes):
        c.s.sendall(b"set k%d 0 0 %d\r\n" % (i, len(v)) + v + b"\r\n")
        r = c.line()
        if r != b"STORED":
            print("set k%d: %r" % (i, r))
            return 1
        total += len(v)
    t1 = time.monotonic()
    mismatches = 0
    for i, v in enumerate(sizes):
        c.s.sendall(b"get k%d\r\n" % i)
        head = c.line()
        if not head.startswith(b"VALUE "):
            print("get k%d: %r" % (i, head))
            mismatches += 1
            continue
        n = int(head.split()[3])
        data = c.exactly(n + 2)[:-2]
        if c.line() != b"END" or data != v:
            mismatches += 1
    t2 = time.monotonic()
    print("keys=%d bytes=%d set_s=%.2f get_s=%.2f mismatches=%d" % (keys, total, t1 - t0, t2 - t1, mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
