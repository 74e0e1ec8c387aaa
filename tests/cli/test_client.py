"""The HTTP client: URL building, SigV4 signing (and when), error mapping and exit codes."""

from __future__ import annotations

import re
import socket
import urllib.request
from typing import Any

import pytest

from tests.cli.conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN
from tests.cli.support import FakeApi, client, run_cli
from tests.cli.support import expected_signature as expected

PHONE = "+48501234567"
CONTACT = {"phone": PHONE, "profile": None, "subscriptions": [], "ledger": []}
AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[a-z0-9-]+)/execute-api/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:3000", True),
        ("http://localhost:3000", True),
        ("http://127.0.0.2:3000", True),
        ("http://[::1]:3000", True),
        ("https://abc123.execute-api.eu-west-1.amazonaws.com", False),
        ("http://10.0.0.5:3000", False),
        ("https://admin.example.com/prod", False),
    ],
)
def test_only_loopback_endpoints_are_local(url: str, local: bool) -> None:
    assert client.is_local(url) is local
    assert client.Client(url).signing is not local


def test_sign_and_no_sign_override_the_default() -> None:
    assert client.Client("http://127.0.0.1:3000", sign=True).signing
    assert not client.Client("https://abc.execute-api.us-east-1.amazonaws.com", sign=False).signing


def test_region_comes_from_the_flag_then_the_host_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    api_url = "https://abc123.execute-api.ap-southeast-2.amazonaws.com"
    assert client.resolve_region("eu-central-1", api_url) == "eu-central-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    assert client.resolve_region(None, api_url) == "ap-southeast-2"
    assert client.resolve_region(None, "https://admin.example.com") == "eu-west-3"
    monkeypatch.delenv("AWS_REGION")
    assert client.resolve_region(None, "https://admin.example.com") == "us-east-1"


def test_path_segments_are_percent_encoded() -> None:
    assert client.path("v1", "admin", "contacts", PHONE) == "/v1/admin/contacts/%2B48501234567"
    assert client.path("v1", "admin", "keywords", "kwiąty/x") == "/v1/admin/keywords/kwi%C4%85ty%2Fx"


def test_invalid_endpoint_is_a_usage_error() -> None:
    result = run_cli("--endpoint", "ftp://example.com", "stats", "demo")
    assert result.code == 2
    assert "invalid endpoint" in result.err


def test_localhost_requests_are_not_signed(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contacts/%2B48501234567", body=CONTACT)
    assert run_cli("--endpoint", api.url, "contact", "show", PHONE).code == 0
    [req] = api.requests
    assert req.target == "/v1/admin/contacts/%2B48501234567"  # '+' → %2B, not a space
    assert "authorization" not in req.headers
    assert "x-amz-date" not in req.headers


def test_sign_flag_signs_with_sigv4_for_execute_api(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/lists/demo/stats", body={"list_id": "demo", "days": [], "totals": {}})
    result = run_cli("--endpoint", api.url, "--sign", "--region", "eu-west-1", "stats", "demo", "--from", "2026-11-01")
    assert result.code == 0, result.err
    [req] = api.requests
    match = AUTH.match(req.headers["authorization"])
    assert match, req.headers["authorization"]
    assert (match["key"], match["region"]) == (ACCESS_KEY, "eu-west-1")
    assert {"host", "x-amz-date", "x-amz-security-token"} <= set(match["signed"].split(";"))
    assert req.headers["x-amz-security-token"] == SESSION_TOKEN
    assert req.query == {"from": "2026-11-01"}
    # What API Gateway recomputes from the request as it arrived: Host, encoded path, query and body.
    assert match["sig"] == expected(req, SECRET_KEY)


def test_signature_covers_the_encoded_path_and_the_body(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contacts/%2B48501234567", body=CONTACT)
    api.on("POST", "/v1/admin/campaigns", 201, {"campaign_id": "c1", "plan": []})
    assert run_cli("--endpoint", api.url, "--sign", "contact", "show", PHONE).code == 0
    assert (
        run_cli(
            "--endpoint", api.url, "--sign", "campaign", "create", "--list", "demo", "--name", "n", "--text", "t"
        ).code
        == 0
    )
    for req in api.requests:
        match = AUTH.match(req.headers["authorization"])
        assert match and match["region"] == "us-east-1"  # no flag, host or environment: the default
        assert match["sig"] == expected(req, SECRET_KEY)


def test_deployed_endpoints_are_signed_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    """An execute-api URL is signed for the region in its host name; nothing leaves the machine."""
    sent: list[urllib.request.Request] = []

    class Answer:
        status = 200

        def __init__(self) -> None:
            self.headers = {"content-type": "application/json"}

        def read(self) -> bytes:
            return b'{"list_id": "demo", "days": [], "totals": {}}'

        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

    def fake_urlopen(req: urllib.request.Request, timeout: float) -> Answer:
        sent.append(req)
        return Answer()

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    result = run_cli("--endpoint", "https://abc123.execute-api.eu-north-1.amazonaws.com/", "stats", "demo")
    assert result.code == 0, result.err
    [req] = sent
    assert req.full_url == "https://abc123.execute-api.eu-north-1.amazonaws.com/v1/admin/lists/demo/stats"
    headers = {k.lower(): v for k, v in req.header_items()}
    match = AUTH.match(headers["authorization"])
    assert match and match["region"] == "eu-north-1"
    assert headers["host"] == "abc123.execute-api.eu-north-1.amazonaws.com"


def test_signing_without_credentials_says_so(monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = run_cli("--endpoint", api.url, "--sign", "stats", "demo")
    assert result.code == 1
    assert "no AWS credentials" in result.err
    assert api.requests == []


def test_api_errors_exit_1_and_print_every_field(api: FakeApi) -> None:
    fields = {"text": "unknown placeholder {x}; available: first_name", "send_at": "must be in the future"}
    api.on(
        "POST",
        "/v1/admin/campaigns",
        422,
        {"error": {"code": "validation_error", "message": "invalid input", "fields": fields}},
    )
    result = run_cli("--endpoint", api.url, "campaign", "create", "--list", "demo", "--name", "n", "--text", "{x}")
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "error: HTTP 422 validation_error: invalid input",
        "  text: unknown placeholder {x}; available: first_name",
        "  send_at: must be in the future",
    ]


def test_gateway_refusals_are_readable_too(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/campaigns/c1", 403, {"message": "Forbidden"})
    result = run_cli("--endpoint", api.url, "campaign", "show", "c1")
    assert result.code == 1
    assert "HTTP 403 forbidden: Forbidden" in result.err
    assert "SigV4" in result.err
    api.on("GET", "/v1/admin/campaigns/c2", 502, "Bad Gateway")
    result = run_cli("--endpoint", api.url, "campaign", "show", "c2")
    assert (result.code, result.err.strip()) == (1, "error: HTTP 502 http_error: Bad Gateway")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_endpoint_exits_3_naming_the_url() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = run_cli("--endpoint", url, "campaign", "show", "c1")
    assert result.code == 3
    assert f"cannot reach {url}" in result.err
    assert "make run" in result.err


def test_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> None:
    api.on("GET", "/v1/admin/campaigns/c1", body={"campaign_id": "c1", "plan": []})
    monkeypatch.setenv("SMSADMIN_ENDPOINT", api.url + "/")
    assert run_cli("campaign", "show", "c1").code == 0
    assert [r.target for r in api.requests] == ["/v1/admin/campaigns/c1"]


def test_a_stage_path_in_the_endpoint_is_kept(api: FakeApi) -> None:
    api.on("GET", "/prod/v1/admin/campaigns/c1", body={"campaign_id": "c1", "plan": []})
    assert run_cli("--endpoint", api.url + "/prod", "campaign", "show", "c1").code == 0


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli().code == 2
    assert (
        run_cli("campaign", "create", "--list", "demo", "--name", "n", "--text", "t", "--at", "2026-11-27T18:00").code
        == 2
    )
    assert "needs an offset" in capsys.readouterr().err
    assert (
        run_cli(
            "campaign", "create", "--list", "d", "--name", "n", "--text", "t", "--at-local", "2026-11-27T18:00+01:00"
        ).code
        == 2
    )
    assert run_cli("campaign", "create", "--list", "d", "--name", "n", "--text", "t", "--segment-json", "[1]").code == 2
    assert run_cli("stats", "demo", "--from", "yesterday").code == 2
    assert run_cli("import", "x.csv").code == 2  # --list is required
    assert run_cli("contact", "show", "+1", "--sign", "--no-sign").code == 2


def test_help_everywhere_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        [],
        ["apply"],
        ["import"],
        ["campaign"],
        ["campaign", "create"],
        ["campaign", "show"],
        ["campaign", "cancel"],
        ["contact"],
        ["contact", "show"],
        ["stats"],
    ):
        assert run_cli(*argv, "--help").code == 0, argv
        assert "usage: smsadmin" in capsys.readouterr().out


def test_global_options_work_after_the_subcommand_too(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/campaigns/c1", body={"campaign_id": "c1", "plan": []})
    before = run_cli("--endpoint", api.url, "--json", "campaign", "show", "c1")
    after = run_cli("campaign", "show", "c1", "--endpoint", api.url, "--json")
    assert before.json() == after.json() == {"campaign_id": "c1", "plan": []}
