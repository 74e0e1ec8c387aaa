"""Forwarding rules of receiving numbers (issue #20): ``PUT/GET/DELETE /v1/admin/numbers/{number}/forwarding``.

A rule is written to the CONFIG partition, so the inbound worker sees it with its lists and keywords
(within its config cache, ``ConfigCacheSeconds``). Every target is checked here (``domain/forwarding``)
and a URL again by the forwarder before it posts.
"""

from __future__ import annotations

from datetime import datetime

from ..adapters.dynamodb.forwarding import ForwardingStore
from ..adapters.dynamodb.stores import Stores
from ..api.forwarding import ForwardingRequest, ForwardingView
from ..domain.clock import iso
from ..domain.errors import NotFound, ValidationFailed
from ..domain.forwarding import ForwardingRule, check_email, check_not_platform, check_url, number_key
from ..domain.phone import normalize_phone


def _store(stores: Stores) -> ForwardingStore:
    return ForwardingStore(stores.table)


def platform_numbers(stores: Stores) -> set[str]:
    """Every number the platform sends from or listens on: lists' origination identities and keywords'
    numbers (a forward to any of them would come back in as an inbound message)."""
    from .inbound.config import Config

    config = Config(*stores.catalog.load_config())
    numbers = {identity for stored in config.lists.values() for identity in (stored.origination or {}).values()}
    return numbers | {kw.number for kw in config.keywords.values() if kw.number}


def put(stores: Stores, number: str, request: ForwardingRequest, now: datetime, allow_loopback: bool) -> ForwardingView:
    if not (request.url or request.email or request.phone):
        raise ValidationFailed(
            "give at least one of url, email, phone", {"url": "at least one of url, email, phone is required"}
        )
    phone = None
    if request.phone:
        phone = normalize_phone(request.phone, field="phone").e164
        check_not_platform(phone, platform_numbers(stores) | {number})
    rule = ForwardingRule(
        number=number,
        url=check_url(request.url, allow_loopback) if request.url else None,
        email=check_email(request.email) if request.email else None,
        phone=phone,
        which=request.which,
        mask_sender=request.mask_sender,
    )
    _store(stores).put_rule(number_key(number), rule, iso(now))
    return _view(rule, iso(now))


def get(stores: Stores, number: str) -> ForwardingView:
    rule, item = _store(stores).get_rule(number_key(number))
    if rule is None or item is None:
        raise NotFound("this number forwards nothing", {"number": "no forwarding rule"})
    return _view(rule, item.get("updated_at"))


def delete(stores: Stores, number: str) -> None:
    if not _store(stores).delete_rule(number_key(number)):
        raise NotFound("this number forwards nothing", {"number": "no forwarding rule"})


def _view(rule: ForwardingRule, updated_at: str | None) -> ForwardingView:
    return ForwardingView(
        number=rule.number,
        url=rule.url,
        email=rule.email,
        phone=rule.phone,
        which=rule.which,
        mask_sender=rule.mask_sender,
        updated_at=updated_at,
    )
