#!/usr/bin/env python3
"""TLS server name indication (RFC 6066 3) on a running Carillon: the
sample office's TLS transport gets `tls_certs` with a certificate for
a.sni.test, one for b.sni.test and one for *.wild.test (made here with
openssl).  Python ssl clients naming each get the matching certificate
(verified against it as their only CA, host name checked) and register
over it; names are matched without regard to case; x.wild.test gets the
wildcard one, but wild.test itself and a.b.wild.test do not; a name with
no certificate, and no name at all, get the transport's default
certificate."""
import os
import re
import ssl
import subprocess

from carillon import Carillon, Tap
from tls_client import TlsClient

t = Tap()


def make_cert(d, name):
    base = os.path.join(d, name.replace("*", "star"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}", "-keyout", base + ".key",
                    "-out", base + ".crt"], check=True, capture_output=True, timeout=30)
    return base + ".crt", base + ".key"


def der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def served(port, name):
    """The certificate the server presents to a client naming `name`
    (None: no SNI at all), unverified (DER)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = TlsClient(port, ctx, server_hostname=name)
    try:
        return c.sock.getpeercert(binary_form=True)
    finally:
        c.close()


pbx = Carillon()
tls_port = pbx.sip_port + 1
d = os.path.join(pbx.run_dir, "sni")
os.makedirs(d)
certs = {n: make_cert(d, n) for n in ("a.sni.test", "b.sni.test", "*.wild.test")}
default = os.path.join(pbx.run_dir, "tls", "carillon.crt")
pbx.conf("sip.conf", "tls", "tls_certs",
         ", ".join(f"{n}:{c}:{k}" for n, (c, k) in certs.items()))
if not t.ok(pbx.start(), "daemon starts with tls_certs", pbx.log_text()[-2000:]):
    t.done()
try:
    for name in ("a.sni.test", "b.sni.test"):
        ctx = ssl.create_default_context(cafile=certs[name][0])
        try:
            c = TlsClient(tls_port, ctx, server_hostname=name)
            r = c.register_auth("1001", "pw1001")
            c.close()
            ok, why = r and r[0] == 200, str(r)
        except (ssl.SSLError, OSError) as e:
            ok, why = False, str(e)
        t.ok(ok, f"SNI {name}: its certificate, verified for the name; REGISTER 200", why)
    t.ok(served(tls_port, "B.SNI.Test") == der(certs["b.sni.test"][0]),
         "the name is matched without regard to case")
    t.ok(served(tls_port, "x.wild.test") == der(certs["*.wild.test"][0]),
         "x.wild.test gets the *.wild.test certificate")
    for name in ("wild.test", "a.b.wild.test", "other.sni.test", "localhost", None):
        t.ok(served(tls_port, name) == der(default),
             f"{name or 'no SNI'}: the transport's default certificate")
    # the default still verifies as before (127.0.0.1 in its subjectAltName)
    c = TlsClient(tls_port, ssl.create_default_context(cafile=default))
    r = c.register_auth("1002", "pw1002")
    c.close()
    t.ok(r and r[0] == 200, "the default certificate, verified for 127.0.0.1: REGISTER 200",
         str(r))
    t.ok(pbx.running(), "daemon still running")
finally:
    pbx.stop()
t.ok(not re.search(r"CRITICAL|Assertion", pbx.log_text()), "no CRITICAL or assertion in the log")
t.done()
