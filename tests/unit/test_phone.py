import pytest

from consent_platform.domain.errors import InvalidPhone
from consent_platform.domain.phone import mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "region", "e164", "country"),
    [
        ("501 234 567", "PL", "+48501234567", "PL"),
        ("+48 501-234-567", None, "+48501234567", "PL"),
        ("0048501234567", "PL", "+48501234567", "PL"),
        ("(201) 555-0123", "US", "+12015550123", "US"),
        ("+1 201 555 0123", "PL", "+12015550123", "US"),  # international format wins over the default
        ("07400 123456", "GB", "+447400123456", "GB"),
    ],
)
def test_normalises_human_formats_to_e164(raw: str, region: str | None, e164: str, country: str) -> None:
    number = normalize_phone(raw, region)
    assert (number.e164, number.country) == (e164, country)


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", "PL", "required"),
        ("hello", "PL", "not a phone number"),
        ("123", "PL", "not a valid"),
        ("+48 22 123 45 67", None, "landline"),  # Warsaw fixed line
        ("800 123 456", "PL", "toll-free"),  # Polish toll-free
        ("+48 701 234 567", None, "premium-rate"),  # Polish premium rate
        ("+1 900 555 0123", None, "premium-rate"),
        ("+44 20 7946 0958", None, "landline"),
        ("+48 801 234 567", None, "shared-cost"),
        ("501 234 567", None, "not a phone number"),  # national format with no country to read it in
        ("1" * 50, "PL", "too long"),
    ],
)
def test_refuses_numbers_that_cannot_take_sms(raw: str, region: str | None, reason: str) -> None:
    with pytest.raises(InvalidPhone) as err:
        normalize_phone(raw, region)
    assert reason in err.value.fields["phone"]
    assert err.value.status == 422


def test_mask_keeps_only_last_four_digits() -> None:
    assert mask_phone("+48501234567") == "+*******4567"
    assert "50123" not in mask_phone("+48501234567")
    assert mask_phone("123") == "***"
    assert mask_phone(None) == ""
