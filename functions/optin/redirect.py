"""``GET /r/{code}`` (public): a short link's redirect — 302 to the stored URL with UTM parameters, the
click counted (not a HEAD's or a link-preview fetcher's), ``Message.Clicked`` on the bus.

Its own function (``RedirectFunction``), not the opt-in's: a person tapping a link waits for this cold
start, and the opt-in module loads phonenumbers, the list models and the QR renderer at import, none of
which a redirect needs. Every answer is ``no-store``: a cached 302 would hide later clicks, a cached 404
would outlive a link created a moment later. Unknown, expired or malformed codes get one small 404 page;
a failing click write or event still redirects (the person reaches the shop; the failure is logged).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.services.links import follow as follow_link
from consent_platform.settings import RedirectSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (RedirectSettings,)
logger = Logger()
app = APIGatewayHttpResolver()

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
NOT_FOUND = (
    "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
    "<title>Link not found</title><body style='font-family:sans-serif;margin:3em auto;max-width:30em'>"
    "<h1>Link not found</h1><p>This link does not exist or has expired.</p></body></html>"
)


@app.route(
    "/r/<code>",
    method=["GET", "HEAD"],
    summary="Follow a short link (302 to the campaign's URL with UTM parameters; 404 page when unknown or expired)",
    tags=["Links"],
    responses={
        302: {"description": "Redirect to the stored URL (Location)", "content": {}},
        404: {
            "description": "Unknown, expired or malformed code: a small HTML page (for people, not JSON)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
)
def follow(code: str) -> Response[str]:
    event = app.current_event
    method = event.request_context.http.method
    followed = follow_link(bootstrap.stores(), code, method, event.headers.get("user-agent"), utc_now())
    if followed.location is None:
        return Response(404, "text/html; charset=utf-8", "" if method == "HEAD" else NOT_FOUND, dict(HEADERS))
    if followed.event is not None and bootstrap.settings(RedirectSettings).event_bus_name:
        try:
            bootstrap.events().publish([followed.event])
        except Exception:  # the click is counted; only its event is lost (logged, alarmable)
            logger.exception("Message.Clicked not published")
    logger.info("link followed", extra={"counted": followed.counted, "unique": followed.unique})
    return Response(302, None, "", {**HEADERS, "Location": followed.location})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
