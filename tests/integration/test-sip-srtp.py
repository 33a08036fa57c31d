#!/usr/bin/env python3
"""SDES-SRTP on a running Carillon (the sample office: TLS on SIP_PORT+1,
sample users with media_encryption = sdes, optimistic).

Two baresip phones over TLS with SRTP mandatory (mediaenc=srtp-mand; 1002
made SRTP-required in endpoints.conf) call each other: a tone crosses each
way, and tshark's capture of the media shows SRTP on the wire: the RTP
payloads, decoded as PCMU, do not carry the tone, and their bytes look
random.  An SRTP phone (TLS) calls a plain RTP phone (UDP): the worker
decrypts and re-encrypts, and the tones cross both ways.  A bad a=crypto
line (over TLS), an RTP/SAVP offer to a plain endpoint and SRTP-required
over UDP are each refused with 488."""
import glob
import os
import re
import shutil
import socket
import ssl
import subprocess
import time

from audio import analyse, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for
from sipclient import header_values
from tls_client import TlsClient

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


def captured_payloads(pcap, port_lo, port_hi, min_len=51):
    """UDP payloads from the PBX's media ports, at least min_len bytes."""
    out = subprocess.run(["tshark", "-r", pcap, "-Y",
                          f"udp.srcport >= {port_lo} && udp.srcport <= {port_hi}",
                          "-T", "fields", "-e", "data.data"],
                         capture_output=True, text=True, timeout=60).stdout
    return [bytes.fromhex(x.replace(":", "")) for x in out.split() if len(x) >= 2 * min_len]


def plain_rtcp(p):
    """A compound whose length fields add up to the datagram: plain
    RTCP (SRTCP adds an index and a tag, and encrypts all but the first
    header)."""
    off = 0
    while off + 4 <= len(p) and p[off] >> 6 == 2:
        off += (int.from_bytes(p[off + 2:off + 4], "big") + 1) * 4
    return off == len(p)


def not_srtp(packets, plain_len=172, tags=(4, 10, 16)):
    """The PBX's packets that are not SRTP/SRTCP: RTP without a tag,
    plain RTCP, anything else but DTLS (first byte 20-63) or STUN."""
    bad = []
    for p in packets:
        if len(p) < 12 or p[0] >> 6 != 2:
            if not (20 <= p[0] <= 63 or p[0] < 4):
                bad.append(p)
        elif 192 <= p[1] <= 223:
            if plain_rtcp(p):
                bad.append(p)
        elif len(p) not in tuple(plain_len + t for t in tags):
            bad.append(p)
    return bad


def invite_offer(user, sdp, port, ctx):
    """An authenticated INVITE from `user` to 1002 over TLS; the final
    response."""
    c = TlsClient(port, ctx)
    uri = "sip:1002@127.0.0.1"
    def send(cseq, auth=""):
        c.send_raw(f"INVITE {uri} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP {c.host}:{c.port};branch=z9hG4bKsrtp{cseq};rport\r\n"
                   f"From: <sip:{user}@127.0.0.1>;tag=s{cseq}\r\nTo: <{uri}>\r\n"
                   f"Call-ID: srtp-bad-{user}-{port}\r\nCSeq: {cseq} INVITE\r\n"
                   f"Max-Forwards: 70\r\nContact: <sip:{user}@{c.host}:{c.port};transport=tls>\r\n"
                   f"{auth}Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}")
        return c.recv(timeout=5)
    r = send(1)
    if r and r[0] == 407:
        c.send_raw(f"ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP {c.host}:{c.port};branch=z9hG4bKsrtp1;rport\r\n"
                   f"From: <sip:{user}@127.0.0.1>;tag=s1\r\nTo: <{uri}>;tag=x\r\n"
                   f"Call-ID: srtp-bad-{user}-{port}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n")
        chal = header_values(r[2], "Proxy-Authenticate")[0]
        r = send(2, c.authorization(chal, user, f"pw{user}", "INVITE", uri,
                                    header="Proxy-Authorization"))
    c.sock.close()
    return r


def sdp(proto, crypto):
    return ("v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio 40000 {proto} 0\r\na=rtpmap:0 PCMU/8000\r\n"
            + (f"a=crypto:{crypto}\r\n" if crypto else ""))


pbx = Carillon()
tls_port = pbx.sip_port + 1
cert = os.path.join(pbx.run_dir, "tls", "carillon.crt")
pbx.conf("endpoints.conf", "1002", "media_encryption_optimistic", "no")
pbx.conf("rtp.conf", "general", "port_start", "44000")
pbx.conf("rtp.conf", "general", "port_end", "44999")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
phones = []
try:
    ctx = ssl.create_default_context(cafile=cert)

    # ---- refusals ------------------------------------------------------------------
    r = invite_offer("1001", sdp("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:!!notbase64!!"),
                     tls_port, ctx)
    t.ok(r and r[0] == 488, "a bad a=crypto line over TLS: 488", str(r))
    t.ok("notbase64" not in pbx.log_text(), "the bad key is not quoted in the log")
    r = invite_offer("1002", sdp("RTP/AVP", None), tls_port, ctx)
    t.ok(r and r[0] == 488, "a plain offer from SRTP-required 1002: 488", str(r))

    have_baresip = shutil.which("baresip") and all(
        os.path.exists(os.path.join("/usr/lib/baresip/modules", m))
        for m in ("sndfile.so", "aubridge.so", "aufile.so", "srtp.so"))
    if not have_baresip:
        t.diag("baresip or its srtp/sndfile/aubridge modules missing: no SRTP calls")
        raise SystemExit
    def phone(user, tone_hz, tls=True, srtp=True, answer=False):
        src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
        write_tone(src, tone_hz, 60)
        rec = os.path.join(pbx.run_dir, f"rec-{user}")
        os.makedirs(rec)
        b = Baresip(pbx, user, f"pw{user}", timeout=90, audio_source=src,
                    audio_player="aubridge,nobody-feeds-this",
                    transport="tls" if tls else "udp", port=tls_port if tls else None,
                    extra_modules=["aubridge.so", "sndfile.so"] + (["srtp.so"] if srtp else []),
                    config_extra=[f"snd_path {rec}", f"sip_cafile {cert}"],
                    codecs="PCMU", answermode="auto" if answer else None,
                    account_extra=";mediaenc=srtp-mand" if srtp else "")
        b.rec = rec
        phones.append(b)
        return b

    def call(caller, callee, name, seconds=4):
        caller.command("/dial " + callee.user if hasattr(callee, "user") else "")
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

    # ---- SRTP <-> SRTP over TLS, with a capture ---------------------------------
    caller = phone("1003", 1000)
    callee = phone("1002", 440, answer=True)
    caller.user, callee.user = "1003", "1002"
    t.ok(wait_for(lambda: all(re.search(rf"^{u}\s.*\btls\b",
                                        pbx.rx("sip show registrations")[1], re.M)
                              for u in ("1003", "1002")), 15), "SRTP phones register over TLS")
    pcap = os.path.join(pbx.run_dir, "srtp.pcap")
    cap = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", "udp portrange 44000-44999",
                            "-w", pcap], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    call(caller, callee, "1003 (SRTP) calls 1002 (SRTP) over TLS")
    time.sleep(1)
    cap.terminate()
    cap.wait(10)
    heard(callee, 1000, "SRTP call")
    heard(caller, 440, "SRTP call")
    t.ok("RTP/SAVP" in callee.log_text() or "srtp" in callee.log_text().lower(),
         "1002 negotiated SRTP", callee.log_text()[-800:])
    payloads = captured_payloads(pcap, 44000, 44999)
    t.ok(len(payloads) > 100, "tshark captured the media", str(len(payloads)))
    # PCMU of a tone: decode payloads after the 12-byte header
    best = 0.0
    for p in payloads[50:150]:
        pcm = [ULAW[b] for b in p[12:172]]
        best = max(best, tone_power(pcm, 1000), tone_power(pcm, 440))
    t.ok(best < 0.2, "captured payloads decoded as PCMU carry neither tone "
         "(SRTP, not plain RTP)", f"best tone share {best:.3f}")
    body = b"".join(p[12:172] for p in payloads[50:150])
    distinct = len(set(body)) if body else 0
    t.ok(distinct > 240, "payload bytes look random (all byte values present)", str(distinct))
    every = captured_payloads(pcap, 44000, 44999, min_len=1)
    bad = not_srtp(every)
    t.ok(len(every) > 100 and not bad,
         "every packet from the PBX's media ports, first to last, is SRTP/SRTCP",
         f"{len(bad)} of {len(every)} not: lengths {sorted({len(p) for p in bad})}")

    # ---- SRTP phone <-> plain RTP phone -------------------------------------------
    s_phone = phone("1005", 1000)
    p_phone = phone("1004", 440, tls=False, srtp=False, answer=True)
    s_phone.user, p_phone.user = "1005", "1004"
    t.ok(wait_for(lambda: re.search(r"^1005\s.*\btls\b", pbx.rx("sip show registrations")[1],
                                    re.M) and re.search(r"^1004\s", pbx.rx(
                                        "sip show registrations")[1], re.M), 15),
         "SRTP phone (TLS) and plain phone (UDP) registered")
    call(s_phone, p_phone, "1005 (SRTP) calls 1004 (plain RTP)")
    heard(p_phone, 1000, "SRTP -> plain")
    heard(s_phone, 440, "plain -> SRTP")

    # ---- SRTP required over UDP ----------------------------------------------------
    u_phone = phone("1006", 1000, tls=False, srtp=True)
    u_phone.user = "1006"
    wait_for(lambda: re.search(r"^1006\s", pbx.rx("sip show registrations")[1], re.M), 15)
    u_phone.command("/dial 1004")
    t.ok(wait_for(lambda: "488" in u_phone.log_text(), 15),
         "SRTP offered over UDP (keys would travel in clear): 488", u_phone.log_text()[-1200:])
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
