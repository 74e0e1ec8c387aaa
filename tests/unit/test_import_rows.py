"""Import files → rows: what a malformed file does (found by fuzzing: a stray carriage return was a 500)."""

from __future__ import annotations

import pytest

from consent_platform.domain.errors import MalformedBody
from consent_platform.services.imports import parse_rows


def rows(data: bytes, kind: str = "text/csv") -> list[tuple[int, dict | None, str]]:
    return list(parse_rows(data, kind))


def test_csv_rows_are_numbered_after_the_header_and_keep_quoted_newlines() -> None:
    got = rows(b'phone,evidence\r\n+48501234567,"signed up\nin store"\r\n+48501234568,web\r\n')
    assert got == [
        (1, {"phone": "+48501234567", "evidence": "signed up\nin store"}, ""),
        (2, {"phone": "+48501234568", "evidence": "web"}, ""),
    ]


@pytest.mark.parametrize("data", [b"\r\xc3\xb8\x10\x08", b"", b"name,evidence\nAnna,web\n"])
def test_a_file_without_a_phone_column_is_a_400(data: bytes) -> None:
    with pytest.raises(MalformedBody):
        rows(data)


def test_a_row_the_csv_reader_cannot_split_stops_the_file_with_a_row_error() -> None:
    data = b'phone,evidence\n+48501234567,a\n+48501234568,"' + b"x" * 140_000 + b'"\n+48501234569,c\n'
    got = rows(data)
    assert got[0] == (1, {"phone": "+48501234567", "evidence": "a"}, "")
    assert got[1][0] == 2 and got[1][1] is None and "malformed CSV" in got[1][2]
    assert len(got) == 2  # nothing after the broken row is guessed at


def test_json_lines_report_bad_lines_and_skip_blank_ones() -> None:
    got = rows(b'{"phone": "+48501234567"}\n\nnot json\n[1]\n', "application/x-ndjson")
    assert got == [(1, {"phone": "+48501234567"}, ""), (2, None, "not valid JSON"), (3, None, "not a JSON object")]


def test_a_file_that_is_not_utf8_is_a_400() -> None:
    with pytest.raises(MalformedBody):
        rows(b"phone\n\xff\xfe\n")
