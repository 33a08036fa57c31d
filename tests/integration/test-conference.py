#!/usr/bin/env python3
"""Conference rooms with real phones: app_conference through res_rtp.

Three baresip phones call extensions whose dialplan (written here) does
call:conference(room, opts):

1. Room 700, mixed rates: 1001 speaks PCMU (8 kHz) with a 525 Hz tone,
   1002 G.722 (16 kHz) with 935 Hz, 1003 Opus (48 kHz) with 1345 Hz (not
   whole numbers of cycles per 20 ms: a tick mangled at its edges shows).
   res_rtp runs three workers, so the three sessions sit on different
   threads.  Each phone records what it hears (sndfile dump); by Goertzel
   each hears the other two tones and not its own.  Then `conference
   mute` takes 1001 out: the others stop hearing 525 Hz, 1001 still hears
   them.  `conference show` gives codecs and rates; `conference kick 700
   all` ends it: every script gets "kicked".
2. Room 701: 1001 is the moderator.  1003 is kicked alone (the others
   stay), then 1001 hangs up mid-conference: 1002 leaves with "ended",
   the room ends; no channel and no RTP session are left behind.
3. Room 702 has a PIN: 1001 types it and gets in, 1002 types a wrong one
   three times and is refused ("pin").
4. Unloading app_conference while 1001 is in room 702 is refused; forced,
   it ends the room (1001 gets "ended") and waits for the media worker to
   let go of the port; then the module loads again.
Events conference/join, leave (with reasons) and end are checked in
`event show recent`."""
import glob
import os
import re
import shutil
import time

from audio import read_mono, tone_share, write_tone
from baresip import Baresip
from carillon import Carillon, Tap, wait_for

t = Tap()
if not shutil.which("baresip"):
    print("1..0 # SKIP baresip not installed")
    raise SystemExit(0)
for m in ("sndfile.so", "aubridge.so", "aufile.so", "opus.so", "g722.so"):
    if not os.path.exists(os.path.join("/usr/lib/baresip/modules", m)):
        print(f"1..0 # SKIP baresip module {m} not installed")
        raise SystemExit(0)

# user: (endpoint codecs, baresip audio_codecs, tone Hz)
PHONES = {
    "1001": ("ulaw", "PCMU", 525),
    "1002": ("g722", "G722/16000/1", 935),
    "1003": ("opus", "opus/48000/2", 1345),
}
RATES = {"ulaw": "8000", "g722": "16000", "opus": "48000"}

pbx = Carillon()
pbx.write_file("extensions.lua", """
-- 700: a room; 7011: room 701 as its moderator, 701: the same room;
-- 702: a room with a PIN.  The script logs what call:conference() gave.
context("office", {
    on_invite = function(call)
        local room, opts = call.to, nil
        if call.to == "7011" then room, opts = "701", {moderator = true}
        elseif call.to == "702" then opts = {pin = "2468"} end
        local r, msg, code = call:conference(room, opts)
        pbx.log("notice", string.format("conference %s %s: %s %s %s", call.from, room,
                                        tostring(r), tostring(msg), tostring(code)))
        call:hangup()
    end,
})
""")
pbx.conf("rtp.conf", "general", "port_start", "46000")
pbx.conf("rtp.conf", "general", "port_end", "46999")
pbx.conf("rtp.conf", "general", "workers", "3")
for user, (codecs, _, _) in PHONES.items():
    pbx.conf("endpoints.conf", user, "codecs", codecs)
if not t.ok(pbx.start(), "daemon starts", pbx.log_text()):
    t.done()


def phone(user):
    """baresip's aufile wants the codec's own rate and channels."""
    _, codecs, hz = PHONES[user]
    src = os.path.join(pbx.run_dir, f"tone-{user}.wav")
    rate, ch = {"opus": (48000, 2), "G722": (16000, 1)}.get(codecs.split("/")[0], (8000, 1))
    write_tone(src, hz, 60, rate=rate, channels=ch)
    rec = os.path.join(pbx.run_dir, f"rec-{user}")
    os.makedirs(rec)
    b = Baresip(pbx, user, f"pw{user}", timeout=150, audio_source=src,
                audio_player="aubridge,nobody-feeds-this",
                extra_modules=["aubridge.so", "sndfile.so", "opus.so", "g722.so"],
                config_extra=[f"snd_path {rec}"], codecs=codecs)
    b.rec = rec
    return b


def members(room):
    m = re.search(rf"^Room {room}: (\d+) participant", pbx.rx(f"conference show {room}")[1], re.M)
    return int(m.group(1)) if m else 0


def channel_of(user):
    m = re.search(rf"^(SIP/{user}-\S+)", pbx.rx("core show channels")[1], re.M)
    return m.group(1) if m else None


def no_channels():
    return "0 active channels" in pbx.rx("core show channels")[1]


def no_sessions():
    return "0 active RTP sessions" in pbx.rx("rtp show sessions")[1]


def script_said(user, room):
    m = re.search(rf"conference {user} {room}: (.*)", pbx.log_text())
    return m.group(1).strip() if m else None


def events(like):
    return pbx.rx(f"event show recent 500 like {like}")[1]


def recording(b):
    files = sorted(glob.glob(os.path.join(b.rec, "dump-*-dec.wav")), key=os.path.getmtime)
    return files[-1] if files else None


def shares(path, start, end, freqs):
    """{freq: share} over [start, end) seconds of a recording, counted
    back from its end when negative."""
    rate, s = read_mono(path)
    dur = len(s) / rate
    a, b = (dur + start if start < 0 else start), (dur + end if end <= 0 else end)
    win = s[int(a * rate):int(b * rate)]
    return {f: round(tone_share(win, rate, f), 3) for f in freqs}, round(b - a, 2)


def dial_in(b, ext, room, n):
    b.command(f"/dial {ext}")
    return wait_for(lambda: members(room) >= n, 15)


phones = {u: phone(u) for u in PHONES}
try:
    t.ok(wait_for(lambda: pbx.registered(*PHONES), 15), "the three phones register",
         pbx.rx("sip show registrations")[1])

    # ---- 1. room 700: three codecs, three rates, three workers ----------
    for n, user in enumerate(PHONES, 1):
        t.ok(dial_in(phones[user], "700", 700, n), f"{user} is in room 700 ({n} in)",
             pbx.rx("conference show")[1] + phones[user].log_text()[-1500:])
    t_all = time.time()
    time.sleep(1)
    show = pbx.rx("conference show 700")[1]
    for user, (codec, _, _) in PHONES.items():
        t.ok(re.search(rf"SIP/{user}-\S+\s+{codec}\s+{RATES[codec]}\b", show),
             f"conference show: {user} speaks {codec} at {RATES[codec]} Hz", show)
    out = pbx.rx("rtp show sessions")[1]
    workers = {l.split()[1] for l in out.splitlines() if re.match(r"^\d+\s+\d+\s", l)}
    t.ok(len(workers) == 3, f"the three sessions are on three media workers ({workers})", out)
    time.sleep(3)
    t_mute = time.time()
    rc, out = pbx.rx(f"conference mute 700 {channel_of('1001')}")
    t.ok(rc == 0 and "Muted 1 in room 700" in out, "conference mute 700 <1001>", out)
    t.ok(re.search(r"SIP/1001-\S+.*\bmuted\b", pbx.rx("conference show 700")[1]),
         "conference show says 1001 is muted", pbx.rx("conference show 700")[1])
    time.sleep(3.5)
    t_kick = time.time()
    rc, out = pbx.rx("conference kick 700 all")
    t.ok(rc == 0 and "Kicked 3 from room 700" in out, "conference kick 700 all", out)
    t.ok(wait_for(no_channels, 10), "the kicked calls are hung up",
         pbx.rx("core show channels")[1])
    for user in PHONES:
        t.ok(script_said(user, "700") == "kicked nil nil",
             f"{user}: call:conference() returned \"kicked\" ({script_said(user, '700')})")
    time.sleep(1)                          # the recordings are closed

    tones = [hz for _, _, hz in PHONES.values()]
    before = (-(t_kick - t_all) + 1.0, -(t_kick - t_mute) - 0.4)
    after = (-(t_kick - t_mute) + 0.8, -0.5)
    for user, (codec, _, own) in PHONES.items():
        path = recording(phones[user])
        if not t.ok(path, f"{user} recorded what it heard", phones[user].log_text()[-1500:]):
            continue
        got, secs = shares(path, *before, tones)
        others = [hz for hz in tones if hz != own]
        t.ok(all(got[hz] > 0.38 for hz in others) and got[own] < 0.02,
             f"{user} ({codec}) hears {others[0]} and {others[1]} Hz, not its own {own} Hz "
             f"(shares over {secs} s: {got})")
        got, secs = shares(path, *after, tones)
        if user == "1001":
            t.ok(got[935] > 0.38 and got[1345] > 0.38 and got[525] < 0.02,
                 f"muted, 1001 still hears the others (shares over {secs} s: {got})")
        else:
            t.ok(got[525] < 0.02 and all(got[hz] > 0.85 for hz in others if hz != 525),
                 f"{user} no longer hears the muted 1001 (shares over {secs} s: {got})")
    ev = events("conference/")
    t.ok(len(re.findall(r"conference/join room=700 ", ev)) == 3
         and len(re.findall(r"conference/leave room=700 .*reason=kicked", ev)) == 3
         and re.search(r"conference/end room=700 reason=empty", ev),
         "events: three joins, three leaves (kicked), the end of room 700", ev)

    # ---- 2. room 701: a kick, then the moderator hangs up ----------------
    t.ok(dial_in(phones["1001"], "7011", 701, 1), "1001 is in room 701 as its moderator",
         pbx.rx("conference show")[1])
    t.ok(dial_in(phones["1002"], "701", 701, 2), "1002 is in room 701")
    t.ok(dial_in(phones["1003"], "701", 701, 3), "1003 is in room 701")
    rc, out = pbx.rx(f"conference kick 701 {channel_of('1003')}")
    t.ok(rc == 0 and "Kicked 1 from room 701" in out and members(701) == 2,
         "conference kick 701 <1003>: two stay", out + pbx.rx("conference show")[1])
    t.ok(wait_for(lambda: script_said("1003", "701"), 5) == "kicked nil nil",
         "1003's call:conference() returned \"kicked\"")
    time.sleep(1)
    phones["1001"].command("/hangup")
    t.ok(wait_for(no_channels, 10), "the moderator hangs up: every call ends",
         pbx.rx("core show channels")[1])
    t.ok(wait_for(no_sessions, 5), "no RTP session is left", pbx.rx("rtp show sessions")[1])
    t.ok(script_said("1001", "701") == "hangup nil nil" and
         script_said("1002", "701") == "ended nil nil",
         "call:conference() returned \"hangup\" to the moderator, \"ended\" to 1002",
         (script_said("1001", "701"), script_said("1002", "701")))
    rc, out = pbx.rx("conference show")
    t.ok("0 rooms, 0 participants" in out, "no room is left", out)
    ev = events("room=701")
    t.ok(re.search(r"conference/leave room=701 .*reason=kicked.*\n.*conference/leave "
                   r"room=701 .*reason=hangup.*\n.*conference/leave room=701 .*reason=ended"
                   r".*\n.*conference/end room=701 reason=moderator", ev),
         "events: kicked, hangup, ended, then the end (moderator)", ev)

    # ---- 3. room 702: the PIN -----------------------------------------
    def press(b, digits):
        for d in digits:
            b.command(d)
            time.sleep(0.4)

    phones["1001"].command("/dial 702")
    time.sleep(1.5)
    t.ok(members(702) == 0, "nobody is in room 702 before the PIN")
    press(phones["1001"], "2468#")
    t.ok(wait_for(lambda: members(702) == 1, 5), "the right PIN lets 1001 in",
         pbx.rx("conference show")[1] + pbx.log_text()[-1500:])
    phones["1002"].command("/dial 702")
    time.sleep(1.5)
    press(phones["1002"], "1111#2222#3333#")
    t.ok(wait_for(lambda: script_said("1002", "702"), 5) == "nil wrong PIN pin",
         f"three wrong PINs: nil, \"wrong PIN\", \"pin\" ({script_said('1002', '702')})")
    t.ok(members(702) == 1, "1002 never got in")

    # ---- 4. the module goes while 1001 is in room 702 -------------------
    rc, out = pbx.rx("module unload app_conference")
    t.ok(rc != 0 and "in use" in out, "unloading app_conference during a conference is refused",
         out)
    rc, out = pbx.rx("module unload -f app_conference")
    t.ok(rc == 0 and "still held by media threads" not in pbx.log_text(),
         "a forced unload ends the room and gets the port back before it goes",
         out + pbx.log_text()[-1500:])
    t.ok(wait_for(lambda: script_said("1001", "702"), 5) == "ended nil nil",
         f"1001's call:conference() returned \"ended\" ({script_said('1001', '702')})")
    t.ok(wait_for(no_channels, 10) and wait_for(no_sessions, 5), "all calls and sessions end",
         pbx.rx("core show channels")[1] + pbx.rx("rtp show sessions")[1])
    rc, out = pbx.rx("module load app_conference")
    t.ok(rc == 0 and "conference show" in pbx.rx("help")[1], "app_conference loads again", out)
finally:
    for b in phones.values():
        b.stop()

bad = pbx.assertion_lines()
t.ok(not bad, "no assertion in the log", "\n".join(bad)[-2000:])
t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
