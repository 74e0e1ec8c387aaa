"""Lazily created, cached boto3 clients with one retry policy for the whole code base."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

# Every function calls AWS in every invocation, so boto3 loads with the module (part of each cold
# start), never on the first request. The clients themselves are created on first use.
import boto3
from botocore.config import Config

# botocore's "standard" retry mode backs off exponentially with jitter on throttling and transient
# errors (ThrottlingException, ProvisionedThroughputExceeded, 5xx) — no hand-written retry loops.
_RETRIES: Any = {"mode": "standard", "max_attempts": 5}
# Except for the SMS provider's send calls (SendTextMessage, SNS Publish): they carry no idempotency
# token, and botocore retries a read timeout or a 5xx — after which the provider may already have
# accepted the message — so a retry could send it twice. Their client makes one attempt; the SMS
# adapter retries only failures that prove nothing was accepted (adapters/provider_errors.py).
_ONE_ATTEMPT: Any = {"mode": "standard", "total_max_attempts": 1}  # ("max_attempts" counts retries)


_lock = threading.Lock()
_session: Any = None


@cache
def client(service: str) -> Any:
    """One client per service from one session. A new session per client would re-read botocore's
    endpoint and service JSON every time (~0.1-0.2 s of a cold start per client); creating clients from
    a shared session is not thread-safe, hence the lock (using the clients is)."""
    return _new_client(service, _RETRIES)


# Every client's timeouts (seconds): the longest one call can take, which the sender's deadline guard
# keeps in hand (functions/sender/app.py).
CONNECT_TIMEOUT_S = 3
READ_TIMEOUT_S = 10


@cache
def provider_client(service: str) -> Any:
    """The client of the SMS provider's send call: one attempt per call (see ``_ONE_ATTEMPT``)."""
    return _new_client(service, _ONE_ATTEMPT)


def _new_client(service: str, retries: Any) -> Any:
    global _session  # noqa: PLW0603 - the process-wide session is the point
    with _lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session.client(
            service, config=Config(retries=retries, connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S)
        )


def reset_clients() -> None:
    """Forget cached clients and the session (tests switch endpoints and credentials between runs)."""
    global _session  # noqa: PLW0603
    with _lock:
        client.cache_clear()
        provider_client.cache_clear()
        _session = None
