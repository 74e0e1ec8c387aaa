"""Forwarding rules (issue #20): URL checks (SSRF), e-mail, the loop check, and the signed POST."""

from __future__ import annotations

import json

import pytest

from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.forwarding import (
    ForwardingRule,
    check_email,
    check_not_platform,
    check_url,
    signed_request,
    url_problem,
)
from consent_platform.domain.signatures import SignatureError, verify_webhook

JOB = {
    "provider": "eum",
    "message_id": "m-1",
    "from": "+48501234567",
    "to": "+48500000000",
    "body": "Czy macie róże na jutro?",
    "received_at": "2030-01-01T10:00:00.000000Z",
    "handled_as": "unmatched",
}


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/sms",
        "https://crm.example.com:8443/hooks/sms?brand=1",
        "https://93.184.216.34/sms",
    ],
)
def test_public_https_urls_are_accepted(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://crm.example.com/sms", "https"),
        ("https://user:pass@crm.example.com/", "credentials"),
        ("https://crm.example.com@evil.example/", "credentials"),
        ("https://127.0.0.1/", "private"),
        ("https://localhost/", "local"),
        ("https://api.localhost/", "local"),
        ("https://169.254.169.254/latest/meta-data/", "private"),
        ("https://[::1]/", "private"),
        ("https://[::ffff:127.0.0.1]/", "private"),
        ("https://[fd00::1]/", "private"),
        ("https://10.0.0.5/", "private"),
        ("https://192.168.1.1/", "private"),
        ("https://172.16.0.1/", "private"),
        ("https://100.64.0.1/", "private"),
        ("https://0.0.0.0/", "private"),
        ("https://2130706433/", "private"),  # 127.0.0.1 as one decimal number
        ("https://0x7f.1/", "private"),  # and in inet_aton's hex form
        ("https://017700000001/", "private"),  # octal
        ("https://metadata.google.internal/", "local"),
        ("https://intranet/", "public host"),
        ("https://crm.example.com:22/", "port"),
        ("https://crm.example.com/\r\nX-Injected: 1", "plain"),
        ("ftp://crm.example.com/", "https"),
        ("https:///path-only", "host"),
    ],
)
def test_ssrf_and_unsafe_urls_are_refused_naming_the_field(url: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_url(url)
    assert "url" in refused.value.fields
    assert reason in refused.value.fields["url"]


def test_plain_http_to_loopback_only_when_the_local_stack_allows_it() -> None:
    assert url_problem("http://127.0.0.1:3000/dev/forwarded", allow_loopback_http=True) is None
    assert url_problem("http://127.0.0.1:3000/dev/forwarded") is not None
    assert url_problem("http://10.0.0.1/", allow_loopback_http=True) is not None  # loopback only
    assert url_problem("http://crm.example.com/", allow_loopback_http=True) is not None


@pytest.mark.parametrize(
    "email", ["a b@example.com", "no-at.example.com", "x@localhost", "x@example.com\r\nBcc: y@z.pl"]
)
def test_bad_email_is_refused(email: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_email(email)
    assert "email" in refused.value.fields


def test_platform_numbers_are_refused_as_a_loop_in_any_spelling() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_not_platform("+48500000000", {"48500000000", "4301"})
    assert "phone" in refused.value.fields
    check_not_platform("+48501234567", {"+48500000000"})


def test_which_unmatched_forwards_only_what_no_rule_handled() -> None:
    rule = ForwardingRule(number="+48500000000", url="https://x.example/", which="unmatched")
    assert rule.applies("unmatched") and not rule.applies("stop") and not rule.applies("keyword:DEMO")
    assert ForwardingRule(number="1", which="all").applies("stop")


def test_the_signed_post_passes_the_inbound_webhook_verifier() -> None:
    body, headers = signed_request(JOB, False, ["brand-secret"], 1_900_000_000)
    verify_webhook(["brand-secret"], headers["X-Signature"], body, 1_900_000_010)
    with pytest.raises(SignatureError):
        verify_webhook(["other-secret"], headers["X-Signature"], body, 1_900_000_010)
    with pytest.raises(SignatureError):  # timestamped: a replay an hour later is refused
        verify_webhook(["brand-secret"], headers["X-Signature"], body, 1_900_003_600)
    data = json.loads(body)
    assert data["from"] == "+48501234567" and data["body"] == JOB["body"] and data["handled_as"] == "unmatched"


def test_every_active_secret_signs_during_a_rotation() -> None:
    body, headers = signed_request(JOB, False, ["new", "old"], 1_900_000_000)
    verify_webhook(["old"], headers["X-Signature"], body, 1_900_000_000)
    verify_webhook(["new"], headers["X-Signature"], body, 1_900_000_000)


def test_mask_sender_hides_all_but_the_last_four_digits() -> None:
    body, _ = signed_request(JOB, True, ["s"], 1_900_000_000)
    assert json.loads(body)["from"] == "+*******4567"


def test_a_hostile_body_stays_data_never_a_header() -> None:
    hostile = {**JOB, "body": 'x\r\nX-Signature: t=1,v1=00\r\n\r\n{"from":"+1"}', "message_id": "m\r\nX-Evil: 1"}
    body, headers = signed_request(hostile, False, ["s"], 1_900_000_000)
    assert all("\r" not in v and "\n" not in v for v in headers.values())
    assert "X-Evil" not in "".join(headers) and json.loads(body)["body"] == hostile["body"]
    assert set(headers) == {"Content-Type", "User-Agent", "X-Signature", "X-Message-Id"}
