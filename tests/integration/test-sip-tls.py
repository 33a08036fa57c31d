#!/usr/bin/env python3
"""SIP over TLS on a running Carillon (the sample office from mkrundir:
TLS on SIP_PORT+1 with a self-signed certificate generated in RUN_DIR/tls).

A Python TLS client registers with digest auth (TLS 1.2+ with an AEAD
cipher, the certificate verified for 127.0.0.1) and is listed with
transport tls; TLS 1.0 and 1.1 clients, plain SIP sent to the TLS port
and a garbage handshake are refused without an answer and the daemon
goes on; a TLS-only endpoint is refused (403) over UDP and TCP and
accepted over TLS; a sips: Request-URI over UDP gets 416; with
verify_client = yes (after a reload) a phone without a certificate or
with one not from ca_file is refused and one with a good certificate
registers; two baresip phones register over TLS and call each other,
and a tone crosses the call both ways."""
import glob
import os
import re
import shutil
import socket
import ssl
import time
import warnings

from audio import analyse, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, TOP, wait_for
from sipclient import SipClient
from tls_client import TlsClient

warnings.simplefilter("ignore", DeprecationWarning)     # TLS 1.0/1.1 on purpose
PKI = os.path.join(TOP, "tests/data/tls")
t = Tap()


def client_ctx(cafile, cert=None, max_version=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if cert:
        ctx.load_cert_chain(os.path.join(PKI, cert + ".crt"), os.path.join(PKI, cert + ".key"))
    if max_version:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = max_version
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def tls_register(port, ctx, user, **kw):
    try:
        c = TlsClient(port, ctx)
    except (ssl.SSLError, OSError) as e:
        return None, str(e)
    try:
        r = c.register_auth(user, f"pw{user}", **kw)
        return r, (c.sock.version(), c.sock.cipher()[0]) if ctx else None
    except (ssl.SSLError, OSError) as e:
        return None, str(e)
    finally:
        c.close()


def refused_handshake(port, ctx):
    """TRUE when the server refuses the handshake."""
    try:
        c = TlsClient(port, ctx)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as e:
        return True, str(e)
    try:
        # TLS 1.3 sends the client-certificate verdict after the handshake
        c.send_raw("OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n")
        c.sock.settimeout(2)
        data = c.sock.recv(100)
        return data == b"", f"got {data!r}"
    except (socket.timeout, TimeoutError):
        return False, "the connection stays open"
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as e:
        return True, str(e)
    finally:
        c.close()


def registrations():
    return pbx.rx("sip show registrations")[1]


pbx = Carillon()
tls_port = pbx.sip_port + 1
cert = os.path.join(pbx.run_dir, "tls", "carillon.crt")
t.ok(os.path.exists(cert), "mkrundir generated a self-signed certificate in RUN_DIR/tls")
# A TLS-only endpoint (not from the template: list keys add up across
# templates, so transports= there would extend the template's udp,tcp,tls).
with open(os.path.join(pbx.etc, "endpoints.conf"), "a") as f:
    f.write("\n[1099]\nsecret = pw1099\ncontext = office\ntransports = tls\n")
pbx.conf("rtp.conf", "general", "port_start", "43000")
pbx.conf("rtp.conf", "general", "port_end", "43999")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()
phones = []
try:
    ctx = client_ctx(cert)
    r, info = tls_register(tls_port, ctx, "1001")
    t.ok(r and r[0] == 200, "REGISTER 1001 over TLS with digest: 200", f"{r} {info}")
    t.ok(info and info[0] in ("TLSv1.2", "TLSv1.3") and ("GCM" in info[1] or "CHACHA" in info[1]),
         "TLS 1.2+ with an AEAD cipher, certificate verified for 127.0.0.1", str(info))
    out = registrations()
    t.ok(re.search(r"^1001\s.*\btls\b", out, re.M), "sip show registrations: 1001 over tls", out)
    rc, out = pbx.rx("sip show transports")
    t.ok(re.search(r"^tls\s+tls\s+127\.0\.0\.1:%d" % tls_port, out, re.M),
         "sip show transports lists the TLS transport", out)

    # ---- refusals ---------------------------------------------------------------
    for v in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        ok, why = refused_handshake(tls_port, client_ctx(None, max_version=v))
        t.ok(ok, f"a {v.name} client is refused", why)
    t.ok(re.search(r"TLS 127\.0\.0\.1:\d+: .*(unsupported protocol|version)", pbx.log_text()),
         "the log says why (unsupported protocol)", pbx.log_text()[-800:])
    with socket.create_connection(("127.0.0.1", tls_port), timeout=3) as s:
        s.sendall(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKx"
                  b"\r\nContent-Length: 0\r\n\r\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
    t.ok(not data.startswith(b"SIP/2.0"), "plain SIP to the TLS port: no SIP answer, closed",
         repr(data))
    ok, why = refused_handshake(tls_port, ssl._create_unverified_context())
    t.ok(not ok, "the daemon still serves TLS afterwards", why)

    # ---- transports= enforced -----------------------------------------------------
    udp = SipClient(pbx.sip_port)
    r = udp.register_auth("1099", "pw1099")
    t.ok(r and r[0] == 403, "TLS-only 1099 registering over UDP: 403", str(r))
    udp.close()
    tcp = TlsClient(pbx.sip_port, None)
    r = tcp.register_auth("1099", "pw1099")
    t.ok(r and r[0] == 403, "TLS-only 1099 registering over TCP: 403", str(r))
    tcp.close()
    r = SipClient(pbx.sip_port).register("1099")
    t.ok(r and r[0] == 401, "before credentials 1099 gets the same 401 as everyone", str(r))
    r, info = tls_register(tls_port, ctx, "1099")
    t.ok(r and r[0] == 200, "TLS-only 1099 over TLS: 200", f"{r} {info}")
    t.ok("1099 from 127.0.0.1" in pbx.log_text() and "refused (transports = tls)"
         in pbx.log_text(), "the refusal is logged with the allowed transports")

    # ---- sips: needs TLS ---------------------------------------------------------
    u = SipClient(pbx.sip_port)
    u.send_raw(f"OPTIONS sips:1001@127.0.0.1 SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{u.port};branch=z9hG4bKsips1;rport\r\n"
               f"From: <sip:x@127.0.0.1>;tag=a\r\nTo: <sips:1001@127.0.0.1>\r\n"
               f"Call-ID: sips1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
               f"Content-Length: 0\r\n\r\n")
    r = u.recv()
    t.ok(r and r[0] == 416, "a sips: Request-URI over UDP: 416", str(r))
    u.close()

    # ---- baresip phones over TLS, a call with audio ----------------------------
    have_baresip = shutil.which("baresip") and all(
        os.path.exists(os.path.join("/usr/lib/baresip/modules", m))
        for m in ("sndfile.so", "aubridge.so", "aufile.so"))
    if have_baresip:
        def phone(user, tone_hz):
            src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
            write_tone(src, tone_hz, 60)
            rec = os.path.join(pbx.run_dir, f"rec-{user}")
            os.makedirs(rec)
            b = Baresip(pbx, user, f"pw{user}", timeout=90, audio_source=src,
                        audio_player="aubridge,nobody-feeds-this", transport="tls",
                        port=tls_port, extra_modules=["aubridge.so", "sndfile.so"],
                        config_extra=[f"snd_path {rec}", f"sip_cafile {cert}"],
                        answermode="auto" if user == "1002" else None)
            b.rec = rec
            phones.append(b)
            return b

        def registered_tls(user):
            return re.search(rf"^{user}\s.*\btls\b", registrations(), re.M)

        caller = phone("1003", 1000)
        callee = phone("1002", 440)
        t.ok(wait_for(lambda: registered_tls("1003") and registered_tls("1002"), 15),
             "two baresip phones register over TLS", registrations()
             + caller.log_text()[-800:] + callee.log_text()[-800:])
        caller.command("/dial 1002")
        t.ok(wait_for(lambda: "Call established" in caller.log_text(), 15),
             "1003 calls 1002 over TLS: established", caller.log_text()[-1500:]
             + callee.log_text()[-1500:] + pbx.log_text()[-1500:])
        time.sleep(3)
        caller.command("/hangup")
        t.ok(wait_for(lambda: re.search(r"Call with \S+ terminated", callee.log_text()), 10),
             "the BYE reaches 1002 over its TLS connection", callee.log_text()[-800:])
        for b, hz in ((callee, 1000), (caller, 440)):
            files = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
            res = analyse(files[0]) if files else None
            t.ok(res and abs(res[2] - hz) < 20 and res[1] > 500,
                 f"{hz} Hz arrives at the other phone", str(res))
    else:
        t.diag("baresip or its sndfile/aubridge modules missing: no TLS call")

    # ---- client certificates -----------------------------------------------------
    pbx.conf("sip.conf", "tls", "verify_client", "yes")
    pbx.conf("sip.conf", "tls", "ca_file", os.path.join(PKI, "ca.crt"))
    pbx.conf("sip.conf", "tls", "cert_file", os.path.join(PKI, "server.crt"))
    pbx.conf("sip.conf", "tls", "key_file", os.path.join(PKI, "server.key"))
    rc, out = pbx.rx("module reload res_sip")
    t.ok(rc == 0, "module reload res_sip with verify_client = yes", out)
    ca = os.path.join(PKI, "ca.crt")
    ok, why = refused_handshake(tls_port, client_ctx(ca))
    t.ok(ok, "verify_client: a phone without a certificate is refused", why)
    ok, why = refused_handshake(tls_port, client_ctx(ca, cert="rogue"))
    t.ok(ok, "verify_client: a certificate not from ca_file is refused", why)
    r, info = tls_register(tls_port, client_ctx(ca, cert="client"), "1001")
    t.ok(r and r[0] == 200, "verify_client: a phone with a certificate from ca_file registers",
         f"{r} {info}")
    r, info = tls_register(tls_port, client_ctx(cert), "1001")
    t.ok(r is None, "the old self-signed certificate is no longer served after the reload",
         str(info))
finally:
    for b in phones:
        b.stop()
    t.ok(pbx.running(), "daemon still running")
    t.ok(not pbx.assertion_lines(), "no CRITICAL or assertion in the log",
         "\n".join(pbx.assertion_lines()))
    pbx.stop()
    pbx.cleanup()
t.done()
