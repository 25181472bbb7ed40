"""`EnvironmentSecurity` under `pulumi.runtime.set_mocks`: which children it declares, with
which types, names, parents, inputs and options, and what it does with the stage's rules."""

from __future__ import annotations

import base64
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dill
import pytest

from pulumi_dynamic_security.errors import PolicyBlockedError
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import (
    AllowedOriginsProvider,
    ApiTokenRotationProvider,
    SecuritySettingsProvider,
    WebhookProvider,
)
from tests.providers.mocks import (
    RAW_TOKEN,
    TOKEN_ID,
    WEBHOOK_ID,
    WEBHOOK_SECRET,
    run_under_mocks,
    unwrap,
)
from tests.providers.stack import register
from tests.support.ids import LIVE, SANDBOX

COMPONENT = "dynamic-security:index:EnvironmentSecurity"
SETTINGS = "pulumi-python:dynamic/dynamic-security:SecuritySettings"
ORIGINS = "pulumi-python:dynamic/dynamic-security:AllowedOrigins"
TOKEN = "pulumi-python:dynamic/dynamic-security:ApiTokenRotation"
WEBHOOK = "pulumi-python:dynamic/dynamic-security:Webhook"
PROJECT = "dynamic-security-example"


def build(policy: SecurityPolicy, stage: str, attributes: dict[str, Any]) -> Any:
    """A program: the component for `stage`, its attributes resolved into `attributes`."""
    import pulumi

    from pulumi_dynamic_security import EnvironmentSecurity

    def program() -> Any:
        env = EnvironmentSecurity(stage, stage=policy.stage(stage))
        attributes["env"] = env
        outputs = {
            "origins": env.allowed_origins.origins if env.allowed_origins else None,
            "jwt_lifetime": env.settings.jwt_lifetime if env.settings else None,
            "mfa": env.settings.mfa if env.settings else None,
            "token_ids": {name: t.token_id for name, t in env.tokens.items()},
            "tokens": {name: t.token for name, t in env.tokens.items()},
            "webhook_ids": {name: w.webhook_id for name, w in env.webhooks.items()},
            "webhook_secrets": {name: w.secret for name, w in env.webhooks.items()},
        }
        return pulumi.Output.from_input(outputs).apply(attributes.update)

    return program


def test_children_types_names_and_inputs(policy: SecurityPolicy) -> None:
    attributes: dict[str, Any] = {}
    monitor = run_under_mocks(build(policy, "production", attributes),
                              project=PROJECT, stack="production")

    assert [(r.type, r.name) for r in monitor.registrations] == [
        (COMPONENT, "production"),
        (SETTINGS, "production-settings"),
        (ORIGINS, "production-origins"),
        (TOKEN, "production-token-ci-deployer"),
        (WEBHOOK, "production-webhook-session-audit"),
    ]
    component = monitor.by_name("production")
    assert not component.custom
    for child in monitor.registrations[1:]:
        assert child.custom and child.parent.endswith(f"{COMPONENT}::production")

    settings = monitor.by_name("production-settings").inputs
    assert {k: v for k, v in settings.items() if k != "__provider"} == {
        "environment_id": LIVE,
        "stage": "production",
        "production": True,
        "waivers": [],
        "jwt_lifetime": "2h",
        "token_storage": "cookie",
        "mfa": {"methods": ["totp", "passkey"], "require_at_login": True,
                "require_for_actions": ["wallet.waas.sign", "wallet.waas.export"],
                "backup_codes": True},
        "external_auth": {"enabled": True, "issuer": "https://auth.acme-wallet.com",
                          "audience": "dynamic-acme-production",
                          "jwks_url": "https://auth.acme-wallet.com/.well-known/jwks.json"},
        "notifications": {"key_export": True, "signed_transaction": True,
                          "credential_linked": True, "credential_unlinked": True},
        "app": {"embedded_wallets": True, "sms_sign_in": False, "high_value": True},
        "limits": {"production_jwt_max": "7d", "wallet_jwt_max": "1d",
                   "token_rotation_max": "90d"},
    }
    origins = monitor.by_name("production-origins").inputs
    assert origins["origins"] == ["https://app.acme-wallet.com", "https://www.acme-wallet.com"]
    token = monitor.by_name("production-token-ci-deployer")
    assert {k: token.inputs[k] for k in ("name", "scopes", "rotate_every", "overlap")} == {
        "name": "ci-deployer",
        "scopes": ["environment.settings.read", "environment.settings.write"],
        "rotate_every": "90d",
        "overlap": "7d",
    }
    assert token.additional_secret_outputs == ["token"]
    assert monitor.by_name("production-settings").additional_secret_outputs == []
    webhook = monitor.by_name("production-webhook-session-audit")
    assert {k: webhook.inputs[k] for k in ("name", "url", "events", "enabled")} == {
        "name": "session-audit",
        "url": "https://hooks.acme-wallet.com/dynamic",
        "events": ["admin.user.session.revoked", "user.session.created",
                   "user.session.revoked"],
        "enabled": True,
    }
    assert webhook.additional_secret_outputs == ["secret"]

    # the serialized provider: a secret, the right class, by reference
    for name, cls in (("production-settings", SecuritySettingsProvider),
                      ("production-origins", AllowedOriginsProvider),
                      ("production-token-ci-deployer", ApiTokenRotationProvider),
                      ("production-webhook-session-audit", WebhookProvider)):
        serialized = monitor.by_name(name).inputs["__provider"]
        assert isinstance(serialized, dict)  # a secret wrapper
        assert type(dill.loads(base64.b64decode(unwrap(serialized)))) is cls

    assert attributes["origins"] == origins["origins"]
    assert attributes["jwt_lifetime"] == "2h"
    assert attributes["token_ids"] == {"ci-deployer": TOKEN_ID}
    assert attributes["tokens"] == {"ci-deployer": RAW_TOKEN}
    assert attributes["webhook_ids"] == {"session-audit": WEBHOOK_ID}
    assert attributes["webhook_secrets"] == {"session-audit": WEBHOOK_SECRET}
    env = attributes["env"]
    assert set(env.tokens) == {"ci-deployer"} and set(env.webhooks) == {"session-audit"}


def test_only_the_areas_a_stage_manages_become_children() -> None:
    policy = SecurityPolicy.from_text(
        "version: 1\n"
        "stages:\n"
        "  dev:\n"
        f"    environment_id: {SANDBOX}\n"
        "    allowed_origins: [http://localhost:3000]\n"
    )
    attributes: dict[str, Any] = {}
    monitor = run_under_mocks(build(policy, "dev", attributes), project=PROJECT, stack="dev")
    assert [r.name for r in monitor.registrations] == ["dev", "dev-origins"]
    env = attributes["env"]
    assert env.settings is None and env.tokens == {} and env.webhooks == {}
    assert attributes["origins"] == ["http://localhost:3000"]


def test_a_blocked_stage_raises_naming_the_rules_before_registering() -> None:
    policy = SecurityPolicy.from_text(
        "version: 1\n"
        "stages:\n"
        "  production:\n"
        f"    environment_id: {LIVE}\n"
        "    allowed_origins: ['https://*.example.com', http://app.example.com]\n"
    )
    with pytest.raises(PolicyBlockedError) as blocked:
        run_under_mocks(build(policy, "production", {}), project=PROJECT, stack="production")
    message = str(blocked.value)
    assert "DS102" in message and "DS104" in message
    assert "allowed_origins[0]" in message and "dynamic-security.yaml:5" in message


# A production stage with no token rotation (DS501) and its JWT in local storage (DS301).
NO_ROTATION = (
    "version: 1\n"
    "stages:\n"
    "  production:\n"
    f"    environment_id: {LIVE}\n"
    "    allowed_origins: [https://app.example.com]\n"
    "    token_storage: localstorage\n"
)


def test_warnings_are_logged(policy: SecurityPolicy, caplog: pytest.LogCaptureFixture) -> None:
    no_rotation = SecurityPolicy.from_text(NO_ROTATION)
    with caplog.at_level(logging.INFO):
        run_under_mocks(build(no_rotation, "production", {}), project=PROJECT,
                        stack="production")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("DS501 no-token-rotation") for m in warnings), warnings
    assert any(m.startswith("DS301 jwt-in-localstorage") for m in warnings), warnings


def test_settings_and_origins_are_retained_on_delete_tokens_are_not(
    policy: SecurityPolicy,
) -> None:
    monitor = run_under_mocks(build(policy, "production", {}), project=PROJECT,
                              stack="production")
    assert {r.name: r.retain_on_delete for r in monitor.registrations} == {
        "production": False,
        "production-settings": True,
        "production-origins": True,
        "production-token-ci-deployer": False,
        "production-webhook-session-audit": False,  # deleting it deletes the webhook
    }
    # and a token resource keeps its tokens when deleted, unless the program says otherwise
    assert monitor.by_name("production-token-ci-deployer").inputs["revoke_on_delete"] is False
    revoking = register(policy, stack="production", revoke_tokens_on_delete=True)
    assert revoking.by_name("production-token-ci-deployer").inputs["revoke_on_delete"] is True


def test_a_blocked_stage_is_a_run_error_of_one_paragraph() -> None:
    import pulumi

    policy = SecurityPolicy.from_text(
        "version: 1\n"
        "stages:\n"
        "  production:\n"
        f"    environment_id: {LIVE}\n"
        "    allowed_origins: ['https://*.example.com']\n"
    )
    with pytest.raises(pulumi.RunError) as blocked:
        run_under_mocks(build(policy, "production", {}), project=PROJECT, stack="production")
    # pulumi-language-python-exec prints a RunError as `error: <str(e)>`, no traceback
    message = str(blocked.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("Stage 'production' is blocked by DS102: DS102 origin-wildcard")
    assert message.endswith("`dynsec validate` shows the same findings.")


def test_the_stage_is_the_stack_config_else_the_stack_name(policy: SecurityPolicy) -> None:
    # a stack named after the stage
    by_name = register(policy, stack="staging")
    assert [r.name for r in by_name.registrations][:2] == ["staging", "staging-settings"]
    assert by_name.by_name("staging-settings").inputs["stage"] == "staging"
    # another stack deploying that stage: names follow the stack, inputs the stage
    override = register(policy, stack="ci-preview", config={"dynamic-security:stage": "staging"})
    settings = override.by_name("ci-preview-settings").inputs
    assert (settings["stage"], settings["environment_id"]) == (
        "staging", policy.stage("staging").environment_id)
    assert override.by_name("ci-preview").type == COMPONENT


def test_a_stage_the_policy_does_not_have_names_where_it_came_from(
    policy: SecurityPolicy,
) -> None:
    import pulumi

    with pytest.raises(pulumi.RunError) as from_stack:
        register(policy, stack="qa")
    assert "has no stage 'qa'" in str(from_stack.value)
    assert "the stack name (set dynamic-security:stage" in str(from_stack.value)
    with pytest.raises(pulumi.RunError) as from_config:
        register(policy, stack="qa", config={"dynamic-security:stage": "prodution"})
    assert "did you mean 'production'?" in str(from_config.value)
    assert "the stack config dynamic-security:stage" in str(from_config.value)


def test_an_unusable_policy_file_is_a_run_error(tmp_path: Path) -> None:
    import pulumi

    from pulumi_dynamic_security import EnvironmentSecurity

    broken = tmp_path / "dynamic-security.yaml"
    broken.write_text("version: 1\nstages:\n  dev: {environment_id: nope}\n")
    with pytest.raises(pulumi.RunError) as failed:
        run_under_mocks(lambda: EnvironmentSecurity.for_stack(broken), project=PROJECT,
                        stack="dev")
    assert f"{broken}:3" in str(failed.value)


def test_a_waiver_reason_is_logged_as_one_escaped_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The reason is free text of the policy (a pull request's author writes it).
    hostile = "ok\\e[2J\\n::error::forged"  # YAML escapes: ESC, a newline
    waived = SecurityPolicy.from_text(
        NO_ROTATION +
        "waivers:\n"
        "  - rule: DS301\n"
        f'    reason: "{hostile}"\n'
        f"    expires: {date.today() + timedelta(days=30)}\n"
    )
    with caplog.at_level(logging.INFO):
        run_under_mocks(build(waived, "production", {}), project=PROJECT, stack="production")
    said = [r.getMessage() for r in caplog.records if "waived: DS301" in r.getMessage()]
    assert said, [r.getMessage() for r in caplog.records]
    assert all("\x1b" not in m and "\n" not in m for m in said), said
    assert "ok\\x1b[2J\\x0a::error::forged" in said[0]
