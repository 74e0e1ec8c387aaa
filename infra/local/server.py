"""The stdlib HTTP server: turns sockets into :class:`HttpRequest` for the gateway and back."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .gateway import MAX_BODY_BYTES, Gateway, HttpRequest, HttpResponse, too_large
from .redact import redact

logger = logging.getLogger("infra.local.http")

# An oversized body is still read (and thrown away) up to this size before the 413 goes out: a client
# such as urllib sends the whole body before reading the answer, and closing on unread data would make
# the kernel reset the connection so the client would see "connection reset" instead of the 413.
_DRAIN_LIMIT = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    pass


class BadRequestBody(Exception):
    pass


class LocalHttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow client must not keep the process alive at shutdown
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # HOST=:: or ::1
        super().__init__(address, _RequestHandler)
        self.gateway = gateway
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback for every client that hangs up early; one line is enough.
        logger.warning("connection from %s failed", client_address[0], exc_info=False)


class _RequestHandler(BaseHTTPRequestHandler):
    server: LocalHttpServer
    protocol_version = "HTTP/1.1"  # keep-alive, and "Expect: 100-continue" which curl sends for -d >1 KB
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no delayed-ACK stalls
    server_version = "sms-consent-local"

    def __getattr__(self, name: str) -> Any:
        # Every method goes to the gateway, as API Gateway takes every method: an unknown one (TRACE,
        # PROPFIND, …) then gets the gateway's JSON 404 for a route it does not have, instead of the
        # stdlib's 501 HTML page for a method without a ``do_<METHOD>``.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def handle_expect_100(self) -> bool:
        # Refuse an announced oversized body before the client sends it.
        if self._declared_length() > MAX_BODY_BYTES:
            self.close_connection = True
            self._write(too_large())
            return False
        return super().handle_expect_100()

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except BodyTooLarge:
            self._write(too_large())
            return
        except BadRequestBody as exc:
            self.close_connection = True
            self._write(HttpResponse(400, [("content-type", "text/plain")], str(exc).encode()))
            return
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            client_ip=self.client_address[0],
            host=self.headers.get("host", "").rsplit(":", 1)[0] or str(self.server.server_address[0]),
        )
        self._write(self.server.gateway.handle(request))

    def _declared_length(self) -> int:
        try:
            return int(self.headers.get("content-length") or 0)
        except ValueError:
            return 0

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked()
        length_header = self.headers.get("content-length")
        if length_header is None:
            return None
        try:
            length = int(length_header)
        except ValueError:
            raise BadRequestBody("invalid Content-Length") from None
        if length > MAX_BODY_BYTES:
            self._discard(length)
            raise BodyTooLarge
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        data = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BadRequestBody("invalid chunked encoding") from None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers, up to the blank line
                    pass
                return bytes(data)
            if len(data) + size > MAX_BODY_BYTES:
                self.close_connection = True  # the rest of the stream is not worth reading
                raise BodyTooLarge
            data += self.rfile.read(size)
            self.rfile.readline(8)  # the CRLF after each chunk

    def _discard(self, length: int) -> None:
        if length > _DRAIN_LIMIT:
            self.close_connection = True
            return
        remaining = length
        while remaining > 0:
            got = self.rfile.read(min(_CHUNK, remaining))
            if not got:
                break
            remaining -= len(got)

    def _write(self, response: HttpResponse) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(response.body)))
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away; nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry phone numbers in paths and queries: mask them before they reach a log.
        logger.info("%s %s", self.client_address[0], redact(format % args))
