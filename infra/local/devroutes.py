"""Routes that exist only on the local stack: the SMS outbox, a simulated phone, a health check.

They are answered by the local stack itself, never by a handler, and are not in ``template.yaml``.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3

from consent_platform.adapters.sms import read_outbox
from consent_platform.domain.errors import InvalidPhone
from consent_platform.domain.phone import normalize_phone

from .gateway import HttpRequest, HttpResponse, LocalRoute, error, json_object, json_response, query_values
from .template import Stack


def outbox_phone(raw_query: str) -> str | None:
    """The ``phone`` filter in E.164 when it parses ("+48 501 234 567", "%2B48501234567", …).

    ``country`` (e.g. ``?phone=501234567&country=PL``) allows national formats. A value that does not
    parse is compared as given, so the filter never fails — it just matches nothing.
    """
    candidates = query_values(raw_query, "phone")
    if not candidates:
        return None
    country = next(iter(query_values(raw_query, "country")), None) or None
    for raw in candidates:
        try:
            return normalize_phone(raw, country).e164
        except InvalidPhone:
            continue
    return candidates[0].strip()


def local_routes(outbox: Path, stack: Stack) -> dict[tuple[str, str], LocalRoute]:
    def get_outbox(_request: HttpRequest, raw_query: str) -> HttpResponse:
        # read_outbox returns the file's lines in append order: newest last.
        return json_response(200, {"messages": read_outbox(str(outbox), outbox_phone(raw_query))})

    def healthz(_request: HttpRequest, _raw_query: str) -> HttpResponse:
        return json_response(200, {"ok": True})

    def post_inbound(request: HttpRequest, _raw_query: str) -> HttpResponse:
        return simulate_inbound(request, stack.attributes["InboundTopic"]["Ref"])

    def post_event(request: HttpRequest, _raw_query: str) -> HttpResponse:
        return put_event(request, stack.attributes["EventBus"]["Ref"])

    return {
        ("GET", "/dev/outbox"): get_outbox,
        ("POST", "/dev/inbound"): post_inbound,
        ("POST", "/dev/events"): post_event,
        ("GET", "/healthz"): healthz,
    }


def put_event(request: HttpRequest, bus: str) -> HttpResponse:
    """What a shop's backend would put on the project's bus: ``{"detail-type": "Cart.Abandoned",
    "detail": {...}}``. The template's EventBridge rules deliver it like in AWS."""
    data = json_object(request)
    if not isinstance(data, dict):
        return data
    fields = {}
    if not isinstance(data.get("detail-type"), str) or not data["detail-type"]:
        fields["detail-type"] = "required, e.g. Cart.Abandoned"
    if not isinstance(data.get("detail"), dict):
        fields["detail"] = "required: a JSON object"
    if fields:
        return error(422, "validation_error", "invalid input", fields)
    response = boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": str(data.get("source") or "local.shop"),
                "DetailType": data["detail-type"],
                "Detail": json.dumps(data["detail"], ensure_ascii=False),
            }
        ]
    )
    return json_response(202, {"event_id": response["Entries"][0].get("EventId")})


def simulate_inbound(request: HttpRequest, topic_arn: str) -> HttpResponse:
    """Publish what End User Messaging two-way SMS would publish, so local texts take the real path
    (SNS topic → raw delivery → inbound queue → worker)."""
    data = json_object(request)
    if not isinstance(data, dict):
        return data
    fields = {name: "required" for name in ("from", "to", "body") if not isinstance(data.get(name), str)}
    if not fields and not data["from"].strip():
        fields["from"] = "required"
    if fields:
        return error(422, "validation_error", "invalid input", fields)
    message_id = str(uuid.uuid4())
    payload = {
        "originationNumber": data["from"].strip(),
        "destinationNumber": data["to"].strip(),
        "messageKeyword": data["body"].strip().split(" ")[0].upper() if data["body"].strip() else "",
        "messageBody": data["body"],
        "inboundMessageId": message_id,
        "previousPublishedMessageId": "",
    }
    boto3.client("sns").publish(TopicArn=topic_arn, Message=json.dumps(payload, ensure_ascii=False))
    return json_response(202, {"inboundMessageId": message_id})
