"""Admin API (IAM-authorised when deployed): lists and contacts (proof of consent)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform.adapters.repository import ConsentRepository
from consent_platform.domain.clock import utc_now
from consent_platform.domain.errors import NotFound
from consent_platform.domain.keywords import KeywordConfig
from consent_platform.domain.lists import ListConfig
from consent_platform.domain.phone import normalize_phone
from consent_platform.http import json_response, register_error_handlers, reject_oversized
from consent_platform.services import keywords, lists
from consent_platform.settings import admin_settings

logger = Logger()
app = APIGatewayHttpResolver(enable_validation=True)
register_error_handlers(app, logger)

MAX_BODY = 64 * 1024


@cache
def repository() -> ConsentRepository:
    settings = admin_settings()
    return ConsentRepository(settings.table_name, settings.ledger_table_name)


@app.put("/v1/admin/lists/<list_id>")
def put_list(list_id: Annotated[str, Path()], config: Annotated[ListConfig, Body()]) -> Response[str]:
    stored, created = lists.put_list(repository(), list_id, config, utc_now())
    logger.info("list stored", extra={"list_id": list_id, "new_list": created})
    return json_response(201 if created else 200, stored.public_view())


@app.get("/v1/admin/lists/<list_id>")
def get_list(list_id: Annotated[str, Path()]) -> Response[str]:
    return json_response(200, lists.get_list(repository(), list_id).public_view())


@app.get("/v1/admin/contacts/<phone>")
def get_contact(phone: Annotated[str, Path()], country: Annotated[str | None, Query()] = None) -> Response[str]:
    number = normalize_phone(unquote(phone), country)
    profile, subscriptions, ledger = repository().get_contact(number.e164)
    if profile is None and not subscriptions and not ledger:
        raise NotFound("no such contact", {"phone": "unknown number"})
    return json_response(
        200,
        {
            "phone": number.e164,
            "profile": profile.model_dump(mode="json", exclude={"confirm_sent", "version"}) if profile else None,
            "subscriptions": [s.model_dump(mode="json", exclude={"expected_message_id"}) for s in subscriptions],
            "ledger": [e.model_dump(mode="json", exclude_none=True) for e in ledger],
        },
    )


@app.put("/v1/admin/keywords/<keyword>")
def put_keyword(keyword: Annotated[str, Path()], config: Annotated[KeywordConfig, Body()]) -> Response[str]:
    stored, created = keywords.put_keyword(repository(), unquote(keyword), config, utc_now())
    logger.info("keyword stored", extra={"keyword": stored.keyword, "new_keyword": created})
    return json_response(201 if created else 200, stored.model_dump(mode="json"))


@app.get("/v1/admin/keywords/<keyword>")
def get_keyword(keyword: Annotated[str, Path()]) -> Response[str]:
    return json_response(200, keywords.get_keyword(repository(), unquote(keyword)))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return reject_oversized(event, MAX_BODY) or app.resolve(event, context)
