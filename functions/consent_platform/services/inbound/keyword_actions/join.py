"""``join``: text-to-join. The text itself is the consent; the list's mode decides what happens next
(single opt-in: active and welcomed; double: pending and asked to confirm)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....domain.consent import Evidence, Method, Status, Subscription, grant_single_optin, request_double_optin
from ....domain.contacts import may_send_confirmation
from ....domain.keywords import StoredKeyword
from ....domain.lists import StoredList
from ....domain.phone import normalize_phone
from ..outcome import UNMATCHED, Outcome
from .action import KeywordAction

if TYPE_CHECKING:
    from ..context import Context


def run(ctx: Context, keyword: StoredKeyword) -> Outcome:
    stored = ctx.config.lists.get(keyword.list_id or "")
    if stored is None or not stored.may_reach(normalize_phone(ctx.sender).country):
        return UNMATCHED
    sub = ctx.subs.get(stored.list_id)
    if sub is not None and sub.status == Status.ACTIVE:
        ctx.reply.send("reply", keyword.reply or stored.message("welcome"), stored.list_id, capped=True)
        return Outcome("already_active")
    if sub is not None and not ctx.fresh(sub):
        return Outcome("stale")
    if stored.list_id in ctx.capped:
        return Outcome("signup_capped")  # no sign-up SMS today: the list's daily cap is reached
    if stored.opt_in == "single":
        return _grant(ctx, keyword, stored, sub)
    return _request(ctx, keyword, stored, sub)


def _evidence(ctx: Context, keyword: StoredKeyword, stored: StoredList) -> Evidence:
    return Evidence(
        method=Method.KEYWORD,
        consent_text=f"Texted {keyword.display} to {ctx.message.to}",
        consent_version=stored.consent_text.version,
        source=ctx.message.to,
        request_id=ctx.message.message_id,
    )


def _grant(ctx: Context, keyword: StoredKeyword, stored: StoredList, sub: Subscription | None) -> Outcome:
    transition = grant_single_optin(sub, ctx.sender, stored.list_id, ctx.at, _evidence(ctx, keyword, stored))
    transition.entries[-1].detail = {**ctx.detail, "keyword": keyword.keyword}
    ctx.plan.transitions.append(transition)
    ctx.plan.signup_lists.append(stored.list_id)
    ctx.reply.send("welcome", keyword.reply or stored.message("welcome"), stored.list_id, capped=False)
    return Outcome("joined")


def _request(ctx: Context, keyword: StoredKeyword, stored: StoredList, sub: Subscription | None) -> Outcome:
    resubmission = sub is not None and sub.status == Status.PENDING
    if may_send_confirmation(ctx.state.profile, sub if resubmission else None, ctx.at):
        return Outcome("confirmation_capped")
    evidence = _evidence(ctx, keyword, stored)
    transition = request_double_optin(sub, ctx.sender, stored.list_id, ctx.at, evidence, ctx.pending_ttl)
    transition.entries[-1].detail = {**ctx.detail, "keyword": keyword.keyword}
    ctx.plan.transitions.append(transition)
    ctx.plan.confirmations += 1
    ctx.plan.signup_lists.append(stored.list_id)
    ctx.reply.send("confirm_request", stored.message("confirm_request"), stored.list_id, capped=False)
    return Outcome("pending_confirmation")


ACTION = KeywordAction("join", run)
