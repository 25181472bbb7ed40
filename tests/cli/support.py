"""Policies shared by the CLI tests (the runner: tests/support/cli.py)."""

from __future__ import annotations

from typing import Any

from tests.support.cli import Result
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


def findings(result: Result) -> list[dict[str, Any]]:
    """Every finding of a `--format json` result, across stages."""
    return [f for stage in result.json()["results"] for f in stage["findings"]]
