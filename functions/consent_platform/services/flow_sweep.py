"""The flow sweep: every minute, the enrollments whose next step is due run it (services/flow_engine.py
says what one step costs and why it happens once).

Each run reads every flow once (one Query), then each GroupIndex shard from its oldest due item up to
now, a page at a time: per page, each enrollment's number is read once (consent, zone, profile), the
page's messages are queued together (``SendMessageBatch``), and each enrollment moves on with one
conditional write. Counters are written once per flow per run. A paused flow's enrollments wait (looked
at again an hour later); a deleted flow's end (its DELETE counted them).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..adapters.dynamodb import keys as k
from ..adapters.dynamodb.flows import FlowStore
from ..adapters.dynamodb.stores import Stores
from ..adapters.queue import OutboundQueue
from ..domain.clock import iso, parse_iso
from ..domain.flows import FlowDefinition, Walk, walk
from ..domain.lists import StoredList
from ..domain.messages import OutboundMessage
from .coupons import POOL_EMPTY, CouponIssuer
from .flow_dates import fire_watch, plan_dates
from .flow_engine import PAGE, PAUSED_RECHECK_S, Sending, contact_of, definition, step_codes, step_message

# Terminal statuses of a walk's end. "exited" (not "cancelled"): a message this same walk queued before
# the exit must still go out — only an exit_on event or a deleted flow cancels queued messages.
END_STATUS = {"completed": "completed", "exited": "exited"}


@dataclass
class SweepReport:
    due: int = 0
    queued: int = 0
    moved: int = 0
    raced: int = 0  # moved by someone else between our read and our write (a concurrent run, an exit)
    more: bool = False
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"due": self.due, "queued": self.queued, "moved": self.moved, "raced": self.raced, "more": self.more}


@dataclass
class _Run:
    stores: Stores
    flows: FlowStore
    queue: OutboundQueue
    now: datetime
    every: dict[str, dict[str, Any]]
    report: SweepReport
    lists: dict[str, StoredList | None] = field(default_factory=dict)
    parsed: dict[str, FlowDefinition] = field(default_factory=dict)
    coupons: CouponIssuer = field(init=False)

    def stored_list(self, list_id: str) -> StoredList | None:
        if list_id not in self.lists:
            self.lists[list_id] = self.stores.catalog.get_list(list_id)[0]
        return self.lists[list_id]

    def definition(self, flow_id: str) -> FlowDefinition:
        if flow_id not in self.parsed:
            self.parsed[flow_id] = definition(self.every[flow_id])
        return self.parsed[flow_id]


def sweep(
    stores: Stores, queue: OutboundQueue, now: datetime, out_of_time: Callable[[], bool] = lambda: False
) -> SweepReport:
    flows = FlowStore(stores.table)
    run = _Run(stores, flows, queue, now, {f["flow_id"]: f for f in flows.all_flows()}, SweepReport())
    plan_dates(stores, list(run.every.values()), now)  # date flows: a day's people, once a day (flow_dates.py)
    run.coupons = CouponIssuer(stores)
    try:
        for shard in range(k.FLOW_DUE_SHARDS):
            for page in flows.due(shard, iso(now), PAGE):
                if out_of_time():
                    run.report.more = True
                    return run.report
                _run_page(run, page)
    finally:
        run.coupons.emit()
        for flow_id, counts in run.report.counts.items():
            flows.add_stats(flow_id, dict(counts), random.randrange(k.STATS_SHARDS))  # noqa: S311
    return run.report


def _run_page(run: _Run, page: list[dict[str, Any]]) -> None:
    planned: list[tuple[dict[str, Any], dict[str, Any], bool, dict[str, int]]] = []
    messages: list[OutboundMessage] = []
    for item in page:
        if k.FLOW_WATCH.matches(item["pk"], item["sk"]):  # an inactivity flow's watch: it starts an enrollment
            fire_watch(run.stores, run.every.get(item["flow_id"]), item)
            continue
        run.report.due += 1
        planned.append(_plan(run, item, messages))
    if messages:
        run.queue.send(messages)  # before the moves: a move that never happens re-queues the same ids
        run.report.queued += len(messages)
    for item, changes, finished, counts in planned:
        if run.flows.move(item, changes, remove_due=finished):
            run.report.moved += 1
            run.report.counts.setdefault(item["flow_id"], Counter()).update(counts)
        else:
            run.report.raced += 1


def _plan(
    run: _Run, item: dict[str, Any], messages: list[OutboundMessage]
) -> tuple[dict[str, Any], dict[str, Any], bool, dict[str, int]]:
    """(the enrollment, its changes, whether it ends, the counts) — and its messages appended."""
    flow = run.every.get(item["flow_id"])
    if flow is None or flow.get("status") == "deleted":
        return item, _ended(run, "cancelled", "flow_deleted"), True, {}  # counted by the DELETE
    if flow.get("status") == "paused":
        later = iso(run.now + timedelta(seconds=PAUSED_RECHECK_S))
        return item, {"group_sk": k.flow_due_sort_key(later, item["enrollment"])}, False, {}
    stored = run.stored_list(item["list_id"])
    if stored is None:
        return item, _ended(run, "exited", "list_deleted"), True, {"exited.list_deleted": 1}
    state = run.stores.consent.load_phone(item["phone"])
    contact, zones, rule = contact_of(state, item["phone"], item["list_id"])
    flow_def = run.definition(item["flow_id"])
    due = parse_iso(item["group_sk"].split("#", 1)[0])
    outcome: Walk = walk(flow_def, int(item.get("step", 0)), due, contact, run.now)
    counts = dict(outcome.counts)
    for index in outcome.sends:
        codes = step_codes(item, flow_def, index, run.coupons)
        if codes is None:  # its coupon pool is empty: the step is skipped, counted, and the walk goes on
            counts[f"s{index}.queued"] -= 1
            counts[f"s{index}.skipped.{POOL_EMPTY}"] = counts.get(f"s{index}.skipped.{POOL_EMPTY}", 0) + 1
            continue
        messages.append(step_message(item, flow_def, index, stored, contact, Sending(zones, rule, codes)))
    if outcome.finished is not None:
        kind, _, reason = outcome.finished.partition(":")
        counts["completed" if kind == "completed" else f"exited.{reason}"] = 1
        changes = {**_ended(run, END_STATUS[kind], reason or None), "step": outcome.step}
        return item, changes, True, counts
    sort_key = k.flow_due_sort_key(iso(outcome.due), item["enrollment"])
    return item, {"step": outcome.step, "group_sk": sort_key}, False, counts


def _ended(run: _Run, status: str, reason: str | None) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": status, "ended_at": iso(run.now)}
    if reason:
        changes["exit_reason"] = reason
    return changes


__all__ = ["SweepReport", "sweep"]
