"""Attacks run through the public contract, on the same moto harness as tests/integration (its fixtures
are imported here, not copied, so both layers provision the stack from template.yaml the same way)."""

from __future__ import annotations

from tests.integration.conftest import aws, aws_calls, clock, demo_list

__all__ = ["aws", "aws_calls", "clock", "demo_list"]
