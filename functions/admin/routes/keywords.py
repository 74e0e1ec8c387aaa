"""``/v1/admin/keywords/{keyword}``: text-to-join keywords."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.keywords import KeywordConfig
from consent_platform.http import api_responses, json_response

from .shared import Cursor, KeywordInPath, Limit, logger

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
    from consent_platform.services import keywords  # lazily: see admin/routes/__init__.py

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
    from consent_platform.services import keywords  # lazily: see admin/routes/__init__.py

    return json_response(200, keywords.get_keyword(bootstrap.stores().catalog, unquote(keyword)).wire())


@router.get(
    "/v1/admin/keywords",
    summary="List the keywords, in keyword order (paginated; optionally those on one number)",
    tags=["Keywords"],
    responses=api_responses({200: ("A page of keywords", "KeywordPage")}, 422, 503),
)
def list_keywords(
    number: Annotated[
        str | None, Query(pattern=r"^\+?[0-9]{3,15}$", description="Only keywords answering texts to this number")
    ] = None,
    limit: Annotated[Limit | None, Query(description="Keywords per page, 1-100 (default 50)")] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    from consent_platform.services import keywords  # lazily: see admin/routes/__init__.py

    page = keywords.list_keywords(bootstrap.stores().catalog, limit, next_, number)
    return json_response(200, page.model_dump(mode="json"))
