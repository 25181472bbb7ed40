"""Policies and a runner shared by the CLI tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.cli.main import run
from tests.policy.dated import fill_dates
from tests.support.ids import LIVE, SANDBOX

# No rule fires on this policy, in either stage.
CLEAN = f"""\
version: 1
defaults:
  jwt_lifetime: 2h
  token_storage: cookie
  mfa:
    methods: [totp, passkey]
    require_at_login: true
    require_for_actions: [wallet.waas.export, wallet.waas.sign]
  api_tokens:
    - name: ci
      scopes: [environment.settings.read]
      rotate_every: 30d
      overlap: 1d
stages:
  dev:
    environment_id: {SANDBOX}
    allowed_origins: [https://dev.example.com]
  production:
    environment_id: {LIVE}
    allowed_origins: [https://app.example.com]
"""

# An error (DS104, line 23), two warnings (DS201 line 24, DS301 line 25, waived) in production;
# a note (DS102, line 18) in dev.
MIXED = f"""\
version: 1
defaults:
  jwt_lifetime: 2h
  token_storage: cookie
  mfa:
    methods: [totp, passkey]
    require_at_login: true
    require_for_actions: [wallet.waas.export, wallet.waas.sign]
  api_tokens:
    - name: ci
      scopes: [environment.settings.read]
      rotate_every: 30d
stages:
  dev:
    environment_id: {SANDBOX}
    allowed_origins:
      - https://dev.example.com
      - https://*.preview.example.com
  production:
    environment_id: {LIVE}
    allowed_origins:
      - https://app.example.com
      - http://app.example.com
    jwt_lifetime: 30d
    token_storage: localstorage
waivers:
  - rule: DS301
    stages: [production]
    reason: A backend on another site reads the JWT from a header
    expires: {{{{today+60}}}}
"""


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def write_policy(directory: Path, text: str, name: str = "dynamic-security.yaml") -> Path:
    """Write `text` (with `{{today+N}}` filled in) to `directory/name`."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fill_dates(text), encoding="utf-8")
    return path


def dynsec(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """Run `dynsec argv...` in this process and capture what it printed."""
    capsys.readouterr()
    code = run(list(argv))
    out, err = capsys.readouterr()
    return Result(code, out, err)


def findings(result: Result) -> list[dict[str, Any]]:
    """Every finding of a `--format json` result, across stages."""
    return [f for stage in result.json()["results"] for f in stage["findings"]]
