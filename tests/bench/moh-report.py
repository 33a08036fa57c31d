#!/usr/bin/env python3
"""The table of tests/bench/bench-moh.sh.

    moh-report.py SAMPLES [RESULTS_FILE] [NOTES]

SAMPLES has one line per rtpgen run: "CASE:CALLS:ROUND key=value ...",
CASE being relay (relayed PCMU calls, the reference) or moh (callers
hearing music on hold), the keys rtpgen's and those of one reading of
`moh show classes` in the window (listeners, decoded).  Prints the
medians per case and level, listeners (calls) per core at < 0.1 % loss,
the ratio of the two and the CPU per listener-second; appends run-all's
summary line to RESULTS_FILE.
"""
import statistics
import sys

LOSS_LIMIT = 0.1        # % of packets
CASES = ("relay", "moh")
NAMES = {"relay": "relay (ulaw)", "moh": "moh (ulaw)"}


def read_samples(path):
    runs = {}
    for line in open(path):
        tag, *pairs = line.split()
        case, calls, _ = tag.split(":")
        kv = {}
        for p in pairs:
            k, _, v = p.partition("=")
            try:
                kv[k] = float(v)
            except ValueError:
                kv[k] = v
        runs.setdefault((case, int(calls)), []).append(kv)
    return runs


def valid(case, calls, kv):
    """Every call up, loss under the limit and, for music, every caller
    counted as a listener of the class."""
    ok = kv.get("up") == calls and kv.get("loss_pct", 100) < LOSS_LIMIT
    return ok and (case != "moh" or kv.get("listeners") == calls)


def summary(case, calls, runs):
    cpu = [r["pbx_cpu_pct"] for r in runs]
    us = [c / 100 * 1e6 / calls for c in cpu]
    med = statistics.median(us)
    return {
        "calls": calls,
        "up": statistics.median(r.get("up", 0) for r in runs),
        "failed": statistics.median(r.get("failed", 0) for r in runs),
        "listeners": statistics.median(r.get("listeners", 0) for r in runs) if case == "moh"
        else None,
        "loss": statistics.median(r.get("loss_pct", 100) for r in runs),
        "jitter": statistics.median(r.get("jitter_mean_ms", 0) for r in runs),
        "cpu": statistics.median(cpu),
        "us": med,
        "spread": (max(us) - min(us)) / 2 / med * 100 if med else 0,
        "per_core": 1e6 / med if med else 0,
        "valid": all(valid(case, calls, r) for r in runs),
        "gen_cpu": statistics.median(r.get("gen_cpu_pct", 0) for r in runs),
    }


def print_table(rows):
    print(f"{'case':<14} {'calls':>6} {'up':>5} {'fail':>4} {'listen':>6} {'loss %':>7} "
          f"{'jit ms':>6} {'PBX CPU%':>8} {'us/call-s':>9} {'+/-%':>5} {'calls/core':>10} "
          f"{'gen CPU%':>8}")
    for (case, calls), s in rows:
        listen = "-" if s["listeners"] is None else f"{s['listeners']:.0f}"
        print(f"{NAMES[case]:<14} {calls:>6} {s['up']:>5.0f} {s['failed']:>4.0f} {listen:>6} "
              f"{s['loss']:>7.4f} {s['jitter']:>6.3f} {s['cpu']:>8.1f} {s['us']:>9.0f} "
              f"{s['spread']:>5.0f} {s['per_core']:>10.0f} {s['gen_cpu']:>8.0f}"
              + ("" if s["valid"] else "  (not all up, loss >= 0.1 % or listeners missing)"))


def best(rows, case):
    """The highest valid level of a case."""
    mine = [(calls, s) for (c, calls), s in rows if c == case and s["valid"]]
    return max(mine, key=lambda x: x[0]) if mine else (None, None)


def main():
    runs = read_samples(sys.argv[1])
    results = sys.argv[2] if len(sys.argv) > 2 else ""
    notes = sys.argv[3] if len(sys.argv) > 3 else ""
    rows = sorted(((k, summary(k[0], k[1], v)) for k, v in runs.items()),
                  key=lambda x: (CASES.index(x[0][0]), x[0][1]))
    print_table(rows)
    print()
    rc, ref = best(rows, "relay")
    mc, moh = best(rows, "moh")
    if ref:
        print(f"relay (ulaw): {ref['per_core']:.0f} relayed calls per core at < 0.1 % loss "
              f"({rc} calls, {ref['cpu']:.0f} % of a core)")
    if moh:
        print(f"moh (ulaw): {moh['per_core']:.0f} music on hold listeners per core at < 0.1 % "
              f"loss ({mc} listeners, {moh['cpu']:.0f} % of a core)"
              + (f", {moh['per_core'] / ref['per_core']:.2f} x the relayed calls" if ref else ""))
    if ref and moh:
        print(f"  CPU per listener {moh['us']:.0f} us/s against {ref['us']:.0f} us/s per relayed "
              f"call: one leg decoded, played and encoded each 20 ms against two legs "
              f"relayed packet for packet")
    if notes:
        print(f"notes: {notes}")
    if results and ref and moh:
        with open(results, "a") as f:
            f.write(f"moh|listeners (ulaw)|{ref['per_core']:.0f}|{moh['per_core']:.0f}|"
                    f"{moh['per_core'] / ref['per_core']:.2f}|{ref['us']:.0f}|{moh['us']:.0f}|"
                    f"{ref['us'] / moh['us']:.2f}|{notes}\n")


main()
