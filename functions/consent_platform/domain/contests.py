"""SMS contests (issue #20): the definition, the entry window, the fixed texts, and the reproducible draw.

Pure: no storage. The draw is published so that anyone holding the ordered entry lines can re-run it:

1. Each entry is one line ``<entered_at>|<entrant>`` where ``entered_at`` is the ISO 8601 UTC instant the
   text was received and ``entrant = sha256("<contest_id>:<E.164 phone>")`` in hex (a pseudonym: a person
   can recompute their own, the published list carries no phone number).
2. Lines are sorted (plain string order: time, then entrant); ``entries_hash`` = hex SHA-256 of the lines
   joined with ``\\n`` (UTF-8, no trailing newline).
3. For ``counter = 0, 1, 2, …``: ``x = int(sha256("<seed>:<entries_hash>:<counter>"), big-endian)``. With
   ``m`` lines still in the pool, ``x`` is rejected when ``x >= (2**256 // m) * m`` (no modulo bias);
   otherwise the line at index ``x % m`` is removed from the pool and, unless its entrant has already
   won, becomes the next winner. Stop at ``n`` winners or an empty pool.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from .clock import IsoTimestamp
from .errors import ValidationFailed

ALGORITHM = "sha256-counter-v1"
# A draw waits this long after closes_at: a text received just before the close may still be in the
# inbound queue (and the entry index is eventually consistent). Entries are refused once it has passed.
DRAW_GRACE = timedelta(minutes=5)
MAX_WINNERS = 50  # the winners are written in the draw's one transaction (100 operations at most)

# "Entering is not marketing consent", appended to the operator's entry reply when it lacks it. GSM-7
# (no diacritics) so the sentence never turns a reply into UCS-2 on its own.
NOT_CONSENT: dict[str, str] = {
    "en": "Entering does not sign you up for marketing messages.",
    "pl": "Udzial nie oznacza zgody na SMS-y marketingowe.",
    "de": "Die Teilnahme ist keine Einwilligung in Werbe-SMS.",
    "fr": "Participer ne vaut pas accord pour des SMS marketing.",
    "es": "Participar no implica aceptar SMS de marketing.",
}
NOTICES: dict[str, dict[str, str]] = {
    "en": {"not_open": "{kw}: this contest is not open yet.", "closed": "{kw}: this contest is closed."},
    "pl": {"not_open": "{kw}: konkurs jeszcze sie nie zaczal.", "closed": "{kw}: konkurs jest zakonczony."},
    "de": {
        "not_open": "{kw}: das Gewinnspiel hat noch nicht begonnen.",
        "closed": "{kw}: das Gewinnspiel ist beendet.",
    },
    "fr": {"not_open": "{kw} : le concours n'est pas encore ouvert.", "closed": "{kw} : le concours est termine."},
    "es": {"not_open": "{kw}: el concurso aun no ha empezado.", "closed": "{kw}: el concurso ha terminado."},
}
WINNER_TEXT: dict[str, str] = {
    "en": "{kw}: congratulations, you are a winner! We will contact you about your prize.",
    "pl": "{kw}: gratulacje, wygrales/as! Skontaktujemy sie w sprawie nagrody.",
    "de": "{kw}: Gluckwunsch, du hast gewonnen! Wir melden uns wegen deines Preises.",
    "fr": "{kw} : felicitations, vous avez gagne ! Nous vous contacterons.",
    "es": "{kw}: enhorabuena, has ganado! Te contactaremos por tu premio.",
}

Number = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{3,15}$")]
ContestId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class ContestConfig(BaseModel):
    """Body of ``PUT /v1/admin/contests/{contest_id}``."""

    model_config = ConfigDict(extra="forbid")

    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = Field(
        default=None, description="Optional: the list whose language the fixed texts use (entering never subscribes)"
    )
    number: Number = Field(description="The number (as in a list's origination) that receives the entries")
    keyword: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    opens_at: IsoTimestamp  # an ISO 8601 string: pydantic's lax mode would read 0 as 1970-01-01
    closes_at: IsoTimestamp = Field(description="Entries are accepted in [opens_at, closes_at)")
    entry_reply: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
    one_entry_per_number: StrictBool = True


class DrawRequest(BaseModel):
    """Body of ``POST /v1/admin/contests/{contest_id}/draw``."""

    model_config = ConfigDict(extra="forbid")

    winners: int = Field(ge=1, le=MAX_WINNERS)
    seed: Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{8,128}$")] | None = Field(
        default=None, description="Published with the result; a random one is chosen and stored when absent"
    )
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)] | None = Field(
        default=None, description="The winners' SMS (default: a short congratulation in the list's language)"
    )


class DrawProof(BaseModel):
    """What anyone with the entry lines needs to re-run the draw (module docstring: the algorithm)."""

    algorithm: str = ALGORITHM
    seed: str
    entries_hash: str
    entries: int
    winners_requested: int
    winners: list[str] = Field(description="The winning entry lines, in draw order")
    drawn_at: str
    message: str


class StoredContest(ContestConfig):
    model_config = ConfigDict(extra="ignore")

    contest_id: str
    keyword: str  # folded: the keyword's key
    display: str
    language: str = "en"
    created_at: str
    updated_at: str
    version: int = 0
    draw: DrawProof | None = None


class ContestRef(BaseModel):
    """What the inbound worker needs of a contest, kept in its keyword's ``params`` (the worker's one
    config Query loads it: no extra read per message)."""

    contest_id: str
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    one_entry_per_number: bool
    language: str = "en"
    display: str

    @classmethod
    def of(cls, stored: StoredContest) -> ContestRef:
        return cls.model_validate(stored.model_dump(include=set(cls.model_fields)))


@dataclass(frozen=True, slots=True)
class Entry:
    entered_at: str
    entrant: str
    phone: str = ""  # known to the service, never part of the proof

    @property
    def line(self) -> str:
        return f"{self.entered_at}|{self.entrant}"


def check_window(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at >= closes_at:
        raise ValidationFailed("the contest closes before it opens", {"closes_at": "must be after opens_at"})


def entrant(contest_id: str, phone: str) -> str:
    return hashlib.sha256(f"{contest_id}:{phone}".encode()).hexdigest()


Window = Literal["open", "not_open", "closed"]


def window_state(opens_at: datetime, closes_at: datetime, at: datetime, now: datetime) -> Window:
    """An entry received at ``at`` (processed at ``now``): inside [opens_at, closes_at), and processed
    before the draw may start (DRAW_GRACE after the close), else refused as closed."""
    if at < opens_at:
        return "not_open"
    return "open" if at < closes_at and now < closes_at + DRAW_GRACE else "closed"


def may_draw(closes_at: datetime, now: datetime) -> datetime | None:
    """``None`` when the draw may run, else the first instant it may."""
    earliest = closes_at + DRAW_GRACE
    return None if now >= earliest else earliest


def entry_reply(text: str, language: str) -> str:
    """The operator's reply, with the not-consent sentence appended when it lacks it."""
    sentence = NOT_CONSENT.get(language, NOT_CONSENT["en"])
    return text if sentence.lower() in text.lower() else f"{text.rstrip()} {sentence}"


def notice(kind: Literal["not_open", "closed"], language: str, display: str) -> str:
    return NOTICES.get(language, NOTICES["en"])[kind].format(kw=display)


def winner_text(language: str, display: str) -> str:
    return WINNER_TEXT.get(language, WINNER_TEXT["en"]).format(kw=display)


def entries_hash(entries: Sequence[Entry]) -> str:
    return hashlib.sha256("\n".join(sorted(e.line for e in entries)).encode()).hexdigest()


def draw(entries: Sequence[Entry], seed: str, n: int) -> tuple[str, list[Entry]]:
    """The entries hash and the winners, in draw order (the algorithm of this module's docstring)."""
    pool = sorted(entries, key=lambda e: e.line)
    digest = entries_hash(pool)
    winners: list[Entry] = []
    won: set[str] = set()
    counter = 0
    while len(winners) < n and pool:
        x = int.from_bytes(hashlib.sha256(f"{seed}:{digest}:{counter}".encode()).digest(), "big")
        counter += 1
        size = len(pool)
        if x >= (2**256 // size) * size:
            continue  # rejection sampling: every index equally likely
        pick = pool.pop(x % size)
        if pick.entrant not in won:
            won.add(pick.entrant)
            winners.append(pick)
    return digest, winners
