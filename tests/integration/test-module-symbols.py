#!/usr/bin/env python3
"""Every module exports exactly one symbol, its descriptor, and no SIP
module carries its own copy of the message layer: the parser's symbols
are defined only in libcarillon-sipmsg and are undefined (imported) in
the modules that use them (nm -D)."""
import glob
import os
import subprocess

from carillon import TOP, Tap

t = Tap()
LIB = os.path.join(TOP, "modules", "res_sip", "libcarillon-sipmsg.so.1")
PARSER = ("sip_msg_parse", "sip_uri_parse", "sdp_session_parse", "sip_parse_digest")


def symbols(path, defined):
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, path], capture_output=True, text=True).stdout
    # AddressSanitizer builds add an __odr_asan.NAME for each exported NAME
    return {line.split()[-1] for line in out.splitlines()
            if line.strip() and not line.split()[-1].startswith("__odr_asan.")}


lib = symbols(LIB, True)
t.ok(all(p in lib for p in PARSER), "libcarillon-sipmsg defines the parser", sorted(lib)[:20])
t.ok(all(s.startswith(("sip_", "sdp_")) for s in lib),
     "and exports only sip_* / sdp_* functions",
     [s for s in lib if not s.startswith(("sip_", "sdp_"))])
for so in sorted(glob.glob(os.path.join(TOP, "modules", "*", "*.so"))):
    name = os.path.basename(so)
    if name.startswith("lib"):
        continue
    defined = symbols(so, True)
    t.ok(defined == {"pbx_module_info"}, f"{name} exports only pbx_module_info", sorted(defined))
for name in ("res_sip", "chan_sip", "res_registrar", "res_sip_pubsub"):
    so = os.path.join(TOP, "modules", name, f"{name}.so")
    undefined = symbols(so, False)
    needed = subprocess.run(["readelf", "-d", so], capture_output=True, text=True).stdout
    t.ok("sip_msg_parse" in undefined or "sip_uri_parse" in undefined
         or "sip_msg_get_header" in undefined,
         f"{name} imports the message layer (nm -D: U)", sorted(undefined)[:10])
    t.ok("libcarillon-sipmsg.so.1" in needed, f"{name} links libcarillon-sipmsg.so.1", needed)
t.done()
