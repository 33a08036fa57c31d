"""Run a real linphone (linphonec, driven through linphonecsh) against a
test Carillon: the softphone the attended-transfer test uses, since
baresip 1.0 has no attended transfer.  Its audio is files (`soundcard
use files`): it sends and records nothing the tests check."""
import fcntl
import os
import subprocess
import time

from carillon import free_port


LOCK = "/tmp/carillon-linphone.lock"


def _lock(seconds=180):
    """linphonecsh talks to its daemon over one socket per user id
    (/tmp/linphonec-UID, whatever TMPDIR says): tests that run at once
    take turns.  Returns the held lock file, or None after `seconds`."""
    f = open(LOCK, "w")
    for _ in range(seconds * 10):
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return f
        except OSError:
            time.sleep(0.1)
    f.close()
    return None


class Linphone:
    """One linphonec daemon registering `user` (one at a time per user id:
    see _lock)."""

    def __init__(self, pbx, user, password, rtp_ports=(47000, 47100)):
        self.lock = _lock()
        if self.lock is None:
            raise RuntimeError(f"another test holds {LOCK}")
        self.dir = os.path.join(pbx.run_dir, f"linphone-{user}")
        os.makedirs(os.path.join(self.dir, ".local", "share", "linphone"))
        self.env = dict(os.environ, HOME=self.dir)
        self.log_path = os.path.join(self.dir, "linphone.log")
        rc = os.path.join(self.dir, "linphonerc")
        with open(rc, "w") as f:
            f.write(f"[sip]\nsip_port={free_port()}\nsip_tcp_port=-1\nsip_tls_port=-1\n"
                    f"[rtp]\naudio_rtp_port={rtp_ports[0]}-{rtp_ports[1]}\n")
        self.sh("exit")                     # a daemon a killed test left behind
        self.sh("init", "-c", rc, "-d", "5", "-l", self.log_path)
        for _ in range(100):                # bounded: until it answers
            if "Using wav files" in self.command("soundcard use files")[1]:
                break
            time.sleep(0.1)
        self.command(f"register sip:{user}@127.0.0.1:{pbx.sip_port} "
                     f"sip:127.0.0.1:{pbx.sip_port} {password}")

    def sh(self, *args):
        """Runs linphonecsh; (exit status, output)."""
        try:
            r = subprocess.run(["linphonecsh", *args], env=self.env, cwd=self.dir,
                               capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            return 1, "timeout"
        return r.returncode, r.stdout + r.stderr

    def command(self, text):
        """A linphonec command (e.g. 'call sip:1003@...', 'transfer 1 --to-call 2')."""
        return self.sh("generic", text)

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        self.sh("exit")
        if self.lock:
            self.lock.close()               # releases the flock
            self.lock = None
