"""`smsadmin apply`: YAML loading, diffing and the GET → PUT-only-what-changed loop (against the fake API)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.support import FakeApi, Recorded, apply, run_cli

SHOP = {
    "brand": "Rose Florist",
    "opt_in": "single",
    "default_country": "US",
    "allowed_countries": ["US"],
    "frequency": "up to 4 msgs/month",
    "support": "help@rose.example",
    "consent_text": {"version": "2026-11-01", "text": "Yes, send me SMS offers from Rose Florist."},
}
STORED_SHOP = {
    **SHOP,
    "language": "en",
    "messages": {"confirm_request": "c", "welcome": "w", "help": "h", "stop": "s"},
    "frequency_cap": None,
    "thank_you_url": None,
    "origination": None,
    "list_id": "shop",
    "consent_versions": ["2026-11-01"],
    "created_at": "2026-11-01T10:00:00Z",
    "updated_at": "2026-11-01T10:00:00Z",
}
STORED_KEYWORD = {
    "number": "4301",
    "action": "join",
    "list_id": "shop",
    "match": "exact",
    "reply": None,
    "keyword": "ROSES",
    "display": "ROSES",
    "created_at": "2026-11-01T10:00:00Z",
    "updated_at": "2026-11-01T10:00:00Z",
    "usage": {"total": 3, "per_day": {"2026-11-02": 3}},
}
CONFIG = """\
lists:
  shop:
    brand: Rose Florist
    opt_in: single
    default_country: US
    allowed_countries: [US]
    frequency: up to 4 msgs/month
    support: help@rose.example
    consent_text:
      version: 2026-11-01
      text: Yes, send me SMS offers from Rose Florist.
keywords:
  ROSES:
    number: 4301
    action: join
    list_id: shop
"""


# --- loading --------------------------------------------------------------------------------------------


def test_yaml_scalars_stay_strings_where_yaml_1_1_would_mangle_them() -> None:
    data = yaml.load(
        """
keywords:
  ON: {action: reply, reply: "Opening hours 9-17", number: 4301}
  NO: {action: reply, reply: x}
lists:
  shop:
    consent_text: {version: 2026-11-01, text: "Yes"}
    origination: {US: 12345, PL: +48500000000, default: 0048500000000}
    frequency_cap: {messages: 2, days: 7}
    allowed_countries: [NO, US]
    single: yes
    flag: true
""",
        Loader=apply.ConfigLoader,
    )
    config = apply.parse_config(data)
    assert list(config.keywords) == ["ON", "NO"]  # not True / False
    assert config.keywords["ON"]["number"] == "4301"  # an int in YAML, a string for the API
    shop = config.lists["shop"]
    assert shop["consent_text"]["version"] == "2026-11-01"  # not datetime.date
    assert shop["origination"] == {"US": "12345", "PL": "+48500000000", "default": "0048500000000"}
    assert shop["frequency_cap"] == {"messages": 2, "days": 7}
    assert shop["allowed_countries"] == ["NO", "US"]  # Norway, not False
    assert (shop["single"], shop["flag"]) == ("yes", True)


def test_anchors_and_merge_keys_share_settings(tmp_path: Path) -> None:
    file = tmp_path / "c.yaml"
    file.write_text(
        "lists:\n  a: &base {brand: B, opt_in: single, frequency: f}\n  b:\n    <<: *base\n    brand: C\n",
        encoding="utf-8",
    )
    config = apply.load_config(file)
    assert config.lists["b"] == {"brand": "C", "opt_in": "single", "frequency": "f"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a mapping"),
        ("lists: {}\nkeyword: {}\n", "unknown top-level key(s) keyword"),
        ("lists: [a, b]\n", "`lists` must map each list id"),
        ("lists:\n  shop: 3\n", "lists.shop must be a mapping"),
        ("lists: {a: [}\n", "is not valid YAML"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "c.yaml"
    file.write_text(text, encoding="utf-8")
    result = run_cli("--endpoint", "http://127.0.0.1:9", "apply", str(file))
    assert result.code == 2
    assert message in result.err


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("apply", str(tmp_path / "nope.yaml"))
    assert result.code == 2 and "cannot read" in result.err


# --- diffing ------------------------------------------------------------------------------------------


def test_server_fields_and_canonical_forms_are_not_changes() -> None:
    desired = {**SHOP, "default_country": "us ", "allowed_countries": ["US", "US"], "brand": " Rose Florist"}
    assert apply.diff("list", desired, STORED_SHOP) == []


def test_allowed_countries_are_a_set() -> None:
    current = {**STORED_SHOP, "allowed_countries": ["PL", "US"]}
    assert apply.diff("list", {**SHOP, "allowed_countries": ["US", "PL"]}, current) == []
    [change] = apply.diff("list", {**SHOP, "allowed_countries": ["US", "DE"]}, current)
    assert (change.field, change.before, change.after) == ("allowed_countries", ["PL", "US"], ["DE", "US"])


def test_only_the_messages_the_config_gives_are_compared() -> None:
    assert apply.diff("list", {**SHOP, "messages": {"welcome": "w"}}, STORED_SHOP) == []
    [change] = apply.diff("list", {**SHOP, "messages": {"help": "new help"}}, STORED_SHOP)
    assert change.describe() == "messages.help 'h' → 'new help'"


def test_other_maps_are_replaced_whole() -> None:
    current = {**STORED_SHOP, "origination": {"US": "12345", "default": "+48500000000"}}
    changes = apply.diff("list", {**SHOP, "origination": {"US": "54321"}}, current)
    assert [c.describe() for c in changes] == [
        "origination.US '12345' → '54321'",
        "origination.default '+48500000000' → (absent)",
    ]


def test_a_new_field_and_null_versus_absent() -> None:
    [change] = apply.diff("list", {**SHOP, "frequency_cap": {"messages": 2, "days": 7}}, STORED_SHOP)
    assert change.describe() == 'frequency_cap (none) → {"messages":2,"days":7}'
    assert (
        apply.diff(
            "keyword", {"action": "join", "list_id": "shop", "reply": None}, {"action": "join", "list_id": "shop"}
        )
        == []
    )


def test_fields_only_the_server_has_are_reported_as_resets() -> None:
    current = {**STORED_SHOP, "frequency_cap": {"messages": 2, "days": 7}, "language": "en"}
    resets = apply.resets("list", SHOP, current)
    assert [c.field for c in resets] == ["frequency_cap"]  # language "en" is the default anyway
    assert apply.resets("keyword", {"action": "join", "list_id": "shop"}, STORED_KEYWORD) == [
        apply.Change("number", "4301", apply.ABSENT)
    ]


def test_diff_lines() -> None:
    item = apply.Item("list", "demo", {})
    item.status, item.changes = "changed", [apply.Change("frequency", "a", "b")]
    assert item.lines() == ["~ list demo: frequency 'a' → 'b'"]
    item.changes.append(apply.Change("brand", "x" * 100, "y"))
    item.resets = [apply.Change("frequency_cap", {"messages": 2, "days": 7}, apply.ABSENT)]
    assert item.lines() == [
        "~ list demo:",
        "    frequency 'a' → 'b'",
        "    brand '" + "x" * 77 + "…' → 'y'",
        '    ! frequency_cap {"messages":2,"days":7} is not in the config: the PUT resets it',
    ]
    assert apply.Item("keyword", "KWIATY", {}, "unchanged").lines() == ["= keyword KWIATY unchanged"]
    assert apply.Item("list", "shop", {}, "new").lines() == ["+ list shop (new)"]


# --- against the fake API -------------------------------------------------------------------------------


class Store:
    """A fake admin API for lists and keywords that stores what is PUT (plus server fields)."""

    def __init__(self, api: FakeApi, lists: dict[str, Any], keywords: dict[str, Any]) -> None:
        self.lists, self.keywords = lists, keywords
        for name in ("shop", "demo"):
            api.on("GET", f"/v1/admin/lists/{name}", handler=self.getter(self.lists, name))
            api.on("PUT", f"/v1/admin/lists/{name}", handler=self.putter(self.lists, name, STORED_SHOP))
        api.on("GET", "/v1/admin/keywords/ROSES", handler=self.getter(self.keywords, "ROSES"))
        api.on("PUT", "/v1/admin/keywords/ROSES", handler=self.putter(self.keywords, "ROSES", STORED_KEYWORD))

    @staticmethod
    def getter(table: dict[str, Any], key: str) -> Any:
        def get(_req: Recorded) -> tuple[int, Any]:
            if key in table:
                return 200, table[key]
            return 404, {"error": {"code": "not_found", "message": f"{key!r} does not exist", "fields": {}}}

        return get

    @staticmethod
    def putter(table: dict[str, Any], key: str, template: dict[str, Any]) -> Any:
        def put(req: Recorded) -> tuple[int, Any]:
            created = key not in table
            table[key] = {**copy.deepcopy(template), **req.json(), "updated_at": "now"}
            return (201 if created else 200), table[key]

        return put


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    file = tmp_path / "config.yaml"
    file.write_text(CONFIG, encoding="utf-8")
    return file


def test_apply_creates_then_finds_everything_unchanged(api: FakeApi, config_file: Path) -> None:
    Store(api, {}, {})
    first = run_cli("--endpoint", api.url, "apply", str(config_file))
    assert first.code == 0, first.err
    assert first.out.splitlines() == [
        "+ list shop (new)",
        "+ keyword ROSES (new)",
        "applied: 2 created, 0 changed, 0 unchanged",
    ]
    puts = api.calls("PUT")
    assert [r.path for r in puts] == ["/v1/admin/lists/shop", "/v1/admin/keywords/ROSES"]  # lists first
    assert puts[0].json()["consent_text"]["version"] == "2026-11-01"
    assert puts[1].json() == {"number": "4301", "action": "join", "list_id": "shop"}

    api.requests.clear()
    second = run_cli("--endpoint", api.url, "apply", str(config_file))
    assert second.code == 0, second.err
    assert second.out.splitlines() == [
        "= list shop unchanged",
        "= keyword ROSES unchanged",
        "applied: 0 created, 0 changed, 2 unchanged",
    ]
    assert api.calls("PUT") == []
    assert len(api.calls("GET")) == 2


def test_apply_puts_only_what_changed(api: FakeApi, config_file: Path) -> None:
    store = Store(api, {"shop": {**STORED_SHOP, "frequency": "up to 2 msgs/month"}}, {"ROSES": STORED_KEYWORD})
    result = run_cli("--endpoint", api.url, "apply", str(config_file))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "~ list shop: frequency 'up to 2 msgs/month' → 'up to 4 msgs/month'",
        "= keyword ROSES unchanged",
        "applied: 0 created, 1 changed, 1 unchanged",
    ]
    [put] = api.calls("PUT")
    assert put.path == "/v1/admin/lists/shop"
    assert store.lists["shop"]["frequency"] == "up to 4 msgs/month"


def test_dry_run_writes_nothing(api: FakeApi, config_file: Path) -> None:
    Store(api, {"shop": {**STORED_SHOP, "brand": "Old"}}, {})
    result = run_cli("--endpoint", api.url, "apply", str(config_file), "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "~ list shop: brand 'Old' → 'Rose Florist'",
        "+ keyword ROSES (new)",
        "dry run: 1 to create, 1 to change, 0 unchanged; nothing was written",
    ]
    assert api.calls("PUT") == []


def test_json_output_is_machine_readable_and_the_diff_goes_to_stderr(api: FakeApi, config_file: Path) -> None:
    Store(api, {"shop": {**STORED_SHOP, "brand": "Old"}}, {"ROSES": STORED_KEYWORD})
    result = run_cli("--endpoint", api.url, "--json", "apply", str(config_file), "--dry-run")
    assert result.code == 0
    assert result.json() == {
        "dry_run": True,
        "items": [
            {
                "kind": "list",
                "id": "shop",
                "status": "changed",
                "changes": [{"field": "brand", "before": "Old", "after": "Rose Florist"}],
                "resets": [],
            },
            {"kind": "keyword", "id": "ROSES", "status": "unchanged", "changes": [], "resets": []},
        ],
        "summary": {"new": 0, "changed": 1, "unchanged": 1},
    }
    assert "~ list shop: brand 'Old' → 'Rose Florist'" in result.err


def test_apply_stops_at_the_first_api_error(api: FakeApi, config_file: Path) -> None:
    Store(api, {}, {})
    conflict = {
        "error": {
            "code": "conflict",
            "message": "consent text version 2026-11-01 exists",
            "fields": {"consent_text.version": "publish new wording under a new version"},
        }
    }
    api.on("PUT", "/v1/admin/lists/shop", 409, conflict)
    result = run_cli("--endpoint", api.url, "apply", str(config_file))
    assert result.code == 1
    assert "error: HTTP 409 conflict: consent text version 2026-11-01 exists" in result.err
    assert "  consent_text.version: publish new wording under a new version" in result.err
    assert "apply stopped at list shop; nothing was written" in result.err
    assert [r.path for r in api.requests] == ["/v1/admin/lists/shop", "/v1/admin/lists/shop"]  # no keyword


def test_a_missing_route_is_not_mistaken_for_a_new_item(api: FakeApi, config_file: Path) -> None:
    result = run_cli("--endpoint", api.url, "apply", str(config_file))  # the fake knows no route at all
    assert result.code == 1
    assert "no such route" in result.err
    assert api.calls("PUT") == []


def test_server_side_rewrites_are_pointed_out(api: FakeApi, config_file: Path) -> None:
    Store(api, {}, {})

    def put(req: Recorded) -> tuple[int, Any]:
        return 201, {**STORED_SHOP, **req.json(), "brand": "ROSE FLORIST"}

    api.on("PUT", "/v1/admin/lists/shop", handler=put)
    result = run_cli("--endpoint", api.url, "apply", str(config_file))
    assert result.code == 0
    assert "the server stored brand as 'ROSE FLORIST', not 'Rose Florist'" in result.err
