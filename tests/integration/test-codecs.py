#!/usr/bin/env python3
"""Codec modules in the real daemon: `core show codecs` lists what they
register, `core show translation` the cost of each path, and a codec
module unloads and loads again.  The sample office autoloads them all."""
import re

from carillon import Carillon, Tap

CODEC_MODULES = ["codec_g711", "codec_g722", "codec_gsm", "codec_opus"]
# name: (SDP, payload type, PCM rate, module)
EXPECTED = {
    "ulaw": ("PCMU/8000", "0", "8000", "codec_g711"),
    "alaw": ("PCMA/8000", "8", "8000", "codec_g711"),
    "g722": ("G722/8000", "9", "16000", "codec_g722"),
    "gsm": ("GSM/8000", "3", "8000", "codec_gsm"),
    "opus": ("opus/48000/2", "dyn", "48000", "codec_opus"),
}


def codec_rows(out):
    """name -> fields of `core show codecs`."""
    rows = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 8 and f[0] in EXPECTED:
            rows[f[0]] = f
    return rows


def matrix(out):
    """(names, {from: [cost or '-', ...]}) of `core show translation`."""
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("From\\To"))
    names = lines[head].split()[1:]
    rows = {}
    for line in lines[head + 1:head + 1 + len(names)]:
        f = line.split()
        rows[f[0]] = f[1:]
    return names, rows


def check_matrix(t, out, names_expected):
    names, rows = matrix(out)
    t.ok(names == names_expected, "translation matrix columns: " + " ".join(names), out)
    diagonal = all(rows[n][i] == "-" for i, n in enumerate(names))
    costs = all(rows[a][j].isdigit() and int(rows[a][j]) > 0
                for a in names for j, b in enumerate(names) if a != b)
    t.ok(diagonal and costs, "a cost on every path, '-' from a codec to itself", out)
    return names, rows


t = Tap()
pbx = Carillon()
pbx.conf("carillon.conf", "modules", "require", None)
pbx.conf("carillon.conf", "modules", "autoload", "no")
pbx.conf("carillon.conf", "modules", "load", ", ".join(CODEC_MODULES))
t.ok(pbx.start(), "daemon starts with the codec modules", pbx.log_text())

rc, out = pbx.rx("core show codecs")
rows = codec_rows(out)
t.ok(rc == 0 and "5 codecs registered" in out and set(rows) == set(EXPECTED),
     "core show codecs lists the five codecs", out)
for name, (sdp, pt, rate, module) in EXPECTED.items():
    f = rows.get(name, [])
    t.ok(f[1:4] == [sdp, pt, rate] and f[4] == "20" and f[6] == module and f[7] == "0",
         f"{name}: {sdp}, payload type {pt}, {rate} Hz, 20 ms, {module}, not in use", out)
t.ok("useinbandfec=1" in " ".join(rows.get("opus", [])),
     "opus offers useinbandfec=1", out)

rc, out = pbx.rx("core show translation")
t.ok(rc == 0 and "microseconds of CPU per second of audio" in out,
     "core show translation says its unit", out)
names, costs = check_matrix(t, out, list(EXPECTED))
col = {n: i for i, n in enumerate(names)}
t.ok(int(costs["ulaw"][col["alaw"]]) < int(costs["ulaw"][col["opus"]]),
     "ulaw -> alaw costs less than ulaw -> opus", out)
t.ok(re.search(r"Resampling: 8->16 \d+; 8->48 \d+;", out) is not None,
     "resampling costs are listed", out)

rc, out = pbx.rx("module unload codec_gsm")
t.ok(rc == 0 and "Unloaded codec_gsm" in out, "codec_gsm unloads (not in use)", out)
rc, out = pbx.rx("core show codecs")
t.ok("gsm" not in codec_rows(out) and "4 codecs registered" in out,
     "its codec leaves the registry", out)
rc, out = pbx.rx("core show translation")
check_matrix(t, out, ["ulaw", "alaw", "g722", "opus"])
rc, out = pbx.rx("module load codec_gsm")
rc2, out2 = pbx.rx("core show codecs")
t.ok(rc == 0 and "gsm" in codec_rows(out2), "codec_gsm loads again", out + out2)

rc, out = pbx.rx("help core show")
t.ok("core show codecs" in out and "core show translation" in out,
     "help lists the codec commands", out)
t.ok(not pbx.assertion_lines(), "no CRITICAL or assertion in the log",
     "\n".join(pbx.assertion_lines()))
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text())
pbx.cleanup()

# The sample office config autoloads every module, codecs included.
with Carillon() as office:
    rc, out = office.rx("core show codecs")
    t.ok(rc == 0 and set(codec_rows(out)) == set(EXPECTED),
         "the sample office registers all five codecs", out)
t.done()
