"""Admin campaign API (IAM-authorised): create, list, read and cancel campaigns."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.api.campaigns import Campaign
from consent_platform.domain.campaigns import CampaignRequest
from consent_platform.domain.clock import utc_now
from consent_platform.http import api_responses, json_api, json_response, register_error_handlers, screen_request
from consent_platform.services import campaigns
from consent_platform.settings import CampaignSettings, SchedulingSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (CampaignSettings, SchedulingSettings)
logger = Logger()
app = json_api()
register_error_handlers(app, logger)

MAX_BODY = 16 * 1024


def body(campaign: Campaign) -> dict[str, Any]:
    """The campaign as JSON; ``schedules_deleted`` only in the answer to a cancellation."""
    return campaign.model_dump(
        mode="json", exclude={"schedules_deleted"} if campaign.schedules_deleted is None else None
    )


@app.post(
    "/v1/admin/campaigns",
    summary="Schedule a campaign at a local time in each recipient's zone (or at one instant, or now)",
    tags=["Campaigns"],
    responses=api_responses({201: ("Scheduled, with its preview and plan", "Campaign")}, *(400, 404, 413, 422, 503)),
)
def create(request: Annotated[CampaignRequest, Body()]) -> Response[str]:
    campaign = campaigns.create_campaign(
        bootstrap.stores(),
        bootstrap.scheduler(),
        bootstrap.settings(SchedulingSettings).dispatcher_function_arn,
        request,
        utc_now(),
        bootstrap.settings(CampaignSettings).public_base_url,
    )
    logger.info("campaign scheduled", extra={"campaign_id": campaign.campaign_id, "buckets": len(campaign.plan)})
    return json_response(201, body(campaign))


@app.get(
    "/v1/admin/campaigns",
    summary="List campaigns, newest first (one list's with ?list_id=; of one status with ?status=; paginated)",
    tags=["Campaigns"],
    responses=api_responses({200: ("A page of campaigns", "CampaignPage")}, 422, 503),
)
def list_all(
    list_id: Annotated[str | None, Query(description="Only this list's campaigns", examples=["demo"])] = None,
    status: Annotated[
        str | None, Query(description="scheduled | sending | done | cancelled", examples=["scheduled"])
    ] = None,
    limit: Annotated[int | None, Query(description="Campaigns per page, 1-100 (default 50)", examples=[20])] = None,
    next_: Annotated[str | None, Query(alias="next", description="The previous page's `next`")] = None,
) -> Response[str]:
    page = campaigns.list_campaigns(bootstrap.stores(), list_id, status, limit, next_)
    return json_response(200, page.model_dump(mode="json"))


@app.get(
    "/v1/admin/campaigns/<campaign_id>",
    summary="A campaign with its statistics",
    tags=["Campaigns"],
    responses=api_responses({200: ("The campaign", "Campaign")}, 404, 503),
)
def read(campaign_id: Annotated[str, Path()]) -> Response[str]:
    return json_response(200, body(campaigns.get_campaign(bootstrap.stores(), campaign_id)))


@app.delete(
    "/v1/admin/campaigns/<campaign_id>",
    summary="Cancel a campaign: nothing more is sent",
    tags=["Campaigns"],
    responses=api_responses({200: ("Cancelled", "Campaign")}, 404, 409, 503),
)
def cancel(campaign_id: Annotated[str, Path()]) -> Response[str]:
    cancelled = campaigns.cancel_campaign(bootstrap.stores(), bootstrap.scheduler(), campaign_id)
    return json_response(200, body(cancelled))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return screen_request(event, MAX_BODY) or app.resolve(event, context)
