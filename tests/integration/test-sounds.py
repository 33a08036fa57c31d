#!/usr/bin/env python3
"""res_sounds in the daemon with the sample office config: it finds the
Debian prompts and music on hold without any setup, decodes them into
its cache at the rate asked, logs where it looked for a missing sound,
and follows sounds.conf and carillon.conf's sounds_dir and language on
reload (a broken value names file:line and keeps the old settings)."""
import os
import re
import struct
import subprocess
import wave

from carillon import BIN, Carillon, Tap, wait_for

DEBIAN = "/usr/share/asterisk/sounds"
MOH = "/usr/share/asterisk/moh/macroform-robot_dity.wav"

t = Tap()


def cache_line(pbx, name, rate):
    """The `sounds show cache` line of name at rate, or None."""
    _, out = pbx.rx("sounds show cache")
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 6 and cols[0] == name and cols[1] == str(rate):
            return cols
    return None


def write_wav(path, rate, seconds):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 1000) * int(rate * seconds))


t.ok(os.path.exists(os.path.join(DEBIAN, "en", "vm-intro.wav")),
     "Debian's prompts are installed (contrib/scripts/install-prereq)")

with Carillon() as pbx:
    rc, out = pbx.rx("sounds show settings")
    t.ok(rc == 0 and f"Sounds dir:     {DEBIAN}" in out and "Language:       en" in out,
         "sounds show settings: the Debian sounds dir and en, without setup", out)
    m = re.search(r"Indexed:\s+(\d+) sounds", out)
    t.ok(m and int(m.group(1)) >= 500 and re.search(r"Languages:.*\ben\b", out),
         "the sounds dir is indexed (hundreds of prompts, language en)", out)
    rc, out = pbx.rx("core show settings")
    t.ok(f"Sounds dir:       {DEBIAN}" in out and "Language:         en" in out,
         "core show settings: sounds_dir and language", out)

    rc, out = pbx.rx("sounds show sound vm-intro")
    t.ok(rc == 0 and f"{DEBIAN}/en/vm-intro.wav" in out, "vm-intro is found", out)
    rc, out = pbx.rx("sounds show sound digits/5 fr")
    t.ok(rc == 0 and f"{DEBIAN}/en/digits/5.wav" in out,
         "digits/5 in French falls back to English", out)
    rc, out = pbx.rx("sounds show sound no-such-prompt")
    t.ok(rc == 1 and "not found" in out, "an unknown name is not found", out)

    rc, out = pbx.rx("sounds preload vm-intro 16000")
    line = wait_for(lambda: cache_line(pbx, "vm-intro", 16000))
    t.ok(rc == 0 and line and line[2] == "5.65" and line[-1] == f"{DEBIAN}/en/vm-intro.wav",
         "vm-intro decoded at 16 kHz into the cache (5.65 s)", pbx.rx("sounds show cache")[1])
    pbx.rx(f"sounds preload {MOH[:-4]} 48000")
    line = wait_for(lambda: cache_line(pbx, os.path.basename(MOH)[:-4], 48000))
    t.ok(line and float(line[2]) > 180 and line[-1] == MOH,
         "music on hold by absolute path, at 48 kHz", pbx.rx("sounds show cache")[1])
    t.ok("preloaded vm-intro at 16000 Hz" in pbx.log_text(), "the load is logged")

    pbx.rx("sounds preload vm-nothing fr")
    want = (f"sound 'vm-nothing' (language fr) not found in {DEBIAN}/fr, {DEBIAN}/en")
    t.ok(wait_for(lambda: want in pbx.log_text()), "a missing sound: the log says where", want)
    rc, out = pbx.rx("sounds show settings")
    t.ok("1 failed" in out and "2 decoded" in out, "counters: decoded and failed", out)

    # sounds.conf: the cache bound, at reload; a bad value keeps the old.
    pbx.write_file("sounds.conf", "[general]\ncache_max_kb = 100\n")
    rc, out = pbx.rx("module reload res_sounds")
    rc2, out2 = pbx.rx("sounds show settings")
    t.ok(rc == 0 and "of 100 KB, 0 sounds" in out2, "reload: new bound, cache emptied",
         out + out2)
    pbx.rx("sounds preload vm-intro 8000")
    pbx.rx("sounds preload vm-intro 48000")
    wait_for(lambda: re.search(r"\(0 jobs\).*0 waiting", pbx.rx("sounds show settings")[1],
                               re.S))
    pbx.rx("sounds preload beep")       # trims what nobody uses
    ok = wait_for(lambda: cache_line(pbx, "beep", 8000)
                  and not cache_line(pbx, "vm-intro", 8000))
    t.ok(ok, "the bound evicts the least recently used", pbx.rx("sounds show cache")[1])
    pbx.write_file("sounds.conf", "[general]\ncache_max_kb = 100\nmax_seconds = 0\n")
    rc, out = pbx.rx("module reload res_sounds")
    rc2, out2 = pbx.rx("sounds show settings")
    t.ok(rc == 1 and "sounds.conf:3:" in out and "of 100 KB" in out2
         and "Max length:     600 s" in out2,
         "a bad sounds.conf names file:line and keeps the old settings", out + out2)
    pbx.write_file("sounds.conf", "[general]\nmax_seconds = 2\n")
    pbx.rx("module reload res_sounds")
    pbx.rx("sounds preload vm-intro")
    t.ok(wait_for(lambda: "max_seconds is 2" in pbx.log_text()),
         "max_seconds refuses a longer sound", pbx.log_text()[-2000:])

    # carillon.conf sounds_dir and language follow `core reload`.
    own = os.path.join(pbx.run_dir, "sounds")
    write_wav(os.path.join(own, "fr", "bonjour.wav"), 44100, 0.5)
    write_wav(os.path.join(own, "en", "hello.wav"), 8000, 0.5)
    pbx.conf("carillon.conf", "general", "sounds_dir", "../sounds")
    pbx.conf("carillon.conf", "general", "language", "fr")
    rc, out = pbx.rx("core reload")
    ok = wait_for(lambda: "Indexed:        2 sounds"
                  in pbx.rx("sounds show settings")[1])
    rc2, out2 = pbx.rx("sounds show settings")
    t.ok(rc == 0 and ok and f"Sounds dir:     {own}" in out2
         and "Language:       fr" in out2 and "Languages:      en, fr" in out2,
         "core reload: sounds_dir (relative to the config dir) and language", out + out2)
    rc, out = pbx.rx("sounds show sound hello")
    t.ok(rc == 0 and f"{own}/en/hello.wav" in out, "the new dir is used", out)
    pbx.rx("sounds preload bonjour 16000")
    line = wait_for(lambda: cache_line(pbx, "bonjour", 16000))
    t.ok(line and line[2] == "0.50", "a 44.1 kHz file decoded at 16 kHz",
         pbx.rx("sounds show cache")[1])

    pbx.conf("carillon.conf", "general", "language", "f r")
    conf_text = open(os.path.join(pbx.etc, "carillon.conf")).read().splitlines()
    lineno = next(i + 1 for i, l in enumerate(conf_text) if l.startswith("language"))
    rc, out = pbx.rx("core reload")
    t.ok(rc == 1 and f"carillon.conf:{lineno}:" in out and "language" in out,
         "a bad language names file:line at reload", out)
    rc, out = pbx.rx("sounds show settings")
    t.ok("Language:       fr" in out, "and the old language stays", out)
    p = subprocess.run([BIN, "-f", "-C", pbx.etc], capture_output=True, text=True,
                       timeout=20)
    t.ok(p.returncode == 1 and f"carillon.conf:{lineno}:" in p.stderr,
         "a bad language stops start-up with file:line", p.stderr)
    pbx.conf("carillon.conf", "general", "language", None)

    t.ok(not pbx.assertion_lines(), "no assertion or CRITICAL in the log",
         "\n".join(pbx.assertion_lines()))
    rc = pbx.stop()
    t.ok(rc == 0, "the daemon stops cleanly", pbx.log_text()[-2000:])
t.done()
