#!/usr/bin/env python3
"""The table of tests/bench/bench-transcode.sh.

    transcode-report.py SAMPLES CODEC_TABLE [RESULTS_FILE] [NOTES]

SAMPLES has one line per rtpgen run: "PAIR:CALLS:ROUND key=value ...",
PAIR being relay (PCMU both ways) or the callee's codec (alaw, g722,
opus; the caller always speaks PCMU), the keys rtpgen's and those of one
reading of `rtp show sessions` in the window (sessions, mode_transcode,
mode_relay, codecs, pbx_rx, pbx_lost).  CODEC_TABLE is bench-codec's
output.  Prints the medians per pair and level, the calls per core at
< 0.1 % loss, and Carillon's CPU per transcoded call divided by the cost
of the codecs alone; appends run-all's summary lines to RESULTS_FILE.
"""
import statistics
import sys

LOSS_LIMIT = 0.1        # % of packets, the threshold
PAIRS = ("relay", "alaw", "g722", "opus")
RESAMPLED = {"g722": "8000<->16000", "opus": "8000<->48000"}


def pair_name(pair):
    return "relay (ulaw)" if pair == "relay" else "ulaw<->" + pair


def read_samples(path):
    runs = {}
    for line in open(path):
        tag, *pairs = line.split()
        pair, calls, _ = tag.split(":")
        kv = {}
        for p in pairs:
            k, _, v = p.partition("=")
            try:
                kv[k] = float(v)
            except ValueError:
                kv[k] = v
        runs.setdefault((pair, int(calls)), []).append(derive(pair, kv))
    return runs


def read_codecs(path):
    """us of CPU per second of one leg (50 frames encoded and 50 decoded)
    per codec, and per resampled rate pair (50 frames up and 50 down)."""
    cost = {}
    for line in open(path):
        w = line.split()
        if len(w) == 7 and w[0] in ("ulaw", "alaw", "g722", "opus"):
            cost[w[0]] = float(w[6])
        elif len(w) == 4 and w[0] == "resample":
            cost[w[1]] = float(w[3])
    return cost


def sessions_ok(pair, kv):
    """`rtp show sessions` in the window: both legs of every call up, in
    the pair's mode, with its codecs."""
    up = int(kv.get("up", 0))
    n = int(kv.get("sessions", 0))
    codecs = dict(c.split(":") for c in str(kv.get("codecs", "-")).split(",") if ":" in c)
    if pair == "relay":
        return n == 2 * up and kv.get("mode_relay", 0) == n and codecs.get("ulaw") == str(n)
    return (n == 2 * up and kv.get("mode_transcode", 0) == n and codecs.get("ulaw") == str(up)
            and codecs.get(pair) == str(up) and kv.get("relayed_back", 1) == 0)


def derive(pair, kv):
    """The figures of one run: loss both ways, CPU per call-second, calls
    per core."""
    up = kv.get("up", 0)
    # CPU s per s of the window from us per packet (3 decimals; the
    # percentage has one)
    cpu = kv.get("pbx_us_per_pkt", 0) * kv.get("pps", 0) / 1e6
    rx = kv.get("pbx_rx", 0)
    # Relayed: rtpgen sees every packet end to end.  Transcoded: rtpgen
    # sees what Carillon sent (its own packets); what Carillon lost on the
    # way in, its own counters say.
    kv["in_loss_pct"] = 100 * kv.get("pbx_lost", 0) / rx if rx and pair != "relay" else 0
    kv["loss_total"] = kv.get("loss_pct", 0) + kv["in_loss_pct"]
    kv["late_pct"] = 100 * kv["late"] / kv["received"] if kv.get("received") else 0
    kv["us_call_s"] = cpu * 1e6 / up if up else 0
    kv["calls_core"] = up / cpu if cpu else 0
    kv["ok_sessions"] = 1 if sessions_ok(pair, kv) else 0
    return kv


def median_run(samples):
    """Each numeric key's median over the rounds, and the spread of the
    CPU per call-second (half the range, % of the median)."""
    keys = {k for s in samples for k, v in s.items() if isinstance(v, float) or isinstance(v, int)}
    m = {k: statistics.median(s.get(k, 0) for s in samples) for k in keys}
    us = [s.get("us_call_s", 0) for s in samples]
    mid = m.get("us_call_s", 0)
    m["spread"] = 50 * (max(us) - min(us)) / mid if mid else 0
    m["ok_sessions"] = min(s["ok_sessions"] for s in samples)
    m["rounds"] = len(samples)
    return m


def codec_cost(cost, pair):
    """us per call-second of the codecs alone, and of the resampling."""
    if pair == "relay" or "ulaw" not in cost or pair not in cost:
        return 0, 0
    return cost["ulaw"] + cost[pair], cost.get(RESAMPLED.get(pair, ""), 0)


def passes(m, count_late):
    bad = m.get("loss_total", 100) + (m.get("late_pct", 0) if count_late else 0)
    return (m.get("failed", 1) == 0 and m.get("send_skipped_ms", 0) == 0 and m["ok_sessions"]
            and bad < LOSS_LIMIT)


def best_level(runs, pair, count_late):
    best = None
    for (p, calls), samples in sorted(runs.items()):
        m = median_run(samples)
        if p == pair and passes(m, count_late):
            best = (calls, m)
    return best


def print_table(runs, cost):
    head = ("%-13s %6s %6s %4s %8s %8s %7s %7s %6s %5s %8s %9s %6s %6s %8s %6s %8s")
    print(head % ("pair", "calls", "up", "fail", "sessions", "rx/s", "loss %", "late %",
                  "jit ms", "JB ms", "PBX CPU%", "us/call-s", "+/-%", "calls/", "codec us",
                  "ratio", "gen CPU%"))
    print((head % ("", "", "", "", "in mode", "", "in+out", "> 40ms", "mean", "mean", "", "", "",
                   "core", "/call-s", "", "")).rstrip())
    for pair in PAIRS:
        for (p, calls) in sorted(runs):
            if p != pair:
                continue
            m = median_run(runs[(p, calls)])
            codecs, _ = codec_cost(cost, pair)
            print("%-13s %6d %6d %4d %8s %8.0f %7.4f %7.3f %6.3f %5s %8.1f %9.0f %6.0f %6.0f %8s"
                  " %6s %8.0f%s" % (
                      pair_name(pair), calls, m.get("up", 0), m.get("failed", 0),
                      "ok" if m["ok_sessions"] else "NO", m.get("pps", 0), m["loss_total"],
                      m["late_pct"], m.get("jitter_mean_ms", 0),
                      "%.0f" % m["jb_ms"] if m.get("jb_ms") else "-", m.get("pbx_cpu_pct", 0),
                      m["us_call_s"], m["spread"], m["calls_core"],
                      "%.0f" % codecs if codecs else "-",
                      "%.2f" % (m["us_call_s"] / codecs) if codecs else "-",
                      m.get("gen_cpu_pct", 0),
                      " !" if m.get("send_skipped_ms", 0) else ""))


def result_line(results, pair, relay, best, cost, note):
    """run-all's summary: ref = the relayed call (calls per core) and the
    codecs alone (us per call-second); car = the transcoded call."""
    if not results:
        return
    calls, m = best
    codecs, _ = codec_cost(cost, pair)
    if pair == "relay":
        line = "transcode|relay (ulaw)|-|%.0f|-|-|%.0f|-|%s" % (m["calls_core"], m["us_call_s"],
                                                               note)
    else:
        ref = relay[1]["calls_core"] if relay else 0
        line = "transcode|%s|%s|%.0f|%s|%.0f|%.0f|%.2f|%s" % (
            pair_name(pair), "%.0f" % ref if ref else "-", m["calls_core"],
            "%.2f" % (m["calls_core"] / ref) if ref else "-", codecs, m["us_call_s"],
            codecs / m["us_call_s"] if m["us_call_s"] else 0, note)
    with open(results, "a") as f:
        f.write(line + "\n")


def print_results(runs, cost, results, notes):
    relay = best_level(runs, "relay", True) or best_level(runs, "relay", False)
    for pair in PAIRS:
        if not any(p == pair for p, _ in runs):
            continue
        strict, loose = best_level(runs, pair, True), best_level(runs, pair, False)
        best = strict or loose
        if not best:
            print("%s: no level with every call up in the pair's mode, < %.1f %% loss and the"
                  " generator on schedule" % (pair_name(pair), LOSS_LIMIT))
            continue
        calls, m = best
        late = "" if strict else " (but %.2f %% of the packets > 40 ms late)" % m["late_pct"]
        what = "relayed" if pair == "relay" else "transcoded"
        line = "%s: %.0f %s calls per core at < %.1f %% loss%s (%d calls, %.0f %% of a core)" % (
            pair_name(pair), m["calls_core"], what, LOSS_LIMIT, late, calls,
            m.get("pbx_cpu_pct", 0))
        if pair != "relay" and relay:
            line += ", %.2f x the relayed calls" % (m["calls_core"] / relay[1]["calls_core"])
        print(line)
        codecs, resample = codec_cost(cost, pair)
        if codecs:
            print("  CPU per call %.0f us/s = %.2f x its codecs alone (%.0f us/s: 50 x (encode +"
                  " decode) of ulaw and of %s)%s" % (
                      m["us_call_s"], m["us_call_s"] / codecs, codecs, pair,
                      "; %.2f x codecs + resampling (%.0f us/s)" % (
                          m["us_call_s"] / (codecs + resample), resample) if resample else ""))
        if codecs and relay:
            packets = relay[1]["us_call_s"]
            print("  ~ the relayed call's packet handling %.0f + codecs %.0f + resampling %.0f"
                  " + the rest of the decoded path (jitter buffers, ticks, frames) %.0f us/s" % (
                      packets, codecs, resample, m["us_call_s"] - packets - codecs - resample))
        result_line(results, pair, relay, best, cost,
                    "; ".join(x for x in (late.strip(" ()"), notes) if x))


def main():
    runs = read_samples(sys.argv[1])
    cost = read_codecs(sys.argv[2])
    results = sys.argv[3] if len(sys.argv) > 3 else ""
    notes = sys.argv[4] if len(sys.argv) > 4 else ""
    print_table(runs, cost)
    if any(median_run(x).get("send_skipped_ms", 0) for x in runs.values()):
        print("! the generator fell > 100 ms behind and skipped sends: that level measures the"
              " machine's limit")
    if not all(median_run(x)["ok_sessions"] for x in runs.values()):
        print("sessions NO: `rtp show sessions` did not show every call's two sessions in the"
              " pair's mode and codecs (or some packets came back relayed): not comparable")
    print()
    print_results(runs, cost, results, notes)
    if notes:
        print("note: " + notes)


if __name__ == "__main__":
    main()
