"""The digest a saved plan records of its stage's policy (`plan_file.stage_digest`): the same
for every file that resolves to the same stage (layout, comments, key order, spellings that
normalize alike, values inherited from `defaults` or written in the stage), different as soon
as anything the stage means changes, one setting or waiver at a time."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.service.plan_file import stage_digest
from tests.support.dated import fill_dates
from tests.support.ids import LIVE, SANDBOX
from tests.support.policies import stage_of

BASE = f"""\
version: 1
defaults:
  jwt_lifetime: 24h
  mfa:
    methods: [totp]
    require_for_actions: [wallet.waas.export]
stages:
  production:
    environment_id: {LIVE}
    token_storage: cookie
    allowed_origins: [https://app.example.com, https://b.example.com]
    api_tokens:
      - name: ci
        scopes: [environment.settings.read]
        rotate_every: 30d
        overlap: 1d
    app:
      embedded_wallets: true
    limits:
      production_jwt_max: 7d
waivers:
  - rule: DS301
    stages: [production]
    reason: A backend reads the JWT from a header
    expires: {{{{today+30}}}}
"""

# The same stage, written differently.
SAME = {
    "reformatted": BASE.replace("[https://app.example.com, https://b.example.com]",
                                "\n      - https://app.example.com\n      - https://b.example.com"),
    "commented": "# a comment\n" + BASE.replace("token_storage: cookie",
                                                "token_storage: cookie  # why"),
    "duration-spelled-otherwise": BASE.replace("jwt_lifetime: 24h", "jwt_lifetime: 1d"),
    "origin-spelled-otherwise": BASE.replace("https://app.example.com,",
                                             "HTTPS://App.Example.com:443,"),
    "inherited-written-in-the-stage": BASE.replace("  jwt_lifetime: 24h\n", "").replace(
        "    token_storage: cookie\n", "    token_storage: cookie\n    jwt_lifetime: 24h\n"),
    "another-stage-added": BASE.replace("waivers:", f"  dev:\n    environment_id: {SANDBOX}\n"
                                                    "waivers:"),
    "key-order": BASE.replace(
        "    environment_id: " + LIVE + "\n    token_storage: cookie\n",
        "    token_storage: cookie\n    environment_id: " + LIVE + "\n"),
}

# One thing the stage means changed.
DIFFERENT = {
    "jwt": ("jwt_lifetime: 24h", "jwt_lifetime: 12h"),
    "storage": ("token_storage: cookie", "token_storage: localstorage"),
    "mfa-method": ("methods: [totp]", "methods: [totp, passkey]"),
    "mfa-action": ("[wallet.waas.export]", "[wallet.waas.export, wallet.waas.sign]"),
    "origin": ("https://b.example.com", "https://c.example.com"),
    "token-scope": ("scopes: [environment.settings.read]",
                    "scopes: [environment.settings.read, environment.settings.write]"),
    "rotation": ("rotate_every: 30d", "rotate_every: 31d"),
    "overlap": ("overlap: 1d", "overlap: 2d"),
    "app-fact": ("embedded_wallets: true", "embedded_wallets: false"),
    "limit": ("production_jwt_max: 7d", "production_jwt_max: 8d"),
    "waiver-reason": ("reads the JWT", "reads the token"),
    "waiver-expiry": ("{{today+30}}", "{{today+31}}"),
    "waiver-values": ("stages: [production]", "stages: [production]\n    values: [x]"),
    "production-flag": ("    token_storage: cookie\n",
                        "    token_storage: cookie\n    production: false\n"),
    "environment": (LIVE, SANDBOX),
    "area-unmanaged": ("    token_storage: cookie\n", "    token_storage: null\n"),
}


def digest_of(text: str) -> str:
    return stage_digest(stage_of(fill_dates(text)))


@pytest.mark.parametrize("text", list(SAME.values()), ids=list(SAME))
def test_the_same_stage_written_otherwise_has_the_same_digest(text: str) -> None:
    assert digest_of(text) == digest_of(BASE)


@pytest.mark.parametrize("edit", list(DIFFERENT.values()), ids=list(DIFFERENT))
def test_any_change_to_what_the_stage_means_changes_the_digest(edit: tuple[str, str]) -> None:
    old, new = edit
    assert old in BASE
    assert digest_of(BASE.replace(old, new, 1)) != digest_of(BASE)


def test_the_digest_is_a_sha256_and_stable() -> None:
    first, second = digest_of(BASE), digest_of(BASE)
    assert first == second
    assert len(first) == 64 and int(first, 16) >= 0
