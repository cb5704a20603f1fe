#!/usr/bin/env python3
"""The table, CSV and plots of one `tools/percore bench` run.

    report.py OUT [--check]

Reads OUT/results.tsv (one measurement a line: round, workload, metric,
configuration, value or "n/a", note) and OUT/meta.txt (the machine), and
writes OUT/table.csv, OUT/latency.png and OUT/throughput.png; prints the
table: rows are workload/metric, columns the configurations (median and
min-max over the rounds), then percore-memif / linux-lo.

The last line counts the cells: "cells: N measured, N n/a". With --check
the exit status is 1 when a cell that applies was not measured in any round.
"""

import csv
import os
import statistics
import sys
from collections import defaultdict

CONFIGS = ["linux-lo", "linux-veth", "percore-memif", "percore-afxdp"]
RATIO = ("percore-memif", "linux-lo")
PERCORE_ONLY = ["percore-memif"]

# (workload, metric, label, unit, configurations it applies to or None: all)
ROWS = [
    ("sockperf-64B", "avg_us", "ping-pong 64 B: RTT avg", "us", None),
    ("sockperf-64B", "p50_us", "ping-pong 64 B: RTT p50", "us", None),
    ("sockperf-64B", "p99_us", "ping-pong 64 B: RTT p99", "us", None),
    ("sockperf-64B", "p999_us", "ping-pong 64 B: RTT p99.9", "us", None),
    ("sockperf-64B", "cpu_us", "ping-pong 64 B: server CPU / round trip", "us", None),
    ("sockperf-1KiB", "avg_us", "ping-pong 1 KiB: RTT avg", "us", None),
    ("sockperf-1KiB", "p50_us", "ping-pong 1 KiB: RTT p50", "us", None),
    ("sockperf-1KiB", "p99_us", "ping-pong 1 KiB: RTT p99", "us", None),
    ("sockperf-1KiB", "p999_us", "ping-pong 1 KiB: RTT p99.9", "us", None),
    ("sockperf-1KiB", "cpu_us", "ping-pong 1 KiB: server CPU / round trip", "us", None),
    ("memcached-16c", "ops_s", "memcached 16 conns: ops/s", "ops/s", None),
    ("memcached-16c", "avg_us", "memcached 16 conns: latency avg", "us", None),
    ("memcached-16c", "cpu_us", "memcached 16 conns: server CPU / op", "us", None),
    ("memcached-16c", "client_cpu_pct", "memcached 16 conns: client CPU", "% core", None),
    ("memcached-64c", "ops_s", "memcached 64 conns: ops/s", "ops/s", None),
    ("memcached-64c", "avg_us", "memcached 64 conns: latency avg", "us", None),
    ("memcached-64c", "cpu_us", "memcached 64 conns: server CPU / op", "us", None),
    ("memcached-64c", "client_cpu_pct", "memcached 64 conns: client CPU", "% core", None),
    ("nginx-wrk", "req_s", "nginx keep-alive (wrk): req/s", "req/s", None),
    ("nginx-wrk", "p50_us", "nginx keep-alive (wrk): p50", "us", None),
    ("nginx-wrk", "p99_us", "nginx keep-alive (wrk): p99", "us", None),
    ("nginx-wrk", "cpu_us", "nginx keep-alive (wrk): server CPU / req", "us", None),
    ("nginx-wrk", "client_cpu_pct", "nginx keep-alive (wrk): client CPU", "% core", None),
    ("nginx-ab", "conn_s", "nginx conn per req (ab): conns/s", "conn/s", None),
    ("nginx-ab", "cpu_us", "nginx conn per req (ab): server CPU / conn", "us", None),
    ("nginx-ab", "client_cpu_pct", "nginx conn per req (ab): client CPU", "% core", None),
    ("iperf3", "gbit_s", "iperf3 1 stream: throughput", "Gbit/s", None),
    ("iperf3", "cpu_us", "iperf3 1 stream: server CPU / MiB", "us", None),
    ("iperf3", "client_cpu_pct", "iperf3 1 stream: client CPU", "% core", None),
    ("callgrind-sockperf-64B", "ir_per_req", "callgrind ping-pong 64 B: Ir / round trip", "Ir", PERCORE_ONLY),
    ("callgrind-memcached-16c", "ir_per_req", "callgrind memcached 16 conns: Ir / op", "Ir", PERCORE_ONLY),
    ("idle", "cpu_pct", "idle memcached, no traffic: CPU", "% core", None),
]

LATENCY_PLOTS = [("sockperf-64B", "ping-pong 64 B RTT"), ("sockperf-1KiB", "ping-pong 1 KiB RTT"),
                 ("nginx-wrk", "nginx keep-alive latency (wrk)")]
LATENCY_METRICS = [("avg_us", "avg"), ("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9")]
THROUGHPUT_PLOTS = [("memcached-16c", "ops_s"), ("memcached-64c", "ops_s"), ("nginx-wrk", "req_s"),
                    ("nginx-ab", "conn_s"), ("iperf3", "gbit_s")]


def fmt(x):
    if x == 0:
        return "0"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def load(out):
    values = defaultdict(list)      # (workload, metric, config) -> [float]
    failures = defaultdict(list)    # (workload, config) -> [(round, note)]
    with open(os.path.join(out, "results.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["workload"], row["config"])
            if row["value"] == "n/a":
                failures[key].append((row["round"], row["note"]))
                continue
            try:
                values[(row["workload"], row["metric"], row["config"])].append(float(row["value"]))
            except ValueError:
                failures[key].append((row["round"], f"unreadable value {row['value']!r}"))
    meta = []
    path = os.path.join(out, "meta.txt")
    if os.path.exists(path):
        with open(path) as f:
            meta = [line.rstrip("\n") for line in f if line.strip()]
    return values, failures, meta


def summarise(values, failures):
    """cells[(workload, metric, config)] = (median, min, max, n) or None; reasons."""
    cells, reasons = {}, {}
    for workload, metric, _, _, applies in ROWS:
        for config in CONFIGS:
            if applies is not None and config not in applies:
                continue
            vs = values.get((workload, metric, config), [])
            cells[(workload, metric, config)] = (
                (statistics.median(vs), min(vs), max(vs), len(vs)) if vs else None)
            if not vs:
                fails = failures.get((workload, config), [])
                reasons[(workload, config)] = fails[-1][1] if fails else "not run"
    return cells, reasons


def print_table(cells, reasons, failures, meta):
    notes = {}   # reason -> footnote number

    def cell_text(workload, metric, config, applies):
        if applies is not None and config not in applies:
            return "-"
        c = cells[(workload, metric, config)]
        if c is None:
            reason = reasons[(workload, config)]
            n = notes.setdefault(reason, len(notes) + 1)
            return f"n/a [{n}]"
        med, lo, hi, k = c
        partial = len(failures.get((workload, config), []))
        text = fmt(med) if k == 1 else f"{fmt(med)} ({fmt(lo)}-{fmt(hi)})"
        return text + ("*" if partial else "")

    header = ["workload / metric", "unit"] + CONFIGS + [f"{RATIO[0]} / {RATIO[1]}"]
    body = []
    for workload, metric, label, unit, applies in ROWS:
        row = [label, unit] + [cell_text(workload, metric, c, applies) for c in CONFIGS]
        a, b = cells.get((workload, metric, RATIO[0])), cells.get((workload, metric, RATIO[1]))
        row.append(f"{a[0] / b[0]:.2f}x" if a and b and b[0] else "-")
        body.append(row)
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    for line in meta:
        print(f"# {line}")
    print("# cells: median (min-max) over the rounds; * = measured in some rounds only; "
          "-: does not apply")
    print("# latencies are round trips (sockperf --full-rtt); server CPU is user+system of the "
          "server's processes (/proc/PID/stat) over the client's run, per request; client CPU is "
          "the client's user+system over its run's wall time (100%: the client's core is the limit)")
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in body:
        print("  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1])]
                        + [x.rjust(w) for x, w in zip(r[2:], widths[2:])]).rstrip())
    if notes:
        print()
        for reason, n in sorted(notes.items(), key=lambda kv: kv[1]):
            print(f"[{n}] n/a: {reason}")
    partial = [(w, c, fs) for (w, c), fs in sorted(failures.items())
               if any(cells.get((w, m, c)) for (w2, m, *_rest) in ROWS if w2 == w)]
    if partial:
        print()
        for w, c, fs in partial:
            print(f"* {w} on {c}: {len(fs)} round(s) failed, last: {fs[-1][1]}")


def write_csv(out, cells):
    path = os.path.join(out, "table.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        head = ["workload", "metric", "label", "unit"]
        for c in CONFIGS:
            head += [f"{c} median", f"{c} min", f"{c} max", f"{c} rounds"]
        head.append(f"{RATIO[0]} / {RATIO[1]}")
        w.writerow(head)
        for workload, metric, label, unit, applies in ROWS:
            row = [workload, metric, label, unit]
            for c in CONFIGS:
                if applies is not None and c not in applies:
                    row += ["", "", "", ""]
                    continue
                cell = cells[(workload, metric, c)]
                row += ["n/a", "", "", 0] if cell is None else [f"{cell[0]:.6g}", f"{cell[1]:.6g}",
                                                                f"{cell[2]:.6g}", cell[3]]
            a, b = cells.get((workload, metric, RATIO[0])), cells.get((workload, metric, RATIO[1]))
            row.append(f"{a[0] / b[0]:.4g}" if a and b and b[0] else "")
            w.writerow(row)


def plot(out, cells):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        print(f"# no plots: {e} (python3-matplotlib)", file=sys.stderr)
        return []
    colours = {"linux-lo": "#4c72b0", "linux-veth": "#8fa8d0", "percore-memif": "#dd8452",
               "percore-afxdp": "#f0b88a"}
    made = []

    def bars(ax, groups, metric_of, title, ylabel, log):
        width = 0.8 / len(CONFIGS)
        for i, c in enumerate(CONFIGS):
            xs, ys, lo, hi = [], [], [], []
            for g, key in enumerate(groups):
                cell = cells.get(metric_of(key, c))
                if cell is None:
                    continue
                xs.append(g + (i - (len(CONFIGS) - 1) / 2) * width)
                ys.append(cell[0])
                lo.append(cell[0] - cell[1])
                hi.append(cell[2] - cell[0])
            ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=c, color=colours[c])
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)

    def legend(fig, axes):
        # Below the plots, so that it hides no bar; one entry per
        # configuration that has a bar anywhere.
        seen = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                seen.setdefault(label, handle)
        fig.legend(list(seen.values()), list(seen.keys()), loc="lower center", ncol=len(CONFIGS),
                   fontsize=9, frameon=False)

    fig, axes = plt.subplots(1, len(LATENCY_PLOTS), figsize=(5 * len(LATENCY_PLOTS), 4.2))
    for ax, (workload, title) in zip(axes, LATENCY_PLOTS):
        metrics = [(m, n) for m, n in LATENCY_METRICS
                   if any(cells.get((workload, m, c)) for c in CONFIGS)]
        bars(ax, metrics, lambda key, c: (workload, key[0], c), title, "microseconds (log)", True)
        ax.set_xticks(range(len(metrics)), [n for _, n in metrics])
    legend(fig, axes)
    fig.suptitle("latency percentiles (median over rounds, bars min-max)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path = os.path.join(out, "latency.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    made.append(path)

    fig, axes = plt.subplots(1, len(THROUGHPUT_PLOTS), figsize=(3.2 * len(THROUGHPUT_PLOTS), 4.2))
    labels = {(w, m): (label, unit) for w, m, label, unit, _ in ROWS}
    for ax, (workload, metric) in zip(axes, THROUGHPUT_PLOTS):
        label, unit = labels[(workload, metric)]
        bars(ax, [0], lambda key, c: (workload, metric, c), label.replace(": ", "\n"), unit, False)
        ax.set_xticks([])
    legend(fig, axes)
    fig.suptitle("throughput (median over rounds, bars min-max)")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path = os.path.join(out, "throughput.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    made.append(path)
    return made


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--check"):
        sys.exit("usage: report.py OUT [--check]")
    out = sys.argv[1]
    values, failures, meta = load(out)
    cells, reasons = summarise(values, failures)
    print_table(cells, reasons, failures, meta)
    write_csv(out, cells)
    plots = plot(out, cells)
    for name in ("callgrind-sockperf-64B", "callgrind-memcached-16c"):
        path = os.path.join(out, f"{name}.txt")
        if os.path.exists(path):
            print()
            print(f"== {name} (percore-memif server)")
            with open(path) as f:
                print(f.read().rstrip())
    measured = sum(1 for c in cells.values() if c is not None)
    missing = len(cells) - measured
    print()
    print(f"files: {', '.join(os.path.basename(p) for p in [os.path.join(out, 'table.csv')] + plots)}"
          f" in {out}")
    print(f"cells: {measured} measured, {missing} n/a")
    if len(sys.argv) == 3 and missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
