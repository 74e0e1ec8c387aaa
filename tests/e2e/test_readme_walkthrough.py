"""README's walkthrough, run verbatim (its curl commands, as a reader pastes them) against a local stack
whose clock starts more than a year ahead: every example must stay true for years, not until its date
passes. Only the address changes (the stack listens on a free port)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import LocalStack, clock_ahead_env, run_local_stack

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
STATUS = "\n@@status="


def walkthrough_commands() -> list[str]:
    """The curl commands of the README's "Walkthrough" bash block, multi-line ones joined as bash would."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1]
    block = section.split("```bash\n", 1)[1].split("\n```", 1)[0]
    commands: list[str] = []
    pending = ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line + "\n"
        if line.endswith("\\"):
            continue
        try:
            shlex.split(pending)
        except ValueError:  # an open quote: the command goes on (a JSON body over several lines)
            continue
        commands.append(pending)
        pending = ""
    assert not pending, f"unterminated command in README: {pending!r}"
    return commands


def run(command: str, base_url: str) -> tuple[int, str]:
    assert command.startswith("curl "), command
    command = command.replace("http://127.0.0.1:3000", base_url)
    out = subprocess.run(
        ["bash", "-c", f"{command.rstrip()} -w '{STATUS}%{{http_code}}'"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    body, status = out.rsplit(STATUS, 1)
    return int(status), body


@pytest.fixture(scope="module")
def ahead_stack() -> Iterator[LocalStack]:
    with run_local_stack(clock_ahead_env()) as stack:
        yield stack


def drain(stack: LocalStack) -> None:
    """Wait until the queues are empty (what a reader's pause between commands gives the stack)."""
    assert stack.json("POST", "/dev/clock", {}).status == 200


def test_every_walkthrough_command_works_a_year_from_now(ahead_stack: LocalStack) -> None:
    commands = walkthrough_commands()
    assert len(commands) >= 12, commands
    statuses = []
    for command in commands:
        status, body = run(command, ahead_stack.base_url)
        statuses.append(status)
        assert status < 500, (command, body)
        if "/v1/admin/campaigns" in command:
            assert status == 201, (command, body)  # a send date in the stack's past would be a 422
            assert json.loads(body)["plan"], body
        drain(ahead_stack)
    # Only the last example is bad input, and it shows the 4xx the README promises.
    assert all(200 <= s < 300 for s in statuses[:-1]), list(zip(statuses, commands, strict=True))
    assert statuses[-1] == 422
    outbox = ahead_stack.request("GET", "/dev/outbox?phone=%2B48601234567").body["messages"]
    campaign = [m for m in outbox if re.search(r"-20% today only", m["body"])]
    assert len(campaign) == 1, outbox  # the campaign reached the number confirmed with "tak", once
