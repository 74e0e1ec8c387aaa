"""An import body is bounded by what reaches Lambda once HTTP API has base64-encoded it (issue 13 §3):
Lambda's synchronous payload limit is 6 MB for the whole event, and base64 grows a body by 4/3."""

from __future__ import annotations

import base64
import json

from admin.app import IMPORT_MAX_BODY
from infra.local.lambda_runtime import http_api_event
from tests.integration.conftest import LocalAws

LAMBDA_SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024  # bytes, the serialized event included
ROW = json.dumps({"phone": "+447400123460", "evidence": "order-1"}) + "\n"


def ndjson_of(size: int) -> bytes:
    body = (ROW * (size // len(ROW) + 1)).encode()[:size]
    return body[: body.rfind(b"\n") + 1] + b" " * (size - body.rfind(b"\n") - 1)


def test_the_largest_import_still_fits_lambdas_payload_once_base64_encoded() -> None:
    headers = {"content-type": "application/x-ndjson", "user-agent": "x" * 2048, "x-amz-date": "20261129T000000Z"}
    event = http_api_event(
        method="POST", raw_path="/v1/admin/lists/demo/import", headers=headers, body=ndjson_of(IMPORT_MAX_BODY)
    )
    # Worst case: HTTP API may treat application/x-ndjson (or text/csv) as binary and base64-encode it.
    event["body"], event["isBase64Encoded"] = base64.b64encode(ndjson_of(IMPORT_MAX_BODY)).decode(), True
    assert len(json.dumps(event).encode()) <= LAMBDA_SYNC_PAYLOAD_LIMIT


def test_an_import_over_the_limit_is_413_naming_it(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http(
        "POST",
        "/v1/admin/lists/demo/import",
        raw=ndjson_of(IMPORT_MAX_BODY + 1),
        headers={"content-type": "application/x-ndjson"},
    )
    assert reply.status == 413, reply.body
    assert reply.body["error"]["code"] == "payload_too_large"
    assert str(IMPORT_MAX_BODY) in reply.body["error"]["message"] and "s3_key" in reply.body["error"]["message"]
