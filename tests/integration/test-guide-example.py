#!/usr/bin/env python3
"""docs/writing-modules.md's Lua-method example (res_blocklist) is real
code: taken from the guide, built against `make install` output with
pkg-config, loaded by path; call:blocked() decides an INVITE's answer
(603 for a blocked caller), the method and its CLI command go when the
module unloads."""
import os
import random
import re
import shutil
import subprocess
import tempfile

from carillon import TOP, Carillon, Tap
from sipclient import SipClient, header_values

DIALPLAN = """
context("office", {
    on_invite = function(call)
        if call:blocked() then return call:hangup(603) end
        call:hangup(404)
    end,
})
"""

t = Tap()
guide = open(os.path.join(TOP, "docs", "writing-modules.md")).read()
m = re.search(r"<!-- example: res_blocklist\.c -->\n```c\n(.*?)```", guide, re.S)
t.ok(m is not None, "the guide has the res_blocklist example")
build = tempfile.mkdtemp(prefix="carillon-guide-")
prefix = tempfile.mkdtemp(prefix="carillon-prefix-")
with open(os.path.join(build, "res_blocklist.c"), "w") as f:
    f.write(m.group(1) if m else "")

p = subprocess.run(["make", "-s", "install", f"prefix={prefix}"], cwd=TOP,
                   capture_output=True, text=True, timeout=300)
t.ok(p.returncode == 0, "make install to a temp prefix", p.stdout + p.stderr)
env = dict(os.environ, PKG_CONFIG_PATH=f"{prefix}/lib/pkgconfig")
flags = subprocess.run(["pkg-config", "--cflags", "--libs", "carillon"], env=env,
                       capture_output=True, text=True).stdout.split()
so = os.path.join(build, "res_blocklist.so")
p = subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", *flags,
                    "-shared", "-o", so, os.path.join(build, "res_blocklist.c")],
                   capture_output=True, text=True, timeout=120)
t.ok(p.returncode == 0 and not p.stderr, "it builds with pkg-config carillon, no warnings",
     p.stderr)

pbx = Carillon()
t.ok(pbx.start(), "daemon starts", pbx.log_text())
with open(os.path.join(pbx.etc, "extensions.lua"), "w") as f:
    f.write(DIALPLAN)
rc, out = pbx.rx("dialplan reload")
t.ok(rc == 0, "a dialplan using call:blocked() loads", out)
rc, out = pbx.rx(f"module load {so}")
rc2, out2 = pbx.rx("blocklist add 1001")
t.ok(rc == 0 and rc2 == 0 and "1001 blocked (1 numbers)" in out2,
     "the module loads and its CLI command works", out + out2)

client = SipClient(pbx.sip_port)


def invite(user="1001", password="pw1001", to="1002"):
    """INVITE (answering the 407); returns the final response code."""
    uri = f"sip:{to}@127.0.0.1:{pbx.sip_port}"

    def send(authz):
        client.cseq += 1
        branch = f"z9hG4bK{random.getrandbits(48):x}"
        via = f"SIP/2.0/UDP {client.host}:{client.port};branch={branch};rport"
        common = (f"Max-Forwards: 70\r\nFrom: <sip:{user}@127.0.0.1>;tag={client.tag}\r\n"
                  f"Call-ID: {client.call_id}\r\n")
        client.send_raw(f"INVITE {uri} SIP/2.0\r\nVia: {via}\r\n{common}"
                        f"To: <sip:{to}@127.0.0.1>\r\nCSeq: {client.cseq} INVITE\r\n"
                        f"Contact: <sip:{user}@{client.host}:{client.port}>\r\n"
                        f"{authz}Content-Length: 0\r\n\r\n")
        r = client.recv(timeout=5)
        if r:   # ACK the non-2xx final response (same branch, its To)
            to_hdr = header_values(r[2], "To")[0]
            client.send_raw(f"ACK {uri} SIP/2.0\r\nVia: {via}\r\n{common}To: {to_hdr}\r\n"
                            f"CSeq: {client.cseq} ACK\r\nContent-Length: 0\r\n\r\n")
        return r
    r = send("")
    if r and r[0] == 407:
        chal = header_values(r[2], "Proxy-Authenticate")[0]
        r = send(client.authorization(chal, user, password, "INVITE", uri,
                                      header="Proxy-Authorization"))
    return r[0] if r else None


t.ok(invite() == 603, "a call from a blocked number: call:blocked() is true, 603")
t.ok(invite(user="1003", password="pw1003") == 404,
     "a call from another number: false, the script carries on (404)")
rc, out = pbx.rx("module unload res_blocklist")
rc2, out2 = pbx.rx("blocklist add 1003")
t.ok(rc == 0 and rc2 != 0, "the module unloads and its command goes", out + out2)
code = invite()
t.ok(code == 500 and "attempt to call a nil value (method 'blocked')" in pbx.log_text(),
     "call:blocked() is gone from the dialplan with it (the script fails: 500)",
     pbx.log_text()[-1500:])

client.close()
t.ok(pbx.running() and not pbx.assertion_lines(), "the daemon survived",
     "\n".join(pbx.assertion_lines()))
t.ok(pbx.stop() == 0, "clean exit", pbx.log_text()[-2000:])
pbx.cleanup()
shutil.rmtree(prefix, ignore_errors=True)
shutil.rmtree(build, ignore_errors=True)
t.done()
