"""``/v1/admin/polls``: SMS polls — define, list, read with results, send the question as a campaign."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.polls import PollSend
from consent_platform.domain.clock import utc_now
from consent_platform.domain.polls import PollConfig
from consent_platform.http import api_responses, json_response, parse_json_object, raw_body
from consent_platform.settings import SchedulingSettings

from .shared import Cursor, Limit, logger

router = APIGatewayHttpRouter()

PollId = Annotated[str, Path(description="The poll's id (lowercase letters, digits, - and _)", examples=["wiosna"])]


@router.put(
    "/v1/admin/polls/<poll_id>",
    summary="Create or replace a poll (after its question was sent, only closes_at and keyword may change)",
    tags=["Polls"],
    responses=api_responses({200: ("Replaced", "Poll"), 201: ("Created", "Poll")}, *(400, 404, 409, 413, 422, 503)),
)
def put_poll(poll_id: PollId, config: Annotated[PollConfig, Body()]) -> Response[str]:
    from consent_platform.services import polls  # lazily: see admin/routes/__init__.py

    poll, created = polls.put_poll(bootstrap.stores(), poll_id, config, utc_now())
    logger.info("poll stored", extra={"poll_id": poll_id, "new_poll": created})
    return json_response(201 if created else 200, poll.wire())


@router.get(
    "/v1/admin/polls/<poll_id>",
    summary="A poll with its results: tallies per option, turnout, votes per day, late answers",
    tags=["Polls"],
    responses=api_responses({200: ("The poll", "Poll")}, 404, 422, 503),
)
def get_poll(poll_id: PollId) -> Response[str]:
    from consent_platform.services import polls  # lazily: see admin/routes/__init__.py

    return json_response(200, polls.get_poll(bootstrap.stores(), poll_id, utc_now()).wire())


@router.get(
    "/v1/admin/polls",
    summary="List the polls, in poll-id order (paginated)",
    tags=["Polls"],
    responses=api_responses({200: ("A page of polls", "PollPage")}, 422, 503),
)
def list_polls(
    limit: Annotated[Limit | None, Query(description="Polls per page, 1-100 (default 50)", examples=[20])] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    from consent_platform.services import polls  # lazily: see admin/routes/__init__.py

    return json_response(200, polls.list_polls(bootstrap.stores(), limit, next_, utc_now()).wire())


@router.post(
    "/v1/admin/polls/<poll_id>/send",
    summary="Send the question to the poll's list as a campaign (quiet hours, caps, consent and pacing apply)",
    tags=["Polls"],
    responses=api_responses({201: ("The campaign that sends it", "PollSent")}, *(400, 404, 409, 413, 422, 503)),
)
def send_poll(poll_id: PollId, when: Annotated[PollSend | None, Body()] = None) -> Response[str]:
    from consent_platform.services import polls  # lazily: see admin/routes/__init__.py

    raw = raw_body(router, 16 * 1024)
    if raw.strip():  # the body is optional, but an object when given (Powertools lets `[null]` through as none)
        parse_json_object(raw)
    arn = bootstrap.settings(SchedulingSettings).dispatcher_function_arn
    sent = polls.send_poll(bootstrap.stores(), bootstrap.scheduler(), arn, poll_id, when or PollSend(), utc_now())
    logger.info("poll sent as a campaign", extra={"poll_id": poll_id, "campaign_id": sent.campaign.campaign_id})
    return json_response(201, sent.wire())
