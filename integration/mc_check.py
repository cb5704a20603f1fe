#!/usr/bin/env python3
"""mc_check.py HOST PORT KEYS SEED [--pipeline]: sets KEYS keys with values
of 1 B to 500 KiB (log-uniform sizes, seeded content) through memcached's
text protocol, then reads every one back and compares byte for byte. Prints
one line: keys=N bytes=B set_s=T get_s=T mismatches=M; exit status 1 on any
mismatch or protocol error.

By default each request waits for its reply. With --pipeline a second
thread writes every request while the first reads the replies in order, so
the connection carries a stream rather than a request at a time: on a lossy
link a lost last segment of one request no longer costs a retransmission
timeout per request (RFC 8985's probe for a one-segment flight waits the
200 ms delayed-ACK allowance, as Linux's does), and the check is bounded by
bandwidth rather than by round trips. The keys and values are the same in
both modes."""
import random
import socket
import sys
import threading
import time


def sizes(rng, keys):
    out = []
    for _ in range(keys):
        n = int(round(2 ** rng.uniform(0, 19 - 0.035)))  # 1 B .. ~500 KiB
        out.append(max(1, min(n, 500 * 1024)))
    return out


def value(i, n):
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
        chunks, have = [self.buf], len(self.buf)
        while have < n:
            d = self.s.recv(1 << 20)
            if not d:
                raise RuntimeError("connection closed")
            chunks.append(d)
            have += len(d)
        data = b"".join(chunks)
        out, self.buf = data[:n], data[n:]
        return out


def set_request(i, n):
    return b"set k%d 0 0 %d\r\n" % (i, n) + value(i, n) + b"\r\n"


def get_request(i, n):
    return b"get k%d\r\n" % i


class Writer(threading.Thread):
    """Writes every request of one phase; the reader runs alongside."""

    def __init__(self, sock, lengths, request):
        super().__init__(daemon=True)
        self.sock, self.lengths, self.request, self.error = sock, lengths, request, None

    def run(self):
        try:
            for i, n in enumerate(self.lengths):
                self.sock.sendall(self.request(i, n))
        except OSError as e:
            self.error = e


def phase(c, lengths, request, pipeline):
    writer = None
    if pipeline:
        writer = Writer(c.s, lengths, request)
        writer.start()
    return writer


def finish(writer):
    if writer is None:
        return
    writer.join()
    if writer.error is not None:
        raise RuntimeError("writing requests: %s" % writer.error)


def main():
    args = [a for a in sys.argv[1:] if a != "--pipeline"]
    pipeline = len(args) != len(sys.argv) - 1
    host, port, keys, seed = args[0], int(args[1]), int(args[2]), int(args[3])
    lengths = sizes(random.Random(seed), keys)
    c = Conn(host, port)
    t0 = time.monotonic()
    writer = phase(c, lengths, set_request, pipeline)
    for i, n in enumerate(lengths):
        if not pipeline:
            c.s.sendall(set_request(i, n))
        r = c.line()
        if r != b"STORED":
            print("set k%d: %r" % (i, r))
            return 1
    finish(writer)
    t1 = time.monotonic()
    mismatches = 0
    writer = phase(c, lengths, get_request, pipeline)
    for i, n in enumerate(lengths):
        if not pipeline:
            c.s.sendall(get_request(i, n))
        head = c.line()
        if not head.startswith(b"VALUE "):
            print("get k%d: %r" % (i, head))
            mismatches += 1
            continue
        got = int(head.split()[3])
        data = c.exactly(got + 2)[:-2]
        if c.line() != b"END" or data != value(i, n):
            mismatches += 1
    finish(writer)
    t2 = time.monotonic()
    print("keys=%d bytes=%d set_s=%.2f get_s=%.2f mismatches=%d%s" %
          (keys, sum(lengths), t1 - t0, t2 - t1, mismatches, " pipelined" if pipeline else ""))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
