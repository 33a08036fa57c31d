#!/usr/bin/env python3
"""Foundation: the daemon, its CLI over the control socket, config errors,
signals and stopping."""
import os
import signal
import stat
import subprocess
import time

from carillon import BIN, Carillon, Tap


def core_only(pbx):
    """No SIP needed here: load only res_eventlog."""
    pbx.conf("carillon.conf", "modules", "require", None)
    pbx.conf("carillon.conf", "modules", "autoload", "no")
    pbx.conf("carillon.conf", "modules", "load", "res_eventlog")


def wait_exit(pbx, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline and pbx.running():
        time.sleep(0.05)
    return not pbx.running()


t = Tap()

pbx = Carillon()
core_only(pbx)
t.ok(pbx.start(), "daemon starts in the foreground", pbx.log_text())

rc, out = pbx.rx("core show version")
t.ok(rc == 0 and "Carillon 0.1.0" in out, "core show version", out)
rc, out = pbx.rx("core show uptime")
t.ok(rc == 0 and "System uptime:" in out and "Last reload:" in out,
     "core show uptime", out)
rc, out = pbx.rx("core show settings")
t.ok(rc == 0 and pbx.run_dir + "/var" in out and pbx.etc in out,
     "core show settings shows this instance's dirs", out)
rc, out = pbx.rx("module show")
t.ok(rc == 0 and "res_eventlog" in out and "1 modules loaded" in out,
     "module show lists the loaded module", out)
rc, out = pbx.rx("module show like event")
t.ok(rc == 0 and "res_eventlog" in out, "module show like", out)
rc, out = pbx.rx("module show like nothing-matches")
t.ok(rc == 0 and "0 modules loaded" in out, "module show like (no match)", out)

rc, out = pbx.rx("help")
t.ok(rc == 0 and "module load" in out and "event show recent" in out,
     "help lists core and module commands", out)
rc, out = pbx.rx("help module")
t.ok(rc == 0 and "module unload" in out and "core show" not in out,
     "help narrows by prefix", out)
rc, out = pbx.rx("no such thing")
t.ok(rc == 1 and "No such command" in out, "unknown command fails with status 1", out)
rc, out = pbx.rx("module load")
t.ok(rc == 1 and "Usage: module load" in out, "missing argument prints usage", out)

mode = stat.S_IMODE(os.stat(os.path.join(pbx.run_dir, "carillon.ctl")).st_mode)
t.ok(mode == 0o660, "control socket has mode 0660", oct(mode))

rc, out = pbx.rx("logger set level sip debug")
rc2, out2 = pbx.rx("logger show levels")
t.ok(rc == 0 and rc2 == 0 and any(l.split() == ["sip", "debug"]
                                  for l in out2.splitlines()),
     "logger set level per subsystem", out + out2)
rc, out = pbx.rx("logger set level loud")
t.ok(rc == 1 and "Levels:" in out, "logger rejects an unknown level", out)
rc, out = pbx.rx("logger set level notice")
t.ok(rc == 0 and "all subsystems" in out, "logger set level for all", out)

rc, out = pbx.rx("event show recent like module/loaded")
t.ok(rc == 0 and "module/loaded module=res_eventlog" in out,
     "the event bus carried module/loaded", out)

rc, out = pbx.rx("core reload")
t.ok(rc == 0 and "Reload complete" in out, "core reload", out)

# A broken carillon.conf: reload keeps the old config and names file:line.
conf = os.path.join(pbx.etc, "carillon.conf")
good = open(conf).read()
with open(conf, "a") as f:
    f.write("this line is wrong\n")
bad_line = len(good.splitlines()) + 1
rc, out = pbx.rx("core reload")
t.ok(rc == 1 and f"carillon.conf:{bad_line}:" in out,
     "core reload with a broken carillon.conf names file:line", out)
rc, out = pbx.rx("core show version")
t.ok(rc == 0, "daemon still answers after a failed reload", out)
with open(conf, "w") as f:
    f.write(good)

# SIGHUP reloads.
pbx.proc.send_signal(signal.SIGHUP)
time.sleep(0.3)
rc, out = pbx.rx("event show recent like module/reloaded")
t.ok("module/reloaded module=res_eventlog" in out and "SIGHUP" in pbx.log_text(),
     "SIGHUP reloads every module", out)

# Graceful stop waits for live uses (a held test module use stands in for
# a live call), `core stop now` does not.
rc, _ = pbx.rx(f"module load {os.environ.get('TOP_BUILDDIR', '.')}/tests/modules/test_noinfo.so")
rc, out = pbx.rx("core stop gracefully")
t.ok(rc == 0 and "gracefully" in out, "core stop gracefully answers", out)
t.ok(wait_exit(pbx, 10), "graceful stop with nothing in use exits")
t.ok(pbx.stop() == 0, "exit status 0 after core stop", pbx.log_text())
t.ok(not os.path.exists(os.path.join(pbx.run_dir, "carillon.ctl")),
     "control socket removed on exit")
t.ok(not os.path.exists(os.path.join(pbx.run_dir, "carillon.pid")),
     "pid file removed on exit")

# -rx against a stopped daemon: exit status 2 and a clear message.
rc, out = pbx.rx("core show version")
t.ok(rc == 2 and "is Carillon running" in out, "-rx with no daemon exits 2", out)

# SIGTERM is a graceful stop.
t.ok(pbx.start(), "daemon starts again with the same run dir", pbx.log_text())
pbx.proc.send_signal(signal.SIGTERM)
t.ok(wait_exit(pbx, 10) and pbx.stop() == 0, "SIGTERM stops the daemon cleanly")

# Start-up errors: broken config names file and line; exit status 1.
with open(conf, "w") as f:
    f.write(good.replace("[logger]\n", "[logger]\nsip = chatty\n"))
p = subprocess.run([BIN, "-f", "-C", pbx.etc], capture_output=True, text=True,
                   timeout=20)
t.ok(p.returncode == 1 and "carillon.conf:" in p.stderr and "[logger] sip" in p.stderr
     and "chatty" in p.stderr, "bad config at start-up: exit 1 with file:line",
     p.stderr)
with open(conf, "w") as f:
    f.write(good)

# A required module that cannot load stops start-up.
pbx.conf("carillon.conf", "modules", "require", "test_no_such_module")
p = subprocess.run([BIN, "-f", "-C", pbx.etc], capture_output=True, text=True,
                   timeout=20)
t.ok(p.returncode == 1 and "required module failed" in p.stderr,
     "a required module that fails stops start-up", p.stderr)
pbx.conf("carillon.conf", "modules", "require", None)

# Two daemons on one control socket: the second refuses to start.
t.ok(pbx.start(), "daemon starts")
p = subprocess.run([BIN, "-f", "-C", pbx.etc], capture_output=True, text=True,
                   timeout=20)
t.ok(p.returncode == 1 and "another Carillon is running" in p.stderr,
     "a second daemon on the same socket refuses to start", p.stderr)
rc, out = pbx.rx("core stop now")
t.ok(rc == 0 and wait_exit(pbx, 10), "core stop now", out)
pbx.stop()

# -V and usage.
p = subprocess.run([BIN, "-V"], capture_output=True, text=True, timeout=10)
t.ok(p.returncode == 0 and p.stdout.startswith("Carillon "), "carillon -V")
p = subprocess.run([BIN, "-Z"], capture_output=True, text=True, timeout=10)
t.ok(p.returncode == 2 and "Usage:" in p.stderr, "bad option prints usage")

pbx.cleanup()
t.done()
