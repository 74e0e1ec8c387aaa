"""Coupon pools' request and answer: ``POST`` / ``GET /v1/admin/coupons/{pool}`` (README "Coupons")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..domain.coupons import MAX_CODES, PoolCounts

__all__ = ["CouponCodes", "PoolCounts"]


class CouponCodes(BaseModel):
    """JSON body of ``POST /v1/admin/coupons/{pool}`` (or ``text/plain``, one code per line)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"codes": ["CART10-7QX2", "CART10-K8"]}]})

    codes: list[str] = Field(
        min_length=1, max_length=MAX_CODES, description="3-32 of A-Z, 0-9, _ and - each; stored in upper case"
    )
