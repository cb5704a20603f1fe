"""Traffic for capture.sh: each role runs inside pcw-a or pcw-b.

Everything talks only to 198.18.0.1 (pcw-a) and 198.18.1.2 (pcw-b) and stops
by itself after a bounded number of packets.
"""
import os
import socket
import struct
import sys
import time

SERVER = "198.18.1.2"
FLAGS = "/tmp/pcw-sack-"


def tcp_server(port, rounds):
    """Accepts `rounds` connections, reads each to EOF, then closes it (our FIN)."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((SERVER, port))
    ls.listen(4)
    ls.settimeout(10)
    for _ in range(rounds):
        conn, _ = ls.accept()
        conn.settimeout(10)
        while conn.recv(4096):
            pass
        conn.close()


def tcp_client(port, payload):
    s = socket.create_connection((SERVER, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if payload:
        s.sendall(payload.encode())
        time.sleep(0.2)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(5)
    while s.recv(4096):
        pass
    s.close()


def tcp_connect_closed(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((SERVER, port))
    except ConnectionRefusedError:
        pass
    s.close()


def wait_for(path):
    for _ in range(200):
        if os.path.exists(path):
            return
        time.sleep(0.05)
    raise TimeoutError(path)


def tcp_sack_client(port):
    """Five segments of distinct sizes, sent once capture.sh has set pcw-r to
    hold back the 200- and 400-byte ones and every ACK: pcw-b then holds two
    out-of-order ranges and its ACKs carry two SACK blocks."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(5)
    s.connect((SERVER, port))
    open(FLAGS + "connected", "w").close()
    wait_for(FLAGS + "go")
    for i, size in enumerate((100, 200, 300, 400, 500)):
        s.send(bytes([ord("a") + i]) * size)
    time.sleep(0.2)
    open(FLAGS + "sent", "w").close()
    time.sleep(1.5)
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()


def udp_server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((SERVER, port))
    s.settimeout(10)
    data, peer = s.recvfrom(2048)
    s.sendto(data.upper(), peer)


def udp_client(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.1", 40000))
    s.settimeout(5)
    s.sendto(b"percore udp vector\n", (SERVER, port))
    s.recvfrom(2048)


def udp_spend(ip_len, dst):
    """One datagram of IP total length `ip_len` to the discard port: it spends
    the tokens that htb gives a fresh class, so the next match is held."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(bytes(ip_len - 28), (dst, 9))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def icmp_echo():
    """One echo request (ident 0x5043, seq 1, 56 data bytes like ping's);
    pcw-b's kernel answers it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(5)
    data = bytes(range(56))
    header = struct.pack("!BBHHH", 8, 0, 0, 0x5043, 1)
    header = struct.pack("!BBHHH", 8, 0, checksum(header + data), 0x5043, 1)
    s.sendto(header + data, (SERVER, 0))
    s.recvfrom(2048)


if __name__ == "__main__":
    role, args = sys.argv[1], sys.argv[2:]
    {
        "tcp-server": lambda: tcp_server(int(args[0]), int(args[1])),
        "tcp-client": lambda: tcp_client(int(args[0]), args[1] if len(args) > 1 else ""),
        "tcp-connect-closed": lambda: tcp_connect_closed(int(args[0])),
        "tcp-sack-client": lambda: tcp_sack_client(int(args[0])),
        "udp-server": lambda: udp_server(int(args[0])),
        "udp-client": lambda: udp_client(int(args[0])),
        "udp-spend": lambda: udp_spend(int(args[0]), args[1]),
        "icmp-echo": icmp_echo,
    }[role]()
