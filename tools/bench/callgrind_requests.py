#!/usr/bin/env python3
"""Instructions per request of a server under libpercore.so, from one
callgrind dump of a window in which a client kept it busy (tools/lib/bench.sh).

    callgrind_requests.py DUMP [TOP]

Requests are counted in the same dump, on the server's side: the calls made
to libpercore.so's send entry points (send, sendto, sendmsg, sendmmsg,
write, writev, sendfile), one reply per request for a ping-pong or
memcached server. Prints `ir_per_request=... requests=... ir=...`, the calls
counted, and the TOP functions by self Ir per request with their object.

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

TX = {"send", "sendto", "sendmsg", "sendmmsg", "write", "writev", "sendfile", "sendfile64"}
PRELOAD = "libpercore.so"


def tx_calls(path):
    """Calls into libpercore.so's send entry points, by name."""
    fn_names, ob_names = {}, {}
    ob = cob = cfn = None
    counts = defaultdict(int)
    ref = re.compile(r"^(c?fn|c?ob)=\((\d+)\)(?: (.*))?$")
    with open(path, errors="replace") as f:
        for line in f:
            m = ref.match(line.rstrip("\n"))
            if m:
                kind, ident, name = m.groups()
                table = fn_names if kind.endswith("fn") else ob_names
                if name is not None:
                    table[ident] = name
                if kind == "ob":
                    ob, cob = ident, None
                elif kind == "cob":
                    cob = ident
                elif kind == "cfn":
                    cfn = ident
                elif kind == "fn":
                    cob = None
                continue
            if line.startswith("calls="):
                callee = fn_names.get(cfn, "?")
                callee_ob = ob_names.get(cob if cob is not None else ob, "")
                if callee in TX and callee_ob.endswith(PRELOAD):
                    counts[callee] += int(line[6:].split()[0])
                # cob= and cfi= name the callee of the next calls= line only.
                cob = None
    return counts


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: callgrind_requests.py DUMP [TOP]")
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    prof = Profile(path)
    counts = tx_calls(path)
    requests = sum(counts.values())
    if prof.total == 0:
        sys.exit("callgrind_requests: the dump counted no instruction")
    if requests == 0:
        sys.exit("callgrind_requests: no call to libpercore.so's send entry points in the window")
    print(f"ir_per_request={prof.total / requests:.0f} requests={requests} ir={prof.total}")
    print("requests counted: " + ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items())))
    print()
    print(f"top {top} functions by self Ir (Ir per request, share of the total):")
    for fn, ir in sorted(prof.self_ir.items(), key=lambda kv: -kv[1])[:top]:
        obj = prof.object_of.get(fn, "").rsplit("/", 1)[-1]
        print(f"  {ir / requests:>9,.0f}  {100 * ir / prof.total:5.1f}%  {prof.label(fn)}"
              + (f"  [{obj}]" if obj else ""))


if __name__ == "__main__":
    main()
