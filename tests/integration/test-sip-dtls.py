#!/usr/bin/env python3
"""DTLS-SRTP (RFC 5763/5764) on a running Carillon over plain UDP
signalling: endpoints 1002, 1003 and 1006 get media_encryption = dtls
(required).

Two baresip phones with the dtls_srtp module (mediaenc=dtls_srtp; 1003
with rtcp_mux, 1002 without: one handshake, then two) call each other: a
tone crosses each way, the PBX log says which profile keyed each leg,
and tshark's capture of the media ports shows DTLS handshake records
and no plain RTP (payloads decoded as PCMU carry no tone, look random,
and every packet has an SRTP tag).  A DTLS phone calls a plain RTP phone
(1004): the worker decrypts and re-encrypts, and the tones cross both
ways.  A phone of a DTLS-required endpoint offering plain RTP gets 488."""
import glob
import os
import re
import shutil
import subprocess
import time

from audio import analyse, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()

ULAW = [0] * 256
for i in range(256):
    u = ~i & 0xff
    sign, exp, mant = u & 0x80, (u >> 4) & 7, u & 0x0f
    v = (((mant << 3) + 0x84) << exp) - 0x84
    ULAW[i] = -v if sign else v


def tone_power(samples, hz, rate=8000):
    """Goertzel power of hz relative to the total power."""
    import math
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    p = s1 * s1 + s2 * s2 - k * s1 * s2
    tot = sum(x * x for x in samples) or 1
    return p / (tot * len(samples) / 2)


def captured_payloads(pcap, port_lo, port_hi):
    """RTP-sized UDP payloads to/from the PBX's media ports (hex)."""
    out = subprocess.run(["tshark", "-r", pcap, "-Y",
                          f"udp.srcport >= {port_lo} && udp.srcport <= {port_hi}",
                          "-T", "fields", "-e", "data.data"],
                         capture_output=True, text=True, timeout=60).stdout
    return [bytes.fromhex(x.replace(":", "")) for x in out.split() if len(x) > 100]



pbx = Carillon()
for user in ("1002", "1003", "1006"):
    pbx.conf("endpoints.conf", user, "media_encryption", "dtls")
    pbx.conf("endpoints.conf", user, "media_encryption_optimistic", "no")
pbx.conf("rtp.conf", "general", "port_start", "45000")
pbx.conf("rtp.conf", "general", "port_end", "45999")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
phones = []
try:
    have_baresip = shutil.which("baresip") and all(
        os.path.exists(os.path.join("/usr/lib/baresip/modules", m))
        for m in ("sndfile.so", "aubridge.so", "aufile.so", "dtls_srtp.so"))
    if not have_baresip:
        t.diag("baresip or its dtls_srtp/sndfile/aubridge modules missing: no DTLS calls")
        raise SystemExit

    def phone(user, tone_hz, dtls=True, answer=False, mux=False):
        src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
        write_tone(src, tone_hz, 60)
        rec = os.path.join(pbx.run_dir, f"rec-{user}")
        os.makedirs(rec)
        b = Baresip(pbx, user, f"pw{user}", timeout=90, audio_source=src,
                    audio_player="aubridge,nobody-feeds-this",
                    extra_modules=["aubridge.so", "sndfile.so"]
                    + (["dtls_srtp.so"] if dtls else []),
                    config_extra=[f"snd_path {rec}", f"rtcp_mux {'yes' if mux else 'no'}"],
                    codecs="PCMU", answermode="auto" if answer else None,
                    account_extra=";mediaenc=dtls_srtp" if dtls else "")
        b.rec, b.user = rec, user
        phones.append(b)
        return b

    def registered(*users):
        return wait_for(lambda: all(re.search(rf"^{u}\s", pbx.rx("sip show registrations")[1],
                                              re.M) for u in users), 15)

    def call(caller, callee, name, seconds=4):
        caller.command("/dial " + callee.user)
        ok = wait_for(lambda: "Call established" in caller.log_text(), 15)
        t.ok(ok, f"{name}: established", caller.log_text()[-1500:]
             + callee.log_text()[-1500:] + pbx.log_text()[-2000:])
        time.sleep(seconds)
        caller.command("/hangup")
        wait_for(lambda: re.search(r"Call with \S+ terminated", callee.log_text()), 10)

    def heard(b, hz, name):
        files = sorted(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")))
        res = analyse(files[-1]) if files else None
        t.ok(res and abs(res[2] - hz) < 20 and res[1] > 500, f"{name}: {hz} Hz arrives", str(res))

    caller = phone("1003", 1000, mux=True)
    callee = phone("1002", 440, answer=True)
    t.ok(registered("1003", "1002"), "DTLS phones register (UDP)")
    pcap = os.path.join(pbx.run_dir, "dtls.pcap")
    cap = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", "udp portrange 45000-45999",
                            "-w", pcap], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    call(caller, callee, "1003 (DTLS, rtcp-mux) calls 1002 (DTLS)")
    time.sleep(1)
    cap.terminate()
    cap.wait(10)
    heard(callee, 1000, "DTLS-SRTP call")
    heard(caller, 440, "DTLS-SRTP call")
    keyed = re.findall(r"DTLS-SRTP keyed \((\S+)\)", pbx.log_text())
    t.ok(len(keyed) >= 2, "both legs keyed by DTLS (PBX log)", str(keyed))
    t.ok("verified" in caller.log_text() and "verified" in callee.log_text(),
         "each phone verified the PBX's fingerprint",
         caller.log_text()[-800:] + callee.log_text()[-800:])
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "udp.srcport",
                          "-e", "udp.dstport", "-e", "udp.payload"], capture_output=True, text=True,
                         timeout=60).stdout
    rows = [(int(f.split("\t")[0]), int(f.split("\t")[1]),
             bytes.fromhex(f.split("\t")[2].replace(":", "")))
            for f in out.splitlines() if f.count("\t") == 2 and f.split("\t")[2]]
    pkts = [p for _, _, p in rows]
    dtls = [p for p in pkts if len(p) > 13 and 20 <= p[0] <= 63 and p[1] == 0xfe]
    hello = [p for p in dtls if p[0] == 22 and p[13] == 1]
    t.ok(len(hello) >= 2, "tshark: DTLS handshakes (ClientHellos) on the media ports",
         f"{len(dtls)} DTLS records, {len(hello)} ClientHello")
    rtp = [p for p in pkts if len(p) >= 172 and p[0] & 0xc0 == 0x80 and p[1] & 0x7f == 0]
    t.ok(len(rtp) > 100, "tshark captured the media", str(len(rtp)))
    best = 0.0
    for p in rtp[50:150]:
        pcm = [ULAW[b] for b in p[12:172]]
        best = max(best, tone_power(pcm, 1000), tone_power(pcm, 440))
    t.ok(best < 0.2, "captured payloads decoded as PCMU carry neither tone "
         "(SRTP, no plain RTP)", f"best tone share {best:.3f}")
    body = b"".join(p[12:172] for p in rtp[50:150])
    t.ok(len(set(body)) > 240, "payload bytes look random", str(len(set(body))))
    # every packet the PBX sent on the calls' media flows (those that
    # carried DTLS: the capture may hold other tests' traffic), from the
    # first: DTLS, or RTP with an SRTP tag, never plain RTP
    flows = {(a, b) for a, b, p in rows if len(p) > 13 and 20 <= p[0] <= 63 and p[1] == 0xfe}
    ours = [p for a, b, p in rows
            if 45000 <= a <= 45999 and ((a, b) in flows or (b, a) in flows)]
    media = [p for p in ours if len(p) >= 12 and p[0] >> 6 == 2 and not 192 <= p[1] <= 223]
    t.ok(len(media) > 100 and all(len(p) in (172 + 10, 172 + 16) for p in media),
         "every media packet from the PBX carries an SRTP tag",
         f"{len(media)} packets: {sorted({len(p) for p in media})}")

    p_phone = phone("1004", 440, dtls=False, answer=True)
    t.ok(registered("1004"), "plain phone registered")
    call(caller, p_phone, "1003 (DTLS) calls 1004 (plain RTP)")
    heard(p_phone, 1000, "DTLS -> plain")
    heard(caller, 440, "plain -> DTLS")

    u_phone = phone("1006", 1000, dtls=False)
    registered("1006")
    u_phone.command("/dial 1004")
    t.ok(wait_for(lambda: "488" in u_phone.log_text(), 15),
         "plain RTP offered by a DTLS-required endpoint: 488", u_phone.log_text()[-1200:])
except SystemExit:
    pass
finally:
    for b in phones:
        b.stop()
    t.ok(pbx.running(), "daemon still running")
    t.ok(not pbx.assertion_lines(), "no CRITICAL or assertion in the log",
         "\n".join(pbx.assertion_lines()))
    pbx.stop()
    pbx.cleanup()
t.done()
