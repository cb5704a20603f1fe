#!/usr/bin/env python3
"""The Linux side of the TCP interop scripts (integration/2*.sh): clients of
the node's echo, discard and source services, and servers for the node's
client mode. Run inside the peer namespace. Every socket has a stall timeout,
so nothing here waits forever; the scripts add an overall `timeout` as well.

Each command prints one `key=value ...` line on success and exits 0; on a
failure it prints `tcp_peer: ...` on stderr and exits 1.

  echo HOST PORT IN OUT        send IN while reading into OUT (concurrently),
                               shut down writing after IN, read until EOF
  discard HOST PORT IN         send IN, shut down writing, wait for EOF
  source HOST PORT N           ask for N bytes, check they are i % 251
  cycles HOST PORT COUNT SIZE  COUNT sequential connect/echo SIZE bytes/close
  hold HOST PORT               connect, echo a line, print the local port,
                               keep the connection open until stdin closes
  serve-echo IP PORT N         accept one connection, echo it; what arrives
                               must be exactly N bytes of i % 251
  serve-source IP PORT N       accept one connection, send N bytes of
                               i % 251, shut down writing, read until EOF
"""

import os
import socket
import subprocess
import sys
import threading
import time

CHUNK = 64 * 1024
PERIOD = 251
PATTERN = bytes(range(PERIOD)) * (CHUNK // PERIOD + 2)
STALL = float(os.environ.get("TCP_PEER_STALL", "60"))  # seconds without progress


class Failure(Exception):
    pass


def pattern(offset, n):
    start = offset % PERIOD
    return PATTERN[start:start + n]


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=STALL)
    s.settimeout(STALL)
    return s


def tcp_state(s):
    """Linux's view of the connection (ss -tino), for a failure message."""
    try:
        port = s.getsockname()[1]
        out = subprocess.run(["ss", "-Htino", f"sport = :{port}"], capture_output=True,
                             text=True, timeout=5).stdout.strip()
        return "\n  ss: " + out.replace("\n", "\n  ss: ") if out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def recv_all(s, sink):
    """Reads until EOF, handing each chunk to sink; returns the byte count."""
    total = 0
    while True:
        try:
            data = s.recv(CHUNK)
        except socket.timeout:
            raise Failure(f"no data for {STALL:.0f}s after {total} bytes{tcp_state(s)}")
        if not data:
            return total
        sink(data, total)
        total += len(data)


def send_file(s, path, errors):
    try:
        with open(path, "rb") as f:
            while True:
                data = f.read(CHUNK)
                if not data:
                    break
                s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        errors.append(f"send: {e}")


def figures(nbytes, secs, **extra):
    mib_s = nbytes / (1 << 20) / secs if secs > 0 else 0.0
    fields = {"bytes": nbytes, "seconds": f"{secs:.3f}", "mib_s": f"{mib_s:.1f}", **extra}
    return " ".join(f"{k}={v}" for k, v in fields.items())


def check_pattern(data, offset):
    if data != pattern(offset, len(data)):
        bad = next(i for i in range(len(data)) if data[i] != (offset + i) % PERIOD)
        raise Failure(f"byte {offset + bad} is {data[bad]}, expected {(offset + bad) % PERIOD}")


def cmd_echo(host, port, src, dst):
    size = os.path.getsize(src)
    start = time.monotonic()
    s = connect(host, port)
    errors = []
    sender = threading.Thread(target=send_file, args=(s, src, errors))
    sender.start()
    with open(dst, "wb") as out:
        got = recv_all(s, lambda d, _: out.write(d))
    sender.join(STALL)
    s.close()
    secs = time.monotonic() - start
    if errors:
        raise Failure(errors[0])
    if got != size:
        raise Failure(f"echoed {got} bytes of {size}")
    # Each byte crossed the link twice; the figure is the payload rate.
    print(figures(size, secs))


def cmd_discard(host, port, src):
    size = os.path.getsize(src)
    start = time.monotonic()
    s = connect(host, port)
    errors = []
    send_file(s, src, errors)
    if errors:
        raise Failure(errors[0])
    got = recv_all(s, lambda d, _: None)
    s.close()
    secs = time.monotonic() - start
    if got != 0:
        raise Failure(f"discard sent {got} bytes back")
    print(figures(size, secs))


def cmd_source(host, port, n):
    n = int(n)
    start = time.monotonic()
    s = connect(host, port)
    s.sendall(f"{n}\n".encode())
    s.shutdown(socket.SHUT_WR)
    got = recv_all(s, lambda d, off: check_pattern(d, off))
    s.close()
    secs = time.monotonic() - start
    if got != n:
        raise Failure(f"received {got} bytes, expected {n}")
    print(figures(n, secs))


def cmd_cycles(host, port, count, size):
    count, size = int(count), int(size)
    payload = os.urandom(size)
    start = time.monotonic()
    slowest = 0.0
    for i in range(count):
        t0 = time.monotonic()
        s = connect(host, port)
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        parts = []
        recv_all(s, lambda d, _: parts.append(d))
        s.close()
        if b"".join(parts) != payload:
            raise Failure(f"cycle {i}: the echo differs from what was sent")
        slowest = max(slowest, time.monotonic() - t0)
    secs = time.monotonic() - start
    print(f"cycles={count} size={size} seconds={secs:.3f} "
          f"per_cycle_ms={secs / count * 1000:.2f} slowest_ms={slowest * 1000:.1f}")


def cmd_hold(host, port):
    s = connect(host, port)
    s.sendall(b"hello\n")
    got = b""
    while len(got) < 6:
        data = s.recv(64)
        if not data:
            raise Failure("the echo closed early")
        got += data
    print(f"connected local_port={s.getsockname()[1]}", flush=True)
    sys.stdin.read()
    s.close()


def listen(ip, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, int(port)))
    ls.listen(1)
    ls.settimeout(STALL)
    print("listening", flush=True)
    try:
        c, _ = ls.accept()
    except socket.timeout:
        raise Failure(f"no connection in {STALL:.0f}s")
    ls.close()
    c.settimeout(STALL)
    return c


def cmd_serve_echo(ip, port, n):
    n = int(n)
    c = listen(ip, port)
    start = time.monotonic()
    got = recv_all(c, lambda d, off: (check_pattern(d, off), c.sendall(d)))
    c.shutdown(socket.SHUT_WR)
    c.close()
    secs = time.monotonic() - start
    if got != n:
        raise Failure(f"received {got} bytes, expected {n}")
    print(figures(n, secs))


def cmd_serve_source(ip, port, n):
    n = int(n)
    c = listen(ip, port)
    start = time.monotonic()
    sent = 0
    while sent < n:
        k = min(CHUNK, n - sent)
        c.sendall(pattern(sent, k))
        sent += k
    c.shutdown(socket.SHUT_WR)
    got = recv_all(c, lambda d, _: None)
    c.close()
    secs = time.monotonic() - start
    if got != 0:
        raise Failure(f"the client sent {got} bytes")
    print(figures(n, secs))


COMMANDS = {
    "echo": cmd_echo,
    "discard": cmd_discard,
    "source": cmd_source,
    "cycles": cmd_cycles,
    "hold": cmd_hold,
    "serve-echo": cmd_serve_echo,
    "serve-source": cmd_serve_source,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        COMMANDS[argv[1]](*argv[2:])
    except Failure as e:
        print(f"tcp_peer: {argv[1]}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"tcp_peer: {argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
