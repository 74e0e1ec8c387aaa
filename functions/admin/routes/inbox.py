"""``/v1/admin/inbox``: every received message, newest first, and an operator's answer to one (issue #20)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import AwareDatetime

from consent_platform import bootstrap
from consent_platform.api.inbox import InboxReply
from consent_platform.domain.clock import utc_now
from consent_platform.domain.phone import mask_phone, normalize_phone
from consent_platform.http import api_responses, json_response

from .shared import Cursor, Limit, logger

router = APIGatewayHttpRouter()

# A provider's message id: End User Messaging's UUID, Twilio's SM…, the webhook's own (1-128 characters).
MessageIdInPath = Annotated[
    str,
    Path(
        description="The provider's id of the received message",
        examples=["3f6a0c2e-1b7d-4c55-9a43-2d8e5f0b9c11"],
        min_length=1,
        max_length=128,
    ),
]


@router.get(
    "/v1/admin/inbox",
    summary="Received messages, newest first (by receiving number and/or sender; paginated)",
    tags=["Inbox"],
    responses=api_responses({200: ("A page of received messages", "InboxPage")}, 422, 503),
)
def list_inbox(
    number: Annotated[
        str | None, Query(pattern=r"^\+?[0-9]{3,15}$", description="The number that received them (or give from)")
    ] = None,
    from_: Annotated[
        str | None, Query(alias="from", max_length=40, description="Only messages from this number (E.164)")
    ] = None,
    since: Annotated[AwareDatetime | None, Query(description="Only messages received at or after (ISO 8601)")] = None,
    unhandled: Annotated[bool, Query(description="Only messages no rule handled (handled_as = unmatched)")] = False,
    limit: Annotated[Limit | None, Query(description="Messages per page, 1-100 (default 50)")] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    from consent_platform.services import inbox  # lazily: see admin/routes/__init__.py

    sender = normalize_phone(unquote(from_), field="from").e164 if from_ else None
    filters = {"number": number, "sender": sender, "since": since, "unhandled": unhandled}
    page = inbox.list_inbox(bootstrap.stores(), filters, limit, next_)
    return json_response(200, page.wire())


@router.post(
    "/v1/admin/inbox/<message_id>/reply",
    summary="Answer a received message from the number that received it (transactional SMS)",
    tags=["Inbox"],
    responses=api_responses({202: ("Queued (also for a repeated request)", "InboxReplyQueued")}, 400, 404, 409, 422)
    | api_responses({}, 429, 503),
)
def reply(message_id: MessageIdInPath, answer: Annotated[InboxReply, Body()]) -> Response[str]:
    from consent_platform.services import inbox  # lazily: see admin/routes/__init__.py

    queued = inbox.reply(bootstrap.stores(), bootstrap.queue(), unquote(message_id), answer.text, utc_now())
    logger.info(
        "inbox reply queued",
        extra={"message_id": queued.reply_message_id, "to": mask_phone(queued.to), "repeated": queued.repeated},
    )
    return json_response(202, queued.wire())
