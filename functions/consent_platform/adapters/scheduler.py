"""EventBridge Scheduler: one-time schedules for campaign buckets and deferred sends."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from .aws import client


def trigger_schedule_name(cart_id: str) -> str:
    """The one-time schedule that sends a cart's message (erasure deletes it by this name, and imports
    only this module for it: the trigger service would bring lists, campaigns and messages along)."""
    return "t-" + hashlib.sha256(cart_id.encode()).hexdigest()[:24]


class Scheduler:
    def __init__(self, group: str, role_arn: str, dlq_arn: str) -> None:
        self.group = group
        self.role_arn = role_arn
        self.dlq_arn = dlq_arn

    def schedule_once(
        self, name: str, at: datetime, target_arn: str, payload: dict[str, Any], sqs_target: bool = False
    ) -> None:
        """A one-time ``at()`` schedule in UTC that deletes itself after it fires; retried, with a DLQ."""
        target: dict[str, Any] = {
            "Arn": target_arn,
            "RoleArn": self.role_arn,
            "Input": json.dumps(payload, ensure_ascii=False),
            "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 6 * 3600},
        }
        if self.dlq_arn:
            target["DeadLetterConfig"] = {"Arn": self.dlq_arn}
        client("scheduler").create_schedule(
            Name=name,
            GroupName=self.group,
            ScheduleExpression=f"at({at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target=target,
            ActionAfterCompletion="DELETE",
            State="ENABLED",
        )

    def delete(self, name: str) -> bool:
        scheduler = client("scheduler")
        try:
            scheduler.delete_schedule(Name=name, GroupName=self.group)
        except scheduler.exceptions.ResourceNotFoundException:
            return False  # already fired (and deleted itself) or never created
        return True
