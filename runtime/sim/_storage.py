"""The simulator's second origin: the signed storage URLs Mode may redirect a download to.

Like a presigned S3 URL, a link here is its own credential: the server takes no
``Authorization`` header, and refuses a request that carries one (S3 answers 400 "Only one auth
mechanism allowed"). It records every request, so a test can check that a client did not send
its Mode credentials to another host.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from ._downloads import Body
from ._wire import Dropped, Recorded, TrackedServer, send_body

BUCKET = "mode-results"
_ERROR = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"


class Storage(TrackedServer):
    def __init__(self, host: str) -> None:
        super().__init__((host, 0), StorageHandler)
        self.requests: list[Recorded] = []
        self._blobs: dict[str, Body] = {}
        self._lock = threading.Lock()
        self._key = secrets.token_bytes(16)

    def publish(self, body: Body) -> str:
        """A signed URL that serves ``body`` to anyone holding it."""
        name = secrets.token_hex(8)
        with self._lock:
            self._blobs[name] = body
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Expires": "300",
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": self._signature(name),
        }
        return f"{self.url}/{BUCKET}/{name}/{quote(body.filename)}?{urlencode(query)}"

    def signed(self, name: str, signature: str) -> bool:
        return hmac.compare_digest(signature, self._signature(name))

    def blob(self, name: str) -> Body | None:
        with self._lock:
            return self._blobs.get(name)

    def _signature(self, name: str) -> str:
        return hmac.new(self._key, name.encode(), hashlib.sha256).hexdigest()


class StorageHandler(BaseHTTPRequestHandler):
    server: Storage
    protocol_version = "HTTP/1.1"
    server_version = "AmazonS3"
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    timeout = 30

    def handle(self) -> None:
        try:
            super().handle()
        except (Dropped, ConnectionError):
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.server.requests.append(Recorded("GET", self.path, "storage", dict(self.headers), b""))
        split = urlsplit(self.path)
        parts = split.path.split("/")  # "", bucket, blob name, file name
        name = parts[2] if len(parts) == 4 and parts[1] == BUCKET else ""
        body = self.server.blob(name)
        signature = parse_qs(split.query).get("X-Amz-Signature", [""])[0]
        if self.headers.get("Authorization") is not None:
            self._refuse(400, "InvalidArgument", "Only one auth mechanism allowed")
        elif body is None:
            self._refuse(404, "NoSuchKey", "The specified key does not exist.")
        elif not self.server.signed(name, signature):
            self._refuse(403, "AccessDenied", "Request has expired or is not signed")
        else:
            send_body(self, body)

    def _refuse(self, status: int, code: str, message: str) -> None:
        payload = _ERROR.format(code=code, message=message).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
