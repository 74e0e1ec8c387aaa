import time

import pytest
from twilio.request_validator import RequestValidator

from consent_platform.domain.signatures import (
    SignatureError,
    twilio_signature,
    twilio_valid,
    verify_webhook,
    webhook_signature,
)

URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def test_matches_twilio_reference_implementation() -> None:
    for token in ("12345", "another token", "zażółć"):
        assert twilio_signature(token, URL, PARAMS) == RequestValidator(token).compute_signature(URL, PARAMS)


def test_twilio_valid_accepts_any_current_token() -> None:
    sig = twilio_signature("new", URL, PARAMS)
    assert twilio_valid(["old", "new"], URL, list(PARAMS.items()), sig)
    assert not twilio_valid(["old"], URL, list(PARAMS.items()), sig)
    assert not twilio_valid(["new"], URL, list(PARAMS.items()), None)
    assert not twilio_valid([""], URL, list(PARAMS.items()), twilio_signature("", URL, PARAMS))


def test_webhook_rotation_and_freshness() -> None:
    now = time.time()
    body = b'{"x": 1}'
    t = int(now)
    header = f"t={t},v1={webhook_signature('b', t, body)}"
    verify_webhook(["a", "b"], header, body, now)
    with pytest.raises(SignatureError, match="does not match"):
        verify_webhook(["a"], header, body, now)
    with pytest.raises(SignatureError, match="300"):
        verify_webhook(["b"], header, body, now + 301)
    verify_webhook(["b"], header, body, now + 299)
    with pytest.raises(SignatureError):
        verify_webhook(["b"], None, body, now)
    with pytest.raises(SignatureError):
        verify_webhook(["b"], f"t=abc,v1={webhook_signature('b', t, body)}", body, now)
