"""Spend (issue 17) through the admin API: built-in texts never force UCS-2, the list's transliterate /
diacritics / max_segments options, and the campaign preview's cost per country and encoding warnings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from bench.spend import POLISH_EXAMPLE
from consent_platform.domain.segments import count_segments
from consent_platform.domain.spend import price_per_part
from infra.local.invoker import Invoker
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

PL, PL2, US, BR = "+48501234567", "+48601234567", "+12125550123", "+5511987654321"
SKLEP = {
    **DEMO_LIST,
    "opt_in": "single",
    "brand": "Sklep Kwiaty",  # the list's own text: GSM-7, so only built-ins could force UCS-2
    "allowed_countries": ["PL", "US", "BR"],
    "consent_text": {"version": "1", "text": "Tak, SMS-y od Sklepu"},
}


def put_list(aws: LocalAws, **options: Any) -> dict[str, Any]:
    reply = aws.http("PUT", "/v1/admin/lists/sklep", {**SKLEP, **options})
    assert reply.status in (200, 201), reply.body
    return reply.body  # type: ignore[no-any-return]


def subscribe(aws: LocalAws, *phones: str) -> None:
    for phone in phones:
        reply = aws.http("POST", "/v1/optin", {"phone": phone, "list_id": "sklep", "sms_consent": True})
        assert reply.body["status"] == "active", reply.body
    aws.drain()


def campaign(aws: LocalAws, text: str) -> Any:
    body = {"list_id": "sklep", "name": "wiosna", "text": text, "send_at_local": "2031-05-16T18:00"}
    return aws.http("POST", "/v1/admin/campaigns", body)


def written(aws: LocalAws) -> tuple[int, int]:
    """Items in the consent table and campaign schedules."""
    items = boto3.client("dynamodb").scan(TableName=aws.stack.attributes["ConsentTable"]["Ref"])["Items"]
    group = aws.stack.attributes["CampaignScheduleGroup"]["Ref"]
    return len(items), len(boto3.client("scheduler").list_schedules(GroupName=group)["Schedules"])


@pytest.fixture
def sklep(aws: LocalAws, clock: Clock) -> LocalAws:
    put_list(aws)
    subscribe(aws, PL, PL2, US)
    return aws


def test_the_polish_footer_no_longer_doubles_an_88_character_campaign(sklep: LocalAws) -> None:
    assert len(POLISH_EXAMPLE) == 88
    reply = campaign(sklep, POLISH_EXAMPLE)
    assert reply.status == 201, reply.body
    preview = reply.body["preview"]
    assert preview["text"].endswith("Odpisz STOP, aby zrezygnowac")
    assert (preview["encoding"], preview["segments"], preview["warnings"]) == ("GSM-7", 1, [])
    # Read back: the stored campaign answers the same preview.
    again = sklep.http("GET", f"/v1/admin/campaigns/{reply.body['campaign_id']}").body["preview"]
    assert again["segments"] == 1 and again["estimated_cost_usd"] == preview["estimated_cost_usd"]


def test_a_list_that_opts_into_diacritics_is_warned_what_the_footer_costs(sklep: LocalAws) -> None:
    put_list(sklep, diacritics=True)
    preview = campaign(sklep, POLISH_EXAMPLE).body["preview"]
    assert preview["text"].endswith("Odpisz STOP, aby zrezygnować")
    assert preview["segments"] == 2
    assert preview["warnings"] == [{"code": "ucs2", "characters": ["ć"], "segments": 2, "segments_if_gsm7": 1}]


def test_preview_estimates_cost_per_destination_country(sklep: LocalAws) -> None:
    preview = campaign(sklep, "Wiosenna promocja: bukiety -20% do niedzieli.").body["preview"]
    pl, us = price_per_part("PL"), price_per_part("US")
    assert pl and us
    assert preview["estimated_cost_usd"] == {"PL": round(2 * pl, 4), "US": round(us, 4)}
    assert preview["estimated_cost_total_usd"] == round(2 * pl + us, 4)
    assert preview["price_table"]["as_of"] and "end-user-messaging/pricing" in preview["price_table"]["source"]


def test_a_country_without_a_price_is_named_not_guessed(sklep: LocalAws) -> None:
    subscribe(sklep, BR)
    preview = campaign(sklep, "Promocja -20% do niedzieli.").body["preview"]
    assert preview["estimated_cost_usd"]["BR"] is None
    assert {"code": "no_price", "countries": ["BR"]} in preview["warnings"]


def test_a_text_over_the_lists_segment_limit_is_refused_naming_the_field(sklep: LocalAws) -> None:
    put_list(sklep, max_segments=2)
    before = written(sklep)
    reply = campaign(sklep, "Promocja! " * 40)  # 400 GSM-7 characters: 3 parts
    assert reply.status == 422
    assert "3 GSM-7 segments" in reply.body["error"]["fields"]["text"]
    assert "max_segments (2)" in reply.body["error"]["fields"]["text"]
    assert written(sklep) == before  # nothing written, nothing scheduled
    assert campaign(sklep, "Promocja! " * 25).status == 201  # 2 parts: allowed


def test_the_default_limit_is_four_parts(sklep: LocalAws) -> None:
    # 4 GSM-7 parts hold 612 characters (STOP in the text: no footer added)
    assert campaign(sklep, "Promocja! " * 60 + "STOP").status == 201  # 604 characters: 4 parts
    assert campaign(sklep, "Promocja! " * 61 + "STOP").status == 422  # 614 characters: 5 parts


def test_transliterate_spells_the_campaign_in_gsm7_where_it_is_faithful(sklep: LocalAws) -> None:
    text = "Cześć! Wiosenne bukiety – tulipany i róże -20%… Zamów do niedzieli: „Wiosna”."
    assert campaign(sklep, text).body["preview"]["encoding"] == "UCS-2"  # the list's own text, as written
    put_list(sklep, transliterate=True)
    preview = campaign(sklep, text).body["preview"]
    assert preview["text"].startswith('Czesc! Wiosenne bukiety - tulipany i roze -20%... Zamow do niedzieli: "Wiosna".')
    assert (preview["encoding"], preview["segments"], preview["warnings"]) == ("GSM-7", 1, [])
    # An emoji has no GSM-7 spelling: the text stays as written and the warning names it.
    preview = campaign(sklep, "Wiosna 🌷 -20% na róże").body["preview"]
    assert preview["text"].startswith("Wiosna 🌷 -20% na róże")
    assert preview["warnings"][0]["characters"] == ["🌷", "ó", "ż"]


def test_list_options_round_trip_and_shape_the_stored_messages(aws: LocalAws) -> None:
    created = put_list(aws)
    assert (created["diacritics"], created["transliterate"], created["max_segments"]) == (False, False, 4)
    assert "zapisano Cie" in created["messages"]["welcome"]  # built-in, GSM-7 spelling
    native = put_list(aws, diacritics=True, max_segments=6)
    assert "zapisano Cię" in native["messages"]["welcome"]
    stored = aws.http("GET", "/v1/admin/lists/sklep").body
    assert (stored["diacritics"], stored["transliterate"], stored["max_segments"]) == (True, False, 6)
    own = put_list(aws, brand="Kwiaciarnia Róża", transliterate=True, messages={"stop": "Kwiaciarnia Róża: wypisano."})
    assert own["messages"]["stop"] == "Kwiaciarnia Roza: wypisano."
    assert own["messages"]["welcome"].startswith("Kwiaciarnia Roza: zapisano Cie")
    for bad in ({"max_segments": 0}, {"max_segments": 11}, {"transliterate": "maybe"}):
        reply = aws.http("PUT", "/v1/admin/lists/sklep", {**SKLEP, **bad})
        assert reply.status == 422 and set(reply.body["error"]["fields"]) == set(bad), reply.body


def test_transliterate_applies_to_the_cart_message_with_the_name_filled_in(aws: LocalAws, clock: Clock) -> None:
    cart = {"text": "{first_name|Hej}, Twój koszyk czeka – {url}", "delay_hours": 48}
    put_list(aws, transliterate=True, cart_abandoned=cart)
    reply = aws.http("POST", "/v1/optin", {"phone": PL, "list_id": "sklep", "sms_consent": True, "first_name": "Łucja"})
    assert reply.body["status"] == "active", reply.body
    aws.drain()
    url = "https://sklep.example/c/1"
    trigger = {"list_id": "sklep", "phone": PL, "cart_id": "cart-1", "url": url}
    assert aws.http("POST", "/v1/admin/triggers", trigger).body["status"] == "scheduled"
    clock.now += timedelta(hours=49)
    LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    aws.drain()
    [body] = [m["body"] for m in sent_sms() if url in m["body"]]
    assert body == f"Lucja, Twoj koszyk czeka - {url}. Odpisz STOP, aby zrezygnowac"


def test_transliterate_applies_to_campaign_messages_with_the_name_filled_in(aws: LocalAws, clock: Clock) -> None:
    """The name is only known at dispatch: "Łucja" must not turn a GSM-7 campaign into UCS-2."""
    put_list(aws, transliterate=True)
    reply = aws.http("POST", "/v1/optin", {"phone": PL, "list_id": "sklep", "sms_consent": True, "first_name": "Łucja"})
    assert reply.body["status"] == "active", reply.body
    aws.drain()
    created = campaign(aws, "{first_name|Hej}, wiosenne bukiety -20%")
    assert created.status == 201, created.body
    clock.now = clock.now.replace(year=2031, month=5, day=16, hour=16)  # 18:00 in Warsaw (CEST)
    LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    while aws.receive_count("OutboundQueue"):
        aws.drain()
    [sent] = [m for m in sent_sms() if "bukiety" in m["body"]]
    assert sent["body"] == "Lucja, wiosenne bukiety -20%. Odpisz STOP, aby zrezygnowac"
    info = count_segments(sent["body"])
    assert (info.encoding, info.segments) == ("GSM-7", 1)
