"""An organisation of Dynamic projects on the emulator, converged to a realistic policy.

Every project has a `sandbox` and a `live` environment (as Dynamic creates them). The policy
has one stage per environment, each managing every area: JWT lifetime, token storage, MFA,
the security e-mails, allowed origins and a rotated API token, with the app facts the rules
read; each live stage also manages a session-events webhook and third-party sign-in (so a
drift reads the event catalogue once). The set-up
converges every environment to its stage with the tool's own plan and apply (in this
process, without latency), so that the measured `dynsec drift` finds no drift and makes
exactly the reads a real, well-kept organisation would cost: no custom-hostname read, since
the live environments already use cookie storage behind an active cookie hostname.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.emulator import ADMIN_TOKEN, EmulatorProcess
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig
from pulumi_dynamic_security.emulator.seeds import ORGANIZATION_ID
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage

SETUP_CONCURRENCY = 8
UNLIMITED = 10**9  # a request budget that never binds (set-up only)

_DEFAULTS = """\
version: 1

defaults:
  jwt_lifetime: 12h
  token_storage: cookie
  mfa:
    methods: [totp, passkey]
    require_at_login: false
    require_for_actions: [wallet.waas.export, wallet.waas.sign]
    backup_codes: true
  notifications:
    key_export: true
    signed_transaction: true
    credential_linked: true
    credential_unlinked: true
  api_tokens:
    - name: ci-deployer
      scopes: [environment.settings.read, environment.settings.write]
      rotate_every: 90d
      overlap: 7d
  app:
    embedded_wallets: true
    sms_sign_in: false
    high_value: true

stages:
"""


@dataclass(frozen=True)
class ProjectIds:
    name: str
    sandbox: str
    live: str


def policy_text(projects: Sequence[ProjectIds]) -> str:
    """A policy with a `<project>-sandbox` and a `<project>-live` stage per project."""
    parts = [_DEFAULTS]
    for project in projects:
        name = project.name
        parts.append(
            f"  {name}-sandbox:\n"
            f"    environment_id: {project.sandbox}\n"
            "    production: false\n"
            "    allowed_origins:\n"
            f"      - https://{name}.staging.example.com\n"
            "      - http://localhost:3000\n"
            "    jwt_lifetime: 1d\n"
            f"  {name}-live:\n"
            f"    environment_id: {project.live}\n"
            "    production: true\n"
            "    allowed_origins:\n"
            f"      - https://app.{name}.example.com\n"
            f"      - https://www.{name}.example.com\n"
            "    jwt_lifetime: 2h\n"
            "    mfa:\n"
            "      require_at_login: true\n"
            "    external_auth:\n"
            "      enabled: true\n"
            f"      issuer: https://auth.{name}.example.com\n"
            f"      audience: {name}-production\n"
            f"      jwks_url: https://auth.{name}.example.com/.well-known/jwks.json\n"
            "    webhooks:\n"
            "      - name: session-audit\n"
            f"        url: https://hooks.{name}.example.com/dynamic\n"
            "        events: [user.session.revoked, admin.user.session.revoked]\n"
        )
    return "".join(parts)


def write_policy(path: Path, projects: Sequence[ProjectIds]) -> Path:
    path.write_text(policy_text(projects), encoding="utf-8")
    return path


class Fleet:
    """Creates projects and converges their environments through the API."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self._emulator = emulator
        self._client = DynamicClient(ClientConfig(
            token=Secret(ADMIN_TOKEN), base_url=emulator.base_url,
            max_requests_per_minute=UNLIMITED,
        ))
        self.projects: list[ProjectIds] = []

    def close(self) -> None:
        self._client.close()

    def grow_to(self, count: int) -> list[ProjectIds]:
        """Create projects until there are `count`; returns the new ones."""
        start = len(self.projects)
        if count <= start:
            return []

        def create(index: int) -> ProjectIds:
            name = f"p{index:04d}"
            # The organisation of the emulator's `empty` seed (docs/emulator.md#seeds).
            project = self._client.create_project(ORGANIZATION_ID, name)
            ids = {e.environment_name: e.id for e in project.project_environments}
            sandbox, live = ids.get("sandbox"), ids.get("live")
            if sandbox is None or live is None:
                raise RuntimeError(f"project {name} came back without its two environments")
            return ProjectIds(name=name, sandbox=sandbox, live=live)

        with ThreadPoolExecutor(SETUP_CONCURRENCY) as pool:
            created = list(pool.map(create, range(start, count)))
        self.projects.extend(created)
        return created

    def converge(self, policy_path: Path, projects: Sequence[ProjectIds]) -> None:
        """Apply the policy to the environments of `projects` until none drifts."""
        wanted = {name for p in projects for name in (f"{p.name}-sandbox", f"{p.name}-live")}
        stages = [s for s in SecurityPolicy.load(policy_path).select() if s.name in wanted]
        with ThreadPoolExecutor(SETUP_CONCURRENCY) as pool:
            for _ in pool.map(self._converge_stage, stages):
                pass

    def _converge_stage(self, stage: EffectiveStage) -> None:
        client = self._client
        if stage.production and stage.token_storage == "cookie":
            # Cookie storage on a live environment needs an active cookie hostname (DS302).
            hostname = client.create_custom_hostname(
                stage.environment_id, f"auth.{stage.name}.example.com", "cookies"
            )
            self._emulator.set_hostname_status(stage.environment_id, hostname.id, "active")
        plan = plan_stage(client, stage, auth_token_checksum=None)
        if plan.blocked:
            rules = sorted({f.rule for f in plan.findings if f.blocks})
            raise RuntimeError(f"bench policy stage {stage.name} is blocked by {rules}")

        def discard(name: str, secret: Any) -> None:
            """The benchmark has no use for a new raw token or webhook secret."""

        apply_plan(client, plan, auth_token_checksum=None, on_secret_issued=discard)
        again = plan_stage(client, stage, auth_token_checksum=None)
        if again.changes:
            raise RuntimeError(f"stage {stage.name} still drifts after apply: {again.changes}")
