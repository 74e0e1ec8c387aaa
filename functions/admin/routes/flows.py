"""``/v1/admin/flows``: list them; ``/v1/admin/flows/{flow_id}``: create or replace, read (with
statistics), delete (stop) a flow."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.http import JSON, api_responses, documented_body, json_response, parse_json_object, raw_body

from .shared import Cursor, Limit, logger

router = APIGatewayHttpRouter()
FlowIdInPath = Annotated[str, Path(description="The flow's id (a-z, 0-9, _ and -)", examples=["welcome"])]
MAX_FLOW_BODY = 64 * 1024


@router.put(
    "/v1/admin/flows/<flow_id>",
    summary="Create or replace a flow (wait / send / if steps started by a bus event)",
    tags=["Flows"],
    responses=api_responses(
        {200: ("Replaced", "FlowView"), 201: ("Created", "FlowView")}, *(400, 404, 409, 413, 415, 422, 503)
    ),
    openapi_extensions=documented_body("FlowDefinition", JSON),
)
def put_flow(flow_id: FlowIdInPath) -> Response[str]:
    # The body is parsed here, not by Powertools, so that a bad step is named as the issue asks
    # (``steps[3].send.text``), not by pydantic's location tuple.
    from consent_platform.services import flows  # lazily: see admin/routes/__init__.py

    data = parse_json_object(raw_body(router, MAX_FLOW_BODY))
    view, created = flows.put_flow(bootstrap.stores(), flow_id, data, utc_now())
    logger.info("flow stored", extra={"flow_id": view.flow_id, "new_flow": created, "status": view.status})
    return json_response(201 if created else 200, view.wire())


@router.get(
    "/v1/admin/flows/<flow_id>",
    summary="Read a flow: its definition and statistics per flow and per step",
    tags=["Flows"],
    responses=api_responses({200: ("The flow", "FlowView")}, 404, 422, 503),
)
def get_flow(flow_id: FlowIdInPath) -> Response[str]:
    from consent_platform.services import flows

    return json_response(200, flows.get_flow(bootstrap.stores(), flow_id).wire())


@router.delete(
    "/v1/admin/flows/<flow_id>",
    summary="Stop a flow: no new enrollments; enrollments under way are cancelled (counted)",
    tags=["Flows"],
    responses=api_responses({200: ("Stopped", "FlowDeleted")}, 404, 422, 503),
)
def delete_flow(flow_id: FlowIdInPath) -> Response[str]:
    from consent_platform.services import flows

    result = flows.delete_flow(bootstrap.stores(), flow_id, utc_now())
    logger.info("flow deleted", extra=result)
    return json_response(200, result)


@router.get(
    "/v1/admin/flows",
    summary="List the flows, in flow-id order (paginated)",
    tags=["Flows"],
    responses=api_responses({200: ("A page of flows", "FlowPage")}, 422, 503),
)
def list_flows(
    limit: Annotated[Limit | None, Query(description="Flows per page, 1-100 (default 50)", examples=[20])] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    from consent_platform.services import flows

    return json_response(200, flows.list_flows(bootstrap.stores(), limit, next_).wire())
