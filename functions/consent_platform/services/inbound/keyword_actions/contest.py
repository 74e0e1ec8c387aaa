"""``contest``: texting a contest's keyword enters it (issue #20). Written by ``PUT /v1/admin/contests``
only (the keyword's ``params`` carry the contest's id and window).

Inside [opens_at, closes_at): one entry, written in the message's own transaction (after the inbound
marker: a redelivery counts nothing twice), answered by the contest's entry reply (transactional, capped
like every automatic reply; it says that entering is not marketing consent). A number that may enter
once and enters again: the entry's condition fails, the message is planned again and recorded as a
duplicate, counted apart and not answered (repeated texts must not become repeated paid SMS). Outside
the window: a short "not open yet" / "closed" notice, once per number (again a conditional write).
Entering never touches a subscription.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....domain.clock import iso
from ....domain.contests import ContestRef, entrant, notice, window_state
from ....domain.keywords import StoredKeyword
from ..context import Refused
from ..outcome import UNMATCHED, Outcome
from .action import KeywordAction

if TYPE_CHECKING:
    from ..context import Context


def run(ctx: Context, keyword: StoredKeyword) -> Outcome:
    if not keyword.params:
        return UNMATCHED
    ref = ContestRef.model_validate(keyword.params)
    contest_id, phone = ref.contest_id, ctx.sender
    ctx.plan.handled_as = f"contest:{contest_id}"
    state = window_state(ref.opens_at, ref.closes_at, ctx.at, ctx.now)
    if state != "open":
        tag = f"contest_notice:{contest_id}"
        if tag not in ctx.refused:
            at = iso(ctx.at)
            ctx.plan.writes.append(lambda stores: [stores.contests.notice_op(contest_id, phone, at, Refused(tag))])
            ctx.reply.send("reply", notice(state, ref.language, ref.display), keyword.list_id, capped=True)
        return Outcome(f"contest_{state}")
    fields = {
        "entered_at": iso(ctx.at),
        "entrant": entrant(contest_id, phone),
        "message_id": f"{ctx.message.provider}:{ctx.message.message_id}",
    }
    tag = f"contest_entry:{contest_id}"
    if tag in ctx.refused:
        ctx.plan.writes.append(lambda stores: stores.contests.duplicate_ops(contest_id, phone, fields))
        return Outcome("contest_duplicate")
    once = Refused(tag) if ref.one_entry_per_number else None
    ctx.plan.writes.append(lambda stores: stores.contests.entry_ops(contest_id, phone, fields, once))
    ctx.reply.send("reply", keyword.reply or "", keyword.list_id, capped=True)
    return Outcome("contest_entry")


ACTION = KeywordAction("contest", run, needs_list=False, managed_by="PUT /v1/admin/contests/{contest_id}")
