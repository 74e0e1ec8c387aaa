"""A moto-backed stack for tests that are not pytest functions (hypothesis state machines, soaks).

Same set-up as the integration ``aws`` fixture, as a context manager with its own MonkeyPatch.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from consent_platform.adapters.aws import reset_clients
from infra.local.template import provision
from tests.integration.conftest import (
    TWILIO_TOKEN,
    WEBHOOK_SECRETS,
    Clock,
    LocalAws,
    _reset_cached_settings,
    configure_fixture_rates,
)


@contextmanager
def moto_stack() -> Iterator[tuple[LocalAws, Clock]]:
    patch = pytest.MonkeyPatch()
    with tempfile.TemporaryDirectory() as tmp, mock_aws():
        try:
            reset_clients()
            patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
            stack = provision({"SmsProvider": "sns"})
            env: dict[str, str] = {}
            for function in stack.functions():
                env.update(stack.function_environment(function))
            env["LOCAL_OUTBOX_PATH"] = str(Path(tmp) / "outbox.jsonl")
            env["CONFIG_CACHE_SECONDS"] = "0"
            ssm = boto3.client("ssm")
            ssm.put_parameter(Name=env["TWILIO_AUTH_TOKEN_PARAMETER"], Value=TWILIO_TOKEN, Type="SecureString")
            ssm.put_parameter(
                Name=env["WEBHOOK_SECRET_PARAMETER"], Value=",".join(WEBHOOK_SECRETS), Type="SecureString"
            )
            for key, value in env.items():
                patch.setenv(key, value)
            _reset_cached_settings()
            from consent_platform.services.optin import OptInService

            patch.setattr(OptInService, "GUARD_DELAY_SECONDS", 0)
            # Likewise a throttled send is put back with a delay (services/sender.py); tests settle at once.
            from consent_platform.services import sender

            patch.setattr(sender, "THROTTLED_DELAY_S", 0)
            configure_fixture_rates()
            yield LocalAws(stack), Clock(patch)
        finally:
            _reset_cached_settings()
            reset_clients()
            patch.undo()
