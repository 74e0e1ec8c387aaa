"""`smsadmin apply`: lists and keywords as code — read the YAML, diff against the API, PUT what changed.

The diff covers only what the config says: server-added fields (timestamps, version, consent history,
usage) are ignored and, in ``messages``, only the templates the config gives are compared (the server
fills the others with language defaults). The server canonicalises some values (country codes upper
case, allowed_countries sorted, text stripped); both sides go through the same canonical form here, so a
second ``apply`` of the same file finds nothing to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from . import render
from .client import ApiError, Client, UsageError, path

Kind = Literal["list", "keyword"]
Status = Literal["new", "changed", "unchanged"]

# Fields the server adds to what was PUT; never part of the desired state.
SERVER_FIELDS: dict[Kind, frozenset[str]] = {
    "list": frozenset({"list_id", "created_at", "updated_at", "version", "consent_versions", "email_consent_versions"}),
    "keyword": frozenset({"keyword", "display", "created_at", "updated_at", "usage"}),
}
# Maps in which only the keys the config gives are compared (the server fills in the rest).
PARTIAL_MAPS: dict[Kind, frozenset[str]] = {"list": frozenset({"messages"}), "keyword": frozenset()}
# What a PUT without the field stores; a current value equal to it is no loss when the config omits it.
DEFAULTS: dict[Kind, dict[str, Any]] = {
    "list": {
        "language": "en",
        "diacritics": False,
        "transliterate": False,
        "max_segments": 4,
        "link_tracking": True,  # short links (issue 19)
        "link_expiry_days": 90,
        "attribution": {"click_days": 5, "view_days": 1},  # conversion windows (issue 19)
    },
    "keyword": {"match": "exact"},
}
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "(absent)"})()


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any

    def describe(self) -> str:
        before = "(absent)" if self.before is ABSENT else render.show(self.before)
        after = "(absent)" if self.after is ABSENT else render.show(self.after)
        return f"{self.field} {before} → {after}"

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "before": None if self.before is ABSENT else self.before,
            "after": None if self.after is ABSENT else self.after,
        }


@dataclass
class Item:
    kind: Kind
    key: str
    desired: dict[str, Any]
    status: Status = "unchanged"
    changes: list[Change] = field(default_factory=list)
    # Fields set on the server that the config does not mention: a PUT replaces the whole item, so
    # they go back to their defaults. Shown so that nobody loses e.g. a frequency cap by surprise.
    resets: list[Change] = field(default_factory=list)
    # Fields the server stored differently from the config after the PUT (the next apply would show them).
    drift: list[Change] = field(default_factory=list)

    @property
    def route(self) -> str:
        return path("v1", "admin", "lists" if self.kind == "list" else "keywords", self.key)

    def lines(self) -> list[str]:
        if self.status == "new":
            return [f"+ {self.kind} {self.key} (new)"]
        if self.status == "unchanged":
            return [f"= {self.kind} {self.key} unchanged"]
        notes = [
            f"    ! {c.field} {render.show(c.before)} is not in the config: the PUT resets it" for c in self.resets
        ]
        if len(self.changes) == 1:
            return [f"~ {self.kind} {self.key}: {self.changes[0].describe()}", *notes]
        return [f"~ {self.kind} {self.key}:", *(f"    {c.describe()}" for c in self.changes), *notes]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.key,
            "status": self.status,
            "changes": [c.as_json() for c in self.changes],
            "resets": [c.as_json() for c in self.resets],
        }


# --- loading -------------------------------------------------------------------------------------------


class ConfigLoader(yaml.SafeLoader):
    """YAML where a scalar is a string unless it is plainly true/false/null or a plain decimal integer.

    YAML 1.1 (PyYAML's default) would turn ``ON``/``NO`` (keywords!) into booleans, ``2026-11-01`` (a
    consent version) into a date and ``+48500000000`` (an origination number) into an int.
    """


ConfigLoader.yaml_implicit_resolvers = {}
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:0|[1-9][0-9]*)$"), list("0123456789"))
# `<<: *defaults` merges, so several lists can share one anchored block.
ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])

# Fields the API types as strings that a YAML author may well write as a bare number.
_STRING_PATHS: dict[Kind, tuple[tuple[str, ...], ...]] = {
    "list": (("consent_text", "version"), ("origination", "*")),
    "keyword": (("number",),),
}


@dataclass
class Config:
    lists: dict[str, dict[str, Any]]
    keywords: dict[str, dict[str, Any]]

    def items(self) -> Iterator[Item]:
        # Lists first: a keyword may name a list the same file creates.
        for key, body in self.lists.items():
            yield Item("list", key, body)
        for key, body in self.keywords.items():
            yield Item("keyword", key, body)


def load_config(file: Path) -> Config:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read {file}: {err.strerror or err}") from None
    try:
        data = yaml.load(text, Loader=ConfigLoader)  # noqa: S506 (ConfigLoader is a SafeLoader)
    except yaml.YAMLError as err:
        raise UsageError(f"{file} is not valid YAML: {err}") from None
    return parse_config(data, str(file))


def parse_config(data: Any, name: str = "config") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(f"{name}: expected a mapping with `lists:` and/or `keywords:`")
    unknown = sorted(str(k) for k in data if k not in ("lists", "keywords"))
    if unknown:
        raise UsageError(f"{name}: unknown top-level key(s) {', '.join(unknown)} (expected lists, keywords)")
    return Config(_section(data, "lists", name, "list"), _section(data, "keywords", name, "keyword"))


def _section(data: Mapping[str, Any], section: str, name: str, kind: Kind) -> dict[str, dict[str, Any]]:
    raw = data.get(section) or {}
    if not isinstance(raw, dict):
        raise UsageError(f"{name}: `{section}` must map each {kind} id to its body")
    out: dict[str, dict[str, Any]] = {}
    for key, body in raw.items():
        if not isinstance(body, dict):
            raise UsageError(f"{name}: {section}.{key} must be a mapping (the body of PUT /v1/admin/{section}/{key})")
        out[str(key)] = _stringify(dict(body), _STRING_PATHS[kind])
    return out


def _stringify(body: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    for spec in paths:
        parent: Any = body
        for part in spec[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        keys = list(parent) if spec[-1] == "*" else [spec[-1]]
        for key in keys:
            if isinstance(parent.get(key), int) and not isinstance(parent.get(key), bool):
                parent[key] = str(parent[key])
    return body


# --- diffing -------------------------------------------------------------------------------------------


def canonical(kind: Kind, body: Mapping[str, Any]) -> dict[str, Any]:
    """The form the server stores a value in, so that equal configs compare equal."""
    out = {key: _strip(value) for key, value in body.items()}
    if kind == "list":
        if isinstance(out.get("default_country"), str):
            out["default_country"] = out["default_country"].upper()
        if isinstance(out.get("allowed_countries"), list):
            out["allowed_countries"] = sorted({str(c).upper() for c in out["allowed_countries"]})
        if isinstance(out.get("language"), str):
            out["language"] = out["language"].lower()
        if isinstance(out.get("origination"), dict):
            out["origination"] = {
                ("default" if str(k).lower() == "default" else str(k).upper()): v for k, v in out["origination"].items()
            }
    return out


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def diff(kind: Kind, desired: Mapping[str, Any], current: Mapping[str, Any]) -> list[Change]:
    """Changes a PUT of ``desired`` would make to ``current``, field by field (dotted names)."""
    want, have = canonical(kind, desired), canonical(kind, current)
    changes: list[Change] = []
    for key, value in want.items():
        if key in SERVER_FIELDS[kind]:
            continue
        changes += _diff_value(key, value, have.get(key, ABSENT), partial=key in PARTIAL_MAPS[kind])
    return changes


def _diff_value(name: str, want: Any, have: Any, *, partial: bool = False) -> list[Change]:
    if isinstance(want, dict) and isinstance(have, dict):
        changes: list[Change] = []
        for key, value in want.items():
            changes += _diff_value(f"{name}.{key}", value, have.get(key, ABSENT))
        if not partial:  # a PUT replaces the map: keys only the server has disappear
            changes += [Change(f"{name}.{key}", value, ABSENT) for key, value in have.items() if key not in want]
        return changes
    if have is ABSENT and want is None:
        return []  # null and absent mean the same to the API
    return [] if want == have else [Change(name, have, want)]


def resets(kind: Kind, desired: Mapping[str, Any], current: Mapping[str, Any]) -> list[Change]:
    ignored = SERVER_FIELDS[kind] | PARTIAL_MAPS[kind]
    return [
        Change(key, value, ABSENT)
        for key, value in current.items()
        if key not in desired and key not in ignored and value is not None and value != DEFAULTS[kind].get(key)
    ]


# --- running -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    items: list[Item]
    dry_run: bool
    failed: Item | None = None
    error: ApiError | None = None

    def summary(self) -> dict[str, int]:
        done = [i for i in self.items if i is not self.failed]
        return {s: sum(1 for i in done if i.status == s) for s in ("new", "changed", "unchanged")}

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dry_run": self.dry_run,
            "items": [i.as_json() for i in self.items],
            "summary": self.summary(),
        }
        if self.failed is not None and self.error is not None:
            out["failed"] = {"kind": self.failed.kind, "id": self.failed.key, "error": self.error.body}
        return out


def plan_item(client: Client, item: Item) -> Item:
    current = client.get_or_none(item.route)
    if current is None:
        item.status = "new"
        return item
    body = current.body if isinstance(current.body, dict) else {}
    item.changes = diff(item.kind, item.desired, body)
    item.status = "changed" if item.changes else "unchanged"
    if item.changes:
        item.resets = resets(item.kind, item.desired, body)
    return item


def run(client: Client, config: Config, *, dry_run: bool, echo: Callable[[list[str]], None] | None = None) -> Outcome:
    """Plan and apply item by item, in order; stop at the first API error (later items may depend on it).

    ``echo`` receives each item's diff lines as soon as they are known.
    """
    outcome = Outcome([], dry_run)
    for item in config.items():
        outcome.items.append(item)
        try:
            plan_item(client, item)
            if echo is not None:
                echo(item.lines())
            if item.status != "unchanged" and not dry_run:
                stored = client.request("PUT", item.route, json_body=item.desired)
                if isinstance(stored.body, dict):
                    item.drift = diff(item.kind, item.desired, stored.body)
        except ApiError as err:
            outcome.failed, outcome.error = item, err
            break
    return outcome
