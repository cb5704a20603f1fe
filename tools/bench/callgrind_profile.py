#!/usr/bin/env python3
"""The figures of tools/bench/node_echo_callgrind.sh, from two callgrind dumps.

    callgrind_profile.py MEASURED IDLE ROUNDS SIZE [TOP]

MEASURED holds the Ir of ROUNDS echo round trips of SIZE bytes, IDLE the Ir
of the same node with its connection open and quiet. Prints Ir per round
trip raw and net of idle polling, and the TOP functions by self and by
inclusive Ir.

The parser reads the callgrind format directly rather than callgrind_annotate
so that costs group by function, not by (source file, function): inlined
header code would otherwise split one function into several rows, and
inclusive rows of one function would overlap.
"""

import re
import sys
from collections import defaultdict

POLL = "percore::core::Shard::poll("  # one call per poll-loop iteration (one shard)
SLEEP = "nanosleep"                    # the loop's idle sleep


class Profile:
    def __init__(self, path):
        self.total = 0
        self.self_ir = defaultdict(int)
        self.incl_calls = defaultdict(int)  # Ir of the calls a function makes
        self.calls_to = defaultdict(int)
        self.object_of = {}
        self.sleep_ir = 0                   # inclusive Ir of the outermost sleeps
        fn_names, ob_names = {}, {}
        fn = cfn = ob = None
        pending_call = None
        ref = re.compile(r"^(c?fn|c?ob)=\((\d+)\)(?: (.*))?$")
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line[0] == "#":
                    continue
                if pending_call is not None:
                    # The cost line after calls=: position(s), then Ir.
                    parts = line.split()
                    ir = int(parts[1]) if len(parts) > 1 else 0
                    self.incl_calls[fn] += ir
                    if SLEEP in pending_call and SLEEP not in fn:
                        self.sleep_ir += ir
                    pending_call = None
                    continue
                m = ref.match(line)
                if m:
                    kind, ident, name = m.groups()
                    table = fn_names if kind.endswith("fn") else ob_names
                    if name is not None:
                        table[ident] = name
                    name = table.get(ident, "?")
                    if kind == "fn":
                        fn = name
                        self.object_of.setdefault(fn, ob_names.get(ob, ""))
                    elif kind == "cfn":
                        cfn = name
                    elif kind == "ob":
                        ob = ident
                    continue
                if line.startswith("calls="):
                    count = int(line[6:].split()[0])
                    self.calls_to[cfn] += count
                    pending_call = cfn
                    continue
                if line.startswith("totals:") or line.startswith("summary:"):
                    self.total = max(self.total, int(line.split()[1]))
                    continue
                if "=" in line.split()[0] or ":" in line.split()[0]:
                    continue  # fl=, fi=, fe=, cob=, cfi=, headers
                parts = line.split()
                if fn is not None and len(parts) >= 2 and re.match(r"^[0-9+\-*]", parts[0]):
                    self.self_ir[fn] += int(parts[1])
        if self.total == 0:
            self.total = sum(self.self_ir.values())

    def calls(self, pattern):
        return sum(c for name, c in self.calls_to.items() if pattern in name)

    def inclusive(self):
        return {fn: self.self_ir.get(fn, 0) + self.incl_calls.get(fn, 0)
                for fn in set(self.self_ir) | set(self.incl_calls)}

    def label(self, fn):
        name = fn
        if name.startswith("0x"):
            name += " in " + self.object_of.get(fn, "?").rsplit("/", 1)[-1]
        name = re.sub(r"std::chrono::time_point<std::chrono::_V2::steady_clock, "
                      r"std::chrono::duration<long, std::ratio<1l, 1000000000l> > >", "Instant", name)
        return name if len(name) <= 110 else name[:107] + "..."


def main():
    m = Profile(sys.argv[1])
    d = Profile(sys.argv[2])
    n, size = int(sys.argv[3]), int(sys.argv[4])
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 10
    m_iter, d_iter = m.calls(POLL), d.calls(POLL)
    if m.total == 0 or m_iter == 0 or d_iter == 0:
        sys.exit(f"callgrind_profile: nothing counted (measured Ir={m.total} iterations={m_iter}, "
                 f"idle iterations={d_iter})")
    # An idle iteration without its sleep: measured iterations rarely sleep
    # (a sleep comes only after 1024 empty polls in a row).
    idle_iter = (d.total - d.sleep_ir) / d_iter
    net = m.total - m.sleep_ir - m_iter * idle_iter
    print(f"percore-node echo, {size}-byte round trips, callgrind Ir (instructions executed):")
    print(f"  measured phase            {m.total:>12,} Ir, {n} round trips, {m_iter:,} poll-loop iterations "
          f"({m_iter / n:.1f} per round trip), {m.calls(SLEEP + '@'):,} idle sleeps")
    print(f"  empty poll-loop iteration {idle_iter:>12,.1f} Ir   (from {d_iter:,} idle iterations, sleeps left out)")
    print(f"  per round trip, raw       {m.total / n:>12,.0f} Ir   (everything counted while the round trips ran)")
    print(f"  per round trip, net       {net / n:>12,.0f} Ir   (raw minus idle sleeps and one empty iteration's")
    print(f"                                              Ir per poll-loop iteration)")
    for title, costs in (("self", m.self_ir), ("inclusive", m.inclusive())):
        print()
        print(f"top {top} functions of the measured phase by {title} Ir (Ir per round trip, raw):")
        for fn, ir in sorted(costs.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {ir / n:>10,.0f}  {m.label(fn)}")


if __name__ == "__main__":
    main()
