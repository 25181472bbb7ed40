"""Golden outputs: `dynsec plan` and `dynsec drift` in text, json and markdown, byte for byte.

Each case builds a realistic environment on the emulator (over HTTP), freezes time
(`clock.utc_now`), runs the real command in this process and compares stdout with
`tests/e2e/golden/<case>.<ext>`. Everything time- or run-dependent is pinned: tokens are
planted with fixed `created_at`s, the seeded token (created relative to the real clock) is
revoked first, and the ids the emulator draws for planted tokens are replaced by stable
names (`TOKEN(...)`) before comparing. The emulator's port never appears in these outputs.

To regenerate after a deliberate output change, run

    DYNSEC_UPDATE_GOLDEN=1 python -m pytest tests/e2e/test_golden.py

and review the diff of tests/e2e/golden/ like any other change.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.cli.render.plans import render_plan
from pulumi_dynamic_security.rules.token_notes import build_note
from pulumi_dynamic_security.service.plan import plan_stage
from tests.support.cli import Cli
from tests.support.clients import make_client
from tests.support.ids import LEGACY_TOKEN, LIVE, SANDBOX, SECOND_SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.policies import stage_of

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DYNSEC_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SCOPES = ["environment.settings.read", "environment.settings.write"]

POLICY = f"""\
# yaml-language-server: $schema=schemas/dynamic-security-policy.schema.json
version: 1
defaults:
  jwt_lifetime: 12h
  token_storage: cookie
  mfa:
    methods: [totp, passkey]
    require_for_actions: [wallet.waas.export, wallet.waas.sign]
    backup_codes: true
  app:
    embedded_wallets: true
    high_value: true

stages:
  dev:
    environment_id: {SANDBOX}
    token_storage: localstorage
    allowed_origins:
      - http://localhost:3000
      - https://*.preview.acme-wallet.com
  staging:
    environment_id: {SECOND_SANDBOX}
    token_storage: localstorage
    allowed_origins: [https://staging.acme-wallet.com]
  production:
    environment_id: {LIVE}
    jwt_lifetime: 2h
    mfa:
      require_at_login: true
    allowed_origins:
      - https://app.acme-wallet.com
      - https://www.acme-wallet.com
    api_tokens:
      - name: ci-deployer
        scopes: [environment.settings.read, environment.settings.write]
        rotate_every: 90d
        overlap: 7d
    webhooks:
      - name: session-audit
        url: https://hooks.acme-wallet.com/dynamic
        events: [user.session.revoked, admin.user.session.revoked]
      - name: signups
        url: arn:aws:sns:eu-west-1:123456789012:acme-signups
        events: [user.created]
  qa:
    environment_id: {UNKNOWN_ENVIRONMENT}
    allowed_origins: [https://qa.acme-wallet.com]

waivers:
  - rule: DS102
    stages: [dev]
    values: ["https://*.preview.acme-wallet.com"]
    reason: Preview deployments get a random subdomain each; the wildcard is limited to them
    expires: 2026-06-30
"""


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(clock, "utc_now", lambda: NOW)
    return NOW


def plant(cli: Cli, note: str, created: str, names: dict[str, str], name: str) -> None:
    planted = cli.emulator.plant_token(LIVE, note, SCOPES, created)
    names[planted["token"]["id"]] = f"TOKEN({name})"


def production_with_due_tokens(cli: Cli) -> dict[str, str]:
    """The demo seed's insecure live environment, with a managed token overdue for rotation,
    its predecessor past its overlap, an unmanaged key, a declared webhook missing an event
    and one nobody declares; returns id -> stable name."""
    names: dict[str, str] = {}
    with make_client(cli.emulator) as admin:
        admin.delete_token(LIVE, LEGACY_TOKEN)  # created relative to the real clock
    old = datetime(2025, 8, 12, 14, 30, tzinfo=timezone.utc)
    current = datetime(2025, 11, 18, 14, 30, tzinfo=timezone.utc)
    plant(cli, build_note("ci-deployer", old), old.isoformat(), names, "ci-deployer-previous")
    plant(cli, build_note("ci-deployer", current), current.isoformat(), names,
          "ci-deployer-current")
    plant(cli, "legacy deploy key", "2025-01-10T08:00:00Z", names, "legacy")
    with make_client(cli.emulator) as admin:
        # declared, but missing an event (an update); and one nobody declares (DS803)
        for name, url, events in (
            ("session-audit", "https://hooks.acme-wallet.com/dynamic", ["user.session.revoked"]),
            ("forgotten", "https://old-hooks.example.net/in", ["user.created", "wallet.linked"]),
        ):
            webhook = admin.create_webhook(LIVE, url, events=events, enabled=True)
            names[webhook.id] = f"WEBHOOK({name})"
    return names


def drifted_environments(cli: Cli) -> None:
    """dev and production applied and clean, then a dashboard edit on production: a wildcard
    origin added and the JWT lifetime raised. staging was never applied."""
    with make_client(cli.emulator) as admin:
        admin.delete_token(LIVE, LEGACY_TOKEN)
    issued = datetime(2026, 2, 20, 10, 0, tzinfo=timezone.utc)
    cli.emulator.plant_token(LIVE, build_note("ci-deployer", issued), SCOPES, issued)
    cli.write(POLICY)
    for stage in ("dev", "production"):
        result = cli("apply", "dynamic-security.yaml", "--stage", stage, "--yes",
                     "--secrets-out", f"secrets-{stage}.json")  # production creates webhooks
        assert result.code == 0, result.err
    with make_client(cli.emulator) as admin:
        admin.add_origin(LIVE, "https://*.vercel.app")
        document = admin.get_environment(LIVE).settings_copy()
        document["security"]["jwtDuration"] = {"amount": 7, "unit": "days"}
        admin.update_settings(LIVE, document)


def check(name: str, text: str, names: dict[str, str]) -> None:
    for token_id, stable in names.items():
        text = text.replace(token_id, stable)
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs; see the module docstring to regenerate"


EXTENSIONS = {"text": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_plan_golden(cli: Cli, frozen: datetime, output_format: str) -> None:
    names = production_with_due_tokens(cli)
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format",
                 output_format)

    assert result.code == 0, result.err
    check(f"plan-production.{EXTENSIONS[output_format]}", result.out, names)


@pytest.mark.parametrize("output_format", ["text", "json", "markdown"])
def test_drift_golden(cli: Cli, frozen: datetime, output_format: str) -> None:
    drifted_environments(cli)

    result = cli("drift", "dynamic-security.yaml", "--format", output_format)

    assert result.code == 4  # qa cannot be read; the other stages are still reported
    check(f"drift.{EXTENSIONS[output_format]}", result.out, {})


def test_colour_only_when_asked(cli: Cli, frozen: datetime) -> None:
    production_with_due_tokens(cli)
    with make_client(cli.emulator) as client:
        planned = plan_stage(client, stage_of(POLICY, "production"),
                             auth_token_checksum=None)

    coloured = render_plan(planned, "text", color=True)
    plain = render_plan(planned, "text", color=False)

    assert "\x1b[31m\x1b[1mlive is weaker" in coloured  # red, bold: apply tightens it
    assert "\x1b[32mlive is stronger" in coloured  # green: apply loosens it to the policy
    assert "\x1b[31m\x1b[1mEXPOSED NOW" in coloured
    assert "\x1b[" not in plain
