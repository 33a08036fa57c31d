"""Run real baresip softphones against a test Carillon."""
import os
import subprocess
import tempfile

from carillon import free_port

MODULES = "/usr/lib/baresip/modules"


class Baresip:
    """One baresip instance with its own config dir, registering `user`."""

    def __init__(self, pbx, user, password, extra_modules=(), timeout=30,
                 transport="udp", audio_source=None, audio_out=None,
                 host="127.0.0.1", answermode=None, audio_player=None,
                 config_extra=(), contacts=(), codecs=None, port=None,
                 account_extra="", register_later=False):
        """answermode: account answer mode (manual, early, auto);
        audio_player: a whole "module,device" player line instead of
        aufile,audio_out (baresip 1.0.0's aufile has no player);
        config_extra: more config lines (e.g. "snd_path /dir");
        contacts: lines of baresip's contacts file (e.g. a buddy with
        ;presence=p2p for the presence module);
        codecs: the account's audio_codecs, e.g. "opus/48000/2" or "PCMU"
        (what it offers and accepts, in order);
        port: the PBX port to register with (default its SIP port);
        account_extra: more account parameters (";mediaenc=srtp-mand");
        register_later: start without the account (self.account), for
        add_account() to create it once baresip runs."""
        self.dir = tempfile.mkdtemp(prefix=f"baresip-{user}-", dir=pbx.run_dir)
        self.port = free_port(host=host)
        # codecs before account.so: an account's audio_codecs must name loaded ones
        mods = (["stdio.so", "g711.so"] + [m for m in extra_modules if m != "aufile.so"]
                + ["account.so", "menu.so", "aufile.so"])
        src = f"aufile,{audio_source}" if audio_source else "aufile,/dev/null"
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(f"poll_method epoll\n"
                    f"sip_listen {host}:{self.port}\n"
                    f"audio_source {src}\n"
                    f"audio_player {audio_player or 'aufile,' + (audio_out or os.path.join(self.dir, 'out.wav'))}\n"
                    f"audio_alert aufile,/dev/null\n"
                    f"module_path {MODULES}\n"
                    + "".join(f"module {m}\n" for m in mods) +
                    f"net_interface {host}\n"
                    + "".join(f"{line}\n" for line in config_extra))
        self.account = (f"<sip:{user}@127.0.0.1:{port or pbx.sip_port};transport={transport}>"
                        f";auth_pass={password};regint=600"
                        + (f";answermode={answermode}" if answermode else "")
                        + (f";audio_codecs={codecs}" if codecs else "") + account_extra)
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write("" if register_later else self.account + "\n")
        with open(os.path.join(self.dir, "contacts"), "w") as f:
            f.write("".join(f"{line}\n" for line in contacts))
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["baresip", "-f", self.dir, "-t", str(timeout)],
                                     stdin=subprocess.PIPE, stdout=self.log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)

    def command(self, text):
        """Types a menu command (e.g. '/dial 1002')."""
        self.proc.stdin.write((text + "\n").encode())
        self.proc.stdin.flush()

    def add_account(self):
        """Creates and registers the account (register_later)."""
        self.command("/uanew " + self.account)

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
