"""`export` then `plan` shows no changes (docs/mapping.md#export), for generated live states.

Two levels: a pure one on many generated documents and webhook lists (including MFA method
types this tool does not know and webhook urls the emulator refuses to store), and an
end-to-end one that writes each generated state through the API of one emulator (reset
between examples), exports it over HTTP, loads the exported text as a policy and plans it
over HTTP. Either way the export holds no secret: a webhook's is never in it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security.api.models import Origin, ProjectEnvironment, Webhook
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.service.export import export_policy, render_policy
from pulumi_dynamic_security.service.plan import plan_from_snapshot, plan_stage
from pulumi_dynamic_security.service.snapshot import Snapshot
from tests.service.strategies import origin_sets, security_sections, webhook_lists
from tests.support.clients import make_client, reset_budget
from tests.support.ids import LIVE, SANDBOX

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


SECRET = "whsec-never-exported-0123456789"


def snapshot(kind: str, security: dict[str, Any], origins: list[str],
             webhooks: list[dict[str, Any]] | None = None) -> Snapshot:
    environment_id = LIVE if kind == "live" else SANDBOX
    settings_document = {"environmentName": kind, "general": {}, "security": security}
    return Snapshot(
        environment_id=environment_id,
        environment=ProjectEnvironment(id=environment_id, settings=settings_document),
        origins=tuple(Origin(id=f"o{i}", origin=o) for i, o in enumerate(origins)),
        tokens=(),
        active_cookie_hostname=True,
        read_at=NOW,
        webhooks=tuple(
            Webhook.model_validate({"webhookId": f"w{i}", "url": w["url"], "events": w["events"],
                                    "isEnabled": w["enabled"], "secret": SECRET})
            for i, w in enumerate(webhooks or ())
        ),
    )


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["sandbox", "live"]),
       security=security_sections(unknown_types=True), origins=origin_sets(),
       webhooks=webhook_lists(emulated=False),
       stage_name=st.sampled_from([None, "prod", "qa"]))
def test_an_exported_document_plans_with_no_changes(
    kind: str, security: dict[str, Any], origins: list[str], webhooks: list[dict[str, Any]],
    stage_name: str | None,
) -> None:
    live = snapshot(kind, security, origins, webhooks)

    text = render_policy(live, stage_name)
    policy = SecurityPolicy.from_text(text)
    (stage,) = policy.stages.values()
    planned = plan_from_snapshot(stage, live, auth_token_checksum=None)

    assert planned.changes == [], text
    assert SECRET not in text
    assert stage.notifications is not None  # always exported (absent e-mails read as on)
    assert stage.environment_id == live.environment_id
    assert stage.name == (stage_name or ("production" if kind == "live" else "dev"))
    assert stage.allowed_origins is not None and stage.token_storage is not None
    assert stage.api_tokens is None  # raw token values cannot be read back


def write_state(emulator: EmulatorHandle, environment_id: str, security: dict[str, Any],
                origins: list[str], webhooks: list[dict[str, Any]]) -> None:
    with make_client(emulator) as client:
        document = client.get_environment(environment_id).settings_copy()
        for key in ("jwtDuration", "auth", "mfa"):
            document["security"].pop(key, None)
        document["security"].update(security)
        client.update_settings(environment_id, document)
        for existing in client.list_origins(environment_id):
            client.delete_origin(existing.id)
        for origin in origins:
            client.add_origin(environment_id, origin)
        for webhook in webhooks:
            client.create_webhook(environment_id, webhook["url"], events=webhook["events"],
                                  enabled=webhook["enabled"])


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(environment_id=st.sampled_from([SANDBOX, LIVE]), security=security_sections(),
       origins=origin_sets(), webhooks=webhook_lists())
def test_export_then_plan_over_http_shows_no_changes(
    emulator_server: EmulatorHandle, environment_id: str, security: dict[str, Any],
    origins: list[str], webhooks: list[dict[str, Any]],
) -> None:
    emulator_server.reset("demo")
    reset_budget()
    write_state(emulator_server, environment_id, security, origins, webhooks)

    with make_client(emulator_server) as client:
        text = export_policy(client, environment_id)
        stage = next(iter(SecurityPolicy.from_text(text).stages.values()))
        planned = plan_stage(client, stage, auth_token_checksum=client.config.token.checksum)

    assert planned.changes == [], text


def test_live_webhooks_sharing_a_url_but_not_their_settings_are_left_out() -> None:
    # Dynamic keeps these apart (its urls are compared as written); a policy entry names the
    # url normalized, so one entry would manage all three, and exporting the first made
    # the plan of the exported file enable the second and change the third's events.
    same = {"events": ["user.created"], "enabled": True}
    live = snapshot("live", {}, [], [
        {"url": "https://Hooks.Example.com/x", **same},
        {"url": "https://hooks.example.com/x", "events": ["user.created"], "enabled": False},
        {"url": "https://HOOKS.example.com/x", "events": ["user.deleted"], "enabled": True},
        {"url": "https://other.example.com/y", **same},
        {"url": "https://Other.example.com/y", **same},  # alike: one entry manages both
    ])

    text = render_policy(live, None)
    (stage,) = SecurityPolicy.from_text(text).stages.values()

    assert plan_from_snapshot(stage, live, auth_token_checksum=None).changes == [], text
    assert [entry.url for entry in stage.webhooks or ()] == ["https://other.example.com/y"]
    for webhook_id in ("w0", "w1", "w2"):
        assert f"live webhook {webhook_id} shares its url" in text
