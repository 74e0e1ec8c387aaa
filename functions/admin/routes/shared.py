"""What every admin router shares: the function's logger, its repository and the path parameters."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Path

from consent_platform.adapters.repository import ConsentRepository
from consent_platform.settings import admin_settings

logger = Logger()

# Path parameters, with the examples the OpenAPI document shows (the local stack seeds list "demo" and
# keyword "DEMO"; the fuzz test's sign-up example creates the contact).
ListId = Annotated[str, Path(description="The list's id", examples=["demo"])]
KeywordInPath = Annotated[str, Path(description="The keyword (any case, accents ignored)", examples=["DEMO"])]
PhoneInPath = Annotated[
    str, Path(description="E.164 (URL-encode the +), or national with ?country=", examples=["+48501234567"])
]


@cache
def repository() -> ConsentRepository:
    settings = admin_settings()
    return ConsentRepository(settings.table_name, settings.ledger_table_name)
