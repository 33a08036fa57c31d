#!/usr/bin/env python3
"""Kamailio (the Debian package) as Carillon's SIP provider, with digest
authentication: tests/data/kamailio/provider.cfg (registrar + usrloc in
memory, users and DIDs in htables, record_route, t_relay).

The sample trunk `provider` points at Kamailio (username carillon,
password trunkpw, did_source = to: Kamailio sends a DID's call to the
registered contact with the DID left in To).  Two baresip phones stand
for the outside world, registered at Kamailio as 15551234567 and
15557654321.

1. Carillon registers: Kamailio's 401 answered, `sip show registrations
   outbound` says Registered.
2. Carillon's 1002 dials 9 15551234567: Kamailio challenges the INVITE
   (407), Carillon answers it as carillon with P-Asserted-Identity 1002,
   Kamailio routes it to the subscriber, which rings with the caller's
   name; audio checked by frequency both ways; hangup from Carillon's side.
3. 15557654321 dials the DID 5550100: Kamailio sends it to Carillon's
   contact, Carillon takes it (match = Kamailio's address) in
   from-provider and rings 1001 with the outside caller's number; audio
   both ways; hangup from the outside (the BYE crosses Kamailio's Route).
4. Carillon stops and removes its binding (Kamailio's new challenge
   answered).
Skipped when kamailio or baresip is not installed."""
import glob
import os
import re
import shutil
import socket
import subprocess
import time

from audio import analyse, write_tone
from baresip import Baresip
from carillon import DATA, Carillon, Tap, free_port, wait_for

KAMAILIO = shutil.which("kamailio") or (
    "/usr/sbin/kamailio" if os.access("/usr/sbin/kamailio", os.X_OK) else None)
if not KAMAILIO:
    print("1..0 # SKIP kamailio not installed (contrib/scripts/install-prereq installs it)")
    raise SystemExit(0)
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

t = Tap()
KAM_PORT = free_port()
pbx = Carillon()
pbx.conf("endpoints.conf", "provider", "port", str(KAM_PORT))
pbx.conf("endpoints.conf", "provider", "match", f"127.0.0.1:{KAM_PORT}")
pbx.conf("endpoints.conf", "provider", "did_source", "to")
pbx.conf("endpoints.conf", "provider", "register_expires", "300")
pbx.conf("endpoints.conf", "provider", "register_retry", "1")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.conf("carillon.conf", "logger", "sip", "info")     # the trunk's registration states
pbx.conf("rtp.conf", "general", "port_start", "38000")
pbx.conf("rtp.conf", "general", "port_end", "38499")
lua = open(os.path.join(pbx.etc, "extensions.lua")).read()
did = '    ["5550100"] = function(call) ring(call, "1001") end,\n'
assert did in lua
pbx.write_file("extensions.lua", lua.replace(did, (
    '    ["5550100"] = function(call)\n'
    '        pbx.log("notice", "DID 5550100 from " .. call.from)\n'
    '        ring(call, "1001")\n'
    '    end,\n'), 1))

KAM_DIR = os.path.join(pbx.run_dir, "kamailio")
os.makedirs(KAM_DIR)
KAM_CFG = os.path.join(KAM_DIR, "kamailio.cfg")
with open(os.path.join(DATA, "kamailio", "provider.cfg")) as f:
    cfg = f.read().replace("@PORT@", str(KAM_PORT)).replace("@DIR@", KAM_DIR)
with open(KAM_CFG, "w") as f:
    f.write(cfg)
KAM_LOG = os.path.join(KAM_DIR, "kamailio.log")
kam = None


def kam_log():
    try:
        return open(KAM_LOG, errors="replace").read()
    except OSError:
        return ""


def kam_notices():
    return "\n".join(re.sub(r"^.*?NOTICE: <script>: ", "", l) for l in kam_log().splitlines()
                     if "<script>" in l)


def kam_answers():
    """True when Kamailio answers an OPTIONS to sip:ping@ (its probe)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.3)
    port = s.getsockname()[1]
    s.sendto((f"OPTIONS sip:ping@127.0.0.1:{KAM_PORT} SIP/2.0\r\n"
              f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{time.time_ns()}\r\n"
              f"From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:ping@127.0.0.1>\r\n"
              f"Call-ID: probe-{time.time_ns()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
              f"Content-Length: 0\r\n\r\n").encode(), ("127.0.0.1", KAM_PORT))
    try:
        return s.recv(4096).startswith(b"SIP/2.0 200")
    except OSError:
        return False
    finally:
        s.close()


phones = []


def phone(user, password, hz, port=None):
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, hz, 60, amplitude=6000)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, password, timeout=90, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}"], port=port, codecs="PCMU,PCMA")
    b.rec, b.hz, b.user = rec, hz, user
    phones.append(b)
    return b


def channels():
    return [l.split() for l in pbx.rx("core show channels")[1].splitlines()
            if l.startswith("SIP/")]


def one_up():
    rows = channels()
    return len(rows) == 2 and all(r[1] == "UP" for r in rows)


def states():
    return pbx.rx("core show channels")[1] + pbx.rx("rtp show sessions")[1]


def idle():
    out = states()
    return "0 active channels" in out and "0 active RTP sessions" in out


def heard(b, other):
    b.stop()    # closes the sndfile dumps
    files = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    a = analyse(files[0]) if files else None
    t.ok(a and a[0] >= 2 and a[1] > 1000 and abs(a[2] - other.hz) < other.hz * 0.05,
         f"{b.user} hears {other.user}'s {other.hz} Hz tone through Kamailio "
         f"(>= 2 s, RMS > 1000)", (files, a, b.log_text()[-1200:]))


def call(caller, callee, dial, caller_id, hangup_by):
    caller.command(f"/dial {dial}")
    ok = wait_for(lambda: re.search("Incoming call from: +" + re.escape(caller_id),
                                    callee.log_text()), 15)
    t.ok(ok, f"{callee.user} rings with the caller ID {caller_id}",
         callee.log_text()[-1500:] + "\n" + kam_notices()[-1500:])
    callee.command("/accept")
    t.ok(wait_for(one_up, 15), f"{caller.user} -> {dial} answered: two channels UP",
         states() + caller.log_text()[-1000:] + kam_notices()[-1500:])
    time.sleep(3)   # seconds of tone each way
    hangup_by.command("/hangup")
    t.ok(wait_for(idle, 10), f"{hangup_by.user} hangs up: no channel or RTP session left",
         states() + kam_notices()[-1500:])
    heard(callee, caller)
    heard(caller, callee)


def registered_outbound():
    return re.search(r"provider\s+127\.0\.0\.1:%d\s+Registered" % KAM_PORT,
                     pbx.rx("sip show registrations outbound")[1])


try:
    chk = subprocess.run([KAMAILIO, "-c", "-f", KAM_CFG, "-Y", KAM_DIR],
                         capture_output=True, text=True, timeout=30)
    if not t.ok(chk.returncode == 0, "kamailio accepts the provider config",
                chk.stdout[-1500:] + chk.stderr[-1500:]):
        t.done()
    kam = subprocess.Popen([KAMAILIO, "-f", KAM_CFG, "-DD", "-E", "-Y", KAM_DIR, "-w", KAM_DIR],
                           stdout=open(KAM_LOG, "w"), stderr=subprocess.STDOUT)
    if not t.ok(wait_for(kam_answers, 15), "kamailio answers on 127.0.0.1", kam_log()[-2000:]):
        t.done()
    if not t.ok(pbx.start(), "Carillon starts", pbx.log_text()[-2000:]):
        t.done()

    # ---- 1. registration ---------------------------------------------------------
    t.ok(wait_for(registered_outbound, 10),
         "Carillon's trunk registers at Kamailio: sip show registrations outbound",
         pbx.rx("sip show registrations outbound")[1] + kam_notices())
    n = kam_notices()
    t.ok(re.search(r"REGISTER from carillon: challenged \(401\)\n"
                   r"REGISTER from carillon: authenticated as carillon, "
                   r"contact <sip:carillon@127\.0\.0\.1:%d>, expires 300" % pbx.sip_port, n),
         "Kamailio challenged the REGISTER (401) and saved carillon's contact after the "
         "answer", n)

    # ---- 2. out through Kamailio -------------------------------------------------------
    out1 = phone("15551234567", "pstn1pw", 440, port=KAM_PORT)
    c1002 = phone("1002", "pw1002", 1000)
    t.ok(wait_for(lambda: pbx.registered("1002")
                  and "REGISTER from 15551234567: authenticated" in kam_notices(), 15),
         "1002 registers at Carillon, 15551234567 at Kamailio",
         kam_notices() + out1.log_text()[-1000:])
    call(c1002, out1, "915551234567", "Bob Brown sip:carillon@127.0.0.1", hangup_by=c1002)
    n = kam_notices()
    t.ok(re.search(r"INVITE from carillon to 15551234567: challenged \(407\)\n"
                   r"INVITE from carillon to 15551234567: authenticated as carillon; "
                   r"From: sip:carillon@127\.0\.0\.1 \(\"?Bob Brown\"?\); "
                   r"PAI: sip:1002@127\.0\.0\.1\n"
                   r"INVITE routed to sip:15551234567\S*@127\.0\.0\.1:\d+", n),
         "Kamailio's 407 answered as carillon: From carillon with the caller's name, "
         "P-Asserted-Identity 1002, routed to the subscriber", n)
    t.ok(re.search(r"in-dialog BYE from 127\.0\.0\.1:%d" % pbx.sip_port, n),
         "Carillon's BYE followed Kamailio's Record-Route", n)

    # ---- 3. in through Kamailio to the DID ---------------------------------------------
    in2 = phone("15557654321", "pstn2pw", 600, port=KAM_PORT)
    c1001 = phone("1001", "pw1001", 1500)
    t.ok(wait_for(lambda: pbx.registered("1001")
                  and "REGISTER from 15557654321: authenticated" in kam_notices(), 15),
         "1001 registers at Carillon, 15557654321 at Kamailio", kam_notices())
    call(in2, c1001, "5550100", "sip:15557654321@127.0.0.1", hangup_by=in2)
    n = kam_notices()
    t.ok(re.search(r"INVITE routed to sip:carillon@127\.0\.0\.1:%d \(To: sip:5550100@"
                   % pbx.sip_port, n),
         "Kamailio sent the DID's call to Carillon's registered contact, the DID in To", n)
    t.ok(re.search(r"DID 5550100 from 15557654321", pbx.log_text()),
         "Carillon took it in from-provider: call.to 5550100 (from To), call.from "
         "15557654321", pbx.log_text()[-2000:])
    t.ok(re.search(r"in-dialog BYE from 127\.0\.0\.1:%d" % in2.port, n),
         "the outside caller's BYE crossed Kamailio to Carillon", n)

    # ---- 4. unregister at stop ------------------------------------------------------
    t.ok(pbx.stop() == 0, "Carillon stops cleanly", pbx.log_text()[-3000:])
    n = kam_notices()
    t.ok(re.search(r"REGISTER from carillon: authenticated as carillon, contact "
                   r"<sip:carillon@127\.0\.0\.1:%d>;expires=0, expires 0" % pbx.sip_port, n)
         or re.search(r"REGISTER from carillon: authenticated as carillon, contact "
                      r"<sip:carillon@127\.0\.0\.1:%d>, expires 0" % pbx.sip_port, n),
         "Carillon removed its binding at Kamailio on the way down (Expires: 0)",
         n + pbx.log_text()[-1500:])
finally:
    for b in phones:
        b.stop()
    if pbx.running():
        t.ok(pbx.stop() == 0, "Carillon stops cleanly", pbx.log_text()[-3000:])
    if kam:
        kam.terminate()
        try:
            kam.wait(10)
        except subprocess.TimeoutExpired:
            kam.kill()
            kam.wait()
    bad = pbx.assertion_lines()
    t.ok(not bad, "no assertion in Carillon's log", "\n".join(bad)[-2000:])
    pbx.cleanup()
t.done()
