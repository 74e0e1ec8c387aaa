from typing import Any

import pytest
from pydantic import ValidationError

from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.language import SUPPORTED_LANGUAGES
from consent_platform.domain.lists import ListConfig, lint_messages, resolve_messages


def config(**overrides: Any) -> ListConfig:
    base: dict[str, Any] = {
        "brand": "Kwiaciarnia Róża",
        "opt_in": "double",
        "default_country": "PL",
        "allowed_countries": ["PL", "US"],
        "frequency": "up to 4 msgs/month",
        "support": "pomoc@example.com",
        "consent_text": {"version": "v1", "text": "Tak, chcę SMS-y."},
        "language": "pl",
    }
    return ListConfig.model_validate({**base, **overrides})


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
@pytest.mark.parametrize("opt_in", ["double", "single"])
@pytest.mark.parametrize("countries", [["PL", "US"], ["PL"], None])
def test_default_messages_pass_the_lint_in_every_language(language: str, opt_in: str, countries: Any) -> None:
    cfg = config(language=language, opt_in=opt_in, allowed_countries=countries, default_country="PL")
    messages = resolve_messages(cfg)
    assert lint_messages(cfg, messages) == {}
    assert "Kwiaciarnia Róża" in messages["help"] and "pomoc@example.com" in messages["help"]


def test_rates_phrase_only_when_us_may_be_reached() -> None:
    assert "Msg & data rates may apply" in resolve_messages(config(allowed_countries=["PL", "US"]))["confirm_request"]
    # Unset allowed_countries means the list's own country only (issue 14): a Polish list reaches no US number.
    assert "Msg & data rates" not in resolve_messages(config(allowed_countries=None))["confirm_request"]
    assert (
        "Msg & data rates may apply"
        in resolve_messages(config(allowed_countries=None, default_country="US"))["confirm_request"]
    )
    assert "Msg & data rates" not in resolve_messages(config(allowed_countries=["PL"]))["confirm_request"]


def test_lint_names_each_missing_element() -> None:
    cfg = config(messages={"confirm_request": "Hello there"})
    problems = lint_messages(cfg, resolve_messages(cfg))
    text = problems["messages.confirm_request"]
    for element in ("brand name", "frequency", "STOP", "HELP", "Msg & data rates may apply", "how to confirm"):
        assert element in text
    assert set(problems) == {"messages.confirm_request"}


def test_single_opt_in_lints_the_welcome_message() -> None:
    cfg = config(
        opt_in="single",
        allowed_countries=["PL"],
        messages={"welcome": "Kwiaciarnia Róża: up to 4 msgs/month. Reply STOP to opt out."},
    )
    problems = lint_messages(cfg, resolve_messages(cfg))
    assert problems == {"messages.welcome": "missing HELP instructions (POMOC or HELP)"}


def test_custom_compliant_message_is_kept() -> None:
    text = "Kwiaciarnia Róża: reply TAK to join. Up to 4 msgs/month. Msg & data rates may apply. HELP for help, STOP to end."
    cfg = config(messages={"confirm_request": text})
    messages = resolve_messages(cfg)
    assert messages["confirm_request"] == text
    assert lint_messages(cfg, messages) == {}


def test_stop_word_must_be_a_word() -> None:
    cfg = config(
        allowed_countries=["PL"],
        messages={"confirm_request": "Kwiaciarnia Róża: odpisz TAK. up to 4 msgs/month. POMOC. Nonstop deals!"},
    )
    assert "STOP instructions" in lint_messages(cfg, resolve_messages(cfg))["messages.confirm_request"]


def test_unknown_language_needs_every_message() -> None:
    with pytest.raises(ValidationFailed) as err:
        resolve_messages(config(language="it"))
    assert "language" in err.value.fields


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("default_country", "XX"),
        ("allowed_countries", ["PL", "ZZ"]),
        ("opt_in", "triple"),
        ("brand", ""),
        ("language", "polish"),
        ("origination", {"XX": "+48500000000"}),
    ],
)
def test_invalid_config_is_refused(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as err:
        config(**{field: value})
    assert err.value.errors()[0]["loc"][0] == field


def test_default_country_must_be_allowed() -> None:
    with pytest.raises(ValidationError):
        config(default_country="DE", allowed_countries=["PL"])


def test_origination_keys_are_normalised() -> None:
    cfg = config(origination={"pl": "+48500000000", "Default": "12345"})
    assert cfg.origination == {"PL": "+48500000000", "default": "12345"}
