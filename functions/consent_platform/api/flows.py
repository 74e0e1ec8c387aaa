"""Bodies of the flow routes (``/v1/admin/flows…``): the definition as stored with its statistics, and
the listing page. The request is ``domain/flows.py`` ``FlowDefinition``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..domain.flows import FlowDefinition
from ._base import Open

__all__ = [
    "FlowDefinition",
    "FlowDeleted",
    "FlowPage",
    "FlowStats",
    "FlowSummary",
    "FlowView",
    "StepPreview",
    "StepStats",
]


class StepStats(Open):
    """One step's counts: the sweep's (queued, deferred for quiet hours, skipped before queueing, the
    condition's outcome) and the sender's (sent, skipped at send time: opted out, frequency cap…)."""

    kind: Literal["wait", "send", "if"]
    queued: int = 0
    sent: int = 0
    deferred: int = Field(default=0, description="Held for the recipient's quiet hours (the sweep's and the sender's)")
    failed: int = 0
    matched: int = 0
    not_matched: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)


class FlowStats(Open):
    entered: int = 0
    completed: int = 0
    exited: dict[str, int] = Field(default_factory=dict, description="By reason: an exit_on event, condition, …")
    sent: int = 0
    deferred: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    active: int = Field(default=0, description="entered − completed − exited: enrollments still under way")
    steps: list[StepStats] = Field(default_factory=list)


class StepPreview(Open):
    """A send step's text for a sample contact and the most parts it can take (README "Personalisation")."""

    step: int
    sample_text: str
    sample_segments: int
    worst_case_segments: int
    worst_case_encoding: Literal["GSM-7", "UCS-2"]


class FlowView(Open):
    """``GET /v1/admin/flows/{flow_id}``: the definition, its bookkeeping and its statistics."""

    flow_id: str
    list_id: str
    name: str
    status: Literal["active", "paused", "deleted"]
    trigger: dict[str, Any]
    exit_on: list[str]
    steps: list[dict[str, Any]]
    created_at: str
    updated_at: str
    version: int
    stats: FlowStats
    previews: list[StepPreview] = Field(default_factory=lambda: [], description="One per send step")


class FlowSummary(Open):
    flow_id: str
    list_id: str
    name: str
    status: Literal["active", "paused", "deleted"]
    trigger_event: str
    updated_at: str


class FlowPage(Open):
    flows: list[FlowSummary]
    next: str | None = Field(default=None, description="Pass as ?next= for the following page; null on the last page")


class FlowDeleted(Open):
    """``DELETE /v1/admin/flows/{flow_id}``: stopped, and how many enrollments under way it cancelled."""

    flow_id: str
    status: Literal["deleted"]
    cancelled: int = Field(description="Enrollments that were under way (counted as exited.flow_deleted)")
