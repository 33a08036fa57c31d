#!/usr/bin/env python3
"""The table of tests/bench/bench-relay.sh.

    relay-report.py SAMPLES [RESULTS_FILE] [NOTES]

SAMPLES has one line per rtpgen run: "TARGET:CALLS:ROUND key=value ...",
TARGET being new (this tree), old (BENCH_BASE_REF) or direct (rtpgen
--direct, no PBX).  Prints the medians per target and level, the CPU
ratio new/old per relayed packet, and the calls per core at < 0.1 % loss;
appends run-all's summary lines to RESULTS_FILE when given.
"""
import statistics
import sys

LOSS_LIMIT = 0.1        # % of packets, the threshold


def read_samples(path):
    runs = {}
    for line in open(path):
        tag, *pairs = line.split()
        target, calls, _ = tag.split(":")
        kv = {}
        for p in pairs:
            k, _, v = p.partition("=")
            try:
                kv[k] = float(v)
            except ValueError:
                pass
        runs.setdefault((target, int(calls)), []).append(kv)
    return runs


def median_run(samples):
    """Each key's median over the rounds, and the spread of us/packet
    (half the range, % of the median)."""
    keys = set().union(*samples)
    m = {k: statistics.median(s.get(k, 0) for s in samples) for k in keys}
    us = [s.get("pbx_us_per_pkt", 0) for s in samples]
    mid = m.get("pbx_us_per_pkt", 0)
    m["spread"] = 50 * (max(us) - min(us)) / mid if mid else 0
    return m


def calls_per_core(calls, m):
    """Calls' worth of relayed packets (100 packets/s per call) per core
    of the PBX's CPU: the calls themselves when the generator kept up."""
    cpu = m.get("pbx_cpu_pct", 0) / 100
    return m.get("pps", 0) / 100 / cpu if cpu > 0 else 0


def row(target, calls, m):
    late = late_pct(m)
    pbx = target != "direct"
    print("%-7s %6d %6d %5d %10.0f %7.4f %7.3f %7.3f %8.1f %8s %7s %9s %8.0f %7.1f%s" % (
        target, calls, m.get("up", 0), m.get("failed", 0), m.get("pps", 0),
        m.get("loss_pct", 0), late, m.get("jitter_mean_ms", 0), m.get("delay_max_ms", 0),
        "%.1f" % m.get("pbx_cpu_pct", 0) if pbx else "-",
        "%.3f" % m.get("pbx_us_per_pkt", 0) if pbx else "-",
        "%.0f" % calls_per_core(calls, m) if pbx else "-",
        m.get("gen_cpu_pct", 0), m.get("send_lag_max_ms", 0), " !" if overloaded(m) else ""))


def overloaded(m):
    """The generator fell behind its schedule and skipped sends."""
    return m.get("send_skipped_ms", 0) > 0


def late_pct(m):
    return 100 * m["late"] / m["received"] if m.get("received") else 0


def best_level(runs, target, count_late):
    """The highest level with every call up, the generator on schedule,
    and less than LOSS_LIMIT % of the packets lost (with count_late, or
    more than 40 ms late: a phone's jitter buffer drops those)."""
    best = None
    for (t, calls), samples in sorted(runs.items()):
        m = median_run(samples)
        bad = m.get("loss_pct", 100) + (late_pct(m) if count_late else 0)
        if t == target and m.get("failed", 1) == 0 and not overloaded(m) and bad < LOSS_LIMIT:
            best = (calls, m)
    return best


def print_best(runs, target):
    strict, loose = best_level(runs, target, True), best_level(runs, target, False)
    if not loose:
        print("%s: no level kept every call up with < %.1f %% loss and the generator on"
              " schedule" % (target, LOSS_LIMIT))
        return
    if strict:
        calls, m = strict
        print("%s: %.0f relayed calls per core with < %.1f %% of the packets lost or > 40 ms"
              " late (%d calls, %.0f packets/s, %.0f %% of a core)" % (
                  target, calls_per_core(calls, m), LOSS_LIMIT, calls, m.get("pps", 0),
                  m.get("pbx_cpu_pct", 0)))
    else:
        print("%s: no level with < %.1f %% of the packets lost or > 40 ms late" % (
            target, LOSS_LIMIT))
    if loose != strict:
        calls, m = loose
        print("%s: %.0f relayed calls per core at < %.1f %% loss alone (%d calls, %.0f packets/s,"
              " %.0f %% of a core, but %.2f %% of the packets > 40 ms late)" % (
                  target, calls_per_core(calls, m), LOSS_LIMIT, calls, m.get("pps", 0),
                  m.get("pbx_cpu_pct", 0), late_pct(m)))


def print_table(runs):
    """The medians; "!" marks a run whose generator was overloaded."""
    print("%-7s %6s %6s %5s %10s %7s %7s %7s %8s %8s %7s %9s %8s %7s" % (
        "binary", "calls", "up", "fail", "relayed/s", "loss %", "late %", "jit ms",
        "delay ms", "PBX CPU%", "us/pkt", "calls/", "gen CPU%", "lag ms"))
    print("%-7s %6s %6s %5s %10s %7s %7s %7s %8s %8s %7s %9s %8s %7s" % (
        "", "", "", "", "", "", "> 40ms", "mean", "max", "", "", "core", "", "max"))
    for calls in sorted({c for _, c in runs}):
        for target in ("direct", "new", "old"):
            if (target, calls) in runs:
                row(target, calls, median_run(runs[(target, calls)]))


def notes_for(notes, calls):
    """The notes that concern a level: general ones, and those about this
    level ("5000 calls run as 4960: ...")."""
    keep = []
    for n in filter(None, (x.strip() for x in notes.split(";"))):
        words = n.split()
        about_a_level = len(words) > 1 and words[0].isdigit() and words[1] == "calls"
        if not about_a_level or " as %d:" % calls in n or n.startswith("%d calls" % calls):
            keep.append(n)
    return "; ".join(keep)


def print_ratios(runs, results, notes):
    for calls in sorted({c for _, c in runs}):
        if ("new", calls) not in runs or ("old", calls) not in runs:
            continue
        new, old = median_run(runs[("new", calls)]), median_run(runs[("old", calls)])
        nu, ou = new.get("pbx_us_per_pkt", 0), old.get("pbx_us_per_pkt", 0)
        ratio = nu / ou if ou else 0
        rounds = min(len(runs[("new", calls)]), len(runs[("old", calls)]))
        spread = ("spread of the %d rounds +/-%.0f%% new, +/-%.0f%% old" % (
            rounds, new["spread"], old["spread"]) if rounds > 1 else
            "1 round: rerun with BENCH_RELAY_ROUNDS=3 for the noise")
        if any(overloaded(x) or x.get("loss_pct", 0) > 1 for x in (new, old)):
            spread = "NOT COMPARABLE: the machine was saturated (loss > 1 % or generator overloaded)"
        print("%5d calls: CPU per relayed packet new/old %.2f (<= 1: no costlier than before;"
              " %s)" % (calls, ratio, spread))
        if results:
            with open(results, "a") as f:
                f.write("relay|%d calls new/old|%.0f|%.0f|%.2f|%.3f|%.3f|%.2f|%s\n" % (
                    calls, old.get("pps", 0), new.get("pps", 0),
                    new.get("pps", 0) / old["pps"] if old.get("pps") else 0, ou, nu,
                    ou / nu if nu else 0, notes_for(notes, calls)))


def main():
    runs = read_samples(sys.argv[1])
    results = sys.argv[2] if len(sys.argv) > 2 else ""
    notes = sys.argv[3] if len(sys.argv) > 3 else ""
    print_table(runs)
    if any(overloaded(median_run(x)) for x in runs.values()):
        print("! the generator fell > 100 ms behind and skipped sends: that level measures the"
              " machine's limit, not the relay")
    print()
    print_ratios(runs, results, notes)
    for target in ("new", "old"):
        if any(t == target for t, _ in runs):
            print_best(runs, target)
    if notes:
        print("note: " + notes)


if __name__ == "__main__":
    main()
