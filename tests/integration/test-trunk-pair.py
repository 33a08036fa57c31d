#!/usr/bin/env python3
"""Two Carillons linked by a trunk, with real phones at each end.

Instance B plays the provider: its endpoint `carillon` (secret trunkpw,
context "customer") is instance A's account there.  A's sample trunk
`provider` points at B with username carillon / password trunkpw and
contact_user 5550100 (its DID), registers there, and takes calls from B's
address (match) in "from-provider", where the DID 5550100 rings 1001.

1. A's 1002 dials 9 15551234567: A sends the call through the trunk, B
   challenges it (digest, endpoint carillon) and rings its own 1001 (the
   "PSTN" number), taking the caller ID from the P-Asserted-Identity A
   sent.  Each phone hears the other's tone (frequency checked on both
   recordings); A's 1002 hangs up and no channel is left on either side.
2. B's 1003 dials 5550100: B rings its registered customer `carillon`,
   whose contact carries the DID, so A rings 1001 with B's caller ID
   (From "Carol Chen" <1003>).  Audio both ways again; B's 1003 hangs up.
3. A stops: it unregisters from B (Expires: 0) on the way down."""
import glob
import os
import re
import shutil
import time

from audio import analyse, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

A = Carillon()      # the office
B = Carillon()      # its provider

# ---- A: the sample trunk pointed at B --------------------------------------
A.conf("endpoints.conf", "provider", "port", str(B.sip_port))
A.conf("endpoints.conf", "provider", "match", f"127.0.0.1:{B.sip_port}")
A.conf("endpoints.conf", "provider", "contact_user", "5550100")
A.conf("endpoints.conf", "provider", "register_expires", "300")
A.conf("endpoints.conf", "provider", "register_retry", "1")
A.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
A.conf("carillon.conf", "logger", "sip", "info")     # the trunk's registration states
A.conf("rtp.conf", "general", "port_start", "37000")
A.conf("rtp.conf", "general", "port_end", "37499")
lua = open(os.path.join(A.etc, "extensions.lua")).read()
did = '    ["5550100"] = function(call) ring(call, "1001") end,\n'
assert did in lua
A.write_file("extensions.lua", lua.replace(did, (
    '    ["5550100"] = function(call)\n'
    '        pbx.log("notice", string.format("DID 5550100 from %s (%s)", call.from,\n'
    '                                        tostring(call.from_name)))\n'
    '        ring(call, "1001")\n'
    '    end,\n'), 1))

# ---- B: the provider -----------------------------------------------------------
B.conf("endpoints.conf", "provider", "register", "no")
B.conf("endpoints.conf", "provider", "match", "127.0.0.1:9")
B.conf("endpoints.conf", "office-phone", "qualify_frequency", "0")
for key, value in (("secret", "trunkpw"), ("context", "customer"),
                   ("callerid", '"Office A" <5550100>'), ("codecs", "ulaw,alaw"),
                   ("max_contacts", "1"), ("remove_existing", "yes"),
                   ("transports", "udp"), ("qualify_frequency", "0")):
    B.conf("endpoints.conf", "carillon", key, value)
B.conf("rtp.conf", "general", "port_start", "37500")
B.conf("rtp.conf", "general", "port_end", "37999")
B.write_file("extensions.lua", """
-- The provider: its customer `carillon` (the other Carillon) registers with
-- its DID as the contact user; the "PSTN" numbers are this instance's phones.
local PSTN = { ["15551234567"] = "1001" }

local function finish(call, outcome, detail)
    if call.state ~= "UP" then call:hangup(detail.code or 503) end
end

context("customer", {
    on_invite = function(call)
        local pai = call.headers["P-Asserted-Identity"] or ""
        pbx.log("notice", string.format("customer call from %s to %s; From: %s; PAI: %s",
                                        call.from, call.to, tostring(call.headers["From"]),
                                        pai))
        local phone = PSTN[call.to]
        if not phone then return call:hangup(404) end
        -- the customer is trusted to assert its callers' identity
        local number = pai:match("<sips?:([^@>;]+)@")
        local name = pai:match('^%s*"([^"]*)"')
        finish(call, call:dial(phone, { timeout = 20,
                                        caller_id = { number = number or call.from,
                                                      name = name } }))
    end,
})

context("office", {
    on_invite = function(call)
        if call.to:match("^5550%d%d%d$") then
            -- the customer's DIDs: its registered contact carries the number
            return finish(call, call:dial("carillon", { timeout = 20 }))
        end
        finish(call, call:dial(call.to, { timeout = 20 }))
    end,
})
""")

phones = []


def phone(pbx, user, hz, answer=False):
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    write_tone(src, hz, 60, amplitude=6000)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=90, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so"],
                config_extra=[f"snd_path {rec}"],
                answermode="auto" if answer else None)
    b.rec, b.hz, b.user = rec, hz, user
    phones.append(b)
    return b


def channels(pbx):
    return [l.split() for l in pbx.rx("core show channels")[1].splitlines()
            if l.startswith("SIP/")]


def all_up(pbx, n=2):
    rows = channels(pbx)
    return len(rows) == n and all(r[1] == "UP" for r in rows)


def idle(pbx):
    out = pbx.rx("core show channels")[1] + pbx.rx("rtp show sessions")[1]
    return "0 active channels" in out and "0 active RTP sessions" in out


def states(pbx):
    return pbx.rx("core show channels")[1] + pbx.rx("rtp show sessions")[1]


def recording(b):
    files = glob.glob(os.path.join(b.rec, "dump-*-dec.wav"))
    return files[0] if files else None


def heard(b, other):
    """What phone b recorded: the other phone's tone at its frequency."""
    b.stop()    # closes the sndfile dumps
    path = recording(b)
    a = analyse(path) if path else None
    t.ok(a and a[0] >= 2 and a[1] > 1000 and abs(a[2] - other.hz) < other.hz * 0.05,
         f"{b.user} hears {other.user}'s {other.hz} Hz tone through the trunk "
         f"(>= 2 s, RMS > 1000)", (path, a, b.log_text()[-1200:]))


def registered_at_b():
    return re.search(r"^carillon\s.*5550100@127\.0\.0\.1:%d" % A.sip_port,
                     B.rx("sip show registrations")[1], re.M)


def call(caller, callee, dial, hangup_by, caller_id):
    """caller dials; callee answers once it shows the caller ID (a regex)."""
    caller.command(f"/dial {dial}")
    ok = wait_for(lambda: re.search("Incoming call from: +" + re.escape(caller_id),
                                    callee.log_text()), 15)
    t.ok(ok, f"{callee.user} rings with the caller ID {caller_id}", callee.log_text()[-1500:])
    callee.command("/accept")
    ok = wait_for(lambda: all_up(A) and all_up(B), 20)
    t.ok(ok, f"{caller.user} dials {dial}: two channels UP on each instance",
         states(A) + states(B) + caller.log_text()[-1500:] + callee.log_text()[-1500:])
    time.sleep(3)   # seconds of tone each way
    hangup_by.command("/hangup")
    t.ok(wait_for(lambda: idle(A) and idle(B), 10),
         f"{hangup_by.user} hangs up: no channel or RTP session left on either instance",
         states(A) + states(B))
    heard(callee, caller)
    heard(caller, callee)


try:
    if not t.ok(B.start() and A.start(), "both instances start",
                B.log_text()[-2000:] + A.log_text()[-2000:]):
        t.done()
    ok = wait_for(lambda: re.search(r"provider\s+127\.0\.0\.1:%d\s+Registered" % B.sip_port,
                                    A.rx("sip show registrations outbound")[1]), 10)
    t.ok(ok, "A's trunk registers to B with carillon/trunkpw (challenge answered)",
         A.rx("sip show registrations outbound")[1] + A.log_text()[-1500:])
    t.ok(registered_at_b(), "B's registrar has carillon at sip:5550100@A",
         B.rx("sip show registrations")[1])

    # ---- 1. out from A through B -----------------------------------------------
    a1002, b1001 = phone(A, "1002", 440), phone(B, "1001", 1000)
    t.ok(wait_for(lambda: A.registered("1002") and B.registered("1001"), 15),
         "A's 1002 and B's 1001 register", A.rx("sip show registrations")[1])
    call(a1002, b1001, "915551234567", hangup_by=a1002,
         caller_id="Bob Brown sip:1002@127.0.0.1")
    log = B.log_text()
    t.ok(re.search(r'customer call from 5550100 to 15551234567; From: "Bob Brown" '
                   r'<sip:carillon@127\.0\.0\.1>;tag=\S+; PAI: "Bob Brown" '
                   r'<sip:1002@127\.0\.0\.1>', log),
         "B authenticated the call as its customer carillon: From carillon with "
         "the caller's name, P-Asserted-Identity 1002",
         "\n".join(l for l in log.splitlines() if "customer" in l or "WARN" in l))

    # ---- 2. in from B to A's DID --------------------------------------------------
    b1003, a1001 = phone(B, "1003", 600), phone(A, "1001", 1500)
    t.ok(wait_for(lambda: A.registered("1001") and B.registered("1003"), 15),
         "A's 1001 and B's 1003 register", A.rx("sip show registrations")[1])
    call(b1003, a1001, "5550100", hangup_by=b1003,
         caller_id="Carol Chen sip:1003@127.0.0.1")
    t.ok(re.search(r"DID 5550100 from 1003 \(Carol Chen\)", A.log_text()),
         "A took B's call in from-provider: DID 5550100, caller 1003 \"Carol Chen\"",
         A.log_text()[-2000:])

    # ---- 3. A unregisters when it stops ------------------------------------------
    t.ok(A.stop() == 0, "A stops cleanly", A.log_text()[-3000:])
    t.ok(wait_for(lambda: not registered_at_b(), 5),
         "A's binding at B is gone (Expires: 0 on the way down)",
         B.rx("sip show registrations")[1] + A.log_text()[-1500:])
    t.ok(re.search(r"trunk provider: daemon stopping, unregistering.*\n(.*\n)*"
                   r".*trunk provider: unregistered \(200\)", A.log_text()),
         "A's log: unregistering, then unregistered (200) after B's new challenge",
         A.log_text()[-2000:])
finally:
    for b in phones:
        b.stop()
    for name, pbx in (("A", A), ("B", B)):
        if pbx.running():
            t.ok(pbx.stop() == 0, f"{name} stops cleanly", pbx.log_text()[-3000:])
        bad = pbx.assertion_lines()
        t.ok(not bad, f"no assertion in {name}'s log", "\n".join(bad)[-2000:])
        pbx.cleanup()
t.done()
