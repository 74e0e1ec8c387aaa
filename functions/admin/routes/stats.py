"""``GET /v1/admin/lists/{list_id}/stats``: a list's daily counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import StringConstraints

from consent_platform import bootstrap
from consent_platform.api.admin import ListStats
from consent_platform.domain.clock import utc_now
from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.list_stats import summarize, totals
from consent_platform.http import api_responses, json_response
from consent_platform.services import lists

from .shared import ListId

router = APIGatewayHttpRouter()

# A calendar day in a query string. Typed as a pattern-checked string, not ``date``: pydantic's lax date
# parsing would take "0.0" as a Unix timestamp (1970-01-01), which no caller means.
IsoDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("invalid date", {name: "not a calendar day (YYYY-MM-DD)"}) from None


@router.get(
    "/v1/admin/lists/<list_id>/stats",
    summary="Daily sign-ups, confirmations, opt-outs and sends of a list",
    tags=["Lists"],
    responses=api_responses({200: ("Days and totals", "ListStats")}, 404, 422, 503),
)
def list_stats(
    list_id: ListId,
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="First day, YYYY-MM-DD (default: to − 29)")
    ] = None,
    to: Annotated[IsoDate | None, Query(description="Last day, YYYY-MM-DD (default: today, UTC)")] = None,
) -> Response[str]:
    last = _day(to, "to") if to else utc_now().date()
    first = _day(from_, "from") if from_ else last - timedelta(days=29)
    if first > last or (last - first).days > 366:
        raise ValidationFailed("invalid range", {"from": "from ≤ to, at most 366 days apart"})
    lists.get_list(bootstrap.stores().catalog, list_id)  # 404 for an unknown list
    days = summarize(bootstrap.stores().consent.list_stats(list_id, first.isoformat(), last.isoformat()))
    stats = ListStats(list_id=list_id, from_=first.isoformat(), to=last.isoformat(), days=days, totals=totals(days))
    return json_response(200, stats.model_dump(mode="json", by_alias=True))
