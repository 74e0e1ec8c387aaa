"""Polls (issue #20): the definition (``CONFIG`` / ``POLL#<id>``), its sharded tallies and each number's
record (``~POLL#<id>`` under the number). The worker's writes are operations of its one inbound
transaction (marker first), so a redelivered message counts nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...domain.messages import RESEND_SUFFIX, campaign_message_id
from ..aws import client
from . import keys as k
from .table import Op, Table

if TYPE_CHECKING:
    from ...domain.polls import StoredPoll, Voter

# A sent-message record with one of these outcomes means the question did not reach the number.
NOT_DELIVERED = frozenset({"failed", "not_sent", "destination_opted_out"})


class PollStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- the definition --------------------------------------------------------------------------

    def get(self, poll_id: str) -> dict[str, Any] | None:
        return self.table.batch_get([k.POLL.key(poll_id=poll_id)]).get(k.POLL.pair(poll_id=poll_id))

    def put(self, poll: StoredPoll, previous_version: int | None) -> None:
        """Create (``previous_version`` None: must not exist) or replace the version read (else 409)."""
        from .table import Transaction

        data = {**k.POLL.plain(poll_id=poll.poll_id), **poll.model_dump(mode="json")}
        Transaction().add(Op("poll", self.table.versioned_put(data, previous_version))).commit()

    def page(self, limit: int, after: str | None) -> tuple[list[dict[str, Any]], str | None]:
        return self.table.page(k.POLL.pk, k.POLL.sk_prefix, limit, after, lambda _item: True)

    def set_campaign(self, poll_id: str, campaign_id: str, version: int) -> bool:
        """Store the campaign that sends the question, only on the version read (a concurrent send
        loses: ``False``)."""
        ddb = client("dynamodb")
        try:
            ddb.update_item(
                TableName=self.table.name,
                Key=k.POLL.key(poll_id=poll_id),
                UpdateExpression="SET campaign_id = :c, version = :next",
                ConditionExpression="version = :v",
                ExpressionAttributeValues={
                    ":c": {"S": campaign_id},
                    ":v": {"N": str(version)},
                    ":next": {"N": str(version + 1)},
                },
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def tallies(self, poll_id: str) -> dict[str, int]:
        """Every counter summed over the shards: one Query of the poll's partition."""
        out: dict[str, int] = {}
        for item in self.table.query(k.POLL_TALLY.pk.format(poll_id=poll_id)):
            for name, value in item.items():
                if name not in ("pk", "sk"):
                    out[name] = out.get(name, 0) + int(value)
        return out

    # ---- at answer time (the inbound worker) ------------------------------------------------------

    def voters(self, polls: list[StoredPoll], phone: str) -> dict[str, Voter]:
        """For each poll: did its campaign send the question to ``phone`` (the sender's record of that
        message, or of its one resend), and the number's own record — one BatchGetItem for all."""
        from ...domain.polls import Voter

        wanted: list[dict[str, Any]] = []
        for poll in polls:
            wanted.append(k.POLL_VOTE.key(phone=phone, poll_id=poll.poll_id))
            for message_id in _question_ids(poll, phone):
                wanted.append(k.MESSAGE.key(phone=phone, message_id=message_id))
        found = self.table.batch_get(wanted)
        out: dict[str, Voter] = {}
        for poll in polls:
            sent = [found.get(k.MESSAGE.pair(phone=phone, message_id=m)) for m in _question_ids(poll, phone)]
            got = any(r is not None and r.get("outcome") not in NOT_DELIVERED for r in sent)
            out[poll.poll_id] = Voter(got, found.get(k.POLL_VOTE.pair(phone=phone, poll_id=poll.poll_id)))
        return out

    def record_op(self, phone: str, poll_id: str, sets: dict[str, Any], condition: str | None, adds: int = 0) -> Op:
        """Update the number's record: SET ``sets`` (and ADD 1 to ``repeats`` with ``adds``) only if
        ``condition`` holds. A failed condition is a concurrent answer: ``ConcurrentUpdate`` (SQS retries)."""
        names = {f"#s{i}": name for i, name in enumerate(sets)}
        values: dict[str, Any] = {f":s{i}": _attr(v) for i, v in enumerate(sets.values())}
        expression = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
        if adds:
            names["#r"], values[":one"] = "repeats", {"N": str(adds)}
            expression += " ADD #r :one"
        update: dict[str, Any] = {
            "TableName": self.table.name,
            "Key": k.POLL_VOTE.key(phone=phone, poll_id=poll_id),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if condition:
            update["ConditionExpression"] = condition
        return Op("poll_record", {"Update": update})

    def tally_op(self, poll_id: str, phone: str, counts: dict[str, int]) -> Op:
        key = k.POLL_TALLY.key(poll_id=poll_id, shard=k.shard(phone, k.STATS_SHARDS))
        return Op("poll_tally", self.table.add_counts(key, counts))


def _question_ids(poll: StoredPoll, phone: str) -> list[str]:
    if not poll.campaign_id:
        return []
    original = campaign_message_id(poll.campaign_id, phone)
    return [original, f"{original}{RESEND_SUFFIX}"]


_SERIALISERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    str: lambda v: {"S": v},
    int: lambda v: {"N": str(v)},
}


def _attr(value: Any) -> dict[str, Any]:
    return _SERIALISERS[type(value)](value)
