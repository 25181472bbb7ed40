"""What the incident CLI tests share: a policy on the demo seed, and standard input as a
pipe or as a terminal answering a prompt."""

from __future__ import annotations

import io

import pytest

from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.policies import policy_text

POLICY = policy_text(LIVE, """\
    jwt_lifetime: 2h
    allowed_origins: [https://app.example.com]
""") + f"""\
  dev:
    environment_id: {SANDBOX}
    allowed_origins: [http://localhost:3000]
  gone:
    environment_id: {UNKNOWN_ENVIRONMENT}
    allowed_origins: [https://gone.example.com]
"""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def pipe(monkeypatch: pytest.MonkeyPatch, data: bytes = b"") -> None:
    """Standard input is a pipe holding `data`."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))


def terminal(monkeypatch: pytest.MonkeyPatch, answers: str) -> None:
    """Standard input is a terminal on which the user types `answers`."""
    monkeypatch.setattr("sys.stdin", _Terminal(answers))
