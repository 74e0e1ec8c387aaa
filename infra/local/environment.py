"""The process environment of the local stack: moto as the AWS endpoint, then the functions' variables.

Order matters. boto3 reads ``AWS_ENDPOINT_URL`` and credentials when a client is *created*, and
Powertools reads ``POWERTOOLS_*`` when a handler module is *imported*, so :func:`point_boto3_at` runs
before anything creates a client and :func:`merged_function_environment` is applied before any handler
is imported.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from .template import REGION, Stack

logger = logging.getLogger("infra.local")

# Variables that could send a request to a real AWS account or to another endpoint despite
# AWS_ENDPOINT_URL: a named profile (botocore then ignores the environment credentials), session
# tokens, and per-service endpoint overrides such as AWS_ENDPOINT_URL_DYNAMODB.
_UNSAFE_PREFIXES = ("AWS_ENDPOINT_URL_",)
_UNSAFE_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


class EnvironmentConflict(RuntimeError):
    """Two functions want different values for one variable; one shared process cannot honour both."""


class MotoServer(Protocol):
    def stop(self) -> None: ...


def start_moto(host: str = "127.0.0.1") -> tuple[MotoServer, str]:
    """Start moto's server in a thread on a free port: moto as installed, unless the environment opts in.

    * ``LOCAL_MOTO_KEEPALIVE=0``: moto's own ``ThreadedMotoServer`` instead of the keep-alive server
      (moto_server.py), which serves moto's WSGI app unchanged but reuses connections;
    * ``LOCAL_MOTO_SPEEDUPS=1``: moto_speedups.py, which *replaces* moto internals so that transactions,
      queries and receives do not slow down as tables and queues grow; only on the moto it was written for.
    """
    # werkzeug logs every AWS call at INFO; the handlers' own logs are what a developer wants to see.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if os.environ.get("LOCAL_MOTO_SPEEDUPS") == "1":
        _install_speedups()
    if os.environ.get("LOCAL_MOTO_KEEPALIVE") == "0":
        from moto.server import ThreadedMotoServer

        plain = ThreadedMotoServer(host, 0, verbose=False)
        plain.start()
        bound_host, port = plain.get_host_and_port()
        return plain, f"http://{bound_host}:{port}"
    from .moto_server import LocalMotoServer

    server = LocalMotoServer(host)
    server.start()
    return server, server.endpoint


def _install_speedups() -> None:
    try:
        from . import moto_speedups
    except ImportError as exc:  # moto moved what they replace: the stack runs on moto as installed
        logger.warning("LOCAL_MOTO_SPEEDUPS ignored: %s; moto runs as installed", exc)
        return
    problem = moto_speedups.unsupported()
    if problem:
        logger.warning("LOCAL_MOTO_SPEEDUPS ignored: %s; moto runs as installed", problem)
        return
    moto_speedups.install()
    logger.info("moto speed-ups installed (LOCAL_MOTO_SPEEDUPS=1)")


def point_boto3_at(endpoint: str) -> None:
    """Send every boto3 client in this process to ``endpoint`` with dummy credentials."""
    for name in list(os.environ):
        if name in _UNSAFE_VARIABLES or name.startswith(_UNSAFE_PREFIXES):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            # No shared config either: a developer's ~/.aws/config may set endpoint_url or a profile.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def local_overrides(outbox: Path) -> dict[str, str]:
    """What differs from AWS: SMS go to a file, no X-Ray daemon, plain JSON logs."""
    return {
        "SMS_PROVIDER": "local",
        "LOCAL_OUTBOX_PATH": str(outbox),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        # Keywords created with curl should match the very next text, not after a cache period.
        "CONFIG_CACHE_SECONDS": "0",
        # Forwarding (issue #20): e-mail to a file next to the outbox, and http://127.0.0.1 as a test receiver.
        "MAIL_PROVIDER": "local",
        "LOCAL_MAIL_PATH": str(outbox.with_name(outbox.stem + "-mail.jsonl")),
        "FORWARDING_ALLOW_LOOPBACK_HTTP": "true",
    }


def merged_function_environment(stack: Stack, overrides: dict[str, str]) -> dict[str, str]:
    """The union of every function's template environment, plus ``overrides``.

    All handlers share this one process and so one ``os.environ``; that is only faithful if no two
    functions disagree on a variable, which is checked here rather than silently last-one-wins.
    """
    merged: dict[str, str] = {}
    owner: dict[str, str] = {}
    for function in stack.functions():
        for key, value in stack.function_environment(function).items():
            if key in overrides:
                continue
            if key in merged and merged[key] != value:
                raise EnvironmentConflict(
                    f"{key} is {merged[key]!r} for {owner[key]} but {value!r} for {function}; "
                    "the local stack runs every function in one process and cannot give both"
                )
            merged[key], owner[key] = value, function
    return {**merged, **overrides}


def fresh_outbox(path: Path) -> None:
    """Start each run with an empty outbox so ``GET /dev/outbox`` shows only this run's messages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
