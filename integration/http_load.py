#!/usr/bin/env python3
"""http_load.py HOST PORT PATH CONNS [--hold S] [--opening N] [--rounds R]
[--bind ADDR]:
opens CONNS keep-alive HTTP/1.1 connections to HOST:PORT, at most N
(default 256) handshakes in progress at a time, and keeps every one open
until all are. Then R rounds (default 2): each round sends one GET PATH on
every connection at once and reads every response (status 200, the body as
long as Content-Length says), all on the same connections. Then holds them
open S seconds (default 2), closes them all (FIN) and exits. --bind: the
local address of every connection.

One thread, one epoll (selectors); every connection is a state machine.
Prints "holding N connections for S s" when it starts holding, then:
  conns=N established=N max_open=N requests=N ok=N errors=N connect_s=T
  rounds_s=T round_s=T1,T2... first_error=...
and exits 1 unless every connection was established and every request
answered with 200 and a complete body. Stops with errors after 40 s."""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time

DEADLINE_S = 40


class Conn:
    __slots__ = ("sock", "state", "out", "buf", "need", "done_round")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connecting"
        self.out = b""
        self.buf = b""
        self.need = None  # bytes of the response still expected once the header is in
        self.done_round = 0


def parse_head(buf):
    """(status, content_length, header_length) or None until the header is complete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buf[:end].split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, length, end + 4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("path")
    ap.add_argument("conns", type=int)
    ap.add_argument("--hold", type=float, default=2.0)
    ap.add_argument("--opening", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--bind", default="")
    a = ap.parse_args()

    want = a.conns + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))

    request = b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n" % (
        a.path.encode(), a.host.encode())
    sel = selectors.DefaultSelector()
    conns = []
    errors = 0
    first_error = ""
    deadline = time.monotonic() + DEADLINE_S

    def error(c, what):
        nonlocal errors, first_error
        errors += 1
        if not first_error:
            first_error = what.replace(" ", "_")
        c.state = "failed"
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    # Phase 1: every connection established, at most `opening` at a time.
    t0 = time.monotonic()
    started = established = 0
    opening = 0
    while established + errors < a.conns and time.monotonic() < deadline:
        while started < a.conns and opening < a.opening:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            if a.bind:
                s.bind((a.bind, 0))
            c = Conn(s)
            conns.append(c)
            rc = s.connect_ex((a.host, a.port))
            started += 1
            if rc not in (0, errno.EINPROGRESS):
                error(c, "connect_%s" % errno.errorcode.get(rc, rc))
                continue
            opening += 1
            sel.register(s, selectors.EVENT_WRITE, c)
        for key, _ in sel.select(timeout=0.5):
            c = key.data
            if c.state != "connecting":
                continue
            opening -= 1
            rc = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if rc != 0:
                error(c, "connect_%s" % errno.errorcode.get(rc, rc))
                continue
            c.state = "idle"
            established += 1
            sel.unregister(c.sock)
    for c in conns:
        if c.state == "connecting":
            error(c, "connect_timed_out")
    connect_s = time.monotonic() - t0
    max_open = sum(1 for c in conns if c.state == "idle")

    # Phase 2: rounds of one request on every connection at once.
    t1 = time.monotonic()
    requests = ok = 0
    round_times = []
    live = [c for c in conns if c.state == "idle"]
    for rnd in range(1, a.rounds + 1 if established == a.conns else 1):
        t_round = time.monotonic()
        pending = 0
        for c in live:
            if c.state != "idle":
                continue
            c.state, c.out, c.buf, c.need = "busy", request, b"", None
            sel.register(c.sock, selectors.EVENT_WRITE | selectors.EVENT_READ, c)
            requests += 1
            pending += 1
        while pending and time.monotonic() < deadline:
            for key, ev in sel.select(timeout=0.5):
                c = key.data
                try:
                    if ev & selectors.EVENT_WRITE and c.out:
                        n = c.sock.send(c.out)
                        c.out = c.out[n:]
                        if not c.out:
                            sel.modify(c.sock, selectors.EVENT_READ, c)
                    if ev & selectors.EVENT_READ:
                        d = c.sock.recv(1 << 16)
                        if not d:
                            error(c, "closed_by_server")
                            pending -= 1
                            continue
                        c.buf += d
                except OSError as e:
                    error(c, "io_%s" % errno.errorcode.get(e.errno, e.errno))
                    pending -= 1
                    continue
                if c.need is None:
                    head = parse_head(c.buf)
                    if head is None:
                        continue
                    status, length, hlen = head
                    if status != 200:
                        error(c, "status_%d" % status)
                        pending -= 1
                        continue
                    c.need = hlen + length
                if len(c.buf) >= c.need:
                    if len(c.buf) > c.need:
                        error(c, "extra_bytes")
                        pending -= 1
                        continue
                    ok += 1
                    pending -= 1
                    c.state = "idle"
                    c.done_round = rnd
                    sel.unregister(c.sock)
        round_times.append(time.monotonic() - t_round)
        if pending:
            errors += pending
            first_error = first_error or "round_%d_timed_out_with_%d_pending" % (rnd, pending)
            break
    rounds_s = time.monotonic() - t1

    open_now = sum(1 for c in conns if c.state == "idle")
    max_open = max(max_open, open_now)
    if a.hold > 0:
        print("holding %d connections for %g s" % (open_now, a.hold), flush=True)
        time.sleep(a.hold)
    for c in conns:
        if c.state != "failed":
            c.sock.close()
    print("conns=%d established=%d max_open=%d requests=%d ok=%d errors=%d connect_s=%.2f "
          "rounds_s=%.2f round_s=%s first_error=%s" %
          (a.conns, established, max_open, requests, ok, errors, connect_s, rounds_s,
           ",".join("%.2f" % t for t in round_times) or "none", first_error or "none"))
    good = established == a.conns and errors == 0 and ok == requests == a.conns * a.rounds
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
