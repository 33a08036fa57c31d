"""A SIP event subscriber for integration tests (RFC 6665): sends
SUBSCRIBE over UDP (answering the digest challenge), refreshes and ends
its subscription, and answers the NOTIFYs it gets (200, or a code the
test chooses), keeping them for the test to look at."""
import random
import re
import socket
import time

from sipclient import SipClient, header_values, parse_response


def parse_request(data):
    """Returns (method, headers, body) of a request, or None."""
    text = data.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    m = re.match(r"([A-Z]+) \S+ SIP/2\.0$", lines[0])
    if not m:
        return None
    headers = []
    for line in lines[1:]:
        if ":" in line:
            n, v = line.split(":", 1)
            headers.append((n.strip(), v.strip()))
    return m.group(1), headers, body


class Notify:
    def __init__(self, headers, body):
        self.headers = headers
        self.body = body
        self.state = (header_values(headers, "Subscription-State") or [""])[0]
        self.cseq = int((header_values(headers, "CSeq") or ["0"])[0].split()[0])
        self.call_id = (header_values(headers, "Call-ID") or [""])[0]
        self.event = (header_values(headers, "Event") or [""])[0]

    def dialog_states(self):
        return re.findall(r"<state>(\w+)</state>", self.body)

    def __repr__(self):
        return f"NOTIFY cseq={self.cseq} {self.state} {self.dialog_states()} {self.body[:400]!r}"


class Watcher(SipClient):
    def __init__(self, server_port, user, password):
        super().__init__(server_port)
        self.user, self.password = user, password
        self.notifies = []
        self.responses = []
        self.notify_code = 200
        self.to_tag = None
        self.sub_cseq = 0

    def _answer(self, data, headers):
        keep = "".join(f"{n}: {v}\r\n" for n, v in headers
                       if n.lower() in ("via", "from", "to", "call-id", "cseq"))
        self.send_raw(f"SIP/2.0 {self.notify_code} Answer\r\n{keep}Content-Length: 0\r\n\r\n")

    def pump(self, timeout=0.2):
        """Reads for up to timeout: NOTIFYs are answered and kept, responses kept."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                return
            req = parse_request(data)
            if req:
                method, headers, body = req
                self._answer(data, headers)
                if method == "NOTIFY":
                    self.notifies.append(Notify(headers, body))
                continue
            r = parse_response(data)
            if r:
                self.responses.append(r)

    def final_response(self, timeout=3.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.pump(0.1)
            while self.responses:
                r = self.responses.pop(0)
                if r[0] >= 200:
                    return r
        return None

    def send_subscribe(self, resource, event="dialog", expires=600, auth="", extra="",
                       accept=None):
        self.sub_cseq += 1
        branch = f"z9hG4bK{random.getrandbits(48):x}"
        uri = f"sip:{resource}@{self.server_host}:{self.server[1]}"
        to_tag = f";tag={self.to_tag}" if self.to_tag else ""
        hdr_event = f"Event: {event}\r\n" if event else ""
        hdr_expires = f"Expires: {expires}\r\n" if expires is not None else ""
        hdr_accept = f"Accept: {accept}\r\n" if accept else ""
        self.send_raw(f"SUBSCRIBE {uri} SIP/2.0\r\n"
                      f"Via: SIP/2.0/UDP {self.host}:{self.port};branch={branch};rport\r\n"
                      f"Max-Forwards: 70\r\n"
                      f"From: <sip:{self.user}@{self.server_host}>;tag={self.tag}\r\n"
                      f"To: <sip:{resource}@{self.server_host}>{to_tag}\r\n"
                      f"Call-ID: {self.call_id}\r\n"
                      f"CSeq: {self.sub_cseq} SUBSCRIBE\r\n"
                      f"Contact: <sip:{self.user}@{self.host}:{self.port}>\r\n"
                      f"{hdr_event}{hdr_expires}{hdr_accept}{extra}{auth}"
                      f"Content-Length: 0\r\n\r\n")
        return uri

    def subscribe(self, resource, **kw):
        """SUBSCRIBE, answering a 401; the final response.  A 200 starts
        (or refreshes) the dialog this watcher keeps."""
        uri = self.send_subscribe(resource, **kw)
        r = self.final_response()
        if r and r[0] == 401:
            chal = header_values(r[2], "WWW-Authenticate")[0]
            auth = self.authorization(chal, self.user, self.password, "SUBSCRIBE", uri)
            self.send_subscribe(resource, auth=auth, **kw)
            r = self.final_response()
        if r and r[0] == 200 and not self.to_tag:
            to = header_values(r[2], "To")[0]
            m = re.search(r";tag=([^;>\s]+)", to)
            self.to_tag = m.group(1) if m else None
        return r

    def wait_notify(self, pred=lambda n: True, timeout=5.0, start=0):
        """The first NOTIFY from index start on that satisfies pred."""
        deadline = time.time() + timeout
        while True:
            for n in self.notifies[start:]:
                if pred(n):
                    return n
            if time.time() >= deadline:
                return None
            self.pump(0.1)

    def new_dialog(self):
        self.call_id = f"{random.getrandbits(64):x}@watch"
        self.tag = f"{random.getrandbits(32):x}"
        self.to_tag = None
        self.sub_cseq = 0
        self.notifies = []
