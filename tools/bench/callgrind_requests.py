#!/usr/bin/env python3
"""Instructions per request of a server under libpercore.so, from one
callgrind dump of a window in which a client kept it busy (tools/lib/bench.sh).

    callgrind_requests.py DUMP [TOP]

Requests are counted in the same dump, on the server's side: the calls of
percore::preload::Socket::send, which every send, sendto, sendmsg, write or
writev on a percore socket goes through (descriptors of the kernel, such
as the eventfd a DPDK driver writes, pass the interposer by without it):
one reply per request for a ping-pong or memcached server. Prints
`ir_per_request=... requests=... ir=...`, the callers of those sends, and
the TOP functions by self Ir per request with their object.

Ir counts every thread of the process, the application's own code and the
stack's, the spinning of the stack's poll loop between two requests
included; nothing of the kernel (valgrind sees user space only).
"""

import os
import re
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgrind_profile import Profile  # noqa: E402

SEND = re.compile(r"^percore::preload::Socket::send\(.*\)$")  # not its lambdas


def send_calls(path):
    """Calls of Socket::send, by the name of the calling function."""
    fn_names = {}
    fn = cfn = None
    counts = defaultdict(int)
    ref = re.compile(r"^(c?fn)=\((\d+)\)(?: (.*))?$")
    with open(path, errors="replace") as f:
        for line in f:
            m = ref.match(line.rstrip("\n"))
            if m:
                kind, ident, name = m.groups()
                if name is not None:
                    fn_names[ident] = name
                if kind == "fn":
                    fn = ident
                else:
                    cfn = ident
                continue
            if line.startswith("calls=") and SEND.match(fn_names.get(cfn, "")):
                counts[fn_names.get(fn, "?")] += int(line[6:].split()[0])
    return counts


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: callgrind_requests.py DUMP [TOP]")
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    prof = Profile(path)
    counts = send_calls(path)
    requests = sum(counts.values())
    if prof.total == 0:
        sys.exit("callgrind_requests: the dump counted no instruction")
    if requests == 0:
        sys.exit("callgrind_requests: no send on a percore socket in the window")
    print(f"ir_per_request={prof.total / requests:.0f} requests={requests} ir={prof.total}")
    print("requests counted: sends on percore sockets, from "
          + ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items())))
    print()
    print(f"top {top} functions by self Ir (Ir per request, share of the total):")
    for fn, ir in sorted(prof.self_ir.items(), key=lambda kv: -kv[1])[:top]:
        obj = prof.object_of.get(fn, "").rsplit("/", 1)[-1]
        print(f"  {ir / requests:>9,.0f}  {100 * ir / prof.total:5.1f}%  {prof.label(fn)}"
              + (f"  [{obj}]" if obj else ""))


if __name__ == "__main__":
    main()
