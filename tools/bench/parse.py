#!/usr/bin/env python3
"""The figures of one benchmark client's output, for tools/lib/bench.sh.

    parse.py sockperf|memcaslap|wrk|ab|iperf3 FILE

Prints NAME=VALUE pairs on one line; `requests` is what the client counted
over its whole run (round trips, operations, requests, connections; MiB for
iperf3), the divisor of the server's CPU time. Exits non-zero with the
reason on stderr when the output holds no result or reports errors: the
cell is then "n/a" with that reason, never a number made up from a broken
run.
"""

import json
import re
import sys


class Unusable(Exception):
    pass


def need(pattern, text, what, flags=0):
    m = re.search(pattern, text, flags)
    if not m:
        raise Unusable(f"no {what} in the output")
    return m


def sockperf(text):
    # --full-rtt: every figure is a round trip in microseconds.
    total = need(r"\[Total Run\].*?ReceivedMessages=(\d+)", text, "[Total Run] line")
    valid = need(r"\[Valid Duration\].*?ReceivedMessages=(\d+)", text, "[Valid Duration] line")
    if int(valid.group(1)) == 0:
        raise Unusable("no round trip completed in the measured period")
    avg = need(r"avg-(?:rtt|latency)=([0-9.]+)", text, "average")
    out = {"requests": int(total.group(1)), "avg_us": float(avg.group(1))}
    for name, pct in (("p50_us", "50.000"), ("p99_us", "99.000"), ("p999_us", "99.900")):
        out[name] = float(need(rf"percentile {re.escape(pct)} =\s*([0-9.]+)", text, f"p{pct}").group(1))
    dropped = re.search(r"# dropped messages = (\d+)", text)
    if dropped and int(dropped.group(1)) > 0:
        raise Unusable(f"sockperf counted {dropped.group(1)} dropped messages")
    return out


def memcaslap(text):
    m = need(r"Run time: ([0-9.]+)s Ops: (\d+) TPS: (\d+)", text, "'Run time: ... TPS:' line")
    ops, tps = int(m.group(2)), int(m.group(3))
    if ops == 0:
        raise Unusable("memcaslap completed no operation")
    # The last "Total Statistics" block is the whole run (-S at the run's
    # length prints one); its Avg is the mean latency in microseconds.
    blocks = re.findall(r"Total Statistics \((\d+) events\).*?Avg:\s*([0-9.]+)", text, re.S)
    if not blocks:
        raise Unusable("no 'Total Statistics' latency block")
    if re.search(r"\b(error|fail)", text, re.I):
        line = next(l for l in text.splitlines() if re.search(r"\b(error|fail)", l, re.I))
        raise Unusable(f"memcaslap reported: {line.strip()[:120]}")
    return {"requests": ops, "ops_s": tps, "avg_us": float(blocks[-1][1])}


UNIT_US = {"us": 1.0, "ms": 1e3, "s": 1e6}


def wrk_time(text, pct):
    m = need(rf"^\s*{pct}%\s+([0-9.]+)(us|ms|s)\s*$", text, f"{pct}% latency", re.M)
    return float(m.group(1)) * UNIT_US[m.group(2)]


def wrk(text):
    n = need(r"(\d+) requests in ([0-9.]+)(us|ms|s|m)", text, "'N requests in' line")
    rps = need(r"^Requests/sec:\s*([0-9.]+)", text, "Requests/sec", re.M)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if errors and any(int(x) for x in errors.groups()):
        raise Unusable(f"wrk socket errors: {errors.group(0)[15:]}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        raise Unusable(f"wrk saw {non2xx.group(1)} non-2xx responses")
    if int(n.group(1)) == 0:
        raise Unusable("wrk completed no request")
    return {"requests": int(n.group(1)), "req_s": float(rps.group(1)),
            "p50_us": wrk_time(text, 50), "p99_us": wrk_time(text, 99)}


def ab(text):
    done = int(need(r"^Complete requests:\s*(\d+)", text, "Complete requests", re.M).group(1))
    failed = int(need(r"^Failed requests:\s*(\d+)", text, "Failed requests", re.M).group(1))
    rps = float(need(r"^Requests per second:\s*([0-9.]+)", text, "Requests per second", re.M).group(1))
    if done == 0:
        raise Unusable("ab completed no request")
    if failed:
        raise Unusable(f"ab: {failed} of {done} requests failed")
    errors = re.search(r"^Non-2xx responses:\s*(\d+)", text, re.M)
    if errors:
        raise Unusable(f"ab: {errors.group(1)} non-2xx responses")
    return {"requests": done, "conn_s": rps}


def iperf3(text):
    try:
        doc = json.loads(text[text.index("{"):])
    except ValueError as e:
        raise Unusable(f"iperf3 output is not JSON ({e})")
    if doc.get("error"):
        raise Unusable(f"iperf3: {doc['error']}")
    received = doc.get("end", {}).get("sum_received", {})
    bps, nbytes = received.get("bits_per_second"), received.get("bytes")
    if not bps or not nbytes:
        raise Unusable("iperf3 received nothing")
    return {"requests": nbytes / (1 << 20), "gbit_s": bps / 1e9}


PARSERS = {"sockperf": sockperf, "memcaslap": memcaslap, "wrk": wrk, "ab": ab, "iperf3": iperf3}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in PARSERS:
        sys.exit(f"usage: parse.py {'|'.join(PARSERS)} FILE")
    with open(sys.argv[2], errors="replace") as f:
        text = f.read()
    try:
        figures = PARSERS[sys.argv[1]](text)
    except Unusable as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    print(" ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
