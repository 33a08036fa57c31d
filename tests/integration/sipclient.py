"""A tiny SIP UAC over UDP for integration tests: builds requests, sends
them, reads responses and answers digest challenges (MD5, SHA-256)."""
import hashlib
import os
import random
import re
import socket
import time


def parse_response(data):
    """Returns (code, reason, headers as list of (name, value), raw)."""
    text = data.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", lines[0])
    if not m:
        return None
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            n, v = headers[-1]
            headers[-1] = (n, v + " " + line.strip())
        elif ":" in line:
            n, v = line.split(":", 1)
            headers.append((n.strip(), v.strip()))
    return int(m.group(1)), m.group(2), headers, text


def header_values(headers, name):
    return [v for n, v in headers if n.lower() == name.lower()]


def digest_params(value):
    return dict((k, v.strip('"')) for k, v in
                re.findall(r'(\w+)=("[^"]*"|[^\s,]+)', value))


class SipClient:
    def __init__(self, server_port, server_host="127.0.0.1", bind_host="127.0.0.1",
                 family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((bind_host, 0))
        self.sock.settimeout(2.0)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = (server_host, server_port)
        self.server_host = server_host
        self.cseq = 0
        self.call_id = f"{random.getrandbits(64):x}@test"
        self.tag = f"{random.getrandbits(32):x}"
        self.nc = 0

    def close(self):
        self.sock.close()

    def send_raw(self, text):
        self.sock.sendto(text.encode() if isinstance(text, str) else text, self.server)

    def recv(self, timeout=2.0, want_final=True):
        """Next response (skipping 1xx when want_final); None on timeout."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            r = parse_response(data)
            if r is None:
                continue
            if want_final and r[0] < 200:
                continue
            return r

    def register(self, user, contact=None, expires=3600, extra="", auth=None,
                 call_id=None, cseq=None, to_user=None, contact_params=""):
        """One REGISTER; returns the final response tuple or None."""
        self.cseq = cseq if cseq is not None else self.cseq + 1
        contact = contact or f"<sip:{user}@{self.host}:{self.port}>"
        hdr_contact = f"Contact: {contact}{contact_params}\r\n" if contact != "-" else ""
        hdr_expires = f"Expires: {expires}\r\n" if expires is not None else ""
        branch = f"z9hG4bK{random.getrandbits(48):x}"
        uri = f"sip:{self.server_host}:{self.server[1]}"
        msg = (f"REGISTER {uri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {self.host}:{self.port};branch={branch};rport\r\n"
               f"Max-Forwards: 70\r\n"
               f"From: <sip:{user}@{self.server_host}>;tag={self.tag}\r\n"
               f"To: <sip:{to_user or user}@{self.server_host}>\r\n"
               f"Call-ID: {call_id or self.call_id}\r\n"
               f"CSeq: {self.cseq} REGISTER\r\n"
               f"{hdr_contact}{hdr_expires}{extra}"
               f"{auth or ''}"
               f"Content-Length: 0\r\n\r\n")
        self.send_raw(msg)
        return self.recv()

    def authorization(self, challenge, user, password, method, uri,
                      algorithm=None, header="Authorization"):
        p = digest_params(challenge)
        alg = algorithm or p.get("algorithm", "MD5")
        h = hashlib.sha256 if alg.upper().startswith("SHA-256") else hashlib.md5
        H = lambda s: h(s.encode()).hexdigest()
        self.nc += 1
        nc = f"{self.nc:08x}"
        cnonce = f"{random.getrandbits(64):x}"
        ha1 = H(f"{user}:{p['realm']}:{password}")
        ha2 = H(f"{method}:{uri}")
        resp = H(f"{ha1}:{p['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        return (f'{header}: Digest username="{user}", realm="{p["realm"]}", '
                f'nonce="{p["nonce"]}", uri="{uri}", response="{resp}", '
                f'algorithm={alg}, cnonce="{cnonce}", qop=auth, nc={nc}\r\n')

    def register_auth(self, user, password, algorithm=None, **kw):
        """REGISTER, answer the challenge; returns the final response."""
        r = self.register(user, **kw)
        if not r or r[0] != 401:
            return r
        chals = header_values(r[2], "WWW-Authenticate")
        chal = chals[0]
        if algorithm:
            chal = next(c for c in chals if f"algorithm={algorithm}" in c)
        uri = f"sip:{self.server_host}:{self.server[1]}"
        auth = self.authorization(chal, user, password, "REGISTER", uri, algorithm)
        if kw.get("cseq") is not None:
            kw["cseq"] += 1   # a new request, not a merged copy (RFC 3261 8.2.2.2)
        return self.register(user, auth=auth, **kw)
