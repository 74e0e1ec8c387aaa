"""``make run``: moto, the template's tables and queues, the handlers behind HTTP and SQS, a demo list.

Start-up order is dictated by when libraries read their configuration (see ``environment.py``):
moto → boto3 environment → provision from template.yaml → function environment → import handlers →
bind HTTP → seed → pollers → serve.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from infra.openapi import generate as generate_document

from .apidocs import api_doc_routes
from .devroutes import local_routes
from .environment import (
    fresh_outbox,
    local_overrides,
    merged_function_environment,
    point_boto3_at,
    start_moto,
)
from .gateway import Gateway
from .invoker import Invoker
from .pollers import start_pollers
from .schedules import LocalScheduler
from .seed import (
    DEMO_KEYWORD,
    DEMO_LIST_ID,
    DEMO_NUMBER,
    LOCAL_TWILIO_TOKEN,
    LOCAL_WEBHOOK_SECRET,
    seed_demo_keyword,
    seed_demo_list,
    seed_secrets,
)
from .server import LocalHttpServer
from .signals import StopSignal
from .static import gateway_list_fetcher, web_routes
from .template import ROOT, Stack, provision

logger = logging.getLogger("infra.local")

POLLER_JOIN_SECONDS = 5.0


class StartupError(RuntimeError):
    pass


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    outbox: Path

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
            # One outbox per port: a `make run` and the test suite's stacks (or two stacks) never share
            # (and never empty) each other's outbox.
            outbox=ROOT / ".local" / ("outbox.jsonl" if port == 3000 else f"outbox-{port}.jsonl"),
        )


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
    # ExitStack unwinds in reverse: pollers stop first (they call moto), then HTTP, then moto.
    with ExitStack() as cleanup:
        try:
            running = _start(options, cleanup)
        except Exception as exc:
            print(f"error: the local stack did not start: {exc}", file=sys.stderr, flush=True)
            return 1
        if not stop.requested():  # a Ctrl-C during start-up: go straight to shutting down
            print(_banner(running, options.outbox), flush=True)
            print(f"Local stack ready on {running.url}", flush=True)
            stop.wait()
    print("stopped", file=sys.stderr, flush=True)
    return 0


def _start(options: Options, cleanup: ExitStack) -> Running:
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
    local_scheduler = LocalScheduler(stack, invoker)
    routes = local_routes(options.outbox, stack)
    routes[("POST", "/dev/clock")] = local_scheduler.handle_clock
    routes.update(api_doc_routes(generate_document()))
    gateway = Gateway(stack.http_routes(), invoker.invoke, routes)
    # The sign-up form renders with its list's data, which it asks the gateway for like any client.
    gateway.local_routes.update(web_routes(gateway_list_fetcher(gateway.handle)))

    try:
        server = LocalHttpServer((options.host, options.port), gateway)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {options.host}:{options.port} ({exc.strerror}); set PORT (and HOST) to a free address"
        ) from None
    cleanup.callback(server.stop)

    seed_secrets()
    seed_demo_list(gateway)
    seed_demo_keyword(gateway)

    poller_stop = threading.Event()
    pollers = start_pollers(stack, invoker, poller_stop)
    periodic = local_scheduler.start_periodic(poller_stop)

    def stop_pollers() -> None:
        poller_stop.set()
        for poller in pollers:
            poller.join(POLLER_JOIN_SECONDS)
        for thread in periodic:
            thread.join(POLLER_JOIN_SECONDS)

    cleanup.callback(stop_pollers)
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


def _banner(running: Running, outbox: Path) -> str:
    stack, url = running.stack, running.curl_url
    lines = [
        "",
        f"SMS consent platform — local stack (AWS APIs served by moto at {running.moto_endpoint}; no AWS account)",
        "",
        "Pages:",
        f"  {url}/            sign-up form, web/index.html (?list=<list_id>; embed it in an <iframe>)",
        f"  {url}/dev/phone   dev phone: the texts a number got; reply TAK, HELP, STOP (local only)",
        f"  {url}/docs        Swagger UI of the API ({url}/openapi.json: the OpenAPI document of the running code)",
        "",
        "Routes from template.yaml:",
    ]
    for route in stack.http_routes():
        note = f"  [{route.authorizer} in AWS — open locally]" if route.authorizer else ""
        lines.append(f"  {route.method:<7} {route.path:<32} → {route.function}{note}")
    lines += [
        f'  {"GET":<7} {"/dev/outbox?phone=…":<32} → SMS "sent" this run (local only)',
        f"  {'POST':<7} {'/dev/inbound':<32} → a phone texts us: End User Messaging JSON via SNS (local only)",
        f"  {'POST':<7} {'/dev/clock':<32} → move the local clock forward, fire due schedules (local only)",
        f"  {'POST':<7} {'/dev/events':<32} → put a shop event (Cart.Abandoned, Customer.*) on the bus (local only)",
        f"  {'GET':<7} {'/healthz':<32} → local only",
        "",
        "Queues:",
        *(f"  {s.queue} → {s.function} (batch {s.batch_size})" for s in stack.sqs_sources()),
        "",
        f"SMS go to {outbox} (emptied at every start).",
        f"List {DEMO_LIST_ID!r} is seeded (double opt-in, Polish, PL + US);",
        f"keyword {DEMO_KEYWORD} on {DEMO_NUMBER} joins it.",
        f"Webhook secrets (local only): Twilio auth token {LOCAL_TWILIO_TOKEN!r},",
        f"HMAC secret {LOCAL_WEBHOOK_SECRET!r}.",
        "Note: the admin API needs IAM (SigV4) auth in AWS; locally it is open to anyone who can reach it.",
        "",
        "Try:",
        f"  curl -s -X POST {url}/v1/optin -d phone=501234567 -d list_id=demo -d sms_consent=on",
        f"  curl -s '{url}/dev/outbox?phone=%2B48501234567'",
        f"  curl -s {url}/v1/admin/contacts/%2B48501234567",
        f"  curl -s -X POST {url}/dev/inbound -d '{_text('+48501234567', 'TAK')}'",
        f"  curl -s -X POST {url}/dev/inbound -d '{_text('+48601234567', DEMO_KEYWORD)}'",
        f"  curl -s -X PUT {url}/v1/admin/lists/shop -H 'content-type: application/json' -d "
        """'{"brand": "Shop", "opt_in": "double", "default_country": "US", "allowed_countries": ["US", "PL"], """
        """"frequency": "up to 4 msgs/month", "support": "help@shop.example", """
        """"terms_url": "https://shop.example/terms", "privacy_url": "https://shop.example/privacy", """
        """"consent_text": {"version": "1", """
        """"text": "I agree to receive marketing SMS from Shop. Reply STOP to opt out."}}'""",
        "",
        "Campaign in each recipient's local time (needs active subscribers: confirm with TAK first):",
        f"  curl -s -X POST {url}/v1/admin/campaigns -H 'content-type: application/json' -d "
        """'{"list_id": "demo", "name": "Black Friday", "text": "Hi {first_name|there}, -20% today only!", """
        """"send_at_local": "2026-11-27T18:00"}'""",
        f"""  curl -s -X POST {url}/dev/clock -d '{{"now": "2026-11-27T17:00:00Z"}}'   # 18:00 in Warsaw""",
        "",
        "Ctrl-C stops it.",
    ]
    return "\n".join(lines)


def _text(sender: str, body: str) -> str:
    return json.dumps({"from": sender, "to": DEMO_NUMBER, "body": body})


def _configure_logging() -> None:
    # The handlers log JSON to stdout through Powertools; the stack's own lines go to stderr.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("infra.local").setLevel(logging.INFO)
