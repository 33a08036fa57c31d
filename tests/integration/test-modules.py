#!/usr/bin/env python3
"""Module system through the CLI: load order by dependency, refusals (bad
ABI, missing dependency, failing load, not a module), in-use protection,
forced unload, reload with a broken config, and an out-of-tree module built
against `make install` output."""
import os
import shutil
import subprocess
import tempfile

from carillon import TOP, Carillon, Tap

t = Tap()
pbx = Carillon(modules_extra=os.path.join(TOP, "tests", "modules"))
pbx.conf("carillon.conf", "modules", "require", None)
pbx.conf("carillon.conf", "modules", "autoload", "no")
pbx.conf("carillon.conf", "modules", "load", "res_eventlog")
pbx.write_file("test_provider.conf", "[general]\ngreeting = hello\n")
t.ok(pbx.start(), "daemon starts", pbx.log_text())

rc, out = pbx.rx("module load test_badabi")
t.ok(rc == 1 and "module ABI 999" in out and "rebuild" in out,
     "a module built for another ABI is refused", out)
rc, out = pbx.rx("module load test_missingdep")
t.ok(rc == 1 and "requires 'test_no_such_module'" in out,
     "a module with a missing dependency is refused", out)
rc, out = pbx.rx("module load test_loadfail")
t.ok(rc == 1 and "refusing to load on purpose" in out,
     "a failing load() is reported", out)
rc, out = pbx.rx("test loadfail hello")
t.ok(rc == 1 and "No such command" in out,
     "registrations of a module that failed to load are removed", out)
rc, out = pbx.rx("module load test_noinfo")
t.ok(rc == 1 and "not a Carillon module" in out,
     "a shared object without a descriptor is refused", out)
rc, out = pbx.rx("module load no_such_module")
t.ok(rc == 1 and "not found" in out, "an unknown module is refused", out)
rc, out = pbx.rx("module show")
t.ok("test_" not in out, "no refused module is listed", out)

# Dependencies load first; the dependency counts its user.
rc, out = pbx.rx("module load test_consumer")
t.ok(rc == 0, "test_consumer loads (and pulls in test_provider)", out)
rc, out = pbx.rx("module show like test_")
lines = {l.split()[0]: l for l in out.splitlines()[1:] if l.strip()}
t.ok("test_provider" in lines and "test_consumer" in lines["test_provider"],
     "module show: test_provider is used by test_consumer", out)
rc, out = pbx.rx("event show recent like module/loaded")
order = [l.split("module=")[1] for l in out.splitlines() if "module=" in l]
t.ok(order.index("test_provider") < order.index("test_consumer"),
     "load order follows dependencies", out)
rc, out = pbx.rx("test consumer add 2 40")
t.ok(rc == 0 and out.strip() == "42", "the consumer calls the provider's API", out)

rc, out = pbx.rx("module unload test_provider")
t.ok(rc == 1 and "in use by test_consumer" in out,
     "unloading a module others depend on is refused", out)
rc, out = pbx.rx("module load test_provider")
t.ok(rc == 1 and "already loaded" in out, "loading twice is refused", out)

# Live uses (as channels will hold) block unload too.
rc, out = pbx.rx("module unload test_consumer")
t.ok(rc == 0, "the consumer unloads", out)
rc, out = pbx.rx("test consumer add 1 1")
t.ok(rc == 1, "its CLI command is gone", out)
pbx.rx("test provider hold")
rc, out = pbx.rx("module unload test_provider")
t.ok(rc == 1 and "in use (1 references" in out,
     "unloading a module with live uses is refused", out)
pbx.rx("test provider release")
rc, out = pbx.rx("module unload test_provider")
t.ok(rc == 0, "after the use is released it unloads", out)

# Forced unload takes dependents down first.
pbx.rx("module load test_consumer")
pbx.rx("test provider hold")
rc, out = pbx.rx("module unload -f test_provider")
t.ok(rc == 0, "forced unload of a used module succeeds", out)
rc, out = pbx.rx("module show like test_")
t.ok("test_consumer" not in out and "test_provider" not in out,
     "forced unload also unloaded the dependent", out)

# Reload: new config applies; a broken one is refused and the old kept.
pbx.rx("module load test_provider")
pbx.write_file("test_provider.conf", "[general]\ngreeting = bonjour\n")
rc, out = pbx.rx("module reload test_provider")
rc2, out2 = pbx.rx("test provider greeting")
t.ok(rc == 0 and "greeting: bonjour (reloads: 1)" in out2,
     "module reload applies the new config", out + out2)
pbx.write_file("test_provider.conf", "[general]\n; fine\ngreeting\n")
rc, out = pbx.rx("module reload test_provider")
rc2, out2 = pbx.rx("test provider greeting")
t.ok(rc == 1 and "test_provider.conf:3:" in out and "bonjour" in out2,
     "a broken config is refused with file:line and the old one kept",
     out + out2)
rc, out = pbx.rx("module reload no_such_module")
t.ok(rc == 1 and "not loaded" in out, "reload of a module not loaded fails", out)

# Out-of-tree module: install, build the example against the installed
# headers and carillon.pc, load it by path.
prefix = tempfile.mkdtemp(prefix="carillon-prefix-")
p = subprocess.run(["make", "-s", "install", f"prefix={prefix}"], cwd=TOP,
                   capture_output=True, text=True, timeout=300)
t.ok(p.returncode == 0 and os.path.exists(f"{prefix}/include/carillon/carillon.h")
     and os.path.exists(f"{prefix}/lib/pkgconfig/carillon.pc")
     and os.path.exists(f"{prefix}/bin/carillon"),
     "make install puts the binary, headers and carillon.pc under the prefix",
     p.stdout + p.stderr)
build = tempfile.mkdtemp(prefix="carillon-oot-")
shutil.copytree(os.path.join(TOP, "contrib/examples/res_hello"), build,
                dirs_exist_ok=True)
env = dict(os.environ, PKG_CONFIG_PATH=f"{prefix}/lib/pkgconfig")
p = subprocess.run(["make", "-s"], cwd=build, env=env, capture_output=True,
                   text=True, timeout=120)
t.ok(p.returncode == 0 and os.path.exists(f"{build}/res_hello.so"),
     "the example module builds against the installed headers",
     p.stdout + p.stderr)
rc, out = pbx.rx(f"module load {build}/res_hello.so")
rc2, out2 = pbx.rx("hello carillon")
t.ok(rc == 0 and out2.strip() == "Hello, carillon!",
     "the out-of-tree module loads and answers its command", out + out2)
rc, out = pbx.rx("module unload res_hello")
t.ok(rc == 0, "and unloads", out)
shutil.rmtree(prefix, ignore_errors=True)
shutil.rmtree(build, ignore_errors=True)

rc, _ = pbx.rx("core show version")
t.ok(rc == 0 and pbx.running(), "the daemon survived all of it")
t.ok(pbx.stop() == 0, "clean exit", pbx.log_text())
pbx.cleanup()
t.done()
