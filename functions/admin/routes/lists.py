"""``/v1/admin/lists``: list them; ``/v1/admin/lists/{list_id}``: create, replace and read a list."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.lists import ListConfig
from consent_platform.http import api_responses, json_response
from consent_platform.services import lists

from .shared import Cursor, Limit, ListId, logger

router = APIGatewayHttpRouter()


@router.put(
    "/v1/admin/lists/<list_id>",
    summary="Create or replace a list (consent text versions are kept forever)",
    tags=["Lists"],
    responses=api_responses(
        {200: ("Replaced", "StoredList"), 201: ("Created", "StoredList")}, *(400, 409, 413, 415, 422, 503)
    ),
)
def put_list(list_id: ListId, config: Annotated[ListConfig, Body()]) -> Response[str]:
    stored, created = lists.put_list(bootstrap.stores().catalog, list_id, config, utc_now())
    logger.info("list stored", extra={"list_id": list_id, "new_list": created})
    return json_response(201 if created else 200, stored.public_view())


@router.get(
    "/v1/admin/lists/<list_id>",
    summary="Read a list",
    tags=["Lists"],
    responses=api_responses({200: ("The list", "StoredList")}, 404, 503),
)
def get_list(list_id: ListId) -> Response[str]:
    return json_response(200, lists.get_list(bootstrap.stores().catalog, list_id).public_view())


@router.get(
    "/v1/admin/lists",
    summary="List the lists, in list-id order (paginated)",
    tags=["Lists"],
    responses=api_responses({200: ("A page of lists", "ListPage")}, 422, 503),
)
def list_lists(
    limit: Annotated[Limit | None, Query(description="Lists per page, 1-100 (default 50)", examples=[20])] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    page = lists.list_lists(bootstrap.stores().catalog, limit, next_)
    return json_response(200, page.model_dump(mode="json", exclude={"lists": {"__all__": {"version"}}}))
