"""Lazily created, cached boto3 clients with one retry policy for the whole code base."""

from __future__ import annotations

from functools import cache
from typing import Any

# Every function calls AWS in every invocation, so boto3 loads with the module (part of each cold
# start), never on the first request. The clients themselves are created on first use.
import boto3
from botocore.config import Config

# botocore's "standard" retry mode backs off exponentially with jitter on throttling and transient
# errors (ThrottlingException, ProvisionedThroughputExceeded, 5xx) — no hand-written retry loops.
_RETRIES: Any = {"mode": "standard", "max_attempts": 5}


@cache
def client(service: str) -> Any:
    session: Any = boto3.session.Session()  # one session per client: boto3 sessions are not thread-safe
    return session.client(service, config=Config(retries=_RETRIES, connect_timeout=3, read_timeout=10))


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials between runs)."""
    client.cache_clear()
