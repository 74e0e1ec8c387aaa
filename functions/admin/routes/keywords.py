"""``/v1/admin/keywords/{keyword}``: text-to-join keywords."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.keywords import KeywordConfig
from consent_platform.http import api_responses, json_response
from consent_platform.services import keywords

from .shared import KeywordInPath, logger

router = APIGatewayHttpRouter()


@router.put(
    "/v1/admin/keywords/<keyword>",
    summary="Create or replace a text-to-join keyword",
    tags=["Keywords"],
    responses=api_responses(
        {200: ("Replaced", "StoredKeyword"), 201: ("Created", "StoredKeyword")}, *(400, 404, 409, 413, 422, 503)
    ),
)
def put_keyword(keyword: KeywordInPath, config: Annotated[KeywordConfig, Body()]) -> Response[str]:
    stored, created = keywords.put_keyword(bootstrap.stores().catalog, unquote(keyword), config, utc_now())
    logger.info("keyword stored", extra={"keyword": stored.keyword, "new_keyword": created})
    return json_response(201 if created else 200, stored.model_dump(mode="json"))


@router.get(
    "/v1/admin/keywords/<keyword>",
    summary="Read a keyword and its usage",
    tags=["Keywords"],
    responses=api_responses({200: ("The keyword", "KeywordView")}, 404, 409, 503),
)
def get_keyword(keyword: KeywordInPath) -> Response[str]:
    return json_response(200, keywords.get_keyword(bootstrap.stores().catalog, unquote(keyword)).wire())
