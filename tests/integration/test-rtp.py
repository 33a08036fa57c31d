#!/usr/bin/env python3
"""res_rtp through the daemon: it loads from the sample config, `rtp show
settings` / `rtp show sessions` answer, a reload applies a new port range,
and a broken rtp.conf is refused with file:line while the old settings
stay in force."""
from carillon import Carillon, Tap

t = Tap()
pbx = Carillon()
pbx.conf("rtp.conf", "general", "port_start", "31000")
pbx.conf("rtp.conf", "general", "port_end", "31999")
pbx.conf("rtp.conf", "general", "workers", "2")
t.ok(pbx.start(), "daemon starts", pbx.log_text())

rc, out = pbx.rx("module show like res_rtp")
t.ok(rc == 0 and "res_rtp" in out, "res_rtp is loaded", out)
rc, out = pbx.rx("rtp show settings")
t.ok(rc == 0 and "31000-31999" in out, "rtp show settings: port range", out)
t.ok("Workers:        2" in out, "rtp show settings: workers", out)
rc, out = pbx.rx("rtp show sessions")
t.ok(rc == 0 and "0 active RTP sessions" in out, "rtp show sessions: none yet", out)

pbx.conf("rtp.conf", "general", "port_start", "32000")
pbx.conf("rtp.conf", "general", "port_end", "32999")
rc, out = pbx.rx("module reload res_rtp")
t.ok(rc == 0, "module reload res_rtp", out)
rc, out = pbx.rx("rtp show settings")
t.ok("32000-32999" in out, "the new port range applies", out)

pbx.write_file("rtp.conf", "[general]\n; broken on purpose\nport_start = lots\n")
rc, out = pbx.rx("module reload res_rtp")
t.ok(rc != 0 and "rtp.conf:3" in out, "a broken rtp.conf names file:line", out)
rc, out = pbx.rx("rtp show settings")
t.ok("32000-32999" in out, "the old settings stay in force", out)

pbx.write_file("rtp.conf", "[general]\nport_start = 20000\nport_end = 10000\n")
rc, out = pbx.rx("module reload res_rtp")
t.ok(rc != 0 and "rtp.conf:3" in out, "an empty port range names file:line", out)

rc, out = pbx.rx("module unload res_rtp")
t.ok(rc != 0 and "in use by chan_sip" in out,
     "res_rtp is not unloaded under chan_sip, which requires it", out)
rc, out = pbx.rx("module unload -f res_rtp")
t.ok(rc == 0, "res_rtp unloads when forced", out)
rc, out = pbx.rx("module show like chan_sip")
t.ok("chan_sip" not in out, "chan_sip went first", out)
rc, out = pbx.rx("rtp show settings")
t.ok(rc != 0, "its CLI is gone", out)
pbx.write_file("rtp.conf", "[general]\nport_start = 33000\nport_end = 33099\n")
rc, out = pbx.rx("module load chan_sip")
t.ok(rc == 0, "chan_sip loads again, and res_rtp with it", out)
rc, out = pbx.rx("rtp show settings")
t.ok("33000-33099" in out, "with the new config", out)

t.ok(pbx.stop() == 0, "daemon stops cleanly", pbx.log_text()[-3000:])
pbx.cleanup()
t.done()
