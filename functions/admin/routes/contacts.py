"""``/v1/admin/contacts/{phone}``: the proof of consent of a number, and profile updates."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.admin import ContactPatch, ContactProof
from consent_platform.api.messages import MESSAGES_SHOWN
from consent_platform.domain.clock import utc_now
from consent_platform.domain.errors import NotFound
from consent_platform.domain.phone import normalize_phone
from consent_platform.http import api_responses, json_response

from .shared import PhoneInPath

router = APIGatewayHttpRouter()


@router.get(
    "/v1/admin/contacts/<phone>",
    summary="Proof of consent: profile, subscriptions and the full ledger of a number",
    tags=["Contacts"],
    responses=api_responses({200: ("The contact", "ContactProof")}, 404, 422, 503),
)
def get_contact(phone: PhoneInPath, country: Annotated[str | None, Query()] = None) -> Response[str]:
    from consent_platform.services import contacts, inbox  # lazily: see admin/routes/__init__.py

    number = normalize_phone(unquote(phone), country)
    profile, subscriptions, ledger = bootstrap.stores().consent.get_contact(number.e164)
    # Received messages next to sent ones: one more Query (the inbox items under the number). A number that
    # only texted us (no consent record) is a contact too: its timeline is what there is to show.
    received = bootstrap.stores().inbox.received(number.e164, MESSAGES_SHOWN)
    if profile is None and not subscriptions and not ledger and not received:
        raise NotFound("no such contact", {"phone": "unknown number"})
    proof = ContactProof(
        phone=number.e164,
        profile=profile.model_dump(mode="json", exclude={"confirm_sent", "version"}) if profile else None,
        subscriptions=[s.model_dump(mode="json", exclude={"expected_message_id"}) for s in subscriptions],
        ledger=[e.model_dump(mode="json", exclude_none=True) for e in ledger],
        messages=(sent := contacts.sent_messages(bootstrap.stores().table, number.e164)),
        timeline=inbox.timeline(received, sent),
    )
    return json_response(200, proof.model_dump(mode="json"))


@router.patch(
    "/v1/admin/contacts/<phone>",
    summary="Update a contact's profile (time zone, name, custom attributes)",
    tags=["Contacts"],
    responses=api_responses({200: ("The updated profile", "ContactPatched")}, *(400, 404, 413, 422, 503)),
)
def patch_contact(
    phone: PhoneInPath,
    patch: Annotated[ContactPatch, Body()],
    country: Annotated[str | None, Query()] = None,
) -> Response[str]:
    from consent_platform.services import contacts  # lazily: see admin/routes/__init__.py

    number = normalize_phone(unquote(phone), country)
    patched = contacts.patch_contact(bootstrap.stores().consent, number.e164, patch, utc_now())
    if patch.attributes:  # birthdays and other trigger dates: indexed by day of the year (issue #18)
        from consent_platform.services.flow_dates import index_dates

        index_dates(bootstrap.stores(), number.e164, patch.attributes)
    return json_response(200, patched.wire())
