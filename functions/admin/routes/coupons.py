"""``/v1/admin/coupons/{pool}``: upload a pool's codes (``text/plain``, one per line, or ``{"codes": [...]}``)
and read its counts (README "Coupons")."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.http import JSON, api_responses, documented_body, json_response, raw_body

from .shared import logger

router = APIGatewayHttpRouter()
PoolInPath = Annotated[str, Path(description="The pool's name (1-32 of A-Z, a-z, 0-9, _ and -)", examples=["CART10"])]
MAX_COUPON_BODY = 64 * 1024  # the admin function's limit (admin/app.py MAX_BODY): about 5,000 codes


@router.post(
    "/v1/admin/coupons/<pool>",
    summary="Add codes to a coupon pool (duplicates ignored); answers the pool's counts",
    tags=["Coupons"],
    responses=api_responses({200: ("What was added, and the pool's counts", "PoolCounts")}, *(400, 413, 415, 422, 503)),
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                JSON: documented_body("CouponCodes", JSON)["requestBody"]["content"][JSON],
            },
        }
    },
)
def upload(pool: PoolInPath) -> Response[str]:
    from consent_platform.services import coupons  # lazily: see admin/routes/__init__.py

    content_type = (router.current_event.headers.get("content-type") or "").split(";")[0].strip().lower()
    data = raw_body(router, MAX_COUPON_BODY)
    counts = coupons.upload(bootstrap.stores(), pool, data, content_type, utc_now())
    logger.info("coupon codes uploaded", extra={"pool": counts.pool, "added": counts.added, "total": counts.total})
    return json_response(200, counts.model_dump(exclude_none=True))


@router.get(
    "/v1/admin/coupons/<pool>",
    summary="A coupon pool's counts: total, assigned, redeemed, available",
    tags=["Coupons"],
    responses=api_responses({200: ("The pool's counts", "PoolCounts")}, 404, 422, 503),
)
def show(pool: PoolInPath) -> Response[str]:
    from consent_platform.services import coupons

    return json_response(200, coupons.show(bootstrap.stores(), pool).model_dump(exclude_none=True))
