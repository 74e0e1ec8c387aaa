"""The moto harness of tests/integration (the template's stack, real handlers) for the attack tests."""

from tests.integration.conftest import aws, aws_calls, clock, demo_list  # noqa: F401
