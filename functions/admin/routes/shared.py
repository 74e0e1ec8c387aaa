"""What every admin router shares: the function's logger and the path parameters (the stores and the
services come from ``consent_platform.bootstrap``)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Path

logger = Logger()

# Lambda's synchronous invocation payload limit is 6 MB (6,291,456 bytes) for the whole event, and HTTP API
# base64-encodes a body whose content type is not text (application/x-ndjson, text/csv may be), which grows it
# by 4/3. What always fits: (6 MiB - 64 KiB for the envelope: headers, request context) * 3/4 = 4,669,440
# bytes. A larger body would fail the invocation itself (API Gateway's bare 500), so it gets a 413 naming the
# limit (admin/app.py), and larger files go through the import bucket ({"s3_key": ...}).
LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
EVENT_ENVELOPE = 64 * 1024
IMPORT_MAX_BODY = (LAMBDA_PAYLOAD_LIMIT - EVENT_ENVELOPE) // 4 * 3
IMPORT_HINT = '; upload larger files to the import bucket and send {"s3_key": "..."}'

# Path parameters, with the examples the OpenAPI document shows (the local stack seeds list "demo" and
# keyword "DEMO"; the fuzz test's sign-up example creates the contact).
ListId = Annotated[str, Path(description="The list's id", examples=["demo"])]
KeywordInPath = Annotated[str, Path(description="The keyword (any case, accents ignored)", examples=["DEMO"])]
PhoneInPath = Annotated[
    str, Path(description="E.164 (URL-encode the +), or national with ?country=", examples=["+48501234567"])
]

# Listing query parameters (``consent_platform.domain.paging`` checks both: one message for every listing).
Limit = int
Cursor = str
