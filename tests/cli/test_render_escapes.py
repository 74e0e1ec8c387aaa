"""The CLI escapes whatever it prints (issue 14 #6): data stored before the API refused control
characters, or arriving by a way in that missed them, must not drive the admin's terminal (ANSI), forge
lines in a printed proof of consent (CR/LF), read backwards (bidi overrides) or be cut short (NUL)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from tests.cli.support import FakeApi, run_cli
from tests.cli.test_render import CAMPAIGN, CONTACT

# What a terminal or a reader could be fooled by, as it would appear raw in the output.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def hostile_contact() -> dict[str, Any]:
    return with_fields(CONTACT)


def benign_contact() -> dict[str, Any]:
    """The same fields with the unsafe characters dropped: what the printout's shape should be."""
    return json.loads(UNSAFE.sub("", json.dumps(hostile_contact(), ensure_ascii=False)).replace("\\n", ""))


def with_fields(base: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["profile"]["first_name"] = "Anna\x1b[2J\x1b[31m"
    data["profile"]["attributes"] = {"city\u202e": "Łódź\x9b31m"}
    entry = data["ledger"][0]
    entry["user_agent"] = "Mozilla/5.0\r\nconsent version:  forged"
    entry["source"] = "web\x00form"
    entry.setdefault("detail", {})["note\nforged"] = "x\u2028y"
    return data


def test_contact_show_prints_every_control_character_escaped(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contacts/%2B48501234567", body=benign_contact())
    clean_lines = run_cli("--endpoint", api.url, "contact", "show", "+48501234567").out.count("\n")
    api.on("GET", "/v1/admin/contacts/%2B48501234567", body=hostile_contact())
    result = run_cli("--endpoint", api.url, "contact", "show", "+48501234567")
    assert result.code == 0, result.err
    assert not UNSAFE.search(result.out), repr(result.out)
    # No forged lines: the hostile record prints exactly as many lines as the same record made harmless.
    assert result.out.count("\n") == clean_lines
    for shown in ("Anna\\x1b[2J\\x1b[31m", "Mozilla/5.0\\x0d\\x0aconsent version:", "web\\x00form", "city\\u202e"):
        assert shown in result.out, result.out


def test_json_output_is_the_same_value_with_nothing_raw(api: FakeApi) -> None:
    api.on("GET", "/v1/admin/contacts/%2B48501234567", body=hostile_contact())
    result = run_cli("--endpoint", api.url, "--json", "contact", "show", "+48501234567")
    assert not UNSAFE.search(result.out), repr(result.out)
    assert json.loads(result.out) == hostile_contact()


def test_campaign_show_escapes_its_name_and_preview(api: FakeApi) -> None:
    hostile = {**CAMPAIGN, "name": "BF\x1b]0;pwned\x07", "preview": {**CAMPAIGN["preview"], "text": "Hi\u202e!"}}
    api.on("GET", "/v1/admin/campaigns/4f0c2a9e1b7d4c11", body=hostile)
    result = run_cli("--endpoint", api.url, "campaign", "show", "4f0c2a9e1b7d4c11")
    assert result.code == 0, result.err
    assert not UNSAFE.search(result.out), repr(result.out)
