"""The HTTP side of the simulator: routing, auth, faults, and writing answers.

Built on the standard library's ``ThreadingHTTPServer``. Answers are buffered and sent in one
write with Nagle disabled: a response split in two writes would stall each call ~40 ms on
delayed ACKs. Downloads (results, PDFs) are streamed instead, once the store's lock is released
(see ``_wire.send_body``).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .._api import Endpoint
from ._behaviours import BEHAVIOURS, UNDOCUMENTED
from ._documents import document
from ._downloads import Body
from ._faults import Fault, Faults
from ._generic import KINDS, check_params
from ._replies import Handler, Quirks, Refusal, Reply, Request, not_found
from ._shapes import Plan, Shape, Shapes
from ._store import Store
from ._wire import Dropped, Recorded, TrackedServer, send_body

_HTML_ERROR = "<html><head><title>{status} Error</title></head><body><h1>{status}</h1><p>upstream failed</p></body></html>"


@dataclass(frozen=True)
class Route:
    name: str  # operation name, or "GET /api/{account}/..." for an undocumented document
    method: str
    pattern: re.Pattern[str]
    api: str  # "rest" or "discovery"
    handler: Handler
    # Other operations on the same method and path, told apart by the wrapper their body
    # holds: (wrapper, operation name, handler). report_runs.refresh POSTs {"report": ...}
    # where report_runs.create POSTs {"parameters": ...}.
    variants: tuple[tuple[str, str, Handler], ...] = ()

    def pick(self, body: Any) -> tuple[str, Handler]:
        """The operation a request body names, and its handler: requests, effects and faults
        are counted under that operation's name."""
        if isinstance(body, dict):
            for wrapper, name, handler in self.variants:
                if wrapper in body:
                    return name, handler
        return self.name, self.handler


def handler_for(plan: Plan) -> Handler:
    """The operation's params checked, then its behaviour, or the generic handling of its
    kind."""
    behaviour = BEHAVIOURS.get(plan.op.name)

    def handle(request: Request) -> Reply:
        check_params(request.store, plan, request)
        if behaviour is not None:
            return behaviour(request, plan)
        return KINDS[plan.kind](request.store, plan, request)

    return handle


def _located(shape: Shape) -> Handler:
    """A model Mode shows at a path it documents no GET for (an account at /api/{username})."""

    def handle(request: Request) -> Reply:
        record = request.store.find(shape, request.params)
        if record is None:
            raise not_found(shape.model.__name__)
        return Reply(200, document(request.store, record))

    return handle


def _route(method: str, path: str, ops: list[Endpoint[Any]], shapes: Shapes) -> Route:
    """The route of the operations sharing a method and path: the first one without a body
    wrapper (else the first) answers any body the others' wrappers do not name."""
    plain = next((op for op in ops if op.body_wrapper is None), ops[0])
    variants = tuple(
        (op.body_wrapper, op.name, handler_for(shapes.plans[op.name]))
        for op in ops
        if op is not plain and op.body_wrapper is not None
    )
    return Route(
        plain.name,
        method,
        _compile(path),
        plain.api.name,
        handler_for(shapes.plans[plain.name]),
        variants,
    )


def build_routes(operations: Iterable[Endpoint[Any]], shapes: Shapes) -> list[Route]:
    """A route per operation, then the documents Mode links to without documenting them."""
    shared: dict[tuple[str, str], list[Endpoint[Any]]] = {}
    for op in operations:
        shared.setdefault((op.method, op.full_path), []).append(op)
    routes = [_route(method, path, ops, shapes) for (method, path), ops in shared.items()]
    for method, path, behaviour in UNDOCUMENTED:

        def handle(request: Request, behaviour: Any = behaviour) -> Reply:
            return behaviour(request, None)  # type: ignore[no-any-return]

        routes.append(Route(f"{method} {path}", method, _compile(path), "rest", handle))
    for shape in shapes.shapes:
        if shape.located and shape.home is not None:
            name = f"GET {shape.home}"
            routes.append(Route(name, "GET", _compile(shape.home), "rest", _located(shape)))
    return routes


def _compile(path: str) -> re.Pattern[str]:
    """A path template as a regex. A placeholder takes one segment (``{run}``) or the rest of
    one after literal text (``content.{format}``); the text around it, dots included, is
    literal, so ``pdf.pdf`` matches only itself."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(pattern + r"\Z")


class SimServer(TrackedServer):
    def __init__(
        self,
        address: tuple[str, int],
        *,
        store: Store,
        routes: list[Route],
        quirks: Quirks,
        credentials: dict[str, str],
        publish: Callable[[Body], str],
    ) -> None:
        super().__init__(address, SimHandler)
        self.store = store
        self.routes = routes
        self.quirks = quirks
        self.publish = publish  # a download's URL on the storage origin, for offsite faults
        self.faults = Faults()
        self.calls: Counter[str] = Counter()  # requests received per route
        self.effects: Counter[str] = Counter()  # requests carried out per route
        self.requests: list[Recorded] = []
        self.record = True
        self._basic = (
            "Basic "
            + base64.b64encode(f"{credentials['token']}:{credentials['secret']}".encode()).decode()
        )
        self._bearer = "Bearer " + base64.b64encode(credentials["discovery"].encode()).decode()

    def authorized(self, api: str, header: str | None) -> bool:
        return header == (self._bearer if api == "discovery" else self._basic)


class SimHandler(BaseHTTPRequestHandler):
    server: SimServer
    protocol_version = "HTTP/1.1"
    server_version = "ModeSimulator/1"
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    timeout = 30  # an idle keep-alive connection is closed, and its thread ends

    def handle(self) -> None:
        try:
            super().handle()
        except (Dropped, ConnectionError):
            pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet by default; `modehal sim` prints its own access lines

    # -- one request --------------------------------------------------------------------

    def _serve(self) -> None:
        server = self.server
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._write(_error(400, "bad_request", "Content-Length must be a whole number"))
            return
        raw_body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        # Mode's routing answers a path with a trailing slash as the path without it
        path = unquote(split.path).rstrip("/") or "/"
        route, params = self._match(path)
        body = _json_body(raw_body)
        name, handler = route.pick(body) if route else (None, None)
        if server.record:
            server.requests.append(
                Recorded(self.command, self.path, name, dict(self.headers), raw_body)
            )
        server.calls[name or "(unrouted)"] += 1
        fault = server.faults.take(name or "(unrouted)")
        if fault is not None:
            if fault.delay and not fault.after:
                time.sleep(fault.delay)
            if not fault.after:
                if fault.reset:
                    self._reset()
                if self._write_spoiled(fault):
                    return
        reply = self._reply(route, name, handler, params, split.query, path, body)
        if fault is not None and fault.offsite and reply.body is not None:
            reply = Reply(302, None, {"Location": server.publish(reply.body)})
        if fault is not None:
            if fault.after and fault.delay:  # the work is done; only the answer is late
                time.sleep(fault.delay)
            if fault.after and fault.reset:
                self._reset()
            if fault.truncate:
                self._write_truncated(reply)
            if fault.invalid_json:
                self._write(reply, mangle=True)
                return
            if fault.after and self._write_spoiled(fault):
                return
        self._write(reply, drip=fault.drip if fault else None)

    def _match(self, path: str) -> tuple[Route | None, dict[str, str]]:
        known_path = False
        for route in self.server.routes:
            match = route.pattern.match(path)
            if match:
                known_path = True
                if route.method == self.command:
                    return route, match.groupdict()
        if known_path:
            return None, {"__method_not_allowed__": "1"}
        return None, {}

    def _reply(
        self,
        route: Route | None,
        name: str | None,
        handler: Handler | None,
        params: dict[str, str],
        query: str,
        path: str,
        body: Any,
    ) -> Reply:
        server = self.server
        if route is None or name is None or handler is None:
            if params.get("__method_not_allowed__"):
                return _error(405, "method_not_allowed", f"{self.command} is not allowed here")
            return _error(404, "not_found", "Not found")
        if not server.authorized(route.api, self.headers.get("Authorization")):
            scheme = (
                "Bearer base64(id:access_key:access_secret)"
                if route.api == "discovery"
                else "Basic (API token and secret)"
            )
            if self.headers.get("Authorization"):
                return _error(
                    401,
                    "unauthorized",
                    f"Unauthorized: the {scheme} credentials sent were refused",
                )
            return _error(401, "unauthorized", f"Unauthorized: this API needs {scheme} credentials")
        if body is _NOT_JSON:
            return _error(400, "bad_request", "body is not valid JSON")
        request = Request(
            store=server.store,
            quirks=server.quirks,
            params=params,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            raw_query=query,
            path=path,
            body=body,
        )
        try:
            with server.store.lock:  # handlers read and change one store: one at a time
                reply = handler(request)
        except Refusal as refusal:
            return _error(refusal.status, refusal.error_id, refusal.message)
        except Exception as exc:  # noqa: BLE001 - a fault of the simulator's: say so, stay up
            return _error(
                500, "internal_server_error", f"simulator error: {type(exc).__name__}: {exc}"
            )
        server.effects[name] += 1
        return reply

    # -- faults -------------------------------------------------------------------------

    def _write_spoiled(self, fault: Fault) -> bool:
        """Answer with the fault's redirect, HTML page or error status; False if it has none."""
        if fault.redirect:
            self._write(Reply(302, None, {"Location": fault.redirect}))
        elif fault.html:
            status = fault.status or 502
            self._write_raw(
                status, _HTML_ERROR.format(status=status).encode(), "text/html; charset=utf-8"
            )
        elif fault.status:
            reply = _error(
                fault.status, _ERROR_IDS.get(fault.status, "error"), f"simulated {fault.status}"
            )
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = fault.retry_after
            self._write(reply)
        else:
            return False
        return True

    def _write_truncated(self, reply: Reply) -> None:
        if reply.body is not None:
            send_body(self, reply.body, status=reply.status, truncate=True)  # raises Dropped
            return
        body = json.dumps(reply.document).encode() if reply.document is not None else b"{}"
        self._write_raw(
            reply.status,
            body,
            _content_type(self.path),
            declared_length=len(body),
            partial=body[: len(body) // 2],
        )
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_WR)
        raise Dropped

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send RST: the client sees "connection reset by peer".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        raise Dropped

    # -- writing ------------------------------------------------------------------------

    def _write(self, reply: Reply, *, drip: float | None = None, mangle: bool = False) -> None:
        if reply.body is not None:
            send_body(self, reply.body, status=reply.status, drip=drip, mangle=mangle)
            return
        body = json.dumps(reply.document).encode() if reply.document is not None else b""
        if mangle:  # what a proxy cutting a body mid-way and appending junk would deliver
            body = body[: max(1, len(body) // 2)] + b"\x00}{"
        self._write_raw(
            reply.status, body, _content_type(self.path), headers=reply.headers, drip=drip
        )

    def _write_raw(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        declared_length: int | None = None,
        partial: bytes | None = None,
        drip: float | None = None,
    ) -> None:
        self.send_response(status)
        if body or declared_length:
            self.send_header("Content-Type", content_type)
        self.send_header(
            "Content-Length", str(declared_length if declared_length is not None else len(body))
        )
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        payload = partial if partial is not None else body
        if drip:
            self.wfile.flush()
            for start in range(0, len(payload), 64):
                self.wfile.write(payload[start : start + 64])
                self.wfile.flush()
                time.sleep(drip)
        else:
            self.wfile.write(payload)


_ERROR_IDS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


_NOT_JSON = object()  # a body that is not JSON: refused with a 400 once the route is known


def _json_body(raw_body: bytes) -> Any:
    """The body's JSON, None when there is none, or ``_NOT_JSON``."""
    try:
        return json.loads(raw_body) if raw_body.strip() else None
    except ValueError:
        return _NOT_JSON


def _error(status: int, error_id: str, message: str) -> Reply:
    return Reply(status, {"id": error_id, "message": message})


def _content_type(target: str) -> str:
    return (
        "application/json; charset=utf-8"
        if target.startswith("/batch")
        else "application/hal+json; charset=utf-8"
    )
