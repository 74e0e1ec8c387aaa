"""``make run``: moto, the template's tables and queues, the handlers behind HTTP and SQS, a demo list.

Start-up order is dictated by when libraries read their configuration (see ``environment.py``):
moto → boto3 environment → provision from template.yaml → function environment → import handlers →
bind HTTP → event sources (sources/: routes, pollers, schedules) → seed → serve.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from consent_platform.domain.clock import advance_to, utc_now
from infra.openapi import generate as generate_document

from .apidocs import api_doc_routes
from .banner import banner
from .devroutes import local_routes
from .environment import (
    fresh_outbox,
    local_overrides,
    merged_function_environment,
    point_boto3_at,
    start_moto,
)
from .forwarded import forwarded_routes
from .gateway import Gateway
from .invoker import Invoker
from .seed import LOCAL_TWILIO_ACCOUNT_SID, seed_demo_keyword, seed_demo_list, seed_secrets
from .server import LocalHttpServer
from .signals import StopSignal
from .sources import Runtime, start_all
from .static import gateway_list_fetcher, web_routes
from .template import ROOT, Stack, provision

logger = logging.getLogger("infra.local")

SOURCE_JOIN_SECONDS = 5.0


class StartupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    outbox: Path
    # LOCAL_CLOCK_START: the stack's clock starts at this instant instead of now (never earlier: the clock
    # only moves forward). CI runs the clock-driven e2e tests with it a year ahead, so a test or example
    # that hard-codes a date fails the day that date is written, not the day it passes.
    clock_start: datetime | None = None

    @classmethod
    def from_env(cls) -> Options:
        raw_port = os.environ.get("PORT", "3000")
        try:
            port = int(raw_port)
        except ValueError:
            raise StartupError(f"PORT must be a number, got {raw_port!r}") from None
        return cls(
            host=os.environ.get("HOST", "127.0.0.1"),
            port=port,
            clock_start=_clock_start(os.environ.get("LOCAL_CLOCK_START", "")),
            # One outbox per port: a `make run` and the test suite's stacks (or two stacks) never share
            # (and never empty) each other's outbox.
            outbox=ROOT / ".local" / ("outbox.jsonl" if port == 3000 else f"outbox-{port}.jsonl"),
        )


def _clock_start(raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        start = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise StartupError(f"LOCAL_CLOCK_START must be ISO 8601 with an offset or Z, got {raw!r}") from None
    if start.tzinfo is None:
        raise StartupError(f"LOCAL_CLOCK_START needs an offset or Z, got {raw!r}")
    if start < utc_now():
        raise StartupError(f"LOCAL_CLOCK_START {raw!r} is in the past: the local clock only moves forward")
    return start


@dataclass(frozen=True)
class Running:
    stack: Stack
    url: str  # as configured: http://HOST:PORT
    curl_url: str  # an address a client can connect to (loopback when HOST is a wildcard)
    moto_endpoint: str


def main(stop: StopSignal) -> int:
    _configure_logging()
    try:
        options = Options.from_env()
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # ExitStack unwinds in reverse: the event sources' threads stop first (they call moto), then HTTP, then moto.
    with ExitStack() as cleanup:
        try:
            running = _start(options, cleanup)
        except Exception as exc:
            print(f"error: the local stack did not start: {exc}", file=sys.stderr, flush=True)
            return 1
        if not stop.requested():  # a Ctrl-C during start-up: go straight to shutting down
            print(banner(running.stack, running.curl_url, running.moto_endpoint, options.outbox, utc_now()), flush=True)
            print(f"Local stack ready on {running.url}", flush=True)
            stop.wait()
    print("stopped", file=sys.stderr, flush=True)
    return 0


def _start(options: Options, cleanup: ExitStack) -> Running:
    if options.clock_start is not None:
        advance_to(options.clock_start)
    moto, endpoint = start_moto()
    cleanup.callback(moto.stop)
    point_boto3_at(endpoint)

    # Like `sam deploy --parameter-overrides`: LOCAL_PARAMETER_OVERRIDES="Key=Value Key2=Value2".
    stack = provision(parameter_overrides(os.environ.get("LOCAL_PARAMETER_OVERRIDES", "")))
    fresh_outbox(options.outbox)
    if options.outbox.name != "outbox.jsonl":  # a per-port outbox (tests, a second stack) goes with its stack
        cleanup.callback(options.outbox.unlink, missing_ok=True)
    os.environ.update(merged_function_environment(stack, local_overrides(options.outbox)))

    invoker = Invoker(stack)
    invoker.load_all()
    routes = local_routes(options.outbox, stack)
    routes.update(api_doc_routes(generate_document()))
    routes.update(forwarded_routes())  # issue #20: the forwarding test receiver
    gateway = Gateway([], invoker.invoke, routes)  # the HTTP API source adds the template's routes
    # The sign-up form renders with its list's data, which it asks the gateway for like any client.
    gateway.local_routes.update(web_routes(gateway_list_fetcher(gateway.handle)))

    try:
        server = LocalHttpServer((options.host, options.port), gateway)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {options.host}:{options.port} ({exc.strerror}); set PORT (and HOST) to a free address"
        ) from None
    cleanup.callback(server.stop)
    # The Twilio route needs the URL Twilio calls (it signs it) and the account it accepts: locally, this
    # server and a published dummy account, unless LOCAL_PARAMETER_OVERRIDES set them.
    connect = options.host if options.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    os.environ["PUBLIC_BASE_URL"] = os.environ.get("PUBLIC_BASE_URL") or _url(connect, server.server_address[1])
    os.environ["TWILIO_ACCOUNT_SID"] = os.environ.get("TWILIO_ACCOUNT_SID") or LOCAL_TWILIO_ACCOUNT_SID

    source_stop = threading.Event()
    threads = start_all(Runtime(stack, invoker, gateway, source_stop))

    def stop_sources() -> None:
        source_stop.set()
        for thread in threads:
            thread.join(SOURCE_JOIN_SECONDS)

    cleanup.callback(stop_sources)
    seed_secrets()
    seed_demo_list(gateway)
    seed_demo_keyword(gateway)
    server.start()

    port = server.server_address[1]
    # 0.0.0.0 / :: are fine to listen on but not to connect to: the curl lines use loopback.
    connect_host = options.host if options.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return Running(stack, _url(options.host, port), _url(connect_host, port), endpoint)


def parameter_overrides(text: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in text.split() if "=" in item]
    return {key: value for key, value in pairs}


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _configure_logging() -> None:
    # The handlers log JSON to stdout through Powertools; the stack's own lines go to stderr.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("infra.local").setLevel(logging.INFO)
