"""Fixtures for the smsadmin CLI tests: a fake API per test, fixed AWS credentials, the real local stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.support import FakeApi, serve
from tests.e2e.conftest import local_stack  # noqa: F401 (the same subprocess fixture as tests/e2e)

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "session-token-example"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Known credentials and no region, profile or endpoint from the machine running the tests."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "SMSADMIN_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with serve(FakeApi()) as fake:
        yield fake
