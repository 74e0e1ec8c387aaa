import pytest

from consent_platform.domain.segments import count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters count two septets: 160
        ("€" * 81, "GSM-7", 2),
        ("ą", "UCS-2", 1),  # Polish diacritics force UCS-2
        ("ż" * 70, "UCS-2", 1),
        ("ż" * 71, "UCS-2", 2),
        ("ż" * 134, "UCS-2", 2),
        ("ż" * 135, "UCS-2", 3),
        ("Hi {name}, -20% today! @£$¥èé", "GSM-7", 1),
        ("😀" * 35, "UCS-2", 1),  # astral characters take two UTF-16 units: exactly 70
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_encoding_and_parts(text: str, encoding: str, segments: int) -> None:
    info = count_segments(text)
    assert (info.encoding, info.segments) == (encoding, segments)


@pytest.mark.parametrize("char", list("^{}\\[~]|€\f"))
def test_every_extension_character_costs_two(char: str) -> None:
    assert count_segments(char).units == 2
    assert count_segments(char).encoding == "GSM-7"


def test_escape_pair_is_never_split_across_parts() -> None:
    # 152 basic septets then one 2-septet character: 154 septets. ceil(154/153) = 2 parts and the
    # pair fits in part 2; but 153 septets + "€" at the boundary must move the pair to the next part.
    text = "a" * 152 + "€" + "a" * 152 + "€"
    info = count_segments(text)
    assert info.units == 308
    assert info.segments == 3  # naive ceil(308 / 153) would say 3 as well; check the boundary case:
    boundary = "a" * 152 + "€" * 77  # 152 + 154 = 306 septets = exactly 2 × 153 if splitting were allowed
    assert count_segments(boundary).segments == 3


def test_characters_counts_code_points() -> None:
    assert count_segments("Róża").characters == 4
