"""Test support for the smsadmin CLI: a scripted fake API on a stdlib HTTP server, a SigV4 verifier, and
a runner that calls the CLI in-process.

The test modules import smsadmin through this module: it imports only the standard library besides
smsadmin, so its import block sorts the same whether ruff counts ``cli`` as first-party or not.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from smsadmin import __main__ as cli_main
from smsadmin import apply, client, commands, importer, render

__all__ = ["FakeApi", "Recorded", "Run", "apply", "cli_main", "client", "commands", "importer", "render", "run_cli"]


@dataclass
class Recorded:
    method: str
    target: str  # raw request target, still percent-encoded
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query))

    def json(self) -> Any:
        return json.loads(self.body)


Reply = tuple[int, Any]  # (status, JSON body or str)
Handler = Callable[[Recorded], Reply]


@dataclass
class FakeApi:
    """Answers from a table of (method, path) → reply or handler; unknown routes get the platform's 404."""

    url: str = ""
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def on(self, method: str, path: str, status: int = 200, body: Any = None, handler: Handler | None = None) -> None:
        self.routes[(method, path)] = handler or (lambda _req: (status, body if body is not None else {}))

    def answer(self, req: Recorded) -> Reply:
        handler = self.routes.get((req.method, req.path))
        if handler is None:
            return 404, {"error": {"code": "not_found", "message": "no such route", "fields": {}}}
        return handler(req)

    def calls(self, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if method is None or r.method == method]


@contextmanager
def serve(api: FakeApi) -> Iterator[FakeApi]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            req = Recorded(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            api.requests.append(req)
            status, body = api.answer(req)
            raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_PUT = do_POST = do_DELETE = _any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_cli(*argv: str, tty: bool = False) -> Run:
    out, err = io.StringIO(), (Tty() if tty else io.StringIO())
    code = cli_main.main(list(argv), out=out, err=err)
    return Run(code, out.getvalue(), err.getvalue())


# --- SigV4, independently of botocore: what API Gateway recomputes from the request it receives ----------


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def expected_signature(req: Recorded, secret_key: str) -> str:
    """The signature API Gateway would compute for ``req`` (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_sigv-create-signed-request.html). Paths are encoded twice for every service but S3."""
    auth = req.headers["authorization"]
    credential = auth.split("Credential=")[1].split(",")[0]
    _, day, region, service, _ = credential.split("/")
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    parts = urlsplit(req.target)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    canonical = "\n".join(
        [
            req.method,
            quote(parts.path, safe="/~"),
            query,
            "".join(f"{name}:{' '.join(req.headers[name].split())}\n" for name in signed),
            ";".join(signed),
            hashlib.sha256(req.body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", req.headers["x-amz-date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), region), service), "aws4_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
