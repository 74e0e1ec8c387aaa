"""Shared by the forwarding tests (integration, reliability, security): the secret in SSM, a verified SES
identity, the HTTP call patched at the adapter, and a rule on the demo list's number."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from consent_platform import bootstrap
from consent_platform.adapters.forwarding import DeliveryFailed, HttpPoster
from tests.integration.conftest import LocalAws

SECRET = "brand-forwarding-secret"
MAIL_FROM = "forward@shop.example"
NUMBER = "+48500000000"  # the demo list's origination: texts to it are the brand's replies


@dataclass
class Receiver:
    """Stands in for the brand's HTTPS endpoint: records each POST and answers ``statuses`` in turn."""

    statuses: list[int] = field(default_factory=list)
    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.posts.append((url, body, headers))
        status = self.statuses.pop(0) if self.statuses else 200
        if status < 0:
            raise DeliveryFailed("timed out")
        return status

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, _ in self.posts]


def wire(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    boto3.client("ssm").put_parameter(
        Name=aws.stack.function_environment("ForwarderFunction")["FORWARDING_SECRET_PARAMETER"],
        Value=SECRET,
        Type="SecureString",
        Overwrite=True,
    )
    boto3.client("sesv2").create_email_identity(EmailIdentity=MAIL_FROM)
    monkeypatch.setenv("FORWARDING_MAIL_FROM", MAIL_FROM)
    bootstrap.reset()
    receiver = Receiver()
    monkeypatch.setattr(HttpPoster, "post", lambda _self, url, body, headers: receiver.post(url, body, headers))
    return receiver


def forward(aws: LocalAws) -> dict[str, Any]:
    return aws.drain("ForwarderFunction", "ForwardingQueue")


def set_rule(aws: LocalAws, **rule: Any) -> None:
    reply = aws.http("PUT", f"/v1/admin/numbers/{NUMBER}/forwarding", rule)
    assert reply.status == 200, reply.body
