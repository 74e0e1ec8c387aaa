"""What every admin router shares: the function's logger and the path parameters (the stores and the
services come from ``consent_platform.bootstrap``)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Path

logger = Logger()

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
