#!/usr/bin/env python3
"""The out-of-tree SIP example, contrib/examples/res_sip_message: built
against `make install` output with pkg-config alone (no -I into the
tree, no parser code of its own), loaded by path as a dependent of
res_sip, then driven with raw MESSAGEs: digest challenge (401), 202 and
a row in sip_messages without on_message, the dialplan's on_message
answering 200 / 404 / 500 / falling back to the store, 415 for a body
that is not text/plain, 413 for a large one, 481 for a To tag."""
import os
import random
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time

from carillon import TOP, Carillon, Tap
from sipclient import SipClient, header_values

EXAMPLE = os.path.join(TOP, "contrib", "examples", "res_sip_message")

DIALPLAN = """
context("office", {
    on_invite = function(call) call:hangup(404) end,
    on_message = function(msg)
        pbx.log("notice", string.format("on_message from=%s to=%s body=%s type=%s x=%s",
                msg.from, tostring(msg.to), msg.body, msg.content_type,
                tostring(msg.headers["X-Test"])))
        if msg.body == "take" then return true end
        if msg.body == "nobody" then return 404 end
        if msg.body == "boom" then error("on_message blew up") end
        if msg.body == "wait" then pbx.sleep(1) end
        -- anything else: nil, stored as without a handler
    end,
})
"""

t = Tap()
pbx = Carillon()
t.ok(pbx.start(), "daemon starts", pbx.log_text())

# ---- build against the installed headers only
prefix = tempfile.mkdtemp(prefix="carillon-prefix-")
build = tempfile.mkdtemp(prefix="carillon-oot-")
p = subprocess.run(["make", "-s", "install", f"prefix={prefix}"], cwd=TOP,
                   capture_output=True, text=True, timeout=300)
t.ok(p.returncode == 0
     and os.path.exists(f"{prefix}/include/carillon/sip/api.h")
     and os.path.exists(f"{prefix}/lib/pkgconfig/carillon-sip.pc")
     and os.path.exists(f"{prefix}/lib/carillon/libcarillon-sipmsg.so.1"),
     "make install puts the SIP API headers, carillon-sip.pc and libcarillon-sipmsg "
     "under the prefix", p.stdout + p.stderr)
shutil.copytree(EXAMPLE, build, dirs_exist_ok=True)
env = dict(os.environ, PKG_CONFIG_PATH=f"{prefix}/lib/pkgconfig")
# nothing from the tree's build: include paths, flags, or the parent
# make's jobserver (under `make -j check` a sub-make warns without it)
for var in ("CPATH", "C_INCLUDE_PATH", "LIBRARY_PATH", "CFLAGS", "MAKEFLAGS", "MFLAGS",
            "MAKELEVEL"):
    env.pop(var, None)
p = subprocess.run(["make"], cwd=build, env=env, capture_output=True, text=True,
                   timeout=120)
so = os.path.join(build, "res_sip_message.so")
t.ok(p.returncode == 0 and os.path.exists(so) and "warning" not in p.stderr,
     "the example builds against the installed headers, without warnings",
     p.stdout + p.stderr)
compile_line = next((l for l in p.stdout.splitlines() if "res_sip_message.c" in l), "")
includes = re.findall(r"-I\s*(\S+)", compile_line)
t.ok(f"-I{prefix}/include" in compile_line
     and not any(os.path.realpath(i).startswith(os.path.realpath(TOP)) for i in includes)
     and os.path.realpath(TOP) not in compile_line,
     "its compile line has only pkg-config's flags, nothing from the source tree",
     compile_line)
p = subprocess.run(["nm", "-D", so], capture_output=True, text=True)
defined = sorted(l.split()[-1] for l in p.stdout.splitlines()
                 if len(l.split()) == 3 and l.split()[1] not in ("U", "w", "v"))
undefined_sip = [l.split()[-1] for l in p.stdout.splitlines()
                 if l.split()[:1] == ["U"] and l.split()[-1].startswith("sip_")]
t.ok(defined == ["pbx_module_info"] and "sip_unescape" in undefined_sip,
     "it exports only its descriptor and takes the message layer from libcarillon-sipmsg "
     "(sip_* undefined)", p.stdout)
p = subprocess.run(["readelf", "-d", so], capture_output=True, text=True)
t.ok("libcarillon-sipmsg.so.1" in p.stdout and f"{prefix}/lib/carillon" in p.stdout,
     "it needs libcarillon-sipmsg.so.1 and finds it in the prefix (RUNPATH)", p.stdout)

# ---- load it as a dependent of res_sip
rc, out = pbx.rx(f"module load {so}")
t.ok(rc == 0, "the module loads by path", out)
rc, out = pbx.rx("module show like res_sip")
lines = {l.split()[0]: l for l in out.splitlines()[1:] if l.strip()}
t.ok("res_sip_message" in lines and "res_sip_message" in lines.get("res_sip", ""),
     "module show lists it, and res_sip as used by it", out)
rc, out = pbx.rx("module unload res_sip")
t.ok(rc == 1 and "res_sip_message" in out,
     "res_sip cannot be unloaded under it", out)

# ---- MESSAGEs
client = SipClient(pbx.sip_port)


def message(body, ctype="text/plain", user="1001", password="pw1001", to="1002",
            to_tag="", extra="", auth=True):
    """Sends a MESSAGE (answering a 401 when auth); returns the final
    response (code, reason, headers, text) or None."""
    def send(authz):
        client.cseq += 1
        uri = f"sip:{to}@127.0.0.1:{pbx.sip_port}"
        branch = f"z9hG4bK{random.getrandbits(48):x}"
        data = body.encode() if isinstance(body, str) else body
        ct = f"Content-Type: {ctype}\r\n" if ctype else ""
        head = (f"MESSAGE {uri} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {client.host}:{client.port};branch={branch};rport\r\n"
                f"Max-Forwards: 70\r\n"
                f"From: <sip:{user}@127.0.0.1>;tag={client.tag}\r\n"
                f"To: <sip:{to}@127.0.0.1>{to_tag}\r\n"
                f"Call-ID: {random.getrandbits(64):x}@test\r\n"
                f"CSeq: {client.cseq} MESSAGE\r\n"
                f"{ct}{extra}{authz}Content-Length: {len(data)}\r\n\r\n")
        client.send_raw(head.encode() + data)
        return client.recv(), uri
    r, uri = send("")
    if not auth or not r or r[0] != 401:
        return r
    chal = header_values(r[2], "WWW-Authenticate")[0]
    return send(client.authorization(chal, user, password, "MESSAGE", uri))[0]


def code(r):
    return r[0] if r else None


r = message("hello", auth=False)
t.ok(code(r) == 401 and header_values(r[2], "WWW-Authenticate"),
     "an unauthenticated MESSAGE is challenged (401 WWW-Authenticate)", r and r[3])
r = message("hello", password="wrong")
t.ok(code(r) == 401, "a wrong password is challenged again", r and r[3])

# Without on_message: stored, 202.
r = message("hello from alice")
t.ok(code(r) == 202, "without on_message: 202 Accepted", r and r[3])
rc, out = pbx.rx("message show recent")
t.ok(rc == 0 and re.search(r"1001 sip:1001@127\.0\.0\.1 -> sip:1002@127\.0\.0\.1: "
                           r"hello from alice", out),
     "message show recent lists it", out)
db = os.path.join(pbx.run_dir, "var", "carillon.db")
rows = []
for _ in range(40):
    try:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT endpoint, from_uri, to_uri, content_type, body,"
                                " received FROM sip_messages").fetchall()
    except sqlite3.Error:
        rows = []
    if rows:
        break
    time.sleep(0.05)
t.ok(len(rows) == 1 and rows[0][:5] == ("1001", "sip:1001@127.0.0.1", "sip:1002@127.0.0.1",
                                        "text/plain", "hello from alice")
     and abs(rows[0][5] - time.time()) < 60,
     "and it is a row of sip_messages in the database", rows)

# Refusals.
r = message("<b>hi</b>", ctype="application/xml")
t.ok(code(r) == 415 and header_values(r[2], "Accept") == ["text/plain"],
     "a body that is not text/plain: 415 with Accept: text/plain", r and r[3])
r = message("hello", ctype=None)
t.ok(code(r) == 415, "a body without Content-Type: 415", r and r[3])
r = message("x" * 5000)
t.ok(code(r) == 413, "a body over 4096 bytes: 413", r and r[3])
r = message("in a dialog?", to_tag=";tag=nodialog", auth=False)
t.ok(code(r) == 481, "a MESSAGE with a To tag and no dialog: 481", r and r[3])

# With on_message in the endpoint's context.
with open(os.path.join(pbx.etc, "extensions.lua"), "w") as f:
    f.write(DIALPLAN)
rc, out = pbx.rx("dialplan reload")
rc2, out2 = pbx.rx("dialplan show")
t.ok(rc == 0 and "on_invite, on_message" in out2,
     "a dialplan with on_message loads; dialplan show lists it", out + out2)
r = message("take", extra="X-Test: seen\r\n")
t.ok(code(r) == 200, "on_message returning true: 200", r and r[3])
t.ok("on_message from=1001 to=1002 body=take type=text/plain x=seen" in pbx.log_text(),
     "on_message saw from, to, body, content_type and the headers",
     pbx.log_text()[-2000:])
r = message("nobody")
t.ok(code(r) == 404, "on_message returning 404: 404", r and r[3])
r = message("boom")
t.ok(code(r) == 500 and "on_message blew up" in pbx.log_text(),
     "on_message raising an error: 500, and the error is logged", r and r[3])
r = message("wait")
t.ok(code(r) == 500 and "pbx.sleep can only wait inside on_invite" in pbx.log_text(),
     "on_message trying to wait: a clean error, 500", r and r[3])
r = message("keep this")
rc, out = pbx.rx("message show recent 1")
t.ok(code(r) == 202 and "keep this" in out and "hello from alice" not in out,
     "on_message returning nil: stored as without it (202); show recent 1 shows one",
     (r and r[3] or "") + out)

# Unloaded: the handler goes, res_sip refuses MESSAGE again.
rc, out = pbx.rx("module unload res_sip_message")
t.ok(rc == 0, "the module unloads", out)
r = message("anyone?", auth=False)
rc2, out2 = pbx.rx("message show recent")
t.ok(code(r) == 405 and rc2 != 0,
     "after unload MESSAGE gets 405 and the CLI command is gone", (r and r[3] or "") + out2)

client.close()
rc, _ = pbx.rx("core show version")
t.ok(rc == 0 and pbx.running() and not pbx.assertion_lines(),
     "the daemon survived all of it", "\n".join(pbx.assertion_lines()))
t.ok(pbx.stop() == 0, "clean exit", pbx.log_text()[-3000:])
pbx.cleanup()
shutil.rmtree(prefix, ignore_errors=True)
shutil.rmtree(build, ignore_errors=True)
t.done()
