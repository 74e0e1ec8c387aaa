"""The SMS provider's send call is never repeated after the provider may have accepted it.

A scripted HTTP endpoint plays End User Messaging: botocore's own retries (5 attempts for the other
clients) would repeat a 5xx — the provider may have accepted the message before failing — and send it
twice; the send makes one attempt there and retries only throttling, which proves nothing was accepted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError

from consent_platform.adapters.aws import reset_clients
from consent_platform.adapters.sms import SEND_ATTEMPTS, EndUserMessagingProvider
from consent_platform.domain.messages import OutboundMessage


class Script:
    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.calls = 0


@pytest.fixture
def eum(monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            script.calls += 1
            status, body = script.answers.pop(0) if script.answers else (200, {"MessageId": "eum-1"})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/x-amz-json-1.0")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    reset_clients()
    try:
        yield script
    finally:
        server.shutdown()
        reset_clients()


def message() -> OutboundMessage:
    return OutboundMessage(
        message_id="m-1",
        to="+48501234567",
        body="Hi",
        kind="marketing",
        list_id="demo",
        message_type="PROMOTIONAL",
        encoding="GSM-7",
        segments=1,
        created_at="2026-11-22T12:00:00Z",
    )


def test_a_5xx_is_not_retried_the_provider_may_have_accepted(eum: Script) -> None:
    eum.answers = [(500, {"__type": "InternalServerException", "Message": "boom"})] * 5
    with pytest.raises(ClientError):
        EndUserMessagingProvider().send(message())
    assert eum.calls == 1  # botocore's standard mode alone (max_attempts 5) would have made 6


def test_throttling_is_retried_because_nothing_was_accepted(eum: Script) -> None:
    throttled = (400, {"__type": "ThrottlingException", "Message": "slow down"})
    eum.answers = [throttled, throttled]
    assert EndUserMessagingProvider().send(message()) == "eum-1"
    assert eum.calls == 3


def test_throttling_that_persists_goes_back_to_the_queue(eum: Script) -> None:
    eum.answers = [(400, {"__type": "ThrottlingException", "Message": "slow down"})] * 10
    with pytest.raises(ClientError):
        EndUserMessagingProvider().send(message())
    assert eum.calls == SEND_ATTEMPTS
