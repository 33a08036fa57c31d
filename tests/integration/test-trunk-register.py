#!/usr/bin/env python3
"""Outbound registration against sipp registrars: the provider's front
registrar answers 423 (Min-Expires 900: Carillon asks again for 900 s) and
then 302 to a second registrar, which challenges (401) and grants the
binding; when res_sip_outbound_registration unloads, Carillon removes the
binding with Expires: 0 and the same credentials."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from carillon import Carillon, Tap, free_port, wait_for, TOP  # noqa: E402

SIPP = os.path.join(TOP, "contrib", "sipp")
t = Tap()
FRONT, BACK = free_port(), free_port()
pbx = Carillon()
pbx.conf("endpoints.conf", "provider", "port", str(FRONT))
pbx.conf("endpoints.conf", "provider", "match", f"127.0.0.1:{FRONT}")
pbx.conf("endpoints.conf", "provider", "register_expires", "600")
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
PROCS = []


def sipp(sf, port, keys):
    cmd = ["sipp", "-sf", sf, "-m", "1", "-i", "127.0.0.1", "-p", str(port),
           "-timeout", "30", "-timeout_error", "-nostdin", "-trace_err", "-error_file",
           os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")]
    for k, v in keys.items():
        cmd += ["-key", k, str(v)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=pbx.run_dir)
    PROCS.append(p)
    return p


def finish(p, timeout=40):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-2500:]
    return p.returncode, out[-2500:]


def errors(port):
    try:
        return open(os.path.join(pbx.run_dir, f"sipp-{port}-errors.log")).read()[-2000:]
    except OSError:
        return ""


front_sf = os.path.join(pbx.run_dir, "front.xml")
with open(front_sf, "w") as f:
    f.write(open(os.path.join(SIPP, "provider-register-423-302.xml")).read()
            .replace("MIN_EXPIRES", "900"))
try:
    front = sipp(front_sf, FRONT, {"redirect": f"sip:127.0.0.1:{BACK}"})
    back = sipp(os.path.join(SIPP, "provider-register-unregister.xml"), BACK,
                {"user": "carillon", "pass": "trunkpw", "expires": 900})
    if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
        t.done()
    rc, out = finish(front)
    t.ok(rc == 0, "423: Carillon asked again for the Min-Expires (900), then got 302",
         out + errors(FRONT))
    ok = wait_for(lambda: "Registered" in pbx.rx("sip show registrations outbound")[1], 10)
    rc, out = pbx.rx("sip show registrations outbound")
    t.ok(ok and re.search(rf"provider\s+127\.0\.0\.1:{BACK}\s+Registered\s+900\s", out),
         "the 302 was followed: registered at the second registrar for 900 s", out)
    rc, out = pbx.rx("module unload res_sip_outbound_registration")
    t.ok(rc == 0, "res_sip_outbound_registration unloads", out)
    rc, out = finish(back)
    t.ok(rc == 0, "the second registrar saw the 401 answered, then Expires: 0 with good "
         "credentials", out + errors(BACK))
finally:
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.communicate()
    t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
    t.ok(not pbx.assertion_lines(), "no assertion failures", pbx.assertion_lines())
    pbx.cleanup()
t.done()
