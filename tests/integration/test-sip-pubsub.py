#!/usr/bin/env python3
"""SIP events (res_sip_pubsub, RFC 6665) and busy lamp fields
(res_sip_blf: the dialog package of RFC 4235 and presence with PIDF):
SUBSCRIBE answered or refused (489, 401, 423, 404, 406), the first
NOTIFY, a call to the watched phone seen as early, confirmed and
terminated, refresh, unsubscribe, expiry, a NOTIFY answered 481,
subscriptions restored after a restart and after kill -9, a sipp
subscriber, and a real baresip showing a buddy busy."""
import os
import re
import shutil
import signal
import subprocess
import time

from baresip import Baresip
from carillon import Carillon, TOP, Tap, free_port, wait_for
from sipclient import header_values
from watcher import Watcher

SIPP = os.path.join(TOP, "contrib", "sipp")
t = Tap()

pbx = Carillon()
pbx.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
pbx.write_file("pubsub.conf", "[general]\nmin_expires = 2\n[dialog]\nmax_expires = 900\n")
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()

# The watchers bind first: free_port() only finds a port free now, and a
# socket bound later to port 0 could be given the same one.
w = Watcher(pbx.sip_port, "1001", "pw1001")
p = Watcher(pbx.sip_port, "1003", "pw1003")
UAS_PORT, UAS_MPORT = free_port(), free_port()
UAC_PORT, UAC_MPORT = free_port(), free_port()
PCAP = "/usr/share/sip-tester/g711a.pcap"
os.makedirs(os.path.join(pbx.run_dir, "pcap"), exist_ok=True)
if os.path.exists(PCAP):
    shutil.copy(PCAP, os.path.join(pbx.run_dir, "pcap", "g711a.pcap"))


def sipp(sf, port, mport, service, extra=(), pause_ms=1000):
    cmd = ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", sf, "-m", "1", "-s", service,
           "-d", str(pause_ms), "-i", "127.0.0.1", "-p", str(port), "-mp", str(mport),
           "-timeout", "25", "-timeout_error", "-nostdin"] + list(extra)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=pbx.run_dir)


def finish(p, timeout=40):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return 124, out[-2000:]
    return p.returncode, out[-2000:]


def subs_count():
    rc, out = pbx.rx("sip show subscriptions")
    m = re.search(r"(\d+) subscriptions", out)
    return int(m.group(1)) if m else -1



# ---- refusals ---------------------------------------------------------------
r = w.subscribe("1002", event="weather")
t.ok(r and r[0] == 489 and "dialog" in " ".join(header_values(r[2], "Allow-Events"))
     and "presence" in " ".join(header_values(r[2], "Allow-Events")),
     "an unknown event package: 489 with Allow-Events", r)
w.new_dialog()
r = w.subscribe("1002", event=None)
t.ok(r and r[0] == 489, "no Event header: 489", r)
w.new_dialog()
w.send_subscribe("1002")
r = w.final_response()
t.ok(r and r[0] == 401 and header_values(r[2], "WWW-Authenticate"),
     "without credentials: 401 challenge", r)
w.new_dialog()
r = w.subscribe("1002", expires=1)
t.ok(r and r[0] == 423 and header_values(r[2], "Min-Expires") == ["2"],
     "Expires below min_expires (pubsub.conf): 423 with Min-Expires", r)
w.new_dialog()
r = w.subscribe("4242")
t.ok(r and r[0] == 404, "an unknown resource: 404", r)
w.new_dialog()
r = w.subscribe("1002", accept="text/plain")
t.ok(r and r[0] == 406, "an Accept without the package's body type: 406", r)
t.ok(subs_count() == 0, "no subscription was kept", pbx.rx("sip show subscriptions")[1])

# ---- a subscription and its first NOTIFY -----------------------------------
w.new_dialog()
r = w.subscribe("1002", expires=3600)
t.ok(r and r[0] == 200 and header_values(r[2], "Expires") == ["900"],
     "SUBSCRIBE to 1002's dialog state: 200, Expires cut to [dialog] max_expires", r)
n = w.wait_notify()
t.ok(n and n.state.startswith("active;expires=") and n.dialog_states() == ["terminated"]
     and 'version="0"' in n.body and 'entity="sip:1002@' in n.body
     and "application/dialog-info+xml" in header_values(n.headers, "Content-Type")
     and n.event == "dialog",
     "the first NOTIFY: active, 1002 idle (one terminated dialog), version 0", n)
rc, out = pbx.rx("sip show subscriptions")
t.ok(re.search(r"^1001\s+dialog\s+1002\s+\d+\s+1\s", out, re.M) is not None,
     "sip show subscriptions lists it", out)

# A second watcher, of the presence package.
r = p.subscribe("1002", event="presence", accept="application/pidf+xml")
n0 = p.wait_notify()
t.ok(r and r[0] == 200 and n0 and "<basic>closed</basic>" in n0.body
     and "on-the-phone" not in n0.body,
     "presence of an unregistered 1002: closed", (r, n0))

# ---- a call to 1002: early, confirmed, terminated ----------------------------
reg = subprocess.run(["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf",
                      os.path.join(SIPP, "register.xml"), "-m", "1", "-s", "1002",
                      "-key", "expires", "600", "-au", "1002", "-ap", "pw1002",
                      "-i", "127.0.0.1", "-p", str(UAS_PORT), "-timeout", "15",
                      "-timeout_error", "-nostdin"],
                     capture_output=True, text=True, timeout=30, cwd=pbx.run_dir)
t.ok(reg.returncode == 0, "1002 registers", reg.stdout[-1500:])
t.ok(p.wait_notify(lambda n: "<basic>open</basic>" in n.body) is not None,
     "presence: open once 1002 registered", p.notifies)
start = len(w.notifies)
callee = sipp(os.path.join(SIPP, "uas-answer.xml"), UAS_PORT, UAS_MPORT, "1002",
              extra=["-rtp_echo"], pause_ms=1500)
time.sleep(0.3)
caller = sipp(os.path.join(SIPP, "uac-call.xml"), UAC_PORT, UAC_MPORT, "1002",
              extra=["-au", "1001", "-ap", "pw1001", "-key", "caller", "1001"], pause_ms=1500)
early = w.wait_notify(lambda n: "early" in n.dialog_states(), 8, start)
t.ok(early and 'direction="recipient"' in early.body,
     "while 1002 rings: early, 1002 the recipient", w.notifies[start:])
busy = p.wait_notify(lambda n: "<rpid:on-the-phone/>" in n.body, 8)
t.ok(busy is not None, "presence: on-the-phone during the call", p.notifies)
confirmed = w.wait_notify(lambda n: "confirmed" in n.dialog_states(), 8, start)
t.ok(confirmed is not None, "once 1002 answers: confirmed", w.notifies[start:])
rc_c, out_c = finish(caller)
rc_u, out_u = finish(callee)
t.ok(rc_c == 0 and rc_u == 0, "the call went through (sipp both ends)", out_c + out_u)
idle = w.wait_notify(lambda n: n.dialog_states() == ["terminated"], 8,
                     w.notifies.index(confirmed) if confirmed else start)
t.ok(idle is not None, "after the BYE: terminated", w.notifies[start:])
seq = [s for n in w.notifies[start:] for s in n.dialog_states()]
t.ok(seq and seq[-1] == "terminated" and "early" in seq and "confirmed" in seq
     and seq.index("early") < seq.index("confirmed"),
     "the lamp went early -> confirmed -> terminated, in order", seq)
cseqs = [n.cseq for n in w.notifies]
t.ok(cseqs == sorted(cseqs) and len(set(cseqs)) == len(cseqs),
     "NOTIFY CSeqs count up in the dialog", cseqs)
versions = [int(m) for n in w.notifies for m in re.findall(r'version="(\d+)"', n.body)]
t.ok(versions == list(range(len(versions))), "dialog-info versions count up from 0", versions)

# ---- refresh --------------------------------------------------------------
start = len(w.notifies)
r = w.subscribe("1002", expires=300)
t.ok(r and r[0] == 200 and header_values(r[2], "Expires") == ["300"],
     "an in-dialog SUBSCRIBE refreshes: 200 with the new Expires", r)
n = w.wait_notify(start=start)
t.ok(n and re.match(r"active;expires=(29\d|300)", n.state), "and a NOTIFY follows", n)
r = w.subscribe("1002", event="presence", expires=300)
t.ok(r and r[0] == 489, "a refresh naming another event: 489", r)

# ---- restart: the subscription comes back -----------------------------------
before = w.notifies[-1].cseq
t.ok(pbx.stop() == 0, "daemon stops gracefully", pbx.log_text()[-2000:])
w.notifies = []
t.ok(pbx.start(), "daemon restarts", pbx.log_text()[-2000:])
n = w.wait_notify(timeout=8)
t.ok(n and n.call_id == w.call_id and n.cseq > before and n.state.startswith("active"),
     "after a restart the subscription NOTIFYs again, in its dialog, CSeq counting up",
     (n, before))
t.ok(subs_count() == 2, "both subscriptions are back", pbx.rx("sip show subscriptions")[1])
pbx.proc.send_signal(signal.SIGKILL)
pbx.proc.wait()
pbx.stop()
w.notifies = []
t.ok(pbx.start(), "daemon starts after kill -9", pbx.log_text()[-2000:])
n = w.wait_notify(timeout=8)
t.ok(n and n.call_id == w.call_id and n.state.startswith("active"),
     "after kill -9 the subscription is back too", n)
t.ok(subs_count() == 2, "sip show subscriptions after the crash",
     pbx.rx("sip show subscriptions")[1])

# ---- unsubscribe ------------------------------------------------------------
start = len(w.notifies)
r = w.subscribe("1002", expires=0)
n = w.wait_notify(lambda n: n.state.startswith("terminated"), 5, start)
t.ok(r and r[0] == 200 and n and "reason=timeout" in n.state,
     "Expires: 0 ends it: 200 and a terminated NOTIFY", (r, n))
t.ok(wait_for(lambda: subs_count() == 1), "one subscription left",
     pbx.rx("sip show subscriptions")[1])
w.new_dialog()
r = w.subscribe("1002", expires=0)
n = w.wait_notify(lambda n: n.state.startswith("terminated"), 5)
t.ok(r and r[0] == 200 and n and n.dialog_states() == ["terminated"],
     "a fetch (Expires: 0 out of dialog): 200 and one terminated NOTIFY with the state", (r, n))

# ---- expiry ------------------------------------------------------------------
w.new_dialog()
r = w.subscribe("1002", expires=3)
n = w.wait_notify(lambda n: n.state.startswith("terminated"), 8)
t.ok(r and r[0] == 200 and n and "reason=timeout" in n.state,
     "not refreshed in time: terminated;reason=timeout", (r, w.notifies))

# ---- a subscriber that forgot: 481 ends it -----------------------------------
w.new_dialog()
r = w.subscribe("1002", expires=600)
w.wait_notify()
count = subs_count()
w.notify_code = 481             # the refresh's NOTIFY gets 481
r = w.subscribe("1002", expires=600)
w.pump(1.0)
t.ok(r and r[0] == 200 and wait_for(lambda: subs_count() == count - 1),
     "a NOTIFY answered 481 ends the subscription", pbx.rx("sip show subscriptions")[1])
w.notify_code = 200

# ---- sipp as the subscriber --------------------------------------------------
sp = subprocess.run(["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf",
                     os.path.join(SIPP, "subscribe-dialog.xml"), "-m", "1", "-s", "1002",
                     "-au", "1004", "-ap", "pw1004", "-key", "watcher", "1004",
                     "-i", "127.0.0.1", "-p", str(free_port()), "-timeout", "20",
                     "-timeout_error", "-nostdin"],
                    capture_output=True, text=True, timeout=40, cwd=pbx.run_dir)
t.ok(sp.returncode == 0, "sipp subscribes, gets the NOTIFY, unsubscribes",
     sp.stdout[-2500:])

# ---- a real softphone's buddy list (baresip's presence module) -------------
watcher = Baresip(pbx, "1001", "pw1001", extra_modules=["presence.so", "contact.so"],
                  contacts=[f'"Eve" <sip:1005@127.0.0.1:{pbx.sip_port}>;presence=p2p'])
t.ok(wait_for(lambda: "presence   1005" in pbx.rx("sip show subscriptions")[1], 10),
     "baresip subscribes to the presence of its buddy 1005",
     pbx.rx("sip show subscriptions")[1] + watcher.log_text()[-1500:])
eve = Baresip(pbx, "1005", "pw1005", answermode="auto")
t.ok(wait_for(lambda: re.search(r"1005.*changed status from \S+ to \S*Online",
                                watcher.log_text()), 10),
     "baresip shows 1005 online once it registers", watcher.log_text()[-1500:])
frank = Baresip(pbx, "1006", "pw1006")
time.sleep(1)
frank.command("/dial 1005")
t.ok(wait_for(lambda: re.search(r"1005.*changed status from \S*Online\S* to \S*Busy",
                                watcher.log_text()), 10),
     "baresip shows 1005 busy while it is in a call", watcher.log_text()[-1500:])
frank.command("/hangup")
t.ok(wait_for(lambda: re.search(r"1005.*changed status from \S*Busy\S* to \S*Online",
                                watcher.log_text()), 10),
     "and online again after the hangup", watcher.log_text()[-1500:])
for phone in (frank, eve, watcher):
    phone.stop()

t.ok(not pbx.assertion_lines(), "no assertion in the log", pbx.assertion_lines())
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
