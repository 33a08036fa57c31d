#!/usr/bin/env python3
"""The Lua dialplan through the CLI: `dialplan show` lists the sample
office, a broken extensions.lua is refused by `dialplan reload` naming
file:line while the old one stays in force, and the call CLI works on an
idle PBX."""
import os

from carillon import Carillon, Tap

BROKEN = """context("office", {
    on_invite = function(call)
        call:dial("1002"
    end,
})
"""

FIXED = """context("office", { on_invite = function(call) call:hangup(404) end })
context("lobby", { on_invite = function(call) call:hangup(404) end,
                   on_dtmf = function(call, digit) end })
"""

t = Tap()
pbx = Carillon()
# Only the core: the dialplan does not need chan_sip to load.
pbx.conf("carillon.conf", "modules", "require", None)
pbx.conf("carillon.conf", "modules", "autoload", "no")
t.ok(pbx.start(), "daemon starts", pbx.log_text())

rc, out = pbx.rx("dialplan show")
t.ok(rc == 0 and "extensions.lua" in out and "Generation:        1" in out,
     "dialplan show names the script", out)
t.ok("office" in out and "on_invite, on_dtmf, on_refer" in out,
     "the sample office context and its handlers are listed", out)
t.ok("Calls in dialplan: 0 (0 on older scripts)" in out,
     "no calls in the dialplan", out)

pbx.write_file("extensions.lua", BROKEN)
rc, out = pbx.rx("dialplan reload")
t.ok(rc == 1 and "extensions.lua:4:" in out,
     "a broken script is refused naming file:line", out)
rc, out = pbx.rx("dialplan show")
t.ok(rc == 0 and "Generation:        1" in out and "office" in out,
     "the old dialplan stays in force", out)

pbx.write_file("extensions.lua", FIXED)
rc, out = pbx.rx("dialplan reload")
t.ok(rc == 0 and "generation 2" in out, "a fixed script reloads", out)
rc, out = pbx.rx("dialplan show")
t.ok("lobby" in out and "2 contexts" in out, "the new contexts are shown", out)

rc, out = pbx.rx("core show channels")
t.ok(rc == 0 and "0 active channels" in out, "core show channels when idle", out)
rc, out = pbx.rx("core show channels verbose")
t.ok(rc == 0 and "Bridged to" in out and "0 active channels" in out,
     "core show channels verbose when idle", out)
rc, out = pbx.rx("core show calls")
t.ok(rc == 0 and "0 active calls" in out, "core show calls when idle", out)
rc, out = pbx.rx("channel request hangup SIP/nobody-0001")
t.ok(rc == 1 and "No channel" in out, "hanging up an unknown channel fails", out)
rc, out = pbx.rx("channel request hangup all")
t.ok(rc == 0 and "0 channels" in out, "hangup all on an idle PBX", out)
rc, out = pbx.rx("cdr show recent")
t.ok(rc == 0 and "0 records shown" in out, "cdr show recent when idle", out)

rc = pbx.stop()
t.ok(rc == 0, "daemon stops cleanly", pbx.log_text())
pbx.cleanup()
t.done()
