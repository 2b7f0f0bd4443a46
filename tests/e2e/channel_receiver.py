#!/usr/bin/env python3
"""channel_receiver - the HTTP end of the notifier's e2e test

Usage: channel_receiver.py PORT DIR SECRET

Listens on 127.0.0.1:PORT. Every POST is recorded as one JSON line in
DIR/deliveries.jsonl, written and flushed before it is answered: path,
webhook-id, webhook-timestamp, the signature, whether the signature is
valid for SECRET (whsec_..., checked here with Python's own hmac, not
with imq's code), and the body. The answer follows DIR/mode, read for
each request: "200" or "500" answer at once; "hang" answers nothing
until the mode file says something else. DIR/ready appears once the
socket listens.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
DIR = sys.argv[2]
SECRET = sys.argv[3]
KEY = base64.b64decode(SECRET[len("whsec_"):])
LOCK = threading.Lock()


def mode():
    try:
        with open(os.path.join(DIR, "mode")) as file:
            return file.read().strip() or "200"
    except OSError:
        return "200"


def valid(msg_id, stamp, body, header):
    signed = msg_id.encode() + b"." + stamp.encode() + b"." + body
    expected = base64.b64encode(
        hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    # The header may hold several space-separated "v1,<sig>" entries
    return any(hmac.compare_digest(entry, "v1," + expected)
               for entry in header.split(" "))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        msg_id = self.headers.get("webhook-id", "")
        stamp = self.headers.get("webhook-timestamp", "")
        header = self.headers.get("webhook-signature", "")
        record = {
            "path": self.path,
            "id": msg_id,
            "timestamp": stamp,
            "signature": header,
            "valid": bool(header) and valid(msg_id, stamp, body, header),
            "fresh": stamp.isdigit() and abs(time.time() - int(stamp)) < 300,
            "content_type": self.headers.get("Content-Type", ""),
            "body": body.decode("utf-8", "replace"),
        }
        with LOCK:
            with open(os.path.join(DIR, "deliveries.jsonl"), "a") as file:
                file.write(json.dumps(record) + "\n")
                file.flush()
        while mode() == "hang":
            time.sleep(0.05)
        status = 500 if mode() == "500" else 200
        answer = b"refused for the test" if status == 500 else b"ok"
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass            # the notifier gave up waiting: expected

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
server.daemon_threads = True
open(os.path.join(DIR, "ready"), "w").close()
server.serve_forever()
