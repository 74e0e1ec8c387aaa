"""What a list says and accepts (issue 13 §4): HELP's brand on a shared number, the e-mail box's own
consent wording in the ledger, confirmation words per list, terms/privacy links, result pages in the
list's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

PHONE = "+48501234567"
SHARED = "+48500000000"  # DEMO_LIST's number
FORM = {"phone": "501 234 567", "list_id": "demo", "sms_consent": "on"}
BROWSER = {
    "content-type": "application/x-www-form-urlencoded",
    "accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "referer": "https://shop.example/signup",
}
# Sorts before "demo" and sends from the same number.
ALPHA = {
    **DEMO_LIST,
    "brand": "Alfa Sklep",
    "support": "alfa@example.com",
    "consent_text": {"version": "1", "text": "ok"},
}


def contact(aws: LocalAws, phone: str = PHONE) -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/contacts/{phone.replace('+', '%2B')}")
    return reply.body if reply.status == 200 else {}  # type: ignore[no-any-return]


def status(aws: LocalAws, list_id: str = "demo") -> str | None:
    return {s["list_id"]: s["status"] for s in contact(aws).get("subscriptions", [])}.get(list_id)


def bodies(to: str = PHONE) -> list[str]:
    return [m["body"] for m in sent_sms() if m["to"] == to]


# ---- HELP on a number several lists share ----------------------------------------------------------


def test_help_names_the_list_the_sender_subscribed_to(aws: LocalAws, demo_list: dict) -> None:
    assert aws.http("PUT", "/v1/admin/lists/alpha", ALPHA).status == 201
    aws.http("POST", "/v1/optin", FORM, form=True)
    aws.drain()
    aws.text("HELP", to=SHARED)
    help_reply = bodies()[-1]
    assert "Kwiaciarnia Róża" in help_reply and "pomoc@example.com" in help_reply
    assert "Alfa" not in help_reply


def test_help_prefers_the_most_recent_subscription(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    assert aws.http("PUT", "/v1/admin/lists/alpha", ALPHA).status == 201
    aws.http("POST", "/v1/optin", {**FORM, "list_id": "alpha"}, form=True)
    clock.advance(minutes=5)
    aws.http("POST", "/v1/optin", FORM, form=True)
    aws.drain()
    aws.text("POMOC", to=SHARED)
    assert "Kwiaciarnia Róża" in bodies()[-1]  # the later sign-up, though "alpha" sorts first
    stranger = "+48600100200"  # no subscription: the number's first list, as before
    aws.text("HELP", sender=stranger, to=SHARED)
    assert "Alfa Sklep" in bodies(stranger)[-1]


# ---- e-mail consent wording ------------------------------------------------------------------------


def test_email_ledger_entry_carries_the_email_wording(aws: LocalAws, demo_list: dict) -> None:
    public = aws.http("GET", "/v1/lists/demo/public").body
    shown = public["email_consent_text"]
    assert shown["text"] == "Chcę też otrzymywać nowości i oferty od Kwiaciarnia Róża e-mailem."
    body = {**FORM, "email": "ala@example.com", "email_consent": "on", "email_consent_version": shown["version"]}
    assert aws.http("POST", "/v1/optin", body, form=True).status == 202
    aws.text("TAK")  # e-mail consent from a form is recorded once the number's owner confirms (issue 14)
    [sms, confirmed, email] = contact(aws)["ledger"]
    assert sms["channel"] == "sms" and sms["consent_text"] == DEMO_LIST["consent_text"]["text"]
    assert confirmed["channel"] == "sms" and email["channel"] == "email"
    assert (email["consent_text"], email["consent_version"]) == (shown["text"], shown["version"])


def test_a_lists_own_email_wording_and_its_versions(aws: LocalAws) -> None:
    v1 = {"version": "e1", "text": "Yes, e-mail me Róża's offers."}
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "email_consent_text": v1}).status == 201
    v2 = {"version": "e2", "text": "Yes, e-mail me offers and news."}
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "email_consent_text": v2}).status == 200
    assert aws.http("GET", "/v1/lists/demo/public").body["email_consent_text"] == v2
    reused = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "email_consent_text": {**v1, "text": "other"}})
    assert reused.status == 409 and "email_consent_text.version" in reused.body["error"]["fields"]

    # A form loaded before the change still proves the words it showed.
    old_form = {**FORM, "email": "ala@example.com", "email_consent": "on", "email_consent_version": "e1"}
    assert aws.http("POST", "/v1/optin", old_form, form=True).status == 202
    aws.text("TAK")
    email = contact(aws)["ledger"][-1]
    assert (email["channel"], email["consent_text"], email["consent_version"]) == ("email", v1["text"], "e1")

    unknown = {**old_form, "phone": "502 345 678", "email_consent_version": "nope"}
    reply = aws.http("POST", "/v1/optin", unknown, form=True)
    assert reply.status == 422 and "email_consent_version" in reply.body["error"]["fields"]
    assert contact(aws, "+48502345678") == {}  # nothing written


# ---- confirmation words ----------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["POTWIERDŹ", "potwierdz", "Potwierdzam!"])
def test_polish_poster_words_confirm(aws: LocalAws, demo_list: dict, word: str) -> None:
    aws.http("POST", "/v1/optin", FORM, form=True)
    aws.drain()
    aws.text(word, to=SHARED)
    assert status(aws) == "active"


def test_a_lists_own_confirmation_words(aws: LocalAws) -> None:
    custom = {
        **DEMO_LIST,
        "confirm_words": ["ZAPISUJĘ"],
        "messages": {
            "confirm_request": "Kwiaciarnia Róża: odpisz ZAPISUJĘ. Up to 4 msgs/month. "
            "Msg & data rates may apply. POMOC: pomoc. STOP: rezygnacja."
        },
    }
    reply = aws.http("PUT", "/v1/admin/lists/demo", custom)
    assert reply.status == 201, reply.body
    assert aws.http("GET", "/v1/lists/demo/public").body["confirm_words"] == ["ZAPISUJĘ"]
    aws.http("POST", "/v1/optin", FORM, form=True)
    aws.drain()
    aws.text("Tak", to=SHARED)  # not this list's word any more
    assert status(aws) == "pending"
    aws.text("zapisuje", to=SHARED)
    assert status(aws) == "active"


def test_confirmation_words_are_checked(aws: LocalAws) -> None:
    clash = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "confirm_words": ["STOP"]})
    assert clash.status == 422 and "confirm_words" in clash.body["error"]["fields"]
    # The default confirmation request names the list's first word, so it passes the lint.
    own = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "confirm_words": ["POTWIERDŹ"]})
    assert own.status == 201, own.body
    assert "POTWIERDŹ" in own.body["messages"]["confirm_request"]


# ---- terms and privacy -----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["terms_url", "privacy_url"])
def test_a_us_list_needs_terms_and_privacy_links(aws: LocalAws, missing: str) -> None:
    body = {k: v for k, v in DEMO_LIST.items() if k != missing}
    reply = aws.http("PUT", "/v1/admin/lists/demo", body)
    assert reply.status == 422
    assert list(reply.body["error"]["fields"]) == [missing]
    assert aws.http("GET", "/v1/lists/demo/public").status == 404  # nothing stored


def test_links_are_optional_outside_the_us_and_published(aws: LocalAws, demo_list: dict) -> None:
    plain = {k: v for k, v in DEMO_LIST.items() if k not in ("terms_url", "privacy_url")}
    assert aws.http("PUT", "/v1/admin/lists/pl-only", {**plain, "allowed_countries": ["PL"]}).status == 201
    public = aws.http("GET", "/v1/lists/demo/public").body
    assert (public["terms_url"], public["privacy_url"]) == (DEMO_LIST["terms_url"], DEMO_LIST["privacy_url"])
    bad = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "terms_url": "javascript:alert(1)"})
    assert bad.status == 422 and "terms_url" in bad.body["error"]["fields"]


# ---- no-JavaScript result pages in the list's language ---------------------------------------------


def test_result_pages_speak_the_lists_language(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("POST", "/v1/optin", raw=urlencode(FORM), headers=BROWSER)
    assert reply.status == 200
    assert '<html lang="pl"' in reply.body and "Sprawdź telefon" in reply.body
    assert "<strong>TAK</strong>" in reply.body and "Check your phone" not in reply.body

    error = aws.http("POST", "/v1/optin", raw=urlencode({**FORM, "sms_consent": ""}), headers=BROWSER)
    assert error.status == 422
    assert '<html lang="pl"' in error.body and "Sprawdź formularz" in error.body and "Zgoda na SMS-y" in error.body

    english = {**DEMO_LIST, "language": "en", "consent_text": {"version": "en-1", "text": "Yes"}}
    assert aws.http("PUT", "/v1/admin/lists/shop", english).status == 201
    reply = aws.http(
        "POST", "/v1/optin", raw=urlencode({**FORM, "list_id": "shop", "phone": "502 345 678"}), headers=BROWSER
    )
    assert '<html lang="en"' in reply.body and "Check your phone" in reply.body and "<strong>YES</strong>" in reply.body
