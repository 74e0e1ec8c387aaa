"""moto's AWS endpoint for the local stack, served with HTTP/1.1 keep-alive.

moto's own ``ThreadedMotoServer`` runs werkzeug's development server, which answers every request with
``Connection: close``: its generic handler cannot tell whether an application read the whole request body,
so it cannot know where the next request on the connection would start. Every AWS call a handler made
therefore opened a new TCP connection and started a new server thread — about 28 % of a local sign-up's
time (six AWS calls) went to that.

Here the request body is read in full *before* moto sees it, so the connection is always positioned at
the next request, and the response is buffered and sent with its ``Content-Length``. botocore's
connection pool then reuses connections as it does against AWS. moto's request handling (its WSGI app and
its header fix-ups in ``MotoRequestHandler.make_environ``) is used unchanged: only werkzeug's
``run_wsgi`` (how the server frames a request and a response) is overridden, nothing inside moto. It is
``make run``'s default; ``LOCAL_MOTO_KEEPALIVE=0`` runs moto's own ``ThreadedMotoServer`` instead
(environment.py), and tests/e2e/test_moto_server.py checks both against the installed moto.
"""

from __future__ import annotations

import io
import logging
import threading
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

logger = logging.getLogger("infra.local.moto")

# Statuses whose responses never carry a body (RFC 9110 §6.4.1); HEAD answers carry the headers of a GET.
_NO_BODY = range(100, 200)
_EMPTY_STATUSES = (204, 304)
# Framing is ours to decide: the body is re-sent whole, with its own length.
_FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")


class KeepAliveMotoHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    # Status line, headers and body are separate writes; with Nagle's algorithm a trailing small write
    # can wait for the client's delayed ACK (tens of ms on loopback).
    disable_nagle_algorithm = True

    def run_wsgi(self) -> None:
        # "Expect: 100-continue" was answered by http.server's parse_request (handle_expect_100).
        environ = self.make_environ()
        # make_environ wraps a chunked body in a de-chunking reader; either way, read it all now. moto
        # then sees a plain body of known length: a Transfer-Encoding left in place would make werkzeug
        # treat the length as unknown and give moto an empty body.
        if environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read()
        else:
            body = self.rfile.read(int(environ.get("CONTENT_LENGTH") or 0))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        self.environ = environ

        status, headers, payload = self._call_app(environ)
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        head = self.command == "HEAD"
        for name, value in headers:
            # A HEAD answer keeps moto's Content-Length: it is the size of the object, not of this body.
            if name.lower() in _FRAMING_HEADERS and not (head and name.lower() == "content-length"):
                continue
            self.send_header(name, value)
        bodiless = head or int(code) in _NO_BODY or int(code) in _EMPTY_STATUSES
        if not bodiless:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not bodiless:
            self.wfile.write(payload)

    def _call_app(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return chunks.append

        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception:  # what werkzeug's server does too: a 500, not a dropped connection
            logger.exception("moto failed on %s %s", self.command, self.path.split("?", 1)[0])
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"moto raised an exception"
        return started[0], started[1], b"".join(chunks)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # one line per AWS call would drown the handlers' own logs


class LocalMotoServer:
    """moto on ``host``, a free port (port 0: the OS picks, so no race), in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server: BaseWSGIServer = make_server(
            host,
            0,
            DomainDispatcherApplication(create_backend_app),
            threaded=True,
            request_handler=KeepAliveMotoHandler,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        # Stops accepting; connections kept alive end with their client or with the process (their
        # threads are daemons) — the local stack stops moto only on its way out.
        self._server.shutdown()
        self._server.server_close()
