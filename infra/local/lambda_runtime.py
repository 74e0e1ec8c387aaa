"""Invoke handlers the way Lambda does: API Gateway HTTP API (payload v2) and SQS event shapes, a
Lambda context object, and the function's environment resolved from the template."""

from __future__ import annotations

import base64
import importlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from .template import ACCOUNT, REGION, HttpRoute, Stack


@dataclass
class FakeLambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    # Lambda's maximum unless told: a test that does not ask for a deadline never meets one (the local
    # invoker and the bench pass the function's Timeout from the template).
    timeout_s: int = 900
    aws_request_id: str = ""

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def route_regex(path: str) -> re.Pattern[str]:
    """``/v1/admin/contacts/{phone}`` → a regex with one named group per path parameter."""
    pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile(f"^{pattern}$")


def match_route(routes: list[HttpRoute], method: str, raw_path: str) -> tuple[HttpRoute, dict[str, str]] | None:
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        found = route_regex(route.path).match(raw_path)
        if found:
            return route, found.groupdict()
    return None


def http_api_event(
    *,
    method: str,
    raw_path: str,
    route: HttpRoute | None = None,
    path_parameters: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    raw_query: str = "",
    body: bytes | str | None = None,
    source_ip: str = "127.0.0.1",
    host: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-format-2.0 event, as Lambda receives it."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    data = body.encode("utf-8") if isinstance(body, str) else body
    is_text = data is None or _is_text(headers.get("content-type", ""))
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value  # API Gateway joins repeats
    now = time.time()
    route_key = f"{route.method} {route.path}" if route else "$default"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split(".", maxsplit=1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if data is not None:
        event["body"] = data.decode("utf-8") if is_text else base64.b64encode(data).decode("ascii")
    return event


def _is_text(content_type: str) -> bool:
    ct = content_type.lower()
    return ct.startswith("text/") or "json" in ct or "x-www-form-urlencoded" in ct or "xml" in ct or not ct


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event for a batch of messages as returned by ``ReceiveMessage``."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Set a function's environment for the duration of one invocation."""
    import os

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_handler(stack: Stack, function: str) -> Callable[[dict[str, Any], Any], Any]:
    module_name, _, attr = stack.handler(function).rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def encode_path_param(value: str) -> str:
    return quote(value, safe="")
