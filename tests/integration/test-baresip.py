#!/usr/bin/env python3
"""Real softphones: baresip registers to Carillon (UDP and TCP) with digest
auth, is listed with its user agent, and unregisters when it quits."""
import shutil
import time

from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)


def contacts_of(pbx, aor):
    rc, out = pbx.rx("sip show registrations")
    return [l for l in out.splitlines() if l.split()[:1] == [aor]]



with Carillon() as pbx:
    phones = []
    for user, transport in (("1001", "udp"), ("1002", "tcp")):
        b = Baresip(pbx, user, f"pw{user}", transport=transport, timeout=60)
        phones.append(b)
        c = wait_for(lambda: contacts_of(pbx, user))
        t.ok(c and "baresip" in c[0].lower() and f" {transport} " in c[0],
             f"baresip {user} registers over {transport.upper()}", (c, b.log_text()[-1500:]))
    rc, out = pbx.rx("sip show endpoints")
    t.ok("Registered" in out or "Reachable" in out, "sip show endpoints shows them", out)
    # From its own address: its retries get that address blocked.
    bad = Baresip(pbx, "1003", "not-the-password", timeout=20, host="127.0.0.5")
    time.sleep(3)
    t.ok(not contacts_of(pbx, "1003") and bad.proc.poll() is None,
         "baresip with a wrong password is refused", bad.log_text()[-1500:])
    bad.stop()
    for b in phones:
        b.proc.terminate()   # baresip unregisters on SIGTERM
    gone = wait_for(lambda: not contacts_of(pbx, "1001") and not contacts_of(pbx, "1002"))
    t.ok(gone, "baresip unregisters when it stops",
         pbx.rx("sip show registrations")[1])
    for b in phones:
        b.stop()
t.done()
