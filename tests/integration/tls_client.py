"""SipClient over one TLS (or plain TCP) connection, for tests and
tests/bench/bench-tls.py."""
import re
import socket
import ssl
import time

from sipclient import SipClient, parse_response


class TlsClient(SipClient):
    """SipClient's REGISTER over one TLS (or TCP) connection."""

    def __init__(self, port, ctx=None, server_hostname="127.0.0.1"):
        super().__init__(port)
        self.sock.close()
        raw = socket.create_connection(("127.0.0.1", port), timeout=3)
        self.sock = ctx.wrap_socket(raw, server_hostname=server_hostname) if ctx else raw
        self.host, self.port = self.sock.getsockname()[:2]
        self.buf = b""

    def send_raw(self, text):
        data = text.encode() if isinstance(text, str) else text
        self.sock.sendall(data.replace(b"SIP/2.0/UDP", b"SIP/2.0/TLS"))

    def recv(self, timeout=2.0, want_final=True):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(rb"\r\n\r\n", self.buf)
            if m:
                head = self.buf[:m.end()]
                cl = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                end = m.end() + (int(cl.group(1)) if cl else 0)
                if len(self.buf) >= end:
                    data, self.buf = self.buf[:end], self.buf[end:]
                    r = parse_response(data)
                    if r and (not want_final or r[0] >= 200):
                        return r
                    continue
            self.sock.settimeout(max(deadline - time.time(), 0.01))
            try:
                chunk = self.sock.recv(65535)
            except (socket.timeout, ssl.SSLError):
                return None
            if not chunk:
                return None
            self.buf += chunk
        return None
