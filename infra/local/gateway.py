"""API Gateway HTTP API (payload format 2.0) in front of the handlers, independent of any socket.

The routes come from ``template.yaml``; a request becomes the same event Lambda receives in AWS and
the handler's response becomes the HTTP response the way API Gateway maps it. The stdlib server in
``server.py`` and the start-up seed both go through :meth:`Gateway.handle`, so what the seed does is
exactly what a ``curl`` would do.
"""

from __future__ import annotations

import base64
import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from .lambda_runtime import http_api_event, match_route
from .redact import redact
from .template import HttpRoute

logger = logging.getLogger("infra.local")

# Bodies above this are refused before any handler runs: Lambda's synchronous payload limit (6 MB for
# the whole event), which no request body can exceed and still reach a function in AWS. The handlers
# cap lower (an import at ~4.45 MB, what still fits once HTTP API has base64-encoded it).
MAX_BODY_BYTES = 6 * 1024 * 1024

JSON = "application/json"
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "proxy-connection", "te", "trailer"}
)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # the raw request target, still percent-encoded: "/v1/admin/contacts/%2B48…?country=PL"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    client_ip: str = "127.0.0.1"
    host: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name]
        return ",".join(values) if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def error(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> HttpResponse:
    """The platform's one error shape, also for errors the gateway itself raises."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return json_response(status, body)


def json_object(request: HttpRequest, empty: bytes = b"null") -> dict[str, Any] | HttpResponse:
    """A dev route's JSON-object body, or the 400 that says why not (``empty``: what no body means)."""
    try:
        data = json.loads(request.body or empty)
    except ValueError:
        return error(400, "malformed_body", "the body is not valid JSON")
    if not isinstance(data, dict):
        return error(400, "malformed_body", "the body must be a JSON object")
    return data


def json_response(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(status, [("content-type", JSON)], json.dumps(payload, ensure_ascii=False).encode())


def too_large() -> HttpResponse:
    return error(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")


LocalRoute = Callable[[HttpRequest, str], HttpResponse]
Invoke = Callable[[str, dict[str, Any]], Any]


class Gateway:
    def __init__(
        self, routes: list[HttpRoute], invoke: Invoke, local_routes: dict[tuple[str, str], LocalRoute] | None = None
    ) -> None:
        self.routes = routes
        self.invoke = invoke
        # Routes served by the local stack itself (/dev/…, /healthz), keyed by (method, path).
        self.local_routes = dict(local_routes or {})

    def handle(self, request: HttpRequest) -> HttpResponse:
        raw_path, _, raw_query = request.target.partition("?")
        if request.method == "OPTIONS":
            response = _preflight(request)
        elif (request.method, raw_path) in self.local_routes:
            response = self.local_routes[(request.method, raw_path)](request, raw_query)
        else:
            response = self._to_function(request, raw_path, raw_query)
        return _with_cors(response, request)

    def _to_function(self, request: HttpRequest, raw_path: str, raw_query: str) -> HttpResponse:
        found = match_route(self.routes, request.method, raw_path)
        if found is None:
            return error(404, "not_found", f"no route for {request.method} {redact(raw_path)}")
        if request.body is not None and len(request.body) > MAX_BODY_BYTES:
            return too_large()
        route, raw_params = found
        text, binary = _split_body(request.body)
        event = http_api_event(
            method=request.method,
            raw_path=raw_path,
            route=route,
            # Matched on the raw path (so an encoded "/" cannot split a segment), then decoded, as
            # API Gateway does: /v1/admin/contacts/%2B48501234567 → {"phone": "+48501234567"}.
            path_parameters={name: unquote(value) for name, value in raw_params.items()},
            headers=_event_headers(request),
            raw_query=raw_query,
            body=text,
            source_ip=request.client_ip,
            host=request.host,
        )
        if binary is not None:
            event["body"], event["isBase64Encoded"] = binary, True
        cookies = _cookies(request)
        if cookies:
            event["cookies"] = cookies
        try:
            result = self.invoke(route.function, event)
        except Exception as exc:  # a handler bug: API Gateway answers 500 and Lambda logs the trace
            trace = "".join(traceback.format_exception(exc))
            logger.error("%s raised on %s %s\n%s", route.function, request.method, redact(raw_path), redact(trace))
            return error(500, "internal_error", "the function failed; see the local stack's log")
        return lambda_to_http(result)


def lambda_to_http(result: Any) -> HttpResponse:
    """Map a payload-2.0 Lambda result to HTTP as API Gateway does.

    A dict with ``statusCode`` is a full response; anything else is "the body" of a 200 JSON response
    (API Gateway's inference for HTTP APIs).
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", JSON)], text.encode("utf-8"))
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(v)) for v in values)
    headers.extend(("set-cookie", str(cookie)) for cookie in result.get("cookies") or [])
    headers = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return HttpResponse(int(result["statusCode"]), headers, data)


def _split_body(body: bytes | None) -> tuple[bytes | None, str | None]:
    """``(body, None)`` when the body is UTF-8 (or absent), else ``(None, base64)``.

    ``http_api_event`` decodes text content types as UTF-8; a client that sends bytes that are not
    UTF-8 under a text content type would crash it, whereas API Gateway passes them base64-encoded.
    """
    if not body:
        return None, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None, base64.b64encode(body).decode("ascii")
    return body, None


def _event_headers(request: HttpRequest) -> dict[str, str]:
    """Lower-cased, repeats joined by commas, cookies moved out — plus what API Gateway adds."""
    headers: dict[str, str] = {}
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            continue  # payload 2.0 carries cookies in event["cookies"], not as a header
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {request.client_ip}" if forwarded else request.client_ip
    headers.setdefault("x-forwarded-proto", "http")
    headers.setdefault("host", request.host)
    return headers


def _cookies(request: HttpRequest) -> list[str]:
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
    return cookies


def _preflight(request: HttpRequest) -> HttpResponse:
    """Answer every CORS preflight permissively: locally any page may post to any route."""
    wanted = request.header("access-control-request-headers") or "content-type"
    return HttpResponse(
        204,
        [
            ("access-control-allow-methods", "GET, POST, PUT, DELETE, PATCH, OPTIONS"),
            ("access-control-allow-headers", wanted),
            ("access-control-max-age", "600"),
        ],
    )


def _with_cors(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    if any(k.lower() == "access-control-allow-origin" for k, _ in response.headers):
        return response
    origin = request.header("origin")
    response.headers.append(("access-control-allow-origin", origin or "*"))
    if origin:
        response.headers.append(("vary", "origin"))
    return response


def query_values(raw_query: str, name: str) -> list[str]:
    """Candidate values of a query parameter: form-decoded first, then with a literal "+" kept.

    ``?phone=+48501234567`` typed into a terminal is form-decoded to " 48501234567"; trying the value
    with "+" kept as well lets both that and ``?phone=%2B48501234567`` work.
    """
    form = [v for k, v in parse_qsl(raw_query, keep_blank_values=True) if k == name]
    kept = [
        unquote(part.split("=", 1)[1])
        for part in raw_query.split("&")
        if "=" in part and unquote(part.split("=", 1)[0]) == name
    ]
    return list(dict.fromkeys(form + kept))
