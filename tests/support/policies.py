"""Policies the tests of several areas write, and the builder of a one-stage policy."""

from __future__ import annotations

from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from tests.support.ids import LIVE


def policy_text(environment_id: str, body: str, stage: str = "production") -> str:
    """A one-stage policy: `body` is the stage's keys, indented by the caller's 4 spaces."""
    return f"version: 1\nstages:\n  {stage}:\n    environment_id: {environment_id}\n{body}"


def stage_of(text: str, name: str = "production") -> EffectiveStage:
    """Stage `name` of the policy `text`."""
    return SecurityPolicy.from_text(text).stage(name)


# Every area managed, every kind of write needed on the demo seed's live environment: JWT 30d
# -> 2h, localstorage -> cookie, MFA off -> TOTP + passkey required at login and for wallet
# actions (one PUT of the settings); origins {*.example.com, localhost:3000} -> FULL_ORIGINS
# (two POSTs, two DELETEs); a token for FULL_ENTRY (issued, or rotated when one is due).
FULL_ENTRY = "ci-deployer"
FULL_ORIGINS = ("https://app.example.com", "https://www.example.com")
FULL = policy_text(LIVE, f"""\
    jwt_lifetime: 2h
    token_storage: cookie
    mfa:
      methods: [totp, passkey]
      require_at_login: true
      require_for_actions: [wallet.waas.export, wallet.waas.sign]
      backup_codes: true
    allowed_origins: [{", ".join(FULL_ORIGINS)}]
    api_tokens:
      - name: {FULL_ENTRY}
        scopes: [environment.settings.read]
        rotate_every: 90d
        overlap: 7d
""")
