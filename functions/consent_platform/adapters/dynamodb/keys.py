"""The key registry: every item type of the two tables, once — its keys, its indexes, its TTL and what
erasure does with it. No key string is built anywhere else (stores, services and tests ask here).

Consent table (``pk``/``sk``), every item versioned where it is read-modify-written::

    LIST#<list_id>   META | CONSENT#<v> | BUCKET#<b>   list, consent text versions, audience registry
    PHONE#<e164>     PROFILE | SUB#<list> | CAP | RATE | RL#… | TRIGGER#cart#<id> | ~…   one number
    LSTATS#<list>    DAY#<date>#<shard>                daily list counters (sharded)
    CAMPAIGN#<id>    META | STATS#<n> | DISPATCHED#<b> campaign, sharded counters, dispatched buckets
                     | CURSOR#<b>#<shard>              a bucket shard's dispatch position (no number in it)
    CAMPAIGNS        LIST#<list>#<created>#<id>        a campaign's listing entry (written with its META)
    RL#<scope>#<s>   W#<secs>#<window>                 sign-up request counters (TTL)
    LCAP#<list>      DAY#<date>                        sign-up SMS of the day (TTL)
    CART#<id>        CART                              once-per-cart marker
    SUPPRESS#<hmac>  SUPPRESS   /   ERASURE META       erased numbers / erasures ever done
    CONFIG           LIST#<list> | KEYWORD#<kw>        snapshots the inbound worker loads in one Query
                     | FORWARD#<digits>                a receiving number's forwarding rule
    FWD#<p>#<id>     FWD                               a forwarded message's progress per target (TTL)
    FWDCAP#<digits>  DAY#<date>                        forwarded SMS of the day (TTL)
    KWSTATS#<kw>     TOTAL | DAY#<date>                keyword usage
    INBOUND#<p>#<id> INBOUND                           inbound message marker (no TTL, nothing personal)
    PHONE#<e164>     ~INBOX#<received_at>#<id>         the inbox: every received message (TTL; also in
                                                       GroupIndex under INBOX#<receiving number>)
    SENDER           ID#<identity>                     an origination identity: its rate, its token bucket
    FLOWS            FLOW#<flow_id>                    a flow's definition (its listing too)
    FLOW#<flow_id>   STATS#<n>                         a flow's sharded counters
    PHONE#<e164>     ~FLOW#<flow_id>#<enrollment>      an enrollment (in GroupIndex while a step waits)
    PEND#<shard>     <message_id>#<pend_at>#<attempt>  a send attempt whose outcome may be unknown (TTL;
                                                       holds the number: erasure reads the 8 shards)
    CONTESTS         CONTEST#<id>                      a contest: definition, draw proof (the listing too)
    CONTEST#<id>     STATS#<shard>                     entry / duplicate counters (sharded)
    PHONE#<e164>     ~CONTEST#<id>#<slot>              an entry, a duplicate, a notice or a win (also in
                                                       GroupIndex under CONTEST#<id> when it counts)
    CONFIG           POLL#<poll_id>                    a poll (the worker loads it with lists, keywords)
    POLL#<poll_id>   TALLY#<shard>                     a poll's vote counters (sharded, nothing personal)
    PHONE#<e164>     ~POLL#<poll_id>                   one number's vote / keyword request / closed reply
    PHONE#<e164>     ~HOLD#<campaign_id>               held out of a campaign's experiment (TTL)
    LINK#<code>      LINK                              a short link: URL, campaign, keyed hash (TTL)
    TXN#<list>#<h>   TXN                               a transactional message's idempotency key (TTL)
    PHONE#<e164>     ~TXNCAP#<day>                     transactional messages to one number that day (TTL)
    PHONE#<e164>     ~DATE#<attribute>                 a date attribute, in GroupIndex under DATE#<attr>#<MM-DD>
    PHONE#<e164>     ~FLOWWATCH#<flow_id>              an inactivity flow's due time (GroupIndex, FLOWDUE#)
    COUPON#<pool>    META | STATS#<n>                  a coupon pool: longest code; sharded counters
    COUPONCODE#<c>   CODE                              a code: pool, status (in GroupIndex while available)
    PHONE#<e164>     ~COUPON#<pool>#<key>              the code a message / enrollment was given
    CLICK#<hash>     LAST                              a number's last click, by keyed hash (TTL)
    ORDER#<order>    ORDER                             a purchase credited to a campaign (TTL)

"~" sorts after every state item of a number, so state reads stop before it (``sk < STATE_BELOW``)
however many messages a number received. Ledger table: ``phone``/``sk`` = ``<at>#<seq>#<event_id>``.
Adding an item type: one entry below (with its erasure policy) and the store that writes it.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Erasure(StrEnum):
    """What erasing a number does with an item type (``adapters/erasure.py`` has one handler each)."""

    NOT_PERSONAL = "not_personal"  # never under a number: erasure does not look at it
    DELETE = "delete"  # deleted with the number
    DELETE_VERSIONED = "delete_versioned"  # deleted, conditional on the version read (a race restarts)
    LEAVE_AUDIENCE = "leave_audience"  # a subscription: deleted, and an active one leaves its bucket
    LAST = "last"  # the profile: deleted in the final transaction, with the suppression entry
    PSEUDONYMISE = "pseudonymise"  # kept under a keyed hash of the number (ledger, cart markers)


_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class ItemType:
    name: str
    pk: str  # str.format template of the partition key
    sk: str  # ... and of the sort key
    erasure: Erasure
    ttl: bool = False  # carries the table's ``ttl`` attribute
    indexes: tuple[str, ...] = ()

    def pair(self, **parts: Any) -> tuple[str, str]:
        return self.pk.format(**parts), self.sk.format(**parts)

    def plain(self, **parts: Any) -> dict[str, str]:
        pk, sk = self.pair(**parts)
        return {"pk": pk, "sk": sk}

    def key(self, **parts: Any) -> dict[str, Any]:
        pk, sk = self.pair(**parts)
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    @property
    def sk_prefix(self) -> str:
        return self.sk.split("{", 1)[0]

    @property
    def pk_prefix(self) -> str:
        return self.pk.split("{", 1)[0]

    def matches(self, pk: str, sk: str) -> bool:
        exact_sk = "{" not in self.sk
        return pk.startswith(self.pk_prefix) and (sk == self.sk if exact_sk else sk.startswith(self.sk_prefix))

    def field(self, sk: str, name: str) -> str:
        """One part of a sort key back (``SUBSCRIPTION.field("SUB#demo", "list_id") == "demo"``)."""
        parsed = _parse(self.sk, sk)
        return parsed[name]


def _parse(template: str, value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    rest = value
    pieces = list(_FORMATTER.parse(template))
    for index, (literal, name, _spec, _conv) in enumerate(pieces):
        rest = rest.removeprefix(literal)
        if name is None:
            continue
        following = pieces[index + 1][0] if index + 1 < len(pieces) else ""
        cut = rest.index(following) if following else len(rest)
        out[name], rest = rest[:cut], rest[cut:]
    return out


AUDIENCE_INDEX = "AudienceIndex"  # sparse: active subscriptions only, write-sharded by bucket
AUDIENCE_SHARDS = 4
EXPIRY_INDEX = "ExpiryIndex"  # sparse: pending confirmations, sorted by the end of their window
EXPIRY_SHARDS = 4
# Pending records (dynamodb/pending.py), write-sharded by message id: each send costs a put and a delete
# (1 WRU each), so 100 sends/s are ~25 WRU/s per shard and 1,000 sends/s ~250, a quarter of a
# partition's 1,000 WCU/s. Each shard holds only the attempts of the last seconds plus the unresolved.
PENDING_SHARDS = 8
# The inbox by receiving number (sparse: inbox items only), newest first. Not write-sharded: one number
# receives replies at a person's pace, far below a partition's 1,000 writes/s.
# One overloaded sparse index (template.yaml: DynamoDB adds at most one index per table update) for the
# groups read by key other than the number: each item type below sets group_pk / group_sk with its own
# prefix (INBOX#, CONTEST#, FLOWDUE#), and no item is in two groups. The names say which group a use reads.
GROUP_INDEX = "GroupIndex"
INBOX_INDEX = GROUP_INDEX
STATS_SHARDS = 10
# Sparse: only counted contest entries and winners carry group_pk = CONTEST#<id>; a draw reads the
# entries in order with a paged Query (never a scan). One partition per contest: entries arrive at most
# at a number's throughput (100 parts/s for a US short code), far below a partition's 1,000 writes/s.
CONTEST_INDEX = GROUP_INDEX
FLOW_DUE_INDEX = GROUP_INDEX  # sparse: enrollments waiting for a step, by due time (write-sharded)
FLOW_DUE_SHARDS = 8
# Sparse: available coupon codes only, under COUPONFREE#<pool>#<shard> (by a hash of the code). Claiming
# one reads a few from one shard and takes one with a conditional write that also removes it from here.
COUPON_FREE_INDEX = GROUP_INDEX
COUPON_SHARDS = 16
STATE_BELOW = "~"

E = Erasure
LIST = ItemType("list", "LIST#{list_id}", "META", E.NOT_PERSONAL)
CONSENT_TEXT = ItemType("consent_text", "LIST#{list_id}", "CONSENT#{version}", E.NOT_PERSONAL)
BUCKET = ItemType("audience_bucket", "LIST#{list_id}", "BUCKET#{bucket}", E.NOT_PERSONAL)
LIST_STATS = ItemType("list_stats", "LSTATS#{list_id}", "DAY#{day}#{shard}", E.NOT_PERSONAL)
SIGNUP_CAP = ItemType("signup_cap", "LCAP#{list_id}", "DAY#{day}", E.NOT_PERSONAL, ttl=True)
CONFIG_LIST = ItemType("config_list", "CONFIG", "LIST#{list_id}", E.NOT_PERSONAL)
KEYWORD = ItemType("keyword", "CONFIG", "KEYWORD#{keyword}", E.NOT_PERSONAL)
KEYWORD_STATS = ItemType("keyword_stats", "KWSTATS#{keyword}", "{period}", E.NOT_PERSONAL)
PROFILE = ItemType("profile", "PHONE#{phone}", "PROFILE", E.LAST)
SUBSCRIPTION = ItemType(
    "subscription", "PHONE#{phone}", "SUB#{list_id}", E.LEAVE_AUDIENCE, indexes=(AUDIENCE_INDEX, EXPIRY_INDEX)
)
CAP = ItemType("frequency_cap", "PHONE#{phone}", "CAP", E.DELETE, ttl=True)
RATE = ItemType("reply_rate", "PHONE#{phone}", "RATE", E.DELETE, ttl=True)
PHONE_LIMIT = ItemType("phone_rate_limit", "PHONE#{phone}", "RL#{seconds}#{window}", E.DELETE, ttl=True)
RATE_LIMIT = ItemType("rate_limit", "RL#{scope}#{subject}", "W#{seconds}#{window}", E.NOT_PERSONAL, ttl=True)
TRIGGER = ItemType("cart_trigger", "PHONE#{phone}", "TRIGGER#cart#{cart_id}", E.DELETE)
CART = ItemType("cart_marker", "CART#{cart_id}", "CART", E.PSEUDONYMISE)
CAMPAIGN = ItemType("campaign", "CAMPAIGN#{campaign_id}", "META", E.NOT_PERSONAL)
CAMPAIGN_STATS = ItemType("campaign_stats", "CAMPAIGN#{campaign_id}", "STATS#{shard}", E.NOT_PERSONAL)
DISPATCHED = ItemType("dispatched_bucket", "CAMPAIGN#{campaign_id}", "DISPATCHED#{bucket}", E.NOT_PERSONAL)
# Where a bucket shard's dispatch resumes: a *prefix* of numbers (the last 4 digits dropped, so no number
# in it — services/dispatcher.py stops only at such a boundary), counts, lease. NOT_PERSONAL; TTL'd.
DISPATCH_CURSOR = ItemType(
    "dispatch_cursor", "CAMPAIGN#{campaign_id}", "CURSOR#{bucket}#{shard}", E.NOT_PERSONAL, ttl=True
)
# ``GET /v1/admin/campaigns``: one entry per campaign (a summary: name, status, times), put in the same
# transaction as its META and updated with its status. One partition, sorted by list then creation time:
# a list's campaigns are one ``begins_with`` Query, every list's the same Query on ``LIST#``. Campaigns are
# created at human pace, far below a partition's write limit.
CAMPAIGN_LISTING = ItemType(
    "campaign_listing", "CAMPAIGNS", "LIST#{list_id}#{created_at}#{campaign_id}", E.NOT_PERSONAL
)
SUPPRESSION = ItemType("suppression", "SUPPRESS#{digest}", "SUPPRESS", E.NOT_PERSONAL)
ERASURE_MARKER = ItemType("erasure_marker", "ERASURE", "META", E.NOT_PERSONAL)
INBOUND_MARKER = ItemType("inbound_marker", "INBOUND#{provider}#{message_id}", "INBOUND", E.NOT_PERSONAL)
INBOUND_OUTBOX = ItemType("inbound_outbox", "PHONE#{phone}", "~INBOUND#{provider}#{message_id}", E.DELETE, ttl=True)
DEFERRAL = ItemType("deferral", "PHONE#{phone}", "~DEFER#{schedule}", E.DELETE, ttl=True)
# "This attempt may claim the message, outcome unknown": written for the sender's whole batch before its
# claims, deleted once the outcome is known (or by the reconciler). Holds the message to resend and the
# number, but not under it: erasure finds it by its ``phone`` attribute in the 8 small shards.
PENDING = ItemType("pending_send", "PEND#{shard}", "{message_id}#{pend_at}#{attempt}", E.DELETE, ttl=True)
# One item per origination identity (ours, not a recipient's): its configured parts per second and the
# token bucket every sender claims per batch (dynamodb/pacing.py). One partition: listed in one Query.
SENDER = ItemType("sender_identity", "SENDER", "ID#{identity}", E.NOT_PERSONAL)
MESSAGE = ItemType("sent_message", "PHONE#{phone}", "~MSG#{message_id}", E.DELETE, ttl=True)
DELIVERY = ItemType("delivery_status", "PHONE#{phone}", "~DLR#{message_id}", E.DELETE, ttl=True)
# One received message, under its sender (erasure deletes it with the number) and, through GroupIndex
# (``group_pk``/``group_sk`` = INBOX#<to> / this sk), under the number that received it. TTL: retention.
INBOX = ItemType(
    "inbox_message", "PHONE#{phone}", "~INBOX#{received_at}#{message_id}", E.DELETE, ttl=True, indexes=(INBOX_INDEX,)
)
# Operator replies to one number on one UTC day (services/inbox.py: the cap), TTL'd.
INBOX_REPLY_CAP = ItemType("inbox_reply_cap", "PHONE#{phone}", "~INBOXCAP#{day}", E.DELETE, ttl=True)
# Contests (issue #20). The definition holds no number: its draw proof names entrants by a pseudonym
# (domain/contests.py), so erasing a winner after the draw leaves the proof verifiable. Entries, duplicates,
# "closed" notices and wins are under the entrant's number: erasure deletes them (before the draw the
# entry is simply gone from it; after, only the pseudonymous line in the proof remains).
CONTEST = ItemType("contest", "CONTESTS", "CONTEST#{contest_id}", E.NOT_PERSONAL)
CONTEST_STATS = ItemType("contest_stats", "CONTEST#{contest_id}", "STATS#{shard}", E.NOT_PERSONAL)
CONTEST_RECORD = ItemType(
    "contest_record", "PHONE#{phone}", "~CONTEST#{contest_id}#{slot}", E.DELETE, indexes=(CONTEST_INDEX,)
)
# Polls (issue #20): the definition in the CONFIG partition (the inbound worker's one cached Query finds
# it), counters sharded by number like campaign stats (votes of one poll arrive together).
POLL = ItemType("poll", "CONFIG", "POLL#{poll_id}", E.NOT_PERSONAL)
POLL_TALLY = ItemType("poll_tally", "POLL#{poll_id}", "TALLY#{shard}", E.NOT_PERSONAL)
# One number's part in one poll: its vote, later answers, keyword request, "closed" reply. It holds the
# phone (its key) and the choice, so erasure DELETES it: the tally counters hold only counts per option
# and day — nothing that names the number — and stay as they were, since the vote was cast (the same
# reason campaign counters keep an erased number's send). Not pseudonymised: keeping "this hash voted"
# would only serve to refuse a second vote from a number that asked to be forgotten and was sent
# nothing since (its sent-message record is erased too, so it can no longer vote unless it texts the
# poll keyword again). TTL: closes_at + domain.polls.LATE_DAYS, when answers stop being recognised.
POLL_VOTE = ItemType("poll_vote", "PHONE#{phone}", "~POLL#{poll_id}", E.DELETE, ttl=True)
# Forwarding (issue #20): a receiving number's rule, in the CONFIG partition the inbound worker already
# loads (no extra read per message); a forwarded message's per-target progress (keyed by the provider's
# id, nothing personal in the key; TTL); forwarded SMS per receiving number per day (TTL).
FORWARDING = ItemType("forwarding_rule", "CONFIG", "FORWARD#{number}", E.NOT_PERSONAL)
FORWARD_MARK = ItemType("forward_mark", "FWD#{provider}#{message_id}", "FWD", E.NOT_PERSONAL, ttl=True)
FORWARD_CAP = ItemType("forward_cap", "FWDCAP#{number}", "DAY#{day}", E.NOT_PERSONAL, ttl=True)
# A per-recipient short link (/r/<code>): the original URL, campaign, bucket, variant and a keyed hash of
# the number under the link key (never the number). Erasure cannot find it by number and does not try:
# it expires with its TTL (the list's link_expiry_days, at most 365); README "Links".
LINK = ItemType("short_link", "LINK#{code}", "LINK", E.NOT_PERSONAL, ttl=True)
# Experiments and conversions (issue 19; README "Experiments", "Conversions"). A number held out of a
# campaign: recorded under it (not sent), TTL'd past the longest view window; erasure deletes it. The
# number's last counted click, under the keyed hash the link records carry (the redirect never sees the
# number; a purchase event's number is hashed the same way): pseudonymous, TTL'd past the longest click
# window, and never credited without the number's own sent-message record (domain/conversions.py). An
# order credited once: its id, the campaign and group, no number.
HOLDOUT = ItemType("holdout", "PHONE#{phone}", "~HOLD#{campaign_id}", E.DELETE, ttl=True)
LAST_CLICK = ItemType("last_click", "CLICK#{recipient}", "LAST", E.NOT_PERSONAL, ttl=True)
ORDER = ItemType("order_credit", "ORDER#{order_id}", "ORDER", E.NOT_PERSONAL, ttl=True)
LEDGER = ItemType("ledger_entry", "{phone}", "{at}#{seq:02d}#{event_id}", E.PSEUDONYMISE)
# Flows (services/flows.py): every definition in one partition (the listing is one Query, and so is
# loading every flow a bus event may start), sharded counters per flow, and one enrollment per (flow,
# number, trigger instance) under the number. An enrollment waiting for a step carries ``group_pk`` /
# ``group_sk`` = FLOWDUE#<shard> / <due>#<enrollment> (GroupIndex, sparse): the sweep reads what is
# due and nothing else, and erasing the number deletes the enrollment and so its index entry.
FLOW = ItemType("flow", "FLOWS", "FLOW#{flow_id}", E.NOT_PERSONAL)
FLOW_STATS = ItemType("flow_stats", "FLOW#{flow_id}", "STATS#{shard}", E.NOT_PERSONAL)
ENROLLMENT = ItemType(
    "flow_enrollment", "PHONE#{phone}", "~FLOW#{flow_id}#{enrollment}", E.DELETE, indexes=(FLOW_DUE_INDEX,)
)
# Transactional messages (services/transactional.py): the idempotency key → message id, per list (the key
# hashed: a client's key may be anything; the number only as a digest, TTL'd), and a number's daily cap.
TXN_KEY = ItemType("txn_key", "TXN#{list_id}#{key_hash}", "TXN", E.NOT_PERSONAL, ttl=True)
TXN_CAP = ItemType("txn_cap", "PHONE#{phone}", "~TXNCAP#{day}", E.DELETE, ttl=True)
# Date attributes a flow may trigger on (services/flow_dates.py): one item per (number, attribute), in
# GroupIndex under DATE#<attribute>#<MM-DD> / <YYYY>#<phone>, so a day's birthdays are one Query.
DATE_ENTRY = ItemType("date_entry", "PHONE#{phone}", "~DATE#{attribute}", E.DELETE, indexes=(GROUP_INDEX,))
# An inactivity flow's watch of one number: due last_activity + N days (GroupIndex FLOWDUE#, as enrollments).
FLOW_WATCH = ItemType("flow_watch", "PHONE#{phone}", "~FLOWWATCH#{flow_id}", E.DELETE, indexes=(FLOW_DUE_INDEX,))
# Coupons (services/coupons.py). The pool and its codes hold no number. A code item is keyed by the code
# alone (a purchase names only the code) and carries group_pk / group_sk while available. The assignment
# (which message or enrollment got which code) is under the number: erasure DELETES it, which unlinks the
# code from the number; the code itself stays assigned (it was sent, and may still be redeemed) and its
# counters stay — they hold counts only.
COUPON_POOL = ItemType("coupon_pool", "COUPON#{pool}", "META", E.NOT_PERSONAL)
COUPON_STATS = ItemType("coupon_stats", "COUPON#{pool}", "STATS#{shard}", E.NOT_PERSONAL)
COUPON_CODE = ItemType("coupon_code", "COUPONCODE#{code}", "CODE", E.NOT_PERSONAL, indexes=(COUPON_FREE_INDEX,))
COUPON_ASSIGNMENT = ItemType("coupon_assignment", "PHONE#{phone}", "~COUPON#{pool}#{key}", E.DELETE)

# Most specific first: the first entry that matches an item is its type (``~{key}`` last of a number's).
REGISTRY: tuple[ItemType, ...] = (
    LIST, CONSENT_TEXT, BUCKET, LIST_STATS, SIGNUP_CAP, CONFIG_LIST, KEYWORD, KEYWORD_STATS, PROFILE,
    SUBSCRIPTION, CAP, RATE, PHONE_LIMIT, RATE_LIMIT, TRIGGER, CART, CAMPAIGN, CAMPAIGN_STATS, DISPATCHED,
    DISPATCH_CURSOR, CAMPAIGN_LISTING, SUPPRESSION, ERASURE_MARKER, DEFERRAL, PENDING, SENDER, MESSAGE, DELIVERY,
    INBOUND_OUTBOX, INBOUND_MARKER, INBOX, INBOX_REPLY_CAP, CONTEST, CONTEST_STATS, CONTEST_RECORD, POLL, POLL_TALLY,
    POLL_VOTE, FORWARDING, FORWARD_MARK, FORWARD_CAP, LINK, FLOW, FLOW_STATS, ENROLLMENT, TXN_KEY, TXN_CAP,
    DATE_ENTRY, FLOW_WATCH, COUPON_POOL, COUPON_STATS, COUPON_CODE, COUPON_ASSIGNMENT, HOLDOUT, LAST_CLICK, ORDER,
)  # fmt: skip


def item_type(pk: str, sk: str) -> ItemType | None:
    return next((t for t in REGISTRY if t.matches(pk, sk)), None)


def shard(phone: str, shards: int) -> int:
    return int(hashlib.sha256(phone.encode()).hexdigest(), 16) % shards


def audience_partition(list_id: str, bucket: str, shard_no: int) -> str:
    return f"AUD#{list_id}#{bucket}#{shard_no}"


def expiry_partition(shard_no: int) -> str:
    return f"EXPIRY#{shard_no}"


def inbox_partition(to: str) -> str:
    """GroupIndex partition of a receiving number."""
    return f"INBOX#{to}"


def contest_partition(contest_id: str) -> str:
    """GroupIndex partition of a contest."""
    return f"CONTEST#{contest_id}"


def pending_partition(shard_no: int) -> str:
    return f"PEND#{shard_no}"


def campaign_control(campaign_id: str) -> tuple[str, str]:
    """The item whose status says whether a campaign's messages may still go out."""
    return CAMPAIGN.pair(campaign_id=campaign_id)


def trigger_control(phone: str, cart_id: str) -> tuple[str, str]:
    """The item whose status says whether a triggered message may still go out."""
    return TRIGGER.pair(phone=phone, cart_id=cart_id)


def flow_due_partition(shard_no: int) -> str:
    return f"FLOWDUE#{shard_no}"


def flow_due_sort_key(due: str, enrollment: str) -> str:
    """``<due iso>#<enrollment>``: sorted by due time, unique per enrollment."""
    return f"{due}#{enrollment}"


def date_partition(attribute: str, month_day: str) -> str:
    """GroupIndex partition of one date attribute's day of the year (``MM-DD``)."""
    return f"DATE#{attribute}#{month_day}"


def coupon_free_partition(pool: str, shard_no: int) -> str:
    """GroupIndex partition of a pool's available codes in one shard."""
    return f"COUPONFREE#{pool}#{shard_no}"


def phone_of(pk: str) -> str:
    return pk.removeprefix(PROFILE.pk_prefix)
