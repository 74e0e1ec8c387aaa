"""HTTP client for the platform's API: stdlib urllib, SigV4 signing for deployed stacks.

Named ``client`` rather than ``http``: a module called ``http`` would shadow the standard library's
``http`` package (which urllib itself imports) whenever this directory ends up on ``sys.path``.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from . import __version__

DEFAULT_ENDPOINT = "http://127.0.0.1:3000"
DEFAULT_REGION = "us-east-1"
DEFAULT_TIMEOUT = 30.0
SERVICE = "execute-api"

# Exit codes shared by every command.
EXIT_OK, EXIT_API_ERROR, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3

# abc123.execute-api.eu-west-1.amazonaws.com: the region a request must be signed for is in the name.
_EXECUTE_API_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$")


class CliError(Exception):
    """An error that ends the command with ``exit_code`` after printing ``str(self)``."""

    exit_code = EXIT_API_ERROR


class UsageError(CliError):
    """Bad input found after argparse (config file, data file): exit 2 like argparse's own errors."""

    exit_code = EXIT_USAGE


class Unreachable(CliError):
    exit_code = EXIT_UNREACHABLE

    def __init__(self, url: str, reason: str, *, local: bool) -> None:
        hint = (
            "Is the local stack running? Start it with `make run`, or point smsadmin elsewhere with "
            "--endpoint / SMSADMIN_ENDPOINT."
            if local
            else "Check the URL (--endpoint / SMSADMIN_ENDPOINT) and your network."
        )
        super().__init__(f"cannot reach {url}: {reason}\n{hint}")
        self.url = url


class ApiError(CliError):
    """A 4xx/5xx answer. The platform's errors are ``{"error": {"code", "message", "fields"}}``."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None, body: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.body = body

    @classmethod
    def from_body(cls, status: int, body: Any) -> ApiError:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            err = body["error"]
            fields = err.get("fields") or {}
            return cls(
                status,
                str(err.get("code") or "error"),
                str(err.get("message") or ""),
                {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {},
                body,
            )
        # API Gateway's own refusals (IAM, throttling) are {"message": "..."}, not the platform's shape.
        if isinstance(body, dict) and "message" in body:
            return cls(status, _gateway_code(status), str(body["message"]), {}, body)
        text = body.strip() if isinstance(body, str) else ""
        return cls(status, _gateway_code(status), text[:500] or f"HTTP {status}", {}, body)

    def __str__(self) -> str:
        lines = [f"HTTP {self.status} {self.code}: {self.message}".rstrip(": ")]
        lines += [f"  {name}: {problem}" for name, problem in self.fields.items()]
        if self.status == 403 and self.code == "forbidden":
            lines.append("  (the admin routes need SigV4: check your AWS credentials, --region and IAM permissions)")
        return "\n".join(lines)


def _gateway_code(status: int) -> str:
    return {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited"}.get(status, "http_error")


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # parsed JSON when the answer is JSON, else the text
    headers: Mapping[str, str]


def is_local(url: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1 — the local stack, which has no IAM in front of it."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_region(explicit: str | None, endpoint: str) -> str:
    """--region, else the region in an execute-api host name, else AWS_REGION / the profile, else us-east-1.

    The host name wins over the profile because a signature for any other region is refused.
    """
    if explicit:
        return explicit
    match = _EXECUTE_API_HOST.search(urlsplit(endpoint).hostname or "")
    if match:
        return match.group(1)
    env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if env:
        return env
    import boto3  # imported late: ~0.3 s that local, unsigned runs never pay

    return boto3.Session().region_name or DEFAULT_REGION


def path(*segments: str) -> str:
    """'/v1/admin/contacts/%2B48…': every segment percent-encoded, '+' and '/' included."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def host_header(url: str) -> str:
    """The Host header both signed and sent: default ports dropped, as botocore signs it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def sigv4_headers(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str], credentials: Any, region: str
) -> dict[str, str]:
    """The headers to send, including Authorization / X-Amz-Date (/ X-Amz-Security-Token).

    ``credentials`` is a botocore credentials object (``boto3.Session().get_credentials()``).
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
    # Frozen: one consistent key/secret/token triple even if a refreshing provider rotates them meanwhile.
    SigV4Auth(credentials.get_frozen_credentials(), SERVICE, region).add_auth(request)
    return {str(k): str(v) for k, v in request.headers.items()}


@dataclass
class Client:
    endpoint: str = DEFAULT_ENDPOINT
    region: str | None = None
    # None: sign exactly when the endpoint is not local. True/False: --sign / --no-sign.
    sign: bool | None = None
    timeout: float = DEFAULT_TIMEOUT
    credentials: Any = None  # resolved lazily from boto3's default chain when signing

    def __post_init__(self) -> None:
        self.endpoint = self.endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        try:
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
        except ValueError:  # a port that is not a number
            valid = False
        if not valid:
            raise UsageError(f"invalid endpoint {self.endpoint!r}: expected http(s)://host[:port][/stage]")

    @property
    def signing(self) -> bool:
        return self.sign if self.sign is not None else not is_local(self.endpoint)

    @property
    def local(self) -> bool:
        return is_local(self.endpoint)

    def _credentials(self) -> Any:
        if self.credentials is None:
            import boto3

            self.credentials = boto3.Session().get_credentials()
            if self.credentials is None:
                raise CliError(
                    f"{self.endpoint} is not local, so requests are SigV4-signed, but no AWS credentials were "
                    "found (environment, ~/.aws, SSO or instance role). Configure them, or use --no-sign."
                )
        return self.credentials

    def request(
        self,
        method: str,
        route: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        query: Mapping[str, str | None] | None = None,
    ) -> Response:
        """Send one request; 2xx → :class:`Response`, 4xx/5xx → :class:`ApiError`, no answer → :class:`Unreachable`."""
        url = self.endpoint + route
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urlencode(params)
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        headers = {
            "Host": host_header(url),
            "Accept": "application/json",
            "User-Agent": f"smsadmin/{__version__}",
        }
        if content_type:
            headers["Content-Type"] = content_type
        if self.signing:
            region = resolve_region(self.region, self.endpoint)
            headers = sigv4_headers(method, url, data, headers, self._credentials(), region)
        # The scheme is http(s), checked in __post_init__.
        return self._send(urllib.request.Request(url, data=data, method=method, headers=headers))  # noqa: S310

    def _send(self, req: urllib.request.Request) -> Response:
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (http(s) only)
                return Response(resp.status, _decode(resp.headers, resp.read()), dict(resp.headers))
        except urllib.error.HTTPError as err:
            # 4xx/5xx still carry the platform's error body, which names the offending fields.
            raise ApiError.from_body(err.code, _decode(err.headers, err.read())) from None
        except urllib.error.URLError as err:
            reason = err.reason
            text = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
            raise Unreachable(self.endpoint, text, local=self.local) from None
        except TimeoutError:
            raise Unreachable(self.endpoint, f"no answer within {self.timeout:g} s", local=self.local) from None
        except (ConnectionError, http.client.HTTPException) as err:
            # The server went away mid-answer (reset, closed without a status line).
            raise Unreachable(self.endpoint, f"the connection failed ({err})", local=self.local) from None

    def get(self, route: str, query: Mapping[str, str | None] | None = None) -> Response:
        return self.request("GET", route, query=query)

    def pages(self, route: str, field: str, query: Mapping[str, str | None], most: int | None = None) -> list[Any]:
        """Every item of a paginated listing (``field`` of each page), following ``next`` — at most ``most``."""
        query = dict(query)
        items: list[Any] = []
        while most is None or len(items) < most:
            body = self.get(route, query=query).body
            items += body[field]
            if not body.get("next"):
                break
            query["next"] = body["next"]
        return items if most is None else items[:most]

    def get_or_none(self, route: str) -> Response | None:
        """GET, with the platform's 404 meaning "does not exist yet" (a 404 for the route itself still raises)."""
        try:
            return self.get(route)
        except ApiError as err:
            if err.status == 404 and err.message != "no such route":
                return None
            raise


def _decode(headers: Any, raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    content_type = (headers.get("content-type") or "") if headers is not None else ""
    if "json" in content_type.lower() and text.strip():
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
