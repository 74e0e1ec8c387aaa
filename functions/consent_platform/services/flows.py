"""Flow definitions: create or replace, read with statistics, delete (stop), list."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..adapters.dynamodb import keys as k
from ..adapters.dynamodb.flows import FlowStore
from ..adapters.dynamodb.stores import Stores
from ..api.flows import FlowPage, FlowStats, FlowSummary, FlowView, StepPreview, StepStats
from ..domain.campaigns import with_opt_out
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.flows import FlowDefinition, FlowId, parse_flow, step_campaign_id
from ..domain.lists import StoredList
from ..domain.paging import decode_cursor, encode_cursor, page_size

# The sender's campaign counters (services/sender.py STAT_FOR) as a step's fields.
SENDER_FIELDS = {"sent": "sent", "deferred": "deferred", "failed": "failed"}
SENDER_SKIPS = "skipped_"


def _flow_id(flow_id: str) -> str:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(FlowId).validate_python(flow_id)
    except ValidationError:
        raise ValidationFailed("invalid flow id", {"flow_id": "1-64 of a-z, 0-9, _ and -"}) from None


def put_flow(stores: Stores, flow_id: str, data: dict[str, Any], now: datetime) -> tuple[FlowView, bool]:
    flow_id = _flow_id(flow_id)
    flow = parse_flow(data)
    stored_list = stores.catalog.get_list(flow.list_id)[0]
    if stored_list is None:
        raise NotFound(f"list {flow.list_id!r} does not exist", {"list_id": "unknown list"})
    step_previews(stores, flow, stored_list)  # 422 for a coupon pool that does not exist, before storing
    fields = {
        "flow_id": flow_id,
        "list_id": flow.list_id,
        "name": flow.name,
        "status": flow.status,
        "trigger_event": flow.trigger.kind,
        "exit_on": list(flow.exit_on),
        "definition": flow.model_dump_json(by_alias=True, exclude_none=True),
    }
    created = FlowStore(stores.table).put_flow(flow_id, fields, iso(now))
    if created is None:
        raise Conflict("this flow was deleted; give the new flow another id", {"flow_id": "deleted"})
    return get_flow(stores, flow_id), created


def get_flow(stores: Stores, flow_id: str) -> FlowView:
    store = FlowStore(stores.table)
    stored = store.get_flow(_flow_id(flow_id))
    if stored is None:
        raise NotFound(f"flow {flow_id!r} does not exist", {"flow_id": "unknown flow"})
    definition = json.loads(stored["definition"])
    flow = FlowDefinition.model_validate(definition)
    return FlowView(
        flow_id=stored["flow_id"],
        list_id=stored["list_id"],
        name=stored["name"],
        status=stored["status"],
        trigger=definition["trigger"],
        exit_on=definition.get("exit_on", []),
        steps=definition["steps"],
        created_at=stored["created_at"],
        updated_at=stored["updated_at"],
        version=int(stored.get("version", 1)),
        stats=flow_stats(store, stored["flow_id"], flow),
        previews=step_previews(stores, flow, stores.catalog.get_list(stored["list_id"])[0]),
    )


def step_previews(stores: Stores, flow: FlowDefinition, stored_list: StoredList | None) -> list[StepPreview]:
    """Each send step for a sample contact, with its worst-case parts (services/previews.py); none when
    the flow's list is gone."""
    from .previews import text_preview

    if stored_list is None:
        return []
    out = []
    for index, step in enumerate(flow.steps):
        if step.send is not None:
            text = stored_list.outgoing(with_opt_out(step.send.text, stored_list.language, stored_list.diacritics))
            shown = text_preview(stores, text, stored_list, field=f"steps[{index}].send.text")
            out.append(StepPreview(step=index, **shown))
    return out


def flow_stats(store: FlowStore, flow_id: str, flow: FlowDefinition) -> FlowStats:
    """The sweep's counters (one Query) and, per send step, the sender's (one Query each)."""
    counts = store.stats(flow_id)
    stats = FlowStats(entered=counts.get("entered", 0), completed=counts.get("completed", 0))
    for name, value in counts.items():
        if name.startswith("exited."):
            stats.exited[name.removeprefix("exited.")] = value
    for index, step in enumerate(flow.steps):
        stats.steps.append(_step_stats(store, flow_id, index, step.kind, counts))
    for step_stats in stats.steps:
        stats.sent += step_stats.sent
        stats.deferred += step_stats.deferred
        for reason, value in step_stats.skipped.items():
            stats.skipped[reason] = stats.skipped.get(reason, 0) + value
    stats.active = max(0, stats.entered - stats.completed - sum(stats.exited.values()))
    return stats


def _step_stats(store: FlowStore, flow_id: str, index: int, kind: str, counts: dict[str, int]) -> StepStats:
    prefix = f"s{index}."
    mine = {name.removeprefix(prefix): v for name, v in counts.items() if name.startswith(prefix)}
    step = StepStats(
        kind=kind,
        queued=mine.get("queued", 0),
        deferred=mine.get("deferred", 0),
        matched=mine.get("matched", 0),
        not_matched=mine.get("not_matched", 0),
        skipped={n.removeprefix("skipped."): v for n, v in mine.items() if n.startswith("skipped.")},
    )
    if kind == "send":
        sender = store.sender_stats(step_campaign_id(flow_id, index))
        step.sent = sender.get("sent", 0)
        step.failed = sender.get("failed", 0)
        step.deferred += sender.get("deferred", 0)
        for name, value in sender.items():
            if name.startswith(SENDER_SKIPS):
                reason = name.removeprefix(SENDER_SKIPS)
                step.skipped[reason] = step.skipped.get(reason, 0) + value
    return step


def delete_flow(stores: Stores, flow_id: str, now: datetime) -> dict[str, Any]:
    """Stop the flow: no new enrollments, and every enrollment under way is cancelled — counted now
    (``exited.flow_deleted``), ended by the sweep when its next step comes due."""
    view = get_flow(stores, flow_id)
    store = FlowStore(stores.table)
    if view.status == "deleted" or not store.mark_deleted(view.flow_id, iso(now)):
        raise NotFound(f"flow {flow_id!r} does not exist", {"flow_id": "already deleted"})
    pending = view.stats.active
    store.add_stats(view.flow_id, {"exited.flow_deleted": pending}, 0)
    return {"flow_id": view.flow_id, "status": "deleted", "cancelled": pending}


def list_flows(stores: Stores, limit: int | None, cursor: str | None) -> FlowPage:
    after = decode_cursor(cursor, k.FLOW.sk_prefix)
    found, last = FlowStore(stores.table).page_flows(page_size(limit), after, lambda _item: True)
    flows = [FlowSummary.model_validate({n: i.get(n) for n in FlowSummary.model_fields}) for i in found]
    return FlowPage(flows=flows, next=encode_cursor(last))
