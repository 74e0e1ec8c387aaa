"""``/v1/admin/contests``: SMS contests — define, read, list, draw (issue #20)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.contests import ContestConfig, DrawRequest
from consent_platform.http import api_responses, json_response

from .shared import Cursor, Limit, logger

router = APIGatewayHttpRouter()

ContestIdInPath = Annotated[
    str, Path(description="The contest's id", examples=["spring"], pattern=r"^[A-Za-z0-9_-]{1,64}$")
]


@router.put(
    "/v1/admin/contests/<contest_id>",
    summary="Create or replace a contest (its keyword enters it inside [opens_at, closes_at))",
    tags=["Contests"],
    responses=api_responses({200: ("Replaced", "ContestView"), 201: ("Created", "ContestView")}, 400, 404, 409, 422)
    | api_responses({}, 503),
)
def put_contest(contest_id: ContestIdInPath, config: Annotated[ContestConfig, Body()]) -> Response[str]:
    from consent_platform.services import contests  # lazily: see admin/routes/__init__.py

    view, created = contests.put_contest(bootstrap.stores(), contest_id, config, utc_now())
    logger.info("contest stored", extra={"contest_id": contest_id, "new_contest": created})
    return json_response(201 if created else 200, view.wire())


@router.get(
    "/v1/admin/contests/<contest_id>",
    summary="Read a contest: definition, entry counts, winners and the draw's proof",
    tags=["Contests"],
    responses=api_responses({200: ("The contest", "ContestView")}, 404, 422, 503),
)
def get_contest(contest_id: ContestIdInPath) -> Response[str]:
    from consent_platform.services import contests  # lazily: see admin/routes/__init__.py

    return json_response(200, contests.get_contest(bootstrap.stores(), contest_id).wire())


@router.get(
    "/v1/admin/contests",
    summary="List the contests, in id order (paginated)",
    tags=["Contests"],
    responses=api_responses({200: ("A page of contests", "ContestPage")}, 422, 503),
)
def list_contests(
    limit: Annotated[Limit | None, Query(description="Contests per page, 1-100 (default 50)")] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    from consent_platform.services import contests  # lazily: see admin/routes/__init__.py

    return json_response(200, contests.list_contests(bootstrap.stores(), limit, next_).wire())


@router.get(
    "/v1/admin/contests/<contest_id>/entries",
    summary="The counted entries as the draw proof's lines <entered_at>|<entrant> (no phone number), in its order",
    tags=["Contests"],
    responses=api_responses({200: ("A page of entry lines", "EntryLinesPage")}, 404, 422, 503),
)
def list_entry_lines(
    contest_id: ContestIdInPath,
    limit: Annotated[Limit | None, Query(description="Lines per page, 1-5000 (default 1000)")] = None,
    next_: Annotated[Cursor | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    from consent_platform.services import contests  # lazily: see admin/routes/__init__.py

    return json_response(200, contests.entry_lines(bootstrap.stores(), contest_id, limit, next_).wire())


@router.post(
    "/v1/admin/contests/<contest_id>/draw",
    summary="Draw the winners (once, after the close) and notify them by SMS; a retry answers the same",
    tags=["Contests"],
    responses=api_responses({200: ("Drawn (or this draw, retried)", "ContestView")}, 400, 404, 409, 422)
    | api_responses({}, 503),
)
def draw_contest(contest_id: ContestIdInPath, request: Annotated[DrawRequest, Body()]) -> Response[str]:
    from consent_platform.services import contests  # lazily: see admin/routes/__init__.py

    view, fresh = contests.draw_contest(bootstrap.stores(), bootstrap.queue(), contest_id, request, utc_now())
    # Winners are logged masked (invariant 9); the API answers with full numbers (the brand's own data).
    logger.info(
        "contest drawn", extra={"contest_id": contest_id, "winners": [w.masked for w in view.winners], "fresh": fresh}
    )
    return json_response(200, view.wire())
